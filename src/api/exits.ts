// The service's eye on a container's state directory (inotify, fs.watch): a request that waits
// for a container to run, end or go (wait, the cleanup below) is woken when the shim writes its
// pid or exit file, or the directory is removed, instead of polling on an interval. What the
// state *is* is still decided by the engine (record.ts stateOf, lifecycle.ts exitNow): a change
// here only says "look again now". A look is also made every FALLBACK_MS, for what leaves no
// file behind (a shim killed with its container: its pid just stops being alive).
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { files, readExit } from '../engine/container/record.js';

const FALLBACK_MS = 500;
/** The files whose appearance or removal can change whether a container runs or exists (and the directory itself: null). */
const RELEVANT = new Set(['exit', 'pid', 'container.json', 'removing', 'restarting']);

interface Watch {
  w?: FSWatcher;
  wakers: Set<() => void>;
}
const watches = new Map<string, Watch>();

function wakeAll(id: string): void {
  const wt = watches.get(id);
  if (!wt) return;
  for (const f of [...wt.wakers]) f();
}

/** One inotify watch per container, shared by its waiters, closed with the last of them. */
function subscribe(id: string, f: () => void): () => void {
  let wt = watches.get(id);
  if (!wt) {
    const created: Watch = { wakers: new Set() };
    wt = created;
    watches.set(id, wt);
    try {
      created.w = watch(files.dir(id), { persistent: false }, (_ev, name) => {
        if (name === null || RELEVANT.has(String(name))) wakeAll(id);
      });
      // the directory removed (IN_DELETE_SELF) or unwatchable: everyone looks (and finds it gone)
      created.w.on('error', () => wakeAll(id));
    } catch {
      // no such directory (removed already): the first look finds it gone. (Out of inotify
      // watches: waits fall back to their timed looks, and a cleanup is left to the shim's
      // exit command, as without the service.)
    }
  }
  wt.wakers.add(f);
  return () => {
    wt.wakers.delete(f);
    if (wt.wakers.size) return;
    wt.w?.close();
    if (watches.get(id) === wt) watches.delete(id);
  };
}

/**
 * Resolves once `holds()` is true: looked at now, on each relevant change of the container's
 * directory and every FALLBACK_MS (`fallback: false`: on changes only); or when `abort` fires.
 * (Subscribed before the first look: a change between a look and the wait is never missed.)
 */
export function until(id: string, holds: () => boolean, o: { abort?: AbortSignal; fallback?: boolean } = {}): Promise<void> {
  const fallback = o.fallback ?? true;
  return new Promise<void>((resolve, reject) => {
    let t: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (e?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      unsubscribe();
      o.abort?.removeEventListener('abort', onAbort);
      if (e === undefined) resolve();
      else reject(e);
    };
    const onAbort = () => finish();
    const look = () => {
      if (settled) return;
      try {
        if (o.abort?.aborted || holds()) return finish();
      } catch (e) {
        return finish(e);
      }
      if (!fallback) return;
      clearTimeout(t);
      t = setTimeout(look, FALLBACK_MS);
    };
    const unsubscribe = subscribe(id, look);
    o.abort?.addEventListener('abort', onAbort);
    look();
  });
}

/**
 * A container this service started: when its process ends, the service runs at once the cleanup
 * its shim's exit command would run (`internal-cleanup`: release the network, remove a --rm
 * container; lifecycle.cleanupContainer), instead of after that command's Node start-up. The
 * exit command still runs and finds it done (the cleanup is idempotent and safe to race with
 * itself), so the container never depends on the service: kill the service and the shim cleans
 * up as after `minidock run -d`.
 */
export function cleanupOnExit(id: string, startedAt: string, onError: (e: unknown) => void): void {
  // (the exit file is what says it ended; a shim killed with its container writes none, and its
  // exit command never runs either: no fallback looks)
  let code: number | undefined;
  void until(id, () => (code = readExit(id)?.code) !== undefined || !existsSync(files.dir(id)), { fallback: false })
    .then(async () => {
      if (code === undefined) return;
      remember(id, code);
      const { cleanupContainer } = await import('../engine/container/lifecycle.js');
      await cleanupContainer(id, startedAt);
    })
    .catch(onError);
}

/** Exit codes of the containers cleanupOnExit saw end, for a wait that finds one removed already (--rm). */
const seen = new Map<string, number>();
const SEEN_MS = 30_000;
function remember(id: string, code: number): void {
  seen.set(id, code);
  setTimeout(() => seen.delete(id), SEEN_MS).unref();
}
export const exitCodeSeen = (id: string): number | undefined => seen.get(id);
