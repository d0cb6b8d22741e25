// A tiny, deterministic tar writer (POSIX ustar headers, no compression).
//
// Used to build the builtin busybox layer (its digest must be identical on every run given
// the same busybox binary, so every header field is explicit: no host uname/gname, no host
// mtime, no device numbers unless asked) and by the tests to craft hostile layers: it writes
// whatever name it is given, '../x' and '/abs' included. It never touches the filesystem.

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  /** Path inside the archive, written as given (a trailing '/' is added to directories). */
  path: string;
  type: TarEntryType;
  /** Permission bits (and setuid/setgid/sticky), e.g. 0o755. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  /** Target of a symlink or hard link. */
  linkname?: string;
  data?: Uint8Array | string;
  devmajor?: number;
  devminor?: number;
  /** Owner names (`cp … -`, `export`: the container's; the builtin layer has none). */
  uname?: string;
  gname?: string;
}

/** The entry type of a file from its stat (a socket has none in a tar). */
export function entryTypeOf(st: { isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): TarEntryType | 'socket' {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isSocket()) return 'socket';
  return 'file';
}

const TYPEFLAG: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function octal(value: number, width: number): string {
  // width includes the terminating NUL.
  const s = value.toString(8);
  if (s.length > width - 1) throw new RangeError(`tar: value ${value} does not fit in ${width - 1} octal digits`);
  return s.padStart(width - 1, '0') + '\0';
}

function putString(buf: Buffer, offset: number, width: number, value: string, field: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > width) throw new RangeError(`tar: ${field} too long (${bytes.length} > ${width}): ${value}`);
  bytes.copy(buf, offset);
}

/** Splits a long path into ustar prefix (≤155) and name (≤100) at a '/'. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  throw new RangeError(`tar: path too long for a ustar header: ${path}`);
}

/** Encodes one 512-byte ustar header. */
export function tarHeader(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const path = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const { prefix, name } = splitName(path);
  putString(h, 0, 100, name, 'name');
  putString(h, 100, 8, octal(e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), 8), 'mode');
  putString(h, 108, 8, octal(e.uid ?? 0, 8), 'uid');
  putString(h, 116, 8, octal(e.gid ?? 0, 8), 'gid');
  putString(h, 124, 12, octal(size, 12), 'size');
  putString(h, 136, 12, octal(e.mtime ?? 0, 12), 'mtime');
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  putString(h, 156, 1, TYPEFLAG[e.type], 'typeflag');
  putString(h, 157, 100, e.linkname ?? '', 'linkname');
  putString(h, 257, 6, 'ustar\0', 'magic');
  putString(h, 263, 2, '00', 'version');
  // uname/gname (265, 297): only names given (never the host's)
  putString(h, 265, 32, e.uname ?? '', 'uname');
  putString(h, 297, 32, e.gname ?? '', 'gname');
  if (e.type === 'char' || e.type === 'block') {
    putString(h, 329, 8, octal(e.devmajor ?? 0, 8), 'devmajor');
    putString(h, 337, 8, octal(e.devminor ?? 0, 8), 'devminor');
  }
  putString(h, 345, 155, prefix, 'prefix');
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ', 'checksum');
  return h;
}

/** Builds an uncompressed tar archive in memory, entries in the order given. */
export function buildTar(entries: Iterable<TarEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === 'file' && e.data !== undefined ? Buffer.from(e.data) : Buffer.alloc(0);
    parts.push(tarHeader(e, data.length));
    if (data.length) {
      parts.push(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0)); // end of archive: two zero blocks
  return Buffer.concat(parts);
}

// ---- PAX: entries a ustar header cannot hold (docker cp's and export's streams) ----------------

function paxRecord(key: string, value: string): string {
  // "%d %s=%s\n", the length counting itself
  const body = ` ${key}=${value}\n`;
  let n = Buffer.byteLength(body) + 1;
  while (String(n).length + Buffer.byteLength(body) !== n) n = String(n).length + Buffer.byteLength(body);
  return `${n}${body}`;
}

function fitsUstarName(path: string): boolean {
  if (Buffer.byteLength(path) <= 100) return true;
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] === '/' && Buffer.byteLength(path.slice(0, i)) <= 155 && Buffer.byteLength(path.slice(i + 1)) <= 100 && i + 1 < path.length) return true;
  }
  return false;
}

/** Does `n` fit a ustar octal field of `digits` digits (a negative time does not)? */
const fits = (n: number, digits: number): boolean => n >= 0 && n < 8 ** digits;

/**
 * The header block(s) of one entry, as Go's archive/tar (Docker's) writes them: a PAX 'x'
 * header first when a ustar field cannot hold the path (too long, not printable ASCII), the
 * link target (too long), the ids, the size or the time.
 */
export function entryHeader(e: TarEntry, size: number): Buffer {
  const pax: string[] = [];
  const full = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const h: TarEntry = { ...e };
  if (!fitsUstarName(full) || /[^\x20-\x7e]/.test(full)) {
    pax.push(paxRecord('path', full));
    if (!fitsUstarName(full)) h.path = Buffer.from(full).subarray(0, 99).toString('latin1').replace(/[^\x20-\x7e]/g, '_');
  }
  if (e.linkname !== undefined && Buffer.byteLength(e.linkname) > 100) {
    pax.push(paxRecord('linkpath', e.linkname));
    h.linkname = '';
  }
  const field = (key: 'uid' | 'gid' | 'mtime', digits: number) => {
    const v = e[key] ?? 0;
    if (!fits(v, digits)) (pax.push(paxRecord(key, String(v))), (h[key] = 0));
  };
  field('uid', 7);
  field('gid', 7);
  for (const key of ['uname', 'gname'] as const) {
    const v = e[key];
    if (v !== undefined && (Buffer.byteLength(v) > 32 || /[^\x20-\x7e]/.test(v))) (pax.push(paxRecord(key, v)), delete h[key]);
  }
  field('mtime', 11);
  let ustarSize = size;
  if (!fits(size, 11)) (pax.push(paxRecord('size', String(size))), (ustarSize = 0));
  const main = tarHeader(h, ustarSize);
  if (!pax.length) return main;
  const data = Buffer.from(pax.join(''), 'utf8');
  // The 'x' header's own name is informative only; kept ASCII so it always fits.
  const base = (h.path.replace(/\/$/, '').split('/').pop() ?? '').replace(/[^\x20-\x7e]/g, '_');
  const x = tarHeader({ path: `PaxHeaders.0/${base}`.slice(0, 100), type: 'file', mode: 0o644 }, data.length);
  x.write('x', 156, 'latin1');
  // the checksum again, with the 'x' type flag
  x.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of x) sum += b;
  x.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([x, data, pad, main]);
}
