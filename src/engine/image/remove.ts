// rmi, image prune, and collecting what no image, container or operation in progress uses.
//
// rmi follows Docker's rules (daemon/images/image_delete.go):
//   - by name: the reference is removed (refused without -f when it is the image's only
//     reference and a container uses the image); when no tag of that repository is left, its
//     digest references go too; the image itself is then deleted if nothing else refers to it
//     and no container uses it — quietly kept otherwise.
//   - by id: refused when the image is referenced in several repositories or used by a stopped
//     container (unless -f), and always while a running container uses it.
// Layers are shared: a layer directory is removed only when no image lists it, no container's
// LayerDirs names it and no pull/load/import in progress holds it (leases).
import { journal, type JournalEvent } from '../events.js';
import { lstatSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../errors.js';
import { paths } from '../../state/paths.js';
import { displayKey, normalizeRef, withLatest } from './reference.js';
import { blobPath, layerMeta, leasedDigests, readIndex, toRecord, updateIndex, type RepoIndex } from './store.js';
import { listDir } from '../../state/atomic.js';

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
const FULL_ID_RE = /^(?:sha256:)?([0-9a-f]{64})$/;
const ID_PREFIX_RE = /^(?:sha256:)?([0-9a-f]{1,63})$/;

interface UserInfo {
  id: string;
  running: boolean;
}

/** Containers by the image id they were created from. */
async function containersByImage(): Promise<Map<string, UserInfo[]>> {
  const { allRecords, stateOf } = await import('../container/record.js');
  const out = new Map<string, UserInfo[]>();
  for (const r of allRecords()) {
    const list = out.get(r.Image) ?? [];
    list.push({ id: r.Id, running: stateOf(r).Running });
    out.set(r.Image, list);
  }
  return out;
}

/** Layer directories (diffID hex) that some container still mounts. */
async function containerLayers(): Promise<Set<string>> {
  const { allRecords } = await import('../container/record.js');
  const out = new Set<string>();
  for (const r of allRecords()) for (const d of r.LayerDirs ?? []) out.add(basename(dirname(d)));
  return out;
}

const refsOf = (idx: RepoIndex, id: string): string[] => Object.keys(idx.refs).filter((k) => idx.refs[k] === id);
const isDigestKey = (k: string): boolean => k.includes('@');
function nameOfKey(k: string): string {
  if (isDigestKey(k)) return k.slice(0, k.indexOf('@'));
  const slash = k.lastIndexOf('/');
  const colon = k.lastIndexOf(':');
  return colon > slash ? k.slice(0, colon) : k;
}

/** Docker's isSingleReference: at most one tag, all references in one repository. */
function isSingleReference(keys: string[]): boolean {
  if (keys.filter((k) => !isDigestKey(k)).length > 1) return false;
  return new Set(keys.map(nameOfKey)).size <= 1;
}

export class ConflictError extends UserError {}

/** An image rmi did not find (Docker's NotFound: `rmi -f` reports it and still exits 0). */
export class NoSuchImageError extends UserError {}


/** `rmi [-f] REF`: the lines Docker prints (Untagged: …, Deleted: …). */
export async function removeImage(ref: string, force = false): Promise<string[]> {
  const users = await containersByImage();
  const lines: string[] = [];
  const events: JournalEvent[] = [];
  const removed = await updateIndex((idx) => {
    // Resolve as resolveImage does: a name wins over an id prefix.
    let key: string | undefined;
    try {
      key = normalizeRef(ref).key;
    } catch (e) {
      if (!ID_PREFIX_RE.test(ref) && !FULL_ID_RE.test(ref)) throw e;
    }
    let id: string | undefined;
    let byName = false;
    if (key !== undefined && idx.refs[key] && !FULL_ID_RE.test(ref)) {
      id = idx.refs[key];
      byName = true;
    } else {
      const full = FULL_ID_RE.exec(ref);
      const prefix = ID_PREFIX_RE.exec(ref);
      if (full) id = idx.images[`sha256:${full[1]}`] ? `sha256:${full[1]}` : undefined;
      else if (prefix) {
        const hits = Object.keys(idx.images).filter((i) => i.startsWith(`sha256:${prefix[1]}`));
        if (hits.length > 1) throw new UserError(`ambiguous image id prefix ${JSON.stringify(ref)}: ${hits.length} images match`);
        id = hits[0];
      }
    }
    if (!id || !idx.images[id]) throw new NoSuchImageError(`No such image: ${withLatest(ref)}`, 1);
    const ctrs = users.get(id) ?? [];
    const running = ctrs.find((c) => c.running);
    const stopped = ctrs.find((c) => !c.running);
    const untag = (k: string): void => {
      delete idx.refs[k];
      lines.push(`Untagged: ${displayKey(k)}`);
      events.push({ Type: 'image', Action: 'untag', ID: id!, Attributes: { name: displayKey(k) } });
    };

    let quiet = false;
    if (byName) {
      if (!force && isSingleReference(refsOf(idx, id)) && ctrs[0]) {
        throw new ConflictError(`conflict: unable to remove repository reference "${ref}" (must force) - container ${short(ctrs[0].id)} is using its referenced image ${short(id)}`);
      }
      untag(key!);
      if (!isDigestKey(key!)) {
        const name = nameOfKey(key!);
        const left = refsOf(idx, id);
        if (!left.some((k) => !isDigestKey(k) && nameOfKey(k) === name)) {
          for (const k of left) if (isDigestKey(k) && nameOfKey(k) === name) untag(k);
        }
      }
      if (refsOf(idx, id).length > 0) return undefined;
      quiet = true;
    } else if (isSingleReference(refsOf(idx, id))) {
      if (running) throw new ConflictError(`conflict: unable to delete ${short(id)} (cannot be forced) - image is being used by running container ${short(running.id)}`);
      if (!force && stopped) throw new ConflictError(`conflict: unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(stopped.id)}`);
      for (const k of refsOf(idx, id)) untag(k);
    }

    // imageDeleteHelper
    if (running) {
      if (quiet) return undefined;
      throw new ConflictError(`conflict: unable to delete ${short(id)} (cannot be forced) - image is being used by running container ${short(running.id)}`);
    }
    if (!force) {
      if (refsOf(idx, id).length) {
        if (quiet) return undefined;
        throw new ConflictError(`conflict: unable to delete ${short(id)} (must be forced) - image is referenced in multiple repositories`);
      }
      if (stopped) {
        if (quiet) return undefined;
        throw new ConflictError(`conflict: unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(stopped.id)}`);
      }
    }
    for (const k of refsOf(idx, id)) untag(k);
    delete idx.images[id];
    lines.push(`Deleted: ${id}`);
    events.push({ Type: 'image', Action: 'delete', ID: id, Attributes: {} });
    return id;
  });
  for (const e of events) journal(e);
  if (removed) {
    const gc = await collectGarbage();
    for (const l of gc.layers) lines.push(`Deleted: ${l}`);
  }
  return lines;
}

export interface PruneResult {
  lines: string[];
  reclaimed: number;
}

/** moby's imagesAcceptedFilters */
const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

/** Checks `image prune`'s filters alone (the CLI does so before it asks for confirmation). */
export async function checkImagePruneFilters(filterSpecs: string[]): Promise<void> {
  const { parsePruneFilters } = await import('../prune-filters.js');
  await parsePruneFilters(filterSpecs, PRUNE_FILTERS);
}

/**
 * `image prune`: dangling images (no tag) unless `dangling=false` (`-a`): then every image no
 * container uses; of those, the ones `until` and `label`/`label!` keep (engine/prune-filters.ts).
 */
export async function pruneImages(filterSpecs: string[]): Promise<PruneResult> {
  const { parsePruneFilters } = await import('../prune-filters.js');
  const filters = await parsePruneFilters(filterSpecs, PRUNE_FILTERS);
  const all = filters.dangling === false;
  const users = await containersByImage();
  const lines: string[] = [];
  let reclaimed = 0;
  await updateIndex((idx) => {
    for (const id of Object.keys(idx.images)) {
      if (users.has(id)) continue;
      const rec = toRecord(idx, id)!;
      if (!all && rec.repoTags.length > 0) continue;
      if (!filters.matches(rec.created ? Date.parse(rec.created) : undefined, rec.config.config?.Labels)) continue;
      for (const k of refsOf(idx, id)) {
        delete idx.refs[k];
        lines.push(`untagged: ${displayKey(k)}`);
      }
      delete idx.images[id];
      lines.push(`deleted: ${id}`);
    }
  });
  const gc = await collectGarbage();
  reclaimed += gc.bytes;
  for (const l of gc.layers) lines.push(`deleted: ${l}`);
  return { lines, reclaimed };
}

function duBytes(p: string): number {
  let total = 0;
  const walk = (q: string): void => {
    let st;
    try {
      st = lstatSync(q);
    } catch {
      return;
    }
    total += st.blocks * 512;
    if (st.isDirectory()) for (const n of readdirSync(q)) walk(join(q, n));
  };
  walk(p);
  return total;
}

/**
 * Removes layer directories and blobs that nothing refers to any more. Runs under the index
 * lock, so no image can be recorded meanwhile (addImage re-checks its layers under it).
 */
export async function collectGarbage(): Promise<{ layers: string[]; blobs: string[]; bytes: number }> {
  const inUseByContainers = await containerLayers();
  return updateIndex((idx) => {
    const leased = leasedDigests();
    const keepLayers = new Set<string>();
    const keepBlobs = new Set<string>();
    for (const [id, img] of Object.entries(idx.images)) {
      keepBlobs.add(id);
      if (img.manifest) keepBlobs.add(img.manifest);
      for (const l of img.layers) keepLayers.add(l);
    }
    for (const hex of inUseByContainers) keepLayers.add(`sha256:${hex}`);
    for (const d of leased) {
      keepLayers.add(d);
      keepBlobs.add(d);
    }
    const removedLayers: string[] = [];
    let bytes = 0;
    for (const hex of listDir(paths.layers())) {
      if (!/^[0-9a-f]{64}$/.test(hex)) continue;
      const diffId = `sha256:${hex}`;
      const meta = layerMeta(diffId);
      if (keepLayers.has(diffId)) {
        for (const b of meta?.blobs ?? []) keepBlobs.add(b.digest);
        continue;
      }
      const dir = join(paths.layers(), hex);
      bytes += duBytes(dir);
      rmSync(dir, { recursive: true, force: true });
      removedLayers.push(diffId);
    }
    const removedBlobs: string[] = [];
    for (const hex of listDir(paths.blobs())) {
      if (!/^[0-9a-f]{64}$/.test(hex)) continue;
      const d = `sha256:${hex}`;
      if (keepBlobs.has(d)) continue;
      try {
        bytes += lstatSync(blobPath(d)).blocks * 512;
        unlinkSync(blobPath(d));
        removedBlobs.push(d);
      } catch {
        /* gone already */
      }
    }
    void readIndex;
    return { layers: removedLayers, blobs: removedBlobs, bytes };
  });
}
