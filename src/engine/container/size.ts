// The size of a container's writable layer (Docker's SizeRw: moby pkg/directory.Size): the sizes
// of everything but directories, each inode once. Walked through descriptors (inroot.ts).
import { closeSync, listAt, lstatAt, openDirAt, openStateDir } from './inroot.js';
import { files } from './record.js';

export function treeSize(dir: string): number {
  const seen = new Set<bigint>();
  let total = 0;
  const walk = (fd: number) => {
    for (const name of listAt(fd)) {
      const st = lstatAt(fd, name);
      if (!st) continue;
      if (st.isDirectory()) {
        const sub = openDirAt(fd, name);
        if (sub === undefined) continue;
        try {
          walk(sub);
        } finally {
          closeSync(sub);
        }
        continue;
      }
      if (st.size === 0n || seen.has(st.ino)) continue;
      seen.add(st.ino);
      total += Number(st.size);
    }
  };
  let root: number;
  try {
    root = openStateDir(dir);
  } catch {
    return 0;
  }
  try {
    walk(root);
  } finally {
    closeSync(root);
  }
  return total;
}

/** SizeRw of a container. */
export const sizeRw = (id: string): number => treeSize(files.upper(id));
