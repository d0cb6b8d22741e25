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
  // uname/gname (265, 297) stay empty on purpose: no host-dependent names.
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
