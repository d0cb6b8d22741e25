// Resolving paths inside a container's root from the host, the one place for it: `-u`'s
// /etc/passwd and /etc/group (rootfile.ts, also over layers), `cp` (reads and writes), `commit`,
// and the tree walks of `diff`, `export` and `size`. The container is hostile: a symlink it
// planted must never take a read or a write out of the root, a FIFO must never block us, a
// device node must never be opened, a kernel filesystem's files are never read.
//
// Node has no openat(2) nor openat2, but a path through our own descriptor's magic link,
// /proc/self/fd/N/NAME, is openat(N, NAME): the kernel jumps to exactly the inode N holds and
// looks up one component, which O_NOFOLLOW (or the call's own no-follow rule: lstat, mkdir,
// symlink, unlink, link, lchown, lutimes, O_CREAT|O_EXCL) keeps from being a symlink. The walk
// (walk(), RESOLVE_IN_ROOT semantics) opens one component at a time (O_PATH|O_NOFOLLOW: no
// device driver's open, no FIFO wait), keeps the chain of directories it really went through
// (`..` is the one it came from, clamped at the root), reads a symlink's text and walks it from
// the root or from where it is, so a link to /etc/shadow reads the container's own, never the
// host's. Magic links of a /proc inside are only text, and a directory on a kernel filesystem
// (proc, sysfs, devpts, cgroup, …) reads as empty, as the image's mount point does for Docker.
// A regular file is read only through a reopen of the inode the walk found (reopenFile). A file
// is created O_CREAT|O_EXCL|O_NOFOLLOW and its owner, mode and times set on the descriptor
// (fchown/fchmod/futimes), so a swap of the name meanwhile cannot redirect them; other nodes
// are set through an O_PATH descriptor checked to be what was made.
import { spawnSync } from 'node:child_process';
import {
  closeSync, constants as FS, fchmodSync, fchownSync, fstatSync, futimesSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync,
  openSync, readdirSync, readlinkSync, readSync, statfsSync, symlinkSync, unlinkSync, type BigIntStats, type Stats, chmodSync, chownSync, utimesSync,
} from 'node:fs';
import { childEnv } from '../../host/env.js';
import { entryTypeOf } from '../image/tarwriter.js';

// O_PATH is not in fs.constants; libuv passes open flags through. Its value on every
// architecture Node runs on (asm-generic, x86, arm, powerpc, s390, riscv, mips, loongarch).
const O_PATH = 0o10000000;

/** Symlinks followed in one resolution: Linux's own bound (MAXSYMLINKS). */
export const MAX_LINK_HOPS = 40;
/** Component lookups in one resolution of a descriptor tree (PATH_MAX/2 components, plus links). */
export const MAX_STEPS = 4096;
/** The same for resolveIn (`-u`'s small files, over layers too, where each lookup may cost a getfattr). */
export const MAX_READ_STEPS = 256;
/** The most bytes read by readBounded (/etc/passwd of a large directory is far less). */
export const MAX_FILE_BYTES = 4 << 20;

/** One clear line about a path of the container that cannot be resolved or read. */
export class InRootError extends Error {}

export interface Node {
  fd: number;
  st: Stats;
}

/** A name in a directory, as the walk found it; `node` is an O_PATH descriptor (the caller closes it). */
export interface Located {
  /** The directory holding the last component (an O_PATH descriptor; close with root.closeDir). */
  parent: number;
  /** Canonical components of `parent` from the root (what the walk really went through). */
  parentPath: string[];
  name: string;
  node: Node | undefined;
}

// statfs(2) f_type of filesystems whose files are the kernel's, not the container's.
const KERNEL_FS = new Set([
  0x9fa0 /* proc */, 0x62656572 /* sysfs */, 0x1cd1 /* devpts */, 0x19800202 /* mqueue */, 0x27e0eb /* cgroup */,
  0x63677270 /* cgroup2 */, 0x73636673 /* securityfs */, 0x64626720 /* debugfs */, 0x74726163 /* tracefs */,
  0xcafe4a11 /* bpf */, 0xf97cff8c /* selinuxfs */, 0x6165676c /* pstore */, 0x62656570 /* configfs */,
  0x65735543 /* fusectl */, 0x42494e4d /* binfmt_misc */, 0xde5e81e4 /* efivarfs */, 0x958458f6 /* hugetlbfs */,
]);

export const at = (dirFd: number, name: string): string => `/proc/self/fd/${dirFd}/${name}`;
const self = (fd: number): string => `/proc/self/fd/${fd}`;

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

// ---- the walk --------------------------------------------------------------------------------

/** A path's components, without the empty and `.` ones (`..` is kept: the walk clamps it). */
export function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/** What looking up one name in a directory found. */
export type Entry<D, F> =
  | { kind: 'absent' }
  | { kind: 'link'; target: string; node?: F } // node: when the tree can hand the link itself back
  | { kind: 'dir'; dir: D }
  | { kind: 'other'; node: F }; // a regular file, FIFO, device, socket: the caller decides

/** A tree to walk: the walk owns every `D` and `F` it is given and closes each once (close(root) may be a no-op). */
export interface Tree<D, F> {
  root(): D;
  lookup(dir: D, name: string): Entry<D, F>;
  close(dir: D): void;
  release(node: F): void;
}

export interface Limits {
  hops: number;
  steps: number;
}

/** Where a walk ended; the caller owns (closes) every directory of `chain` and what `found` holds. */
export interface Walked<D, F> {
  /** The directories walked through, the root first, the last one holding `name`; [] when the result is the root itself. */
  chain: { dir: D; name: string }[];
  name: string;
  /** 'link' only when the last component is a symlink and not followed. */
  found: Entry<D, F>;
}

/**
 * Resolves `path` in `tree` as the kernel would under RESOLVE_IN_ROOT: absolute symlinks restart
 * at the root, `..` goes back to the directory the walk came from and never above the root, at
 * most `limits.hops` symlinks and `limits.steps` lookups (InRootError beyond). Every component
 * but the last is followed; the last too when `followLast`. Undefined when a directory on the
 * way is absent, not a directory, or a dangling or empty link (ENOENT / ENOTDIR).
 */
export function walk<D, F>(tree: Tree<D, F>, path: string, followLast: boolean, limits: Limits): Walked<D, F> | undefined {
  const stack: { dir: D; name: string }[] = [{ dir: tree.root(), name: '' }];
  let handedOut = false;
  try {
    const pending = components(path);
    let hops = 0;
    let steps = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '..') {
        if (stack.length > 1) tree.close(stack.pop()!.dir);
        continue;
      }
      if (++steps > limits.steps) throw new InRootError(`${path}: too many path components to resolve`);
      const last = pending.length === 0;
      const e = tree.lookup(stack[stack.length - 1]!.dir, name);
      if (e.kind === 'link' && (!last || followLast)) {
        if (e.node !== undefined) tree.release(e.node);
        if (++hops > limits.hops) throw new InRootError(`${path}: too many levels of symbolic links`);
        if (e.target === '') return last ? ((handedOut = true), { chain: stack, name, found: { kind: 'absent' } }) : undefined;
        if (e.target.startsWith('/')) while (stack.length > 1) tree.close(stack.pop()!.dir);
        pending.unshift(...components(e.target));
        continue;
      }
      if (last) return (handedOut = true), { chain: stack, name, found: e };
      if (e.kind === 'dir') stack.push({ dir: e.dir, name });
      else {
        if (e.kind === 'other') tree.release(e.node);
        return undefined;
      }
    }
    // The path ended on a directory already walked (`/`, `..`, a link to one): that directory itself.
    handedOut = true;
    const top = stack.pop()!;
    return { chain: stack, name: top.name, found: { kind: 'dir', dir: top.dir } };
  } finally {
    if (!handedOut) for (const s of stack) tree.close(s.dir);
  }
}

export type Resolved<F> = { kind: 'absent' } | { kind: 'dir' } | { kind: 'other'; node: F };

/** walk() following the last component too, for reading: only a non-directory is handed back. */
export function resolveIn<D, F>(tree: Tree<D, F>, path: string, limits: Limits = { hops: MAX_LINK_HOPS, steps: MAX_READ_STEPS }): Resolved<F> {
  const w = walk(tree, path, true, limits);
  if (!w) return { kind: 'absent' };
  for (const s of w.chain) tree.close(s.dir);
  const f = w.found;
  if (f.kind === 'dir') {
    tree.close(f.dir);
    return { kind: 'dir' };
  }
  return f.kind === 'other' ? f : { kind: 'absent' };
}

// ---- descriptors -----------------------------------------------------------------------------

/** openat(dirFd, name, O_PATH|O_NOFOLLOW) and fstat; undefined when there is no such entry. */
export function lookupAt(dirFd: number, name: string): Node | undefined {
  let fd: number;
  try {
    fd = openSync(at(dirFd, name), O_PATH | FS.O_NOFOLLOW);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InRootError(`cannot look up ${JSON.stringify(name)}: ${code}`);
  }
  try {
    return { fd, st: fstatSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** A symlink's text for a walk: '' (absent) when it was replaced meanwhile, as under the kernel's walk. */
export function linkTarget(dirFd: number, name: string): string {
  try {
    return readlinkSync(at(dirFd, name));
  } catch {
    return '';
  }
}

/** A symlink's text for copying it (an error when it is gone). */
export function readlinkAt(dirFd: number, name: string): string {
  return readlinkSync(at(dirFd, name));
}

/** Opens a directory (following host symlinks: the host side is the user's own, /proc/PID/root is a magic link) as a root. */
export function openRootDir(path: string): number {
  return openSync(path, O_PATH | FS.O_DIRECTORY);
}

/** Opens one of our own state directories (an upper dir, a layer), refusing a symlink at its name. */
export function openStateDir(path: string): number {
  return openSync(path, FS.O_RDONLY | FS.O_DIRECTORY | FS.O_NOFOLLOW);
}

/** The entry `name` in the directory, not followed; undefined when absent. */
export function lstatAt(dirFd: number, name: string): BigIntStats | undefined {
  try {
    return lstatSync(at(dirFd, name), { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** A descriptor of the subdirectory `name`, or undefined when it is not (or no longer) a directory. */
export function openDirAt(dirFd: number, name: string): number | undefined {
  try {
    return openSync(at(dirFd, name), FS.O_RDONLY | FS.O_DIRECTORY | FS.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw e;
  }
}

/** Names in the directory, sorted by bytes as Go's filepath.Walk does. */
export function listAt(dirFd: number): string[] {
  return readdirSync(self(dirFd)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

type Ident = Pick<Stats, 'ino' | 'dev'> | Pick<BigIntStats, 'ino' | 'dev'>;

/**
 * The one way a container's file is opened for reading: reopened through the O_PATH descriptor
 * a walk got (never a FIFO wait, never a device's open), and only when it is still a regular
 * file and the very inode `want` describes; undefined otherwise.
 */
function reopenFile(pathFd: number, want: Ident): number | undefined {
  const fd = openSync(self(pathFd), FS.O_RDONLY | FS.O_NONBLOCK | FS.O_NOCTTY);
  const now = fstatSync(fd, { bigint: typeof want.ino === 'bigint' });
  if (!now.isFile() || now.ino !== want.ino || now.dev !== want.dev) {
    closeSync(fd);
    return undefined;
  }
  return fd;
}

/** Opens the regular file `name` for reading if it is still the very file `st` describes; undefined otherwise. */
export function openFileAt(dirFd: number, name: string, st: BigIntStats): number | undefined {
  let n: Node | undefined;
  try {
    n = lookupAt(dirFd, name);
  } catch {
    return undefined;
  }
  if (!n) return undefined;
  try {
    return n.st.isFile() ? reopenFile(n.fd, st) : undefined;
  } finally {
    closeSync(n.fd);
  }
}

export { closeSync, readSync };

const KIND: Partial<Record<string, string>> = { dir: 'a directory', fifo: 'a FIFO', socket: 'a socket', char: 'a character device', block: 'a block device' };
const kindOf = (st: Stats): string => KIND[entryTypeOf(st)] ?? 'not a regular file';

/** Opens a regular file found by a walk for reading (see reopenFile); InRootError otherwise. */
export function openFile(n: Node, what: string): number {
  if (!n.st.isFile()) throw new InRootError(`${what} is ${kindOf(n.st)}, not a regular file`);
  const fd = reopenFile(n.fd, n.st);
  if (fd === undefined) throw new InRootError(`${what} changed while being read`);
  return fd;
}

/** Reads a regular file found by a walk, at most `max` bytes (InRootError beyond). */
export function readBounded(n: Node, what: string, max = MAX_FILE_BYTES): string {
  const fd = openFile(n, what);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(64 << 10, max + 1 - total));
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      chunks.push(buf.subarray(0, got));
      total += got;
      if (total > max) throw new InRootError(`${what} is larger than ${max % (1 << 20) ? `${max} bytes` : `${max >> 20} MiB`}`);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

// ---- a root ----------------------------------------------------------------------------------

export class Root {
  private readonly kernelDev = new Map<number, boolean>();
  constructor(
    readonly fd: number,
    /** How messages name this tree ("container x", a host directory). */
    readonly label: string,
  ) {}

  closeDir(fd: number): void {
    if (fd !== this.fd) closeSync(fd);
  }

  /** Is this directory on a kernel filesystem (read as empty, never written)? */
  isKernelDir(dir: Node): boolean {
    let k = this.kernelDev.get(dir.st.dev);
    if (k === undefined) {
      try {
        k = KERNEL_FS.has(Number(statfsSync(self(dir.fd)).type));
      } catch {
        k = false;
      }
      this.kernelDev.set(dir.st.dev, k);
    }
    return k;
  }

  /** openat(dir, name, O_PATH|O_NOFOLLOW) and fstat; undefined when absent. */
  lookup(dir: number, name: string): Node | undefined {
    return lookupAt(dir, name);
  }

  private rootNode(): Node {
    return { fd: this.fd, st: fstatSync(this.fd) };
  }

  /** This root as a tree for walk(): kernel directories are empty, a symlink hands back its node. */
  readonly tree: Tree<Node, Node> = {
    root: () => this.rootNode(),
    lookup: (dir, name) => {
      const n = this.isKernelDir(dir) ? undefined : lookupAt(dir.fd, name);
      if (!n) return { kind: 'absent' };
      if (n.st.isDirectory()) return { kind: 'dir', dir: n };
      if (n.st.isSymbolicLink()) return { kind: 'link', target: linkTarget(dir.fd, name), node: n };
      return { kind: 'other', node: n };
    },
    close: (dir) => this.closeDir(dir.fd),
    release: (n) => closeSync(n.fd),
  };

  /**
   * Resolves `path` inside the root (walk()): every component but the last is followed through
   * symlinks; the last too when `followLast`. Returns where the last component is (its parent
   * and, when it exists, its node), or undefined when a directory on the way is missing or not
   * a directory. A path ending on a directory already walked (`/`, `..`) resolves to it: the
   * root itself is parent the root, name ''.
   */
  locate(path: string, followLast: boolean): Located | undefined {
    const w = walk(this.tree, path, followLast, { hops: MAX_LINK_HOPS, steps: MAX_STEPS });
    if (!w) return undefined;
    const f = w.found;
    const node = f.kind === 'dir' ? f.dir : f.kind === 'absent' ? undefined : f.node;
    if (w.chain.length === 0) return { parent: this.fd, parentPath: [], name: '', node };
    for (const s of w.chain.slice(0, -1)) this.closeDir(s.dir.fd);
    return { parent: w.chain[w.chain.length - 1]!.dir.fd, parentPath: w.chain.slice(1).map((s) => s.name), name: w.name, node };
  }

  /** Closes what locate() handed out. */
  dispose(l: Located): void {
    this.closeDir(l.parent);
    if (l.node && l.node.fd !== this.fd && l.node.fd !== l.parent) closeSync(l.node.fd);
  }

  /** A directory's entry names (none for a kernel filesystem's), sorted for a stable order. */
  list(dir: Node): string[] {
    if (this.isKernelDir(dir)) return [];
    return readdirSync(self(dir.fd)).sort();
  }

  readLink(dir: number, name: string): string {
    return readlinkAt(dir, name);
  }

  openFile(n: Node, what: string): number {
    return openFile(n, what);
  }

  // ---- writing ----------------------------------------------------------------------------

  /** Removes a non-directory entry (unlink never follows a symlink). */
  unlink(dir: number, name: string): void {
    unlinkSync(at(dir, name));
  }

  /** mkdir (never follows a symlink at the name); returns the new directory, checked. */
  mkdir(dir: number, name: string, mode: number): Node {
    mkdirSync(at(dir, name), { mode: mode & 0o7777 });
    const n = this.lookup(dir, name);
    if (!n || !n.st.isDirectory()) {
      if (n) closeSync(n.fd);
      throw new InRootError(`${name} was replaced while it was being made`);
    }
    return n;
  }

  /** A new regular file, O_CREAT|O_EXCL|O_NOFOLLOW: an existing name (a planted symlink too) is an error, never followed. */
  createFile(dir: number, name: string): number {
    return openSync(at(dir, name), FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW | FS.O_NOCTTY, 0o600);
  }

  symlink(dir: number, name: string, target: string): void {
    symlinkSync(target, at(dir, name));
  }

  /** A hard link to an existing non-directory (link(2) does not follow a symlink at the old name). */
  link(fromDir: number, fromName: string, dir: number, name: string): void {
    linkSync(at(fromDir, fromName), at(dir, name));
  }

  /** A FIFO or device node, made by mkfifo/mknod in a child that gets the directory as its fd 3. */
  mknod(dir: number, name: string, kind: 'fifo' | 'char' | 'block', major = 0, minor = 0): void {
    const target = `/proc/self/fd/3/${name}`;
    const [cmd, args] = kind === 'fifo' ? ['mkfifo', ['-m', '600', '--', target]] : ['mknod', ['-m', '600', '--', target, kind === 'char' ? 'c' : 'b', String(major), String(minor)]];
    const r = spawnSync(cmd as string, args as string[], { stdio: ['ignore', 'ignore', 'pipe', dir], encoding: 'utf8', env: childEnv() });
    if (r.error || r.status !== 0) throw new InRootError(`cannot make ${kind} ${name}: ${r.error?.message ?? r.stderr.trim()}`);
  }

  /** Owner, mode and times of a regular file through its open descriptor (chown first: it clears setuid). */
  setFileMeta(fd: number, uid: number, gid: number, mode: number, mtime: number): void {
    fchownSync(fd, uid, gid);
    fchmodSync(fd, mode & 0o7777);
    futimesSync(fd, mtime, mtime);
  }

  /** Owner, mode and times of a directory, FIFO or device, through an O_PATH descriptor checked to be that node. */
  setNodeMeta(n: Node, uid: number, gid: number, mode: number, mtime: number | undefined): void {
    // A path through an O_PATH descriptor's magic link names exactly that inode (not a symlink:
    // callers pass directories, FIFOs and devices only).
    if (n.st.isSymbolicLink()) throw new InRootError('internal: setNodeMeta on a symlink');
    chownSync(self(n.fd), uid, gid);
    chmodSync(self(n.fd), mode & 0o7777);
    if (mtime !== undefined) utimesSync(self(n.fd), mtime, mtime);
  }

  /** Owner and times of a symlink itself (lchown/lutimes never follow it). */
  setLinkMeta(dir: number, name: string, uid: number, gid: number, mtime: number): void {
    lchownSync(at(dir, name), uid, gid);
    lutimesSync(at(dir, name), mtime, mtime);
  }
}
