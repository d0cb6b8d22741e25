// Unpacking one layer tarball into a fresh directory, safely, with OCI whiteouts turned into
// overlayfs whiteouts.
//
// tarreader.ts only reads headers (ustar, pax, GNU long names); every filesystem step is done
// here, synchronously, one entry at a time, so every check below applies to every entry:
//
//   1. planEntry()  — pure string checks on the header (easy to test with crafted entries):
//      absolute paths are made relative to the layer root (as Docker does), a path or hard
//      link that climbs out with '..' is refused, a relative symlink whose target climbs out
//      of the root is refused (Docker's rule), device nodes and FIFOs are skipped (the
//      container's /dev is a tmpfs anyway), '.wh.NAME' / '.wh..wh..opq' become whiteout /
//      opaque records instead of files, other '.wh..wh.*' AUFS metadata is dropped.
//   2. LayerWriter  — the filesystem side: every parent directory is walked with lstat and a
//      symlink or non-directory on the way is refused (no entry is ever written through a
//      link, whichever layer it came from: a lower layer's links are not in this directory at
//      all), files are created with O_CREAT|O_EXCL|O_NOFOLLOW after removing what was there,
//      hard links must point at something already unpacked in this layer, owners, modes
//      (setuid included: chmod after chown), and times are applied exactly (a chown or chmod
//      that would change nothing is left out: files are born with their permission bits, and
//      as root:root when that is what the header says and no setgid directory intervenes).
//   3. finish()     — whiteouts become character devices 0/0 (what overlayfs reads as
//      "deleted"), opaque directories get trusted.overlay.opaque=y, directory times are set
//      last. The markers themselves never appear in the tree.
//
// No step follows a symlink that an earlier entry planted: parents are walked with lstat
// (ensureDirs) before every create, mknod, xattr and time change; the last component is
// created with O_EXCL/mkdir/symlink/link (none follows a link there) or changed with l*
// calls (lchown, lutimes, setfattr -h / lsetxattr) or through the fd it was opened as; a
// directory's chmod comes right after lstat said it is one. Directory times, set at the end,
// are dropped for directories a later entry removed, and each path is walked again first.
//
// The caller extracts into a fresh private directory and renames it into place only when
// everything succeeded, so nothing half-unpacked is ever visible.
import {
  closeSync,
  constants as FS,
  existsSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  chmodSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import { PassThrough, type Readable, Transform, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { UserError } from '../../errors.js';
import { run } from '../../host/exec.js';
import { TarFormatError, TarReader, type TarHeader, type TarSink } from './tarreader.js';

/** A layer that cannot be unpacked safely (or is not a tar archive). Exit code 125. */
export class LayerError extends UserError {
  constructor(message: string) {
    super(`invalid layer: ${message}`);
  }
}

/** The decompressor for a layer blob, chosen by its first bytes (gzip, zstd, or none: a plain tar). */
export function decompressorFor(head: Buffer): Transform {
  // Large output chunks: fewer callbacks and tar-parser writes per layer (measurably faster).
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return zlib.createGunzip({ chunkSize: 1 << 18 });
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) {
    const make = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
    if (!make) throw new UserError('zstd-compressed layers need Node.js ≥ 22.15');
    return make();
  }
  return new PassThrough();
}

/** What a tar header says, as far as unpacking is concerned. */
export interface EntryHeader {
  path: string;
  type: string;
  linkpath?: string;
}

export type EntryPlan =
  | { op: 'dir'; rel: string }
  | { op: 'file'; rel: string }
  | { op: 'symlink'; rel: string; target: string }
  | { op: 'hardlink'; rel: string; target: string }
  | { op: 'whiteout'; rel: string }
  | { op: 'opaque'; rel: string }
  | { op: 'skip'; rel: string; reason: string };

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
const WHITEOUT_META_PREFIX = '.wh..wh.';

/**
 * Cleans a path from a tar header into a path relative to the layer root ('' is the root).
 * Absolute paths are taken relative to the root; returns null when the path climbs out.
 */
export function cleanPath(p: string): string | null {
  if (p.includes('\0')) return null;
  let n = posix.normalize(p);
  if (n.startsWith('/')) {
    n = n.replace(/^\/+/, ''); // '/../x' normalises to '/x': inside the root
  } else if (n === '..' || n.startsWith('../')) {
    return null;
  }
  n = n.replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

/** Decides what to do with one entry, from its header alone. Throws LayerError to refuse the layer. */
export function planEntry(h: EntryHeader): EntryPlan {
  const rel = cleanPath(h.path);
  if (rel === null) throw new LayerError(`entry ${JSON.stringify(h.path)} points outside the layer`);
  const base = posix.basename(rel);
  const dir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);

  if (base.startsWith(WHITEOUT_PREFIX)) {
    if (base === OPAQUE_MARKER) return { op: 'opaque', rel: dir };
    if (base.startsWith(WHITEOUT_META_PREFIX)) return { op: 'skip', rel, reason: 'AUFS metadata' };
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '.' || name === '..') throw new LayerError(`invalid whiteout ${JSON.stringify(h.path)}`);
    return { op: 'whiteout', rel: dir ? `${dir}/${name}` : name };
  }

  if (rel === '') {
    if (h.type === 'Directory' || h.type === 'GNUDumpDir') return { op: 'dir', rel: '' };
    throw new LayerError(`entry ${JSON.stringify(h.path)} would replace the layer root`);
  }

  switch (h.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return { op: 'file', rel };
    case 'Directory':
    case 'GNUDumpDir':
      return { op: 'dir', rel };
    case 'SymbolicLink': {
      const target = h.linkpath ?? '';
      if (target === '' || target.includes('\0')) throw new LayerError(`symlink ${JSON.stringify(h.path)} has no target`);
      // Absolute targets are resolved inside the container's root, so they are harmless.
      // Relative ones must not climb out of the layer (Docker refuses these too).
      if (!target.startsWith('/')) {
        const resolved = posix.normalize(posix.join(dir || '.', target));
        if (resolved === '..' || resolved.startsWith('../')) {
          throw new LayerError(`symlink ${JSON.stringify(h.path)} -> ${JSON.stringify(target)} points outside the layer`);
        }
      }
      return { op: 'symlink', rel, target };
    }
    case 'Link': {
      const target = cleanPath(h.linkpath ?? '');
      if (target === null || target === '') {
        throw new LayerError(`hard link ${JSON.stringify(h.path)} -> ${JSON.stringify(h.linkpath ?? '')} points outside the layer`);
      }
      if (target === rel) throw new LayerError(`hard link ${JSON.stringify(h.path)} points to itself`);
      return { op: 'hardlink', rel, target };
    }
    case 'CharacterDevice':
    case 'BlockDevice':
      return { op: 'skip', rel, reason: 'device node' };
    case 'FIFO':
      return { op: 'skip', rel, reason: 'FIFO' };
    default:
      return { op: 'skip', rel, reason: `unsupported entry type ${h.type}` };
  }
}

export interface ExtractResult {
  /** Bytes of regular file content (hard links counted once). */
  size: number;
  entries: number;
  /** Entries that were dropped (device nodes, FIFOs, unknown types, AUFS metadata). */
  skipped: string[];
  whiteouts: number;
  opaques: number;
}

const isRoot = process.getuid?.() === 0;

/** A time for utimes: Node takes a negative number for "now", a Date as it is (Go and Docker keep times before 1970). */
const when = (t: number): number | Date => (t < 0 ? new Date(t * 1000) : t);

/** A uid/gid chown can apply (base-256 fields and pax records can say anything; -1 would mean "unchanged"). */
const validId = (n: number): boolean => Number.isInteger(n) && n >= 0 && n < 0xffffffff;

function lstatOrUndefined(p: string): Stats | undefined {
  // No exception for a missing path (most paths of a fresh layer): building the error and its
  // stack cost more than the lstat itself. Other errors still throw.
  return lstatSync(p, { throwIfNoEntry: false });
}

/** The process umask (read once; a worker may read it but not set it). */
let umaskBits: number | undefined;
function umask(): number {
  return (umaskBits ??= process.umask());
}

/** Applies planned entries to a fresh directory. Synchronous filesystem calls only. */
export class LayerWriter implements TarSink {
  readonly result: ExtractResult = { size: 0, entries: 0, skipped: [], whiteouts: 0, opaques: 0 };
  private readonly whiteouts = new Set<string>();
  private readonly opaques = new Set<string>();
  private readonly dirTimes = new Map<string, { atime: number; mtime: number }>();
  /** Directories (relative) this writer made or checked with lstat: real directories, no links. */
  private readonly knownDirs = new Set<string>();
  private error: Error | undefined;
  /** The file being written (its content follows its header). */
  private fd: number | undefined;
  private fileHeader: TarHeader | undefined;
  /** New inodes here are root:root without a chown (see needsChown); undefined: not looked yet. */
  private plainOwner: boolean | undefined;

  constructor(readonly root: string) {}

  get failed(): Error | undefined {
    return this.error;
  }

  fail(e: unknown): void {
    if (!this.error) this.error = e instanceof Error ? e : new Error(String(e));
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * Makes sure every directory above rel exists and is a real directory (not a symlink),
   * creating missing ones 0755 root:root. With includeSelf, rel itself too.
   */
  private ensureDirs(rel: string, includeSelf = false): void {
    const parts = rel === '' ? [] : rel.split('/');
    const n = includeSelf ? parts.length : parts.length - 1;
    let cur = this.root;
    let relCur = '';
    for (let i = 0; i < n; i++) {
      cur = `${cur}/${parts[i]}`;
      relCur = relCur ? `${relCur}/${parts[i]}` : parts[i]!;
      if (this.knownDirs.has(relCur)) continue;
      const st = lstatOrUndefined(cur);
      if (!st) {
        mkdirSync(cur, 0o755);
        this.knownDirs.add(relCur);
        continue;
      }
      const shown = parts.slice(0, i + 1).join('/');
      if (st.isSymbolicLink()) {
        throw new LayerError(`entry ${JSON.stringify(rel)} would be written through the symlink ${JSON.stringify(shown)}`);
      }
      if (!st.isDirectory()) throw new LayerError(`entry ${JSON.stringify(rel)}: ${JSON.stringify(shown)} is not a directory`);
      this.knownDirs.add(relCur);
    }
  }

  /** Removes whatever is at rel unless it is a directory and a directory is wanted. */
  private clear(rel: string, wantDir: boolean): boolean {
    const p = this.abs(rel);
    const st = lstatOrUndefined(p);
    if (!st) return false;
    if (st.isDirectory()) {
      if (wantDir) return true;
      rmSync(p, { recursive: true, force: true });
      this.forget(rel);
      return false;
    }
    unlinkSync(p);
    return false;
  }

  /** A directory (and everything under it) was removed: it must be checked again. */
  private forget(rel: string): void {
    const under = (d: string): boolean => d === rel || d.startsWith(`${rel}/`);
    for (const d of this.knownDirs) if (under(d)) this.knownDirs.delete(d);
    // Its time (and its children's) would otherwise be set, at the end, on whatever a later
    // entry puts there: a symlink to a host path, say.
    for (const d of this.dirTimes.keys()) if (under(d)) this.dirTimes.delete(d);
  }

  /**
   * Whether an entry needs lchown/fchown: always as root, unless it wants root:root and a new
   * inode gets that anyway (the stage is root's and no directory on the way is setgid, whose
   * group a new inode would inherit). Saves two syscalls on most files of most layers.
   */
  private needsChown(h: TarHeader): boolean {
    if (!isRoot) return false;
    if (h.uid !== 0 || h.gid !== 0) return true;
    if (this.plainOwner === undefined) {
      const st = lstatSync(this.root);
      this.plainOwner = st.uid === 0 && st.gid === 0 && (st.mode & 0o2000) === 0;
    }
    return !this.plainOwner;
  }

  private owner(p: string, h: TarHeader): void {
    if (this.needsChown(h)) lchownSync(p, h.uid, h.gid);
  }

  /** TarSink: one entry's header. True when its content is wanted (a regular file). */
  entry(h: TarHeader): boolean {
    if (this.error) return false;
    try {
      return this.apply(h);
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  /** TarSink: content of the open file. */
  data(chunk: Buffer): void {
    if (this.fd === undefined) return;
    try {
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
      this.result.size += chunk.length;
    } catch (err) {
      this.closeFile();
      this.fail(err);
    }
  }

  /** TarSink: the open file is complete: owner, mode (after chown, which clears setuid/setgid), times. */
  endEntry(): void {
    const fd = this.fd;
    const h = this.fileHeader;
    if (fd === undefined || !h) return;
    try {
      const chown = this.needsChown(h);
      if (chown) fchownSync(fd, h.uid, h.gid);
      const mode = h.mode & 0o7777;
      // Created with these bits already unless the umask took some, or they are beyond 0777.
      if (chown || (mode & ~0o777) !== 0 || (mode & umask()) !== 0) fchmodSync(fd, mode);
      futimesSync(fd, when(h.atime ?? h.mtime), when(h.mtime));
      this.closeFile();
    } catch (err) {
      this.closeFile();
      this.fail(err);
    }
  }

  /** Closes the file being written, if any. */
  release(): void {
    this.closeFile();
  }

  private closeFile(): void {
    const fd = this.fd;
    this.fd = undefined;
    this.fileHeader = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  private apply(h: TarHeader): boolean {
    const plan = planEntry(h);
    if (!validId(h.uid) || !validId(h.gid)) throw new LayerError(`entry ${JSON.stringify(h.path)} has an invalid owner ${h.uid}:${h.gid}`);
    this.result.entries++;
    switch (plan.op) {
      case 'skip':
        this.result.skipped.push(`${plan.rel || '/'} (${plan.reason})`);
        return false;
      case 'whiteout':
        this.whiteouts.add(plan.rel);
        return false;
      case 'opaque':
        this.opaques.add(plan.rel);
        return false;
      case 'dir': {
        this.ensureDirs(plan.rel);
        const p = this.abs(plan.rel);
        if (!this.clear(plan.rel, true)) mkdirSync(p, 0o700);
        this.knownDirs.add(plan.rel);
        this.owner(p, h);
        const mode = h.mode & 0o7777;
        if (mode & 0o2000) this.plainOwner = false; // new inodes below inherit its group
        chmodSync(p, mode);
        this.dirTimes.set(plan.rel, { atime: h.atime ?? h.mtime, mtime: h.mtime });
        return false;
      }
      case 'symlink': {
        this.ensureDirs(plan.rel);
        this.clear(plan.rel, false);
        const p = this.abs(plan.rel);
        symlinkSync(plan.target, p);
        this.owner(p, h);
        lutimesSync(p, when(h.atime ?? h.mtime), when(h.mtime));
        return false;
      }
      case 'hardlink': {
        this.ensureDirs(plan.target);
        const target = this.abs(plan.target);
        const st = lstatOrUndefined(target);
        if (!st) throw new LayerError(`hard link ${JSON.stringify(plan.rel)} -> ${JSON.stringify(plan.target)}: target is not in this layer`);
        if (st.isDirectory()) throw new LayerError(`hard link ${JSON.stringify(plan.rel)} -> ${JSON.stringify(plan.target)}: target is a directory`);
        this.ensureDirs(plan.rel);
        this.clear(plan.rel, false);
        linkSync(target, this.abs(plan.rel));
        return false;
      }
      case 'file': {
        this.ensureDirs(plan.rel);
        const p = this.abs(plan.rel);
        const flags = FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW;
        // The stage is private (0700), so the file can be born with its final permission bits.
        const perm = h.mode & 0o777;
        let fd: number;
        try {
          fd = openSync(p, flags, perm);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          this.clear(plan.rel, false); // an earlier entry of the same path: replaced
          fd = openSync(p, flags, perm);
        }
        this.fd = fd;
        this.fileHeader = h;
        return true;
      }
    }
  }

  /** Whiteouts, opaque directories and directory times; call once after the last entry. */
  async finish(): Promise<ExtractResult> {
    this.closeFile();
    if (this.error) throw this.error;
    const whiteouts: string[] = [];
    for (const rel of [...this.whiteouts].sort()) {
      this.ensureDirs(rel); // first: the lstat below must not look through a symlink
      // A file of the same name in the same layer wins over its whiteout (OCI image spec).
      if (lstatOrUndefined(this.abs(rel))) continue;
      whiteouts.push(this.abs(rel));
    }
    const opaques: string[] = [];
    for (const rel of [...this.opaques].sort()) {
      this.ensureDirs(rel, true);
      opaques.push(this.abs(rel));
    }
    await makeWhiteouts(whiteouts);
    await makeOpaque(opaques);
    this.result.whiteouts = whiteouts.length;
    this.result.opaques = opaques.length;
    // Deepest first, so setting a child's time does not disturb its parent's afterwards.
    const dirs = [...this.dirTimes.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, t] of dirs) {
      // Walked again (cheap: the known directories are cached) and set without following a
      // link, though forget() already dropped every directory a later entry replaced.
      this.ensureDirs(rel, true);
      lutimesSync(this.abs(rel), when(t.atime), when(t.mtime));
    }
    return this.result;
  }
}

const CHUNK = 500;

/** overlayfs whiteouts: character devices 0/0 (needs root: CAP_MKNOD). */
export async function makeWhiteouts(absPaths: string[]): Promise<void> {
  for (let i = 0; i < absPaths.length; i += CHUNK) {
    const chunk = absPaths.slice(i, i + CHUNK);
    try {
      await run('sh', ['-c', 'for p in "$@"; do mknod -m 000 -- "$p" c 0 0 || exit 1; done', 'sh', ...chunk]);
    } catch (e) {
      throw new LayerError(`cannot create whiteouts (mknod, needs root): ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

// lsetxattr(2) syscall numbers (never follows a symlink), for the perl fallback when setfattr
// (package attr) is absent.
const LSETXATTR_NR: Partial<Record<NodeJS.Architecture, number>> = { x64: 189, arm64: 6, ia32: 227, arm: 227 };

/** Marks directories opaque for overlayfs: xattr trusted.overlay.opaque=y (needs root). */
export async function makeOpaque(absDirs: string[], tool?: 'setfattr' | 'perl'): Promise<void> {
  if (absDirs.length === 0) return;
  const setfattr = tool === 'perl' ? undefined : ['/usr/bin/setfattr', '/bin/setfattr'].find((p) => existsSync(p));
  const nr = LSETXATTR_NR[process.arch];
  for (let i = 0; i < absDirs.length; i += CHUNK) {
    const chunk = absDirs.slice(i, i + CHUNK);
    try {
      if (setfattr) {
        await run(setfattr, ['-h', '-n', 'trusted.overlay.opaque', '-v', 'y', '--', ...chunk]);
      } else if (nr !== undefined && existsSync('/usr/bin/perl')) {
        // perl's syscall() needs writable scalars, hence the copies.
        const script = `for my $a (@ARGV) { my ($p, $n, $v) = ($a, "trusted.overlay.opaque", "y"); syscall(${nr}, $p, $n, $v, 1, 0) == 0 or die "lsetxattr $a: $!\\n" }`;
        await run('/usr/bin/perl', ['-e', script, ...chunk]);
      } else {
        throw new Error('setfattr not found: install the "attr" package');
      }
    } catch (e) {
      throw new LayerError(`cannot mark opaque directories (trusted.overlay.opaque): ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

/**
 * How far a layer may expand. A layer is unpacked while it streams, before its digests can be
 * checked (they are known only at its end), so a hostile registry could otherwise make a small
 * blob write without end (a 1 MiB gzip of zeros is a 1 GiB file), digest-pinned or not. The
 * uncompressed tar may be at most RATIO times the blob's size (its declared size for a pull,
 * its file's for `load`), and always at least the floor (small layers with a big sparse-ish
 * file stay fine). Real layers compress 2-10x; MINIDOCK_LAYER_MAX_RATIO raises the ratio.
 */
export const EXPANSION_RATIO = 100;
export const EXPANSION_FLOOR = 64 << 20;

/** The bound for one blob (structured-cloneable: it goes to the unpack worker too). */
export interface ExpansionLimit {
  max: number;
  blobSize: number;
  ratio: number;
}

export function expansionLimit(blobSize: number, env: NodeJS.ProcessEnv = process.env): ExpansionLimit {
  const text = env.MINIDOCK_LAYER_MAX_RATIO;
  let ratio = EXPANSION_RATIO;
  if (text !== undefined && text !== '') {
    ratio = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(ratio >= 1)) {
      throw new UserError(`MINIDOCK_LAYER_MAX_RATIO must be a number of at least 1 (how many times its compressed size a layer may expand to), not ${JSON.stringify(text)}`);
    }
  }
  return { max: Math.max(EXPANSION_FLOOR, Math.ceil(blobSize * ratio)), blobSize, ratio };
}

const mib = (n: number): string => `${(n / (1 << 20)).toFixed(n < 10 << 20 ? 1 : 0)} MiB`;

/**
 * What every layer import does with a layer's (possibly compressed) bytes: decompress, hash the
 * tar stream (its diffID), and unpack it into `root` — or only read it through when `root` is
 * undefined (the tree is already stored). The same code in-process and in the unpack worker.
 * With a limit, the uncompressed bytes are counted as they stream and the layer is refused as
 * soon as they pass it (nothing beyond is written).
 */
export async function hashAndUnpack(
  input: Readable,
  head: Buffer,
  root: string | undefined,
  limit?: ExpansionLimit,
): Promise<{ diffId: string; diffSize: number; result: ExtractResult }> {
  const diffHash = createHash('sha256');
  let diffSize = 0;
  const max = limit?.max ?? Infinity;
  const tapDiff = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      diffSize += chunk.length;
      if (diffSize > max) {
        const l = limit!;
        return cb(
          new LayerError(
            `it expands to more than ${mib(l.max)} (${l.ratio}x its ${mib(l.blobSize)} compressed, at least ${mib(EXPANSION_FLOOR)}); refused before its digest could be checked (MINIDOCK_LAYER_MAX_RATIO raises the ratio)`,
          ),
        );
      }
      diffHash.update(chunk);
      cb(null, chunk);
    },
  });
  const tarStream = pipeline(input, decompressorFor(head), tapDiff, () => undefined);
  const result = root === undefined ? await drainTar(tarStream) : await extractTar(tarStream, root);
  return { diffId: `sha256:${diffHash.digest('hex')}`, diffSize, result };
}

/** Reads a tar stream to its end without unpacking it (its hash is what is wanted). */
export async function drainTar(tar: Readable): Promise<ExtractResult> {
  await new Promise<void>((resolve, reject) => {
    tar.on('data', () => undefined);
    tar.once('end', resolve);
    tar.once('error', reject);
  });
  return { size: 0, entries: 0, skipped: [], whiteouts: 0, opaques: 0 };
}

/**
 * Reads an uncompressed tar stream and unpacks it into `root` (which must be a fresh, empty,
 * private directory). Rejects with LayerError on a hostile or broken archive; the caller
 * removes `root` then.
 */
export async function extractTar(src: Readable, root: string): Promise<ExtractResult> {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const writer = new LayerWriter(root);
  const reader = new TarReader(writer);
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        src.off('data', onData);
        if (err) {
          src.destroy();
          reject(err);
        } else resolve();
      };
      const onData = (chunk: Buffer): void => {
        try {
          reader.write(chunk);
        } catch (e) {
          return done(e);
        }
        if (writer.failed) done(writer.failed);
      };
      src.on('data', onData);
      src.once('error', (e) => done(e));
      src.once('end', () => {
        try {
          reader.end();
          done();
        } catch (e) {
          done(e);
        }
      });
    });
  } catch (e) {
    if (e instanceof TarFormatError) throw new LayerError(`not a valid tar archive: ${e.message}`);
    throw e;
  } finally {
    writer.release(); // a file left open by a failure
  }
  return writer.finish();
}
