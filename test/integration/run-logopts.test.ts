// --log-driver json-file|none and --log-opt max-size/max-file (issue 13): the shim rotates the
// json-file log as Docker's json-file driver does, `logs` reads the rotated files in order (and
// follows across a rotation); with none there is no log, and `logs` says Docker's message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

describe('--log-driver, --log-opt', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.run(['rm', '-f', 'lo-rot', 'lo-none', 'lo-one', 'lo-follow']);
    md.cleanup();
  });
  const dir = (name: string) => join(md.root, 'containers', md.ok(['inspect', '-f', '{{.Id}}', name]).trim());
  const lines = (n: number) => `i=1; while [ $i -le ${n} ]; do echo line$i; i=$((i+1)); done`;

  it('refuses what it cannot do, as Docker words it, before anything is made', () => {
    const cases: [string[], string][] = [
      [['--log-driver', 'syslog'], "log driver 'syslog' is not supported by minidock (json-file and none are)"],
      [['--log-driver', 'nosuch'], 'error looking up logging plugin nosuch: plugin "nosuch" not found'],
      [['--log-driver', 'none', '--log-opt', 'max-size=1m'], 'invalid logging opts for driver none'],
      [['--log-opt', 'max-size=0'], 'max-size must be a positive number'],
      [['--log-opt', 'max-size=lots'], "failed to initialize logging driver: invalid size: 'lots'"],
      [['--log-opt', 'max-size=1m', '--log-opt', 'max-file=0'], 'max-file cannot be less than 1'],
      [['--log-opt', 'colour=blue'], "unknown log opt 'colour' for json-file log driver"],
      [['--log-opt', 'compress=true'], "log opt 'compress' is not supported by minidock's json-file driver"],
    ];
    for (const [flags, msg] of cases) {
      const r = md.run(['run', '--network', 'none', ...flags, 'busybox', 'true']);
      expect(r.code, flags.join(' ')).toBe(125);
      expect(r.stderr).toContain(msg);
    }
    expect(md.ok(['ps', '-aq'])).toBe('');
  });

  it('max-size/max-file: rotated files, each about max-size, the oldest dropped; logs reads them in order', () => {
    md.ok(['run', '--name', 'lo-rot', '--network', 'none', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', lines(300)]);
    const d = dir('lo-rot');
    const logs = readdirSync(d).filter((n) => n.startsWith('json.log')).sort();
    expect(logs).toEqual(['json.log', 'json.log.1', 'json.log.2']);
    for (const n of ['json.log.1', 'json.log.2']) {
      const size = statSync(join(d, n)).size;
      expect(size).toBeGreaterThanOrEqual(2000);
      expect(size).toBeLessThan(2100); // one entry over at most
    }
    const out = md.ok(['logs', 'lo-rot']).trim().split('\n');
    expect(out[out.length - 1]).toBe('line300');
    // consecutive, oldest first, and the first lines dropped with the oldest file
    const first = Number(out[0].slice(4));
    expect(first).toBeGreaterThan(1);
    expect(out).toEqual(Array.from({ length: 300 - first + 1 }, (_, i) => `line${first + i}`));
    expect(md.ok(['logs', '--tail', '2', 'lo-rot']).trim()).toBe('line299\nline300');
    expect(md.ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'lo-rot']).trim()).toBe('{"Type":"json-file","Config":{"max-file":"3","max-size":"2k"}}');
  });

  it('max-file 1 (the default) truncates in place', () => {
    md.ok(['run', '--name', 'lo-one', '--network', 'none', '--log-opt', 'max-size=1k', 'busybox', 'sh', '-c', lines(200)]);
    const d = dir('lo-one');
    expect(existsSync(join(d, 'json.log.1'))).toBe(false);
    expect(statSync(join(d, 'json.log')).size).toBeLessThan(1100);
    expect(md.ok(['logs', 'lo-one']).trim().split('\n').pop()).toBe('line200');
  });

  it('logs -f follows across rotations', async () => {
    md.ok(['run', '-d', '--name', 'lo-follow', '--network', 'none', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=5', 'busybox', 'sh', '-c',
      `sleep 0.5; i=1; while [ $i -le 150 ]; do echo line$i; i=$((i+1)); [ $((i % 20)) = 0 ] && sleep 0.2; done`]);
    const r = await md.runAsync(['logs', '-f', 'lo-follow']);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toEqual(Array.from({ length: 150 }, (_, i) => `line${i + 1}`));
    expect(existsSync(join(dir('lo-follow'), 'json.log.2'))).toBe(true);
  });

  it('none: no log file; output still reaches an attached run; logs refuses with Docker\'s message', () => {
    const r = md.run(['run', '--name', 'lo-none', '--network', 'none', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
    expect(r.stdout).toBe('hi\n');
    expect(existsSync(join(dir('lo-none'), 'json.log'))).toBe(false);
    const l = md.run(['logs', 'lo-none']);
    expect(l.code).toBe(1);
    expect(l.stderr).toContain('Error response from daemon: configured logging driver does not support reading');
    expect(md.ok(['inspect', '-f', '{{.LogPath}}|{{.HostConfig.LogConfig.Type}}', 'lo-none']).trim()).toBe('|none');
  });
});
