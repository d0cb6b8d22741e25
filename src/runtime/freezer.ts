// `pause`/`unpause`: the cgroup freezer, as runc does it. cgroup v1: the freezer controller's
// freezer.state (FROZEN/THAWED; FREEZING while the kernel is still stopping tasks). cgroup v2:
// the core file cgroup.freeze of the container's cgroup, done when cgroup.events says
// "frozen 1". The container's cgroup is made by createCgroup (v1: freezer is one of its
// hierarchies), so every process of the container — exec'd ones too — is frozen together.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText } from '../state/atomic.js';
import { dirOf, layout } from './cgroups.js';

export class FreezerError extends Error {}

function freezerDir(id: string): string {
  const l = layout();
  const d = dirOf(id, 'freezer');
  if (!d) throw new FreezerError(l.version === 1 ? 'the cgroup v1 freezer controller is not mounted on this host' : 'no cgroup');
  if (!existsSync(d)) throw new FreezerError(`its cgroup ${d} does not exist`);
  return d;
}

function set(id: string, frozen: boolean): void {
  const d = freezerDir(id);
  const v2 = layout().version === 2;
  const [file, value] = v2 ? ['cgroup.freeze', frozen ? '1' : '0'] : ['freezer.state', frozen ? 'FROZEN' : 'THAWED'];
  try {
    writeFileSync(join(d, file), value);
  } catch (e) {
    throw new FreezerError(`write ${value} to ${join(d, file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The freezer's state as the kernel reports it (v1 FREEZING counts as not yet frozen). */
export function isFrozen(id: string): boolean {
  const d = dirOf(id, 'freezer');
  if (!d) return false;
  if (layout().version === 2) return /^frozen 1$/m.test(readText(join(d, 'cgroup.events')) ?? '');
  return (readText(join(d, 'freezer.state')) ?? '').trim() === 'FROZEN';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Freezes every process of the container; resolves once the kernel says all are frozen. A
 * freeze that does not complete in time (a task stuck in an uninterruptible sleep) is undone.
 */
export async function freeze(id: string, timeoutMs = 5_000): Promise<void> {
  set(id, true);
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; !isFrozen(id); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) {
      set(id, false);
      throw new FreezerError('the processes did not freeze in time');
    }
    if (layout().version === 1) set(id, true); // runc writes FROZEN again while FREEZING
    await sleep(delay);
  }
}

/** Thaws the container's processes (a no-op when they are not frozen). */
export function thaw(id: string): void {
  set(id, false);
}
