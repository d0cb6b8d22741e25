// `cp`: files between a container and the host, with Docker's path rules (docker/cli's
// cli/command/container/cp.go and moby's archive/copy.go: trailing `/` and `/.`, destination
// there or not, file or directory) and Docker's tar stream for `-`.
//
// Safety (issue 11): every path of the container is resolved inside its root by inroot.ts,
// component by component, never by the host following the container's symlinks; files are
// created O_CREAT|O_EXCL|O_NOFOLLOW and their metadata set on descriptors. The destination on
// the host gets the same treatment below the directory the user named: an archive (or a
// container's tree) that holds `d -> /etc` and then `d/passwd` writes the copy's own d/passwd,
// never the host's /etc/passwd. Kernel filesystems inside the container (proc, sysfs, …) read
// as empty directories; device nodes are never made on the host; setuid/setgid bits are
// dropped on the host unless -a keeps owners too.
//
// The container's tree: a running container's is its PID 1's /proc/PID/root (the very overlay
// and volumes it sees). A stopped container has no mount anywhere, so its overlay (upper dir
// over its layers, with the kernel's own whiteout and copy-up rules) is mounted for the copy in
// a private mount namespace of a helper process (`unshare --mount`), opened from here through
// /proc/HELPER/root, and the helper ends at once: the mount lives only as long as our
// descriptor, is seen by no other process, and cannot outlive this one. The container's lock
// is held meanwhile, so it cannot start on the same upper dir.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync, constants as FS, existsSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync, writeSync, type Stats,
} from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../../errors.js';
import { childEnv } from '../../host/env.js';
import { withLock } from '../../state/lock.js';
import { files, livePid, readExit, stateOf, type ContainerRecord } from './record.js';
import { InRootError, Root, openRootDir, type Node } from './inroot.js';
import { entryTypeOf, type TarEntryType } from '../image/tarwriter.js';
import { lowerDirs } from './initlayer.js';
import { TarStream } from '../image/tarstream.js';
import type { IdNames } from './idnames.js';

// ---- entries: what flows from a source to a sink -------------------------------------------

export interface Entry {
  /** Components below the copy's destination directory; [] is that directory itself. */
  path: string[];
  type: TarEntryType | 'socket';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  /** Symlink target, or a hard link's archive path (components joined with '/'). */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

export interface Sink {
  entry(e: Entry): void;
  data(chunk: Buffer): void;
  endEntry(): void;
  end(): void;
}

function metaOf(st: Stats, path: string[]): Entry {
  const t = entryTypeOf(st);
  const e: Entry = { path, type: t, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), size: t === 'file' ? st.size : 0 };
  if (t === 'char' || t === 'block') {
    e.devmajor = Math.floor(st.rdev / 256) & 0xfff;
    e.devminor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  }
  return e;
}

/** Streams `size` bytes of an open file to the sink; a file that shrank meanwhile is padded (the header said its size). */
function pumpFile(fd: number, size: number, sink: Sink): void {
  const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(size, 1)));
  let left = size;
  while (left > 0) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
    if (n === 0) {
      sink.data(Buffer.alloc(left));
      break;
    }
    sink.data(Buffer.from(buf.subarray(0, n)));
    left -= n;
  }
}

/** Hard links: the first path of every inode seen with more than one link. */
class Links {
  private readonly seen = new Map<string, string>();
  check(st: Stats, path: string[]): string | undefined {
    if (st.isDirectory() || st.nlink < 2) return undefined;
    const key = `${st.dev}:${st.ino}`;
    const first = this.seen.get(key);
    if (first !== undefined) return first;
    this.seen.set(key, path.join('/'));
    return undefined;
  }
}

/** A tree of the container, from a node the walk found, as entries named `[name, …]` ([] for '.'). */
export function sendFromRoot(root: Root, node: Node, parent: number, name: string, base: string[], sink: Sink, warn: (m: string) => void): void {
  const links = new Links();
  const walk = (n: Node, dir: number, nm: string, path: string[]): void => {
    const first = links.check(n.st, path);
    if (first !== undefined) {
      sink.entry({ ...metaOf(n.st, path), type: 'hardlink', size: 0, linkname: first });
      sink.endEntry();
      return;
    }
    const e = metaOf(n.st, path);
    if (e.type === 'socket') return warn(`${['', ...path].join('/') || '/'}: a socket is not copied`);
    if (e.type === 'symlink') e.linkname = root.readLink(dir, nm);
    sink.entry(e);
    if (e.type === 'file') {
      const fd = root.openFile(n, nm);
      try {
        pumpFile(fd, e.size, sink);
      } finally {
        closeSync(fd);
      }
    }
    sink.endEntry();
    if (e.type !== 'dir') return;
    for (const child of root.list(n)) {
      const c = root.lookup(n.fd, child);
      if (!c) continue; // gone meanwhile
      try {
        walk(c, n.fd, child, [...path, child]);
      } finally {
        closeSync(c.fd);
      }
    }
  };
  walk(node, parent, name, base);
}

/** A tree of the host (the user's own files: followed as the user named them), as entries. */
export function sendFromHost(path: string, base: string[], sink: Sink, warn: (m: string) => void): void {
  const links = new Links();
  const walk = (p: string, rel: string[]): void => {
    const st = lstatSync(p);
    const first = links.check(st, rel);
    if (first !== undefined) {
      sink.entry({ ...metaOf(st, rel), type: 'hardlink', size: 0, linkname: first });
      sink.endEntry();
      return;
    }
    const e = metaOf(st, rel);
    if (e.type === 'socket') return warn(`${p}: a socket is not copied`);
    if (e.type === 'symlink') e.linkname = readlinkSync(p);
    sink.entry(e);
    if (e.type === 'file') {
      const fd = openSync(p, FS.O_RDONLY | FS.O_NOFOLLOW | FS.O_NONBLOCK);
      try {
        pumpFile(fd, e.size, sink);
      } finally {
        closeSync(fd);
      }
    }
    sink.endEntry();
    if (e.type === 'dir') for (const c of readdirSync(p).sort()) walk(posix.join(p, c), [...rel, c]);
  };
  walk(path, base);
}

// ---- the tar stream of `-` ---------------------------------------------------------------------

/** `cp … -`: Docker's archive of the source on stdout. */
export class TarOut implements Sink {
  private readonly out: TarStream;
  constructor(fd: number, private readonly names?: IdNames) {
    this.out = new TarStream(fd);
  }
  get bytes(): number {
    return this.out.bytes;
  }
  entry(e: Entry): void {
    if (e.type === 'socket') return;
    let name = e.path.length === 0 ? '.' : e.path.join('/');
    if (e.type === 'dir') name += '/';
    const { type, mode, uid, gid, mtime, linkname, devmajor, devminor } = e;
    this.out.entry({ path: name, type, mode, uid, gid, mtime, linkname, devmajor, devminor, ...this.names?.(uid, gid) }, e.type === 'file' ? e.size : 0);
  }
  data(chunk: Buffer): void {
    this.out.data(chunk);
  }
  endEntry(): void {
    this.out.endEntry();
  }
  end(): void {
    this.out.end();
  }
}

// ---- writing a tree below a directory ----------------------------------------------------------

export type Owners = { kind: 'keep' } | { kind: 'fixed'; uid: number; gid: number };

export interface DirSinkOptions {
  owners: Owners;
  /** Device nodes may be made (inside a container); never on the host. */
  devices: boolean;
  /** Drop setuid/setgid (host copies whose owners are not kept). */
  dropSetid: boolean;
  warn: (m: string) => void;
}

/**
 * Writes entries below `base` (canonical components of a directory inside `root`): each entry's
 * parent is resolved inside the root (links planted by the container or by earlier entries
 * stay inside it), its own name is never followed. Docker's rules: a directory over an existing
 * directory merges, a non-directory replaces a non-directory, and one never replaces the other.
 */
export class DirSink implements Sink {
  private file: number | undefined;
  private pending: Entry | undefined;
  private readonly dirTimes: { path: string[]; mtime: number }[] = [];
  bytes = 0;
  constructor(
    private readonly root: Root,
    private readonly base: string[],
    private readonly o: DirSinkOptions,
  ) {}

  private where(path: string[]): string {
    return '/' + [...this.base, ...path].join('/');
  }

  private owner(e: Entry): [number, number] {
    return this.o.owners.kind === 'keep' ? [e.uid, e.gid] : [this.o.owners.uid, this.o.owners.gid];
  }

  private mode(e: Entry): number {
    return this.o.dropSetid ? e.mode & ~0o6000 : e.mode;
  }

  /** The parent directory of an entry, resolved inside the root from the copy's base. */
  private parentOf(path: string[]): { dir: number; name: string; close: () => void } {
    const l = this.root.locate('/' + [...this.base, ...path.slice(0, -1)].join('/'), true);
    if (!l || !l.node || !l.node.st.isDirectory()) {
      if (l) this.root.dispose(l);
      throw new UserError(`cannot copy to ${this.where(path)}: ${this.where(path.slice(0, -1))} is not a directory`, 1);
    }
    const dirFd = l.node.fd;
    return {
      dir: dirFd,
      name: path[path.length - 1]!,
      close: () => this.root.dispose(l),
    };
  }

  entry(e: Entry): void {
    this.pending = e;
    if (e.type === 'socket') return;
    if (e.path.length === 0) {
      // The destination directory itself ('.' of an archive): it exists; Docker leaves it as it is.
      if (e.type !== 'dir') throw new UserError(`cannot overwrite directory ${this.where([])} with non-directory`, 1);
      return;
    }
    const p = this.parentOf(e.path);
    try {
      this.create(e, p.dir, p.name);
    } finally {
      p.close();
    }
  }

  private create(e: Entry, dir: number, name: string): void {
    const [uid, gid] = this.owner(e);
    const existing = this.root.lookup(dir, name);
    if (existing) {
      const isDir = existing.st.isDirectory();
      try {
        if (isDir && e.type !== 'dir') throw new UserError(`cannot overwrite directory ${JSON.stringify(this.where(e.path))} with non-directory`, 1);
        if (!isDir && e.type === 'dir') throw new UserError(`cannot overwrite non-directory ${JSON.stringify(this.where(e.path))} with directory`, 1);
        if (isDir) {
          this.root.setNodeMeta(existing, uid, gid, this.mode(e), undefined);
          this.dirTimes.push({ path: e.path, mtime: e.mtime });
          return;
        }
      } finally {
        closeSync(existing.fd);
      }
      this.root.unlink(dir, name);
    }
    switch (e.type) {
      case 'dir': {
        const n = this.root.mkdir(dir, name, 0o700);
        try {
          this.root.setNodeMeta(n, uid, gid, this.mode(e), undefined);
        } finally {
          closeSync(n.fd);
        }
        this.dirTimes.push({ path: e.path, mtime: e.mtime });
        return;
      }
      case 'file':
        this.file = this.root.createFile(dir, name);
        return;
      case 'symlink':
        this.root.symlink(dir, name, e.linkname ?? '');
        this.root.setLinkMeta(dir, name, uid, gid, e.mtime);
        return;
      case 'hardlink': {
        const target = cleanArchivePath(e.linkname ?? '');
        if (!target || target.length === 0) throw new UserError(`invalid hard link ${JSON.stringify(e.linkname)} in ${this.where(e.path)}`, 1);
        const p = this.parentOf(target);
        try {
          const t = this.root.lookup(p.dir, p.name);
          if (!t || t.st.isDirectory()) {
            if (t) closeSync(t.fd);
            throw new UserError(`invalid hard link ${this.where(e.path)} -> ${e.linkname}: no such file`, 1);
          }
          closeSync(t.fd);
          this.root.link(p.dir, p.name, dir, name);
        } finally {
          p.close();
        }
        return;
      }
      case 'fifo':
      case 'char':
      case 'block': {
        if (e.type !== 'fifo' && !this.o.devices) {
          this.o.warn(`${this.where(e.path)}: a device node is not made on the host (skipped)`);
          return;
        }
        this.root.mknod(dir, name, e.type, e.devmajor, e.devminor);
        const n = this.root.lookup(dir, name);
        if (!n || entryTypeOf(n.st) !== e.type) {
          if (n) closeSync(n.fd);
          throw new UserError(`${this.where(e.path)} was replaced while it was being made`, 1);
        }
        try {
          this.root.setNodeMeta(n, uid, gid, this.mode(e), e.mtime);
        } finally {
          closeSync(n.fd);
        }
        return;
      }
    }
  }

  data(chunk: Buffer): void {
    if (this.file === undefined) return;
    for (let off = 0; off < chunk.length; ) off += writeSync(this.file, chunk, off, chunk.length - off);
    this.bytes += chunk.length;
  }

  endEntry(): void {
    const e = this.pending;
    this.pending = undefined;
    if (this.file === undefined || !e) return;
    const fd = this.file;
    this.file = undefined;
    try {
      const [uid, gid] = this.owner(e);
      this.root.setFileMeta(fd, uid, gid, this.mode(e), e.mtime);
    } finally {
      closeSync(fd);
    }
  }

  end(): void {
    // Directory times last (their entries changed them), deepest first.
    for (const d of this.dirTimes.reverse()) {
      const l = this.root.locate('/' + [...this.base, ...d.path].join('/'), false);
      if (!l) continue;
      try {
        if (l.node?.st.isDirectory()) this.root.setNodeMeta(l.node, l.node.st.uid, l.node.st.gid, l.node.st.mode, d.mtime);
      } finally {
        this.root.dispose(l);
      }
    }
  }

  abort(): void {
    if (this.file !== undefined) closeSync(this.file);
    this.file = undefined;
  }
}

/** An archive entry's path as components below the extraction directory; undefined when it climbs out (Docker: a breakout). */
export function cleanArchivePath(name: string): string[] | undefined {
  const out: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

// ---- the container's tree ----------------------------------------------------------------------

const MNT_OPTS_MAX = 4000; // mount(2) takes one page of options

function overlayOptions(rec: ContainerRecord, readonly: boolean): string {
  const lowers = lowerDirs(rec.LayerDirs);
  const dirs = [files.upper(rec.Id), files.work(rec.Id), ...lowers];
  const bad = dirs.find((d) => /[,:\\]/.test(d));
  if (bad) throw new UserError(`cannot mount the stopped container's files: the path ${bad} holds a ',', ':' or '\\'`);
  const opts = `${readonly ? 'ro,' : ''}lowerdir=${lowers.join(':')},upperdir=${files.upper(rec.Id)},workdir=${files.work(rec.Id)}`;
  if (opts.length > MNT_OPTS_MAX) throw new UserError(`cannot mount the stopped container's ${rec.LayerDirs.length} layers for cp (mount options over one page); start the container and copy then`);
  return opts;
}

const nsOf = (pid: number | 'self'): string => {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return '';
  }
};

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The stopped container's overlay, mounted in a private mount namespace of a helper (`unshare
 * --mount --propagation private cat`, which waits on its stdin), opened from here through
 * /proc/HELPER/root; then the helper ends. The mount is then reachable only through the
 * returned descriptor and goes away with it (or with this process).
 */
async function mountStopped(rec: ContainerRecord, readonly: boolean): Promise<number> {
  const opts = overlayOptions(rec, readonly);
  const target = files.rootfs(rec.Id);
  if (!existsSync(target)) throw new UserError(`container ${rec.Name} has no rootfs directory (${target})`);
  const helper = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'cat'], { stdio: ['pipe', 'ignore', 'pipe'], env: childEnv() });
  let stderr = '';
  helper.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => helper.on('close', () => r()));
  helper.on('error', () => undefined);
  try {
    const pid = helper.pid;
    if (!pid) throw new UserError(`cannot start unshare to mount the stopped container's files: ${stderr.trim() || 'not found'}`);
    const mine = nsOf('self');
    for (let i = 0; nsOf(pid) === mine || nsOf(pid) === ''; i++) {
      if (helper.exitCode !== null || i > 500) throw new UserError(`cannot make a private mount namespace (unshare): ${stderr.trim() || 'timed out'}`);
      await sleepMs(2);
    }
    const m = spawnSync('nsenter', [`--mount=/proc/${pid}/ns/mnt`, '--', 'mount', '-t', 'overlay', 'overlay', '-o', opts, target], { encoding: 'utf8', env: childEnv() });
    if (m.error || m.status !== 0) throw new UserError(`cannot mount the stopped container's files: ${m.error?.message ?? m.stderr.trim()}`);
    const fd = openRootDir(`/proc/${pid}/root${target}`);
    const host = statSync(target);
    const st = fstatSync(fd);
    if (st.dev === host.dev && st.ino === host.ino) {
      closeSync(fd);
      throw new UserError('cannot mount the stopped container\'s files: the mount is not visible');
    }
    return fd;
  } finally {
    helper.stdin!.end();
    await exited;
  }
}

export interface ContainerTree {
  root: Root;
  running: boolean;
  close(): void;
}

/**
 * Runs fn with the container's tree (see the top of this file). A stopped container is held
 * under its lock for the whole copy, so it cannot start meanwhile.
 */
export async function withContainerTree<T>(rec: ContainerRecord, write: boolean, fn: (t: ContainerTree) => T | Promise<T>): Promise<T> {
  const running = async (): Promise<T | undefined> => {
    const pid = livePid(rec.Id);
    if (!pid) return undefined;
    let fd: number;
    try {
      fd = openRootDir(`/proc/${pid}/root`);
    } catch {
      return undefined;
    }
    // The PID must still be the container's after the open (not a reused one lending its root).
    if (livePid(rec.Id) !== pid) {
      closeSync(fd);
      return undefined;
    }
    const root = new Root(fd, `container ${rec.Name}`);
    try {
      return await fn({ root, running: true, close: () => undefined });
    } finally {
      closeSync(fd);
    }
  };
  const first = await running();
  if (first !== undefined) return first;
  return withLock(`c-${rec.Id}`, async () => {
    // A start in flight (wired, no pid file yet, no exit) mounts the overlay itself: let it settle.
    for (let i = 0; i < 250 && rec.StartedAt && !readExit(rec.Id) && !livePid(rec.Id) && stateOf(rec).Status !== 'exited'; i++) {
      const cur = (await import('./record.js')).loadRecord(rec.Id);
      if (!cur?.Wired) break;
      await sleepMs(20);
    }
    if (stateOf(rec).Running) {
      const again = await running();
      if (again !== undefined) return again;
    }
    const fd = await mountStopped(rec, !write);
    const root = new Root(fd, `container ${rec.Name}`);
    try {
      return await fn({ root, running: false, close: () => undefined });
    } finally {
      closeSync(fd);
    }
  });
}

export { InRootError };
