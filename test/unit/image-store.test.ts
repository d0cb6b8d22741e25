// The image store's index and the builtin busybox image.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addImage,
  ensureImage,
  listImages,
  readImageConfig,
  resolveImage,
  tagImage,
  type ImageRecord,
} from '../../src/engine/image/store.js';
import { buildBusyboxLayer, elfIsDynamic } from '../../src/engine/image/builtin.js';
import { UserError } from '../../src/errors.js';
import { useTempStore } from '../helpers/layer-store.js';

const haveBusybox = existsSync('/bin/busybox');

let root = '';
useTempStore((r) => (root = r));

async function rejection(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a rejection');
}

describe('builtin busybox', () => {
  it('is deterministic: same layer bytes, same image id in two stores', async () => {
    const a = await buildBusyboxLayer();
    const b = await buildBusyboxLayer();
    expect(a.tar.equals(b.tar)).toBe(true);

    const first = await ensureImage('busybox');
    const root2 = mkdtempSync(join(tmpdir(), 'minidock-store-'));
    try {
      process.env.MINIDOCK_ROOT = root2;
      const second = await ensureImage('busybox:latest');
      expect(second.id).toBe(first.id);
      expect(second.layers).toEqual(first.layers);
      expect(second.digest).toBe(first.digest);
      expect(second.layerDirs[0]!.startsWith(root2)).toBe(true);
    } finally {
      process.env.MINIDOCK_ROOT = root;
      rmSync(root2, { recursive: true, force: true });
    }
    expect(first.layers).toEqual([a.diffId]);
  });

  it('is a real image: config, tags, one layer of hard-linked applets', async () => {
    const img = await ensureImage('busybox');
    expect(img.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(img.repoTags).toEqual(['busybox:latest']);
    expect(img.repoDigests).toEqual([`busybox@${img.digest}`]);
    expect(img.config.os).toBe('linux');
    expect(img.config.architecture).toBe(process.arch === 'x64' ? 'amd64' : expect.any(String));
    expect(img.config.config?.Cmd).toEqual(['sh']);
    expect(img.config.config?.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(img.config.rootfs.diff_ids).toEqual(img.layers);
    expect(readImageConfig(img.id).config?.Cmd).toEqual(['sh']);
    expect(img.layerDirs).toHaveLength(1);
    expect(img.size).toBeGreaterThan(500_000);

    const d = img.layerDirs[0]!;
    const bb = statSync(join(d, 'bin/busybox'));
    const applets = readdirSync(join(d, 'bin'));
    expect(applets).toContain('sh');
    expect(applets).toContain('ls');
    expect(applets.length).toBeGreaterThan(100);
    expect(bb.nlink).toBe(applets.length); // every applet is a hard link to bin/busybox
    for (const a of ['sh', 'ls', 'true', '[']) expect(statSync(join(d, 'bin', a)).ino).toBe(bb.ino);
    expect(bb.mode & 0o7777).toBe(0o755);
    expect(statSync(join(d, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(d, 'root')).mode & 0o7777).toBe(0o700);
    expect(readFileSync(join(d, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:root:\/root:\/bin\/sh\n/);
    expect(readFileSync(join(d, 'etc/passwd'), 'utf8')).toMatch(/^nobody:x:65534:65534:/m);
    expect(readFileSync(join(d, 'etc/group'), 'utf8')).toMatch(/^nobody:x:65534:$/m);
    for (const p of ['dev', 'proc', 'sys', 'usr/sbin', 'var', 'home']) expect(lstatSync(join(d, p)).isDirectory()).toBe(true);

    // The blob is a plain tar that GNU tar reads, with the same hard links.
    const blob = join(root, 'images', 'blobs', 'sha256', img.layers[0]!.slice(7));
    const list = execFileSync('tar', ['-tvf', blob], { encoding: 'utf8' });
    expect(list).toMatch(/^hrwxr-xr-x 0\/0 +0 2024-01-01 00:00 bin\/sh link to bin\/busybox$/m);
    // (that the binary runs in it needs root: test/integration/image-layer-root.test.ts)
  });

  it('is rebuilt when its layer directory has gone', async () => {
    const img = await ensureImage('busybox');
    rmSync(join(img.layerDirs[0]!, '..'), { recursive: true });
    const again = await ensureImage('busybox');
    expect(again.id).toBe(img.id);
    expect(existsSync(again.layerDirs[0]!)).toBe(true);
  });

  it('is built once when many ask at the same time', async () => {
    const all = await Promise.all([ensureImage('busybox'), ensureImage('busybox'), ensureImage('busybox:latest')]);
    expect(new Set(all.map((i) => i.id)).size).toBe(1);
    expect(listImages()).toHaveLength(1);
    expect(readdirSync(join(root, 'images', 'layers'))).toHaveLength(1);
  });

  it('resolves by name, tag, digest, full id and id prefix', async () => {
    const img = await ensureImage('busybox');
    const hex = img.id.slice(7);
    for (const ref of [
      'busybox',
      'busybox:latest',
      'library/busybox',
      'docker.io/library/busybox:latest',
      'index.docker.io/library/busybox',
      `busybox@${img.digest}`,
      img.id,
      hex,
      hex.slice(0, 12),
      `sha256:${hex.slice(0, 12)}`,
      hex.slice(0, 4),
    ]) {
      expect((await resolveImage(ref))?.id, ref).toBe(img.id);
    }
    for (const ref of ['nginx', 'busybox:1.36', 'localhost:5000/busybox', `sha256:${'0'.repeat(64)}`, '0000000']) {
      expect(await resolveImage(ref), ref).toBeUndefined();
    }
    const bad = await rejection(resolveImage('Foo'));
    expect(bad.message).toBe('invalid reference format: "Foo" (repository name must be lowercase)');
  });

  it('tags', async () => {
    const img = await ensureImage('busybox');
    const t = await tagImage('busybox', 'localhost:5000/x/y:t');
    expect(t.repoTags).toEqual(['busybox:latest', 'localhost:5000/x/y:t']);
    expect((await resolveImage('localhost:5000/x/y:t'))?.id).toBe(img.id);
    expect(await rejection(tagImage('nothere', 'a:b'))).toMatchObject({ message: 'Error response from daemon: No such image: nothere:latest', exitCode: 1 });
  });

  it('moves a tag to a newer image and reports ambiguous id prefixes', async () => {
    const bb = await ensureImage('busybox');
    const made: ImageRecord[] = [];
    // 17 distinct images: at least two share their first hex digit.
    for (let i = 0; i < 17; i++) {
      const cfg = { ...bb.config, created: `2025-01-01T00:00:${String(i).padStart(2, '0')}Z` };
      made.push(await addImage({ config: JSON.stringify(cfg), tags: [`test:${i}`] }));
    }
    expect(listImages()).toHaveLength(18);
    expect(listImages()[0]!.id).toBe(made[16]!.id); // newest first
    const moved = await addImage({ config: JSON.stringify({ ...bb.config, created: '2026-01-01T00:00:00Z' }), tags: ['test:0'] });
    expect(moved.repoTags).toEqual(['test:0']);
    expect((await resolveImage(made[0]!.id))!.repoTags).toEqual([]);
    const byFirst = new Map<string, number>();
    for (const i of listImages()) byFirst.set(i.id[7]!, (byFirst.get(i.id[7]!) ?? 0) + 1);
    const shared = [...byFirst.entries()].find(([, n]) => n > 1)![0];
    expect((await rejection(resolveImage(shared))).message).toMatch(/ambiguous image id prefix/);
  });

  it('resolveImage of an existing image is cheap', async () => {
    await ensureImage('busybox');
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await resolveImage('busybox');
      await ensureImage('busybox');
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[25]!;
    console.log(`resolveImage+ensureImage median ${median.toFixed(3)} ms`);
    expect(median).toBeLessThan(5);
  });
});

describe('missing images', () => {
  it('ensureImage of anything but the builtin is pulled (here: an unreachable loopback registry)', async () => {
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stderr.write;
    let e: UserError;
    try {
      e = await rejection(ensureImage('127.0.0.1:1/x/y:t'));
    } finally {
      process.stderr.write = orig;
    }
    expect(writes[0]).toBe("Unable to find image '127.0.0.1:1/x/y:t' locally\n");
    expect(e.message).toMatch(/^cannot reach registry 127\.0\.0\.1:1/);
    expect(e.exitCode).toBe(125);
    expect((await rejection(ensureImage(`sha256:${'0'.repeat(64)}`))).message).toMatch(/^No such image/);
    expect((await rejection(ensureImage('Foo'))).message).toMatch(/^invalid reference format/);
    expect(listImages()).toEqual([]);
  });

  it('addImage refuses a config whose layers are not in the store', async () => {
    const cfg = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'1'.repeat(64)}`] } };
    expect((await rejection(addImage({ config: JSON.stringify(cfg), tags: ['x'] }))).message).toMatch(/not in the store/);
    expect((await rejection(addImage({ config: '{nope', tags: ['x'] }))).message).toMatch(/not JSON/);
  });

  it('a missing or dynamic busybox tells what to install', async () => {
    const e = await rejection(buildBusyboxLayer('/nonexistent/busybox'));
    expect(e.message).toMatch(/apt-get install busybox-static/);
    const dyn = await rejection(buildBusyboxLayer('/bin/ls'));
    expect(dyn.message).toMatch(/dynamically linked.*busybox-static/);
    expect(elfIsDynamic(readFileSync('/bin/ls'))).toBe(true);
    expect(haveBusybox, '/bin/busybox (busybox-static, which the builtin image is made of) is installed').toBe(true);
    expect(elfIsDynamic(readFileSync('/bin/busybox'))).toBe(false);
  });
});
