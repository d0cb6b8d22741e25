// `diff`: what the container changed, from its upper dir, with moby's rules (pkg/archive
// changes.go, overlay): a whiteout or an opaque directory is D; an entry that exists in a lower
// layer is C, except a directory only copied up on the way to a change below it; anything else
// is A; the directory holding an A or D is C. Walk order is Go's filepath.Walk (names sorted).
//
// The upper dir and the layers are walked through descriptors (inroot.ts), never following a
// symlink of the container's; the lower counterpart of each upper directory is opened alongside.
import { type BigIntStats } from 'node:fs';
import { closeSync, listAt, lstatAt, openDirAt, openStateDir } from './inroot.js';
import { isWhiteout, opaqueByXattr } from './rootfile.js';
import { files, mustFind } from './record.js';

export type ChangeKind = 'A' | 'C' | 'D';
export interface Change {
  Kind: ChangeKind;
  Path: string;
}

/** The entry in the lower layers (top-most first), as the first layer that has it holds it. */
function lowerStat(lowers: (number | undefined)[], name: string): BigIntStats | undefined {
  for (const fd of lowers) {
    if (fd === undefined) continue;
    const st = lstatAt(fd, name);
    if (!st) continue;
    return isWhiteout(st) ? undefined : st;
  }
  return undefined;
}

/**
 * What the runtime itself puts in the upper dir: the mount points of /etc/hosts, /etc/hostname,
 * /etc/resolv.conf (bound from the container's directory, so writes to them never reach the
 * upper dir) and of /proc, /sys, /dev. Docker keeps these in its "init" layer, below the
 * container's, so its diff never shows them; neither does this one.
 */
const RUNTIME_MOUNT_POINTS = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/proc', '/sys', '/dev']);

const isDirectChild = (c: Change, dir: string) => c.Path.startsWith(dir + '/') && c.Path.lastIndexOf('/') === dir.length;

export function containerChanges(upperDir: string, layerDirs: string[]): Change[] {
  const walk = (fd: number, rel: string, lowers: (number | undefined)[]): Change[] => {
    const out: Change[] = [];
    const names = listAt(fd).filter((n) => !RUNTIME_MOUNT_POINTS.has(`${rel}/${n}`));
    const stats = names.map((n) => lstatAt(fd, n));
    const dirFds = new Map<string, number>();
    for (const [i, n] of names.entries()) {
      if (stats[i]?.isDirectory()) {
        const d = openDirAt(fd, n);
        if (d !== undefined) dirFds.set(n, d);
      }
    }
    try {
      // trusted.overlay.opaque of this directory's subdirectories, in one child process
      const list = [...dirFds.entries()];
      const opaque = new Map<string, boolean>();
      opaqueByXattr(list.map(([, d]) => d)).forEach((o, i) => opaque.set(list[i][0], o));
      for (const [i, name] of names.entries()) {
        const st = stats[i];
        if (!st) continue; // gone meanwhile
        const path = `${rel}/${name}`;
        const sub = dirFds.get(name);
        const children = () => (sub === undefined ? [] : walkInto(sub, path, lowers, name));
        if (isWhiteout(st) || opaque.get(name)) {
          out.push({ Kind: 'D', Path: path }, ...children());
          continue;
        }
        const low = lowerStat(lowers, name);
        if (!low) {
          out.push({ Kind: 'A', Path: path }, ...children());
          continue;
        }
        if (!(low.isDirectory() && st.isDirectory())) {
          out.push({ Kind: 'C', Path: path }, ...children());
          continue;
        }
        // A directory of the image, copied up: changed when its mode is, or when an entry was
        // added to or deleted from it (moby: its mtime moved; the runtime's mount points moved it
        // too, so the entries decide here). Printed before what changed inside it, as Docker does.
        const inner = children();
        if (low.mode !== st.mode || inner.some((c) => c.Kind !== 'C' && isDirectChild(c, path))) out.push({ Kind: 'C', Path: path });
        out.push(...inner);
      }
    } finally {
      for (const d of dirFds.values()) closeSync(d);
    }
    return out;
  };
  const walkInto = (sub: number, path: string, lowers: (number | undefined)[], name: string): Change[] => {
    const next = lowers.map((l) => (l === undefined ? undefined : openDirAt(l, name)));
    try {
      return walk(sub, path, next);
    } finally {
      for (const l of next) if (l !== undefined) closeSync(l);
    }
  };
  const root = openStateDir(upperDir);
  const lowerRoots: number[] = [];
  try {
    for (const d of [...layerDirs].reverse()) lowerRoots.push(openStateDir(d));
    return walk(root, '', lowerRoots);
  } finally {
    closeSync(root);
    for (const l of lowerRoots) closeSync(l);
  }
}

export function diffContainer(ref: string): Change[] {
  const rec = mustFind(ref);
  return containerChanges(files.upper(rec.Id), rec.LayerDirs);
}
