import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../src/state/lock.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mdlock-'));
  process.env.MINIDOCK_ROOT = root;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('withLock', () => {
  it('serialises critical sections', async () => {
    let inside = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        withLock('t', async () => {
          inside++;
          max = Math.max(max, inside);
          await new Promise((r) => setTimeout(r, 2));
          inside--;
        }),
      ),
    );
    expect(max).toBe(1);
    expect(readdirSync(join(root, 'locks'))).toEqual([]);
  });

  it('releases on error', async () => {
    await expect(withLock('e', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(join(root, 'locks', 'e.lock'))).toBe(false);
  });

  it('takes over a lock whose holder died', async () => {
    const dir = join(root, 'locks', 'dead.lock');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pid'), '2147483646'); // no such process
    expect(await withLock('dead', () => 'got it')).toBe('got it');
  });

  it('takes over an old lock that never got a pid', async () => {
    const dir = join(root, 'locks', 'old.lock');
    mkdirSync(dir, { recursive: true });
    const past = new Date(Date.now() - 60_000);
    utimesSync(dir, past, past);
    expect(await withLock('old', () => 1)).toBe(1);
  });
});
