// Pulling from a real registry (Debian's docker-registry on 127.0.0.1), with images built
// here as OCI layouts and pushed with skopeo: layers, whiteouts, opaque directories, an index
// with two platforms, the bearer-token and Basic auth flows (through a proxy this test runs),
// digest verification (a tampering proxy), an interrupted pull, and hostile layers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN, Minidock } from '../helpers/cli.js';
import {
  buildLayout,
  busyboxEntries,
  mdAsync,
  mdIn,
  push,
  startProxy,
  startRegistry,
  type BuiltLayout,
  type Registry,
} from '../helpers/registry.js';

const hostArch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
const otherArch = hostArch === 'amd64' ? 'arm64' : 'amd64';
const tag = randomBytes(4).toString('hex');
const marker = (what: string) => `/tmp/mdtest-${what}-${tag}`;

let reg: Registry;
let md: Minidock;
const roots: string[] = [];
const layouts: BuiltLayout[] = [];
const stops: (() => Promise<void>)[] = [];

function freshRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'mdtest-img-'));
  roots.push(r);
  return r;
}

function layerDirs(root: string): string[] {
  try {
    return readdirSync(join(root, 'images', 'layers'));
  } catch {
    return [];
  }
}

let multi: BuiltLayout;
let plat: BuiltLayout;

describe('pull from a real registry', () => {
  beforeAll(async () => {
    reg = await startRegistry();
    stops.push(() => reg.stop());
    md = new Minidock();
    multi = buildLayout('1', {
      layers: [
        { entries: busyboxEntries() },
        {
          entries: [
            { path: 'data', type: 'dir' },
            { path: 'data/a', type: 'dir' },
            { path: 'data/a/keep', type: 'file', data: 'kept\n' },
            { path: 'data/a/gone', type: 'file', data: 'deleted by the next layer\n' },
            { path: 'data/opq', type: 'dir' },
            { path: 'data/opq/old', type: 'file', data: 'hidden by an opaque dir\n' },
            { path: 'data/opq/sub', type: 'dir' },
            { path: 'data/opq/sub/x', type: 'file', data: 'x\n' },
          ],
        },
        {
          compress: 'none',
          entries: [
            { path: 'data/a', type: 'dir' },
            { path: 'data/a/.wh.gone', type: 'file' },
            { path: 'data/opq', type: 'dir' },
            { path: 'data/opq/.wh..wh..opq', type: 'file' },
            { path: 'data/opq/new', type: 'file', data: 'new\n' },
          ],
        },
      ],
      config: {
        Env: ['PATH=/bin', 'FOO=bar'],
        WorkingDir: '/data',
        User: '1000:1000',
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: ['echo FOO=$FOO; pwd; id -u'],
        ExposedPorts: { '8080/tcp': {} },
      },
    });
    layouts.push(multi);
    push(multi, '1', `${reg.host}/multi:1`);
    plat = buildLayout('1', [
      { architecture: 'amd64', layers: [{ entries: [{ path: 'arch', type: 'file', data: 'amd64\n' }] }] },
      { architecture: 'arm64', variant: 'v8', layers: [{ entries: [{ path: 'arch', type: 'file', data: 'arm64\n' }] }] },
    ]);
    layouts.push(plat);
    push(plat, '1', `${reg.host}/plat:1`);
  });

  afterAll(async () => {
    md?.cleanup();
    for (const s of stops.reverse()) await s().catch(() => undefined);
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    for (const l of layouts) rmSync(l.dir, { recursive: true, force: true });
    for (const w of ['abs', 'through', 'same', 'dotdot', 'rel']) rmSync(marker(w), { recursive: true, force: true });
  });

  it('pulls a multi-layer image: plain progress lines, verified digests, layers unpacked once', () => {
    const ref = `${reg.host}/multi:1`;
    const r = mdIn(md.root, ['pull', ref]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      ['1: Pulling from multi', `Digest: ${multi.digest}`, `Status: Downloaded newer image for ${ref}`, ref, ''].join('\n'),
    );
    const img = multi.images[0]!;
    expect(mdIn(md.root, ['images', '-q', '--no-trunc']).stdout.trim()).toBe(img.id);
    const inspect = JSON.parse(mdIn(md.root, ['image', 'inspect', ref]).stdout)[0];
    expect(inspect.Id).toBe(img.id);
    expect(inspect.RepoTags).toEqual([ref]);
    expect(inspect.RepoDigests).toEqual([`${reg.host}/multi@${multi.digest}`]);
    expect(inspect.RootFS.Layers).toEqual(img.diffIds);
    expect(inspect.Config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(inspect.Architecture).toBe('amd64');
    expect(mdIn(md.root, ['images', '--digests']).stdout).toContain(multi.digest);
    // Every blob kept under its digest; every layer unpacked under its diffID.
    for (const d of [img.id, img.manifestDigest, ...img.layerDigests]) expect(existsSync(join(md.root, 'images/blobs/sha256', d.slice(7)))).toBe(true);
    expect(layerDirs(md.root).sort()).toEqual(img.diffIds.map((d) => d.slice(7)).sort());
    // Whiteouts are overlayfs whiteouts, the opaque dir has its xattr; no marker is left.
    const top = join(md.root, 'images/layers', img.diffIds[2]!.slice(7), 'diff');
    expect(statSync(join(top, 'data/a/gone')).isCharacterDevice()).toBe(true);
    expect(existsSync(join(top, 'data/a/.wh.gone'))).toBe(false);
    expect(existsSync(join(top, 'data/opq/.wh..wh..opq'))).toBe(false);
    const x = spawnSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(top, 'data/opq')], { encoding: 'utf8' });
    expect(x.stdout).toBe('y');
  });

  it('says "Image is up to date" on a second pull, downloading nothing', async () => {
    const px = await startProxy(reg.port, { auth: 'none' });
    stops.push(() => px.stop());
    const ref = `${reg.host}/multi:1`;
    const r = mdIn(md.root, ['pull', ref]);
    expect(r.stdout).toContain(`Status: Image is up to date for ${ref}`);
    // Through another host name (same content): layers already there are not fetched again.
    const r2 = await mdAsync(md.root, ['pull', `${px.host}/multi:1`]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(px.requests.filter((q) => q.path.includes('/blobs/') && !q.path.endsWith(multi.images[0]!.id))).toEqual([]);
    expect(mdIn(md.root, ['images', '-q']).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('runs a pulled image with its config: Entrypoint, Cmd, Env, WorkingDir, User; whiteouts and opaque dirs take effect', () => {
    const ref = `${reg.host}/multi:1`;
    const r = md.run(['run', '--rm', '--network', 'none', ref]);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 'FOO=bar\n/data\n1000\n' });
    const ls = md.run(['run', '--rm', '--network', 'none', ref, 'ls -a /data/a; echo --; ls -a /data/opq; cat /data/a/keep']);
    expect(ls.stdout).toBe('.\n..\nkeep\n--\n.\n..\nnew\nkept\n');
  });

  it('run pulls a missing image, saying so on stderr first', () => {
    const root = freshRoot();
    const ref = `${reg.host}/multi:1`;
    const r = mdIn(root, ['run', '--rm', '--network', 'none', ref, 'cat /data/a/keep']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`Unable to find image '${ref}' locally`);
    expect(r.stderr).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(r.stdout).toBe('kept\n');
  });

  it('pulls by digest (verified) and records the digest reference, no tag', () => {
    const root = freshRoot();
    const ref = `${reg.host}/multi@${multi.digest}`;
    const r = mdIn(root, ['pull', ref]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${multi.digest}: Pulling from multi`);
    const inspect = JSON.parse(mdIn(root, ['image', 'inspect', ref]).stdout)[0];
    expect(inspect.RepoTags).toEqual([]);
    expect(inspect.RepoDigests).toEqual([ref]);
    const bad = mdIn(root, ['pull', `${reg.host}/multi@sha256:${'0'.repeat(64)}`]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/not found|manifest unknown/);
  });

  it('chooses the host platform from an image index; --platform picks another', () => {
    const root = freshRoot();
    const r = mdIn(root, ['pull', `${reg.host}/plat:1`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Digest: ${plat.digest}`);
    const host = plat.images.find((i) => i.architecture === hostArch)!;
    const other = plat.images.find((i) => i.architecture === otherArch)!;
    const inspect = JSON.parse(mdIn(root, ['image', 'inspect', `${reg.host}/plat:1`]).stdout)[0];
    expect(inspect.Id).toBe(host.id);
    expect(inspect.Architecture).toBe(hostArch);
    expect(inspect.RepoDigests).toEqual([`${reg.host}/plat@${plat.digest}`]);
    expect(readFileSync(join(root, 'images/layers', host.diffIds[0]!.slice(7), 'diff/arch'), 'utf8')).toBe(`${hostArch}\n`);

    const r2 = mdIn(root, ['pull', '--platform', `linux/${otherArch}`, `${reg.host}/plat:1`]);
    expect(r2.code, r2.stderr).toBe(0);
    const inspect2 = JSON.parse(mdIn(root, ['image', 'inspect', `${reg.host}/plat:1`]).stdout)[0];
    expect(inspect2.Id).toBe(other.id);
    expect(inspect2.Architecture).toBe(otherArch);
    const none = mdIn(root, ['pull', '--platform', 'linux/s390x', `${reg.host}/plat:1`]);
    expect(none.code).toBe(125);
    expect(none.stderr).toMatch(/no matching manifest for linux\/s390x/);
  });

  it('shows per-layer and total progress on a terminal, redrawn with cursor moves', () => {
    const root = freshRoot();
    const cmd = `MINIDOCK_ROOT=${root} ${process.execPath} ${BIN} pull ${reg.host}/multi:1`;
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toContain('1: Pulling from multi');
    expect(out).toMatch(/\x1b\[\d+A/); // cursor up: the block is redrawn in place
    for (const d of multi.images[0]!.layerDigests) expect(out).toContain(`${d.slice(7, 19)}: Pull complete`);
    expect(out).toMatch(/Total: 3\/3 layers/);
    expect(out).toContain(`Status: Downloaded newer image for ${reg.host}/multi:1`);
  });

  it('-q prints only the reference', () => {
    const root = freshRoot();
    expect(mdIn(root, ['pull', '-q', `${reg.host}/multi:1`]).stdout).toBe(`${reg.host}/multi:1\n`);
  });

  it('fails clearly for a missing repository or tag, and an unreachable registry', () => {
    const root = freshRoot();
    const r = mdIn(root, ['pull', `${reg.host}/multi:nope`]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/manifest for .*multi:nope not found/);
    const r2 = mdIn(root, ['pull', '127.0.0.1:1/x:y']);
    expect(r2.code).toBe(125);
    expect(r2.stderr).toMatch(/cannot reach registry 127\.0\.0\.1:1/);
    expect(readdirSync(root).filter((n) => n === 'images').length <= 1).toBe(true);
    expect(mdIn(root, ['images', '-q']).stdout).toBe('');
  });

  describe('authentication', () => {
    it('anonymous bearer token: 401 challenge -> token with the repository scope -> retry', async () => {
      const px = await startProxy(reg.port, { auth: 'bearer' });
      stops.push(() => px.stop());
      const root = freshRoot();
      const r = await mdAsync(root, ['pull', `${px.host}/multi:1`]);
      expect(r.code, r.stderr).toBe(0);
      expect(px.tokenRequests.length).toBeGreaterThanOrEqual(1);
      expect(px.tokenRequests[0]).toEqual({ scope: ['repository:multi:pull'], service: 'minidock-test', basic: undefined });
      // GET /v2/ (plain HTTP probe of a loopback registry), then the challenge on the manifest
      expect(px.requests.slice(0, 2)).toEqual([
        { path: '/v2/', auth: undefined },
        { path: '/v2/multi/manifests/1', auth: undefined },
      ]);
      expect(px.requests.slice(2).every((q) => q.auth === 'Bearer')).toBe(true);
      expect(px.requests.filter((q) => q.path.includes('/blobs/')).length).toBe(4); // config + 3 layers
    });

    it('bearer token with credentials: refused anonymously, login stores them (0600), pull sends them, logout removes them', async () => {
      const px = await startProxy(reg.port, { auth: 'bearer', user: 'alice', password: 's3cret' });
      stops.push(() => px.stop());
      const root = freshRoot();
      const anon = await mdAsync(root, ['pull', `${px.host}/multi:1`]);
      expect(anon.code).toBe(125);
      expect(anon.stderr).toMatch(/unauthorized|authentication required/);

      const wrong = await mdAsync(root, ['login', '-u', 'alice', '--password-stdin', px.host], { input: 'nope\n' });
      expect(wrong.code).toBe(125);
      expect(existsSync(join(root, 'auth.json'))).toBe(false);

      const ok = await mdAsync(root, ['login', '-u', 'alice', '--password-stdin', px.host], { input: 's3cret\n' });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toBe('Login Succeeded\n');
      const file = join(root, 'auth.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ auths: { [px.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } });

      const pulled = await mdAsync(root, ['pull', `${px.host}/multi:1`]);
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(px.tokenRequests.at(-1)!.basic).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);

      const out = await mdAsync(root, ['logout', px.host]);
      expect(out.stdout).toBe(`Removing login credentials for ${px.host}\n`);
      expect(JSON.parse(readFileSync(file, 'utf8')).auths).toEqual({});
    });

    it('Basic auth, credentials from the environment', async () => {
      const px = await startProxy(reg.port, { auth: 'basic', user: 'bob', password: 'pw' });
      stops.push(() => px.stop());
      const root = freshRoot();
      const anon = await mdAsync(root, ['pull', `${px.host}/multi:1`]);
      expect(anon.code).toBe(125);
      expect(anon.stderr).toMatch(/pull access denied|unauthorized/);
      const bad = await mdAsync(root, ['pull', `${px.host}/multi:1`], { env: { MINIDOCK_REGISTRY_USER: 'bob', MINIDOCK_REGISTRY_PASSWORD: 'wrong' } });
      expect(bad.code).toBe(125);
      const r = await mdAsync(root, ['pull', `${px.host}/multi:1`], { env: { MINIDOCK_REGISTRY_USER: 'bob', MINIDOCK_REGISTRY_PASSWORD: 'pw' } });
      expect(r.code, r.stderr).toBe(0);
      expect(px.requests.filter((q) => q.path.includes('/blobs/')).every((q) => q.auth === 'Basic')).toBe(true);
    });
  });

  describe('verification', () => {
    let victim: BuiltLayout;
    beforeAll(() => {
      victim = buildLayout('1', {
        layers: [
          { entries: [{ path: 'a', type: 'file', data: 'first layer\n' }] },
          { compress: 'none', entries: [{ path: 'payload', type: 'file', data: 'ORIGINAL-CONTENT\n' }] },
        ],
      });
      layouts.push(victim);
      push(victim, '1', `${reg.host}/victim:1`);
    });

    function noTraces(root: string, digest: string, diffId: string): void {
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
      expect(existsSync(join(root, 'images/blobs/sha256', digest.slice(7)))).toBe(false);
      expect(existsSync(join(root, 'images/layers', diffId.slice(7)))).toBe(false);
    }

    it('refuses a layer whose content does not match its digest, and stores nothing of it', async () => {
      const bad = victim.images[0]!.layerDigests[1]!;
      const px = await startProxy(reg.port, {
        auth: 'none',
        tamper: { path: new RegExp(bad), from: Buffer.from('ORIGINAL-CONTENT'), to: Buffer.from('TAMPERED-CONTENT') },
      });
      stops.push(() => px.stop());
      const root = freshRoot();
      const r = await mdAsync(root, ['pull', `${px.host}/victim:1`]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(new RegExp(`filesystem layer verification failed for digest ${bad}`));
      noTraces(root, bad, victim.images[0]!.diffIds[1]!);
      expect(readdirSync(join(root, 'images/layers')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
      // The honest registry still works, and the good layer pulled before is reused.
      const ok = mdIn(root, ['pull', `${reg.host}/victim:1`]);
      expect(ok.code, ok.stderr).toBe(0);
    });

    it('refuses a tampered image config', async () => {
      const cfg = victim.images[0]!.id;
      const px = await startProxy(reg.port, { auth: 'none', tamper: { path: new RegExp(cfg), from: Buffer.from('minidock test'), to: Buffer.from('minidock TEST') } });
      stops.push(() => px.stop());
      const root = freshRoot();
      const r = await mdAsync(root, ['pull', `${px.host}/victim:1`]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/blob verification failed/);
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
    });

    it('an interrupted pull leaves no image; the next pull finishes cleanly', async () => {
      const big = buildLayout('1', {
        layers: [
          { entries: [{ path: 'small', type: 'file', data: 'small\n' }] },
          { compress: 'none', entries: [{ path: 'big', type: 'file', data: randomBytes(3 << 20) }] },
        ],
      });
      layouts.push(big);
      push(big, '1', `${reg.host}/big:1`);
      const bigDigest = big.images[0]!.layerDigests[1]!;
      const px = await startProxy(reg.port, { auth: 'none', stall: { path: new RegExp(bigDigest), after: 1 << 20 } });
      stops.push(() => px.stop());
      const root = freshRoot();
      const child = spawn(process.execPath, [BIN, 'pull', `${px.host}/big:1`], { env: { ...process.env, MINIDOCK_ROOT: root }, stdio: 'ignore' });
      const until = Date.now() + 20_000;
      while (!px.requests.some((q) => q.path.includes(bigDigest)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      noTraces(root, bigDigest, big.images[0]!.diffIds[1]!);
      const r = mdIn(root, ['pull', `${reg.host}/big:1`]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(mdIn(root, ['image', 'inspect', `${reg.host}/big:1`]).stdout)[0].Id).toBe(big.images[0]!.id);
      expect(readdirSync(join(root, 'images/layers')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
      expect(readdirSync(join(root, 'images/blobs/sha256')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    });
  });

  describe('hostile layers', () => {
    function pushHostile(name: string, layers: Parameters<typeof buildLayout>[1]): string {
      const l = buildLayout('1', layers);
      layouts.push(l);
      push(l, '1', `${reg.host}/${name}:1`);
      return `${reg.host}/${name}:1`;
    }

    it('refuses ../ paths: nothing is written outside', () => {
      const ref = pushHostile('dotdot', { layers: [{ entries: [{ path: `../../../../../../..${marker('dotdot')}`, type: 'file', data: 'x' }] }] });
      const root = freshRoot();
      const r = mdIn(root, ['pull', ref]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/points outside the layer/);
      expect(existsSync(marker('dotdot'))).toBe(false);
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
      expect(layerDirs(root).filter((n) => !n.startsWith('.'))).toEqual([]);
    });

    it('makes absolute paths relative to the layer', () => {
      const ref = pushHostile('abs', { layers: [{ entries: [{ path: marker('abs'), type: 'file', data: 'inside\n' }] }] });
      const root = freshRoot();
      const r = mdIn(root, ['pull', ref]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(marker('abs'))).toBe(false);
      const [diff] = JSON.parse(mdIn(root, ['image', 'inspect', ref]).stdout)[0].GraphDriver.Data.LowerDir.split(':');
      expect(readFileSync(join(diff, marker('abs')), 'utf8')).toBe('inside\n');
    });

    it('refuses relative symlinks and hard links that point outside', () => {
      const root = freshRoot();
      const sym = pushHostile('relsym', { layers: [{ entries: [{ path: 'etc', type: 'symlink', linkname: '../../../../../../../../etc' }] }] });
      const r = mdIn(root, ['pull', sym]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/symlink "etc" -> .* points outside the layer/);
      const hard = pushHostile('hardout', { layers: [{ entries: [{ path: 'passwd', type: 'hardlink', linkname: '../../../../../../etc/passwd' }] }] });
      const r2 = mdIn(root, ['pull', hard]);
      expect(r2.code).toBe(125);
      expect(r2.stderr).toMatch(/hard link "passwd" .* points outside the layer/);
      const hardAbs = pushHostile('hardabs', { layers: [{ entries: [{ path: 'passwd', type: 'hardlink', linkname: '/etc/passwd' }] }] });
      const r3 = mdIn(root, ['pull', hardAbs]);
      expect(r3.code).toBe(125);
      expect(r3.stderr).toMatch(/target is not in this layer/);
      expect(mdIn(root, ['images', '-q']).stdout).toBe('');
    });

    it('refuses an entry written through a symlink of the same layer', () => {
      mkdirSync(marker('same'), { recursive: true });
      const ref = pushHostile('samelayer', {
        layers: [{ entries: [{ path: 's', type: 'symlink', linkname: marker('same') }, { path: 's/pwned', type: 'file', data: 'x' }] }],
      });
      const root = freshRoot();
      const r = mdIn(root, ['pull', ref]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/would be written through the symlink "s"/);
      expect(readdirSync(marker('same'))).toEqual([]);
    });

    it('a later layer writing through an earlier layer\'s symlink stays inside (overlay: the directory wins)', () => {
      mkdirSync(marker('through'), { recursive: true });
      const ref = pushHostile('through', {
        layers: [
          { entries: busyboxEntries() },
          { entries: [{ path: 'link', type: 'symlink', linkname: marker('through') }] },
          { entries: [{ path: 'link', type: 'dir' }, { path: 'link/pwned', type: 'file', data: 'inside the container\n' }] },
        ],
        config: { Env: ['PATH=/bin'] },
      });
      const r = mdIn(md.root, ['pull', ref]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(marker('through'))).toEqual([]);
      const run = md.run(['run', '--rm', '--network', 'none', ref, 'sh', '-c', 'cat /link/pwned; test -L /link && echo symlink || echo dir; echo escaped > /link/more']);
      expect(run.stdout).toBe('inside the container\ndir\n');
      expect(readdirSync(marker('through'))).toEqual([]);
    });

    it('skips device nodes and FIFOs', () => {
      const ref = pushHostile('devices', {
        layers: [
          {
            entries: [
              { path: 'dev', type: 'dir' },
              { path: 'dev/evil-mem', type: 'char', devmajor: 1, devminor: 1 },
              { path: 'dev/evil-disk', type: 'block', devmajor: 8, devminor: 0 },
              { path: 'fifo', type: 'fifo' },
              { path: 'ok', type: 'file', data: 'ok\n' },
            ],
          },
        ],
      });
      const root = freshRoot();
      const r = mdIn(root, ['pull', ref]);
      expect(r.code, r.stderr).toBe(0);
      const [diff] = JSON.parse(mdIn(root, ['image', 'inspect', ref]).stdout)[0].GraphDriver.Data.LowerDir.split(':');
      expect(readdirSync(join(diff, 'dev'))).toEqual([]);
      expect(existsSync(join(diff, 'fifo'))).toBe(false);
      expect(readFileSync(join(diff, 'ok'), 'utf8')).toBe('ok\n');
    });
  });
});
