// Which container holds a name, without reading every container's record: `create` asked
// allRecords() for that, so a start read one container.json per container there is (issue 12's
// "the 100th start costs what the first does"). <root>/names/<name> is a symlink to the id of
// the container that took the name.
//
// The index may hold more than the truth, never less: an entry counts only when that id's
// record still bears the name (one record read), so an entry left by a crash or by a removal is
// free to take. Every change is made under the `containers` lock (create, rename, rm). A root
// made before the index existed gets it built from the records, once, by the first create.
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncPath } from '../../state/atomic.js';
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

/** Records that `id` holds `name` (atomically replacing a stale entry); `durable`: fsynced, as the record that follows. */
export function claimName(name: string, id: string, durable: boolean): void {
  ensureIndex();
  link(dir(), name, id);
  if (durable) fsyncPath(dir());
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

/** A root without the index (made by an older minidock): built from the records, then moved into place whole. */
function ensureIndex(): void {
  const d = dir();
  if (existsSync(d)) return;
  mkdirSync(paths.root(), { recursive: true });
  const tmp = `${d}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const r of allRecords()) link(tmp, r.Name, r.Id);
  renameSync(tmp, d);
}

