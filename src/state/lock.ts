// Cross-process locks: mkdir(2) is atomic, so the process that creates `<name>.lock` holds the
// lock. The holder writes its PID inside; a waiter that finds the holder dead (a CLI killed
// with SIGKILL) takes the lock over at once, and a lock without a PID older than STALE_MS is
// taken over too. This is proper-lockfile's mkdir strategy, written out here because loading
// proper-lockfile (and graceful-fs, which it patches into fs) costs ~10 ms on every start,
// and `minidock run` has a start-time budget.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './paths.js';
import { pidAlive } from './process.js';
import { removeTree } from './atomic.js';

const STALE_MS = 15_000;
const TIMEOUT_MS = 60_000;

/** True when the lock directory belongs to nobody any more. */
function isStale(dir: string): boolean {
  let pid = NaN;
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
  } catch {
    /* holder has not written its pid yet, or the lock just went away */
  }
  if (Number.isInteger(pid) && pid > 0) return !pidAlive(pid);
  try {
    return Date.now() - statSync(dir).mtimeMs > STALE_MS;
  } catch {
    return false; // released meanwhile: just try again
  }
}

function tryAcquire(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      mkdirSync(join(dir, '..'), { recursive: true });
      return tryAcquire(dir);
    }
    if (code !== 'EEXIST') throw e;
    if (isStale(dir)) removeTree(dir);
    return false;
  }
  writeFileSync(join(dir, 'pid'), String(process.pid));
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn while holding the named lock. Locks are short: never hold one across a container's life. */
export async function withLock<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const dir = join(paths.locks(), `${name}.lock`);
  const deadline = Date.now() + TIMEOUT_MS;
  for (let wait = 1; !tryAcquire(dir); wait = Math.min(wait * 2, 25)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${dir}`);
    await sleep(wait + Math.random() * wait);
  }
  try {
    return await fn();
  } finally {
    removeTree(dir);
  }
}
