// `cp`'s decisions, as Docker makes them (docker/cli cli/command/container/cp.go on the client,
// moby daemon/archive.go and archive/copy.go): which side is the container, where the copy
// lands (PrepareArchiveCopy: into an existing directory, or renamed to the destination's name),
// and who owns what is written. The bytes move in cp.ts, inside the container's root.
import { closeSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { posix, resolve as resolveHost } from 'node:path';
import { UserError } from '../../errors.js';
import { TarReader, TarFormatError, type TarHeader } from '../image/tarreader.js';
import { mustFind, type ContainerRecord } from './record.js';
import { DirSink, TarOut, cleanArchivePath, sendFromHost, sendFromRoot, withContainerTree, type Entry, type Owners, type Sink } from './cp.js';
import { InRootError, Root, openRootDir, readBounded } from './inroot.js';
import { idNames } from './idnames.js';
import { readSync } from 'node:fs';

export interface CopyOptions {
  followLink: boolean;
  archive: boolean;
  /** Where `-` reads and writes (the process's stdin and stdout). */
  stdin?: number;
  stdout?: number;
  warn?: (m: string) => void;
}

export interface CopyResult {
  /** Bytes of file content copied, and the tar bytes it would take (Docker's "transferred"). */
  content: number;
  transferred: number;
  /** How Docker names the destination in "Successfully copied … to DEST". */
  dest: string;
}

/** Docker's splitCpArg: `CONTAINER:PATH`, unless the argument is an absolute or ./-relative local path. */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.startsWith('.')) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

const specifiesCurrentDir = (p: string) => posix.basename(p) === '.' || p === '.' || p.endsWith('/.');
const hasTrailingSep = (p: string) => p.length > 0 && p.endsWith('/');
const assertsDirectory = (p: string) => hasTrailingSep(p) || specifiesCurrentDir(p);

/** moby's PreserveTrailingDotOrSeparator. */
export function preserveTrailing(cleaned: string, original: string): string {
  let c = cleaned;
  if (!specifiesCurrentDir(c) && specifiesCurrentDir(original)) {
    if (!hasTrailingSep(c)) c += '/';
    c += '.';
  }
  if (!hasTrailingSep(c) && hasTrailingSep(original)) c += '/';
  return c;
}

/** moby's SplitPathDirEntry: a trailing '.' is kept as the base. */
export function splitDirEntry(p: string): { dir: string; base: string } {
  let cleaned = posix.normalize(p);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  if (specifiesCurrentDir(p) && !cleaned.endsWith('/.')) cleaned = cleaned === '/' ? '/.' : cleaned + '/.';
  return { dir: posix.dirname(cleaned), base: posix.basename(cleaned) };
}

/** A path inside the container as Docker takes it: relative to its `/`. */
const containerAbs = (p: string) => preserveTrailing(posix.join('/', p), p);

/** Docker's "transferred" size: the tar stream of the entries (header blocks, padded content, the end). */
/** A regular file of the container's tree, read as `-u` reads it (undefined: absent or unreadable). */
function readInTree(root: Root, path: string): string | undefined {
  const l = root.locate(path, true);
  if (!l) return undefined;
  try {
    return l.node ? readBounded(l.node, path) : undefined;
  } catch {
    return undefined;
  } finally {
    root.dispose(l);
  }
}

class Counter implements Sink {
  content = 0;
  transferred = 0;
  constructor(private readonly next: Sink) {}
  entry(e: Entry): void {
    this.transferred += 512;
    if (e.type === 'file') {
      this.content += e.size;
      this.transferred += Math.ceil(e.size / 512) * 512;
    }
    this.next.entry(e);
  }
  data(c: Buffer): void {
    this.next.data(c);
  }
  endEntry(): void {
    this.next.endEntry();
  }
  end(): void {
    this.transferred += 1024;
    this.next.end();
  }
}

/** The daemon's containerFileNotFound: the path as the client sent it. */
function notFound(ref: string, path: string): UserError {
  return new UserError(`Error response from daemon: Could not find the file ${path} in container ${ref}`, 1);
}

function hostError(e: unknown, what: string): never {
  const err = e as NodeJS.ErrnoException;
  const text = err.code === 'ENOENT' ? 'no such file or directory' : err.code === 'ENOTDIR' ? 'not a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
  throw new UserError(`${what}: ${text}`, 1);
}

/** `cp SRC DEST` where exactly one side is `CONTAINER:PATH`. */
export async function copy(srcArg: string, dstArg: string, o: CopyOptions): Promise<CopyResult> {
  if (srcArg === '') throw new UserError('source can not be empty', 1);
  if (dstArg === '') throw new UserError('destination can not be empty', 1);
  const src = splitCpArg(srcArg);
  const dst = splitCpArg(dstArg);
  if (src.container !== undefined && dst.container !== undefined) throw new UserError('copying between containers is not supported', 1);
  if (src.container === undefined && dst.container === undefined) throw new UserError('must specify at least one container source', 1);
  const warn = o.warn ?? ((m: string) => process.stderr.write(`minidock: ${m}\n`));
  if (src.container !== undefined) return fromContainer(src.container, src.path, dst.path, o, warn);
  return toContainer(src.path, dst.container!, dst.path, o, warn);
}

// ---- from the container ------------------------------------------------------------------------

async function fromContainer(ref: string, srcPath: string, dstPath: string, o: CopyOptions, warn: (m: string) => void): Promise<CopyResult> {
  const rec = mustFind(ref);
  // The host side first (Docker checks it before asking the daemon): where the copy lands.
  let dst: { dir: string; rename: boolean; dstBase: string; exists: boolean; isDir: boolean } | undefined;
  let dstAbs = '-';
  if (dstPath !== '-') {
    dstAbs = preserveTrailing(resolveHost(dstPath), dstPath);
    dst = hostDestination(dstAbs);
  }
  const abs = containerAbs(srcPath);
  return withContainerTree(rec, false, ({ root }) => {
    // Docker's ResolvePath: the directory part resolved in the container, the last element
    // not followed (unless -L, or a trailing '/' that asks for the directory).
    const follow = o.followLink || assertsDirectory(abs);
    const l = root.locate(abs, follow);
    if (!l || !l.node) {
      if (l) root.dispose(l);
      throw notFound(ref, srcPath);
    }
    try {
      const isDir = l.node.st.isDirectory();
      if (assertsDirectory(abs) && !isDir) throw new UserError(`Error response from daemon: lstat ${abs.replace(/\/\.?$/, '')}: not a directory`, 1);
      // The archive's first element: the requested name ('.' for `/.` and for `/`).
      let srcBase = splitDirEntry(abs).base;
      if (srcBase === '/' || abs === '/') srcBase = '.';
      const st = l.node.st;
      if (!dst) {
        const out = new Counter(new TarOut(o.stdout ?? 1, idNames((path) => readInTree(root, path))));
        sendFromRoot(root, l.node, l.parent, l.name, srcBase === '.' ? [] : [srcBase], out, warn);
        out.end();
        return { content: out.content, transferred: out.transferred, dest: '-' };
      }
      // moby's PrepareArchiveCopy, decided on the host's destination.
      let base: string[];
      let into: string;
      if (dst.exists && dst.isDir) {
        into = dst.dir;
        base = srcBase === '.' ? [] : [srcBase];
      } else if (dst.exists && isDir) {
        throw new UserError('cannot copy directory', 1);
      } else if (!dst.exists && !isDir && assertsDirectory(dstAbs)) {
        throw new UserError('no such directory', 1);
      } else {
        into = dst.dir;
        base = [dst.dstBase];
      }
      const hostRoot = new Root(openRootDir(into), into);
      try {
        const uid = process.getuid?.() ?? 0;
        const gid = process.getgid?.() ?? 0;
        const owners: Owners = o.archive ? { kind: 'keep' } : { kind: 'fixed', uid, gid };
        const sink = new DirSink(hostRoot, [], { owners, devices: false, dropSetid: !o.archive, warn });
        const out = new Counter(sink);
        try {
          sendFromRoot(root, l.node, l.parent, l.name, base, out, warn);
          out.end();
        } catch (e) {
          sink.abort();
          throw e;
        }
        void st;
        return { content: isDir ? out.transferred : out.content, transferred: out.transferred, dest: dstAbs };
      } finally {
        closeSync(hostRoot.fd);
      }
    } finally {
      root.dispose(l);
    }
  });
}

/**
 * moby's CopyInfoDestinationPath on the host: symlinks followed (the user's own), a missing
 * destination needs its parent directory. Returns the directory to extract into.
 */
function hostDestination(dstAbs: string): { dir: string; rename: boolean; dstBase: string; exists: boolean; isDir: boolean } {
  let path = dstAbs;
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') hostError(e, `lstat ${path}`);
  }
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > 10) throw new UserError(`too many symlinks in ${dstAbs}`, 1);
    let t = readlinkSync(path);
    if (!t.startsWith('/')) t = posix.join(splitDirEntry(path).dir, t);
    path = t;
    try {
      st = lstatSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') hostError(e, `lstat ${path}`);
      st = undefined;
    }
  }
  if (st && st.isDirectory()) return { dir: path, rename: false, dstBase: '', exists: true, isDir: true };
  const { dir, base } = splitDirEntry(path);
  if (!st) {
    let ps;
    try {
      ps = statSync(dir);
    } catch (e) {
      hostError(e, `stat ${dir}`);
    }
    if (!ps.isDirectory()) throw new UserError('not a directory', 1);
  }
  return { dir, rename: true, dstBase: base, exists: !!st, isDir: false };
}

// ---- into the container ------------------------------------------------------------------------

/** The tar stream on stdin as entries (Go's reading, tarreader.ts); names checked: none may climb out. */
function sendFromTar(fd: number, sink: Sink, warn: (m: string) => void): void {
  let skip = false;
  const types: Record<string, Entry['type']> = {
    File: 'file', ContiguousFile: 'file', Directory: 'dir', SymbolicLink: 'symlink', Link: 'hardlink', FIFO: 'fifo', CharacterDevice: 'char', BlockDevice: 'block',
  };
  const reader = new TarReader({
    entry(h: TarHeader): boolean {
      const path = cleanArchivePath(h.path);
      if (path === undefined) throw new UserError(`invalid archive: ${JSON.stringify(h.path)} is outside of the destination`, 1);
      const type = types[h.type];
      if (!type) {
        warn(`${h.path}: tar entry of type ${h.type} is not copied`);
        skip = true;
        return false;
      }
      skip = false;
      const e: Entry = { path, type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime: Math.floor(h.mtime), size: type === 'file' ? h.size : 0, linkname: h.linkpath };
      sink.entry(e);
      return type === 'file';
    },
    data(chunk: Buffer): void {
      sink.data(chunk);
    },
    endEntry(): void {
      if (!skip) sink.endEntry();
    },
  });
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    try {
      reader.write(buf.subarray(0, n));
    } catch (e) {
      if (e instanceof TarFormatError) throw new UserError(`invalid archive: ${e.message}`, 1);
      throw e;
    }
  }
  try {
    reader.end();
  } catch (e) {
    if (e instanceof TarFormatError) throw new UserError(`invalid archive: ${e.message}`, 1);
    throw e;
  }
  sink.end();
}

/** Is this container path on a writable bind or tmpfs of the container (Docker: "in a volume")? */
function onVolume(rec: ContainerRecord, canonical: string): boolean {
  const under = (t: string) => {
    const c = posix.normalize('/' + t).replace(/\/+$/, '') || '/';
    return canonical === c || canonical.startsWith(c === '/' ? '/' : c + '/');
  };
  for (const b of rec.HostConfig.Binds) {
    const ro = b.endsWith(':ro');
    const target = (ro ? b.slice(0, -3) : b).split(':')[1] ?? '';
    if (!ro && under(target)) return true;
  }
  return Object.keys(rec.HostConfig.Tmpfs ?? {}).some(under);
}

function onBind(rec: ContainerRecord, canonical: string): string | undefined {
  for (const b of rec.HostConfig.Binds) {
    const ro = b.endsWith(':ro');
    const target = posix.normalize('/' + ((ro ? b.slice(0, -3) : b).split(':')[1] ?? '')).replace(/\/+$/, '') || '/';
    if (canonical === target || canonical.startsWith(target + '/') || target.startsWith(canonical === '/' ? '/' : canonical + '/')) return target;
  }
  return undefined;
}

async function toContainer(srcPath: string, ref: string, dstPath: string, o: CopyOptions, warn: (m: string) => void): Promise<CopyResult> {
  const rec = mustFind(ref);
  // The host source first (Docker's client stats it before it asks the daemon).
  let srcAbs = '';
  let srcReal = '';
  let srcBase = '';
  let srcIsDir = false;
  if (srcPath !== '-') {
    srcAbs = preserveTrailing(resolveHost(srcPath), srcPath);
    // moby's ResolveHostSourcePath: -L resolves the whole path, else only its directory part.
    let rebase: string | undefined;
    try {
      if (o.followLink) {
        srcReal = realpathSync(srcAbs);
        if (posix.basename(srcAbs) !== posix.basename(srcReal) || specifiesCurrentDir(srcAbs)) rebase = splitDirEntry(srcAbs).base;
      } else {
        const d = srcAbs.endsWith('/') ? srcAbs.slice(0, -1) : srcAbs;
        const { dir, base } = splitDirEntry(d === '' ? '/' : d);
        srcReal = base === '.' ? realpathSync(dir) : posix.join(realpathSync(dir), base);
        if (hasTrailingSep(srcAbs) && posix.basename(srcAbs.slice(0, -1)) !== posix.basename(srcReal)) rebase = posix.basename(srcAbs.slice(0, -1));
        if (base === '.') rebase = '.';
      }
    } catch (e) {
      hostError(e, `lstat ${srcAbs.replace(/\/\.?$/, '') || '/'}`);
    }
    let st;
    try {
      st = hasTrailingSep(srcAbs) ? statSync(srcReal) : lstatSync(srcReal);
    } catch (e) {
      hostError(e, `lstat ${srcReal}`);
    }
    srcIsDir = st.isDirectory();
    if (assertsDirectory(srcAbs) && !srcIsDir) throw new UserError(`lstat ${srcAbs.replace(/\/\.?$/, '')}: not a directory`, 1);
    srcBase = rebase ?? splitDirEntry(srcReal).base;
    if (srcReal === '/') srcBase = '.';
  }
  const abs = containerAbs(dstPath);
  return withContainerTree(rec, true, ({ root, running }) => {
    // Docker's ContainerStatPath on the destination: the directory part resolved inside the
    // container, a symlink at the end evaluated (to extract "into" a link to a directory).
    let dstInfo = { path: abs, exists: false, isDir: false };
    let asserted = assertsDirectory(abs);
    const l = root.locate(abs, asserted);
    if (l?.node) {
      let node = l.node;
      let canonical = '/' + [...l.parentPath, l.name].join('/');
      let ll = l;
      if (node.st.isSymbolicLink()) {
        asserted = false; // Docker goes on with the link's target path
        const t = root.locate(abs, true);
        root.dispose(l);
        ll = t!;
        if (t?.node) {
          node = t.node;
          canonical = '/' + [...t.parentPath, t.name].join('/');
        }
      }
      if (ll?.node) {
        const st = ll.node.st;
        if (!st.isDirectory() && !st.isFile()) {
          root.dispose(ll);
          throw new UserError(`destination "${ref}:${dstPath}" must be a directory or a regular file`, 1);
        }
        dstInfo = { path: canonical, exists: true, isDir: st.isDirectory() };
      } else if (ll) {
        dstInfo = { path: '/' + [...ll.parentPath, ll.name].join('/'), exists: false, isDir: false };
      }
      void node;
      if (ll) root.dispose(ll);
    } else if (l) {
      // Not there: its parent as resolved inside the container, the name as given.
      if (!asserted) dstInfo = { path: '/' + [...l.parentPath, l.name].join('/'), exists: false, isDir: false };
      root.dispose(l);
    }

    // moby's PrepareArchiveCopy: the directory to extract into, and the name the copy takes.
    let extractDir: string;
    let base: string[];
    if (srcPath === '-') {
      if (!dstInfo.isDir) throw new UserError(`destination "${ref}:${dstPath}" must be a directory`, 1);
      extractDir = dstInfo.path;
      base = [];
    } else if (dstInfo.exists && dstInfo.isDir) {
      extractDir = dstInfo.path;
      base = srcBase === '.' ? [] : [srcBase];
    } else if (dstInfo.exists && srcIsDir) {
      throw new UserError('cannot copy directory', 1);
    } else if (!dstInfo.exists && !srcIsDir && asserted) {
      throw new UserError('no such directory', 1);
    } else {
      const sp = splitDirEntry(dstInfo.path);
      extractDir = sp.dir;
      base = [sp.base];
    }
    // The daemon's extraction point: resolved fully inside the container; it must be a directory.
    const x = root.locate(extractDir, true);
    if (!x?.node) {
      if (x) root.dispose(x);
      throw notFound(ref, extractDir);
    }
    const canonical = '/' + [...x.parentPath, x.name].filter((c) => c !== '').join('/');
    const isDir = x.node.st.isDirectory();
    root.dispose(x);
    if (!isDir) throw new UserError('Error response from daemon: extraction point is not a directory', 1);
    if (rec.HostConfig.ReadonlyRootfs && !onVolume(rec, canonical)) throw new UserError('Error response from daemon: container rootfs is marked read-only', 1);
    if (!running) {
      const b = onBind(rec, posix.join(canonical, ...base));
      if (b) throw new UserError(`${b} is a bind mount of the stopped container ${rec.Name}: its volumes are mounted only while it runs; start it, or copy to the host path directly`, 1);
    }
    const dirBase = canonical === '/' ? [] : canonical.slice(1).split('/');
    // Owners: the archive's for `-` (as Docker's extraction), the source's with -a, else root.
    const owners: Owners = srcPath === '-' || o.archive ? { kind: 'keep' } : { kind: 'fixed', uid: 0, gid: 0 };
    const sink = new DirSink(root, dirBase, { owners, devices: true, dropSetid: false, warn });
    const out = new Counter(sink);
    try {
      if (srcPath === '-') sendFromTar(o.stdin ?? 0, out, warn);
      else {
        sendFromHost(srcReal, base, out, warn);
        out.end();
      }
    } catch (e) {
      sink.abort();
      if (e instanceof InRootError) throw new UserError(`Error response from daemon: ${e.message}`, 1);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EROFS') throw new UserError('Error response from daemon: container rootfs is marked read-only', 1);
      throw e;
    }
    return { content: out.content, transferred: out.transferred, dest: `${ref}:${dstInfo.path}` };
  });
}

export { Root };

/** Go's os.FileMode of a file: its permission bits and Go's own type bits (not Unix's S_IF*). */
export function goFileMode(mode: number): number {
  const type = mode & 0o170000;
  const GO: Record<number, number> = { 0o040000: 2 ** 31, 0o120000: 2 ** 27, 0o010000: 2 ** 25, 0o140000: 2 ** 24, 0o060000: 2 ** 26, 0o020000: 2 ** 26 + 2 ** 21 };
  let m = (mode & 0o777) + (GO[type] ?? 0);
  if (mode & 0o4000) m += 2 ** 23;
  if (mode & 0o2000) m += 2 ** 22;
  if (mode & 0o1000) m += 2 ** 20;
  return m;
}

/**
 * moby's ContainerStatPath (what `docker cp` asks first, the Engine API's HEAD/GET archive
 * header): the path resolved inside the container, its last element not followed.
 */
export async function statContainerPath(ref: string, path: string): Promise<{ name: string; size: number; mode: number; mtime: string; linkTarget: string }> {
  const rec = mustFind(ref);
  const abs = containerAbs(path);
  return withContainerTree(rec, false, ({ root }) => {
    const l = root.locate(abs, false);
    if (!l || !l.node) {
      if (l) root.dispose(l);
      throw notFound(ref, path);
    }
    try {
      const st = l.node.st;
      const name = l.name || '/';
      // a symlink's target as the container sees it, resolved inside its root (as moby's)
      let linkTarget = '';
      if (st.isSymbolicLink()) {
        const t = root.locate(abs, true);
        if (t) {
          linkTarget = '/' + [...t.parentPath, t.name].filter(Boolean).join('/');
          root.dispose(t);
        }
      }
      return { name, size: st.size, mode: goFileMode(st.mode), mtime: st.mtime.toISOString(), linkTarget };
    } finally {
      root.dispose(l);
    }
  });
}
