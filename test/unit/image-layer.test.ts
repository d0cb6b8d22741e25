// Layer import as any user: entry planning, hostile tarballs, digests, atomicity, concurrency.
// What needs root (owners, whiteout devices, trusted.* xattrs, overlayfs) is in
// test/integration/image-layer-root.test.ts.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { importLayer, hasLayer } from '../../src/engine/image/store.js';
import { planEntry, cleanPath, LayerError } from '../../src/engine/image/layer.js';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';
import { dir, file, leftovers, sha, useTempStore, walk } from '../helpers/layer-store.js';
import { UserError } from '../../src/errors.js';

let root = '';
useTempStore((r) => (root = r));

describe('planEntry / cleanPath', () => {
  it.each([
    ['a/b', 'a/b'],
    ['./a/b/', 'a/b'],
    ['/etc/passwd', 'etc/passwd'],
    ['//etc//passwd', 'etc/passwd'],
    ['/../../etc/passwd', 'etc/passwd'],
    ['a/../b', 'b'],
    ['.', ''],
    ['./', ''],
    ['..', null],
    ['../x', null],
    ['a/../../x', null],
    ['a\0b', null],
  ])('cleanPath(%j) = %j', (input, want) => {
    expect(cleanPath(input)).toBe(want);
  });

  it('turns whiteout markers into records, never into files', () => {
    expect(planEntry({ path: 'etc/.wh.passwd', type: 'File' })).toEqual({ op: 'whiteout', rel: 'etc/passwd' });
    expect(planEntry({ path: '.wh.top', type: 'File' })).toEqual({ op: 'whiteout', rel: 'top' });
    expect(planEntry({ path: 'var/lib/.wh..wh..opq', type: 'File' })).toEqual({ op: 'opaque', rel: 'var/lib' });
    expect(planEntry({ path: '.wh..wh..opq', type: 'File' })).toEqual({ op: 'opaque', rel: '' });
    expect(planEntry({ path: '.wh..wh.plnk/123', type: 'File' }).op).toBe('file'); // a file inside an AUFS dir...
    expect(planEntry({ path: '.wh..wh.plnk', type: 'Directory' }).op).toBe('skip'); // ...whose dir is dropped
    expect(() => planEntry({ path: 'a/.wh...', type: 'File' })).toThrow(LayerError);
  });

  it('refuses escapes and neutralises devices', () => {
    expect(() => planEntry({ path: '../x', type: 'File' })).toThrow(/outside the layer/);
    expect(() => planEntry({ path: 'a', type: 'SymbolicLink', linkpath: '../../x' })).toThrow(/outside the layer/);
    expect(planEntry({ path: 'a/b', type: 'SymbolicLink', linkpath: '../x' })).toEqual({ op: 'symlink', rel: 'a/b', target: '../x' });
    expect(planEntry({ path: 'a', type: 'SymbolicLink', linkpath: '/etc/passwd' }).op).toBe('symlink');
    expect(() => planEntry({ path: 'h', type: 'Link', linkpath: '../etc/passwd' })).toThrow(/outside the layer/);
    expect(planEntry({ path: 'h', type: 'Link', linkpath: '/bin/sh' })).toEqual({ op: 'hardlink', rel: 'h', target: 'bin/sh' });
    expect(planEntry({ path: 'dev/sda', type: 'BlockDevice' }).op).toBe('skip');
    expect(planEntry({ path: 'dev/null', type: 'CharacterDevice' }).op).toBe('skip');
    expect(planEntry({ path: 'p', type: 'FIFO' }).op).toBe('skip');
    expect(() => planEntry({ path: './', type: 'File' })).toThrow(/layer root/);
  });
});

describe('importLayer', () => {
  it('imports gzip layers: blob digest of the gzip, diffID of the tar', async () => {
    const tar = buildTar([dir('a'), file('a/x', 'hello')]);
    const gz = gzipSync(tar);
    const info = await importLayer(Readable.from([gz.subarray(0, 10), gz.subarray(10)]), { digest: sha(gz), diffId: sha(tar) });
    expect(info.digest).toBe(sha(gz));
    expect(info.diffId).toBe(sha(tar));
    expect(readFileSync(join(info.dir, 'a/x'), 'utf8')).toBe('hello');
  });

  it('accepts the empty layer', async () => {
    const tar = Buffer.alloc(1024);
    const info = await importLayer(tar);
    expect(readdirSync(info.dir)).toEqual([]);
  });

  it('refuses a digest mismatch and leaves nothing behind', async () => {
    const tar = buildTar([file('x')]);
    await expect(importLayer(tar, { digest: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(/digest mismatch/);
    await expect(importLayer(tar, { diffId: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(/diffID mismatch/);
    expect(hasLayer(sha(tar))).toBe(false);
    expect(readdirSync(join(root, 'images', 'blobs', 'sha256'))).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('an interrupted import leaves no half layer', async () => {
    const tar = buildTar([dir('a'), file('a/big', 'x'.repeat(100_000)), file('a/after')]);
    async function* broken(): AsyncGenerator<Buffer> {
      yield tar.subarray(0, 70_000);
      throw new Error('connection reset');
    }
    await expect(importLayer(Readable.from(broken()))).rejects.toThrow(/connection reset/);
    expect(hasLayer(sha(tar))).toBe(false);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(join(root, 'images', 'layers'))).toEqual([]);
    // and a truncated archive (the stream just ends) is refused as well
    await expect(importLayer(tar.subarray(0, 70_000))).rejects.toThrow(LayerError);
    expect(leftovers()).toEqual([]);
  });

  it('refuses garbage', async () => {
    await expect(importLayer(Buffer.from('this is not a tar archive at all'.repeat(40)))).rejects.toThrow(/not a valid tar/);
    expect(leftovers()).toEqual([]);
  });

  it('unpacks a layer once, even when imported concurrently', async () => {
    const tar = buildTar([dir('a'), file('a/x')]);
    const diffId = sha(tar);
    const all = await Promise.all([importLayer(tar), importLayer(tar), importLayer(tar, { diffId }), importLayer(tar, { diffId })]);
    expect(new Set(all.map((i) => i.dir)).size).toBe(1);
    expect(readdirSync(join(root, 'images', 'layers'))).toEqual([diffId.slice(7)]);
    expect(leftovers()).toEqual([]);
    // A known layer is reused without reading (let alone unpacking) the source again.
    const again = await importLayer(Readable.from([Buffer.from('garbage')]), { diffId });
    expect(again.dir).toBe(all[0]!.dir);
  });

  it('stale stages of dead importers are swept', async () => {
    const stale = join(root, 'images', 'layers', '.tmp-999999999-abc');
    mkdirSync(join(stale, 'diff'), { recursive: true });
    await importLayer(buildTar([file('x')]));
    expect(existsSync(stale)).toBe(false);
  });
});

describe('hostile layers', () => {
  /** Imports a crafted layer; returns the error, and checks nothing escaped and nothing was left. */
  async function hostile(entries: TarEntry[]): Promise<unknown> {
    const sentinel = join(root, 'outside');
    let err: unknown;
    try {
      await importLayer(buildTar(entries));
    } catch (e) {
      err = e;
    }
    expect(existsSync(sentinel)).toBe(false);
    expect(walk(root).filter((n) => /evil/.test(n) && !n.includes('/diff/'))).toEqual([]);
    expect(leftovers()).toEqual([]);
    return err;
  }

  it.each<[string, TarEntry[]]>([
    ['a ../ path', [file('../../../../outside', 'evil')]],
    ['a path that climbs out in the middle', [dir('a'), file('a/../../../../../outside', 'evil')]],
    ['a relative symlink pointing out', [{ path: 'up', type: 'symlink', linkname: '../../../../..' }]],
    ['a write through a symlink', [{ path: 'l', type: 'symlink', linkname: '/' }, file('l/outside', 'evil')]],
    ['a dir through a symlink', [{ path: 'l', type: 'symlink', linkname: '/tmp' }, dir('l/evil')]],
    ['a hard link out', [{ path: 'h', type: 'hardlink', linkname: '../../../../etc/passwd' }]],
    ['a hard link through a symlink', [{ path: 'l', type: 'symlink', linkname: '/etc' }, { path: 'h', type: 'hardlink', linkname: 'l/passwd' }]],
    ['a hard link to a file not in the layer', [{ path: 'h', type: 'hardlink', linkname: '/etc/passwd' }]],
    ['a file replacing the root', [file('./', 'evil')]],
    ['a file under a file', [file('f'), file('f/evil')]],
  ])('refuses %s', async (_name, entries) => {
    const err = await hostile(entries);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(125);
    expect((err as Error).message).toMatch(/^invalid layer: /);
  });

  it('neutralises absolute paths, device nodes and FIFOs', async () => {
    const tar = buildTar([
      file('/etc/evil-abs', 'x'),
      { path: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 },
      { path: 'dev/mem', type: 'char', devmajor: 1, devminor: 1 },
      { path: 'fifo', type: 'fifo' },
      { path: 'abs-link', type: 'symlink', linkname: '/etc/passwd' },
    ]);
    const info = await importLayer(tar);
    expect(readFileSync(join(info.dir, 'etc/evil-abs'), 'utf8')).toBe('x');
    expect(existsSync('/etc/evil-abs')).toBe(false);
    expect(existsSync(join(info.dir, 'dev/sda'))).toBe(false);
    expect(existsSync(join(info.dir, 'dev/mem'))).toBe(false);
    expect(existsSync(join(info.dir, 'fifo'))).toBe(false);
    expect(info.skipped.sort()).toEqual(['dev/mem (device node)', 'dev/sda (device node)', 'fifo (FIFO)']);
    expect(lstatSync(join(info.dir, 'abs-link')).isSymbolicLink()).toBe(true);
  });

  it('replaces a symlink by a directory instead of following it', async () => {
    // The link points at a directory of this test's own (absolute), so "followed" is seen there.
    const target = mkdtempSync(join(root, 'target-'));
    const info = await importLayer(buildTar([{ path: 'd', type: 'symlink', linkname: target }, dir('d'), file('d/x')]));
    expect(lstatSync(join(info.dir, 'd')).isDirectory()).toBe(true);
    expect(readFileSync(join(info.dir, 'd/x'), 'utf8')).toBe('d/x');
    expect(readdirSync(target)).toEqual([]);
  });

  it('a symlink in a lower layer is not followed by a later layer', async () => {
    await importLayer(buildTar([{ path: 'l', type: 'symlink', linkname: '/' }]));
    const info = await importLayer(buildTar([dir('l'), file('l/evil-through', 'x')]));
    expect(readFileSync(join(info.dir, 'l/evil-through'), 'utf8')).toBe('x');
    expect(existsSync('/evil-through')).toBe(false);
  });
});

describe('external tools agree', () => {
  it('GNU tar reads what the tar writer writes', () => {
    const d = mkdtempSync(join(root, 'gnutar-'));
    const t = join(d, 'l.tar');
    writeFileSync(t, buildTar([dir('a'), file('a/x', 'hello'), { path: 'a/h', type: 'hardlink', linkname: 'a/x' }, { path: 'a/s', type: 'symlink', linkname: 'x' }]));
    const list = execFileSync('tar', ['-tvf', t], { encoding: 'utf8' });
    expect(list).toMatch(/a\/x/);
    expect(list).toMatch(/a\/h link to a\/x/);
    expect(list).toMatch(/a\/s -> x/);
  });
});
