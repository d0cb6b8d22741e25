// The layer tar reader (src/engine/image/tarreader.ts): formats, chunking, broken archives,
// and hostile entries that only long-name headers (pax, GNU 'L'/'K') can carry.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TarFormatError, TarReader, type TarHeader } from '../../src/engine/image/tarreader.js';
import { buildTar, tarHeader, type TarEntry } from '../../src/engine/image/tarwriter.js';
import { importLayer } from '../../src/engine/image/store.js';
import { UserError } from '../../src/errors.js';
import { useTempStore } from '../helpers/layer-store.js';

interface Seen {
  h: TarHeader;
  data: string;
}

/** Reads an archive pushed in pieces of `step` bytes (0: whole); returns the entries and their content. */
function read(buf: Buffer, step = 0): Seen[] {
  const out: Seen[] = [];
  const r = new TarReader({
    entry(h) {
      out.push({ h, data: '' });
      return h.type === 'File' || h.type === 'OldFile' || h.type === 'ContiguousFile';
    },
    data(c) {
      out[out.length - 1]!.data += c.toString('latin1');
    },
    endEntry() {},
  });
  if (step === 0) r.write(buf);
  else for (let i = 0; i < buf.length; i += step) r.write(buf.subarray(i, i + step));
  r.end();
  return out;
}

/** A header of any type flag (buildTar knows only the filesystem ones). */
function rawHeader(flag: string, name: string, size: number, patch?: (h: Buffer) => void): Buffer {
  const h = tarHeader({ path: name, type: 'file', mode: 0o644, mtime: 1700000000 }, size);
  h[156] = flag.charCodeAt(0);
  patch?.(h);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function padded(data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([data, Buffer.alloc(pad)]);
}

function pax(records: Record<string, string>, global = false): Buffer {
  let body = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(rest) + 1;
    while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
    body += `${len}${rest}`;
  }
  const data = Buffer.from(body);
  return Buffer.concat([rawHeader(global ? 'g' : 'x', 'PaxHeader', data.length), padded(data)]);
}

function gnuLong(flag: 'L' | 'K', value: string): Buffer {
  const data = Buffer.from(`${value}\0`);
  return Buffer.concat([rawHeader(flag, '././@LongLink', data.length), padded(data)]);
}

/** Entries (from buildTar, without its end blocks) plus raw pieces, then the end of archive. */
function archive(...parts: (Buffer | TarEntry)[]): Buffer {
  return Buffer.concat([
    ...parts.map((p) => (Buffer.isBuffer(p) ? p : buildTar([p]).subarray(0, -1024))),
    Buffer.alloc(1024),
  ]);
}

const file = (path: string, data = path, extra: Partial<TarEntry> = {}): TarEntry => ({ path, type: 'file', mode: 0o644, mtime: 1700000000, data, ...extra });

describe('TarReader', () => {
  const sample = buildTar([
    { path: 'd', type: 'dir', mode: 0o755, mtime: 1 },
    file('d/a', 'x'.repeat(1000), { uid: 1000, gid: 100, mode: 0o4755 }),
    { path: 'd/h', type: 'hardlink', linkname: 'd/a' },
    { path: 'd/s', type: 'symlink', linkname: '../elsewhere' },
    { path: 'dev/c', type: 'char', devmajor: 1, devminor: 3 },
    { path: 'p', type: 'fifo' },
    file(`${'n'.repeat(90)}/${'m'.repeat(90)}`, 'long'), // ustar prefix
    file('empty', ''),
  ]);

  it('reads ustar entries, whatever the chunking', () => {
    const whole = read(sample);
    expect(whole.map((e) => [e.h.path, e.h.type])).toEqual([
      ['d/', 'Directory'],
      ['d/a', 'File'],
      ['d/h', 'Link'],
      ['d/s', 'SymbolicLink'],
      ['dev/c', 'CharacterDevice'],
      ['p', 'FIFO'],
      [`${'n'.repeat(90)}/${'m'.repeat(90)}`, 'File'],
      ['empty', 'File'],
    ]);
    const a = whole[1]!;
    expect(a.data).toBe('x'.repeat(1000));
    expect([a.h.mode, a.h.uid, a.h.gid, a.h.size, a.h.mtime]).toEqual([0o4755, 1000, 100, 1000, 1700000000]);
    expect(whole[2]!.h.linkpath).toBe('d/a');
    expect(whole[3]!.h.linkpath).toBe('../elsewhere');
    expect(whole[6]!.data).toBe('long');
    for (const step of [1, 7, 511, 512, 513, 4096]) expect(read(sample, step)).toEqual(whole);
  });

  it('applies pax records (path, linkpath, size, uid, gid, mtime) to the next entry only', () => {
    const long = `${'deep/'.repeat(60)}file`;
    const t = archive(
      pax({ path: long, uid: '70000000', gid: '5', mtime: '1700000000.5' }),
      file('short', 'content'),
      pax({ linkpath: `${'t/'.repeat(80)}x` }),
      { path: 'sym', type: 'symlink', linkname: 'ignored' },
      file('plain'),
    );
    const got = read(t, 100);
    expect(got.map((e) => e.h.path)).toEqual([long, 'sym', 'plain']);
    expect([got[0]!.h.uid, got[0]!.h.gid, got[0]!.h.mtime, got[0]!.data]).toEqual([70000000, 5, 1700000000.5, 'content']);
    expect(got[1]!.h.linkpath).toBe(`${'t/'.repeat(80)}x`);
    expect([got[2]!.h.uid, got[2]!.h.mtime]).toEqual([0, 1700000000]);
  });

  it('ignores global pax records, as Go (which hands them over as an entry) and Docker (which skips it) do', () => {
    const got = read(archive(pax({ uid: '42', path: 'nope' }, true), file('a'), file('b')));
    expect(got.map((e) => [e.h.path, e.h.uid])).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
  });

  it("reads GNU 'L' and 'K' long names", () => {
    const name = `${'x'.repeat(200)}/f`;
    const target = `${'y'.repeat(150)}/t`;
    const got = read(archive(gnuLong('L', name), gnuLong('K', target), { path: 'ln', type: 'symlink', linkname: 'short' }, file('after')));
    expect(got.map((e) => [e.h.path, e.h.linkpath])).toEqual([
      [name, target],
      ['after', ''],
    ]);
  });

  it('reads base-256 numbers, old directories and ignores the size of header-only entries', () => {
    const big = rawHeader('0', 'big-uid', 3, (h) => {
      h.fill(0, 108, 116);
      h[108] = 0x80;
      h.writeUInt32BE(3_000_000_000, 112);
    });
    const oldDir = rawHeader('\0', 'olddir/', 0);
    // A symlink whose size field says 512: no content follows it (Go's reading, Docker's).
    const sym = rawHeader('2', 'sym', 512, (h) => h.write('target', 157));
    const got = read(Buffer.concat([big, padded(Buffer.from('abc')), oldDir, sym, buildTar([file('next', 'n')])]));
    expect(got.map((e) => [e.h.path, e.h.type, e.h.uid, e.data])).toEqual([
      ['big-uid', 'File', 3_000_000_000, 'abc'],
      ['olddir/', 'Directory', 0, ''],
      ['sym', 'SymbolicLink', 0, ''],
      ['next', 'File', 0, 'n'],
    ]);
  });

  it('stops at the first zero block; the empty archive is fine', () => {
    expect(read(Buffer.concat([buildTar([file('a')]), Buffer.from('trailing garbage')])).length).toBe(1);
    expect(read(Buffer.alloc(0))).toEqual([]);
    expect(read(Buffer.alloc(1024))).toEqual([]);
  });

  it('refuses garbage, a bad checksum, truncation and huge metadata', () => {
    expect(() => read(Buffer.from('not a tar archive '.repeat(40)))).toThrow(TarFormatError);
    const bad = Buffer.from(sample);
    bad[0] ^= 1;
    expect(() => read(bad)).toThrow(/unrecognized archive format/);
    const later = Buffer.from(sample);
    later[512 * 1] ^= 1; // the second header
    expect(() => read(later)).toThrow(/checksum/);
    for (const cut of [100, 700, 1600]) expect(() => read(sample.subarray(0, cut))).toThrow(/truncated/);
    // Ending between entries without the end blocks is accepted (GNU tar and Go's archive/tar do).
    expect(read(sample.subarray(0, 512)).map((e) => e.h.path)).toEqual(['d/']);
    expect(() => read(Buffer.concat([rawHeader('x', 'PaxHeader', 2 << 20)]))).toThrow(/refused/);
    // A pax header with no entry after it is the end of the archive for Go: nothing, no error.
    expect(read(Buffer.concat([pax({ path: 'a' }), Buffer.alloc(1024)]))).toEqual([]);
  });
});

describe('hostile entries through long-name headers', () => {
  let root = '';
  useTempStore((r) => (root = r));

  const refused = async (t: Buffer, why: RegExp): Promise<void> => {
    const err = await importLayer(t).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(why);
    expect(existsSync(join(root, 'outside'))).toBe(false);
  };

  it('refuses ../ in a pax path and in a GNU long name', async () => {
    await refused(archive(pax({ path: '../../../../outside' }), file('innocent', 'evil')), /outside the layer/);
    await refused(archive(gnuLong('L', `a/${'../'.repeat(8)}outside`), file('innocent', 'evil')), /outside the layer/);
  });

  it('refuses link targets that climb out, given as long names', async () => {
    await refused(archive(pax({ linkpath: `${'../'.repeat(10)}etc` }), { path: 's', type: 'symlink', linkname: 'x' }), /symlink .* outside the layer/);
    await refused(archive(gnuLong('K', '../../../../etc/passwd'), { path: 'h', type: 'hardlink', linkname: 'x' }), /hard link .* outside the layer/);
  });

  it('never writes through a symlink, even when the path comes from pax', async () => {
    await refused(archive({ path: 'l', type: 'symlink', linkname: '/' }, pax({ path: 'l/outside' }), file('x', 'evil')), /through the symlink/);
  });
  // The long-name whiteout and opaque-directory case needs root (mknod, trusted.* xattr):
  // test/integration/image-tarreader-root.test.ts.
});
