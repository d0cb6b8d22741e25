// Who owns what: the facts `system prune` reconciles against, read from the state root, the
// lock directories and /proc — never from what the CLI *meant* to do.
//
// A container of this state root is "busy" when something is working on it right now:
//   - its process runs (the shim's pid file names a live process: record.ts livePid), or
//   - its shim monitor is alive (between spawn and the pid file, or a foreground run), or
//   - its per-container lock `c-<id>` is held by a live process (a start, stop, rm or cleanup
//     in progress: these hold it across every network step).
// Everything a busy container holds is left alone. Everything a non-busy container holds
// beyond its record (network, cgroup) is a leftover of a crash and may be released.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../../state/paths.js';
import { allIds, files, livePid } from '../container/record.js';
import { pidAlive } from '../../state/process.js';
import { lockHolder } from '../../state/lock.js';

export { pidAlive };
/** The live PID holding a lock (src/state/lock.ts judges holders: pid, start time, boot). */
export { lockHolder };

/** Ids of containers (of this root) whose shim monitor process is alive: scans /proc cmdlines. */
export function liveShimIds(): Set<string> {
  const out = new Set<string>();
  const prefix = paths.containers() + '/';
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmd.split('\0');
    // minidock-shim run|exec <root>/containers/<id>/shim.config (exec configs live beside it)
    if (!args[0]?.endsWith('minidock-shim')) continue;
    for (const a of args.slice(2)) {
      if (!a.startsWith(prefix)) continue;
      const id = a.slice(prefix.length).split('/')[0];
      if (/^[0-9a-f]{64}$/.test(id)) out.add(id);
    }
  }
  return out;
}

export interface Owners {
  /** every container id with a directory in this root */
  all: string[];
  /**
   * every container id this root has a record of (a directory or an endpoint file): the ids are
   * random, so a netns, veth, rule or cgroup named after one of them is this root's; one named
   * after none of them is another root's (or made by hand) and is never touched.
   */
  known: string[];
  /** ids whose process runs */
  running: Set<string>;
  /** ids something is working on right now (running, live shim, lock held) */
  busy: Set<string>;
}

export function readOwners(): Owners {
  const all = allIds();
  const shims = liveShimIds();
  const running = new Set<string>();
  const busy = new Set<string>();
  for (const id of all) {
    if (livePid(id)) running.add(id);
    if (running.has(id) || shims.has(id) || lockHolder(`c-${id}`) !== undefined) busy.add(id);
  }
  const eps = listDirSafe(join(paths.networks(), 'endpoints')).map((f) => /^([0-9a-f]{64})(?:-[0-9a-f]+)?\.json$/.exec(f)?.[1]).filter((x): x is string => !!x);
  return { all, known: [...new Set([...all, ...eps])], running, busy };
}

function listDirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** True when container `id` (of this root) is busy right now (re-checked under a lock). */
export function isBusy(id: string): boolean {
  return livePid(id) !== undefined || lockHolder(`c-${id}`) !== undefined || liveShimIds().has(id);
}

/** The container id of this root an id prefix (netns, veth, rule comment) belongs to. */
export function ownerOf(prefix: string, ids: Iterable<string>): string | undefined {
  for (const id of ids) if (id.startsWith(prefix)) return id;
  return undefined;
}

export function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

export { files };
