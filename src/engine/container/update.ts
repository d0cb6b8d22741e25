// `update` (and POST /containers/{id}/update): a container's limits and restart policy changed
// in its record and, while it runs, in its cgroup (moby daemon/update.go). A field not given is
// left as it is. The checks are the daemon's, against the merged values, before anything changes.
import { DaemonError } from '../../errors.js';
import { withLock } from '../../state/lock.js';
import { loadRecord, mustFind, saveRecord, stateOf, type ContainerRecord } from './record.js';
import { parseRestartPolicy } from './options.js';
import { containerAttrs, journal } from '../events.js';

export interface ContainerUpdate {
  Memory?: number;
  /** memory + swap; -1 unlimited swap */
  MemorySwap?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuShares?: number;
  /** 0 or -1: unlimited (Docker's API) */
  PidsLimit?: number;
  /** --restart's text (no, always, unless-stopped, on-failure[:N]) */
  restart?: string;
}

const daemon = (m: string) => new DaemonError(m, 1);

/** The HostConfig fields an update changes: a start reads them from disk under its lock. */
export const UPDATABLE = ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'PidsLimit', 'RestartPolicy'] as const;

/**
 * For a start, under the container's lock: the updatable fields as recorded now. A start
 * loads its record before it takes the lock; an update that came in between is on disk,
 * not in that copy, and would else be lost twice (the cgroup made with the old limits, the
 * record saved over with them).
 */
export function takeRecordedUpdates(rec: ContainerRecord): void {
  const disk = loadRecord(rec.Id);
  if (!disk) return;
  const hc = rec.HostConfig as unknown as Record<string, unknown>;
  const dhc = disk.HostConfig as unknown as Record<string, unknown>;
  for (const k of UPDATABLE) {
    if (k in dhc) hc[k] = dhc[k];
    else delete hc[k];
  }
}

export async function updateContainer(ref: string, u: ContainerUpdate): Promise<ContainerRecord> {
  const id = mustFind(ref).Id;
  const cg = await import('../../runtime/cgroups.js');
  return withLock(`c-${id}`, async () => {
    const rec = loadRecord(id);
    if (!rec) throw daemon(`No such container: ${ref}`);
    const hc = rec.HostConfig;
    const cur = cg.resourcesOf(hc);
    const next = { ...cur };
    if (u.Memory !== undefined) {
      if (u.Memory > 0 && u.Memory < cg.MIN_MEMORY) throw daemon('Minimum memory limit allowed is 6MB');
      // moby: a new memory limit above the memory+swap limit already set needs a new one too
      if (u.MemorySwap === undefined && cur.MemorySwap > 0 && u.Memory > cur.MemorySwap) {
        throw daemon('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
      }
      next.Memory = u.Memory;
    }
    if (u.MemorySwap !== undefined) {
      if (next.Memory === 0) throw daemon('You should always set the Memory limit when using Memoryswap limit');
      if (u.MemorySwap > 0 && u.MemorySwap < next.Memory) throw daemon('Minimum memoryswap limit should be larger than memory limit, see usage');
      next.MemorySwap = u.MemorySwap;
    }
    if (u.MemoryReservation !== undefined) next.MemoryReservation = u.MemoryReservation;
    if (u.NanoCpus !== undefined) next.NanoCpus = u.NanoCpus;
    if (u.CpuShares !== undefined) next.CpuShares = u.CpuShares;
    if (u.PidsLimit !== undefined) next.PidsLimit = u.PidsLimit > 0 ? u.PidsLimit : null;
    const policy = u.restart === undefined ? undefined : parseRestartPolicy(u.restart);
    if (policy && hc.AutoRemove && policy.Name !== 'no') throw daemon('Restart policy cannot be updated because AutoRemove is enabled for the container');
    // The cgroup is there from a start's locked part on, before its process has a pid file
    // (stateOf: not running yet): the update goes into it then too, so the process that runs
    // has it whichever of the two came first.
    const live = stateOf(rec).Running || cg.existingCgroupDirs(id).length > 0;
    if (live) {
      cg.checkResourcesSupported(next);
      cg.updateCgroup(id, next, u.PidsLimit !== undefined && next.PidsLimit === null);
    }
    Object.assign(hc, { Memory: next.Memory, MemorySwap: next.MemorySwap, NanoCpus: next.NanoCpus, CpuShares: next.CpuShares, PidsLimit: next.PidsLimit });
    if (next.MemoryReservation) hc.MemoryReservation = next.MemoryReservation;
    if (policy) hc.RestartPolicy = policy;
    saveRecord(rec, 'config');
    journal({ Type: 'container', Action: 'update', ID: id, Attributes: containerAttrs(rec) });
    return rec;
  });
}
