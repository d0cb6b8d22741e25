// The bounded registry client and host commands, as pure logic and against in-process servers:
// where redirects and token realms may lead, pinned digests of every algorithm, the
// transport's connect/idle timeouts and body caps, the child environment, and the host
// command time limit.
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { digestLike, refuseTarget, RegistryClient } from '../../src/engine/image/registry.js';
import { BodyTooLarge, httpRequest, HttpFailure, HttpTimeout } from '../../src/engine/image/http.js';
import { childEnv, CREDENTIAL_ENV } from '../../src/host/env.js';
import { CommandTimeout, run } from '../../src/host/exec.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  delete process.env.MINIDOCK_COMMAND_TIMEOUT;
  delete process.env.MINIDOCK_REGISTRY_PASSWORD;
});

async function serve(handler: http.RequestListener): Promise<{ host: string; url: string }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  servers.push({
    close: () => {
      s.closeAllConnections();
      return new Promise((r) => s.close(() => r()));
    },
  });
  return { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}` };
}

/** Accepts connections and never says a word. */
async function silent(): Promise<string> {
  const socks: net.Socket[] = [];
  const s = net.createServer((c) => socks.push(c));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push({
    close: () => {
      for (const c of socks) c.destroy();
      return new Promise((r) => s.close(() => r()));
    },
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const fast = { connectMs: 1000, idleMs: 300 };

describe('where a redirect or a token realm may lead', () => {
  it('HTTPS always; plain HTTP only when the registry itself is loopback or named insecure; no other scheme', () => {
    expect(refuseTarget(new URL('https://auth.example/token'), false)).toBeUndefined();
    expect(refuseTarget(new URL('https://auth.example/token'), true)).toBeUndefined();
    expect(refuseTarget(new URL('http://auth.example/token'), false)).toMatch(/plain HTTP/);
    // The target being loopback does not make a downgrade fine: the registry decides.
    expect(refuseTarget(new URL('http://127.0.0.1:5000/token'), false)).toMatch(/plain HTTP/);
    expect(refuseTarget(new URL('http://localhost/x'), false)).toMatch(/plain HTTP/);
    expect(refuseTarget(new URL('http://127.0.0.1:5000/token'), true)).toBeUndefined();
    expect(refuseTarget(new URL('ftp://x/y'), true)).toMatch(/not HTTP/);
    expect(refuseTarget(new URL('file:///etc/passwd'), true)).toMatch(/not HTTP/);
  });
});

describe('pinned digests', () => {
  it('are computed with the algorithm of the reference', () => {
    const b = Buffer.from('{"schemaVersion":2}');
    expect(digestLike('sha256:' + '0'.repeat(64), b)).toBe(`sha256:${createHash('sha256').update(b).digest('hex')}`);
    expect(digestLike('sha512:' + '0'.repeat(128), b)).toBe(`sha512:${createHash('sha512').update(b).digest('hex')}`);
    expect(digestLike('sha384:' + '0'.repeat(96), b)).toBe(`sha384:${createHash('sha384').update(b).digest('hex')}`);
    expect(digestLike('md5:abc', b)).toBeUndefined();
  });

  it('a manifest pinned by sha512 is verified with sha512 (and refused when it does not match)', async () => {
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: 'sha256:' + '1'.repeat(64), size: 1 }, layers: [] });
    const d512 = `sha512:${createHash('sha512').update(manifest).digest('hex')}`;
    const srv = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': d512 });
      res.end(req.url!.includes(d512) ? manifest : manifest.replace('"layers":[]', '"layers": []'));
    });
    const c = new RegistryClient(srv.host, { credentials: null });
    const m = await c.getManifest('x', d512);
    expect(m.digest).toBe(`sha256:${createHash('sha256').update(manifest).digest('hex')}`);
    const other = `sha512:${'a'.repeat(128)}`;
    await expect(c.getManifest('x', other)).rejects.toThrow(new RegExp(`manifest verification failed for ${srv.host}/x@${other}: the registry sent content whose digest is sha512:`));
  });
});

describe('the transport is bounded', () => {
  it('a server that accepts and stays silent: one clear timeout, within the idle limit', async () => {
    const url = await silent();
    const t0 = Date.now();
    const e = await httpRequest(`${url}/v2/`, { timeouts: fast }).catch((x: unknown) => x);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(e).toBeInstanceOf(HttpFailure);
    expect((e as HttpFailure).cause).toBeInstanceOf(HttpTimeout);
    expect((e as HttpFailure).cause.message).toMatch(/^timed out: http:\/\/127\.0\.0\.1:\d+ sent nothing for 0\.3 s while answering GET \/v2\/ \(MINIDOCK_REGISTRY_IDLE_TIMEOUT sets the limit\)$/);
  });

  it('headers, then a stalled body: reading the body fails with the timeout', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100000' });
      res.write(Buffer.alloc(1000));
    });
    const res = await httpRequest(`${srv.url}/v2/x/blobs/y`, { timeouts: fast });
    const t0 = Date.now();
    await expect(res.read(1 << 20, 'blob')).rejects.toThrow(/sent nothing for 0\.3 s while answering GET \/v2\/x\/blobs\/y/);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a reader slower than the idle limit is not a stalled server (backpressure does not count)', async () => {
    const total = 8 << 20;
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(total) });
      res.end(Buffer.alloc(total, 7));
    });
    const res = await httpRequest(`${srv.url}/big`, { timeouts: fast });
    let n = 0;
    let pauses = 0;
    for await (const c of res.body) {
      n += (c as Buffer).length;
      // Stop reading for more than the idle limit, three times.
      if (pauses < 3 && n > (pauses + 1) * (1 << 20)) {
        pauses++;
        await new Promise((r) => setTimeout(r, 700));
      }
    }
    expect(n).toBe(total);
  });

  it('the connect timeout covers a connection that never completes', async () => {
    // A listening socket with a full backlog and no accept(): connections hang in SYN_SENT only
    // on some kernels; a blackholed address is not ours to use. So: a TLS handshake that never
    // comes — a TCP server that accepts and says nothing, asked over https.
    const url = (await silent()).replace('http:', 'https:');
    const t0 = Date.now();
    const e = await httpRequest(`${url}/v2/`, { timeouts: { connectMs: 300, idleMs: 10_000 } }).catch((x: unknown) => x);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((e as HttpFailure).cause).toBeInstanceOf(HttpTimeout);
    expect((e as HttpFailure).cause.message).toMatch(/^timed out connecting to https:\/\/127\.0\.0\.1:\d+: no connection within 0\.3 s/);
  });

  it('read(max) refuses a body over its cap: at once by Content-Length, or as the bytes come', async () => {
    let sent = 0;
    const srv = await serve((req, res) => {
      const chunk = Buffer.alloc(64 << 10, 65);
      if (req.url === '/declared') res.writeHead(200, { 'Content-Length': String(400 << 20) });
      else res.writeHead(200); // chunked, no length
      const pump = (): void => {
        while (sent < 400 << 20) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    let res = await httpRequest(`${srv.url}/declared`, { timeouts: fast });
    await expect(res.read(1 << 20, 'the thing')).rejects.toThrow(new BodyTooLarge(`the thing is ${400 << 20} bytes, more than the ${1 << 20} allowed; refused`));
    sent = 0;
    res = await httpRequest(`${srv.url}/chunked`, { timeouts: fast });
    await expect(res.read(1 << 20, 'the thing')).rejects.toThrow(`the thing is larger than the ${1 << 20} bytes allowed; refused`);
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toBeLessThan(32 << 20); // the connection was closed, not drained
    // head(): the first bytes, the rest not read
    sent = 0;
    res = await httpRequest(`${srv.url}/chunked`, { timeouts: fast });
    expect((await res.head(100)).toString()).toBe('A'.repeat(100));
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toBeLessThan(32 << 20);
  });

  it('cancel() of a response read to its end by the parser still ends it (its connection goes back to the agent)', async () => {
    const srv = await serve((_req, res) => res.end('{}'));
    const res = await httpRequest(`${srv.url}/v2/`, { timeouts: fast });
    await new Promise((r) => setTimeout(r, 100)); // the 2 bytes parsed, not read
    const ended = new Promise((r) => res.body.once('end', () => r('end')));
    await res.cancel();
    expect(await Promise.race([ended, new Promise((r) => setTimeout(() => r('still open'), 1000))])).toBe('end');
  });

  it('a registry error with a huge body: the message is read from its start, the rest is not', async () => {
    let sent = 0;
    const srv = await serve((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      const chunk = Buffer.alloc(64 << 10, 66);
      const pump = (): void => {
        while (sent < 400 << 20) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const c = new RegistryClient(srv.host, { credentials: null });
    await expect(c.getManifest('x', 'latest')).rejects.toThrow(/^manifest for 127\.0\.0\.1:\d+\/x:latest not found: 404 Not Found: B{300}…$/);
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toBeLessThan(32 << 20);
  });

  it('a redirect keeps no Authorization for another origin (bearer and basic alike)', async () => {
    const seen: (string | undefined)[] = [];
    const storage = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.end('blob!');
    });
    const reg = await serve((req, res) => {
      if (req.url!.startsWith('/token')) return void res.end(JSON.stringify({ token: 'T0K' }));
      if (req.headers.authorization !== 'Bearer T0K') {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="s"` });
        return void res.end();
      }
      res.writeHead(307, { Location: `${storage.url}/b` });
      res.end();
    });
    const c = new RegistryClient(reg.host, { credentials: { username: 'u', password: 'p', source: 'flag' } });
    expect((await c.getBlobBytes('x', `sha256:${createHash('sha256').update('blob!').digest('hex')}`, 100, 5)).toString()).toBe('blob!');
    expect(seen).toEqual([undefined]);
  });
});

describe('child processes', () => {
  it('childEnv drops every credential variable and keeps the rest', () => {
    const env = childEnv({ PATH: '/bin', MINIDOCK_ROOT: '/r', MINIDOCK_REGISTRY_USER: 'u', MINIDOCK_REGISTRY_PASSWORD: 'pw' });
    expect(env).toEqual({ PATH: '/bin', MINIDOCK_ROOT: '/r' });
    // Every credential variable credentials.ts reads is in the list.
    const src = readFileSync(join(__dirname, '../../src/engine/image/credentials.ts'), 'utf8');
    const read = [...src.matchAll(/process\.env\.(MINIDOCK_REGISTRY_[A-Z_]+)/g)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(0);
    for (const k of read) expect(CREDENTIAL_ENV).toContain(k);
  });

  it('every spawn and worker in src/ passes env: childEnv()', () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(__dirname, '../../src'));
    const calls: string[] = [];
    for (const f of files) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*|import |export (async )?function )/.test(line)) return;
          // Calls with arguments (not a method named spawn, not its definition).
          if (!/(?<![\w.])(spawn|spawnSync|execFile|execFileSync|execSync|fork)\((?!\))|new (this\.WorkerCtor|Worker)\(/.test(line)) return;
          calls.push(`${f.replace(/.*\/src\//, 'src/')}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const c of calls) expect(c, c).toMatch(/env: childEnv\(/);
  });

  it('a host command does not inherit MINIDOCK_REGISTRY_PASSWORD', async () => {
    process.env.MINIDOCK_REGISTRY_PASSWORD = 'hunter2';
    const r = await run('sh', ['-c', 'echo "[${MINIDOCK_REGISTRY_PASSWORD-unset}] [${MINIDOCK_ROOT-unset}]"'], { env: { ...process.env, MINIDOCK_ROOT: '/r' } });
    expect(r.stdout.trim()).toBe('[unset] [/r]');
  });

  it('a host command that hangs is killed at its time limit, with an error naming it', async () => {
    process.env.MINIDOCK_COMMAND_TIMEOUT = '0.3';
    const t0 = Date.now();
    // sh waits for a grandchild that keeps the output pipes open: the error comes anyway.
    const e = await run('sh', ['-c', 'sleep 3 & exec sleep 30'], { allowFail: true }).catch((x: unknown) => x);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(e).toBeInstanceOf(CommandTimeout);
    expect((e as Error).message).toBe(`sh -c sleep 3 & exec sleep 30: did not finish within 0.3 s and was killed (MINIDOCK_COMMAND_TIMEOUT sets the limit)`);
  });

  it('an invalid MINIDOCK_COMMAND_TIMEOUT is one clear error', async () => {
    process.env.MINIDOCK_COMMAND_TIMEOUT = 'soon';
    expect(() => run('true', [])).toThrow('invalid MINIDOCK_COMMAND_TIMEOUT "soon": want a number of seconds greater than 0');
  });
});
