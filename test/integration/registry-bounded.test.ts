// The registry client is bounded, and host commands are too — through the real CLI:
//   - registries that stall (accept and say nothing; headers then a stalled body, on a
//     manifest and on a layer in front of the real registry): `pull` fails within the idle
//     limit with one line, exit 125;
//   - a 404 / 401 / token answer with a 400 MiB body: `pull` fails fast, the server gets to
//     send only a little of it, and minidock's max RSS stays small (/usr/bin/time);
//   - an HTTPS registry (a name that resolves to loopback in a private mount namespace, a
//     certificate made here with openssl): a token realm or a redirect on plain HTTP is refused
//     and gets nothing; allowed when the registry is named insecure; http -> http on loopback
//     is fine;
//   - a redirect to another origin gets no Authorization;
//   - `@sha512:` references are verified with sha512 (and a mismatch refused);
//   - children never inherit MINIDOCK_REGISTRY_PASSWORD (/proc/PID/environ of a fake
//     iptables-restore and of the shim), and a hung iptables-restore is killed at the time
//     limit, with one line, and the network lock is free for the next command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock, type Result } from '../helpers/cli.js';
import { buildLayout, haveRegistry, mdIn, push, startProxy, startRegistry, type BuiltLayout, type Registry } from '../helpers/registry.js';

const FAST = { MINIDOCK_REGISTRY_IDLE_TIMEOUT: '1.5', MINIDOCK_REGISTRY_CONNECT_TIMEOUT: '1.5' };
const SECRET = `hunter2-${randomBytes(4).toString('hex')}`;

let reg: Registry;
let img: BuiltLayout;
const roots: string[] = [];
const cleanups: (() => unknown)[] = [];

function freshRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'mdtest-bounded-'));
  roots.push(r);
  return r;
}

interface Server {
  port: number;
  seen: { path: string; auth: string | undefined; host: string | undefined }[];
}

/** An HTTP(S) server on 127.0.0.1 that records what it is asked. */
async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse, s: Server) => void, tls?: { key: Buffer; cert: Buffer }): Promise<Server> {
  const s: Server = { port: 0, seen: [] };
  const h = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    s.seen.push({ path: req.url ?? '', auth: req.headers.authorization, host: req.headers.host });
    handler(req, res, s);
  };
  const srv = tls ? https.createServer(tls, h) : http.createServer(h);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  s.port = (srv.address() as AddressInfo).port;
  cleanups.push(() => {
    srv.closeAllConnections();
    return new Promise((r) => srv.close(r));
  });
  return s;
}

/** Passes a request on to the real registry (without its Authorization). */
function forward(req: http.IncomingMessage, res: http.ServerResponse): void {
  const headers = { ...req.headers, host: reg.host };
  delete headers.authorization;
  const up = http.request({ host: '127.0.0.1', port: reg.port, path: req.url, method: req.method, headers }, (ur) => {
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}

/** Streams `mib` MiB lazily (as fast as the client reads), counting what was really sent. */
function streamHuge(res: http.ServerResponse, mib: number, counter: { sent: number }): void {
  const chunk = Buffer.alloc(1 << 20, 0x41);
  const pump = (): void => {
    while (counter.sent < mib << 20) {
      counter.sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => undefined);
  pump();
}

/** Runs a command asynchronously (this process serves the registries). */
function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeout = 60_000): Promise<Result & { ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeout);
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const pullEnv = (root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, MINIDOCK_ROOT: root, ...FAST, ...extra });
const pull = (root: string, ref: string, extra: NodeJS.ProcessEnv = {}, more: string[] = []) =>
  runAsync(process.execPath, [BIN, 'pull', ...more, ref], pullEnv(root, extra));

/** One line on stderr, exit 125. */
function failsWithOneLine(r: Result, re: RegExp): void {
  expect(r.code, r.stderr).toBe(125);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(re);
}

describe('a bounded registry client', () => {
  beforeAll(async () => {
    // No silent skip: scripts/test.sh installs both; without them this fails, naming them.
    if (!haveRegistry) throw new Error('needs /usr/bin/docker-registry and skopeo (scripts/test.sh installs them)');
    reg = await startRegistry();
    cleanups.push(() => reg.stop());
    img = buildLayout('1', {
      layers: [
        { entries: [{ path: 'hello', type: 'file', data: 'hello\n' }] },
        { compress: 'none', entries: [{ path: 'big', type: 'file', data: randomBytes(2 << 20) }] },
      ],
    });
    push(img, '1', `${reg.host}/app:1`);
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    if (img) rmSync(img.dir, { recursive: true, force: true });
  });

  describe('stalls', () => {
    it('a registry that accepts and says nothing: pull fails at the idle limit, one line', async () => {
      const socks: net.Socket[] = [];
      const srv = net.createServer((c) => socks.push(c));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      cleanups.push(() => {
        for (const c of socks) c.destroy();
        srv.close();
      });
      const host = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
      const r = await pull(freshRoot(), `${host}/x:1`);
      failsWithOneLine(r, new RegExp(`^minidock: registry ${host}: timed out: http://${host} sent nothing for 1\\.5 s while answering GET /v2/ \\(MINIDOCK_REGISTRY_IDLE_TIMEOUT sets the limit\\)$`));
      expect(r.ms).toBeLessThan(6000);
    });

    it('headers, then a stalled manifest body: pull fails at the idle limit, one line', async () => {
      const s = await server((req, res) => {
        if (req.url === '/v2/') return void res.end('{}');
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Content-Length': '5000' });
        res.write('{"schemaVersion":');
      });
      const r = await pull(freshRoot(), `127.0.0.1:${s.port}/x:1`);
      failsWithOneLine(r, new RegExp(`^minidock: timed out: http://127\\.0\\.0\\.1:${s.port} sent nothing for 1\\.5 s while answering GET /v2/x/manifests/1 `));
      expect(r.ms).toBeLessThan(6000);
    });

    it('a layer that stalls half-way (the real registry behind a stalling proxy): one line, no image, nothing half-stored', async () => {
      const big = img.images[0]!.layerDigests[1]!;
      const px = await startProxy(reg.port, { auth: 'none', stall: { path: new RegExp(big), after: 1 << 20 } });
      cleanups.push(() => px.stop());
      const root = freshRoot();
      const r = await pull(root, `${px.host}/app:1`);
      failsWithOneLine(r, new RegExp(`^minidock: layer ${big} of ${px.host}/app: timed out: http://${px.host} sent nothing for 1\\.5 s while answering GET /v2/app/blobs/${big} `));
      expect(r.ms).toBeLessThan(8000);
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
      expect(existsSync(join(root, 'images/blobs/sha256', big.slice(7)))).toBe(false);
      // The same pull straight from the registry works.
      expect(mdIn(root, ['pull', '-q', `${reg.host}/app:1`]).code).toBe(0);
    });
  });

  describe('huge bodies', () => {
    /** Runs pull under /usr/bin/time; returns the result and the max RSS in MiB. */
    async function pullMeasured(ref: string): Promise<{ r: Result & { ms: number }; rssMiB: number }> {
      const root = freshRoot();
      const out = join(root, 'time.txt');
      const r = await runAsync('/usr/bin/time', ['-o', out, '-f', '%M', process.execPath, BIN, 'pull', ref], pullEnv(root));
      return { r, rssMiB: Number(readFileSync(out, 'utf8').trim().split('\n').at(-1)) / 1024 };
    }

    it('a 404 with a 400 MiB body: fails at once, the body is not read, RSS stays small', async () => {
      const counter = { sent: 0 };
      const s = await server((req, res) => {
        if (req.url === '/v2/') return void res.end('{}');
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        streamHuge(res, 400, counter);
      });
      const { r, rssMiB } = await pullMeasured(`127.0.0.1:${s.port}/x:1`);
      failsWithOneLine(r, new RegExp(`^minidock: manifest for 127\\.0\\.0\\.1:${s.port}/x:1 not found: 404 Not Found: A{300}…$`));
      expect(r.ms).toBeLessThan(5000);
      expect(counter.sent).toBeLessThan(64 << 20);
      expect(rssMiB).toBeLessThan(150);
    });

    it('a 401 with a 400 MiB body, and a token server answering 400 MiB: both refused fast, RSS small', async () => {
      const counter = { sent: 0 };
      const s401 = await server((_req, res) => {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        streamHuge(res, 400, counter);
      });
      let { r, rssMiB } = await pullMeasured(`127.0.0.1:${s401.port}/x:1`);
      failsWithOneLine(r, /^minidock: unauthorized: 401 Unauthorized: A{300}…$/);
      expect(counter.sent).toBeLessThan(64 << 20);
      expect(rssMiB).toBeLessThan(150);

      const tokenSent = { sent: 0 };
      const sTok = await server((req, res, self) => {
        if (req.url!.startsWith('/token')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return void streamHuge(res, 400, tokenSent);
        }
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${self.port}/token",service="s"` });
        res.end();
      });
      ({ r, rssMiB } = await pullMeasured(`127.0.0.1:${sTok.port}/x:1`));
      failsWithOneLine(r, new RegExp(`^minidock: the answer of token server http://127\\.0\\.0\\.1:${sTok.port} for 127\\.0\\.0\\.1:${sTok.port} is larger than the 1048576 bytes allowed; refused$`));
      expect(tokenSent.sent).toBeLessThan(64 << 20);
      expect(rssMiB).toBeLessThan(150);
    });

    it('a manifest over 4 MiB is refused (declared or not); a layer longer than its descriptor too', async () => {
      const s = await server((req, res) => {
        if (req.url === '/v2/') return void res.end('{}');
        if (req.url!.includes('declared')) res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Content-Length': String(5 << 20) });
        else res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
        streamHuge(res, 5, { sent: 0 });
      });
      let r = await pull(freshRoot(), `127.0.0.1:${s.port}/x:declared`);
      failsWithOneLine(r, /manifest x:declared from 127\.0\.0\.1:\d+ is 5242880 bytes, more than the 4194304 allowed; refused$/);
      r = await pull(freshRoot(), `127.0.0.1:${s.port}/x:chunked`);
      failsWithOneLine(r, /manifest x:chunked from 127\.0\.0\.1:\d+ is larger than the 4194304 bytes allowed; refused$/);

      // A registry that announces more bytes for a layer than its descriptor says.
      const layer = img.images[0]!.layerDigests[0]!;
      const lying = await server((req, res) => {
        if (!req.url!.includes(layer)) return forward(req, res);
        res.writeHead(200, { 'Content-Length': String(100 << 20) });
        streamHuge(res, 100, { sent: 0 });
      });
      const root = freshRoot();
      r = await pull(root, `127.0.0.1:${lying.port}/app:1`);
      failsWithOneLine(r, new RegExp(`blob ${layer} of 127\\.0\\.0\\.1:${lying.port}/app: the registry announces ${100 << 20} bytes, the manifest declares \\d+; refused$`));
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
    });
  });

  describe('where credentials may go', () => {
    let key: Buffer;
    let cert: Buffer;
    let dir: string;
    let hostsFile: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'mdtest-tls-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const r = spawnSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=registry.test',
          '-addext', 'subjectAltName=DNS:registry.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
      key = readFileSync(join(dir, 'key.pem'));
      cert = readFileSync(join(dir, 'cert.pem'));
      hostsFile = join(dir, 'hosts');
      writeFileSync(hostsFile, '127.0.0.1 localhost\n127.0.0.1 registry.test\n');
    });

    /**
     * minidock in a mount namespace of its own where /etc/hosts says registry.test is
     * 127.0.0.1, trusting the certificate made above: an HTTPS registry that is not loopback
     * by name, so none of the loopback exceptions apply.
     */
    function pullTls(root: string, ref: string, more: string[] = []): Promise<Result & { ms: number }> {
      return runAsync(
        'unshare',
        ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/hosts && shift && exec "$@"', 'sh', hostsFile, process.execPath, BIN, 'pull', ...more, ref],
        pullEnv(root, { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), MINIDOCK_REGISTRY_USER: 'alice', MINIDOCK_REGISTRY_PASSWORD: SECRET }),
      );
    }

    /** An HTTPS registry in front of the real one, asking for a bearer token from `realm()`. */
    async function tlsRegistry(realm: (self: Server) => string, opts: { blobRedirect?: () => string } = {}): Promise<Server & { tokens: Set<string> }> {
      const tokens = new Set<string>();
      const s = await server((req, res, self) => {
        if (req.url!.startsWith('/token')) {
          const t = randomBytes(8).toString('hex');
          tokens.add(t);
          return void res.end(JSON.stringify({ token: t }));
        }
        const auth = req.headers.authorization;
        if (!auth?.startsWith('Bearer ') || !tokens.has(auth.slice(7))) {
          res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm(self)}",service="svc",scope="repository:app:pull"` });
          return void res.end();
        }
        if (opts.blobRedirect && req.url!.includes('/blobs/')) {
          res.writeHead(307, { Location: opts.blobRedirect() });
          return void res.end();
        }
        forward(req, res);
      }, { key, cert });
      return Object.assign(s, { tokens });
    }

    it('an HTTPS registry with an HTTPS realm works (the control)', async () => {
      const s = await tlsRegistry((self) => `https://registry.test:${self.port}/token`);
      const r = await pullTls(freshRoot(), `registry.test:${s.port}/app:1`);
      expect(r.code, r.stderr).toBe(0);
      expect(s.seen.some((q) => q.path.startsWith('/token') && q.auth === `Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`)).toBe(true);
    });

    it('an HTTPS registry whose token realm is plain HTTP (even on loopback) is refused; the realm gets nothing', async () => {
      const plain = await server((_req, res) => res.end(JSON.stringify({ token: 'x' })));
      const s = await tlsRegistry(() => `http://registry.test:${plain.port}/token`);
      let r = await pullTls(freshRoot(), `registry.test:${s.port}/app:1`);
      failsWithOneLine(r, new RegExp(`^minidock: registry registry\\.test:${s.port}: token realm refused: http://registry\\.test:${plain.port} is plain HTTP and the registry is neither loopback nor named insecure$`));
      const loop = await tlsRegistry(() => `http://127.0.0.1:${plain.port}/token`);
      r = await pullTls(freshRoot(), `registry.test:${loop.port}/app:1`);
      failsWithOneLine(r, /token realm refused: http:\/\/127\.0\.0\.1:\d+ is plain HTTP/);
      expect(plain.seen).toEqual([]);
    });

    it('named insecure (--insecure-registry), the same registry may use a plain HTTP realm', async () => {
      let s: Server & { tokens: Set<string> };
      // The plain token server hands out tokens the HTTPS registry accepts.
      const plain = await server((_req, res) => {
        const t = randomBytes(8).toString('hex');
        s.tokens.add(t);
        res.end(JSON.stringify({ token: t }));
      });
      s = await tlsRegistry(() => `http://registry.test:${plain.port}/token`);
      const r = await pullTls(freshRoot(), `registry.test:${s.port}/app:1`, ['--insecure-registry', `registry.test:${s.port}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(plain.seen.length).toBeGreaterThan(0);
    });

    it('an HTTPS registry redirecting a blob to plain HTTP is refused; the target gets nothing', async () => {
      const plain = await server((_req, res) => res.end());
      const s = await tlsRegistry((self) => `https://registry.test:${self.port}/token`, { blobRedirect: () => `http://127.0.0.1:${plain.port}/blob` });
      const root = freshRoot();
      const r = await pullTls(root, `registry.test:${s.port}/app:1`);
      failsWithOneLine(r, new RegExp(`^minidock: registry registry\\.test:${s.port}: redirect refused: http://127\\.0\\.0\\.1:${plain.port} is plain HTTP and the registry is neither loopback nor named insecure$`));
      expect(plain.seen).toEqual([]);
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
    });

    it('http -> http on a loopback registry is allowed: a plain realm on loopback works', async () => {
      const px = await startProxy(reg.port, { auth: 'bearer', user: 'alice', password: SECRET });
      cleanups.push(() => px.stop());
      const r = await pull(freshRoot(), `${px.host}/app:1`, { MINIDOCK_REGISTRY_USER: 'alice', MINIDOCK_REGISTRY_PASSWORD: SECRET });
      expect(r.code, r.stderr).toBe(0);
      expect(px.tokenRequests.length).toBeGreaterThan(0);
    });

    it('a blob redirect to another origin gets no Authorization (Basic, then a bearer token)', async () => {
      const storage = await server((req, res) => forward(req, res));
      const basic = `Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`;
      const redirecting = await server((req, res) => {
        if (req.headers.authorization !== basic) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' });
          return void res.end();
        }
        if (req.url!.includes('/blobs/')) {
          res.writeHead(307, { Location: `http://127.0.0.1:${storage.port}${req.url}` });
          return void res.end();
        }
        forward(req, res);
      });
      const r = await pull(freshRoot(), `127.0.0.1:${redirecting.port}/app:1`, { MINIDOCK_REGISTRY_USER: 'alice', MINIDOCK_REGISTRY_PASSWORD: SECRET });
      expect(r.code, r.stderr).toBe(0);
      expect(storage.seen.length).toBe(3); // config and two layers
      expect(storage.seen.map((q) => q.auth)).toEqual([undefined, undefined, undefined]);
      expect(redirecting.seen.some((q) => q.auth === basic)).toBe(true);

      // The same with a bearer token (the proxy's token dance, then redirects to storage).
      storage.seen.length = 0;
      const tokens = new Set<string>();
      const bearer = await server((req, res, self) => {
        if (req.url!.startsWith('/token')) {
          const t = randomBytes(8).toString('hex');
          tokens.add(t);
          return void res.end(JSON.stringify({ token: t }));
        }
        if (!tokens.has(req.headers.authorization?.slice(7) ?? '')) {
          res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${self.port}/token",service="s",scope="repository:app:pull"` });
          return void res.end();
        }
        if (req.url!.includes('/blobs/')) {
          res.writeHead(307, { Location: `http://127.0.0.1:${storage.port}${req.url}` });
          return void res.end();
        }
        forward(req, res);
      });
      const r2 = await pull(freshRoot(), `127.0.0.1:${bearer.port}/app:1`);
      expect(r2.code, r2.stderr).toBe(0);
      expect(storage.seen.length).toBe(3);
      expect(storage.seen.map((q) => q.auth)).toEqual([undefined, undefined, undefined]);
    });
  });

  describe('@sha512: references', () => {
    const sha512 = (b: Buffer) => `sha512:${createHash('sha512').update(b).digest('hex')}`;

    /** The real registry, plus manifests by their sha512 digest (which it does not index). */
    async function sha512Front(bytes: Buffer): Promise<Server> {
      return server((req, res) => {
        const m = /\/manifests\/(sha512:[0-9a-f]{128})$/.exec(req.url!);
        if (!m) return forward(req, res);
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Content-Length': String(bytes.length) });
        res.end(bytes);
      });
    }

    it('work: the manifest is verified with sha512, the image is found by that reference afterwards', async () => {
      const manifest = img.images[0]!.manifest;
      const d = sha512(manifest);
      const front = await sha512Front(manifest);
      const root = freshRoot();
      const ref = `127.0.0.1:${front.port}/app@${d}`;
      const r = await pull(root, ref);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Digest: ${d}\n`);
      const inspect = JSON.parse(mdIn(root, ['image', 'inspect', ref]).stdout)[0];
      expect(inspect.Id).toBe(img.images[0]!.id);
      expect(inspect.RepoDigests).toEqual([ref]);
      // A second pull finds it up to date.
      expect((await pull(root, ref)).stdout).toContain('Status: Image is up to date');
    });

    it('a registry that sends other content for a sha512 reference is refused', async () => {
      const manifest = img.images[0]!.manifest;
      const front = await sha512Front(Buffer.from(manifest.toString().replace('"schemaVersion":2', '"schemaVersion": 2')));
      const root = freshRoot();
      const d = sha512(manifest);
      const r = await pull(root, `127.0.0.1:${front.port}/app@${d}`);
      failsWithOneLine(r, new RegExp(`^minidock: manifest verification failed for 127\\.0\\.0\\.1:${front.port}/app@${d}: the registry sent content whose digest is sha512:[0-9a-f]{128}$`));
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
    });

    it('the real registry (which indexes sha256 only) answers manifest unknown, said as such', async () => {
      const d = sha512(img.images[0]!.manifest);
      const r = await pull(freshRoot(), `${reg.host}/app@${d}`);
      failsWithOneLine(r, new RegExp(`^minidock: manifest for ${reg.host}/app@${d} not found: manifest unknown: manifest unknown$`));
    });
  });
});

describe('host commands: no credentials, and a time limit', () => {
  let md: Minidock;
  let fake: string;

  beforeAll(() => {
    fake = mkdtempSync(join(tmpdir(), 'mdtest-fakebin-'));
    // Records its environment and pid, then hangs as a stuck iptables-restore would.
    writeFileSync(join(fake, 'iptables-restore'), `#!/bin/sh\necho $$ > ${fake}/pid\ncat /proc/$$/environ > ${fake}/environ\nexec sleep 300\n`);
    chmodSync(join(fake, 'iptables-restore'), 0o755);
    md = new Minidock({ MINIDOCK_REGISTRY_USER: 'alice', MINIDOCK_REGISTRY_PASSWORD: SECRET });
  });

  afterAll(() => {
    md?.cleanup();
    const pid = existsSync(join(fake, 'pid')) ? Number(readFileSync(join(fake, 'pid'), 'utf8')) : 0;
    if (pid > 0 && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')) process.kill(pid, 'SIGKILL');
    rmSync(fake, { recursive: true, force: true });
  });

  it('a hung iptables-restore is killed at the limit (one line, 125), had no credentials, and the lock is free after', () => {
    const env = { ...md.env };
    md.env.PATH = `${fake}:${process.env.PATH}`;
    md.env.MINIDOCK_COMMAND_TIMEOUT = '2';
    const t0 = Date.now();
    let r: Result;
    try {
      r = md.run(['run', '--rm', 'busybox', 'true']);
    } finally {
      md.env.PATH = env.PATH;
      delete md.env.MINIDOCK_COMMAND_TIMEOUT;
    }
    const ms = Date.now() - t0;
    expect(r.code, r.stderr).toBe(125);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^minidock: .*iptables-restore -w --noflush: did not finish within 2 s and was killed \(MINIDOCK_COMMAND_TIMEOUT sets the limit\)/);
    // the limit, the rollback (ip, fast), node's start: well under the 60 s the lock waits
    expect(ms).toBeLessThan(15_000);

    // The fake ran and is dead (killed, not left hanging).
    const pid = Number(readFileSync(join(fake, 'pid'), 'utf8'));
    const state = existsSync(`/proc/${pid}/status`) ? /State:\s+(\S)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] : undefined;
    expect(state === undefined || state === 'Z', `state ${state}`).toBe(true);
    const environ = readFileSync(join(fake, 'environ'), 'utf8').split('\0');
    expect(environ).toContain(`MINIDOCK_ROOT=${md.root}`);
    expect(environ.filter((e) => e.startsWith('MINIDOCK_REGISTRY_'))).toEqual([]);
    expect(environ.join('\n')).not.toContain(SECRET);

    // The network lock was released: the next command (the real iptables-restore) works.
    const again = md.run(['run', '--rm', 'busybox', 'echo', 'ok']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('ok\n');
    expect(md.run(['ps', '-aq']).stdout).toBe('');
  });

  it('the shim of a detached container (and the cleanup it runs) has no credentials', () => {
    const id = md.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
    try {
      const [, shim] = readFileSync(join(md.root, 'containers', id, 'pid'), 'utf8').trim().split(/\s+/).map(Number);
      expect(shim).toBeGreaterThan(0);
      const environ = readFileSync(`/proc/${shim}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`MINIDOCK_ROOT=${md.root}`);
      expect(environ.join('\n')).not.toContain(SECRET);
      expect(environ.filter((e) => e.startsWith('MINIDOCK_REGISTRY_'))).toEqual([]);
    } finally {
      md.run(['rm', '-f', id]);
    }
  });
});

