// The distribution client and the pieces around it, against in-process HTTP servers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenge, RegistryClient, endpointHost } from '../../src/engine/image/registry.js';
import { choosePlatform, parsePlatform, hostPlatform } from '../../src/engine/image/platform.js';
import { credentialsFor, isInsecure, removeCredentials, saveCredentials, authKey } from '../../src/engine/image/credentials.js';
import { PullProgress, humanBytes } from '../../src/engine/image/progress.js';
import { mapLimit } from '../../src/engine/image/pull.js';
import { applyChange } from '../../src/engine/image/archive.js';
import type { ImageConfig } from '../../src/engine/image/store.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'minidock-reg-'));
  process.env.MINIDOCK_ROOT = root;
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  delete process.env.MINIDOCK_ROOT;
  delete process.env.MINIDOCK_INSECURE_REGISTRIES;
  delete process.env.MINIDOCK_REGISTRY_USER;
  delete process.env.MINIDOCK_REGISTRY_PASSWORD;
});

const digestOf = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function serve(handler: http.RequestListener): Promise<{ host: string; close: () => Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () => {
      s.closeAllConnections();
      return new Promise((r) => s.close(() => r()));
    },
  };
}

describe('parseChallenge', () => {
  it('reads Docker Hub style bearer challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } });
    expect(parseChallenge('Bearer realm=http://x/token, service=svc')?.params).toEqual({ realm: 'http://x/token', service: 'svc' });
    expect(parseChallenge(null)).toBeUndefined();
  });

  it('maps docker.io to registry-1.docker.io', () => {
    expect(endpointHost('docker.io')).toBe('registry-1.docker.io');
    expect(endpointHost('ghcr.io')).toBe('ghcr.io');
  });
});

describe('platforms', () => {
  const idx = [
    { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { platform: { os: 'unknown', architecture: 'unknown' } },
    { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { platform: { os: 'linux', architecture: 'amd64' } },
    { platform: { os: 'windows', architecture: 'amd64' } },
  ];
  it('picks linux and the wanted architecture', () => {
    expect(choosePlatform(idx, { os: 'linux', architecture: 'amd64' })).toBe(3);
    expect(choosePlatform(idx, { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(2);
    expect(choosePlatform([{ platform: { os: 'linux', architecture: 'arm64' } }], hostPlatform('arm64'))).toBe(0);
    expect(choosePlatform(idx, { os: 'linux', architecture: 'arm', variant: 'v6' })).toBe(-1);
    expect(choosePlatform(idx, { os: 'linux', architecture: 's390x' })).toBe(-1);
    expect(hostPlatform('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
  });
  it('parses --platform', () => {
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(() => parsePlatform('windows/amd64')).toThrow(/only linux/);
    expect(() => parsePlatform('linux//x')).toThrow(/invalid platform/);
  });
});

describe('credentials and insecure registries', () => {
  it('stores Docker-shaped auth.json with mode 0600; Docker Hub under its v1 key', () => {
    saveCredentials('reg.example:5000', 'u', 'p:w');
    saveCredentials('docker.io', 'hub', 'x');
    const file = join(root, 'auth.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).auths).toEqual({
      'reg.example:5000': { auth: Buffer.from('u:p:w').toString('base64') },
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:x').toString('base64') },
    });
    expect(credentialsFor('reg.example:5000')).toEqual({ username: 'u', password: 'p:w', source: 'auth.json' });
    expect(credentialsFor('index.docker.io')?.username).toBe('hub');
    expect(authKey('registry-1.docker.io')).toBe('https://index.docker.io/v1/');
    expect(removeCredentials('reg.example:5000')).toBe(true);
    expect(removeCredentials('reg.example:5000')).toBe(false);
    expect(credentialsFor('reg.example:5000')).toBeUndefined();
  });

  it('falls back to MINIDOCK_REGISTRY_USER / _PASSWORD', () => {
    process.env.MINIDOCK_REGISTRY_USER = 'envuser';
    process.env.MINIDOCK_REGISTRY_PASSWORD = 'envpw';
    expect(credentialsFor('any.example')).toEqual({ username: 'envuser', password: 'envpw', source: 'env' });
  });

  it('allows plain HTTP only for loopback and registries named insecure', () => {
    expect(isInsecure('localhost:5000')).toBe(true);
    expect(isInsecure('127.3.4.5:80')).toBe(true);
    expect(isInsecure('[::1]:5000')).toBe(true);
    expect(isInsecure('registry.example:5000')).toBe(false);
    expect(isInsecure('10.1.2.3:5000')).toBe(false);
    expect(isInsecure('registry.example:5000', ['registry.example:5000'])).toBe(true);
    process.env.MINIDOCK_INSECURE_REGISTRIES = 'a.example, 10.0.0.0/8';
    expect(isInsecure('a.example:443')).toBe(true);
    expect(isInsecure('10.1.2.3:5000')).toBe(true);
    writeFileSync(join(root, 'config.json'), JSON.stringify({ 'insecure-registries': ['b.example:5000'] }));
    expect(isInsecure('b.example:5000')).toBe(true);
    expect(isInsecure('c.example:5000')).toBe(false);
  });
});

describe('RegistryClient', () => {
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: 'sha256:' + '1'.repeat(64), size: 1 }, layers: [] });

  it('answers a bearer challenge with an anonymous token and retries; plain HTTP for loopback', async () => {
    const seen: string[] = [];
    const srv = await serve((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? '-'}`);
      if (req.url!.startsWith('/token')) {
        res.end(JSON.stringify({ token: 'T0K' }));
        return;
      }
      if (req.headers.authorization !== 'Bearer T0K') {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${req.headers.host}/token",service="svc",scope="repository:x/y:pull"` });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': digestOf(manifest) });
      res.end(manifest);
    });
    try {
      const c = new RegistryClient(srv.host, { credentials: null });
      const m = await c.getManifest('x/y', 'latest');
      expect(m.digest).toBe(digestOf(manifest));
      expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(seen).toEqual(['/v2/ -', '/v2/x/y/manifests/latest -', '/token?service=svc&scope=repository%3Ax%2Fy%3Apull -', '/v2/x/y/manifests/latest Bearer T0K']);
      // the token is reused
      await c.getManifest('x/y', 'latest');
      expect(seen.at(-1)).toBe('/v2/x/y/manifests/latest Bearer T0K');
      expect(seen.length).toBe(5);
      expect(await c.baseUrl()).toBe(`http://${srv.host}`);
    } finally {
      await srv.close();
    }
  });

  it('refuses a manifest that does not match the digest asked for or the Docker-Content-Digest header', async () => {
    const srv = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': 'sha256:' + 'f'.repeat(64) });
      res.end(manifest);
    });
    try {
      const c = new RegistryClient(srv.host, { credentials: null });
      await expect(c.getManifest('x', 'sha256:' + 'e'.repeat(64))).rejects.toThrow(/manifest verification failed/);
      await expect(c.getManifest('x', 'latest')).rejects.toThrow(/Docker-Content-Digest says/);
    } finally {
      await srv.close();
    }
  });

  it('follows a blob redirect to another origin without sending the credentials there', async () => {
    const cdnSeen: (string | undefined)[] = [];
    const cdn = await serve((req, res) => {
      cdnSeen.push(req.headers.authorization);
      res.end('blob!');
    });
    const srv = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' });
        res.end();
        return;
      }
      res.writeHead(307, { Location: `http://${cdn.host}/storage/blob` });
      res.end();
    });
    try {
      const c = new RegistryClient(srv.host, { credentials: { username: 'u', password: 'p', source: 'flag' } });
      const bytes = await c.getBlobBytes('x', digestOf('blob!'), 100);
      expect(bytes.toString()).toBe('blob!');
      expect(cdnSeen).toEqual([undefined]);
      await expect(c.getBlobBytes('x', digestOf('other'), 100)).rejects.toThrow(/blob verification failed/);
    } finally {
      await srv.close();
      await cdn.close();
    }
  });

  it('reports registry errors and unreachable registries clearly', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    try {
      await expect(new RegistryClient(srv.host, { credentials: null }).getManifest('x', 'nope')).rejects.toThrow(
        new RegExp(`manifest for ${srv.host}/x:nope not found: manifest unknown: manifest unknown`),
      );
    } finally {
      await srv.close();
    }
    await expect(new RegistryClient('127.0.0.1:1', { credentials: null }).getManifest('x', 'y')).rejects.toThrow(/cannot reach registry 127\.0\.0\.1:1/);
  });
});

describe('progress', () => {
  it('is quiet off a terminal: only plain lines', () => {
    let out = '';
    const p = new PullProgress({ write: (s: string) => (out += s), isTTY: false });
    p.line('latest: Pulling from library/busybox');
    p.begin([{ id: 'a1b2c3d4e5f6', total: 3_400_000 }]);
    p.update('a1b2c3d4e5f6', 'Downloading', 1_200_000, 3_400_000);
    p.update('a1b2c3d4e5f6', 'Pull complete');
    p.close();
    p.line('Digest: sha256:x');
    expect(out).toBe('latest: Pulling from library/busybox\nDigest: sha256:x\n');
  });

  it('draws one line per layer and a total on a terminal, redrawn in place', () => {
    let out = '';
    const p = new PullProgress({ write: (s: string) => (out += s), isTTY: true, columns: 120 });
    p.begin([
      { id: 'a1b2c3d4e5f6', total: 3_400_000 },
      { id: 'bbbbbbbbbbbb', total: 1_000 },
    ]);
    p.update('bbbbbbbbbbbb', 'Already exists');
    p.update('a1b2c3d4e5f6', 'Downloading', 1_200_000, 3_400_000);
    p.render();
    const [l0, l1, l2] = p.lines();
    expect(l0).toMatch(/^a1b2c3d4e5f6: Downloading \[=+>\s+\]\s+1\.2MB\/3\.4MB$/);
    expect(l0!.indexOf(']') - l0!.indexOf('[')).toBe(51);
    expect(l1).toBe('bbbbbbbbbbbb: Already exists');
    expect(l2).toMatch(/^Total: 1\/2 layers \[=+>\s+\] 1\.201MB\/3\.401MB$/);
    expect(out).toContain('\x1b[3A\x1b[2K\r');
    p.close();
  });

  it('formats sizes in decimal units like Docker', () => {
    expect(humanBytes(999)).toBe('999B');
    expect(humanBytes(1_200_000)).toBe('1.2MB');
    expect(humanBytes(4_260_000)).toBe('4.26MB');
    expect(humanBytes(345_000)).toBe('345kB');
  });
});

describe('mapLimit', () => {
  it('never runs more than the limit at once and keeps order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return x * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });

  it('stops starting new work after a failure and rethrows it', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4, 5], 1, async (x) => {
        started.push(x);
        if (x === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});

describe('import --change', () => {
  it('applies Dockerfile instructions', () => {
    const c: ImageConfig = {};
    applyChange(c, 'CMD ["nginx", "-g", "daemon off;"]');
    applyChange(c, 'ENTRYPOINT /docker-entrypoint.sh');
    applyChange(c, 'ENV A=1 B="two words"');
    applyChange(c, 'ENV A 3');
    applyChange(c, 'EXPOSE 80 53/udp');
    applyChange(c, 'WORKDIR /srv');
    applyChange(c, 'USER www-data');
    expect(c).toEqual({
      Cmd: ['nginx', '-g', 'daemon off;'],
      Entrypoint: ['/bin/sh', '-c', '/docker-entrypoint.sh'],
      Env: ['B=two words', 'A=3'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      WorkingDir: '/srv',
      User: 'www-data',
    });
    expect(() => applyChange(c, 'RUN rm -rf /')).toThrow(/not supported/);
  });
});
