// Which container holds a name, without reading every container's record: `create` asked
// allRecords() for that, so a start read one container.json per container there is (issue 12's
// "the 100th start costs what the first does"). <root>/names/<name> is a symlink to the id of
// the container that took the name.
//
// The index may hold more than the truth, never less: an entry counts only when that id's
// record still bears the name (one record read), so an entry left by a crash or by a removal is
// free to take. Every change is made under the `containers` lock (create, rename, rm). Nothing
// in it is fsynced (that would add a journal commit to every `run -d`): the index is built again
// from the records by the first create of each boot (`.boot` names the boot it was built in), so
// an entry a power loss took is back before any name is given, as in a root made before the
// index existed.
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText } from '../../state/atomic.js';
import { bootId } from '../../state/process.js';
import { paths } from '../../state/paths.js';
import { allRecords, loadRecord, type ContainerRecord } from './record.js';

const ID = /^[0-9a-f]{64}$/;
const dir = () => join(paths.root(), 'names');

/** The container holding `name`, or undefined. Under the `containers` lock. */
export function nameHolder(name: string): ContainerRecord | undefined {
  ensureIndex();
  let id: string;
  try {
    id = readlinkSync(join(dir(), name));
  } catch {
    return undefined;
  }
  if (!ID.test(id)) return undefined;
  const rec = loadRecord(id);
  return rec?.Name === name ? rec : undefined;
}

/** Records that `id` holds `name` (atomically replacing a stale entry). Under the `containers` lock. */
export function claimName(name: string, id: string): void {
  ensureIndex();
  link(dir(), name, id);
}

/** Drops `name`'s entry when `id` holds it (rm, rename). Under the `containers` lock. */
export function releaseName(name: string, id: string): void {
  const f = join(dir(), name);
  try {
    if (readlinkSync(f) === id) unlinkSync(f);
  } catch {
    /* no entry */
  }
}

let seq = 0;
function link(d: string, name: string, id: string): void {
  const tmp = join(d, `.${name}.tmp-${process.pid}-${seq++}`);
  symlinkSync(id, tmp);
  renameSync(tmp, join(d, name));
}

/** The index of this boot: built from the records when absent (a root an older minidock made) or of an earlier boot, then moved into place whole. */
function ensureIndex(): void {
  // asked afresh each time (two small reads): a long-lived process (the API server) must see
  // an index removed meanwhile, not remember it
  const d = dir();
  const boot = bootId();
  if (readText(join(d, '.boot'))?.trim() === boot) return;
  mkdirSync(paths.root(), { recursive: true });
  const tmp = `${d}.tmp-${process.pid}`;
  const old = `${d}.old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const r of allRecords()) link(tmp, r.Name, r.Id);
  writeFileSync(join(tmp, '.boot'), boot + '\n');
  if (existsSync(d)) renameSync(d, old);
  renameSync(tmp, d);
  rmSync(old, { recursive: true, force: true });
}
