// Health checks (issue 13): --health-* and the image's HEALTHCHECK, run by the container's
// watcher (minidock-shim) through the exec path at each interval; State.Health as Docker's
// (Status, FailingStreak, the last 5 results), and ps's (healthy)/(unhealthy)/(health: starting).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('health checks', () => {
  let md: Minidock;
  let tmp: string;
  beforeAll(() => {
    md = new Minidock();
    tmp = mkdtempSync(join(tmpdir(), 'mdhealth-'));
  });
  afterAll(() => {
    md.run(['rm', '-f', 'hc-slow', 'hc-flip', 'hc-start', 'hc-timeout', 'hc-image', 'hc-none', 'hc-over']);
    md.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });
  const health = (name: string) => JSON.parse(md.ok(['inspect', '-f', '{{json .State.Health}}', name]));
  const status = (name: string) => md.ok(['ps', '-a', '--format', '{{.Names}}\t{{.Status}}']).split('\n').find((l) => l.startsWith(name + '\t'))?.split('\t')[1] ?? '';
  async function until(what: () => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error('timed out');
      await sleep(100);
    }
  }

  it('refuses bad flags as Docker does', () => {
    const cases: [string[], string][] = [
      [['--no-healthcheck', '--health-cmd', 'true'], '--no-healthcheck conflicts with --health-* options'],
      [['--health-interval', 'soon'], 'invalid argument "soon" for "--health-interval" flag: time: invalid duration "soon"'],
      [['--health-timeout', '-1s'], '--health-timeout cannot be negative'],
      [['--health-retries', '-2'], '--health-retries cannot be negative'],
      [['--health-interval', '10us'], 'Interval in Healthcheck cannot be less than 1ms'],
    ];
    for (const [flags, msg] of cases) {
      const r = md.run(['run', '-d', '--network', 'none', ...flags, 'busybox', 'true']);
      expect(r.code, flags.join(' ')).toBe(125);
      expect(r.stderr).toContain(msg);
    }
  });

  it('starting, then unhealthy after --health-retries failures, then healthy; the last 5 results kept', async () => {
    md.ok(['run', '-d', '--name', 'hc-flip', '--network', 'none', '--health-cmd', 'echo probe; test -f /tmp/ok',
      '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '60']);
    // before the first probe (one a minute here): starting, no results
    md.ok(['run', '-d', '--name', 'hc-slow', '--network', 'none', '--health-cmd', 'true', '--health-interval', '1m', 'busybox', 'sleep', '60']);
    expect(status('hc-slow')).toMatch(/^Up .* \(health: starting\)$/);
    expect(health('hc-slow')).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
    await until(() => health('hc-flip').Status === 'unhealthy');
    const h = health('hc-flip');
    expect(h.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(h.Log[0]).toMatchObject({ ExitCode: 1, Output: 'probe\n' });
    expect(Date.parse(h.Log[0].End)).toBeGreaterThanOrEqual(Date.parse(h.Log[0].Start));
    expect(status('hc-flip')).toMatch(/^Up .* \(unhealthy\)$/);
    md.ok(['exec', 'hc-flip', 'touch', '/tmp/ok']);
    await until(() => health('hc-flip').Status === 'healthy');
    expect(health('hc-flip').FailingStreak).toBe(0);
    expect(status('hc-flip')).toMatch(/^Up .* \(healthy\)$/);
    expect(md.ok(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']).trim().split('\n')).toContain('hc-flip');
    expect(md.ok(['ps', '--filter', 'health=starting', '--format', '{{.Names}}']).trim().split('\n')).toEqual(['hc-slow']);
    await until(() => health('hc-flip').Log.length === 5 && health('hc-flip').Log.every((l: { ExitCode: number }) => l.ExitCode === 0));
    await sleep(500);
    expect(health('hc-flip').Log).toHaveLength(5);
    expect(md.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'hc-flip']).trim()).toBe(
      '{"Test":["CMD-SHELL","echo probe; test -f /tmp/ok"],"Interval":200000000,"Retries":2}');
  });

  it('failures inside --health-start-period do not count while starting', async () => {
    md.ok(['run', '-d', '--name', 'hc-start', '--network', 'none', '--health-cmd', 'false', '--health-interval', '100ms',
      '--health-retries', '1', '--health-start-period', '1500ms', 'busybox', 'sleep', '60']);
    await until(() => health('hc-start').Log.length >= 3);
    expect(health('hc-start')).toMatchObject({ Status: 'starting', FailingStreak: 0 });
    await until(() => health('hc-start').Status === 'unhealthy');
  });

  it('a probe past --health-timeout is a failure with exit code -1 and Docker\'s message', async () => {
    md.ok(['run', '-d', '--name', 'hc-timeout', '--network', 'none', '--health-cmd', 'sleep 5', '--health-interval', '100ms',
      '--health-timeout', '200ms', '--health-retries', '1', 'busybox', 'sleep', '60']);
    await until(() => health('hc-timeout').Status === 'unhealthy');
    expect(health('hc-timeout').Log[0]).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (200ms)' });
  });

  it("honours the image's HEALTHCHECK; flags override parts of it; --no-healthcheck disables it", async () => {
    // busybox with a HEALTHCHECK in its config, as a docker-save archive
    const save = join(tmp, 'bb.tar');
    md.ok(['save', '-o', save, 'busybox']);
    const dir = join(tmp, 'x');
    spawnSync('mkdir', ['-p', dir]);
    expect(spawnSync('tar', ['-xf', save, '-C', dir]).status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, manifest[0].Config), 'utf8'));
    config.config.Healthcheck = { Test: ['CMD', 'test', '-e', '/etc/passwd'], Interval: 150_000_000, Retries: 1 };
    const text = JSON.stringify(config);
    const hex = createHash('sha256').update(text).digest('hex');
    writeFileSync(join(dir, `${hex}.json`), text);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ ...manifest[0], Config: `${hex}.json`, RepoTags: ['hc-busybox:latest'] }]));
    for (const f of ['index.json', 'oci-layout', 'repositories']) rmSync(join(dir, f), { force: true });
    const tar = join(tmp, 'hc.tar');
    expect(spawnSync('tar', ['-cf', tar, '-C', dir, ...readdirSync(dir)]).status).toBe(0);
    const load = md.run(['load', '-i', tar]);
    expect(load.code, load.stderr).toBe(0);

    md.ok(['run', '-d', '--name', 'hc-image', '--network', 'none', 'hc-busybox', 'sleep', '60']);
    await until(() => health('hc-image').Status === 'healthy');
    // a flag overrides its own field only: the image's test, the flag's retries
    md.ok(['run', '-d', '--name', 'hc-over', '--network', 'none', '--health-retries', '4', 'hc-busybox', 'sleep', '60']);
    expect(md.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'hc-over']).trim()).toBe(
      '{"Test":["CMD","test","-e","/etc/passwd"],"Interval":150000000,"Retries":4}');
    await until(() => health('hc-over').Status === 'healthy');
    md.ok(['run', '-d', '--name', 'hc-none', '--network', 'none', '--no-healthcheck', 'hc-busybox', 'sleep', '60']);
    await sleep(500);
    expect(md.ok(['inspect', '-f', '{{json .State.Health}}', 'hc-none']).trim()).toBe('null');
    expect(status('hc-none')).toMatch(/^Up [^(]*$/);
  });
});
