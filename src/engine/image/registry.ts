// A client for the OCI distribution API (what `docker pull` speaks), on node:http(s) (./http.ts).
//
//   GET /v2/<name>/manifests/<tag|digest>   Accept: Docker v2 + OCI manifests and indexes
//   GET /v2/<name>/blobs/<digest>           configs and layers (redirects followed by hand,
//                                           so credentials never go to another origin)
//
// Authentication, as Docker does it: a request answered 401 carries a challenge.
//   WWW-Authenticate: Bearer realm="https://auth…/token",service="…",scope="repository:x:pull"
//     -> GET realm?service=…&scope=… (with Basic credentials when we have some, anonymous
//        otherwise) -> {"token": …} -> the request again with "Authorization: Bearer …"
//   WWW-Authenticate: Basic realm="…" -> the request again with the stored credentials.
// Tokens are cached per scope for the life of the client.
//
// Transport: HTTPS, except for loopback registries (localhost, 127.0.0.0/8, ::1) and those
// named insecure, which are tried over HTTPS first and fall back to plain HTTP when the
// server does not speak TLS (as Docker does). docker.io is served by registry-1.docker.io.
// A redirect or a token realm may lead to plain HTTP only for such a registry (refuseTarget).
//
// Bounded (./http.ts has the connect and idle timeouts): every body read whole has a cap —
// manifests 4 MiB (Docker's and containerd's limit), token answers 1 MiB, error texts 16 KiB
// (the rest is not read: the connection is closed), configs their descriptor's size (at most
// 32 MiB, pull.ts); layer blobs stream, bounded by their descriptor's size (pull.ts).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.js';
import { BodyTooLarge, HttpFailure, HttpTimeout, httpRequest, type HttpResponse, type RequestBody } from './http.js';
import { credentialsFor, hostOnly, isInsecure, type Credentials } from './credentials.js';
import { DEFAULT_REGISTRY } from './reference.js';


export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest];

/** Manifests larger than this are refused (Docker: 4 MiB). */
export const MAX_MANIFEST = 4 << 20;
/** Token server answers larger than this are refused (a JWT is a few KiB). */
export const MAX_TOKEN_ANSWER = 1 << 20;
/** How much of an error body is read for its message; the rest is never read. */
export const MAX_ERROR_BODY = 16 << 10;
const MAX_REDIRECTS = 5;
const USER_AGENT = 'minidock/0.1 (distribution client)';

export class RegistryError extends UserError {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: { os?: string; architecture?: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

export interface Challenge {
  scheme: 'bearer' | 'basic' | string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header: 'Bearer realm="…",service="…",scope="…"'. */
export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) {
    if (p[0] === '') break;
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** The host that serves a registry's API (docker.io is registry-1.docker.io). */
export function endpointHost(registry: string): string {
  return registry === DEFAULT_REGISTRY || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Digest algorithms a reference may pin (reference.ts accepts the same three). */
const DIGEST_ALGORITHMS = new Set(['sha256', 'sha384', 'sha512']);

/** `alg:hex` of data with the algorithm of `like` ('sha512:…' -> sha512); undefined for another algorithm. */
export function digestLike(like: string, data: Uint8Array): string | undefined {
  const alg = like.slice(0, like.indexOf(':'));
  if (!DIGEST_ALGORITHMS.has(alg)) return undefined;
  return `${alg}:${createHash(alg).update(data).digest('hex')}`;
}

/**
 * May the client go from the registry to `target` (a redirect, a token realm)? HTTPS always;
 * plain HTTP only when the registry itself is loopback or named insecure (then its own traffic
 * is plain too, by the user's choice) — never because of where the target points, so an HTTPS
 * registry cannot send the client to http://127.0.0.1 or any other plain-text endpoint.
 * Another scheme never. Returns why not, or undefined when allowed.
 */
export function refuseTarget(target: URL, registryInsecure: boolean): string | undefined {
  if (target.protocol === 'https:') return undefined;
  if (target.protocol === 'http:') return registryInsecure ? undefined : `${target.origin} is plain HTTP and the registry is neither loopback nor named insecure`;
  return `${target.protocol} is not HTTP(S)`;
}

/** Reads a distribution-spec error body into one line ('manifest unknown: manifest unknown'). */
export async function errorText(res: HttpResponse): Promise<{ text: string; code?: string }> {
  let body = '';
  try {
    body = (await res.head(MAX_ERROR_BODY)).toString('utf8').slice(0, 4096);
  } catch {
    /* no body */
  }
  try {
    const j = JSON.parse(body) as { errors?: { code?: string; message?: string; detail?: unknown }[]; details?: string; error?: string };
    if (Array.isArray(j.errors) && j.errors.length) {
      const code = j.errors[0]!.code;
      const text = j.errors.map((e) => `${(e.code ?? 'error').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`.trim()).join(', ');
      return code !== undefined ? { text, code } : { text };
    }
    if (typeof j.details === 'string') return { text: j.details };
    if (typeof j.error === 'string') return { text: j.error };
  } catch {
    /* not JSON */
  }
  let line = body.split('\n')[0]!.trim();
  if (line.length > 300) line = `${line.slice(0, 300)}…`;
  return { text: line ? `${res.status} ${res.statusText}: ${line}` : `${res.status} ${res.statusText}` };
}

function isLoopback(host: string): boolean {
  const h = hostOnly(host);
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function networkMessage(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? err?.message ?? String(e);
}

/** A TLS handshake that failed because the server speaks plain HTTP (or no TLS at all). */
function looksLikeNoTls(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const text = `${cause?.code ?? ''} ${cause?.message ?? ''}`;
  return /ERR_SSL|EPROTO|wrong version number|packet length too long|ECONNRESET|UND_ERR_SOCKET|other side closed|unknown protocol|http request/i.test(text);
}

export interface RegistryClientOptions {
  /** Registries allowed over plain HTTP, beyond loopback ones (--insecure-registry). */
  insecure?: string[];
  /** Explicit credentials (login); null for none at all; default: auth.json, then env. */
  credentials?: Credentials | null;
}

export class RegistryClient {
  readonly registry: string;
  readonly host: string;
  private base: string | undefined;
  private readonly insecure: boolean;
  private readonly creds: Credentials | undefined;
  private readonly tokens = new Map<string, string>();
  private basicChallenged = false;

  constructor(registry: string, opts: RegistryClientOptions = {}) {
    this.registry = registry;
    this.host = endpointHost(registry);
    this.insecure = isInsecure(this.host, opts.insecure ?? []) || isInsecure(registry, opts.insecure ?? []);
    this.creds = opts.credentials === null ? undefined : (opts.credentials ?? credentialsFor(registry));
  }

  /**
   * 'https://host' or, for an insecure registry that does not speak TLS, 'http://host'.
   * Loopback registries are asked over plain HTTP first (nothing on the way to read or change
   * it, and it saves a failed TLS handshake per pull); the others named insecure over HTTPS
   * first, as Docker does.
   */
  async baseUrl(): Promise<string> {
    if (this.base) return this.base;
    const https = `https://${this.host}`;
    const http = `http://${this.host}`;
    if (!this.insecure) return (this.base = https);
    const probe = async (base: string): Promise<HttpResponse | undefined> => {
      try {
        const res = await httpRequest(`${base}/v2/`, { method: 'GET', headers: { 'User-Agent': USER_AGENT } });
        await res.cancel();
        return res;
      } catch (e) {
        // A registry that accepts and says nothing does not get a second try over the other scheme.
        if (e instanceof HttpFailure && e.cause instanceof HttpTimeout) throw new RegistryError(`registry ${this.registry}: ${e.cause.message}`);
        if (looksLikeNoTls(e) || base === http) return undefined;
        throw new RegistryError(`cannot reach registry ${this.registry} (${base}): ${networkMessage(e)}`);
      }
    };
    if (isLoopback(this.host)) {
      const res = await probe(http);
      // A TLS-only server answers plain HTTP with 400 (or hangs up): then it is HTTPS.
      if (res && res.status !== 400) return (this.base = http);
      return (this.base = https);
    }
    return (this.base = (await probe(https).catch((e: unknown) => {
      if (e instanceof RegistryError && /timed out/.test(e.message)) throw e;
      return undefined;
    })) ? https : http);
  }

  private authHeaderFor(scope: string | undefined): string | undefined {
    if (scope !== undefined && this.tokens.has(scope)) return `Bearer ${this.tokens.get(scope)}`;
    if (this.tokens.has('')) return `Bearer ${this.tokens.get('')}`;
    if (this.basicChallenged && this.creds) return basicHeader(this.creds);
    return undefined;
  }

  /** One request, redirects followed by hand (no credentials sent to another origin). */
  private async fetchFollow(url: string, headers: Record<string, string>, method = 'GET', body?: () => RequestBody): Promise<HttpResponse> {
    let current = url;
    let hdrs = { ...headers };
    for (let i = 0; ; i++) {
      let res: HttpResponse;
      try {
        res = await httpRequest(current, { method, headers: hdrs, body: body?.() });
      } catch (e) {
        if (e instanceof HttpFailure && e.cause instanceof HttpTimeout) throw new RegistryError(`registry ${this.registry}: ${e.cause.message}`);
        throw new RegistryError(`cannot reach registry ${this.registry} (${new URL(current).origin}): ${networkMessage(e)}`);
      }
      if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
      const loc = res.headers.get('location');
      await res.cancel();
      if (!loc) throw new RegistryError(`registry ${this.registry} answered ${res.status} without a Location`, res.status);
      if (i >= MAX_REDIRECTS) throw new RegistryError(`registry ${this.registry}: too many redirects`);
      let next: URL;
      try {
        next = new URL(loc, current);
      } catch {
        throw new RegistryError(`registry ${this.registry}: invalid redirect Location ${JSON.stringify(loc.slice(0, 200))}`);
      }
      const why = refuseTarget(next, this.insecure);
      if (why) throw new RegistryError(`registry ${this.registry}: redirect refused: ${why}`);
      // Credentials belong to the origin they were made for: a redirect elsewhere (blob
      // storage, a CDN) gets none, and none come back on a later hop to the first origin.
      if (next.origin !== new URL(current).origin) {
        const { Authorization: _drop, ...rest } = hdrs;
        hdrs = rest;
      }
      current = next.href;
    }
  }

  /**
   * A request to the API, answering auth challenges: at most one token fetch (or Basic retry)
   * per request. `scope` is the token scope the request needs ('repository:x/y:pull').
   */
  async request(
    path: string,
    opts: { accept?: string[]; scope?: string; method?: string; body?: () => RequestBody; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const base = await this.baseUrl();
    // `path` may be a URL the registry gave (a push's upload Location): credentials go only to
    // the registry's own origin, as with redirects
    const url = new URL(path, base).href;
    const own = new URL(url).origin === new URL(base).origin;
    if (!own) {
      const why = refuseTarget(new URL(url), this.insecure);
      if (why) throw new RegistryError(`registry ${this.registry}: upload location refused: ${why}`);
    }
    const headers = (): Record<string, string> => {
      const h: Record<string, string> = { 'User-Agent': USER_AGENT, ...opts.headers };
      if (opts.accept) h.Accept = opts.accept.join(', ');
      const auth = own ? this.authHeaderFor(opts.scope) : undefined;
      if (auth) h.Authorization = auth;
      return h;
    };
    const res = await this.fetchFollow(url, headers(), opts.method, opts.body);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    const first = await errorText(res);
    if (!challenge) throw new RegistryError(`unauthorized: ${first.text}`, 401, first.code);
    if (challenge.scheme === 'bearer') {
      const scope = challenge.params.scope ?? opts.scope;
      const token = await this.fetchToken(challenge, scope);
      this.tokens.set(opts.scope ?? scope ?? '', token);
      if (scope !== undefined) this.tokens.set(scope, token);
    } else if (challenge.scheme === 'basic') {
      if (!this.creds) throw this.unauthorized(first.text, opts.scope);
      if (this.basicChallenged) throw new RegistryError(`unauthorized: incorrect username or password for ${this.registry}`, 401);
      this.basicChallenged = true;
    } else {
      throw new RegistryError(`registry ${this.registry} asks for unsupported authentication ${JSON.stringify(challenge.scheme)}`, 401);
    }
    const again = await this.fetchFollow(url, headers(), opts.method, opts.body);
    if (again.status === 401) {
      const t = await errorText(again);
      throw this.unauthorized(t.text, opts.scope);
    }
    return again;
  }

  private unauthorized(text: string, scope: string | undefined): RegistryError {
    const repo = scope?.split(':')[1];
    if (!this.creds && repo && !scope!.endsWith('push')) {
      return new RegistryError(`pull access denied for ${repo} on ${this.registry}, repository does not exist or may require 'minidock login': ${text}`, 401);
    }
    return new RegistryError(`unauthorized: ${text}${this.creds ? ` (credentials from ${this.creds.source})` : ''}`, 401);
  }

  /** GET realm?service=…&scope=… ; Basic credentials when we have them. */
  async fetchToken(ch: Challenge, scope: string | undefined): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError(`registry ${this.registry}: bearer challenge without a realm`, 401);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(`registry ${this.registry}: invalid token realm ${JSON.stringify(realm)}`, 401);
    }
    const why = refuseTarget(url, this.insecure);
    if (why) throw new RegistryError(`registry ${this.registry}: token realm refused: ${why}`, 401);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    if (scope) for (const s of scope.split(' ')) if (s) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT };
    if (this.creds) {
      headers.Authorization = basicHeader(this.creds);
      url.searchParams.set('account', this.creds.username);
    }
    const res = await this.fetchFollow(url.href, headers);
    if (!res.ok) {
      const t = await errorText(res);
      if (res.status === 401 || res.status === 403) {
        throw new RegistryError(`unauthorized: ${this.creds ? 'incorrect username or password' : 'authentication required'} (token server ${url.origin}: ${t.text})`, 401);
      }
      throw new RegistryError(`token server ${url.origin} for ${this.registry}: ${t.text}`, res.status);
    }
    let body: { token?: string; access_token?: string };
    const bytes = await readCapped(res, MAX_TOKEN_ANSWER, `the answer of token server ${url.origin} for ${this.registry}`);
    try {
      body = JSON.parse(bytes.toString('utf8')) as typeof body;
    } catch {
      throw new RegistryError(`token server ${url.origin} for ${this.registry}: answer is not JSON`);
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token === '') throw new RegistryError(`token server ${url.origin} for ${this.registry}: no token in the answer`);
    return token;
  }

  /** Checks that the credentials work (`login`): GET /v2/ answering whatever challenge comes. */
  async ping(): Promise<void> {
    const res = await this.request('/v2/');
    await res.cancel();
    if (!res.ok) throw new RegistryError(`registry ${this.registry}: /v2/ answered ${res.status} ${res.statusText}`, res.status);
  }

  /** Fetches a manifest or index; verifies its digest (against a digest reference, and the Docker-Content-Digest header). */
  async getManifest(repository: string, reference: string, accept: string[] = MANIFEST_ACCEPT): Promise<FetchedManifest> {
    const what = reference.includes(':') ? `${repository}@${reference}` : `${repository}:${reference}`;
    const res = await this.request(`/v2/${repository}/manifests/${reference}`, { accept, scope: `repository:${repository}:pull` });
    if (!res.ok) {
      const t = await errorText(res);
      if (res.status === 404) throw new RegistryError(`manifest for ${this.registry}/${what} not found: ${t.text}`, 404, t.code);
      throw new RegistryError(`registry ${this.registry}: fetching manifest ${what}: ${t.text}`, res.status, t.code);
    }
    const bytes = await readCapped(res, MAX_MANIFEST, `manifest ${what} from ${this.registry}`);
    const digest = `sha256:${sha256Hex(bytes)}`;
    if (reference.includes(':')) {
      // Pinned: verified with the reference's own algorithm (sha256, sha384 or sha512).
      const got = digestLike(reference, bytes);
      if (got === undefined) throw new RegistryError(`${this.registry}/${what}: unsupported digest algorithm (sha256, sha384 and sha512 are)`);
      if (got !== reference) throw new RegistryError(`manifest verification failed for ${this.registry}/${what}: the registry sent content whose digest is ${got}`);
    }
    const header = res.headers.get('docker-content-digest');
    const headerGot = header ? digestLike(header, bytes) : undefined;
    if (header && headerGot !== undefined && header !== headerGot) {
      throw new RegistryError(`manifest verification failed for ${this.registry}/${what}: Docker-Content-Digest says ${header}, content is ${headerGot}`);
    }
    let mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    try {
      const j = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; schemaVersion?: number; manifests?: unknown; config?: unknown };
      if (typeof j.mediaType === 'string' && j.mediaType) mediaType = j.mediaType;
      else if (j.schemaVersion === 1) mediaType = MEDIA.dockerSchema1;
      else if (Array.isArray(j.manifests)) mediaType = MEDIA.ociIndex;
      else if (j.config) mediaType = MEDIA.ociManifest;
    } catch {
      throw new RegistryError(`manifest ${repository}:${reference} from ${this.registry} is not JSON`);
    }
    return { bytes, digest, mediaType };
  }

  /**
   * Opens a blob for streaming (the caller verifies it and counts its bytes). `size`, the
   * descriptor's: a Content-Length that disagrees is refused before a byte is read.
   */
  async openBlob(repository: string, digest: string, size?: number): Promise<{ body: Readable; size: number | undefined }> {
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, { scope: `repository:${repository}:pull` });
    if (!res.ok || !res.body) {
      const t = await errorText(res);
      throw new RegistryError(`registry ${this.registry}: fetching blob ${digest} of ${repository}: ${t.text}`, res.status, t.code);
    }
    const text = res.headers.get('content-length');
    const len = text !== null && /^\d+$/.test(text) ? Number(text) : undefined;
    if (size !== undefined && len !== undefined && len !== size) {
      res.body.destroy();
      throw new RegistryError(`blob ${digest} of ${this.registry}/${repository}: the registry announces ${len} bytes, the manifest declares ${size}; refused`);
    }
    return { body: res.body, size: len };
  }

  /**
   * A small blob (an image config), read whole and verified: at most `max` bytes, and exactly
   * `size` when its descriptor's size is known.
   */
  async getBlobBytes(repository: string, digest: string, max: number, size?: number): Promise<Buffer> {
    const { body } = await this.openBlob(repository, digest, size);
    const limit = size !== undefined ? Math.min(size, max) : max;
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of body) {
      n += (c as Buffer).length;
      if (n > limit) {
        body.destroy();
        throw new RegistryError(
          size !== undefined && size <= max
            ? `blob ${digest} of ${this.registry}/${repository}: the registry sent more than the ${size} bytes the manifest declares; refused`
            : `blob ${digest} of ${this.registry}/${repository} is larger than ${max} bytes; refused`,
        );
      }
      chunks.push(c as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const got = `sha256:${sha256Hex(bytes)}`;
    if (got !== digest) throw new RegistryError(`blob verification failed for ${this.registry}/${repository}@${digest}: the registry sent content whose digest is ${got}`);
    return bytes;
  }
}

function basicHeader(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

/** res.read(max) with its over-the-cap error as a RegistryError. */
async function readCapped(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  try {
    return await res.read(max, what);
  } catch (e) {
    if (e instanceof BodyTooLarge) throw new RegistryError(e.message);
    throw e;
  }
}

