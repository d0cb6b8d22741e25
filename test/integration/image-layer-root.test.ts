// Layer import as root (moved from test/unit, which runs as any user): owners, modes that only
// root can write through (a 0555 directory's contents), whiteout device nodes, trusted.*
// xattrs, and the overlayfs mount that shows what the layers mean.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureImage, importLayer, layerDir } from '../../src/engine/image/store.js';
import { makeOpaque } from '../../src/engine/image/layer.js';
import { buildTar } from '../../src/engine/image/tarwriter.js';
import { dir, file, leftovers, sha, useTempStore, walk } from '../helpers/layer-store.js';

let root = '';
useTempStore((r) => (root = r));

describe('importLayer (root)', () => {
  it('unpacks files, modes, owners, symlinks and hard links; digests the blob and the tar', async () => {
    const tar = buildTar([
      dir('bin'),
      file('bin/tool', '#!/bin/sh\n', { mode: 0o4755, uid: 1000, gid: 1000 }),
      { path: 'bin/alias', type: 'hardlink', linkname: 'bin/tool' },
      { path: 'bin/sh', type: 'symlink', linkname: '/bin/tool', mode: 0o777 },
      dir('ro', { mode: 0o555 }),
      file('ro/f'),
      dir('tmp', { mode: 0o1777 }),
      file('g', 'g', { mode: 0o664 }),
    ]);
    const info = await importLayer(tar);
    expect(info.diffId).toBe(sha(tar));
    expect(info.digest).toBe(sha(tar));
    expect(info.dir).toBe(layerDir(info.diffId));
    const d = info.dir;
    const tool = statSync(join(d, 'bin/tool'));
    expect(tool.mode & 0o7777).toBe(0o4755); // setuid survives the chown
    expect([tool.uid, tool.gid]).toEqual([1000, 1000]);
    expect(tool.nlink).toBe(2);
    expect(statSync(join(d, 'bin/alias')).ino).toBe(tool.ino);
    expect(lstatSync(join(d, 'bin/sh')).isSymbolicLink()).toBe(true);
    expect(statSync(join(d, 'ro')).mode & 0o7777).toBe(0o555);
    expect(statSync(join(d, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(d, 'g')).mode & 0o7777).toBe(0o664); // no umask applied
    expect(statSync(join(d, 'ro')).mtimeMs).toBe(1700000000 * 1000);
    expect(readFileSync(join(d, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\n');
    expect(existsSync(join(root, 'images', 'blobs', 'sha256', info.digest.slice(7)))).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});

describe('whiteouts', () => {
  const lower = buildTar([
    dir('a'),
    file('a/keep'),
    file('a/gone'),
    dir('o'),
    file('o/old1'),
    dir('o/sub'),
    file('o/sub/old2'),
    file('top'),
    dir('d'),
    file('d/inside'),
  ]);
  const upper = buildTar([
    dir('a'),
    file('a/.wh.gone', ''),
    dir('o'),
    file('o/.wh..wh..opq', ''),
    file('o/new'),
    file('.wh.top', ''),
    file('.wh.d', ''),
    file('b/.wh.nothing', ''), // parent not in the layer: created
    file('same'),
    file('.wh.same', ''), // a file of the same name in the same layer wins
  ]);

  it('become overlayfs whiteouts; the markers never appear', async () => {
    const lo = await importLayer(lower);
    const up = await importLayer(upper);
    const names = walk(up.dir);
    expect(names.filter((n) => n.split('/').some((c) => c.startsWith('.wh.')))).toEqual([]);
    for (const w of ['a/gone', 'top', 'd', 'b/nothing']) {
      const st = lstatSync(join(up.dir, w));
      expect(st.isCharacterDevice(), w).toBe(true);
      expect(st.rdev, w).toBe(0);
    }
    expect(lstatSync(join(up.dir, 'same')).isFile()).toBe(true);
    expect(lstatSync(join(up.dir, 'o')).isDirectory()).toBe(true);

    // The real test: overlayfs sees what the image means.
    const mnt = mkdtempSync(join(root, 'mnt-'));
    for (const s of ['upper', 'work', 'merged']) mkdirSync(join(mnt, s));
    const merged = join(mnt, 'merged');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${up.dir}:${lo.dir},upperdir=${mnt}/upper,workdir=${mnt}/work`, merged]);
    try {
      expect(readdirSync(join(merged, 'a')).sort()).toEqual(['keep']);
      expect(readdirSync(join(merged, 'o')).sort()).toEqual(['new']); // opaque: lower o/old1, o/sub hidden
      expect(existsSync(join(merged, 'top'))).toBe(false);
      expect(existsSync(join(merged, 'd'))).toBe(false);
      // A whiteout that hides nothing (its directory is only in this layer) cannot be looked
      // up; overlayfs (as with Docker) still lists it in a directory that is not merged.
      expect(existsSync(join(merged, 'b/nothing'))).toBe(false);
      expect(readFileSync(join(merged, 'same'), 'utf8')).toBe('same');
      expect(walk(merged).filter((n) => n.includes('.wh.'))).toEqual([]);
      expect(walk(merged).filter((n) => lstatSync(join(merged, n)).isCharacterDevice())).toEqual([]);
    } finally {
      execFileSync('umount', [merged]);
    }
  });
});

describe('opaque directories', () => {
  const xattr = (p: string): string =>
    execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', p], { encoding: 'utf8' });
  it('are marked with setfattr', async () => {
    const d = mkdtempSync(join(root, 'o-'));
    await makeOpaque([d], 'setfattr');
    expect(xattr(d)).toBe('y');
  });
  it('are marked without setfattr (perl fallback)', async () => {
    const d = mkdtempSync(join(root, 'o-'));
    await makeOpaque([d], 'perl');
    expect(xattr(d)).toBe('y');
  });
});

describe('builtin busybox (root)', () => {
  it('its binary runs in the layer (chroot)', async () => {
    const img = await ensureImage('busybox');
    const out = execFileSync('chroot', [img.layerDirs[0]!, '/bin/sh', '-c', 'echo hello from $(basename $0)'], { encoding: 'utf8' });
    expect(out).toBe('hello from sh\n');
  });
});
