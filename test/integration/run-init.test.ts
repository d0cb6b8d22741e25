// --init (issue 13): a tiny init as PID 1, as Docker's tini at /sbin/docker-init: `ps` inside
// shows it as 1 and the command as its child, it reaps orphaned zombies, forwards signals (so
// `stop` ends a PID-1-deaf command at once), and passes the exit code through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run --init', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.run(['rm', '-f', 'in-stop', 'in-plain', 'in-zombie', 'in-nozombie']);
    md.cleanup();
  });

  it('PID 1 is /sbin/docker-init, the command its child', () => {
    const out = md.ok(['run', '--rm', '--network', 'none', '--init', 'busybox', 'ps', '-o', 'pid,ppid,comm,args']);
    const rows = out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows[0].slice(0, 3)).toEqual(['1', '0', 'docker-init']);
    expect(rows[0].slice(3).join(' ')).toBe('/sbin/docker-init -- ps -o pid,ppid,comm,args');
    expect(rows[1].slice(0, 3)).toEqual(['2', '1', 'ps']);
    // without --init the command is PID 1
    const plain = md.ok(['run', '--rm', '--network', 'none', 'busybox', 'ps', '-o', 'pid,comm']);
    expect(plain).toMatch(/^\s*1 ps$/m);
  });

  it('passes the exit code through, a signal death as 128+N, and exec failures as before', () => {
    expect(md.run(['run', '--rm', '--network', 'none', '--init', 'busybox', 'sh', '-c', 'exit 7']).code).toBe(7);
    expect(md.run(['run', '--rm', '--network', 'none', '--init', 'busybox', 'sh', '-c', 'kill -9 $$']).code).toBe(137);
    const r = md.run(['run', '--rm', '--network', 'none', '--init', 'busybox', 'nosuch']);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('executable file not found');
  });

  it('forwards signals: stop ends `sleep` at once (without --init, PID 1 ignores SIGTERM)', async () => {
    md.ok(['run', '-d', '--name', 'in-stop', '--init', 'busybox', 'sleep', '30']);
    expect(md.ok(['inspect', '-f', '{{.HostConfig.Init}}', 'in-stop']).trim()).toBe('true');
    let t = Date.now();
    md.ok(['stop', '-t', '5', 'in-stop']);
    expect(Date.now() - t).toBeLessThan(3000);
    expect(md.ok(['inspect', '-f', '{{.State.ExitCode}}', 'in-stop']).trim()).toBe('143');

    md.ok(['run', '-d', '--name', 'in-plain', 'busybox', 'sleep', '30']);
    t = Date.now();
    md.ok(['stop', '-t', '1', 'in-plain']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000);
    expect(md.ok(['inspect', '-f', '{{.State.ExitCode}} {{.HostConfig.Init}}', 'in-plain']).trim()).toBe('137 <nil>');
  });

  it('reaps orphaned zombies (without --init they stay)', async () => {
    // the subshell's sleep is orphaned to PID 1 and exits after 0.2 s; `sleep 30` never reaps
    const script = '(sleep 0.2 &); exec sleep 30';
    md.ok(['run', '-d', '--name', 'in-nozombie', '--init', 'busybox', 'sh', '-c', script]);
    md.ok(['run', '-d', '--name', 'in-zombie', 'busybox', 'sh', '-c', script]);
    await sleep(1200);
    const states = (name: string) => md.ok(['exec', name, 'ps', '-o', 'stat,comm']).trim().split('\n').slice(1).map((l) => l.trim());
    expect(states('in-zombie').some((l) => l.startsWith('Z'))).toBe(true);
    expect(states('in-nozombie').some((l) => l.startsWith('Z'))).toBe(false);
  });
});
