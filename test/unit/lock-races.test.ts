// minidock's locks against real processes racing on a stale lock: a holder that died holding
// it, and holders that die inside the critical section, so every trial has several take-overs
// with several waiters each. Mutual exclusion must never break: each holder appends
// "enter"/"exit" (or "die") to a log, and no two holders' sections may overlap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRacer } from '../helpers/lock-racer.js';

const TRIALS = 30;
const RACERS = 6;

let dir: string;
let racer: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mdlockrace-'));
  racer = buildRacer(dir);
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The first overlap in a log of enter/exit/die lines, or undefined when there is none. */
function overlap(lines: string[]): string | undefined {
  let inside: string | undefined;
  for (const [i, l] of lines.entries()) {
    const [what, pid] = l.split(' ');
    if (what === 'enter') {
      if (inside) return `line ${i + 1}: ${pid} entered while ${inside} was inside`;
      inside = pid;
    } else {
      if (inside !== pid) return `line ${i + 1}: ${l} but ${inside ?? 'nobody'} was inside`;
      inside = undefined;
    }
  }
  return undefined;
}

function start(root: string, log: string, mode: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, [racer, log, 'race', mode], { env: { ...process.env, MINIDOCK_ROOT: root }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  return new Promise((res, rej) => {
    c.stdout!.once('data', () => res(c));
    c.once('exit', (code) => rej(new Error(`racer exited ${code} before it was ready`)));
  });
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describe('lock take-over races (real processes)', () => {
  it(`${TRIALS} trials of ${RACERS} processes on a stale lock, half of them dying inside: never two holders`, async () => {
    for (let t = 0; t < TRIALS; t++) {
      const root = join(dir, `root-${t}`);
      const log = join(dir, `log-${t}`);
      // A holder that died holding the lock: the lock is stale before anyone races for it.
      const dead = spawnSync(process.execPath, [racer, log, 'race', 'hold-die'], { env: { ...process.env, MINIDOCK_ROOT: root } });
      expect(dead.signal).toBe('SIGKILL');
      rmSync(log);
      const racers = await Promise.all(Array.from({ length: RACERS }, (_, i) => start(root, log, i % 2 ? 'race' : 'die')));
      for (const c of racers) c.stdin!.write('go\n'); // all at once
      await Promise.all(racers.map(exited));
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      expect(overlap(lines), `trial ${t}:\n${lines.join('\n')}`).toBeUndefined();
      const ends = racers.map((c, i) => (i % 2 ? c.exitCode : c.signalCode));
      expect(ends, `trial ${t}: racers ended`).toEqual(racers.map((_, i) => (i % 2 ? 0 : 'SIGKILL')));
      expect(lines.filter((l) => l.startsWith('enter'))).toHaveLength(RACERS);
      // Every lock was freed or taken over: at most the last dead holder's lock is left.
      expect(readdirSync(join(root, 'locks')).filter((n) => !n.startsWith('race.lock'))).toEqual([]);
    }
  }, 240_000);
});

describe('reapLocks (system prune)', () => {
  it('frees the locks of dead holders and what killed takers left, and keeps a live holder\'s', async () => {
    const root = join(dir, 'reap');
    const env = { ...process.env, MINIDOCK_ROOT: root };
    expect(spawnSync(process.execPath, [racer, join(dir, 'reap-log'), 'gone', 'hold-die'], { env }).signal).toBe('SIGKILL');
    const locks = join(root, 'locks');
    const { readlinkSync, symlinkSync } = await import('node:fs');
    const deadToken = readlinkSync(join(locks, 'gone.lock'));
    symlinkSync(deadToken, join(locks, 'gone.lock.take')); // a taker that died holding `.take`
    symlinkSync('x', join(locks, `gone.lock.new-${deadToken}`)); // … and one killed before its rename
    const before = process.env.MINIDOCK_ROOT;
    process.env.MINIDOCK_ROOT = root;
    try {
      const { reapLocks, withLock } = await import('../../src/state/lock.js');
      const [freed, left] = await withLock('busy', () => [reapLocks(), readdirSync(locks)]);
      expect(freed).toEqual(['gone']);
      expect(left).toEqual(['busy.lock']); // ours, held while reaping
    } finally {
      process.env.MINIDOCK_ROOT = before;
    }
    expect(readdirSync(locks)).toEqual([]);
  });
});
