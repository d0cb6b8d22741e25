// `update` (and POST /containers/{id}/update): a container's limits and restart policy changed
// in its record and, while it runs, in its cgroup (moby daemon/update.go). A field not given is
// left as it is. The checks are the daemon's, against the merged values, before anything changes.
import { UserError } from '../../errors.js';
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

const daemon = (m: string) => new UserError(`Error response from daemon: ${m}`, 1);

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
    const running = stateOf(rec).Running;
    if (running) {
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
