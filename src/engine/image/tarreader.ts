// A small synchronous tar reader for layer unpacking (replaces node-tar's Parser there: its
// streams, per-entry objects and events cost more CPU than the writes they lead to).
//
// It reads archives exactly as Go's archive/tar does (Go 1.19+ reader.go, strconv.go,
// format.go), because Docker, containerd and the image scanners read layers with it: what
// minidock unpacks must be what they saw. Where this file says "as Go", it follows that code.
//
// Push bytes with write() in chunks of any size; the sink is called synchronously, in order:
//   entry(header) once per filesystem entry (true = it wants the content), data(chunk)* with
//   that content when wanted, endEntry(). Metadata entries never reach the sink: pax 'x'
//   records (path, linkpath, size, uid, gid, mtime, atime) and GNU 'L' / 'K' (long path / link
//   target, which win over pax's) apply to the next entry; pax 'g' (global) records are
//   checked and ignored (Go hands them over as an entry of their own; Docker ignores them).
//
// Header formats, told apart by their magic as Go does: ustar ("ustar\0": 155-byte prefix),
// star ("ustar\0" and "tar\0" at 508: 131-byte prefix), GNU ("ustar " " \0": no prefix, its
// atime/ctime fields instead; only when those are not numbers is the prefix read, as Go does),
// v7 (anything else). Numbers are octal (NUL/space trimmed at both ends, then up to the first
// NUL; anything else but 0-7 is an error) or base-256 (signed, 64-bit at most); pax numbers are
// plain signed decimal ("0x5", "3e0", " 3 " are errors). The checksum may be the unsigned or
// the signed sum. Types '1'-'6' carry no content whatever their size says; a '\0' entry whose
// name ends in '/' is a directory (old tars), any other '\0' or '0' a regular file, content
// and all. Sparse files (GNU 'S', pax GNU.sparse.*) are refused: unpacking them needs their
// map, and writing the map as content would give a file no scanner saw.
//
// The archive ends at two zero blocks, or at the end of the input at an entry boundary (also
// inside the padding of the last entry, as Go). A zero block followed by anything but a zero
// block, a header Go would refuse, or an input that ends inside a header or an entry's content
// throws TarFormatError. Nothing here touches the filesystem: the sink decides.

export interface TarHeader {
  path: string;
  /** node-tar's names ('File', 'Directory', 'SymbolicLink', …), which planEntry() reads. */
  type: string;
  linkpath: string;
  /** The mode field as it is (Go's Header.Mode): may carry file-type bits, or be negative. */
  mode: number;
  uid: number;
  gid: number;
  /** Content bytes that follow (0 for header-only types). */
  size: number;
  /** Seconds since the epoch, fractional from pax; 0 when the header says nothing (as Go). */
  mtime: number;
  /** From pax, star or GNU headers; undefined when there is none. */
  atime: number | undefined;
}

export interface TarSink {
  entry(h: TarHeader): boolean;
  data(chunk: Buffer): void;
  endEntry(): void;
}

export class TarFormatError extends Error {}

const TYPES: Record<string, string> = {
  '0': 'File',
  '1': 'Link',
  '2': 'SymbolicLink',
  '3': 'CharacterDevice',
  '4': 'BlockDevice',
  '5': 'Directory',
  '6': 'FIFO',
  '7': 'ContiguousFile',
  D: 'GNUDumpDir',
  M: 'ContinuationFile',
  V: 'TapeVolumeHeader',
  A: 'SolarisACL',
  I: 'Inode',
  X: 'OldExtendedHeader',
};
/** Types whose size field is not followed by content (Go's isHeaderOnlyType). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
/** Metadata entries (pax, GNU long names) are read whole into memory: capped as Go caps them. */
const MAX_META = 1 << 20;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits only, int64 range. */
function parseDecimal(s: string, what: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new TarFormatError(`invalid ${what}: ${JSON.stringify(s.slice(0, 40))}`);
  if (s.length > 18) {
    const v = BigInt(s);
    if (v > INT64_MAX || v < INT64_MIN) throw new TarFormatError(`${what} out of range`);
    return Number(v);
  }
  return Number(s);
}

/** Go's parsePAXTime: decimal seconds, optionally '.' and digits (truncated to nanoseconds). */
function parsePaxTime(s: string, what: string): number {
  const dot = s.indexOf('.');
  const secs = parseDecimal(dot < 0 ? s : s.slice(0, dot), what);
  if (dot < 0) return secs;
  const frac = s.slice(dot + 1);
  if (!/^[0-9]*$/.test(frac)) throw new TarFormatError(`invalid ${what}: ${JSON.stringify(s.slice(0, 40))}`);
  if (frac === '') return secs;
  const ns = Number(frac.slice(0, 9).padEnd(9, '0')) / 1e9;
  return s.startsWith('-') ? secs - ns : secs + ns;
}

/** Go's parser.parseString: up to the first NUL. */
function str(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

/** Go's parser.parseNumeric: base-256 (high bit set; signed) or octal. */
function num(b: Buffer, off: number, len: number, what: string): number {
  if (b[off]! & 0x80) {
    // Two's complement, 64 bits at most (Go refuses anything that overflows an int64).
    const inv = b[off]! & 0x40 ? 0xff : 0;
    let x = 0n;
    for (let i = 0; i < len; i++) {
      let c = b[off + i]! ^ inv;
      if (i === 0) c &= 0x7f;
      if (x >> 56n > 0n) throw new TarFormatError(`${what} field overflows`);
      x = (x << 8n) | BigInt(c);
    }
    if (x >> 63n > 0n) throw new TarFormatError(`${what} field overflows`);
    return Number(inv ? -x - 1n : x);
  }
  return octal(b, off, len, what);
}

/** Go's parser.parseOctal: spaces and NULs trimmed at both ends, cut at the first NUL, digits 0-7. */
function octal(b: Buffer, off: number, len: number, what: string): number {
  let i = off;
  let end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  while (end > i && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  if (i === end) return 0;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`invalid ${what} field`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

/** The checksum field equals the unsigned or the signed sum of the header, its own field read as spaces. */
function checksumOk(b: Buffer): boolean {
  let want: number;
  try {
    want = octal(b, 148, 8, 'checksum');
  } catch {
    return false;
  }
  let u = 8 * 0x20;
  let s = 8 * 0x20;
  for (let i = 0; i < 512; i++) {
    if (i === 148) i = 156;
    const c = b[i]!;
    u += c;
    s += c > 127 ? c - 256 : c;
  }
  return want === u || want === s;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < 512; i++) if (b[i] !== 0) return false;
  return true;
}

function isAscii(b: Buffer, off: number, len: number): boolean {
  for (let i = off; i < off + len && b[i] !== 0; i++) if (b[i]! >= 0x80) return false;
  return true;
}

/** Go's parsePAX: 'LEN key=value\n' records, strictly (no padding). */
function parsePax(data: Buffer): Map<string, string> {
  const recs = new Map<string, string>();
  const sparse: string[] = [];
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw new TarFormatError('invalid pax header');
    const lenText = data.toString('latin1', off, sp);
    let len: number;
    try {
      len = parseDecimal(lenText, 'pax record length');
    } catch {
      throw new TarFormatError('invalid pax header');
    }
    if (!(len >= 5) || len > data.length - off || len <= sp - off + 1 || data[off + len - 1] !== 0x0a) {
      throw new TarFormatError('invalid pax header');
    }
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= off + len - 1 || eq === sp + 1) throw new TarFormatError('invalid pax header');
    const key = data.toString('utf8', sp + 1, eq);
    const value = data.toString('utf8', eq + 1, off + len - 1);
    off += len;
    const nulValue = key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname';
    if ((nulValue ? value : key).includes('\0')) throw new TarFormatError('invalid pax header');
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
      const want = sparse.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes';
      if (key !== want || value.includes(',')) throw new TarFormatError('invalid pax header');
      sparse.push(value);
    } else recs.set(key, value);
  }
  if (sparse.length) recs.set('GNU.sparse.map', sparse.join(','));
  return recs;
}

/** Whether Go would read the entry as a pax-format GNU sparse file (readGNUSparsePAXHeaders). */
function paxSparse(recs: Map<string, string>): boolean {
  const major = recs.get('GNU.sparse.major') ?? ''; // a missing record reads as "" in Go's map
  const minor = recs.get('GNU.sparse.minor') ?? '';
  if (major === '0' && (minor === '0' || minor === '1')) return true;
  if (major === '1' && minor === '0') return true;
  if (major !== '' || minor !== '') return false; // an unknown version: a plain file for Go
  return !!recs.get('GNU.sparse.map'); // 0.0 and 0.1 had no version records
}

interface Pending {
  pax?: Map<string, string>;
  longName?: string;
  longLink?: string;
}

export class TarReader {
  /** Bytes of the current block not yet complete (headers, and the padding/meta areas). */
  private readonly block = Buffer.alloc(512);
  private blockFill = 0;
  /** Content bytes left in the current entry, and whether they go to the sink. */
  private left = 0;
  private padding = 0;
  private wanted = false;
  private inEntry = false;
  /** A metadata entry being collected ('x', 'g', 'L', 'K'). */
  private meta: { type: string; parts: Buffer[]; size: number } | undefined;
  private next: Pending = {};
  /** One zero block was read: the next block must be zero too (the end) or nothing. */
  private zeroSeen = false;
  private ended = false;
  sawEntry = false;

  constructor(private readonly sink: TarSink) {}

  write(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    while (off < n && !this.ended) {
      if (this.left > 0) {
        const take = Math.min(this.left, n - off);
        const piece = chunk.subarray(off, off + take);
        if (this.meta) this.meta.parts.push(Buffer.from(piece));
        else if (this.wanted) this.sink.data(piece);
        this.left -= take;
        off += take;
        if (this.left === 0) this.finishContent();
        continue;
      }
      if (this.padding > 0) {
        const take = Math.min(this.padding, n - off);
        this.padding -= take;
        off += take;
        continue;
      }
      // A header: straight from the chunk when it holds a whole block, else gathered.
      let hdr: Buffer;
      if (this.blockFill === 0 && n - off >= 512) {
        hdr = chunk.subarray(off, off + 512);
        off += 512;
      } else {
        const take = Math.min(512 - this.blockFill, n - off);
        chunk.copy(this.block, this.blockFill, off, off + take);
        this.blockFill += take;
        off += take;
        if (this.blockFill < 512) break;
        this.blockFill = 0;
        hdr = this.block;
      }
      this.header(hdr);
    }
  }

  /** The input is complete: throws when it ends inside a header or an entry's content. */
  end(): void {
    if (this.ended) return;
    // Inside the padding is an end for Go (tryReadFull's io.EOF); a pending pax or GNU long
    // name header with nothing after it too.
    if (this.left > 0 || this.blockFill > 0 || this.meta || this.inEntry) {
      throw new TarFormatError('unexpected end of archive (truncated)');
    }
  }

  private finishContent(): void {
    this.padding = (512 - (this.size % 512)) % 512;
    if (this.meta) return this.finishMeta();
    this.inEntry = false;
    if (this.wanted) this.sink.endEntry();
  }

  private size = 0;

  private header(b: Buffer): void {
    if (isZero(b)) {
      if (this.zeroSeen) this.ended = true;
      this.zeroSeen = true;
      return;
    }
    if (this.zeroSeen) throw new TarFormatError('a zero block followed by a header (corrupt archive)');
    if (!checksumOk(b)) throw new TarFormatError(this.sawEntry ? 'invalid tar header checksum' : 'unrecognized archive format');
    // The format, from the magic (Go's getFormat), and every number Go parses in it.
    const magic = b.toString('latin1', 257, 263);
    const star = magic === 'ustar\0' && b.toString('latin1', 508, 512) === 'tar\0';
    const ustar = magic === 'ustar\0' && !star;
    const gnu = magic === 'ustar ' && b[263] === 0x20 && b[264] === 0;
    const flag = b[156] === 0 ? '' : String.fromCharCode(b[156]!);
    const rawSize = num(b, 124, 12, 'size');
    const mode = num(b, 100, 8, 'mode');
    const uid = num(b, 108, 8, 'uid');
    const gid = num(b, 116, 8, 'gid');
    const mtime = num(b, 136, 12, 'mtime');
    let atime: number | undefined;
    let prefix = '';
    if (ustar || star || gnu) {
      num(b, 329, 8, 'devmajor');
      num(b, 337, 8, 'devminor');
    }
    if (ustar) prefix = str(b, 345, 155);
    else if (star) {
      prefix = str(b, 345, 131);
      atime = num(b, 476, 12, 'atime');
      num(b, 488, 12, 'ctime');
    } else if (gnu) {
      // GNU headers have atime/ctime where ustar has its prefix; Go reads the prefix only
      // when those fields are not numbers ("buggy file is not GNU").
      try {
        if (b[345] !== 0) atime = num(b, 345, 12, 'atime');
        if (b[357] !== 0) num(b, 357, 12, 'ctime');
      } catch {
        atime = undefined;
        if (isAscii(b, 345, 155)) prefix = str(b, 345, 155);
      }
    }
    if (rawSize < 0 && !HEADER_ONLY.has(flag)) throw new TarFormatError('negative size');

    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (rawSize > MAX_META) throw new TarFormatError(`extended header of ${rawSize} bytes refused`);
      this.meta = { type: flag, parts: [], size: rawSize };
      this.size = rawSize;
      this.left = rawSize;
      if (rawSize === 0) this.finishContent();
      return;
    }
    if (flag === 'S') throw new TarFormatError(`GNU sparse file ${JSON.stringify(str(b, 0, 100))} is not supported`);

    const o = this.next;
    this.next = {};
    let path = str(b, 0, 100);
    if (prefix) path = `${prefix}/${path}`;
    let linkpath = str(b, 157, 100);
    let size = rawSize;
    let hmtime = mtime;
    let huid = uid;
    let hgid = gid;
    if (o.pax) {
      // Go's mergePAX: an empty value keeps the header's own.
      for (const [k, v] of o.pax) {
        if (v === '') continue;
        switch (k) {
          case 'path':
            path = v;
            break;
          case 'linkpath':
            linkpath = v;
            break;
          case 'uid':
            huid = parseDecimal(v, 'pax uid');
            break;
          case 'gid':
            hgid = parseDecimal(v, 'pax gid');
            break;
          case 'size':
            size = parseDecimal(v, 'pax size');
            break;
          case 'mtime':
            hmtime = parsePaxTime(v, 'pax mtime');
            break;
          case 'atime':
            atime = parsePaxTime(v, 'pax atime');
            break;
          case 'ctime':
            parsePaxTime(v, 'pax ctime');
            break;
        }
      }
    }
    if (o.longName) path = o.longName;
    if (o.longLink) linkpath = o.longLink;
    if (o.pax && paxSparse(o.pax)) throw new TarFormatError(`sparse file ${JSON.stringify(o.pax.get('GNU.sparse.name') || path)} (pax GNU.sparse) is not supported`);
    let type: string;
    if (flag === '') type = path.endsWith('/') ? 'Directory' : 'File'; // old tars' directories
    else type = TYPES[flag] ?? `unknown type ${JSON.stringify(flag)}`;
    const headerOnly = HEADER_ONLY.has(flag) || type === 'Directory';
    if (!headerOnly && size < 0) throw new TarFormatError('negative size');
    if (!headerOnly && !Number.isSafeInteger(size)) throw new TarFormatError('entry size too large');
    const entrySize = headerOnly ? 0 : size;
    const h: TarHeader = { path, type, linkpath, mode, uid: huid, gid: hgid, size: entrySize, mtime: hmtime, atime };
    this.sawEntry = true;
    this.inEntry = true;
    this.size = entrySize;
    this.left = entrySize;
    this.wanted = this.sink.entry(h);
    if (entrySize === 0) this.finishContent();
  }

  private finishMeta(): void {
    const m = this.meta!;
    this.meta = undefined;
    const data = Buffer.concat(m.parts, m.size);
    if (m.type === 'x') this.next.pax = parsePax(data); // a later one replaces it (Go)
    else if (m.type === 'g') {
      parsePax(data); // checked (Go refuses a malformed one), then ignored, as Docker does;
      this.next = {}; // Go returns it as an entry, which ends what was pending
    } else {
      const end = data.indexOf(0);
      const value = data.toString('utf8', 0, end < 0 ? data.length : end);
      if (m.type === 'L') this.next.longName = value;
      else this.next.longLink = value;
    }
  }
}
