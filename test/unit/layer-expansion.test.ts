// A layer may expand to at most EXPANSION_RATIO times its blob (at least EXPANSION_FLOOR):
// counted as the tar streams, refused as soon as it passes, with nothing left behind (issue 11:
// a 1 MiB gzip wrote a 1 GiB file before its digest was checked). Runs as any user.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { EXPANSION_FLOOR, EXPANSION_RATIO, expansionLimit, LayerError } from '../../src/engine/image/layer.js';
import { importLayer } from '../../src/engine/image/store.js';
import { tarHeader } from '../../src/engine/image/tarwriter.js';
import { UserError } from '../../src/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mdtest-expand-'));
  process.env.MINIDOCK_ROOT = root;
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  delete process.env.MINIDOCK_ROOT;
  delete process.env.MINIDOCK_LAYER_MAX_RATIO;
});

/** A gzip'd tar of one file of `mib` MiB of zeros (what a gzip bomb is), made in chunks. */
async function bomb(mib: number): Promise<Buffer> {
  const gz = createGzip({ level: constants.Z_BEST_SPEED });
  const parts: Buffer[] = [];
  gz.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((r) => gz.on('end', r));
  gz.write(tarHeader({ path: 'zeros', type: 'file', mode: 0o644 }, mib << 20));
  const zero = Buffer.alloc(1 << 20);
  for (let i = 0; i < mib; i++) if (!gz.write(zero)) await new Promise((r) => gz.once('drain', r));
  gz.end(Buffer.alloc(1024));
  await done;
  return Buffer.concat(parts);
}

/** Serves `buf` in 16 KiB chunks and counts what was taken. */
function counted(buf: Buffer): { stream: Readable; taken: () => number } {
  let off = 0;
  const stream = new Readable({
    read() {
      if (off >= buf.length) return void this.push(null);
      this.push(buf.subarray(off, off + (16 << 10)));
      off += 16 << 10;
    },
  });
  return { stream, taken: () => Math.min(off, buf.length) };
}

function leftovers(): string[] {
  const out: string[] = [];
  for (const d of ['images/layers', 'images/blobs/sha256']) {
    const p = join(root, d);
    if (existsSync(p)) out.push(...readdirSync(p).map((n) => `${d}/${n}`));
  }
  return out;
}

describe('layer expansion bound', () => {
  it('is the ratio times the blob, never under the floor; MINIDOCK_LAYER_MAX_RATIO changes the ratio, and a bad value is one clear line', () => {
    expect(EXPANSION_RATIO).toBe(100);
    expect(EXPANSION_FLOOR).toBe(64 << 20);
    expect(expansionLimit(1 << 20).max).toBe(100 << 20);
    expect(expansionLimit(1000).max).toBe(64 << 20);
    expect(expansionLimit(1 << 20, { MINIDOCK_LAYER_MAX_RATIO: '1000' }).max).toBe(1000 << 20);
    expect(expansionLimit(1 << 20, { MINIDOCK_LAYER_MAX_RATIO: '2.5' }).max).toBe(64 << 20);
    for (const bad of ['abc', '0', '0.5', '-3', '1e3', '0x10']) {
      expect(() => expansionLimit(1, { MINIDOCK_LAYER_MAX_RATIO: bad }), bad).toThrow(UserError);
      expect(() => expansionLimit(1, { MINIDOCK_LAYER_MAX_RATIO: bad }), bad).toThrow(/^MINIDOCK_LAYER_MAX_RATIO must be a number of at least 1/);
    }
  });

  it('a gzip bomb is refused as soon as it passes the bound: the rest is not even read, and nothing is left', async () => {
    const gz = await bomb(256); // 256 MiB of zeros in ~1 MiB
    const limit = expansionLimit(gz.length).max;
    expect(limit).toBeLessThan(256 << 20);
    const src = counted(gz);
    const err = await importLayer(src.stream, { blobSize: gz.length }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayerError);
    expect((err as Error).message).toMatch(/^invalid layer: it expands to more than \d+ MiB \(100x its [\d.]+ MiB compressed, at least 64 MiB\); refused before its digest could be checked \(MINIDOCK_LAYER_MAX_RATIO raises the ratio\)$/);
    // The bound is reached at about limit/256 MiB of the blob: the download stops there.
    expect(src.taken()).toBeLessThan(gz.length * 0.75);
    expect(leftovers()).toEqual([]);
  });

  it('the same layer within a raised ratio unpacks, and without a known blob size (import) it is not bounded', async () => {
    const gz = await bomb(72);
    await expect(importLayer(gz, { blobSize: gz.length })).rejects.toThrow(/expands to more than 64 MiB/);
    process.env.MINIDOCK_LAYER_MAX_RATIO = '100000';
    const info = await importLayer(gz, { blobSize: gz.length });
    expect(info.size).toBe(72 << 20);
    delete process.env.MINIDOCK_LAYER_MAX_RATIO;
    rmSync(join(root, 'images'), { recursive: true, force: true });
    expect((await importLayer(gzipSync(Buffer.concat([tarHeader({ path: 'f', type: 'file' }, 0), Buffer.alloc(1024)])))).size).toBe(0);
    expect((await importLayer(gz)).size).toBe(72 << 20);
  });
});
