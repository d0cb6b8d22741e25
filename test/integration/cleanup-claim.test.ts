// The cleanup claim (docs/shim.md, "The exit command"): `stop` and `rm -f` clean up after the
// exit themselves, so the shim ends without starting its exit command (a whole Node process,
// which the user's next command, `rm`, had to wait for); a claimer that dies before it is done
// leaves the cleanup to the exit command after all, so nothing leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, sh } from '../helpers/cli.js';

let md: Minidock;
beforeAll(() => {
  expect(sh('strace', ['-V']).code).toBe(0); // how these tests see what the shim runs
  md = new Minidock();
});
afterAll(() => md?.cleanup());

const TERMABLE = ['sh', '-c', 'trap "exit 0" TERM; echo started; sleep 600 & wait'];
const dir = (id: string) => join(md.root, 'containers', id);
const pidFile = (id: string) => readFileSync(join(dir(id), 'pid'), 'utf8').trim().split(/\s+/).map(Number);
const wired = (id: string) => JSON.parse(readFileSync(join(dir(id), 'container.json'), 'utf8')).Wired === true;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(20)) if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
}
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

async function started(): Promise<{ id: string; pid: number; shim: number }> {
  const id = md.ok(['run', '-d', 'busybox', ...TERMABLE]);
  await until('the container to start', () => md.ok(['logs', id]).includes('started'));
  const [pid, shim] = pidFile(id);
  return { id, pid, shim };
}

/** strace -f of the shim: the programs it and its children exec from now on. */
async function execsOf(shim: number): Promise<{ done: () => Promise<string[]> }> {
  const out = join(md.root, `execs-${shim}`);
  const st: ChildProcess = spawn('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', out, '-p', String(shim)], { stdio: 'ignore' });
  await sleep(300); // attached
  return {
    done: async () => {
      await until('the shim to end', () => !alive(shim));
      await new Promise((r) => (st.exitCode !== null ? r(null) : st.once('exit', r)));
      return readFileSync(out, 'utf8').split('\n').filter((l) => /execve\(/.test(l));
    },
  };
}

describe('the cleanup claim', () => {
  it('stop: the shim ends without its exit command; the container is cleaned up and the claim used', async () => {
    const { id, shim } = await started();
    expect(wired(id)).toBe(true);
    const execs = await execsOf(shim);
    md.ok(['stop', id]);
    expect(await execs.done()).toEqual([]);
    expect(wired(id)).toBe(false);
    expect(existsSync(join(dir(id), 'cleanup.claim'))).toBe(false);
    expect(md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 0');
    // and a later run that ends by itself is cleaned up by the exit command again
    md.ok(['start', id]);
    await until('the restart', () => md.ok(['inspect', '-f', '{{.State.Running}}', id]) === 'true');
    process.kill(pidFile(id)[0], 'SIGKILL');
    await until('the exit command to clean up the run that ended by itself', () => !wired(id));
    md.ok(['rm', id]);
  });

  it('rm -f: no exit command either; the container is gone', async () => {
    const { id, shim } = await started();
    const execs = await execsOf(shim);
    md.ok(['rm', '-f', id]);
    expect(await execs.done()).toEqual([]);
    expect(existsSync(dir(id))).toBe(false);
  });

  it('a claimer that dies before it is done: the exit command cleans up after all', async () => {
    const { id, pid, shim } = await started();
    // a stand-in claimer: a live process, named in the claim as stop names itself
    const claimer = spawn('sleep', ['60'], { stdio: 'ignore' });
    const ticks = readFileSync(`/proc/${claimer.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
    writeFileSync(join(dir(id), 'cleanup.claim'), `${claimer.pid} ${ticks}\n`);
    process.kill(pid, 'SIGKILL');
    await until('the exit to be recorded', () => existsSync(join(dir(id), 'exit')));
    await sleep(500);
    // the shim waits for the claimer: no cleanup yet
    expect(alive(shim)).toBe(true);
    expect(wired(id)).toBe(true);
    claimer.kill('SIGKILL');
    await until('the exit command to clean up', () => !wired(id));
    await until('the shim to end', () => !alive(shim));
    md.ok(['rm', id]);
  });
});
