// Reading a file of a container's root from the host side (its /etc/passwd and /etc/group, to
// resolve `-u`), resolved inside that root the way openat2(RESOLVE_IN_ROOT) would: the image and
// the running container are hostile, so a symlink (absolute or relative) is followed inside the
// root and `..` stops at it — as a chroot sees it, never the host's /etc/shadow — and only a
// regular file of bounded size is read, with no open that can block (a FIFO, a device).
//
// The walk and its rules (links, `..`, kernel filesystems, regular files, size) are inroot.ts's.
//
// Two trees: a running container's root (/proc/PID/root, for `exec`) and its layers (for
// `start` and `run -u`, before any mount exists): upper dir first, then layers top-down, with
// overlayfs's rules — a whiteout (character device 0/0) hides lower entries, a directory marked
// trusted.overlay.opaque=y hides the same directory in lower layers, a non-directory ends the
// merge. (The shim mounts overlayfs without redirect_dir or metacopy, so those xattrs never occur.)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, type BigIntStats, type Stats } from 'node:fs';
import { childEnv } from '../../host/env.js';
import {
  InRootError, MAX_FILE_BYTES, Root, linkTarget, lookupAt, openRootDir, readBounded, resolveIn, type Entry, type Node, type Tree,
} from './inroot.js';

/** `-u`'s name for inroot.ts's error (the same class). */
export { InRootError as RootFileError };

/** A whiteout of overlayfs: a character device 0/0. */
export const isWhiteout = (st: Stats | BigIntStats): boolean => st.isCharacterDevice() && Number(st.rdev) === 0;

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
        for (const d of this.dirs) fds.push(openRootDir(d));
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
        const n = lookupAt(fd, name);
        if (!n) continue; // not in this layer: lower ones may have it
        if (merged.length > 0) {
          if (n.st.isDirectory()) merged.push(n);
          else {
            closeSync(n.fd);
            break; // a non-directory under a directory ends the merge
          }
          continue;
        }
        if (isWhiteout(n.st)) {
          closeSync(n.fd);
          return { kind: 'absent' }; // whiteout
        }
        if (n.st.isDirectory()) {
          merged.push(n);
          continue;
        }
        if (n.st.isSymbolicLink()) {
          closeSync(n.fd);
          return { kind: 'link', target: linkTarget(fd, name) };
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

function readResolved(path: string, read: () => string | undefined): string | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof InRootError) throw e;
    throw new InRootError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readInTree<D>(tree: Tree<D, Node>, path: string, max: number): string | undefined {
  const r = resolveIn(tree, path);
  if (r.kind === 'absent') return undefined;
  if (r.kind === 'dir') throw new InRootError(`${path} is a directory, not a regular file`);
  try {
    return readBounded(r.node, path, max);
  } finally {
    closeSync(r.node.fd);
  }
}

/**
 * A file of a running process's root (/proc/PID/root), resolved inside it. `undefined` when it
 * does not exist there; InRootError when it is not a regular file, too large, or a link loop.
 */
export function readInProcRoot(pid: number, path: string, max = MAX_FILE_BYTES): string | undefined {
  let rootFd: number;
  try {
    rootFd = openRootDir(`/proc/${pid}/root`);
  } catch (e) {
    throw new InRootError(`cannot open the root of process ${pid}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return readResolved(path, () => readInTree(new Root(rootFd, `process ${pid}`).tree, path, max));
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
  return { read: (path, max = MAX_FILE_BYTES) => readResolved(path, () => readInTree(tree, path, max)), close: () => tree.dispose() };
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
    if (r.error) throw new InRootError(`cannot read overlay attributes: ${r.error.message}`);
    // "# file: /proc/self/fd/3\ntrusted.overlay.opaque="y"\n\n" for each directory that has it.
    const marked = new Set<string>();
    for (const block of r.stdout.split('\n\n')) {
      const m = /^# file: (\S+)\ntrusted\.overlay\.opaque="(.*)"$/m.exec(block.trim());
      if (m && m[2] === 'y') marked.add(m[1]);
    }
    return paths.map((p) => marked.has(p));
  }
  const nr = GETXATTR_NR[process.arch];
  if (nr === undefined || !existsSync('/usr/bin/perl')) throw new InRootError('cannot read overlay attributes: install the "attr" package (getfattr)');
  // perl's syscall() needs writable scalars, hence the copies; prints one 0/1 a directory.
  const script = `for my $a (@ARGV) { my ($p, $n, $v) = ($a, "trusted.overlay.opaque", "\\0" x 4); my $r = syscall(${nr}, $p, $n, $v, 4); print(($r == 1 && substr($v, 0, 1) eq "y") ? "1" : "0") }`;
  const r = spawnSync('/usr/bin/perl', ['-e', script, ...paths], { stdio: [...stdio], encoding: 'utf8', env: childEnv() });
  if (r.error || r.status !== 0) throw new InRootError(`cannot read overlay attributes: ${r.error?.message ?? r.stderr.trim()}`);
  return paths.map((_, i) => r.stdout[i] === '1');
}
