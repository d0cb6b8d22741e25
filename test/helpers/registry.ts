// A real registry for the image tests: Debian's docker-registry (the CNCF distribution server)
// on 127.0.0.1 with a temporary storage directory, OCI image layouts built here with the
// project's own tar writer and pushed with skopeo, and a small HTTP proxy in front of the
// registry that plays Docker Hub's bearer-token dance, Basic auth, or a tampering mirror.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';
import { BIN, type Result } from './cli.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const haveRegistry = existsSync(REGISTRY_BIN) && spawnSync('skopeo', ['--version']).status === 0;

export const sha256 = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      return;
    } catch {
      if (Date.now() > until) throw new Error(`${url} did not come up`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface Registry {
  port: number;
  /** '127.0.0.1:PORT' */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts docker-registry on 127.0.0.1:<free port> with its storage in a temp dir. */
export async function startRegistry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'mdtest-registry-'));
  const port = await freePort();
  const cfg = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dir}/data`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), cfg);
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    await waitHttp(`http://127.0.0.1:${port}/v2/`);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`docker-registry did not start: ${stderr}`, { cause: e });
  }
  return {
    port,
    host: `127.0.0.1:${port}`,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------
// OCI image layouts

export interface LayerSpec {
  entries: TarEntry[];
  /** Default gzip. */
  compress?: 'gzip' | 'none';
}

export interface ImageSpec {
  layers: LayerSpec[];
  config?: Record<string, unknown>;
  architecture?: string;
  variant?: string;
  os?: string;
  /** Docker v2 media types instead of OCI's. */
  docker?: boolean;
}

export interface BuiltImage {
  /** The image id (config digest). */
  id: string;
  manifestDigest: string;
  manifest: Buffer;
  diffIds: string[];
  layerDigests: string[];
  architecture: string;
}

export interface BuiltLayout {
  dir: string;
  images: BuiltImage[];
  /** Digest of the top-level manifest or index the tag points at. */
  digest: string;
}

function writeBlob(dir: string, data: Buffer | string): { digest: string; size: number } {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const digest = sha256(buf);
  const p = join(dir, 'blobs', 'sha256', digest.slice(7));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(p, buf);
  return { digest, size: buf.length };
}

function buildImage(dir: string, spec: ImageSpec): BuiltImage {
  const arch = spec.architecture ?? 'amd64';
  const diffIds: string[] = [];
  const layers: { mediaType: string; digest: string; size: number }[] = [];
  for (const l of spec.layers) {
    const tar = buildTar(l.entries);
    diffIds.push(sha256(tar));
    const gz = (l.compress ?? 'gzip') === 'gzip';
    const blob = writeBlob(dir, gz ? gzipSync(tar) : tar);
    const mediaType = spec.docker
      ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
      : gz
        ? 'application/vnd.oci.image.layer.v1.tar+gzip'
        : 'application/vnd.oci.image.layer.v1.tar';
    layers.push({ mediaType, ...blob });
  }
  const config = {
    created: '2024-01-01T00:00:00Z',
    architecture: arch,
    ...(spec.variant ? { variant: spec.variant } : {}),
    os: spec.os ?? 'linux',
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: spec.layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'minidock test' })),
  };
  const cfg = writeBlob(dir, JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: spec.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: spec.docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers,
  };
  const mbytes = Buffer.from(JSON.stringify(manifest));
  const m = writeBlob(dir, mbytes);
  return { id: cfg.digest, manifestDigest: m.digest, manifest: mbytes, diffIds, layerDigests: layers.map((l) => l.digest), architecture: arch };
}

/**
 * Writes an OCI image layout whose index.json tags `tag`: one image, or (several specs) an
 * image index with one manifest per platform.
 */
export function buildLayout(tag: string, specs: ImageSpec | ImageSpec[], dir = mkdtempSync(join(tmpdir(), 'mdtest-oci-'))): BuiltLayout {
  const list = Array.isArray(specs) ? specs : [specs];
  const images = list.map((s) => buildImage(dir, s));
  let top: { mediaType: string; digest: string; size: number };
  if (!Array.isArray(specs)) {
    top = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: images[0]!.manifestDigest, size: images[0]!.manifest.length };
  } else {
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images.map((img, i) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: img.manifestDigest,
        size: img.manifest.length,
        platform: { os: list[i]!.os ?? 'linux', architecture: img.architecture, ...(list[i]!.variant ? { variant: list[i]!.variant } : {}) },
      })),
    };
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', ...writeBlob(dir, JSON.stringify(index)) };
  }
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
  return { dir, images, digest: top.digest };
}

/** skopeo copy oci:DIR:tag docker://HOST/name:tag (all platforms of an index). */
export function push(layout: BuiltLayout, tag: string, dest: string): void {
  const r = spawnSync(
    'skopeo',
    ['--insecure-policy', 'copy', '--quiet', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout.dir}:${tag}`, `docker://${dest}`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`skopeo copy to ${dest} failed: ${r.stderr}`);
}

// ---------------------------------------------------------------------------------------
// A proxy in front of the registry

export interface ProxyOptions {
  /** 'bearer': Docker Hub's token dance; 'basic': Basic auth; 'none': plain pass-through. */
  auth: 'bearer' | 'basic' | 'none';
  /** Credentials the proxy (or its token endpoint) requires; none: anonymous tokens. */
  user?: string;
  password?: string;
  /** Rewrites a response body (same length) for matching paths: a tampering mirror. */
  tamper?: { path: RegExp; from: Buffer; to: Buffer };
  /** Sends only this many bytes of matching blob responses, then stalls. */
  stall?: { path: RegExp; after: number };
}

export interface Proxy {
  port: number;
  host: string;
  /** Token requests seen: their query and whether Basic credentials came with them. */
  tokenRequests: { scope: string[]; service: string | null; basic: string | undefined }[];
  /** Requests to /v2/ paths: method, path, the Authorization scheme used. */
  requests: { path: string; auth: string | undefined }[];
  stop(): Promise<void>;
}

export async function startProxy(upstreamPort: number, opts: ProxyOptions): Promise<Proxy> {
  const port = await freePort();
  const tokens = new Set<string>();
  const tokenRequests: Proxy['tokenRequests'] = [];
  const requests: Proxy['requests'] = [];
  const basicOk = (h: string | undefined): boolean =>
    !!h && h.startsWith('Basic ') && Buffer.from(h.slice(6), 'base64').toString() === `${opts.user}:${opts.password}`;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const auth = req.headers.authorization;
    if (url.pathname === '/token') {
      tokenRequests.push({ scope: url.searchParams.getAll('scope'), service: url.searchParams.get('service'), basic: auth?.startsWith('Basic ') ? auth : undefined });
      if (opts.user && !basicOk(auth)) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      const t = randomBytes(16).toString('hex');
      tokens.add(t);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: t, access_token: t, expires_in: 300 }));
      return;
    }
    requests.push({ path: url.pathname, auth: auth?.split(' ')[0] });
    if (opts.auth === 'bearer') {
      const ok = auth?.startsWith('Bearer ') && tokens.has(auth.slice(7));
      if (!ok) {
        const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname);
        const scope = m ? `,scope="repository:${m[1]}:pull"` : '';
        res.writeHead(401, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="minidock-test"${scope}`,
        });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
    } else if (opts.auth === 'basic' && !basicOk(auth)) {
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Basic realm="minidock-test"' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    headers.host = `127.0.0.1:${upstreamPort}`;
    const up = http.request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers }, (ur) => {
      const tamper = opts.tamper && opts.tamper.path.test(url.pathname) ? opts.tamper : undefined;
      const stall = opts.stall && opts.stall.path.test(url.pathname) ? opts.stall : undefined;
      if (!tamper && !stall) {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        let body = Buffer.concat(chunks);
        if (tamper) {
          const at = body.indexOf(tamper.from);
          if (at >= 0) body = Buffer.concat([body.subarray(0, at), tamper.to, body.subarray(at + tamper.from.length)]);
        }
        res.writeHead(ur.statusCode ?? 502, { ...ur.headers, 'content-length': String(body.length) });
        if (stall) {
          res.write(body.subarray(0, stall.after));
          return; // never ends
        }
        res.end(body);
      });
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    host: `127.0.0.1:${port}`,
    tokenRequests,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// ---------------------------------------------------------------------------------------
// Running minidock for image commands (host network namespace: the registry is on the real
// loopback). `run` goes through Minidock (its own netns) with --network none.

export function mdIn(root: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, MINIDOCK_ROOT: root, ...(opts.env ?? {}) },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 256 << 20,
  });
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The static busybox binary (for images that can run). */
export function busyboxEntries(applets: string[] = ['sh', 'cat', 'ls', 'echo', 'pwd', 'id', 'readlink', 'test', 'stat', 'sleep', 'true']): TarEntry[] {
  const bin = readFileSync('/bin/busybox');
  return [
    { path: 'bin', type: 'dir', mode: 0o755 },
    { path: 'bin/busybox', type: 'file', mode: 0o755, data: bin },
    ...applets.map((a): TarEntry => ({ path: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
  ];
}

/** As mdIn, without blocking this process (needed when this process serves the proxy). */
export function mdAsync(root: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MINIDOCK_ROOT: root, ...(opts.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d) => (stdout += d));
    c.stderr!.on('data', (d) => (stderr += d));
    c.stdin!.on('error', () => undefined);
    c.stdin!.end(opts.input ?? '');
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.timeout ?? 60_000);
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
