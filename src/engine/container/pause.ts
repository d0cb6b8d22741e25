// `pause` / `unpause`: freeze and thaw every process of a running container (runtime/freezer.ts).
// The record of it is the `paused` marker in the container's directory, written once the kernel
// says the cgroup is frozen; stateOf reads it (only for a live process), so `ps` costs no cgroup read.
import { rmSync, writeFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { withLock } from '../../state/lock.js';
import { FreezerError, freeze, thaw } from '../../runtime/freezer.js';
import { files, mustFind, stateOf, type ContainerRecord } from './record.js';
import { containerAttrs, journal } from '../events.js';

export async function pauseContainer(ref: string): Promise<ContainerRecord> {
  const rec = mustFind(ref);
  await withLock(`c-${rec.Id}`, async () => {
    const st = stateOf(rec);
    if (!st.Running) throw new UserError(`Error response from daemon: container ${rec.Id} is not running`, 1);
    if (st.Paused) throw new UserError(`Error response from daemon: Container ${rec.Id} is already paused`, 1);
    try {
      await freeze(rec.Id);
    } catch (e) {
      if (!(e instanceof FreezerError)) throw e;
      throw new UserError(`Error response from daemon: Cannot pause container ${rec.Id}: ${e.message}`, 1);
    }
    writeFileSync(files.paused(rec.Id), '');
    journal({ Type: 'container', Action: 'pause', ID: rec.Id, Attributes: containerAttrs(rec) });
  });
  return rec;
}

export async function unpauseContainer(ref: string): Promise<ContainerRecord> {
  const rec = mustFind(ref);
  await withLock(`c-${rec.Id}`, async () => {
    const st = stateOf(rec);
    if (!st.Paused) throw new UserError(`Error response from daemon: Container ${rec.Id} is not paused`, 1);
    try {
      thaw(rec.Id);
    } catch (e) {
      if (!(e instanceof FreezerError)) throw e;
      throw new UserError(`Error response from daemon: Cannot unpause container ${rec.Id}: ${e.message}`, 1);
    }
    rmSync(files.paused(rec.Id), { force: true });
    journal({ Type: 'container', Action: 'unpause', ID: rec.Id, Attributes: containerAttrs(rec) });
  });
  return rec;
}

/**
 * After a signal was sent to a paused container (kill, stop, rm -f): thaws it so the signal is
 * delivered, as Docker does (a frozen task only acts on a signal once thawed). The container is
 * then no longer paused, whatever the signal does to it.
 */
export function thawAfterSignal(id: string): void {
  try {
    thaw(id);
  } catch {
    /* its cgroup is gone with the process */
  }
  rmSync(files.paused(id), { force: true });
}
