// A directory tree confined to a root descriptor, for reading AND writing: a container's root
// (its /proc/PID/root, or a private overlay mount of a stopped one) and, on the host, the
// directory that `cp` extracts into. Everything the container holds is hostile: a symlink it
// planted must never take a read or a write out of the root, a FIFO must never block us, a
// device node must never be opened.
//
// Same mechanism as rootfile.ts (which reads small files for `-u`): Node has no openat(2), but
// a path through our own descriptor's magic link, /proc/self/fd/N/NAME, is openat(N, NAME): the
// kernel jumps to exactly the inode N holds and looks up one component, which O_NOFOLLOW (or
// the call's own no-follow rule: mkdir, symlink, unlink, link, lchown, lutimes, O_CREAT|O_EXCL)
// keeps from being a symlink. The walk opens one component at a time (O_PATH|O_NOFOLLOW), reads
// a symlink's text and walks it from the root or from where it is (`..` goes back along the
// chain of directories really walked and stops at the root), so a link to /etc/shadow reads the
// container's own /etc/shadow, never the host's. A file is created O_CREAT|O_EXCL|O_NOFOLLOW and
// its owner, mode and times are set on the descriptor (fchown/fchmod/futimes), so a swap of the
// name meanwhile cannot redirect them; other nodes are set through an O_PATH descriptor checked
// to be what was made. A directory on a kernel filesystem (proc, sysfs, devpts, cgroup, …) reads
// as empty, as the image's mount point does for Docker: `cp c:/proc …` never reads kernel files
// through the container's view of them.
import { spawnSync } from 'node:child_process';
import {
  closeSync, constants as FS, fchmodSync, fchownSync, fstatSync, futimesSync, linkSync, lchownSync, lutimesSync, mkdirSync,
  openSync, readdirSync, readlinkSync, statfsSync, symlinkSync, unlinkSync, type Stats, chmodSync, chownSync, utimesSync,
} from 'node:fs';
import { childEnv } from '../../host/env.js';
import { MAX_LINK_HOPS, components } from './rootfile.js';

const O_PATH = 0o10000000; // see rootfile.ts
const MAX_STEPS = 4096;

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
    let fd: number;
    try {
      fd = openSync(at(dir, name), O_PATH | FS.O_NOFOLLOW);
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

  private rootNode(): Node {
    return { fd: this.fd, st: fstatSync(this.fd) };
  }

  /**
   * Resolves `path` inside the root (RESOLVE_IN_ROOT semantics): every component but the last is
   * followed through symlinks; the last too when `followLast`. Returns where the last component
   * is (its parent and, when it exists, its node), or undefined when a directory on the way is
   * missing or not a directory. The path `/` (or empty) resolves to the root itself: parent is
   * the root, name ''.
   */
  locate(path: string, followLast: boolean): Located | undefined {
    const stack: { node: Node; name: string }[] = [{ node: this.rootNode(), name: '' }];
    const release = () => {
      for (const s of stack) this.closeDir(s.node.fd);
    };
    const pending = components(path);
    let hops = 0;
    let steps = 0;
    try {
      if (pending.length === 0) return { parent: this.fd, parentPath: [], name: '', node: this.rootNode() };
      while (pending.length > 0) {
        const name = pending.shift()!;
        if (name === '..') {
          if (stack.length > 1) this.closeDir(stack.pop()!.node.fd);
          if (pending.length === 0) pending.push('.');
          continue;
        }
        const top = stack[stack.length - 1]!;
        if (name === '.') {
          // the end of a path that ended in `..`: the directory itself
          const parentPath = stack.slice(1, -1).map((s) => s.name);
          if (stack.length === 1) return this.finish(stack, [], '', top.node);
          const parent = stack[stack.length - 2]!;
          return this.finish(stack, parentPath, top.name, top.node, parent.node.fd);
        }
        if (++steps > MAX_STEPS) throw new InRootError(`${path}: too many path components`);
        const last = pending.length === 0;
        const n = this.isKernelDir(top.node) ? undefined : this.lookup(top.node.fd, name);
        if (!n) {
          if (!last) return release(), undefined;
          return this.finish(stack, stack.slice(1).map((s) => s.name), name, undefined);
        }
        if (n.st.isSymbolicLink() && (!last || followLast)) {
          let target = '';
          try {
            target = readlinkSync(at(top.node.fd, name));
          } catch {
            /* replaced meanwhile: dangling */
          }
          closeSync(n.fd);
          if (++hops > MAX_LINK_HOPS) throw new InRootError(`${path}: too many levels of symbolic links`);
          if (target === '') return last ? this.finish(stack, stack.slice(1).map((s) => s.name), name, undefined) : (release(), undefined);
          if (target.startsWith('/')) while (stack.length > 1) this.closeDir(stack.pop()!.node.fd);
          const t = components(target);
          if (last && (t.length === 0 || t[t.length - 1] === '..')) t.push('.');
          pending.unshift(...t);
          continue;
        }
        if (last) return this.finish(stack, stack.slice(1).map((s) => s.name), name, n);
        if (!n.st.isDirectory()) {
          closeSync(n.fd);
          release();
          return undefined;
        }
        stack.push({ node: n, name });
      }
      return undefined; // not reached
    } catch (e) {
      release();
      throw e;
    }
  }

  private finish(
    stack: { node: Node; name: string }[],
    parentPath: string[],
    name: string,
    node: Node | undefined,
    parentFd?: number,
  ): Located {
    const parent = parentFd ?? stack[stack.length - 1]!.node.fd;
    // Keep the parent and the node (when the node is a directory on the stack), close the rest.
    for (const s of stack) if (s.node.fd !== parent && s.node.fd !== node?.fd) this.closeDir(s.node.fd);
    return { parent, parentPath, name, node };
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
    return readlinkSync(at(dir, name));
  }

  /** Opens a regular file found by a walk for reading: reopened through its O_PATH descriptor (never a FIFO wait, never a device open). */
  openFile(n: Node, what: string): number {
    if (!n.st.isFile()) throw new InRootError(`${what} is not a regular file`);
    const fd = openSync(self(n.fd), FS.O_RDONLY | FS.O_NONBLOCK | FS.O_NOCTTY);
    const st = fstatSync(fd);
    if (!st.isFile() || st.ino !== n.st.ino || st.dev !== n.st.dev) {
      closeSync(fd);
      throw new InRootError(`${what} changed while being read`);
    }
    return fd;
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

/** Opens a directory (following host symlinks: the host side is the user's own) as a root. */
export function openRootDir(path: string): number {
  return openSync(path, O_PATH | FS.O_DIRECTORY);
}
