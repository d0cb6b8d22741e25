// Cross-process locks, minidock's own (why not proper-lockfile: docs/architecture.md, "Locks").
//
// A lock is a symlink `locks/<name>.lock` whose target names its holder:
//     <pid>:<start time>:<boot id>:<pid namespace>:<n>
// symlink(2) creates it atomically together with that content (a mkdir lock exists for a moment
// without its pid) and readlink(2) reads it in one call. The holder is alive only while that pid
// runs, in this boot, with that start time (/proc/PID/stat field 22): a reused pid is another
// process, and the lock of a dead holder is taken over at once.
//
// Taking over is atomic too. Two waiters that both see a dead holder must not both win, as they
// did when each removed the lock by name and made its own (the second removed the first one's
// fresh lock). A waiter replaces a dead holder's lock only while it holds the take-over lock
// `<name>.lock.take` (a lock of the same kind, itself taken over the same way through
// `.take.take` when its holder died), and only if the lock still names the very holder it judged
// dead. Tokens are never reused, and while the take-over lock is held nobody else can change
// the lock: its holder is dead, other takers wait for `.take`, newcomers get EEXIST. The
// replacement is a rename(2) of a fresh symlink over the dead one, so the taker holds the lock
// from that instant and there is no moment in which a third process could slip in.
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { paths } from './paths.js';
import { bootId, pidAlive, pidNamespace, startTicks } from './process.js';
import { readText, removeTree } from './atomic.js';

const TIMEOUT_MS = 60_000;
/** Nested take-overs (`.take.take…`) happen only when takers die one after another. */
const MAX_DEPTH = 4;
/** A lock directory of minidock before symlink locks, with no pid written: its writer died. */
const LEGACY_STALE_MS = 15_000;

let me: { base: string; boot: string; pidns: string } | undefined;
let seq = 0;

function self(): { base: string; boot: string; pidns: string } {
  if (!me) {
    const boot = bootId();
    const pidns = pidNamespace();
    me = { base: `${process.pid}:${startTicks(process.pid) ?? '?'}:${boot}:${pidns}`, boot, pidns };
  }
  return me;
}

/** A token no other holder has or will ever have: this process's identity and a counter. */
function newToken(): string {
  return `${self().base}:${seq++}`;
}

/** Is the process that made this token still running? */
function tokenAlive(token: string): boolean {
  const [pid, start, boot, pidns, n, ...more] = token.split(':');
  if (more.length || n === undefined || !/^\d+$/.test(pid)) return false; // not a minidock token
  if (boot !== self().boot) return false; // made before a reboot
  // A holder in another pid namespace cannot be looked up from here: never taken over (it is
  // still freed by its holder; docs/architecture.md says so).
  if (pidns !== self().pidns) return true;
  if (start === '?') return pidAlive(Number(pid));
  const now = startTicks(Number(pid));
  if (now !== undefined) return now === start;
  // No start time: gone, or a zombie (both dead), or hidden from us by a /proc mounted with
  // hidepid, where kill(0) still sees it: then it is taken as alive.
  return !existsSync(`/proc/${pid}`) && pidAlive(Number(pid));
}

/**
 * What is at `path` now: the holder's token, `dir:<inode>` for anything that is not a symlink
 * (a lock directory of an older minidock), or null when nothing is there.
 */
function current(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code !== 'EINVAL') throw e;
  }
  try {
    return `dir:${lstatSync(path).ino}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** An older minidock's `<name>.lock/pid` directory: dead when its pid is, or old without one. */
function legacyStale(path: string): boolean {
  const pid = Number(readText(join(path, 'pid')));
  if (Number.isInteger(pid) && pid > 0) return !pidAlive(pid);
  try {
    return Date.now() - lstatSync(path).mtimeMs > LEGACY_STALE_MS;
  } catch {
    return false; // gone meanwhile
  }
}

function holderAlive(seen: string, path: string): boolean {
  return seen.startsWith('dir:') ? !legacyStale(path) : tokenAlive(seen);
}

/** One attempt to hold `path` as `token`: create it, or take it over from a dead holder. */
function tryHold(path: string, token: string, depth = 0): boolean {
  try {
    symlinkSync(token, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && depth === 0) {
      mkdirSync(dirname(path), { recursive: true });
      return tryHold(path, token, depth + 1);
    }
    if (code !== 'EEXIST') throw e;
  }
  const seen = current(path);
  if (seen === null || holderAlive(seen, path) || depth >= MAX_DEPTH) return false;
  const take = `${path}.take`;
  const takeToken = newToken();
  if (!tryHold(take, takeToken, depth + 1)) return false; // another waiter is taking it over
  try {
    if (current(path) !== seen) return false; // taken over (and maybe released) meanwhile
    if (seen.startsWith('dir:')) {
      // An older minidock's directory: moved aside whole (one rename), then a fresh try.
      const aside = `${path}.old-${takeToken}`;
      renameSync(path, aside);
      removeAny(aside);
      return false;
    }
    const fresh = `${path}.new-${takeToken}`;
    symlinkSync(token, fresh);
    renameSync(fresh, path);
    return true;
  } finally {
    release(take, takeToken);
  }
}

/** Lets go of `path` if it is still ours (nobody takes over a live holder's lock). */
function release(path: string, token: string): void {
  if (current(path) !== token) return;
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** A symlink (a fresh lock that never got renamed) or a directory (an older minidock's lock). */
function removeAny(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') removeTree(path);
    else if (code !== 'ENOENT') throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lockPath = (name: string) => join(paths.locks(), `${name}.lock`);

/** Runs fn while holding the named lock. Locks are short: never hold one across a container's life. */
export async function withLock<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const path = lockPath(name);
  const token = newToken();
  const deadline = Date.now() + TIMEOUT_MS;
  for (let wait = 1; !tryHold(path, token); wait = Math.min(wait * 2, 25)) {
    if (Date.now() > deadline) {
      const pid = lockHolder(name);
      throw new Error(`timed out waiting for the lock ${path}${pid ? ` (held by pid ${pid})` : ''}`);
    }
    await sleep(wait + Math.random() * wait);
  }
  try {
    return await fn();
  } finally {
    release(path, token);
  }
}

/** The pid of the live process holding lock `name`, if any. */
export function lockHolder(name: string): number | undefined {
  const path = lockPath(name);
  const seen = current(path);
  if (seen === null || !holderAlive(seen, path)) return undefined;
  return Number(seen.startsWith('dir:') ? readText(join(path, 'pid')) : seen.split(':')[0]) || undefined;
}

/**
 * Frees every lock of a dead holder (taken over, then released: the same atomic path a waiter
 * takes) and removes what killed takers left (`*.new-<token>`, `*.old-<token>`). For `system
 * prune`; returns the names of the locks it freed.
 */
export function reapLocks(): string[] {
  const freed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(paths.locks());
  } catch {
    return freed;
  }
  for (const n of names) {
    const path = join(paths.locks(), n);
    const debris = /\.(?:new|old)-(\d+:[^:/]+:[^:/]*:[^:/]*:\d+)$/.exec(n);
    if (debris) {
      if (!tokenAlive(debris[1])) removeAny(path);
      continue;
    }
    if (!/\.lock(\.take)*$/.test(n)) continue;
    const seen = current(path);
    if (seen === null || holderAlive(seen, path)) continue;
    const token = newToken();
    if (tryHold(path, token, 1)) {
      release(path, token);
      if (n.endsWith('.lock')) freed.push(n.slice(0, -'.lock'.length));
    }
  }
  return freed;
}
