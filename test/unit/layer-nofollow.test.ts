// Unpacking never changes anything through a symlink that an earlier entry of the layer planted
// (issue 11): directory times set at the end, a directory's chmod, whiteouts under a replaced
// directory, hard link targets. The "host" is a temporary directory outside the layer whose
// times and mode are checked afterwards. Pure filesystem work: runs as any user.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractTar, LayerError } from '../../src/engine/image/layer.js';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';
import { END, entry, pax } from '../helpers/tar-cases.js';

let tmp: string;
let host: string;
let layer: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mdtest-nofollow-'));
  host = join(tmp, 'host');
  layer = join(tmp, 'layer');
  mkdirSync(join(host, 'b'), { recursive: true });
  writeFileSync(join(host, 'x'), 'host file\n');
  chmodSync(host, 0o751);
  for (const p of [host, join(host, 'b'), join(host, 'x')]) utimesSync(p, 12345, 12345);
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const dir = (path: string, extra: Partial<TarEntry> = {}): TarEntry => ({ path, type: 'dir', mode: 0o755, mtime: 1700000000, ...extra });
const sym = (path: string, linkname: string): TarEntry => ({ path, type: 'symlink', linkname, mtime: 1700000000 });

const unpack = (entries: TarEntry[]): Promise<unknown> => extractTar(Readable.from([buildTar(entries)]), layer);

function hostUntouched(): void {
  for (const p of [host, join(host, 'b'), join(host, 'x')]) {
    const st = statSync(p);
    expect([p, st.mtimeMs, st.atimeMs]).toEqual([p, 12345000, 12345000]);
  }
  expect(statSync(host).mode & 0o7777).toBe(0o751);
  expect(readdirSync(host).sort()).toEqual(['b', 'x']);
}

describe('no metadata through a symlink planted by an earlier entry', () => {
  it("a directory replaced by a symlink to a host path: the deferred directory times don't reach the host", async () => {
    await unpack([dir('d', { mtime: 1000 }), sym('d', host)]);
    expect(lstatSync(join(layer, 'd')).isSymbolicLink()).toBe(true);
    hostUntouched();
  });

  it('a parent replaced by a symlink: a child directory time is not set through it', async () => {
    await unpack([dir('a', { mtime: 1000 }), dir('a/b', { mtime: 2000 }), sym('a', host)]);
    hostUntouched();
  });

  it('a directory entry after its symlink replaced it: a real directory of the layer gets the mode, not the host', async () => {
    await unpack([dir('d'), sym('d', host), dir('d', { mode: 0o777, mtime: 3000 })]);
    const st = lstatSync(join(layer, 'd'));
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o777);
    expect(st.mtimeMs).toBe(3000_000);
    hostUntouched();
  });

  it('the layer keeps its own directory times (deepest first, the root too)', async () => {
    await unpack([dir('.', { mtime: 10 }), dir('a', { mtime: 20 }), dir('a/b', { mtime: 30 }), { path: 'a/b/f', type: 'file', data: 'x', mtime: 40 }]);
    expect([layer, 'a', 'a/b', 'a/b/f'].map((p) => lstatSync(p === layer ? p : join(layer, p)).mtimeMs)).toEqual([10_000, 20_000, 30_000, 40_000]);
  });

  it('keeps times before 1970 (pax and base-256 can say them; Node would otherwise set "now")', async () => {
    const tar = Buffer.concat([pax([['mtime', '-1.5']]), entry({ name: 'old' }, 'x'), pax([['mtime', '-86400']]), entry({ name: 'olddir/', type: '5' }), END]);
    await extractTar(Readable.from([tar]), layer);
    expect(lstatSync(join(layer, 'old')).mtimeMs).toBe(-1500);
    expect(lstatSync(join(layer, 'olddir')).mtimeMs).toBe(-86400_000);
  });

  it('a whiteout under a directory that became a symlink is refused, not looked up through it', async () => {
    const err = await unpack([dir('d'), { path: 'd/.wh.x', type: 'file' }, sym('d', host)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayerError);
    expect((err as Error).message).toMatch(/would be written through the symlink "d"/);
    hostUntouched();
  });

  it('a hard link whose target is reached through a symlink is refused', async () => {
    const err = await unpack([sym('s', host), { path: 'h', type: 'hardlink', linkname: 's/x' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayerError);
    expect(existsSync(join(layer, 'h'))).toBe(false);
    hostUntouched();
  });

  it('a file entry over a symlink replaces the link, never writes the host file', async () => {
    await unpack([sym('f', join(host, 'x')), { path: 'f', type: 'file', data: 'layer\n', mode: 0o600, mtime: 5 }]);
    expect(lstatSync(join(layer, 'f')).isFile()).toBe(true);
    hostUntouched();
  });
});
