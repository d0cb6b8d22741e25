// `export`: a tar stream of the container's filesystem as its processes see it (without the
// bind mounts), from its upper dir and its image's layers merged with overlayfs's rules — a
// whiteout (character device 0/0) hides an entry of the layers below, a directory marked
// trusted.overlay.opaque=y hides the same directory below, a non-directory ends the merge —
// read from the host through descriptors (inroot.ts), never following a symlink of the container.
// No mount is needed, so it works the same on a running, paused or stopped container.
//
// Entries in Go's filepath.Walk order (names sorted, parents first), paths relative ("bin/sh",
// directories with a trailing "/"), uid/gid/mode/mtime as on disk, hard links within a layer as
// hard links; sockets are left out (as Docker does). Names or values a ustar header cannot hold
// get a PAX extended header, as Go's archive/tar writes them (tarwriter.ts's entryHeader).
import { type BigIntStats } from 'node:fs';
import { entryHeader, entryTypeOf, type TarEntry } from '../image/tarwriter.js';
import { closeSync, listAt, lstatAt, openDirAt, linkTarget, openFileAt, openStateDir, readSync } from './inroot.js';
import { isWhiteout, opaqueByXattr, readInLayers } from './rootfile.js';
import { lowerDirs } from './initlayer.js';
import { idNames, type IdNames } from './idnames.js';

export type Sink = (chunk: Buffer) => Promise<void> | void;

/** getfattr is asked about at most this many directories (held open) at once. */
const OPAQUE_BATCH = 128;

interface Found {
  /** descriptors of the parent directories that hold the entry, top-most first (several: a merged directory) */
  holders: number[];
  st: BigIntStats;
}

/** What the merged directory `dirs` (top-most first) holds under `name`; undefined: nothing (or a whiteout). */
function lookupMerged(dirs: number[], name: string): Found | undefined {
  let found: Found | undefined;
  for (const fd of dirs) {
    const st = lstatAt(fd, name);
    if (!st) continue;
    if (!found) {
      if (isWhiteout(st)) return undefined;
      found = { holders: [fd], st };
      if (!st.isDirectory()) return found;
      continue;
    }
    if (!st.isDirectory()) break; // a whiteout or a non-directory below a directory ends the merge
    found.holders.push(fd);
  }
  return found;
}

/** Cuts each merged directory after its first opaque part (one getfattr per batch of directories). */
function applyOpaque(found: Map<string, Found>): void {
  const asks: { name: string; index: number }[] = [];
  for (const [name, f] of found) if (f.st.isDirectory()) for (let i = 0; i < f.holders.length - 1; i++) asks.push({ name, index: i });
  for (let start = 0; start < asks.length; start += OPAQUE_BATCH) {
    const batch = asks.slice(start, start + OPAQUE_BATCH);
    const fds: (number | undefined)[] = batch.map((a) => openDirAt(found.get(a.name)!.holders[a.index], a.name));
    try {
      const open = fds.filter((d): d is number => d !== undefined);
      const flags = opaqueByXattr(open);
      let k = 0;
      batch.forEach((a, i) => {
        if (fds[i] === undefined) return;
        if (flags[k++]) {
          const f = found.get(a.name)!;
          if (f.holders.length > a.index + 1) f.holders = f.holders.slice(0, a.index + 1);
        }
      });
    } finally {
      for (const d of fds) if (d !== undefined) closeSync(d);
    }
  }
}

const CHUNK = 1 << 20;

/** Streams the merged tree of `dirs` (top-most first: the upper dir, then the layers top-down) as a tar. */
export async function exportTree(dirs: string[], sink: Sink, owners?: IdNames): Promise<void> {
  const links = new Map<string, string>();
  const buf = Buffer.alloc(CHUNK);
  const emitFile = async (fd: number, size: number) => {
    let left = size;
    while (left > 0) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, left), null);
      if (n === 0) {
        // shrunk while being read (a running container): the header's size is kept, zeros fill it
        await sink(Buffer.alloc(left));
        left = 0;
        break;
      }
      await sink(Buffer.from(buf.subarray(0, n)));
      left -= n;
    }
    const pad = (512 - (size % 512)) % 512;
    if (pad) await sink(Buffer.alloc(pad));
  };
  const walk = async (merged: number[], rel: string): Promise<void> => {
    const names = [...new Set(merged.flatMap((fd) => listAt(fd)))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const found = new Map<string, Found>();
    for (const name of names) {
      const f = lookupMerged(merged, name);
      if (f) found.set(name, f);
    }
    applyOpaque(found);
    for (const [name, f] of found) {
      const path = rel ? `${rel}/${name}` : name;
      const st = f.st;
      const type = entryTypeOf(st);
      if (type === 'socket') continue;
      const base: TarEntry = {
        path,
        type,
        mode: Number(st.mode) & 0o7777,
        uid: Number(st.uid),
        gid: Number(st.gid),
        mtime: Number(st.mtimeNs / 1_000_000_000n),
        ...owners?.(Number(st.uid), Number(st.gid)),
      };
      if (type === 'dir') {
        await sink(entryHeader(base, 0));
        const subs: number[] = [];
        try {
          for (const h of f.holders) {
            const d = openDirAt(h, name);
            if (d !== undefined) subs.push(d);
          }
          if (subs.length) await walk(subs, path);
        } finally {
          for (const d of subs) closeSync(d);
        }
        continue;
      }
      if (type === 'symlink') {
        const target = linkTarget(f.holders[0], name);
        if (target === '') continue; // gone meanwhile (no link has an empty target): left out, as a file is
        await sink(entryHeader({ ...base, linkname: target }, 0));
        continue;
      }
      if (type === 'char' || type === 'block') {
        const rdev = Number(st.rdev);
        // Linux's dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31
        await sink(entryHeader({ ...base, devmajor: (rdev >>> 8) & 0xfff, devminor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) }, 0));
        continue;
      }
      if (type === 'fifo') {
        await sink(entryHeader(base, 0));
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1n) {
        const first = links.get(key);
        if (first !== undefined) {
          await sink(entryHeader({ ...base, type: 'hardlink', linkname: first }, 0));
          continue;
        }
        links.set(key, path);
      }
      const fd = openFileAt(f.holders[0], name, st);
      if (fd === undefined) {
        links.delete(key);
        continue; // replaced meanwhile by something else: left out, never followed
      }
      try {
        const size = Number(st.size);
        await sink(entryHeader(base, size));
        await emitFile(fd, size);
      } finally {
        closeSync(fd);
      }
    }
  };
  const roots: number[] = [];
  try {
    for (const d of dirs) roots.push(openStateDir(d));
    await walk(roots, '');
  } finally {
    for (const fd of roots) closeSync(fd);
  }
  await sink(Buffer.alloc(1024));
}

/** `export CONTAINER`: its merged tree, the upper dir over its image's layers (top-most first). */
export async function exportContainer(ref: string, sink: Sink): Promise<void> {
  const { files, mustFind } = await import('./record.js');
  const rec = mustFind(ref);
  const dirs = [files.upper(rec.Id), ...lowerDirs(rec.LayerDirs)];
  const read = (path: string) => {
    try {
      return readInLayers(dirs, path);
    } catch {
      return undefined; // not a regular file, too large: no names, as os/user finds none
    }
  };
  await exportTree(dirs, sink, idNames(read));
}
