// `update [--memory …] CONTAINER...`: the flags parsed as `run` parses them, the change made by
// engine/container/update.ts; each container's name printed as given, as Docker's CLI does.
import { UserError } from '../../errors.js';
import type { ContainerUpdate } from '../../engine/container/update.js';

export async function update(
  refs: string[],
  o: { memory?: string; memorySwap?: string; memoryReservation?: string; cpus?: string; cpuShares?: string; pidsLimit?: string; restart?: string },
): Promise<number> {
  const cg = await import('../../runtime/cgroups.js');
  const u: ContainerUpdate = {};
  if (o.memory !== undefined) u.Memory = cg.parseMemorySize(o.memory, '--memory');
  if (o.memorySwap !== undefined) u.MemorySwap = o.memorySwap === '-1' ? -1 : cg.parseMemorySize(o.memorySwap, '--memory-swap');
  if (o.memoryReservation !== undefined) u.MemoryReservation = cg.parseMemorySize(o.memoryReservation, '--memory-reservation');
  if (o.cpus !== undefined) u.NanoCpus = cg.parseCpus(o.cpus);
  if (o.cpuShares !== undefined) u.CpuShares = cg.parseCpuShares(o.cpuShares);
  if (o.pidsLimit !== undefined) u.PidsLimit = cg.parsePidsLimit(o.pidsLimit) ?? -1;
  if (o.restart !== undefined) u.restart = o.restart;
  if (Object.keys(u).length === 0) throw new UserError('you must provide one or more flags when using this command', 1);
  const { updateContainer } = await import('../../engine/container/update.js');
  let failed = false;
  for (const ref of refs) {
    try {
      await updateContainer(ref, u);
      process.stdout.write(`${ref}\n`);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`${e.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
