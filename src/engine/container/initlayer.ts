// Docker's init layer (moby daemon/initlayer): what every container has over its image's layers
// and that is no part of them, so `diff` and `commit` (the upper dir) never see it while the
// merged tree (the container, `export`, `cp`) does: /.dockerenv (empty, 0755), /etc/mtab ->
// /proc/mounts, /dev/console (empty, 0755; under the container's /dev tmpfs at run time), /dev/pts
// and /dev/shm, and the mount points of /etc/hosts, /etc/hostname and /etc/resolv.conf (empty,
// 0755: the shim finds them and binds the container's files there, nothing copied up). Docker makes one per container; its contents never differ, so here one per state
// root serves every container as the top-most lower dir (one stat per start once it exists).
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { paths, under } from '../../state/paths.js';

/** Where it is (made or not: `run --dry-run` names it and makes nothing). */
export const initLayerPath = (): string => under(paths.root(), 'init-layer');

export function initLayer(): string {
  const dir = initLayerPath();
  if (existsSync(dir)) return dir;
  // made aside and renamed into place: a racing start either sees none or all of it
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    for (const d of ['etc', 'dev/pts', 'dev/shm']) mkdirSync(`${tmp}/${d}`, { recursive: true, mode: 0o755 });
    for (const f of ['.dockerenv', 'dev/console', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf']) {
      closeSync(openSync(`${tmp}/${f}`, 'w', 0o755));
      chmodSync(`${tmp}/${f}`, 0o755); // (the umask)
    }
    chmodSync(tmp, 0o755);
    symlinkSync('/proc/mounts', `${tmp}/etc/mtab`);
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e; // else another start made it first (rename onto a non-empty dir)
  }
  return dir;
}

/** The container's lower dirs for overlayfs, top-most first: the init layer over its image's layers. */
export const lowerDirs = (layerDirs: string[], make = true): string[] => [make ? initLayer() : initLayerPath(), ...[...layerDirs].reverse()];
