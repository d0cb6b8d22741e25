// `minidock pull` (and `run` of a missing image): manifest -> platform -> config -> layers.
//
//   1. the manifest by tag or digest (verified against the digest when one is given, and
//      against Docker-Content-Digest); an index / manifest list picks linux + the host's
//      architecture (or --platform), and that manifest is fetched by digest and verified;
//   2. the config blob, verified, checked against the manifest (one diff_id per layer);
//   3. the layers, at most 3 at a time: each streams from the registry through a size check
//      and into importLayer(), which hashes it (digest and diffID) while writing the blob to a
//      temporary file and unpacking it into a private stage; only when both hashes match is
//      the blob renamed into blobs/ and the stage into layers/. A layer already unpacked is
//      not fetched again ("Already exists"); a blob already stored is only unpacked.
//   4. the image is recorded (repositories.json) only after every layer is in place: an
//      interrupted pull leaves no image, only whole layers that the next pull reuses.
import type { Credentials } from './credentials.js';
import { journal } from '../events.js';
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.js';
import { trace } from '../../state/trace.js';
import { HttpTimeout } from './http.js';
import { expansionLimit, LayerError } from './layer.js';
import { choosePlatform, formatPlatform, hostPlatform, parsePlatform, type OciPlatform } from './platform.js';
import { PullProgress, type Output, type ProgressEvent } from './progress.js';
import { normalizeRef, type NormalizedRef } from './reference.js';
import { UnpackPool } from './unpack-pool.js';
import {
  MEDIA,
  MANIFEST_ACCEPT,
  RegistryClient,
  RegistryError,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from './registry.js';
import {
  addImage,
  blobPath,
  findLayer,
  hasBlob,
  holdLease,
  importLayer,
  prepareLayers,
  readBlob,
  resolveImageSync,
  writeBlob,
  type ImageRecord,
  type OciImageConfig,
} from './store.js';

/** Docker's default max-concurrent-downloads. */
export const PULL_CONCURRENCY = 3;
/** Image configs are read whole: larger ones are refused (their descriptor says the size first). */
export const MAX_CONFIG = 32 << 20;

const LAYER_TYPES = new Set<string>([
  MEDIA.dockerLayerGzip,
  MEDIA.dockerForeignLayer,
  MEDIA.ociLayer,
  MEDIA.ociLayerGzip,
  MEDIA.ociLayerZstd,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

export interface PullOptions {
  /** 'linux/arm64' …; default the host's. */
  platform?: string;
  /** Registries allowed over plain HTTP (--insecure-registry). */
  insecure?: string[];
  /** -q: print nothing but the reference at the end. */
  quiet?: boolean;
  /** Where progress goes: stdout for `pull`, stderr for `run`. */
  out?: Output;
  /** Layers fetched at once. */
  concurrency?: number;
  /** Every progress step as an event (the Engine API's JSON stream), whatever `quiet` says. */
  events?: (e: ProgressEvent) => void;
  /** Credentials for this pull (the Engine API's X-Registry-Auth); default: `login`'s, then the environment's. */
  credentials?: Credentials;
}

export interface PullResult {
  image: ImageRecord;
  ref: NormalizedRef;
  /** Digest the image was pulled by (an index's, when it came through one). */
  digest: string;
  upToDate: boolean;
}

export const shortId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new RegistryError(`${what} is not valid JSON`);
  }
}

function checkDescriptor(d: Descriptor | undefined, what: string): Descriptor {
  if (!d || typeof d.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.digest)) {
    throw new RegistryError(`${what}: missing or unsupported digest ${JSON.stringify(d?.digest)} (only sha256 is supported)`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new RegistryError(`${what}: invalid size`);
  return d;
}

/** Runs fn over items, at most `limit` at once; the first failure stops new starts and is thrown after the running ones settle. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: { e: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.e;
  return out;
}

/** Resolves a tag or digest to one image manifest for the wanted platform. */
export async function resolveManifest(
  client: RegistryClient,
  ref: NormalizedRef,
  want: OciPlatform,
  explicitPlatform: boolean,
): Promise<{ top: { digest: string; mediaType: string }; manifestBytes: Buffer; manifest: ImageManifest; digest: string }> {
  const top = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  let fetched = top;
  if (top.mediaType === MEDIA.dockerSchema1 || top.mediaType === MEDIA.dockerSchema1Signed) {
    throw new RegistryError(`${ref.display}: Docker image manifest schema 1 is not supported (the image is too old; push it again with a current tool)`);
  }
  if (top.mediaType === MEDIA.ociIndex || top.mediaType === MEDIA.dockerList) {
    const index = parseJson<ImageIndex>(top.bytes, `image index of ${ref.display}`);
    if (!Array.isArray(index.manifests)) throw new RegistryError(`image index of ${ref.display} has no manifests`);
    const candidates = index.manifests.filter((m) => m && (m.mediaType === undefined || m.mediaType === MEDIA.ociManifest || m.mediaType === MEDIA.dockerManifest));
    const i = choosePlatform(candidates, want);
    if (i < 0) {
      const have = index.manifests.map((m) => formatPlatform(m.platform ?? {})).filter((p) => p !== 'unknown/unknown');
      throw new RegistryError(`no matching manifest for ${formatPlatform(want)} in the manifest list entries (${ref.display} has ${have.join(', ') || 'none'})`);
    }
    const entry = checkDescriptor(candidates[i], `image index of ${ref.display}`);
    fetched = await client.getManifest(ref.repository, entry.digest, [MEDIA.ociManifest, MEDIA.dockerManifest]);
    if (fetched.mediaType === MEDIA.ociIndex || fetched.mediaType === MEDIA.dockerList) {
      throw new RegistryError(`${ref.display}: nested image indexes are not supported`);
    }
  } else if (top.mediaType !== MEDIA.ociManifest && top.mediaType !== MEDIA.dockerManifest) {
    throw new RegistryError(`${ref.display}: unsupported manifest type ${JSON.stringify(top.mediaType)} (wanted one of ${MANIFEST_ACCEPT.join(', ')})`);
  }
  const manifest = parseJson<ImageManifest>(fetched.bytes, `manifest of ${ref.display}`);
  checkDescriptor(manifest.config, `manifest of ${ref.display}: config`);
  if (!Array.isArray(manifest.layers)) throw new RegistryError(`manifest of ${ref.display} lists no layers`);
  manifest.layers.forEach((l, n) => {
    checkDescriptor(l, `manifest of ${ref.display}: layer ${n + 1}`);
    if (!LAYER_TYPES.has(l.mediaType)) throw new RegistryError(`manifest of ${ref.display}: layer ${n + 1} has unsupported media type ${JSON.stringify(l.mediaType)}`);
  });
  void explicitPlatform;
  return { top: { digest: top.digest, mediaType: top.mediaType }, manifestBytes: fetched.bytes, manifest, digest: fetched.digest };
}

/** Counts bytes for the progress display and refuses more than the manifest declared. */
async function meter(src: Readable, expected: number, what: string, onBytes: (n: number) => void): Promise<Readable> {
  const { Transform } = await import('node:stream');
  let n = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > expected) return cb(new RegistryError(`${what}: the registry sent more than the ${expected} bytes the manifest declares; refused`));
      onBytes(n);
      cb(null, chunk);
    },
    flush(cb) {
      if (n !== expected) return cb(new RegistryError(`${what}: the registry sent ${n} bytes, the manifest declares ${expected}; refused`));
      cb();
    },
  });
  src.on('error', (e) => t.destroy(e));
  return src.pipe(t);
}

export async function pullImage(refText: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = normalizeRef(refText);
  const explicitPlatform = opts.platform !== undefined && opts.platform !== '';
  let want: OciPlatform;
  try {
    want = explicitPlatform ? parsePlatform(opts.platform!) : hostPlatform();
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  expansionLimit(0); // a bad MINIDOCK_LAYER_MAX_RATIO is said before anything is fetched
  const out = opts.out ?? process.stdout;
  const progress = new PullProgress(out, !!opts.quiet, opts.events);
  const client = new RegistryClient(ref.registry, { insecure: opts.insecure ?? [], ...(opts.credentials ? { credentials: opts.credentials } : {}) });

  trace('pull: start');
  // The unpacking workers boot (tens of ms) while the manifest and config are fetched; not for
  // an image already here (most likely up to date: then they would only cost).
  let poolStarted = resolveImageSync(ref.display) ? undefined : UnpackPool.create(Number.MAX_SAFE_INTEGER);
  poolStarted?.catch(() => undefined); // its failure surfaces where it is awaited
  if (poolStarted) void prepareLayers().catch(() => undefined); // chattr +T off the critical path
  let pool: UnpackPool | undefined;
  try {
    const { top, manifestBytes, manifest, digest: manifestDigest } = await resolveManifest(client, ref, want, explicitPlatform);
    trace('pull: manifest');
    progress.line(`${ref.tag ?? ref.digest}: Pulling from ${ref.repository}`);

    // The config: the image id is its digest.
    const cfgDigest = manifest.config.digest;
    if (manifest.config.size > MAX_CONFIG) {
      throw new RegistryError(`manifest of ${ref.display}: its config ${cfgDigest} is ${manifest.config.size} bytes, more than the ${MAX_CONFIG} allowed; refused`);
    }
    const configBytes = hasBlob(cfgDigest) ? readBlob(cfgDigest) : await client.getBlobBytes(ref.repository, cfgDigest, MAX_CONFIG, manifest.config.size);
    const config = parseJson<OciImageConfig>(configBytes, `image config ${cfgDigest}`);
    trace('pull: config');
    const diffIds = config?.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length) {
      throw new RegistryError(`image config ${cfgDigest} lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} layers, its manifest ${manifest.layers.length}`);
    }
    for (const d of diffIds) if (typeof d !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d)) throw new RegistryError(`image config ${cfgDigest}: invalid diff_id ${JSON.stringify(d)}`);
    if (explicitPlatform && (config.os !== want.os || config.architecture !== want.architecture)) {
      throw new RegistryError(`image ${ref.display} is for ${formatPlatform(config)}, not ${formatPlatform(want)}`);
    }

    // The digest pulled by: the reference's own when it pins one (sha512 too), else the top
    // manifest's sha256 (an index's when the image came through one).
    const pulledBy = ref.digest ?? top.digest;
    const repoDigest = `${ref.name}@${pulledBy}`;
    const tags = ref.tag !== undefined && ref.digest === undefined ? [ref.display] : [];
    const existing = resolveImageSync(ref.display);
    if (existing && existing.id === cfgDigest && existing.layerDirs.every((_, i) => findLayer(existing.layers[i]!))) {
      const image = await addImage({ config: configBytes, manifest: manifestBytes, tags, repoDigests: [repoDigest] });
      progress.line(`Digest: ${pulledBy}`);
      progress.line(`Status: Image is up to date for ${ref.display}`);
      journal({ Type: 'image', Action: 'pull', ID: ref.display, Attributes: { name: ref.familiarName } });
      return { image, ref, digest: pulledBy, upToDate: true };
    }

    // Worker threads to gunzip and unpack with (CPUs - 1, at least one); none when every layer is
    // already here.
    const missing = manifest.layers.filter((l, i) => !findLayer(diffIds[i]!, l.digest)).length;
    if (missing > 0) poolStarted ??= UnpackPool.create(missing);
    pool = await poolStarted;
    const lease = holdLease([cfgDigest, manifestDigest, ...diffIds, ...manifest.layers.map((l) => l.digest)]);
    try {
      const jobs = manifest.layers.map((desc, i) => ({ desc, diffId: diffIds[i]!, id: shortId(desc.digest) }));
      progress.begin(jobs.map((j) => ({ id: j.id, total: j.desc.size })));
      // The same layer twice in one image is fetched once.
      const running = new Map<string, Promise<unknown>>();
      await mapLimit(jobs, opts.concurrency ?? PULL_CONCURRENCY, async (job) => {
        const key = `${job.diffId} ${job.desc.digest}`;
        const again = running.get(key);
        if (again) return again;
        const p = fetchLayer(client, ref, job, progress, pool);
        running.set(key, p);
        return p;
      });
      trace('pull: layers');
      await writeBlob(configBytes);
      const image = await addImage({ config: configBytes, manifest: manifestBytes, tags, repoDigests: [repoDigest] });
      progress.close();
      progress.line(`Digest: ${pulledBy}`);
      progress.line(`Status: Downloaded newer image for ${ref.display}`);
      journal({ Type: 'image', Action: 'pull', ID: ref.display, Attributes: { name: ref.familiarName } });
      return { image, ref, digest: pulledBy, upToDate: false };
    } finally {
      progress.close();
      lease.release();
    }
  } finally {
    await (pool ?? (await poolStarted?.catch(() => undefined)))?.close();
  }
}

async function fetchLayer(
  client: RegistryClient,
  ref: NormalizedRef,
  job: { desc: Descriptor; diffId: string; id: string },
  progress: PullProgress,
  pool: UnpackPool | undefined,
): Promise<void> {
  const { desc, diffId, id } = job;
  if (findLayer(diffId, desc.digest)) {
    progress.update(id, 'Already exists');
    return;
  }
  const what = `layer ${desc.digest} of ${ref.registry}/${ref.repository}`;
  trace(`pull: layer ${id} start`);
  // A stalled download's own error (HttpTimeout): the unpacker then only sees a cut stream.
  let bodyError: Error | undefined;
  try {
    if (hasBlob(desc.digest)) {
      progress.update(id, 'Extracting', desc.size, desc.size);
      await importLayer(blobPath(desc.digest), { digest: desc.digest, diffId, mediaType: desc.mediaType, pool, blobSize: desc.size });
    } else {
      progress.update(id, 'Downloading', 0, desc.size);
      const { body } = await client.openBlob(ref.repository, desc.digest, desc.size);
      body.once('error', (e) => (bodyError ??= e));
      const metered = await meter(body, desc.size, what, (n) => progress.update(id, 'Downloading', n, desc.size));
      await importLayer(metered, { digest: desc.digest, diffId, mediaType: desc.mediaType, pool, blobSize: desc.size });
    }
  } catch (e) {
    progress.update(id, 'Failed');
    if (bodyError instanceof HttpTimeout) throw new RegistryError(`${what}: ${bodyError.message}`);
    if (e instanceof LayerError && /digest mismatch/.test(e.message)) {
      throw new RegistryError(`filesystem layer verification failed for digest ${desc.digest}: ${what}: the content does not match its digest (${e.message.replace(/^invalid layer: /, '')}); nothing was stored`);
    }
    if (e instanceof LayerError && /diffID mismatch/.test(e.message)) {
      throw new RegistryError(`${what}: its uncompressed content does not match the image config's diff_id (${e.message.replace(/^invalid layer: /, '')}); nothing was stored`);
    }
    if (e instanceof LayerError) throw new LayerError(`${what}: ${e.message.replace(/^invalid layer: /, '')}`);
    throw e;
  }
  trace(`pull: layer ${id} done`);
  progress.update(id, 'Pull complete', desc.size, desc.size);
}
