// `push` (and POST /images/{name}/push): an image's blobs and manifest to its registry, through
// the OCI distribution API, as Docker pushes them:
//
//   HEAD /v2/<name>/blobs/<digest>              already there: "Layer already exists"
//   POST /v2/<name>/blobs/uploads/              202, Location: where the blob goes
//   PUT  <Location>?digest=<digest>             the blob, whole (a monolithic upload)
//   PUT  /v2/<name>/manifests/<tag>             the manifest, once every blob it names is there
//
// The manifest is the one the image was pulled with when it still fits (so its digest is the
// same), else an OCI manifest of the stored blobs (archive.ts's manifestFor, shared with `save`).
// Progress goes out as events (short layer ids of the diff ids, as Docker's), which the CLI
// prints as lines and the Engine API as Docker's JSON messages.
import { createReadStream, statSync } from 'node:fs';
import { UserError } from '../../errors.js';
import type { Credentials } from './credentials.js';
import { normalizeRef } from './reference.js';
import { errorText, RegistryClient, RegistryError, MEDIA } from './registry.js';
import type { HttpResponse } from './http.js';
import { blobPath, listImages, resolveImageSync, type ImageRecord } from './store.js';
import type { ProgressEvent } from './progress.js';

export interface PushEvent extends ProgressEvent {
  /** the end of one tag's push: Docker's aux message */
  aux?: { Tag: string; Digest: string; Size: number };
}

export interface PushOptions {
  /** credentials for this push (the Engine API's X-Registry-Auth); default: `login`'s */
  credentials?: Credentials;
  insecure?: string[];
  events: (e: PushEvent) => void;
}

const short = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

/** `name[:tag]`: that tag (`latest` when none); `allTags` (a name without a tag): every tag of its repository here. */
export async function pushImage(refText: string, o: PushOptions & { allTags?: boolean }): Promise<void> {
  const ref = normalizeRef(refText);
  if (ref.digest) throw new UserError(`cannot push a digest reference: ${refText}`);
  const explicitTag = /:[\w][\w.-]*$/.test(refText.slice(refText.lastIndexOf('/') + 1));
  if (o.allTags && explicitTag) throw new UserError("tag can't be used with --all-tags/-a", 1);
  const targets: { tag: string; img: ImageRecord }[] = [];
  if (o.allTags) {
    for (const img of listImages()) {
      for (const t of img.repoTags) {
        const n = normalizeRef(t);
        if (n.name === ref.name && n.tag) targets.push({ tag: n.tag, img });
      }
    }
    if (!targets.length) throw new UserError(`An image does not exist locally with the tag: ${ref.familiarName}`);
  } else {
    const img = resolveImageSync(ref.display);
    if (!img || !img.repoTags.includes(ref.display)) throw new UserError(`An image does not exist locally with the tag: ${ref.familiarName}`);
    targets.push({ tag: ref.tag!, img });
  }
  const client = new RegistryClient(ref.registry, { insecure: o.insecure ?? [], ...(o.credentials ? { credentials: o.credentials } : {}) });
  const repo = ref.repository;
  const scope = `repository:${repo}:pull,push`;
  o.events({ status: `The push refers to repository [${ref.name}]` });
  for (const { tag, img } of targets) {
    const { manifestFor } = await import('./archive.js');
    const m = manifestFor(img, 'push');
    // top layer first, as Docker lists them
    const layers = m.layerBlobs.map((blob, i) => ({ blob, id: short(img.layers[i]!) })).reverse();
    for (const l of layers) o.events({ id: l.id, status: 'Preparing' });
    for (const l of layers) {
      if (await hasRemoteBlob(client, repo, l.blob, scope)) {
        o.events({ id: l.id, status: 'Layer already exists' });
        continue;
      }
      await uploadBlob(client, repo, l.blob, scope, (current, total) => o.events({ id: l.id, status: 'Pushing', current, total }));
      o.events({ id: l.id, status: 'Pushed' });
    }
    if (!(await hasRemoteBlob(client, repo, img.id, scope))) await uploadBlob(client, repo, img.id, scope, () => undefined);
    let mediaType: string = MEDIA.ociManifest;
    try {
      mediaType = (JSON.parse(m.bytes.toString('utf8')) as { mediaType?: string }).mediaType || mediaType;
    } catch {
      /* (our own bytes) */
    }
    const res = await client.request(`/v2/${repo}/manifests/${tag}`, { method: 'PUT', scope, headers: { 'Content-Type': mediaType, 'Content-Length': String(m.bytes.length) }, body: () => m.bytes });
    await expectStatus(res, 201, `manifest ${ref.name}:${tag}`, client);
    o.events({ status: `${tag}: digest: ${m.digest} size: ${m.bytes.length}` });
    o.events({ status: '', aux: { Tag: tag, Digest: m.digest, Size: m.bytes.length } });
  }
}

async function hasRemoteBlob(client: RegistryClient, repo: string, digest: string, scope: string): Promise<boolean> {
  const res = await client.request(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD', scope });
  await res.cancel();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new RegistryError(`registry ${client.registry}: HEAD blob ${digest} of ${repo} answered ${res.status}`, res.status);
}

async function uploadBlob(client: RegistryClient, repo: string, digest: string, scope: string, progress: (current: number, total: number) => void): Promise<void> {
  const start = await client.request(`/v2/${repo}/blobs/uploads/`, { method: 'POST', scope, headers: { 'Content-Length': '0' }, body: () => Buffer.alloc(0) });
  await expectStatus(start, 202, `upload of ${digest}`, client);
  const loc = start.headers.get('location');
  if (!loc) throw new RegistryError(`registry ${client.registry}: an upload answered without a Location`);
  const target = new URL(loc, 'http://placeholder.invalid');
  target.searchParams.set('digest', digest);
  // relative Locations stay relative (request() resolves them against the registry)
  const url = /^https?:\/\//i.test(loc) ? target.href : target.pathname + target.search;
  const file = blobPath(digest);
  const total = statSync(file).size;
  const body = () => {
    let sent = 0;
    const s = createReadStream(file);
    s.on('data', (c) => progress((sent += (c as Buffer).length), total));
    return s;
  };
  const res = await client.request(url, { method: 'PUT', scope, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) }, body });
  await expectStatus(res, 201, `blob ${digest}`, client);
}

async function expectStatus(res: HttpResponse, want: number, what: string, client: RegistryClient): Promise<void> {
  if (res.status === want) {
    await res.cancel();
    return;
  }
  const t = await errorText(res);
  throw new RegistryError(`registry ${client.registry}: ${what}: ${t.text}`, res.status, t.code);
}
