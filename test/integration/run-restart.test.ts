// --restart without a daemon (issue 13): the shim decides as moby's restartmanager does, waits
// out the backoff (100 ms doubling, reset after 10 s of running), and the whole start path runs
// again; RestartCount counts, ps/inspect show Restarting; stop, kill and rm -f end it for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run --restart', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.run(['rm', '-f', 'rs-fail', 'rs-always', 'rs-ok', 'rs-unless', 'rs-rm', 'rs-kill', 'rs-fg']);
    md.cleanup();
  });

  const inspect = (name: string, tpl: string) => md.ok(['inspect', '-f', tpl, name]).trim();
  async function until(what: () => boolean, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error('timed out');
      await sleep(50);
    }
  }

  it('refuses bad policies as Docker does, and --rm with --restart', () => {
    const cases: [string[], string][] = [
      [['--restart', 'sometimes'], "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"],
      [['--restart', 'always:3'], "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
      [['--restart', 'on-failure:x'], 'invalid restart policy format: maximum retry count must be an integer'],
      [['--restart', 'on-failure:-1'], 'invalid restart policy: maximum retry count cannot be negative'],
      [['--restart', ':2'], 'invalid restart policy format: no policy provided before colon'],
      [['--restart', 'always', '--rm'], 'conflicting options: cannot specify both --restart and --rm'],
    ];
    for (const [flags, msg] of cases) {
      const r = md.run(['run', '-d', ...flags, 'busybox', 'true']);
      expect(r.code, flags.join(' ')).toBe(125);
      expect(r.stderr).toContain(msg);
    }
    expect(md.ok(['ps', '-aq'])).toBe('');
  });

  it('on-failure:N restarts a failing container N times with the backoff, then leaves it exited', async () => {
    md.ok(['run', '-d', '--name', 'rs-fail', '--restart', 'on-failure:3', 'busybox', 'sh', '-c', 'echo run; exit 3']);
    // 100 + 200 + 400 ms of backoff and 4 starts: a few seconds at most
    await until(() => inspect('rs-fail', '{{.State.Status}} {{.RestartCount}}') === 'exited 3');
    expect(inspect('rs-fail', '{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}')).toBe('3 on-failure 3');
    // every run wrote to the one log
    expect(md.ok(['logs', 'rs-fail']).trim().split('\n')).toEqual(['run', 'run', 'run', 'run']);
    // the backoff doubled: the 4 starts are at least 100+200+400 ms apart in all
    const times = readFileSync(join(md.root, 'containers', inspect('rs-fail', '{{.Id}}'), 'json.log'), 'utf8')
      .trim().split('\n').map((l) => Date.parse(JSON.parse(l).time));
    expect(times[3] - times[0]).toBeGreaterThanOrEqual(700);
    expect(times[1] - times[0]).toBeLessThan(2000);
  });

  it('on-failure does not restart a clean exit', async () => {
    md.ok(['run', '-d', '--name', 'rs-ok', '--restart', 'on-failure', 'busybox', 'true']);
    await until(() => inspect('rs-ok', '{{.State.Status}}') === 'exited');
    await sleep(400);
    expect(inspect('rs-ok', '{{.State.Status}} {{.RestartCount}}')).toBe('exited 0');
  });

  it('always: each run gets a fresh start (new netns, address), Restarting in ps and inspect; stop ends it', async () => {
    // A run of ~1.2 s, then exit 1: the restarts follow with 100, 200, 400 ms of backoff
    md.ok(['run', '-d', '--name', 'rs-always', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 1.2; exit 1']);
    const pid1 = Number(inspect('rs-always', '{{.State.Pid}}'));
    // the restarting window (each ≥ 100 ms of backoff + a start): seen by inspect, and by ps
    let seen = '';
    await until(() => (seen = inspect('rs-always', '{{.State.Status}} {{.State.Running}} {{.State.Restarting}} {{.State.Pid}} {{.State.ExitCode}}')).startsWith('restarting'));
    expect(seen).toBe('restarting true true 0 1');
    let ps = '';
    await until(() => /restarting/.test((ps = md.ok(['ps', '--format', '{{.Names}} {{.State}} {{.Status}}']))));
    expect(ps).toMatch(/^rs-always restarting Restarting \(1\) (Less than a second|\d+ seconds?) ago$/m);
    await until(() => inspect('rs-always', '{{.State.Status}}') === 'running' && Number(inspect('rs-always', '{{.State.Pid}}')) !== pid1);
    expect(Number(inspect('rs-always', '{{.RestartCount}}'))).toBeGreaterThanOrEqual(1);
    // the network was wired again: an address, the netns named again
    expect(inspect('rs-always', '{{.NetworkSettings.IPAddress}}')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const stop = md.run(['stop', '-t', '1', 'rs-always']);
    expect(stop.code).toBe(0);
    await sleep(1500); // longer than the run and any backoff: nothing restarts it
    expect(inspect('rs-always', '{{.State.Status}} {{.State.Restarting}}')).toBe('exited false');
    // a user's start resets the count (Docker's ResetRestartManager) and restarts work again
    md.ok(['start', 'rs-always']);
    expect(inspect('rs-always', '{{.State.Status}} {{.RestartCount}}')).toBe('running 0');
    md.ok(['rm', '-f', 'rs-always']);
    expect(md.run(['inspect', 'rs-always']).code).toBe(1);
  });

  it('stop during the backoff ends the pending restart', async () => {
    md.ok(['run', '-d', '--name', 'rs-unless', '--restart', 'unless-stopped', 'busybox', 'sh', '-c', 'exit 2']);
    // the backoff grows (0.1, 0.2, 0.4, 0.8 s…): catch it restarting, then stop it
    await until(() => inspect('rs-unless', '{{.State.Status}}') === 'restarting');
    expect(md.run(['stop', 'rs-unless']).code).toBe(0);
    expect(inspect('rs-unless', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 2');
    const count = inspect('rs-unless', '{{.RestartCount}}');
    await sleep(1200);
    expect(inspect('rs-unless', '{{.State.Status}} {{.RestartCount}}')).toBe(`exited ${count}`);
    expect(md.ok(['ps', '-q'])).not.toContain(inspect('rs-unless', '{{.Id}}').slice(0, 12));
  });

  it('kill ends it for good too; rm -f removes a restarting one', async () => {
    md.ok(['run', '-d', '--name', 'rs-kill', '--restart', 'always', 'busybox', 'sleep', '30']);
    md.ok(['kill', 'rs-kill']);
    await sleep(800);
    expect(inspect('rs-kill', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}')).toBe('exited 137 0');

    md.ok(['run', '-d', '--name', 'rs-rm', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 1']);
    await until(() => inspect('rs-rm', '{{.State.Status}}') === 'restarting');
    const rm = md.run(['rm', 'rs-rm']);
    expect(rm.code).toBe(1);
    // between two backoffs the process may be up for a moment: Docker then says running
    expect(rm.stderr).toMatch(/container is (restarting|running): stop the container before removing or force remove/);
    expect(md.run(['rm', '-f', 'rs-rm']).code).toBe(0);
    await sleep(1000);
    expect(md.run(['inspect', 'rs-rm']).code).toBe(1);
  });

  it('in the foreground: run returns the first exit code, the restarts go on detached', async () => {
    const r = md.run(['run', '--name', 'rs-fg', '--restart', 'on-failure:1', 'busybox', 'sh', '-c', 'echo fg; exit 4']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('fg\n');
    await until(() => inspect('rs-fg', '{{.State.Status}} {{.RestartCount}}') === 'exited 1');
    expect(md.ok(['logs', 'rs-fg']).trim().split('\n')).toEqual(['fg', 'fg']);
  });
});

describe('system restart-policies (what a boot-time unit runs)', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.run(['rm', '-f', 'bp-always', 'bp-unless', 'bp-stopped', 'bp-no', 'bp-fail']);
    md.cleanup();
  });

  it("starts always, unless-stopped not stopped by hand, on-failure that failed: Docker's daemon start", () => {
    md.ok(['create', '--name', 'bp-always', '--restart', 'always', 'busybox', 'sleep', '30']);
    md.ok(['create', '--name', 'bp-no', 'busybox', 'sleep', '30']);
    md.ok(['run', '-d', '--name', 'bp-stopped', '--restart', 'unless-stopped', 'busybox', 'sleep', '30']);
    md.ok(['stop', '-t', '0', 'bp-stopped']);
    // what a reboot leaves: a record whose process vanished (Exited (255)); here, killed with its watcher
    md.ok(['run', '-d', '--name', 'bp-unless', '--restart', 'unless-stopped', 'busybox', 'sleep', '30']);
    md.ok(['run', '-d', '--name', 'bp-fail', '--restart', 'on-failure:2', 'busybox', 'sleep', '30']);
    for (const n of ['bp-unless', 'bp-fail']) {
      const id = md.ok(['inspect', '-f', '{{.Id}}', n]).trim();
      const [pid, shim] = readFileSync(join(md.root, 'containers', id, 'pid'), 'utf8').trim().split(' ').map(Number);
      process.kill(shim, 'SIGKILL');
      process.kill(pid, 'SIGKILL');
    }
    const deadline = Date.now() + 5000;
    while (md.ok(['ps', '-q']).trim() !== '' && Date.now() < deadline) spawnSync('sleep', ['0.1']);
    // (created containers are not started at boot by Docker either: only exited ones)
    const r = md.run(['system', 'restart-policies']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['bp-fail', 'bp-unless']);
    expect(md.ok(['ps', '--format', '{{.Names}}']).trim().split('\n').sort()).toEqual(['bp-fail', 'bp-unless']);
  });
});
