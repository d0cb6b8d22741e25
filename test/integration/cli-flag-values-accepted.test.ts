// Flag values Docker's CLI takes that minidock's parser once refused or misread (issue 13; the
// refusals are cli-flag-values.test.ts): booleans given a value (`--rm=false`, `-t=false`), a bare
// `--sig-proxy` before the image, numbers as pflag reads them (base 0: `0x10`, `010`), --cpus as
// a rational, sizes as go-units reads them, stop's `--timeout` and its deprecated `--time`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock } from '../helpers/cli.js';

let md: Minidock;
beforeAll(() => {
  md = new Minidock();
});
afterAll(() => {
  md?.cleanup();
});

const made = (args: string[], template: string): string => {
  const id = md.ok(['create', ...args, 'busybox', 'true']).trim();
  try {
    return md.ok(['inspect', '-f', template, id]).trim();
  } finally {
    md.ok(['rm', id]);
  }
};

describe("flag values as Docker's CLI reads them", () => {
  it('booleans given a value: true, false and Go spellings (1, t, F, True…)', () => {
    expect(made(['--rm=true'], '{{.HostConfig.AutoRemove}}')).toBe('true');
    expect(made(['--rm=false'], '{{.HostConfig.AutoRemove}}')).toBe('false');
    expect(made(['-t=false', '-i=1'], '{{.Config.Tty}} {{.Config.OpenStdin}}')).toBe('false true');
    expect(made(['-it=F'], '{{.Config.Tty}} {{.Config.OpenStdin}}')).toBe('false true');
    expect(made(['--read-only=True'], '{{.HostConfig.ReadonlyRootfs}}')).toBe('true');
  });

  it('numbers: base 0 as pflag reads them; --cpus a rational; sizes as go-units', () => {
    expect(made(['-c', '0x10'], '{{.HostConfig.CpuShares}}')).toBe('16');
    expect(made(['--stop-timeout', '010'], '{{.Config.StopTimeout}}')).toBe('8');
    expect(made(['--cpus', '1/2'], '{{.HostConfig.NanoCpus}}')).toBe('500000000');
    expect(made(['--cpus=5e-1'], '{{.HostConfig.NanoCpus}}')).toBe('500000000');
    expect(made(['-m', '1e7'], '{{.HostConfig.Memory}}')).toBe('10000000');
    expect(made(['-m=10 MB'], '{{.HostConfig.Memory}}')).toBe(String(10 * 1024 * 1024));
    expect(made(['--health-cmd', 'true', '--health-interval', '1m30s'], '{{.Config.Healthcheck.Interval}}')).toBe('90000000000');
  });

  it('a bare --sig-proxy does not take the image for its value', () => {
    const r = md.run(['run', '--rm', '--sig-proxy', 'busybox', 'echo', 'hi']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'hi\n', '']);
  });

  it('stop -t/--timeout, and --time with pflag\'s deprecation line', () => {
    const id = md.ok(['create', 'busybox', 'true']).trim();
    try {
      expect(md.run(['stop', '--timeout', '1', id])).toMatchObject({ code: 0, stderr: '' });
      expect(md.run(['stop', '-t=1', id])).toMatchObject({ code: 0, stderr: '' });
      expect(md.run(['stop', '--time', '1', id])).toMatchObject({ code: 0, stderr: 'Flag --time has been deprecated, use --timeout instead\n' });
    } finally {
      md.ok(['rm', id]);
    }
  });

  it('ps -n in base 0, --no-trunc=false; network create booleans given a value', () => {
    const a = md.ok(['create', 'busybox', 'true']).trim();
    try {
      expect(md.ok(['ps', '-a', '-q', '-n', '0x1', '--no-trunc=false']).trim()).toBe(a.slice(0, 12));
      expect(md.ok(['ps', '-a', '-q', '--no-trunc=true']).trim()).toBe(a);
    } finally {
      md.ok(['rm', a]);
    }
    md.ok(['network', 'create', '--internal=false', '--ipv6=f', 'fvnet']);
    try {
      expect(md.ok(['network', 'inspect', '-f', '{{.Internal}} {{.EnableIPv6}}', 'fvnet']).trim()).toBe('false false');
    } finally {
      md.ok(['network', 'rm', 'fvnet']);
    }
  });
});
