// Image archives: `save`, `load`, `import`.
//
// save writes what Docker 25+ writes: an OCI image layout that is also a docker-save archive.
//   oci-layout, index.json         OCI: one manifest descriptor per tag, annotated with
//                                  io.containerd.image.name and org.opencontainers.image.ref.name
//   manifest.json, repositories    docker save: [{Config, RepoTags, Layers}]
//   blobs/sha256/<hex>             manifests, configs and layer blobs, as stored (a pulled
//                                  image keeps its registry manifest byte for byte, so its
//                                  digest survives a save/load round trip)
// load reads docker save archives (old and new) and OCI image layouts, plain or gzipped: the
// archive is first unpacked into a private temporary directory (regular files only, every path
// checked; read by tarreader.ts, as Go's archive/tar reads it), then every blob is verified (OCI: against its digest; docker: each layer against
// the config's diff_ids) while it is imported like a pulled layer.
// import makes a one-layer image from a root filesystem tarball.
import {
  closeSync,
  constants as FS,
  createReadStream,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { DaemonError, UserError } from '../../errors.js';
import { paths } from '../../state/paths.js';
import { cleanPath } from './layer.js';
import { choosePlatform, hostPlatform } from './platform.js';
import { normalizeRef } from './reference.js';
import { MEDIA, type Descriptor, type ImageIndex, type ImageManifest } from './registry.js';
import {
  addImage,
  blobPath,
  hasBlob,
  holdLease,
  importLayer,
  layerMeta,
  readBlob,
  resolveImageSync,
  type ImageConfig,
  type ImageRecord,
  type OciImageConfig,
} from './store.js';
import { readState } from '../../state/atomic.js';
import { TarStream, writeAll } from './tarstream.js';
import { pidAlive } from '../../state/process.js';

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hexOf = (d: string): string => d.replace(/^sha256:/, '');

// ---------------------------------------------------------------------------------------
// save

interface SaveImage {
  img: ImageRecord;
  tags: string[];
}

/** Media type of a stored layer blob, from its first bytes. */
function layerMediaType(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return MEDIA.ociLayerGzip;
    if (head.readUInt32BE(0) === 0x28b52ffd) return MEDIA.ociLayerZstd;
    return MEDIA.ociLayer;
  } finally {
    closeSync(fd);
  }
}

/** A manifest for the image with its stored layer blobs (`save`, `push`): the stored one when it fits. */
export function manifestFor(img: ImageRecord, doing = 'save'): { bytes: Buffer; digest: string; layerBlobs: string[] } {
  const layerBlobs = img.layers.map((diffId) => {
    const meta = layerMeta(diffId);
    const blob = meta?.blobs.find((b) => hasBlob(b.digest));
    if (!blob) throw new UserError(`cannot ${doing} ${img.repoTags[0] ?? img.id}: the blob of layer ${diffId} is not in the store`);
    return blob.digest;
  });
  if (img.digest && hasBlob(img.digest)) {
    // The stored manifest, when it still fits; a damaged one is simply made again.
    const m = readState<ImageManifest>(blobPath(img.digest), 'cache');
    if (m && m.config?.digest === img.id && m.layers?.length === layerBlobs.length && m.layers.every((l, i) => l.digest === layerBlobs[i])) {
      return { bytes: readBlob(img.digest), digest: img.digest, layerBlobs };
    }
  }
  const config = readBlob(img.id);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: img.id, size: config.length },
    layers: layerBlobs.map((d) => {
      const file = blobPath(d);
      return { mediaType: layerMediaType(file), digest: d, size: fstatSyncPath(file) };
    }),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, digest: sha256(bytes), layerBlobs };
}

function fstatSyncPath(file: string): number {
  const fd = openSync(file, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** `save`'s archive: directories and files of the image layout, written as they come. */
class TarOut {
  private readonly out: TarStream;
  constructor(fd: number) {
    this.out = new TarStream(fd);
  }

  dir(path: string): void {
    this.out.entry({ path, type: 'dir', mode: 0o755 }, 0);
  }

  bytes(path: string, data: Buffer): void {
    this.out.entry({ path, type: 'file', mode: 0o644 }, data.length);
    this.out.data(data);
    this.out.endEntry();
  }

  file(path: string, src: string): void {
    const fd = openSync(src, 'r');
    try {
      const size = fstatSync(fd).size;
      this.out.entry({ path, type: 'file', mode: 0o644 }, size);
      const buf = Buffer.allocUnsafe(1 << 20);
      let left = size;
      while (left > 0) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
        if (n <= 0) throw new UserError(`${src} changed while it was being saved`);
        this.out.data(buf.subarray(0, n));
        left -= n;
      }
      this.out.endEntry();
    } finally {
      closeSync(fd);
    }
  }

  end(): void {
    this.out.end();
  }
}

/** Which images, with which tags: a name with a tag saves that tag, a bare name all of its tags, an id none. */
function selectImages(refs: string[]): SaveImage[] {
  const byId = new Map<string, SaveImage>();
  for (const ref of refs) {
    const img = resolveImageSync(ref);
    if (!img) throw new DaemonError(`No such image: ${ref}`, 1);
    const entry = byId.get(img.id) ?? { img, tags: [] };
    byId.set(img.id, entry);
    let n;
    try {
      n = normalizeRef(ref);
    } catch {
      continue; // an id
    }
    if (!img.repoTags.includes(n.display) && !n.digest) continue; // an id prefix
    const explicitTag = /:[\w][\w.-]*$/.test(ref.slice(ref.lastIndexOf('/') + 1)) && !ref.includes('@');
    const tags = n.digest ? [] : explicitTag ? [n.display] : img.repoTags.filter((t) => t.slice(0, t.lastIndexOf(':')) === n!.familiarName);
    for (const t of tags) if (!entry.tags.includes(t)) entry.tags.push(t);
  }
  return [...byId.values()];
}

/** `save`: writes the archive to a file (atomically) or to an open descriptor (stdout). */
export async function saveImages(refs: string[], out: { file?: string; fd?: number }): Promise<void> {
  const images = selectImages(refs);
  const tmp = out.file ? `${out.file}.tmp-${process.pid}` : undefined;
  const fd = tmp ? openSync(tmp, 'w', 0o644) : out.fd!;
  try {
    const tar = new TarOut(fd);
    const written = new Set<string>();
    const docker: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    const index: ImageIndex & { mediaType: string } = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] };
    const repositories: Record<string, Record<string, string>> = {};
    tar.dir('blobs');
    tar.dir('blobs/sha256');
    const blob = (digest: string, data?: Buffer): string => {
      const path = `blobs/sha256/${hexOf(digest)}`;
      if (!written.has(digest)) {
        if (data) tar.bytes(path, data);
        else tar.file(path, blobPath(digest));
        written.add(digest);
      }
      return path;
    };
    for (const { img, tags } of images) {
      const m = manifestFor(img);
      const layers = m.layerBlobs.map((d) => blob(d));
      const config = blob(img.id);
      blob(m.digest, m.bytes);
      docker.push({ Config: config, RepoTags: tags.length ? tags : null, Layers: layers });
      const desc = { mediaType: MEDIA.ociManifest, digest: m.digest, size: m.bytes.length };
      if (tags.length === 0) index.manifests.push(desc);
      for (const t of tags) {
        const n = normalizeRef(t);
        index.manifests.push({ ...desc, annotations: { 'io.containerd.image.name': `${n.name}:${n.tag}`, 'org.opencontainers.image.ref.name': n.tag! } });
        (repositories[n.familiarName] ??= {})[n.tag!] = hexOf(img.layers[img.layers.length - 1] ?? img.id);
      }
    }
    tar.bytes('index.json', Buffer.from(JSON.stringify(index)));
    tar.bytes('manifest.json', Buffer.from(JSON.stringify(docker)));
    tar.bytes('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    if (Object.keys(repositories).length) tar.bytes('repositories', Buffer.from(JSON.stringify(repositories)));
    tar.end();
    if (tmp) {
      closeSync(fd);
      renameSync(tmp, out.file!);
    }
  } catch (e) {
    if (tmp) {
      closeSync(fd);
      rmSync(tmp, { force: true });
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// load

async function inputStream(src: string | Readable): Promise<Readable> {
  const { Readable: R, PassThrough } = await import('node:stream');
  const zlib = await import('node:zlib');
  const input = typeof src === 'string' ? createReadStream(src) : src;
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    if (!first.done) yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield Buffer.from(n.value);
    }
  }
  const raw = R.from(all(), { objectMode: false });
  if (head.length === 0) throw new UserError('the archive is empty');
  const decomp = head[0] === 0x1f && head[1] === 0x8b ? zlib.createGunzip() : new PassThrough();
  raw.on('error', (e) => decomp.destroy(e));
  return raw.pipe(decomp);
}

/**
 * Unpacks an archive's regular files into dir; symlinks (old docker save) become aliases. Read
 * with the layers' tar reader, so a `load` archive is read as Docker's (Go's archive/tar) too.
 */
async function unpackArchive(src: Readable, dir: string): Promise<Map<string, string>> {
  const { TarReader, TarFormatError } = await import('./tarreader.js');
  const links = new Map<string, string>();
  let fd: number | undefined;
  const close = (): void => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  const reader = new TarReader({
    entry(h) {
      const rel = cleanPath(h.path);
      if (rel === null || (h.path.startsWith('/') && rel !== '')) throw new UserError(`archive entry ${JSON.stringify(h.path)} points outside the archive`);
      if (rel === '') return false;
      const p = join(dir, rel);
      if (h.type === 'Directory') {
        mkdirSync(p, { recursive: true, mode: 0o700 });
        return false;
      }
      if (h.type === 'SymbolicLink' || h.type === 'Link') {
        const target = h.type === 'Link' ? cleanPath(h.linkpath) : cleanPath(posix.join(posix.dirname(rel), h.linkpath));
        if (target === null || target === '' || (h.linkpath.startsWith('/') && h.type === 'SymbolicLink')) {
          throw new UserError(`archive entry ${JSON.stringify(h.path)} links outside the archive`);
        }
        links.set(rel, target);
        return false;
      }
      if (h.type !== 'File' && h.type !== 'ContiguousFile') return false;
      // Only regular files and directories are ever made here (links are only recorded), so
      // nothing on the way can be a symlink.
      mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
      fd = openSync(p, FS.O_WRONLY | FS.O_CREAT | FS.O_TRUNC | FS.O_NOFOLLOW, 0o600);
      return true;
    },
    data(chunk) {
      writeAll(fd!, chunk);
    },
    endEntry: close,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      src.on('data', (chunk: Buffer) => {
        try {
          reader.write(chunk);
        } catch (e) {
          src.destroy();
          reject(e);
        }
      });
      src.once('error', reject);
      src.once('end', () => {
        try {
          reader.end();
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  } catch (e) {
    if (e instanceof TarFormatError) throw new UserError(`not a valid image archive: ${e.message}`);
    throw e;
  } finally {
    close();
  }
  return links;
}

interface LoadContext {
  dir: string;
  links: Map<string, string>;
  lease: { add(d: string[]): void };
}

function archivePath(ctx: LoadContext, rel: string): string {
  let r = cleanPath(rel);
  for (let i = 0; r !== null && ctx.links.has(r) && i < 16; i++) r = ctx.links.get(r)!;
  if (r === null || r === '') throw new UserError(`image archive: invalid path ${JSON.stringify(rel)}`);
  const p = join(ctx.dir, r);
  if (!existsSync(p)) throw new UserError(`image archive: ${rel} is missing`);
  return p;
}

function readJsonFile<T>(p: string, what: string): T {
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch {
    throw new UserError(`image archive: ${what} is not valid JSON`);
  }
}

function ociBlob(ctx: LoadContext, d: Descriptor | undefined, what: string): string {
  if (!d || typeof d.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.digest)) throw new UserError(`image archive: ${what} has no sha256 digest`);
  return archivePath(ctx, `blobs/sha256/${hexOf(d.digest)}`);
}

function readVerified(ctx: LoadContext, d: Descriptor, what: string): Buffer {
  const bytes = readFileSync(ociBlob(ctx, d, what));
  const got = sha256(bytes);
  if (got !== d.digest) throw new UserError(`image archive: ${what} does not match its digest ${d.digest} (content is ${got})`);
  return bytes;
}

async function importLayers(ctx: LoadContext, layers: { file: string; digest?: string; diffId: string; mediaType?: string }[]): Promise<void> {
  ctx.lease.add(layers.flatMap((l) => [l.diffId, ...(l.digest ? [l.digest] : [])]));
  for (const l of layers) {
    try {
      const blobSize = statSync(l.file).size; // bounds its expansion (as a pull's declared size)
      await importLayer(l.file, { diffId: l.diffId, blobSize, ...(l.digest ? { digest: l.digest } : {}), ...(l.mediaType ? { mediaType: l.mediaType } : {}) });
    } catch (e) {
      throw new UserError(`image archive: layer ${l.digest ?? l.diffId}: ${(e as Error).message.replace(/^invalid layer: /, '')}`);
    }
  }
}

/** Loads an OCI manifest (and its config and layers) from the layout; returns the image. */
async function loadOciManifest(ctx: LoadContext, desc: Descriptor, tags: string[]): Promise<ImageRecord> {
  const manifestBytes = readVerified(ctx, desc, `manifest ${desc.digest}`);
  const m = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;
  if (!m.config || !Array.isArray(m.layers)) throw new UserError(`image archive: manifest ${desc.digest} is not an image manifest`);
  const configBytes = readVerified(ctx, m.config, `config ${m.config.digest}`);
  const cfg = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
  const diffIds = cfg.rootfs?.diff_ids ?? [];
  if (diffIds.length !== m.layers.length) throw new UserError(`image archive: config ${m.config.digest} lists ${diffIds.length} layers, its manifest ${m.layers.length}`);
  ctx.lease.add([desc.digest, m.config.digest]);
  await importLayers(
    ctx,
    m.layers.map((l, i) => ({ file: ociBlob(ctx, l, `layer ${l.digest}`), digest: l.digest, diffId: diffIds[i]!, mediaType: l.mediaType })),
  );
  return addImage({ config: configBytes, manifest: manifestBytes, tags });
}

/** A tag from an OCI index entry's annotations, when it names a repository. */
function ociTag(d: Descriptor): string | undefined {
  const full = d.annotations?.['io.containerd.image.name'];
  const name = full ?? d.annotations?.['org.opencontainers.image.ref.name'];
  if (!name || (!full && !/[/:]/.test(name))) return undefined;
  try {
    const n = normalizeRef(name);
    return n.digest ? undefined : n.display;
  } catch {
    return undefined;
  }
}

/** Temporary directories of loads whose process died. */
function sweepStaleLoads(): void {
  for (const name of readdirSync(paths.images())) {
    const m = /^\.tmp-(\d+)-load-/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    if (!pidAlive(Number(m[1]))) rmSync(join(paths.images(), name), { recursive: true, force: true });
  }
}

export interface LoadResult {
  lines: string[];
  images: ImageRecord[];
}

/** `load`: a docker save archive or an OCI image layout archive, plain or gzipped. */
export async function loadImages(src: string | Readable): Promise<LoadResult> {
  mkdirSync(paths.images(), { recursive: true });
  sweepStaleLoads();
  const dir = mkdtempSync(join(paths.images(), `.tmp-${process.pid}-load-`));
  const lease = holdLease();
  try {
    const links = await unpackArchive(await inputStream(src), dir);
    const ctx: LoadContext = { dir, links, lease };
    const lines: string[] = [];
    const images: ImageRecord[] = [];
    const report = (img: ImageRecord, tags: string[]): void => {
      images.push(img);
      if (tags.length) for (const t of tags) lines.push(`Loaded image: ${t}`);
      else lines.push(`Loaded image ID: ${img.id}`);
    };
    if (existsSync(join(dir, 'manifest.json'))) {
      const entries = readJsonFile<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(join(dir, 'manifest.json'), 'manifest.json');
      if (!Array.isArray(entries)) throw new UserError('image archive: manifest.json is not a list');
      const index = existsSync(join(dir, 'index.json')) ? readJsonFile<ImageIndex>(join(dir, 'index.json'), 'index.json') : undefined;
      for (const e of entries) {
        const configBytes = readFileSync(archivePath(ctx, e.Config));
        const cfg = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
        const diffIds = cfg.rootfs?.diff_ids ?? [];
        if (!Array.isArray(e.Layers) || diffIds.length !== e.Layers.length) throw new UserError(`image archive: ${e.Config} lists ${diffIds.length} layers, manifest.json ${e.Layers?.length ?? 0}`);
        const tags = (e.RepoTags ?? []).map((t) => normalizeRef(t).display);
        // The OCI manifest of the same config, when the archive has one (keeps its digest).
        const configDigest = sha256(configBytes);
        const desc = index?.manifests?.find((d) => {
          try {
            return (JSON.parse(readFileSync(ociBlob(ctx, d, 'manifest'), 'utf8')) as ImageManifest).config?.digest === configDigest;
          } catch {
            return false;
          }
        });
        if (desc) {
          report(await loadOciManifest(ctx, desc, tags), tags);
          continue;
        }
        ctx.lease.add([configDigest]);
        await importLayers(ctx, e.Layers.map((l, i) => ({ file: archivePath(ctx, l), diffId: diffIds[i]! })));
        report(await addImage({ config: configBytes, tags }), tags);
      }
    } else if (existsSync(join(dir, 'index.json'))) {
      const index = readJsonFile<ImageIndex>(join(dir, 'index.json'), 'index.json');
      if (!Array.isArray(index.manifests)) throw new UserError('image archive: index.json lists no manifests');
      const byDigest = new Map<string, { desc: Descriptor; tags: string[] }>();
      for (const d of index.manifests) {
        let desc = d;
        if (d.mediaType === MEDIA.ociIndex || d.mediaType === MEDIA.dockerList) {
          const nested = JSON.parse(readVerified(ctx, d, `index ${d.digest}`).toString('utf8')) as ImageIndex;
          const i = choosePlatform(nested.manifests ?? [], hostPlatform());
          if (i < 0) throw new UserError(`image archive: index ${d.digest} has no image for this platform`);
          desc = nested.manifests[i]!;
        }
        const e = byDigest.get(desc.digest) ?? { desc, tags: [] };
        const tag = ociTag(d);
        if (tag && !e.tags.includes(tag)) e.tags.push(tag);
        byDigest.set(desc.digest, e);
      }
      for (const { desc, tags } of byDigest.values()) report(await loadOciManifest(ctx, desc, tags), tags);
    } else {
      throw new UserError('image archive: neither manifest.json (docker save) nor index.json (OCI image layout) found');
    }
    return { lines, images };
  } finally {
    lease.release();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// import

/** Dockerfile-like changes for `import -c` and `commit -c` (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, ONBUILD, VOLUME, STOPSIGNAL). */
export function applyChange(cfg: ImageConfig, change: string): void {
  const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(change);
  if (!m) throw new UserError(`invalid change ${JSON.stringify(change)}`);
  const instr = m[1]!.toUpperCase();
  const rest = m[2]!.trim();
  const argv = (): string[] => {
    if (rest.startsWith('[')) {
      try {
        const v = JSON.parse(rest) as unknown;
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      } catch {
        /* shell form */
      }
    }
    return ['/bin/sh', '-c', rest];
  };
  const pairs = (): [string, string][] => {
    if (!rest.includes('=')) {
      const sp = rest.search(/\s/);
      return [[sp < 0 ? rest : rest.slice(0, sp), sp < 0 ? '' : rest.slice(sp + 1).trim()]];
    }
    return (rest.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((kv) => {
      const eq = kv.indexOf('=');
      const unq = (s: string): string => s.replace(/^"(.*)"$/, '$1');
      return [unq(kv.slice(0, eq < 0 ? kv.length : eq)), unq(eq < 0 ? '' : kv.slice(eq + 1))];
    });
  };
  switch (instr) {
    case 'CMD':
      cfg.Cmd = argv();
      return;
    case 'ENTRYPOINT':
      cfg.Entrypoint = argv();
      return;
    case 'ENV':
      for (const [k, v] of pairs()) cfg.Env = [...(cfg.Env ?? []).filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
      return;
    case 'LABEL':
      for (const [k, v] of pairs()) cfg.Labels = { ...(cfg.Labels ?? {}), [k]: v };
      return;
    case 'WORKDIR':
      cfg.WorkingDir = rest;
      return;
    case 'USER':
      cfg.User = rest;
      return;
    case 'STOPSIGNAL':
      cfg.StopSignal = rest;
      return;
    case 'ONBUILD': {
      // Docker keeps the trigger as written (its instruction upper-cased); ONBUILD ONBUILD is refused.
      const t = /^([A-Za-z]+)([\s\S]*)$/.exec(rest);
      if (!t || ['ONBUILD', 'FROM', 'MAINTAINER'].includes(t[1]!.toUpperCase())) throw new UserError(`invalid ONBUILD trigger ${JSON.stringify(rest)}`);
      cfg.OnBuild = [...((cfg.OnBuild as string[] | undefined) ?? []), `${t[1]!.toUpperCase()}${t[2]}`];
      return;
    }
    case 'EXPOSE':
      for (const p of rest.split(/\s+/).filter(Boolean)) cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}), [p.includes('/') ? p : `${p}/tcp`]: {} };
      return;
    case 'VOLUME':
      for (const v of rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/)) cfg.Volumes = { ...(cfg.Volumes ?? {}), [v]: {} };
      return;
    default:
      throw new UserError(`${instr} is not supported by import --change (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)`);
  }
}

/** `import FILE|- [REF]`: one-layer image from a rootfs tarball; returns the new image. */
export async function importRootfs(src: string | Readable, opts: { ref?: string; message?: string; changes?: string[]; sourceName?: string; platform?: string } = {}): Promise<ImageRecord> {
  if (opts.ref !== undefined) {
    const n = normalizeRef(opts.ref);
    if (n.digest) throw new UserError(`cannot import into a digest reference: ${opts.ref}`);
  }
  const lease = holdLease();
  try {
    let layer;
    try {
      layer = await importLayer(src);
    } catch (e) {
      throw new UserError(`import: ${(e as Error).message}`);
    }
    lease.add([layer.diffId, layer.digest]);
    const runtime: ImageConfig = {};
    for (const c of opts.changes ?? []) applyChange(runtime, c);
    const p = hostPlatform();
    const created = new Date().toISOString();
    const config: OciImageConfig = {
      architecture: p.architecture,
      ...(p.variant ? { variant: p.variant } : {}),
      config: runtime,
      created,
      history: [{ created, comment: opts.message ?? `Imported from ${opts.sourceName ?? (typeof src === 'string' ? src : '-')}` }],
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    };
    return addImage({ config: JSON.stringify(config), tags: opts.ref ? [opts.ref] : [] });
  } finally {
    lease.release();
  }
}
