// A small synchronous tar reader for layer unpacking (replaces node-tar's Parser there: its
// streams, per-entry objects and events cost more CPU than the writes they lead to).
//
// Push bytes with write() in chunks of any size; the sink is called synchronously, in order:
//   entry(header) once per filesystem entry (true = it wants the content), data(chunk)* with
//   that content when wanted, endEntry(). Metadata entries never reach the sink: pax 'x'
//   (per-entry: path, linkpath, size, uid, gid, mtime, atime) and 'g' (global: uid, gid, mtime,
//   atime), GNU 'L' / 'K' (long path / long link target) are applied to the next entry.
// Formats: ustar (with its 155-byte prefix, or star's 130-byte prefix + times), GNU (no
// prefix), v7; octal or base-256 numbers. Link, symlink, device, FIFO and directory entries
// carry no content whatever their size field says (as Go's archive/tar reads them, which is
// what Docker uses). The archive ends at the first zero block (GNU tar and Go stop there too);
// bytes after it are not looked at. A header with a bad checksum, or an input that ends inside
// an entry, throws TarFormatError. Nothing here touches the filesystem: the sink decides.

export interface TarHeader {
  path: string;
  /** node-tar's names ('File', 'Directory', 'SymbolicLink', …), which planEntry() reads. */
  type: string;
  linkpath: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (fractional from pax); undefined when the header has none. */
  mtime: number | undefined;
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
  '': 'OldFile',
  '1': 'Link',
  '2': 'SymbolicLink',
  '3': 'CharacterDevice',
  '4': 'BlockDevice',
  '5': 'Directory',
  '6': 'FIFO',
  '7': 'ContiguousFile',
  D: 'GNUDumpDir',
  S: 'SparseFile',
  M: 'ContinuationFile',
  V: 'TapeVolumeHeader',
  A: 'SolarisACL',
  I: 'Inode',
  X: 'OldExtendedHeader',
};
/** Types whose size field is not followed by content. */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
/** Metadata entries (pax, GNU long names) are read whole into memory: a hostile one is capped. */
const MAX_META = 1 << 20;

interface Overrides {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  atime?: number;
}

function str(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

/** An octal field (NUL/space padded) or a GNU base-256 one; undefined when empty. */
function num(b: Buffer, off: number, len: number, what: string): number | undefined {
  if (b[off]! & 0x80) {
    if (b[off] === 0xff) throw new TarFormatError(`negative ${what}`);
    let v = b[off]! & 0x7f;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`${what} too large`);
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  if (i === end) return undefined;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`invalid ${what} field`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

/** Sums the header with the checksum field read as spaces; tar writers used signed or unsigned bytes. */
function checksumOk(b: Buffer): boolean {
  let want: number | undefined;
  try {
    want = num(b, 148, 8, 'checksum');
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

/** 'LEN key=value\n' records; a malformed one makes the archive invalid. */
function parsePax(data: Buffer, into: Overrides, global: boolean): void {
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw new TarFormatError('invalid pax header');
    const len = Number(data.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off || off + len > data.length || data[off + len - 1] !== 0x0a) {
      if (data.subarray(off).every((c) => c === 0)) return; // NUL padding some writers leave
      throw new TarFormatError('invalid pax header');
    }
    const rec = data.toString('utf8', sp + 1, off + len - 1);
    off += len;
    const eq = rec.indexOf('=');
    if (eq < 0) throw new TarFormatError('invalid pax header');
    const key = rec.slice(0, eq);
    const value = rec.slice(eq + 1);
    const n = (): number | undefined => (value === '' ? undefined : Number(value));
    switch (key) {
      case 'path':
      case 'linkpath':
        if (!global) into[key] = value;
        break;
      case 'size':
        if (!global) into.size = n();
        break;
      case 'uid':
      case 'gid':
      case 'mtime':
      case 'atime':
        into[key] = n();
        break;
    }
  }
  for (const k of ['size', 'uid', 'gid'] as const) {
    const v = into[k];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new TarFormatError(`invalid pax ${k}`);
  }
  for (const k of ['mtime', 'atime'] as const) if (into[k] !== undefined && !Number.isFinite(into[k])) delete into[k];
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
  private next: Overrides = {};
  private readonly global: Overrides = {};
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

  /** The input is complete: throws when it ends inside an entry. */
  end(): void {
    if (this.ended) return;
    if (this.left > 0 || this.padding > 0 || this.blockFill > 0 || this.meta || this.inEntry) {
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
      if (this.meta || Object.keys(this.next).length) throw new TarFormatError('archive ends after an extended header');
      this.ended = true;
      return;
    }
    if (!checksumOk(b)) throw new TarFormatError(this.sawEntry ? 'invalid tar header checksum' : 'unrecognized archive format');
    const flag = b[156] === 0 ? '' : String.fromCharCode(b[156]!);
    const size = num(b, 124, 12, 'size') ?? 0;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_META) throw new TarFormatError(`extended header of ${size} bytes refused`);
      this.meta = { type: flag, parts: [], size };
      this.size = size;
      this.left = size;
      if (size === 0) this.finishContent();
      return;
    }
    const o = this.next;
    this.next = {};
    const g = this.global;
    const magic = b.toString('latin1', 257, 263);
    let path = o.path;
    if (path === undefined) {
      path = str(b, 0, 100);
      let prefix = '';
      if (magic === 'ustar\0') prefix = b[475] !== 0 ? str(b, 345, 155) : str(b, 345, 130); // POSIX / star
      if (prefix) path = `${prefix}/${path}`;
    }
    let type = TYPES[flag] ?? `unknown type ${JSON.stringify(flag)}`;
    if ((flag === '0' || flag === '') && path.endsWith('/')) type = 'Directory'; // old tars' directories
    const entrySize = HEADER_ONLY.has(flag) || type === 'Directory' ? 0 : (o.size ?? size);
    const mtime = o.mtime ?? g.mtime ?? num(b, 136, 12, 'mtime');
    const h: TarHeader = {
      path,
      type,
      linkpath: o.linkpath ?? str(b, 157, 100),
      mode: num(b, 100, 8, 'mode') ?? 0o644,
      uid: o.uid ?? g.uid ?? num(b, 108, 8, 'uid') ?? 0,
      gid: o.gid ?? g.gid ?? num(b, 116, 8, 'gid') ?? 0,
      size: entrySize,
      mtime,
      atime: o.atime ?? g.atime,
    };
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
    if (m.type === 'x') parsePax(data, this.next, false);
    else if (m.type === 'g') parsePax(data, this.global, true);
    else {
      const end = data.indexOf(0);
      const value = data.toString('utf8', 0, end < 0 ? data.length : end);
      if (m.type === 'L') this.next.path = value;
      else this.next.linkpath = value;
    }
  }
}
