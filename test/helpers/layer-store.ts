// Shared by the layer-import tests (test/unit/image-layer.test.ts as any user,
// test/integration/image-layer-root.test.ts as root): a throwaway store per test, tar entry
// builders, and what to look at after an import.
import { beforeEach, afterEach } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TarEntry } from '../../src/engine/image/tarwriter.js';

export const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const dir = (path: string, extra: Partial<TarEntry> = {}): TarEntry => ({ path, type: 'dir', mode: 0o755, mtime: 1700000000, ...extra });
export const file = (path: string, data = path, extra: Partial<TarEntry> = {}): TarEntry => ({ path, type: 'file', mode: 0o644, mtime: 1700000000, data, ...extra });

/** Gives each test of the calling describe its own MINIDOCK_ROOT, told to `set` before the test. */
export function useTempStore(set?: (root: string) => void): void {
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'minidock-layer-'));
    process.env.MINIDOCK_ROOT = root;
    set?.(root);
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    delete process.env.MINIDOCK_ROOT;
  });
}

/** Every path under dir (relative) that can be looked up, not following symlinks. */
export function walk(d: string, pre = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(d)) {
    const rel = pre ? `${pre}/${name}` : name;
    const st = lstatSync(join(d, name), { throwIfNoEntry: false });
    if (!st) continue; // listed but not there: an overlayfs whiteout in a directory that is not merged
    out.push(rel);
    if (st.isDirectory()) out.push(...walk(join(d, name), rel));
  }
  return out;
}

/** What the store holds besides committed layers: stages and temp blobs must never be left. */
export function leftovers(): string[] {
  const root = process.env.MINIDOCK_ROOT!;
  const dirs = [join(root, 'images', 'layers'), join(root, 'images', 'blobs', 'sha256')];
  return dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((n) => n.startsWith('.tmp-')) : []));
}
