// Tar archives written byte by byte, for the tar reader's tests against Go's archive/tar rules
// (test/unit/tarreader-go.test.ts: the expected reading of each, worked out from Go's source;
// test/integration/tarreader-differential.test.ts: the same archives through Go, Python's
// tarfile and GNU tar). Nothing here uses the project's tar writer: every field is explicit.
import { createHash } from 'node:crypto';
import { TarReader, type TarHeader } from '../../src/engine/image/tarreader.js';

export interface HeaderFields {
  name?: string | Buffer;
  mode?: string | Buffer;
  uid?: string | Buffer;
  gid?: string | Buffer;
  size?: string | Buffer | number;
  mtime?: string | Buffer;
  /** One character ('0', '\0', 'x', …). */
  type?: string;
  linkname?: string;
  /** 'ustar' (ustar\0 00), 'gnu' (ustar  \0), 'star' (ustar\0 + tar\0 at 508), 'v7' (none). */
  format?: 'ustar' | 'gnu' | 'star' | 'v7';
  uname?: string;
  devmajor?: string | Buffer;
  devminor?: string | Buffer;
  /** Bytes at 345 (ustar prefix, GNU atime/ctime, star prefix). */
  at345?: string | Buffer;
  /** Bytes at 476 (star atime). */
  at476?: string | Buffer;
  /** How the checksum is written: the unsigned sum (default), the signed one, or a wrong one. */
  checksum?: 'unsigned' | 'signed' | 'wrong';
}

const oct = (n: number, width: number): string => `${n.toString(8).padStart(width - 1, '0')}\0`;

function put(h: Buffer, off: number, len: number, v: string | Buffer | undefined): void {
  if (v === undefined) return;
  const b = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
  if (b.length > len) throw new RangeError(`field at ${off} too long`);
  b.copy(h, off);
}

/** One 512-byte header; numeric fields as written (strings) or octal-formatted (numbers). */
export function header(f: HeaderFields): Buffer {
  const h = Buffer.alloc(512);
  put(h, 0, 100, f.name ?? 'file');
  put(h, 100, 8, f.mode ?? oct(0o644, 8));
  put(h, 108, 8, f.uid ?? oct(0, 8));
  put(h, 116, 8, f.gid ?? oct(0, 8));
  put(h, 124, 12, typeof f.size === 'number' ? oct(f.size, 12) : (f.size ?? oct(0, 12)));
  put(h, 136, 12, f.mtime ?? oct(1700000000, 12));
  h[156] = (f.type ?? '0').charCodeAt(0);
  put(h, 157, 100, f.linkname ?? '');
  const format = f.format ?? 'ustar';
  if (format === 'ustar' || format === 'star') put(h, 257, 8, 'ustar\u000000');
  if (format === 'gnu') put(h, 257, 8, 'ustar  \0');
  if (format === 'star') put(h, 508, 4, 'tar\0');
  if (format !== 'v7') {
    put(h, 265, 32, f.uname ?? '');
    put(h, 329, 8, f.devmajor ?? oct(0, 8));
    put(h, 337, 8, f.devminor ?? oct(0, 8));
  }
  put(h, 345, 155, f.at345);
  put(h, 476, 12, f.at476);
  h.fill(0x20, 148, 156);
  let u = 0;
  let s = 0;
  for (const c of h) {
    u += c;
    s += c > 127 ? c - 256 : c;
  }
  const sum = f.checksum === 'signed' ? s : f.checksum === 'wrong' ? u + 1 : u;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

export function padded(data: Buffer | string): Buffer {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

/** A header and its content (size from the content unless the fields say otherwise). */
export function entry(f: HeaderFields, content: Buffer | string = ''): Buffer {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return Buffer.concat([header({ size: data.length, ...f }), padded(data)]);
}

/** pax record text: 'LEN key=value\n' with LEN right. */
export function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
  return `${len}${rest}`;
}

export function pax(records: [string, string][] | string, type: 'x' | 'g' = 'x'): Buffer {
  const body = typeof records === 'string' ? records : records.map(([k, v]) => paxRecord(k, v)).join('');
  return entry({ name: 'PaxHeaders/x', type }, body);
}

export function gnuLong(type: 'L' | 'K', value: string): Buffer {
  return entry({ name: '././@LongLink', type, format: 'gnu' }, `${value}\0`);
}

export const END = Buffer.alloc(1024);
export const archive = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

export interface TarCase {
  name: string;
  /** What it shows (the rule of Go's reader it is about). */
  why: string;
  tar: Buffer;
  /** minidock refuses an entry Go would unpack (sparse files): never with the map as content. */
  refusedWhereGoReads?: boolean;
}

const ordinaryHeaders = (): Buffer[] => [
  entry({ name: 'dir/', type: '5', mode: oct(0o755, 8) }),
  entry({ name: 'dir/file', mode: oct(0o4755, 8), uid: oct(1000, 8), gid: oct(100, 8) }, 'hello\n'),
  entry({ name: 'dir/sym', type: '2', linkname: '../elsewhere' }),
  entry({ name: 'dir/hard', type: '1', linkname: 'dir/file' }),
  entry({ name: 'dev-null', type: '3', devmajor: oct(1, 8), devminor: oct(3, 8) }),
  entry({ name: 'fifo', type: '6' }),
  entry({ name: 'empty' }),
  entry({ name: 'm'.repeat(90), at345: 'p'.repeat(80) }, 'prefixed'), // ustar prefix
];

const zeros = (n: number): Buffer => Buffer.alloc(n);

/** Base-256 field: the high bit set, then the value big-endian (two's complement). */
function b256(len: number, value: bigint): Buffer {
  const b = Buffer.alloc(len);
  let v = value < 0n ? (1n << BigInt(8 * len)) + value : value;
  for (let i = len - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  b[0] = b[0]! | 0x80;
  return b;
}

export function tarCases(): TarCase[] {
  const c: TarCase[] = [];
  const add = (name: string, why: string, ...parts: Buffer[]): void => void c.push({ name, why, tar: archive(...parts) });

  // Ordinary archives: every reader agrees.
  add('ustar', 'ustar: dir, file (setuid, owner), symlink, hard link, device, FIFO, empty file, prefix', ...ordinaryHeaders(), END);
  add(
    'pax',
    'pax path/linkpath/size/uid/gid/mtime (fractional) for the next entry only',
    pax([
      ['path', `${'deep/'.repeat(40)}file`],
      ['uid', '70000000'],
      ['gid', '5'],
      ['mtime', '1700000000.25'],
    ]),
    entry({ name: 'short' }, 'content'),
    pax([['linkpath', `${'t/'.repeat(70)}x`]]),
    entry({ name: 'sym', type: '2', linkname: 'ignored' }),
    entry({ name: 'plain' }, 'p'),
    END,
  );
  add(
    'gnu-long',
    "GNU 'L'/'K' long name and link target",
    gnuLong('L', `${'x'.repeat(200)}/f`),
    gnuLong('K', `${'y'.repeat(150)}/t`),
    entry({ name: 'ln', type: '2', linkname: 'short', format: 'gnu' }),
    entry({ name: 'after', format: 'gnu' }, 'a'),
    END,
  );
  add('pax-size', 'a pax size overrides the header size', pax([['size', '3']]), entry({ name: 'f', size: 0 }, 'abc'), END);

  // Types and trailing slashes.
  add('type0-slash', "a '0' entry named 'd/' is a regular file with content", entry({ name: 'd/', type: '0' }, 'abc'), entry({ name: 'next' }, 'n'), END);
  add('typeNUL-slash', "a '\\0' entry named 'old/' is a directory (no content); other '\\0' entries regular files", entry({ name: 'old/', type: '\0' }), entry({ name: 'oldfile', type: '\0' }, 'xyz'), END);
  add('typeNUL-slash-size', "a '\\0' directory's size field is not followed by content", header({ name: 'old/', type: '\0', size: 3 }), entry({ name: 'f' }, 'x'), END);
  add('pax-slash', "the trailing slash is looked at after the pax path is applied", pax([['path', 'p/']]), entry({ name: 'p', type: '\0' }), END);
  add('header-only-size', 'link, symlink, device, dir and FIFO entries have no content whatever their size says', header({ name: 's', type: '2', linkname: 't', size: 512 }), entry({ name: 'f' }, 'x'), END);
  add('dumpdir', "'D' (GNU dump dir) carries content", entry({ name: 'dd/', type: 'D', format: 'gnu' }, 'listing\0'), END);
  add('contiguous', "'7' is a file with content", entry({ name: 'c', type: '7' }, 'c7'), END);

  // pax numbers are plain decimal.
  add('pax-hex', 'pax size "0x5" is refused', pax([['size', '0x5']]), entry({ name: 'f' }, 'abcde'), END);
  add('pax-exp', 'pax uid "3e0" is refused', pax([['uid', '3e0']]), entry({ name: 'f' }, 'a'), END);
  add('pax-space', 'pax mtime " 3 " is refused', pax([['mtime', ' 3 ']]), entry({ name: 'f' }, 'a'), END);
  add('pax-underscore', 'pax gid "1_0" is refused', pax([['gid', '1_0']]), entry({ name: 'f' }, 'a'), END);
  add('pax-plus', 'pax uid "+5" is 5 (a sign is decimal)', pax([['uid', '+5']]), entry({ name: 'f' }, 'a'), END);
  add('pax-mtime-exp', 'pax mtime "1.5e3" is refused', pax([['mtime', '1.5e3']]), entry({ name: 'f' }, 'a'), END);
  add('pax-mtime-neg', 'pax mtime "-1.5" is 1.5 s before the epoch', pax([['mtime', '-1.5']]), entry({ name: 'f' }, 'a'), END);
  add('pax-empty', 'an empty pax value keeps the header value', pax([['uid', ''], ['path', '']]), entry({ name: 'kept', uid: oct(7, 8) }, 'a'), END);
  add('pax-nul-pad', 'NUL padding inside a pax header is refused', pax(`${paxRecord('path', 'a')}\0\0\0\0`), entry({ name: 'f' }, 'a'), END);
  add('pax-len-zeros', 'a pax record length with leading zeros is decimal', pax('0013 path=zz\n'), entry({ name: 'f' }, 'a'), END);
  add('pax-bad-len', 'a pax record whose length is wrong is refused', pax('99 path=a\n'), entry({ name: 'f' }, 'a'), END);
  add('pax-neg-size-symlink', 'a negative pax size on a header-only entry is fine', pax([['size', '-1']]), entry({ name: 's', type: '2', linkname: 't' }), END);
  add('pax-neg-size-file', 'a negative pax size on a file is refused', pax([['size', '-1']]), entry({ name: 'f' }, ''), END);
  add('pax-twice', 'a second pax header replaces the first', pax([['uid', '9'], ['path', 'first']]), pax([['gid', '8']]), entry({ name: 'own' }, 'a'), END);
  add('pax-and-L', 'a GNU long name wins over a pax path', pax([['path', 'from-pax']]), gnuLong('L', 'from-gnu'), entry({ name: 'short' }, 'a'), END);
  add('empty-L', 'an empty GNU long name changes nothing', gnuLong('L', ''), entry({ name: 'kept' }, 'a'), END);
  add('global', "pax 'g' records are ignored (Docker skips the entry Go returns for them)", pax([['uid', '42'], ['mtime', '5']], 'g'), entry({ name: 'a' }, 'a'), END);
  add('global-bad', 'a malformed pax g header is refused', pax('garbage', 'g'), entry({ name: 'a' }, 'a'), END);
  add('x-then-g', "a 'g' header ends a pending 'x' header", pax([['path', 'lost']]), pax([['comment', 'c']], 'g'), entry({ name: 'real' }, 'a'), END);

  // Sparse files: refused by minidock (Go expands them).
  c.push({
    name: 'gnu-sparse',
    why: "GNU sparse 'S' entry: refused",
    refusedWhereGoReads: true,
    tar: archive(
      (() => {
        // One data region of 4 bytes at offset 0, real size 8; the map lives in the header.
        const h = header({ name: 'sparse', type: 'S', format: 'gnu', size: 4 });
        Buffer.from(oct(0, 12)).copy(h, 386);
        Buffer.from(oct(4, 12)).copy(h, 398);
        Buffer.from(oct(8, 12)).copy(h, 483);
        h.fill(0x20, 148, 156);
        let u = 0;
        for (const x of h) u += x;
        h.write(`${u.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
        return h;
      })(),
      padded('DATA'),
      END,
    ),
  });
  c.push({
    name: 'pax-sparse-1.0',
    why: 'pax GNU.sparse 1.0 (the map at the start of the content): refused, never written with the map as content',
    refusedWhereGoReads: true,
    tar: archive(
      pax([
        ['GNU.sparse.major', '1'],
        ['GNU.sparse.minor', '0'],
        ['GNU.sparse.name', 'real-name'],
        ['GNU.sparse.realsize', '8'],
      ]),
      entry({ name: 'GNUSparseFile.0/real-name' }, Buffer.concat([padded('1\n0\n4\n'), Buffer.from('DATA')])),
      END,
    ),
  });
  c.push({
    name: 'pax-sparse-0.1',
    why: 'pax GNU.sparse 0.1 (GNU.sparse.map): refused',
    refusedWhereGoReads: true,
    tar: archive(
      pax([
        ['GNU.sparse.numblocks', '1'],
        ['GNU.sparse.map', '0,4'],
        ['GNU.sparse.name', 'real-name'],
        ['GNU.sparse.size', '8'],
      ]),
      entry({ name: 'GNUSparseFile.0/real-name' }, 'DATA'),
      END,
    ),
  });
  c.push({
    name: 'pax-sparse-empty-version',
    why: 'empty GNU.sparse.major and a GNU.sparse.map: sparse 0.x for Go, refused',
    refusedWhereGoReads: true,
    tar: archive(pax([['GNU.sparse.major', ''], ['GNU.sparse.numblocks', '1'], ['GNU.sparse.map', '0,4'], ['GNU.sparse.size', '8']]), entry({ name: 'f' }, 'DATA'), END),
  });
  add('pax-sparse-unknown', 'an unknown GNU.sparse version is a plain file (content as it is)', pax([['GNU.sparse.major', '7'], ['GNU.sparse.minor', '0']]), entry({ name: 'plain' }, 'DATA'), END);

  // Octal and base-256 numbers.
  add('octal-8', 'an octal field with the digit 8 is refused', entry({ name: 'f', mode: '0000648\0' }), END);
  add('octal-9', 'an octal field with the digit 9 is refused', entry({ name: 'f', uid: '0000009\0' }), END);
  add('octal-inner-space', 'an octal field with a space inside is refused', entry({ name: 'f', mode: '00 0644\0' }), END);
  add('octal-padding', 'octal fields trimmed of spaces and NULs at both ends, cut at the first NUL', entry({ name: 'f', mode: ' 644 \0\0\0', uid: Buffer.from([0, 0x20, 0x31, 0x32, 0, 0x78, 0]), gid: '       ' }), END);
  add('octal-devmajor', "ustar's devmajor is a number too (Go parses it)", entry({ name: 'f', devmajor: '0000009\0' }), END);
  add('octal-devmajor-v7', 'a v7 header has no devmajor: those bytes are not looked at', entry({ name: 'f', format: 'v7', devmajor: '0000009\0' }), END);
  add('base256', 'base-256 uid, size and a negative mtime', entry({ name: 'f', uid: b256(8, 3_000_000_000n), size: b256(12, 3n), mtime: b256(12, -1n) }, 'abc'), END);
  add('base256-overflow', 'a base-256 number beyond int64 is refused', entry({ name: 'f', mtime: Buffer.from([0x80, 0xff, ...Array(10).fill(0xff)]) }), END);
  add('base256-negative-size', 'a negative base-256 size is refused', entry({ name: 'f', size: b256(12, -5n) }), END);

  // Formats.
  add('gnu-no-prefix', 'a GNU header has atime/ctime where ustar has its prefix: no prefix', entry({ name: 'name', format: 'gnu', at345: `${oct(1700000001, 12)}${oct(1700000002, 12)}` }, 'g'), END);
  add('gnu-buggy-prefix', 'a GNU header whose atime is not a number is read with the prefix (as Go)', entry({ name: 'name', format: 'gnu', at345: 'pre' }, 'g'), END);
  add('gnu-bad-version', 'magic "ustar " without GNU\'s version is a v7 header (no prefix)', (() => {
    const h = header({ name: 'v7ish', format: 'gnu', at345: 'ignored', size: 1 });
    h[263] = 0x30;
    h[264] = 0x30;
    h.fill(0x20, 148, 156);
    let u = 0;
    for (const x of h) u += x;
    h.write(`${u.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return Buffer.concat([h, padded('v')]);
  })(), END);
  add('star', "star: 131-byte prefix, atime at 476, 'tar\\0' at 508", entry({ name: 'n', format: 'star', at345: 'starprefix', at476: oct(1700000005, 12) }, 's'), END);
  add('v7', 'a v7 header (no magic): no prefix', entry({ name: 'v7file', format: 'v7', at345: 'not-a-prefix' }, 'v'), END);
  add('signed-checksum', 'the signed checksum (Sun tar) is accepted', entry({ name: 'caf\u00e9', uname: '\u00ff\u00ff', checksum: 'signed' }, 'c'), END);
  add('bad-checksum', 'a wrong checksum is refused', entry({ name: 'f', checksum: 'wrong' }), END);
  add('checksum-space', 'a checksum written with a space inside is refused', (() => {
    const h = header({ name: 'f' });
    h.write('0 1', 148, 'latin1');
    return h;
  })(), END);

  // Ends of archives.
  add('zero-then-header', 'a zero block followed by a header is refused', zeros(512), entry({ name: 'late' }, 'x'), END);
  add('two-zeros-then-garbage', 'after two zero blocks nothing is read', entry({ name: 'a' }, 'a'), END, Buffer.from('garbage'.repeat(100)));
  add('one-zero-then-end', 'one zero block and the end of the input is an end', entry({ name: 'a' }, 'a'), zeros(512));
  add('no-end-blocks', 'the input ending at an entry boundary is an end', entry({ name: 'a' }, 'a'));
  add('end-in-padding', 'the input ending inside the last padding is an end (Go)', entry({ name: 'a' }, 'abc').subarray(0, 512 + 100));
  add('end-in-content', 'the input ending inside content is refused', entry({ name: 'a' }, 'x'.repeat(600)).subarray(0, 512 + 300));
  add('end-in-header', 'the input ending inside a header is refused', entry({ name: 'a' }, 'a'), header({ name: 'b' }).subarray(0, 100));
  add('pax-then-end', 'a pax header and then the end: nothing, no error', pax([['path', 'x']]), END);
  add('meta-too-big', 'a pax header over 1 MiB is refused', pax([['comment', 'c'.repeat((1 << 20) + 10)]]), entry({ name: 'f' }, 'a'), END);
  return c;
}

// ---------------------------------------------------------------------------------------
// Readings in one shape, whichever reader made them

export interface ReadEntry {
  name: string;
  /** Go's Typeflag after its conversions ('\0' → '0' or '5'). */
  type: string;
  /** Content bytes (0 for header-only types). */
  size: number;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  /** Milliseconds since the epoch. */
  mtimeMs: number;
  sha256: string;
}

export interface Reading {
  entries: ReadEntry[];
  error: string | null;
}

const FLAG: Record<string, string> = {
  File: '0',
  Link: '1',
  SymbolicLink: '2',
  CharacterDevice: '3',
  BlockDevice: '4',
  Directory: '5',
  FIFO: '6',
  ContiguousFile: '7',
  GNUDumpDir: 'D',
  ContinuationFile: 'M',
  TapeVolumeHeader: 'V',
};

/** minidock's reader, in the common shape (content of every entry that has any). */
export function readWithMinidock(tar: Buffer, step = 0): Reading {
  const entries: ReadEntry[] = [];
  let hash: ReturnType<typeof createHash> | undefined;
  let cur: { h: TarHeader; n: number } | undefined;
  const finish = (): void => {
    if (!cur) return;
    const { h, n } = cur;
    entries.push({
      name: h.path,
      type: FLAG[h.type] ?? h.type,
      size: n,
      linkname: h.linkpath,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      mtimeMs: Math.floor(h.mtime * 1000), // Go's UnixMilli
      sha256: hash!.digest('hex'),
    });
    cur = undefined;
  };
  const r = new TarReader({
    entry(h) {
      hash = createHash('sha256');
      cur = { h, n: 0 };
      if (h.size === 0) finish();
      return true;
    },
    data(chunk) {
      hash!.update(chunk);
      cur!.n += chunk.length;
    },
    endEntry() {
      finish();
    },
  });
  try {
    if (step === 0) r.write(tar);
    else for (let i = 0; i < tar.length; i += step) r.write(tar.subarray(i, i + step));
    r.end();
    return { entries, error: null };
  } catch (e) {
    return { entries, error: (e as Error).message };
  }
}

/**
 * Archives made from the crafted cases by changing 1-3 of their first 4096 bytes (mostly to
 * bytes that matter in headers: NUL, space, '/', digits, 0x80, 0xff, type flags, '=', '\n'),
 * their header checksums made right again most of the time so the change reaches the parser.
 * Deterministic for a seed.
 */
export function mutants(seed: number, n: number): Buffer[] {
  let s = seed;
  const r = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const cases = tarCases().filter((c) => !c.refusedWhereGoReads);
  const bytes = [0x00, 0x20, 0x2f, 0x30, 0x37, 0x38, 0x80, 0xff, 0x78, 0x67, 0x4c, 0x4b, 0x35, 0x0a, 0x3d, 0x2e, 0x2d, 0x2b];
  const out: Buffer[] = [];
  for (let k = 0; k < n; k++) {
    const t = Buffer.from(cases[Math.floor(r() * cases.length)]!.tar);
    for (let j = 1 + Math.floor(r() * 3); j > 0; j--) {
      const pos = Math.floor(r() * Math.min(t.length, 4096));
      t[pos] = r() < 0.7 ? bytes[Math.floor(r() * bytes.length)]! : Math.floor(r() * 256);
    }
    for (let o = 0; o + 512 <= t.length; o += 512) {
      if (r() < 0.9 && t.toString('latin1', o + 257, o + 262) === 'ustar') {
        const h = t.subarray(o, o + 512);
        h.fill(0x20, 148, 156);
        let u = 0;
        for (const c of h) u += c;
        h.write(`${u.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      }
    }
    out.push(t);
  }
  return out;
}
