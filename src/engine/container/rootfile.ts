// Reading a file of a container's root from the host side (its /etc/passwd and /etc/group, to
// resolve `-u`), resolved inside that root the way openat2(RESOLVE_IN_ROOT) would: the image and
// the running container are hostile, so a symlink (absolute or relative) is followed inside the
// root and `..` stops at it — as a chroot sees it, never the host's /etc/shadow — and only a
// regular file of bounded size is read, with no open that can block (a FIFO, a device).
//
// Node has no openat2 nor openat, but a lookup through our own descriptor's magic link,
// `/proc/self/fd/N/NAME`, is openat(N, NAME): the kernel jumps to exactly the directory N was
// opened on and then resolves one component, which O_NOFOLLOW keeps from being a symlink. So the
// walk below opens one component at a time with O_PATH|O_NOFOLLOW (no device driver's open, no
// FIFO wait, symlinks themselves), keeps the chain of directories it really went through (so
// `..` is the directory it came from, clamped at the root), reads a symlink's text and walks it
// from the root or the current directory, and reopens only a regular file to read it.
// Magic links of a /proc inside the container are read as plain text too, so they stay inside.
//
// Two trees: a running container's root (/proc/PID/root, for `exec`) and its layers (for
// `start` and `run -u`, before any mount exists): upper dir first, then layers top-down, with
// overlayfs's rules — a whiteout (character device 0/0) hides lower entries, a directory marked
// trusted.overlay.opaque=y hides the same directory in lower layers, a non-directory ends the
// merge. (The shim mounts overlayfs without redirect_dir or metacopy, so those xattrs never occur.)
import { spawnSync } from 'node:child_process';
import { closeSync, constants as FS, existsSync, fstatSync, openSync, readSync, readlinkSync, type Stats } from 'node:fs';
import { childEnv } from '../../host/env.js';

/** The most bytes read from a container's file (/etc/passwd of a large directory is far less). */
export const MAX_FILE_BYTES = 4 << 20;
/** Symlinks followed in one resolution: Linux's own bound (MAXSYMLINKS). */
export const MAX_LINK_HOPS = 40;
/** Component lookups in one resolution: each may cost a getfattr on layers, so it is bounded too. */
export const MAX_STEPS = 256;

/** One clear line about a file of the container that cannot be read (not "absent": that is `undefined`). */
export class RootFileError extends Error {}

/** What looking up one name in a directory found. */
export type Entry<D, F> =
  | { kind: 'absent' }
  | { kind: 'link'; target: string }
  | { kind: 'dir'; dir: D }
  | { kind: 'other'; node: F }; // a regular file, FIFO, device, socket: the caller decides

/** A tree to walk: the walk owns every `D` and `F` it is given and closes each once (but the root). */
export interface Tree<D, F> {
  root(): D;
  lookup(dir: D, name: string): Entry<D, F>;
  close(dir: D): void;
  release(node: F): void;
}

export type Resolved<F> = { kind: 'absent' } | { kind: 'dir' } | { kind: 'other'; node: F };

/** A path's components, without the empty and `.` ones (`..` is kept: the walk clamps it). */
export function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolves `path` in `tree` as the kernel would under RESOLVE_IN_ROOT: absolute symlinks restart
 * at the root, `..` goes back to the directory the walk came from and never above the root, at
 * most `hops` symlinks and `steps` lookups (RootFileError beyond). A component under a
 * non-directory, a dangling link or an empty link target is "absent" (ENOTDIR / ENOENT).
 */
export function resolveIn<D, F>(tree: Tree<D, F>, path: string, limits = { hops: MAX_LINK_HOPS, steps: MAX_STEPS }): Resolved<F> {
  const stack: D[] = [tree.root()];
  try {
    const pending = components(path);
    let hops = 0;
    let steps = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '..') {
        if (stack.length > 1) tree.close(stack.pop()!);
        continue;
      }
      if (++steps > limits.steps) throw new RootFileError(`${path}: too many path components to resolve`);
      const e = tree.lookup(stack[stack.length - 1], name);
      switch (e.kind) {
        case 'absent':
          return { kind: 'absent' };
        case 'dir':
          stack.push(e.dir);
          break;
        case 'link':
          if (++hops > limits.hops) throw new RootFileError(`${path}: too many levels of symbolic links`);
          if (e.target === '') return { kind: 'absent' };
          if (e.target.startsWith('/')) while (stack.length > 1) tree.close(stack.pop()!);
          pending.unshift(...components(e.target));
          break;
        case 'other':
          if (pending.length > 0) {
            tree.release(e.node);
            return { kind: 'absent' };
          }
          return { kind: 'other', node: e.node };
      }
    }
    return { kind: 'dir' };
  } finally {
    for (const d of stack) tree.close(d);
  }
}

// ---- descriptors --------------------------------------------------------------------------

// O_PATH is not in fs.constants; libuv passes open flags through. Its value on every
// architecture Node runs on (asm-generic, x86, arm, powerpc, s390, riscv, mips, loongarch).
const O_PATH = 0o10000000;

interface Node {
  fd: number;
  st: Stats;
}

/** openat(dirFd, name, O_PATH|O_NOFOLLOW); undefined when there is no such entry. */
function openAt(dirFd: number, name: string): Node | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/self/fd/${dirFd}/${name}`, O_PATH | FS.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new RootFileError(`cannot look up ${JSON.stringify(name)}: ${code ?? (e as Error).message}`);
  }
  try {
    return { fd, st: fstatSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function linkText(dirFd: number, name: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${dirFd}/${name}`);
  } catch {
    return ''; // replaced meanwhile: "absent", like a link that vanished under the kernel's walk
  }
}

function openDir(path: string): number {
  return openSync(path, O_PATH | FS.O_DIRECTORY);
}

/** A single directory tree rooted at a descriptor (a running container's /proc/PID/root). */
class FdTree implements Tree<number, Node> {
  constructor(private readonly rootFd: number) {}
  root(): number {
    return this.rootFd;
  }
  lookup(dir: number, name: string): Entry<number, Node> {
    const n = openAt(dir, name);
    if (!n) return { kind: 'absent' };
    if (n.st.isDirectory()) return { kind: 'dir', dir: n.fd };
    if (n.st.isSymbolicLink()) {
      closeSync(n.fd);
      return { kind: 'link', target: linkText(dir, name) };
    }
    return { kind: 'other', node: n };
  }
  close(dir: number): void {
    if (dir !== this.rootFd) closeSync(dir);
  }
  release(node: Node): void {
    closeSync(node.fd);
  }
}

/** Is this directory marked opaque (trusted.overlay.opaque=y)? One child process for all of them. */
export type OpaqueCheck = (dirFds: number[]) => boolean[];

/** The layers of a container not running: a merged directory is its layers' fds, top-most first. */
class LayerTree implements Tree<number[], Node> {
  private roots: number[] | undefined;
  /** Opaque flags by directory (dev:ino), so /etc/passwd and /etc/group cost one check of /etc. */
  private readonly opaqueSeen = new Map<string, boolean>();
  constructor(
    private readonly dirs: string[],
    private readonly opaque: OpaqueCheck,
  ) {}
  root(): number[] {
    if (!this.roots) {
      const fds: number[] = [];
      try {
        for (const d of this.dirs) fds.push(openDir(d));
      } catch (e) {
        for (const fd of fds) closeSync(fd);
        throw e;
      }
      this.roots = fds;
    }
    return this.roots;
  }
  lookup(dir: number[], name: string): Entry<number[], Node> {
    const merged: Node[] = [];
    try {
      for (const fd of dir) {
        const n = openAt(fd, name);
        if (!n) continue; // not in this layer: lower ones may have it
        if (merged.length > 0) {
          if (n.st.isDirectory()) merged.push(n);
          else {
            closeSync(n.fd);
            break; // a non-directory under a directory ends the merge
          }
          continue;
        }
        if (n.st.isCharacterDevice() && n.st.rdev === 0) {
          closeSync(n.fd);
          return { kind: 'absent' }; // whiteout
        }
        if (n.st.isDirectory()) {
          merged.push(n);
          continue;
        }
        if (n.st.isSymbolicLink()) {
          closeSync(n.fd);
          return { kind: 'link', target: linkText(fd, name) };
        }
        return { kind: 'other', node: n };
      }
      if (merged.length > 1) {
        const cut = this.opaqueFlags(merged.slice(0, -1)).indexOf(true);
        if (cut >= 0) for (const n of merged.splice(cut + 1)) closeSync(n.fd);
      }
      if (merged.length === 0) return { kind: 'absent' };
      return { kind: 'dir', dir: merged.splice(0).map((n) => n.fd) };
    } finally {
      for (const n of merged) closeSync(n.fd); // only on an error: a found dir was handed out
    }
  }
  private opaqueFlags(dirs: Node[]): boolean[] {
    const key = (n: Node) => `${n.st.dev}:${n.st.ino}`;
    const unknown = dirs.filter((n) => !this.opaqueSeen.has(key(n)));
    if (unknown.length > 0) {
      const flags = this.opaque(unknown.map((n) => n.fd));
      unknown.forEach((n, i) => this.opaqueSeen.set(key(n), flags[i]!));
    }
    return dirs.map((n) => this.opaqueSeen.get(key(n))!);
  }
  close(dir: number[]): void {
    if (dir !== this.roots) for (const fd of dir) closeSync(fd);
  }
  release(node: Node): void {
    closeSync(node.fd);
  }
  dispose(): void {
    for (const fd of this.roots ?? []) closeSync(fd);
    this.roots = undefined;
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Reads a regular file found by a walk (opened O_PATH): reopened for reading, bounded. */
function readNode(n: Node, path: string, max: number): string {
  if (!n.st.isFile()) throw new RootFileError(`${path} is ${kindOf(n.st)}, not a regular file`);
  // Reopening through the magic link reaches exactly the inode fstat'ed above.
  const fd = openSync(`/proc/self/fd/${n.fd}`, FS.O_RDONLY | FS.O_NONBLOCK | FS.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.ino !== n.st.ino || st.dev !== n.st.dev) throw new RootFileError(`${path} changed while being read`);
    return readBounded(fd, path, max);
  } finally {
    closeSync(fd);
  }
}

function readBounded(fd: number, path: string, max: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(64 << 10, max + 1 - total));
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > max) throw new RootFileError(`${path} is larger than ${max % (1 << 20) ? `${max} bytes` : `${max >> 20} MiB`}`);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

function readResolved<D>(tree: Tree<D, Node>, path: string, max: number): string | undefined {
  try {
    return readResolvedRaw(tree, path, max);
  } catch (e) {
    if (e instanceof RootFileError) throw e;
    throw new RootFileError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readResolvedRaw<D>(tree: Tree<D, Node>, path: string, max: number): string | undefined {
  const r = resolveIn(tree, path);
  if (r.kind === 'absent') return undefined;
  if (r.kind === 'dir') throw new RootFileError(`${path} is a directory, not a regular file`);
  try {
    return readNode(r.node, path, max);
  } finally {
    closeSync(r.node.fd);
  }
}

/**
 * A file of a running process's root (/proc/PID/root), resolved inside it. `undefined` when it
 * does not exist there; RootFileError when it is not a regular file, too large, or a link loop.
 */
export function readInProcRoot(pid: number, path: string, max = MAX_FILE_BYTES): string | undefined {
  let rootFd: number;
  try {
    rootFd = openDir(`/proc/${pid}/root`);
  } catch (e) {
    throw new RootFileError(`cannot open the root of process ${pid}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return readResolved(new FdTree(rootFd), path, max);
  } finally {
    closeSync(rootFd);
  }
}

/** The files of the overlay that `dirs` would make (top-most first: the upper dir, then the layers top-down). */
export interface LayerFiles {
  /** A file resolved inside the overlay with overlayfs's lookup rules; same results as readInProcRoot. */
  read(path: string, max?: number): string | undefined;
  /** Closes the layers' descriptors (opened on the first read). */
  close(): void;
}

export function layerFiles(dirs: string[], opaque: OpaqueCheck = opaqueByXattr): LayerFiles {
  const tree = new LayerTree(dirs, opaque);
  return { read: (path, max = MAX_FILE_BYTES) => readResolved(tree, path, max), close: () => tree.dispose() };
}

/** One file of the overlay that `dirs` would make (see layerFiles). */
export function readInLayers(dirs: string[], path: string, max = MAX_FILE_BYTES, opaque: OpaqueCheck = opaqueByXattr): string | undefined {
  const files = layerFiles(dirs, opaque);
  try {
    return files.read(path, max);
  } finally {
    files.close();
  }
}

// ---- trusted.overlay.opaque -----------------------------------------------------------------

// getxattr(2) numbers, for the perl fallback when getfattr (package attr) is absent.
const GETXATTR_NR: Partial<Record<NodeJS.Architecture, number>> = { x64: 191, arm64: 8, ia32: 229, arm: 229 };

/**
 * Reads trusted.overlay.opaque of directories given as descriptors, in one child process that
 * inherits them as fds 3, 4, … and reads through /proc/self/fd/N (fgetxattr refuses O_PATH fds).
 */
export function opaqueByXattr(dirFds: number[], tool?: 'getfattr' | 'perl'): boolean[] {
  if (dirFds.length === 0) return [];
  const paths = dirFds.map((_, i) => `/proc/self/fd/${3 + i}`);
  const stdio = ['ignore', 'pipe', 'pipe', ...dirFds] as const;
  const getfattr = tool === 'perl' ? undefined : ['/usr/bin/getfattr', '/bin/getfattr'].find((p) => existsSync(p));
  if (getfattr) {
    const r = spawnSync(getfattr, ['--absolute-names', '-e', 'text', '-n', 'trusted.overlay.opaque', '--', ...paths], { stdio: [...stdio], encoding: 'utf8', env: childEnv() });
    if (r.error) throw new RootFileError(`cannot read overlay attributes: ${r.error.message}`);
    // "# file: /proc/self/fd/3\ntrusted.overlay.opaque="y"\n\n" for each directory that has it.
    const marked = new Set<string>();
    for (const block of r.stdout.split('\n\n')) {
      const m = /^# file: (\S+)\ntrusted\.overlay\.opaque="(.*)"$/m.exec(block.trim());
      if (m && m[2] === 'y') marked.add(m[1]);
    }
    return paths.map((p) => marked.has(p));
  }
  const nr = GETXATTR_NR[process.arch];
  if (nr === undefined || !existsSync('/usr/bin/perl')) throw new RootFileError('cannot read overlay attributes: install the "attr" package (getfattr)');
  // perl's syscall() needs writable scalars, hence the copies; prints one 0/1 a directory.
  const script = `for my $a (@ARGV) { my ($p, $n, $v) = ($a, "trusted.overlay.opaque", "\\0" x 4); my $r = syscall(${nr}, $p, $n, $v, 4); print(($r == 1 && substr($v, 0, 1) eq "y") ? "1" : "0") }`;
  const r = spawnSync('/usr/bin/perl', ['-e', script, ...paths], { stdio: [...stdio], encoding: 'utf8', env: childEnv() });
  if (r.error || r.status !== 0) throw new RootFileError(`cannot read overlay attributes: ${r.error?.message ?? r.stderr.trim()}`);
  return paths.map((_, i) => r.stdout[i] === '1');
}
