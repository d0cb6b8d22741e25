// Issue 13: pause/unpause through the cgroup freezer, v1 (this host's freezer hierarchy) and v2
// (a cgroup2 mount this test makes): processes stop making progress, ps says "Up … (Paused)",
// inspect State.Paused/Status "paused"; exec is refused with Docker's message; kill and stop
// work on a paused container (the signal is delivered once thawed, as Docker does); errors
// are Docker's, exit 1.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, sleep } from '../helpers/cli.js';
import { useCgroup2 } from '../helpers/cgroup2.js';

const TICKER = ['sh', '-c', 'trap "exit 7" TERM; while true; do echo tick; sleep 0.05; done'];

async function pausedBehaviour(md: Minidock, frozenFile: () => string) {
  const id = md.ok(['run', '-d', '--network', 'none', '--name', 'tk', 'busybox', ...TICKER]);
  await sleep(300);
  expect(md.ok(['pause', 'tk'])).toBe('tk');
  expect(frozenFile()).toBeTruthy();
  const n1 = md.ok(['logs', 'tk']).split('\n').length;
  await sleep(400);
  expect(md.ok(['logs', 'tk']).split('\n').length).toBe(n1); // frozen: no more ticks
  expect(md.ok(['ps', '--format', '{{.Status}}'])).toMatch(/^Up .* \(Paused\)$/);
  expect(md.ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.Paused}}', 'tk'])).toBe('paused true true');
  const again = md.run(['pause', 'tk']);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain(`Error response from daemon: Container ${id} is already paused`);
  const ex = md.run(['exec', 'tk', 'true']);
  expect(ex.code).toBe(1);
  expect(ex.stderr.trim()).toBe('Error response from daemon: Container tk is paused, unpause the container before exec');
  expect(md.ok(['unpause', 'tk'])).toBe('tk');
  await sleep(300);
  expect(md.ok(['logs', 'tk']).split('\n').length).toBeGreaterThan(n1);
  expect(md.ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'tk'])).toBe('running false');
  const un = md.run(['unpause', 'tk']);
  expect(un.code).toBe(1);
  expect(un.stderr).toContain(`Error response from daemon: Container ${id} is not paused`);
  // stop on a paused container: SIGTERM delivered once thawed (the trap exits 7)
  md.ok(['pause', 'tk']);
  md.ok(['stop', '-t', '5', 'tk']);
  expect(md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Paused}}', 'tk'])).toBe('exited 7 false');
  const st = md.run(['pause', 'tk']);
  expect(st.code).toBe(1);
  expect(st.stderr).toContain(`Error response from daemon: container ${id} is not running`);
  // kill on a paused container; start after it is no longer paused
  md.ok(['start', 'tk']);
  md.ok(['pause', 'tk']);
  md.ok(['kill', 'tk']);
  expect(md.ok(['wait', 'tk'])).toBe('137');
  md.ok(['start', 'tk']);
  expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'tk'])).toBe('running');
  // start and rm (without -f) of a paused one are refused; rm -f removes it
  md.ok(['pause', 'tk']);
  const start = md.run(['start', 'tk']);
  expect(start.code).toBe(1);
  // Docker's CLI adds the summary line after the per-container errors
  expect(start.stderr.trim()).toBe('Error response from daemon: cannot start a paused container, try unpause instead\nError: failed to start containers: tk');
  const rm = md.run(['rm', 'tk']);
  expect(rm.code).toBe(1);
  expect(rm.stderr.trim()).toBe('Error response from daemon: cannot remove container "/tk": container is paused and must be unpaused first');
  md.ok(['rm', '-f', 'tk']);
  expect(md.ok(['ps', '-aq'])).toBe('');
  const missing = md.run(['pause', 'nosuch']);
  expect(missing.code).toBe(1);
  expect(missing.stderr.trim()).toBe('Error response from daemon: No such container: nosuch');
}

describe('pause/unpause on cgroup v1 (the freezer hierarchy)', () => {
  const md = new Minidock();
  afterAll(() => md.cleanup());
  const freezerRoot = '/sys/fs/cgroup/freezer';

  it('freezes and thaws; ps, inspect, exec, stop, kill, rm as Docker', async (ctx) => {
    if (!existsSync(join(freezerRoot, 'freezer.state')) && !existsSync(join(freezerRoot, 'cgroup.procs'))) return ctx.skip();
    let id = '';
    await pausedBehaviour(md, () => {
      id ||= md.ok(['inspect', '-f', '{{.Id}}', 'tk']);
      return readFileSync(join(freezerRoot, 'minidock', id, 'freezer.state'), 'utf8').trim() === 'FROZEN' ? 'frozen' : '';
    });
    expect(existsSync(join(freezerRoot, 'minidock', id))).toBe(false);
  });
});

describe('pause/unpause on cgroup v2 (cgroup.freeze, in a cgroup2 mount of this test)', () => {
  let mnt = '';
  let md: Minidock | undefined;
  useCgroup2('mdcg2-', (cg) => ({ mnt, md } = cg));

  it('freezes and thaws; ps, inspect, exec, stop, kill, rm as Docker', async (ctx) => {
    if (!md) return ctx.skip();
    let id = '';
    await pausedBehaviour(md, () => {
      id ||= md!.ok(['inspect', '-f', '{{.Id}}', 'tk']);
      return /^frozen 1$/m.test(readFileSync(join(mnt, 'minidock', id, 'cgroup.events'), 'utf8')) ? 'frozen' : '';
    });
    expect(existsSync(join(mnt, 'minidock', id))).toBe(false);
  });
});
