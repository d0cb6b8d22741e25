// The image store: content-addressed, OCI-ish, shared by every image and container.
//
//   <root>/images/repositories.json        the index: references -> image ids, and per image
//                                          what `run` needs (config, diffIDs, size, created)
//   <root>/images/blobs/sha256/<hex>       blobs: layer tarballs as imported, image configs,
//                                          manifests (the image id is its config's digest)
//   <root>/images/layers/<diffid-hex>/     one unpacked layer: diff/ is the tree (an overlayfs
//                                          lower directory, whiteouts already in overlay form),
//                                          meta.json says its size and which blobs carry it
//
// Hot path (`run` of an existing image): resolveImage() is one read of repositories.json and
// ensureImage() adds one stat per layer; nothing is hashed or walked. Everything else (node-tar,
// crypto, streams, zlib, the builtin image's recipe, the lock library) is imported only when
// needed, with import() — so that even in a single-file bundle they are not loaded at start.
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DaemonError, UserError } from '../../errors.js';
import { CorruptStateError, fsyncPath, readState, writeFileAtomic, writeJsonAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';
import { displayKey, normalizeRef, withLatest, type NormalizedRef } from './reference.js';
import type { ExtractResult } from './layer.js';
import type { UnpackPool } from './unpack-pool.js';
import { pidAlive } from '../../state/process.js';
import { journal } from '../events.js';

export { normalizeRef, type NormalizedRef } from './reference.js';

/** The reference of the image built offline from rootfs/busybox.json. */
export const BUILTIN_BUSYBOX_KEY = 'docker.io/library/busybox:latest';

/** The runtime part of an OCI image config ("config" in the config blob). */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [key: string]: unknown;
}

/** An OCI image config blob (application/vnd.oci.image.config.v1+json). */
export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
}

export interface ImageRecord {
  /** Digest of the config blob: 'sha256:…'. */
  id: string;
  /** As Docker shows them: 'busybox:latest', 'localhost:5000/x/y:t'. */
  repoTags: string[];
  /** 'busybox@sha256:<manifest digest>'. */
  repoDigests: string[];
  /** The whole OCI image config (the config blob, parsed): runtime settings are in config.config. */
  config: OciImageConfig;
  architecture: string;
  os: string;
  /** diffIDs, bottom-most first. */
  layers: string[];
  /** Absolute unpacked layer directories, bottom-most first (overlayfs wants them top-most first). */
  layerDirs: string[];
  /** Unpacked size in bytes (file contents). */
  size: number;
  created: string;
  /** Digest of the manifest blob, when the image has one. */
  digest?: string;
  /** The image a `commit` was made on (Docker's Parent): history names it where its part ends. */
  parent?: string;
}

export interface LayerInfo {
  diffId: string;
  /** Digest and size of the blob as imported (compressed or not). */
  digest: string;
  blobSize: number;
  /** Unpacked size (file contents). */
  size: number;
  /** The unpacked tree. */
  dir: string;
  /** Entries that were dropped (device nodes, …). */
  skipped: string[];
}

export interface LayerMeta {
  diffId: string;
  size: number;
  /** Bytes of the uncompressed tar (its length when saved). */
  diffSize?: number;
  blobs: { digest: string; size: number; mediaType?: string }[];
  skipped?: string[];
}

export interface IndexImage {
  config: OciImageConfig;
  layers: string[];
  size: number;
  created: string;
  manifest?: string;
  /** When a reference last pointed here (`image inspect` Metadata.LastTagTime). */
  tagged?: string;
  /** The image it was committed on. */
  parent?: string;
}

export interface RepoIndex {
  version: 1;
  /** Index key (normalizeRef().key) -> image id. */
  refs: Record<string, string>;
  images: Record<string, IndexImage>;
}

const SHA256_RE = /^sha256:([0-9a-f]{64})$/;
const FULL_ID_RE = /^(?:sha256:)?([0-9a-f]{64})$/;
const ID_PREFIX_RE = /^(?:sha256:)?([0-9a-f]{1,63})$/;

const indexFile = (): string => join(paths.images(), 'repositories.json');
const hexOf = (digest: string): string => {
  const m = SHA256_RE.exec(digest);
  if (!m) throw new UserError(`invalid digest ${JSON.stringify(digest)} (only sha256 is supported)`);
  return m[1]!;
};

export const blobPath = (digest: string): string => join(paths.blobs(), hexOf(digest));
export const layerPath = (diffId: string): string => join(paths.layers(), hexOf(diffId));
/** The unpacked tree of a layer (an overlayfs lower directory). */
export const layerDir = (diffId: string): string => join(layerPath(diffId), 'diff');

async function sha256(data: Uint8Array | string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * syncfs(2) of the filesystem that holds `path`. Node has no binding for it, so coreutils'
 * `sync -f` (busybox has it too); best effort: without it a layer is as durable as before.
 */
async function syncFilesystem(path: string): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const { childEnv } = await import('../../host/env.js');
  spawnSync('sync', ['-f', path], { stdio: 'ignore', env: childEnv(), timeout: 300_000 });
}

async function withStoreLock<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const { withLock } = await import('../../state/lock.js');
  return withLock(name, fn);
}

// ---------------------------------------------------------------------------------------
// Index

export function readIndex(): RepoIndex {
  // Corrupt: one line, never read as empty (the next update would write the loss down).
  const recover = 'remove it to start with no images (pull or load them again: the layers on disk are reused)';
  const idx = readState<RepoIndex>(indexFile(), recover);
  if (!idx) return { version: 1, refs: {}, images: {} };
  if (typeof idx.refs !== 'object' || !idx.refs || typeof idx.images !== 'object' || !idx.images) throw new CorruptStateError(indexFile(), 'not an image index', recover);
  return idx;
}

export async function updateIndex<T>(fn: (idx: RepoIndex) => T): Promise<T> {
  return withStoreLock('images', () => {
    const idx = readIndex();
    const out = fn(idx);
    writeJsonAtomic(indexFile(), idx, true);
    return out;
  });
}

export function toRecord(idx: RepoIndex, id: string): ImageRecord | undefined {
  const img = idx.images[id];
  if (!img) return undefined;
  const repoTags: string[] = [];
  const repoDigests: string[] = [];
  for (const [key, target] of Object.entries(idx.refs)) {
    if (target !== id) continue;
    (key.includes('@') ? repoDigests : repoTags).push(displayKey(key));
  }
  const rec: ImageRecord = {
    id,
    repoTags: repoTags.sort(),
    repoDigests: repoDigests.sort(),
    config: img.config,
    architecture: img.config.architecture,
    os: img.config.os,
    layers: [...img.layers],
    layerDirs: img.layers.map(layerDir),
    size: img.size,
    created: img.created,
  };
  if (img.manifest) rec.digest = img.manifest;
  if (img.parent) rec.parent = img.parent;
  return rec;
}

/**
 * Finds a local image by name[:tag], name@digest, full id ('sha256:…' or 64 hex) or a unique
 * id prefix (as Docker: a name wins over an id prefix). Undefined when there is none.
 * Throws UserError for an invalid reference or an ambiguous id prefix.
 */
export async function resolveImage(ref: string): Promise<ImageRecord | undefined> {
  return resolveImageSync(ref);
}

export function resolveImageSync(ref: string): ImageRecord | undefined {
  const idx = readIndex();
  const full = FULL_ID_RE.exec(ref);
  if (full) return toRecord(idx, `sha256:${full[1]}`);
  let key: string | undefined;
  try {
    key = normalizeRef(ref).key;
  } catch (e) {
    if (!ID_PREFIX_RE.test(ref)) throw e;
  }
  if (key !== undefined && idx.refs[key]) return toRecord(idx, idx.refs[key]!);
  const prefix = ID_PREFIX_RE.exec(ref);
  if (prefix) {
    const want = `sha256:${prefix[1]}`;
    const hits = Object.keys(idx.images).filter((id) => id.startsWith(want));
    if (hits.length > 1) throw new UserError(`ambiguous image id prefix ${JSON.stringify(ref)}: ${hits.length} images match`);
    if (hits.length === 1) return toRecord(idx, hits[0]!);
  }
  return undefined;
}

/** Every image, newest first (as `docker images`). */
export function listImages(): ImageRecord[] {
  const idx = readIndex();
  return Object.keys(idx.images)
    .map((id) => toRecord(idx, id)!)
    .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id.localeCompare(b.id)));
}

function layersPresent(img: ImageRecord): boolean {
  return img.layerDirs.every((d) => existsSync(d));
}

/** Where `run` would get an image from: here already, the builtin recipe, or a registry. */
export type ImageSource = { img: ImageRecord } | { build: NormalizedRef } | { pull: NormalizedRef };

/**
 * Looks up what `run IMAGE` needs and changes nothing: ensureImage acts on the answer, and
 * `run --dry-run` only reports it. Errors (a damaged image, an unknown id) are the same for both.
 */
export function imageSource(ref: string): ImageSource {
  const found = resolveImageSync(ref);
  if (found) {
    if (layersPresent(found)) return { img: found };
    if (found.repoTags.includes('busybox:latest')) return { build: normalizeRef(BUILTIN_BUSYBOX_KEY) };
    const missing = found.layerDirs.find((d) => !existsSync(d));
    throw new UserError(`image ${found.repoTags[0] ?? found.id} is damaged: layer directory ${missing} is missing; remove the image and pull it again`);
  }
  if (FULL_ID_RE.test(ref) || ref.startsWith('sha256:')) throw new UserError(`No such image: ${ref}`);
  const n = normalizeRef(ref);
  return n.key === BUILTIN_BUSYBOX_KEY ? { build: n } : { pull: n };
}

/**
 * Like resolveImage, but makes the image available: the builtin busybox is built offline
 * when missing (or damaged); any other missing image is pulled.
 */
export async function ensureImage(ref: string): Promise<ImageRecord> {
  const src = imageSource(ref);
  if ('img' in src) return src.img;
  return 'build' in src ? buildBuiltin() : pullImage(src.pull);
}

async function buildBuiltin(): Promise<ImageRecord> {
  const { buildBuiltinBusybox } = await import('./builtin.js');
  return buildBuiltinBusybox();
}

/**
 * The one place where a registry pull hooks in: `run` of a missing image says so on stderr
 * (as Docker does) and pulls it, progress on stderr (pull.ts).
 */
async function pullImage(ref: NormalizedRef): Promise<ImageRecord> {
  process.stderr.write(`Unable to find image '${ref.display}' locally\n`);
  const { pullImage: pull } = await import('./pull.js');
  const res = await pull(ref.display, { out: process.stderr });
  return res.image;
}

// ---------------------------------------------------------------------------------------
// Blobs

/** Stores a small blob (config, manifest) and returns its digest. */
export async function writeBlob(data: Uint8Array | string): Promise<string> {
  const digest = await sha256(data);
  const file = blobPath(digest);
  if (!existsSync(file)) writeFileAtomic(file, data, 0o644, true);
  return digest;
}

/** A stored JSON blob (an image config, a manifest); a damaged one is one line naming the way out. */
export function readBlobJson<T>(digest: string, image: string): T {
  const file = blobPath(digest);
  const recover = `remove the image ${image.replace(/^sha256:/, '').slice(0, 12)} (minidock rmi -f) and pull or load it again`;
  const v = readState<T>(file, recover);
  if (v === undefined) throw new CorruptStateError(file, 'missing', recover);
  return v;
}

export function readBlob(digest: string): Buffer {
  return readFileSync(blobPath(digest));
}

export function hasBlob(digest: string): boolean {
  return existsSync(blobPath(digest));
}

// ---------------------------------------------------------------------------------------
// Layers

function readLayerMeta(diffId: string): LayerMeta | undefined {
  if (!existsSync(layerDir(diffId))) return undefined;
  const recover = `remove the directory ${layerPath(diffId)}, then pull or load again the images that use it`;
  return readState<LayerMeta>(join(layerPath(diffId), 'meta.json'), recover) ?? { diffId, size: 0, blobs: [] };
}

/**
 * A layer already in the store, with the given blob kept (what a pull can skip entirely);
 * undefined when it would have to be fetched or unpacked.
 */
export function findLayer(diffId: string, digest?: string): LayerInfo | undefined {
  const meta = readLayerMeta(diffId);
  if (!meta) return undefined;
  const blob = digest ? meta.blobs.find((b) => b.digest === digest) : meta.blobs.find((b) => hasBlob(b.digest));
  if (!blob || !hasBlob(blob.digest)) return undefined;
  return layerInfo(meta, blob);
}

/** What the store knows of an unpacked layer (size, blobs that carry it). */
export function layerMeta(diffId: string): LayerMeta | undefined {
  return readLayerMeta(diffId);
}

export function hasLayer(diffId: string): boolean {
  return existsSync(layerDir(diffId));
}

/** Removes temporary stages and blob files left by importers that died. */
function sweepStale(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.tmp-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

let tmpSeq = 0;

let topDirMarked: Promise<void> | undefined;
/**
 * Marks layers/ as a "top directory" for ext4's Orlov allocator (chattr +T, best effort, once
 * per process): each layer's stage, made in it, then goes to a block group of its own instead
 * of layers/' group. Where ext4 runs without a journal it skips inodes freed in the last 1-5
 * minutes on every create, scanning from the start of the group: after a big `rm` (an image
 * removed, a store wiped) creating each file of a layer in the same group cost ~0.7 ms of
 * kernel time, 0.02 ms in a fresh group. Other filesystems refuse the flag; that is fine.
 */
/** Makes layers/ and marks it (above), early: `pull` calls it while the manifest is fetched. */
export function prepareLayers(): Promise<void> {
  try {
    mkdirSync(paths.layers(), { recursive: true, mode: 0o700 });
  } catch {
    return Promise.resolve(); // unpacking reports it
  }
  return markTopDir(paths.layers());
}

function markTopDir(dir: string): Promise<void> {
  topDirMarked ??= (async () => {
    if (!existsSync('/usr/bin/chattr')) return;
    const { run } = await import('../../host/exec.js');
    await run('/usr/bin/chattr', ['+T', dir], { allowFail: true }).catch(() => undefined);
  })();
  return topDirMarked;
}

export interface ImportLayerOptions {
  /** Expected digest of the blob as given (compressed or not); verified. */
  digest?: string;
  /** Expected diffID (digest of the uncompressed tar); verified, and lets an existing layer be reused without reading the blob. */
  diffId?: string;
  /** Keep the blob in blobs/ (default true: needed for save/push). */
  keepBlob?: boolean;
  mediaType?: string;
  /** Unpack in a worker thread of this pool (a pull); default in-process. */
  pool?: UnpackPool;
  /**
   * The blob's size as declared (a pull: the manifest's) or known (load: its file's): the
   * uncompressed layer may be at most expansionLimit() of it. Unset: unbounded (import of the
   * user's own rootfs tarball).
   */
  blobSize?: number;
}

type Source = string | Readable | Uint8Array;

/** Splits off the first chunk of a source so its magic bytes can be looked at. */
async function openSource(src: Source): Promise<{ head: Buffer; stream: Readable }> {
  const { Readable } = await import('node:stream');
  if (src instanceof Uint8Array) {
    const buf = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    return { head: buf.subarray(0, 4), stream: Readable.from([buf]) };
  }
  const input = typeof src === 'string' ? createReadStream(src) : src;
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* rest(): AsyncGenerator<Buffer> {
    if (!first.done) yield Buffer.from(first.value);
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield Buffer.from(n.value);
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

/**
 * Imports one layer blob (a tar, gzip'd or zstd'd tar; a file path, a stream or bytes):
 * hashes it while it streams (blob digest and diffID), unpacks it into a fresh private
 * directory and renames that into place, so an interrupted import never leaves half a
 * layer. A layer already present (same diffID) is not unpacked again; concurrent imports
 * of the same layer serialise on a lock.
 */
export async function importLayer(src: Source, opts: ImportLayerOptions = {}): Promise<LayerInfo> {
  if (opts.diffId !== undefined) hexOf(opts.diffId);
  if (opts.digest !== undefined) hexOf(opts.digest);
  const keepBlob = opts.keepBlob ?? true;
  const reusable = (): LayerInfo | undefined => {
    if (opts.diffId === undefined) return undefined;
    const meta = readLayerMeta(opts.diffId);
    if (!meta) return undefined;
    const blob = opts.digest ? meta.blobs.find((b) => b.digest === opts.digest) : meta.blobs[0];
    if (keepBlob && (!blob || !hasBlob(blob.digest))) return undefined;
    return layerInfo(meta, blob);
  };
  const early = reusable();
  if (early) {
    if (typeof src !== 'string' && !(src instanceof Uint8Array)) src.resume();
    return early;
  }
  if (opts.diffId !== undefined) {
    return withStoreLock(`layer-${hexOf(opts.diffId)}`, async () => {
      const again = reusable();
      if (again) {
        if (typeof src !== 'string' && !(src instanceof Uint8Array)) src.resume();
        return again;
      }
      return unpackAndCommit(src, opts, keepBlob, true);
    });
  }
  return unpackAndCommit(src, opts, keepBlob, false);
}

function layerInfo(meta: LayerMeta, blob: LayerMeta['blobs'][number] | undefined): LayerInfo {
  return {
    diffId: meta.diffId,
    digest: blob?.digest ?? meta.diffId,
    blobSize: blob?.size ?? 0,
    size: meta.size,
    dir: layerDir(meta.diffId),
    skipped: meta.skipped ?? [],
  };
}

async function unpackAndCommit(src: Source, opts: ImportLayerOptions, keepBlob: boolean, locked: boolean): Promise<LayerInfo> {
  const [{ hashAndUnpack, expansionLimit, LayerError }, { createHash }, { pipeline, Transform }] = await Promise.all([
    import('./layer.js'),
    import('node:crypto'),
    import('node:stream'),
  ]);
  let limit: ReturnType<typeof expansionLimit> | undefined; // before anything is made
  try {
    limit = opts.blobSize !== undefined ? expansionLimit(opts.blobSize) : undefined;
  } catch (e) {
    if (typeof src !== 'string' && !(src instanceof Uint8Array)) src.destroy(); // not left to hold a socket open
    throw e;
  }
  const layersDir = paths.layers();
  const blobsDir = paths.blobs();
  mkdirSync(layersDir, { recursive: true, mode: 0o700 });
  mkdirSync(blobsDir, { recursive: true, mode: 0o755 });
  sweepStale(layersDir);
  sweepStale(blobsDir);
  await markTopDir(layersDir);

  const stage = mkdtempSync(join(layersDir, `.tmp-${process.pid}-`));
  const blobTmp = join(blobsDir, `.tmp-${process.pid}-${tmpSeq++}`);
  let blobFd: number | undefined;
  let committed = false;
  // Importing the stored blob itself (a layer whose blob is here but not its tree): it is hashed
  // and checked again, not copied again.
  const blobStored = typeof src === 'string' && opts.digest !== undefined && src === blobPath(opts.digest);
  const writeTmp = keepBlob && !blobStored;
  // The tree is already here (it came from another blob of the same diffID, e.g. after `load`):
  // the new blob is verified (digest and diffID) and kept, but not unpacked a second time.
  const verifyOnly = opts.diffId !== undefined && readLayerMeta(opts.diffId) !== undefined;
  try {
    const blobHash = createHash('sha256');
    let blobSize = 0;
    if (writeTmp) blobFd = openSync(blobTmp, 'wx', 0o644);
    const fd = blobFd;
    const tapBlob = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        blobHash.update(chunk);
        blobSize += chunk.length;
        try {
          if (fd !== undefined) for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
        } catch (e) {
          return cb(e as Error);
        }
        cb(null, chunk);
      },
    });
    let unpacked: { diffId: string; diffSize: number; result: ExtractResult };
    if (opts.pool) {
      // A worker thread gunzips, hashes (diffID) and unpacks into the stage; the blob is hashed
      // and written here. Both are checked below, exactly as in-process.
      const input = typeof src === 'string' ? createReadStream(src) : src instanceof Uint8Array ? (await import('node:stream')).Readable.from([Buffer.from(src)]) : src;
      const job = opts.pool.start(join(stage, 'diff'), verifyOnly, limit);
      const piped = new Promise<void>((res, rej) => pipeline(input, tapBlob, job.sink, (e) => (e ? rej(e) : res())));
      // A refused layer stops the download at once (as extractTar destroys its source in-process).
      job.outcome.catch((e: Error) => job.sink.destroy(e));
      try {
        await piped;
      } catch (e) {
        job.abort();
        // The worker's own error (a hostile entry, a broken gzip) says more than the broken pipe.
        const own = await job.outcome.then(
          () => undefined,
          (err: Error) => err,
        );
        throw own ?? e;
      }
      unpacked = await job.outcome;
    } else {
      const { head, stream } = await openSource(src);
      const blobBytes = pipeline(stream, tapBlob, () => undefined);
      unpacked = await hashAndUnpack(blobBytes, head, verifyOnly ? undefined : join(stage, 'diff'), limit);
    }
    const { result, diffSize } = unpacked;
    if (blobFd !== undefined) {
      closeSync(blobFd);
      blobFd = undefined;
    }

    const digest = `sha256:${blobHash.digest('hex')}`;
    const diffId = unpacked.diffId;
    if (opts.digest !== undefined && opts.digest !== digest) {
      throw new LayerError(`digest mismatch: expected ${opts.digest}, got ${digest}`);
    }
    if (opts.diffId !== undefined && opts.diffId !== diffId) {
      throw new LayerError(`diffID mismatch: expected ${opts.diffId}, got ${diffId}`);
    }
    const blob = { digest, size: blobSize, ...(opts.mediaType ? { mediaType: opts.mediaType } : {}) };

    const commit = (): LayerInfo => {
      const existing = readLayerMeta(diffId);
      if (verifyOnly && !existing) throw new UserError(`layer ${diffId} was removed while its blob was being verified; try again`);
      if (writeTmp) {
        if (existsSync(blobPath(digest))) unlinkSync(blobTmp);
        else {
          renameSync(blobTmp, blobPath(digest));
          fsyncPath(paths.blobs());
        }
      }
      if (existing) {
        // Someone else unpacked it first (or it came from another blob): keep theirs.
        rmSync(stage, { recursive: true, force: true });
        if (!existing.blobs.some((b) => b.digest === digest)) {
          existing.blobs.push(blob);
          writeJsonAtomic(join(layerPath(diffId), 'meta.json'), existing, true);
        }
        committed = true;
        return layerInfo(existing, blob);
      }
      const meta: LayerMeta = { diffId, size: result.size, diffSize, blobs: [blob], ...(result.skipped.length ? { skipped: result.skipped } : {}) };
      writeJsonAtomic(join(stage, 'meta.json'), meta, true);
      rmSync(layerPath(diffId), { recursive: true, force: true }); // a damaged remnant without diff/
      renameSync(stage, layerPath(diffId));
      fsyncPath(paths.layers());
      committed = true;
      return layerInfo(meta, blob);
    };
    // The unpacked tree (thousands of files) and the blob reach the disk before meta.json says
    // the layer is whole: one syncfs(2) of the store's filesystem, not an fsync per file.
    if (!verifyOnly || writeTmp) await syncFilesystem(paths.images());
    return locked ? commit() : await withStoreLock(`layer-${hexOf(diffId)}`, commit);
  } finally {
    if (blobFd !== undefined) closeSync(blobFd);
    if (!committed) {
      rmSync(stage, { recursive: true, force: true });
      rmSync(blobTmp, { force: true });
    }
  }
}

// ---------------------------------------------------------------------------------------
// Images

export interface AddImageInput {
  /** The config blob, byte for byte (its digest is the image id). */
  config: Uint8Array | string;
  /** The manifest blob, when there is one. */
  manifest?: Uint8Array | string;
  /** References to point at the image ('busybox:latest', …); a tag moves from any older image. */
  tags?: string[];
  /**
   * Digest references ('docker.io/library/busybox@sha256:…', the digest the image was pulled
   * by: an index's when it came through one). Default: each tag's name @ the manifest digest.
   */
  repoDigests?: string[];
  /** The image it was committed on (`commit`). */
  parent?: string;
}

/** Records an image whose layers have all been imported; returns it as resolveImage would. */
export async function addImage(input: AddImageInput): Promise<ImageRecord> {
  const configBytes = typeof input.config === 'string' ? Buffer.from(input.config) : input.config;
  let cfg: OciImageConfig;
  try {
    cfg = JSON.parse(Buffer.from(configBytes).toString('utf8')) as OciImageConfig;
  } catch {
    throw new UserError('invalid image config: not JSON');
  }
  const diffIds = cfg?.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string' || !SHA256_RE.test(d))) {
    throw new UserError('invalid image config: rootfs.diff_ids must list sha256 digests');
  }
  let size = 0;
  for (const d of diffIds) {
    const meta = readLayerMeta(d);
    if (!meta) throw new UserError(`image config refers to layer ${d}, which is not in the store`);
    size += meta.size;
  }
  const keys = (input.tags ?? []).map((t) => normalizeRef(t));
  for (const k of keys) if (k.digest) throw new UserError(`cannot tag with a digest reference: ${k.display}`);
  const digestKeys = (input.repoDigests ?? []).map((t) => normalizeRef(t));
  for (const k of digestKeys) if (!k.digest) throw new UserError(`not a digest reference: ${k.display}`);

  const id = await writeBlob(configBytes);
  const manifest = input.manifest !== undefined ? await writeBlob(input.manifest) : undefined;
  const entry: IndexImage = {
    config: cfg,
    layers: diffIds,
    size,
    created: cfg.created ?? '',
    ...(manifest ? { manifest } : {}),
    ...(keys.length ? { tagged: new Date().toISOString() } : {}),
    ...(input.parent ? { parent: input.parent } : {}),
  };
  return updateIndex((idx) => {
    // Layers checked again under the index lock: a concurrent prune cannot have taken them.
    for (const d of diffIds) if (!readLayerMeta(d)) throw new UserError(`image config refers to layer ${d}, which is not in the store`);
    const old = idx.images[id];
    idx.images[id] = old?.tagged && !entry.tagged ? { ...entry, tagged: old.tagged } : entry;
    for (const k of keys) {
      idx.refs[k.key] = id;
      if (manifest && !input.repoDigests) idx.refs[`${k.name}@${manifest}`] = id;
    }
    for (const k of digestKeys) idx.refs[k.key] = id;
    return toRecord(idx, id)!;
  });
}

/** Points another reference at an existing image (`minidock tag`). */
export async function tagImage(source: string, target: string): Promise<ImageRecord> {
  const img = resolveImageSync(source);
  if (!img) throw new DaemonError(`No such image: ${withLatest(source)}`, 1);
  const k = normalizeRef(target);
  if (k.digest) throw new UserError(`cannot tag with a digest reference: ${k.display}`);
  const out = await updateIndex((idx) => {
    if (!idx.images[img.id]) throw new UserError(`No such image: ${source}`);
    idx.refs[k.key] = img.id;
    idx.images[img.id]!.tagged = new Date().toISOString();
    return toRecord(idx, img.id)!;
  });
  journal({ Type: 'image', Action: 'tag', ID: img.id, Attributes: { name: k.display } });
  return out;
}

/** The full config blob of an image (for `image inspect`). */
export function readImageConfig(id: string): OciImageConfig {
  return readBlobJson<OciImageConfig>(id, id);
}

// ---------------------------------------------------------------------------------------
// Leases: what a pull, load or import in progress is working with (layers it unpacked or
// found, blobs it wrote), so that a concurrent rmi/prune does not collect them before the
// image is recorded. One small file per holder, ignored once its process is gone.

const leaseDir = (): string => join(paths.images(), 'leases');
let leaseSeq = 0;

export interface Lease {
  add(digests: string[]): void;
  release(): void;
}

export function holdLease(digests: string[] = []): Lease {
  mkdirSync(leaseDir(), { recursive: true, mode: 0o700 });
  const file = join(leaseDir(), `${process.pid}-${leaseSeq++}.json`);
  const held = new Set(digests);
  // Only for the life of this process: not durable (a power loss ends that life anyway).
  const write = (): void => writeFileAtomic(file, JSON.stringify([...held]));
  write();
  return {
    add(more: string[]) {
      let changed = false;
      for (const d of more) if (!held.has(d)) (held.add(d), (changed = true));
      if (changed) write();
    },
    release() {
      rmSync(file, { force: true });
    },
  };
}

/** Digests held by live processes' leases (stale lease files are removed). */
export function leasedDigests(): Set<string> {
  const out = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(leaseDir());
  } catch {
    return out;
  }
  for (const name of names) {
    const m = /^(\d+)-\d+\.json$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) {
      rmSync(join(leaseDir(), name), { force: true });
      continue;
    }
    for (const d of readState<string[]>(join(leaseDir(), name), 'cache', 'array') ?? []) out.add(d);
  }
  return out;
}
