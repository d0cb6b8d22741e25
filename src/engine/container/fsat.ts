// Walking a container's upper dir and layers from the host without following any symlink they
// hold: every lookup goes through a descriptor of the directory it is in (`/proc/self/fd/N/NAME`
// is openat(N, NAME), as in rootfile.ts), the last component is never followed (lstat, or
// O_NOFOLLOW), and a directory is entered only through a descriptor opened O_DIRECTORY|O_NOFOLLOW.
// So a running container that swaps a directory for a symlink meanwhile makes the walk see a
// symlink (or nothing), never a host path.
import { closeSync, constants as FS, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type BigIntStats } from 'node:fs';

const at = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;

export function openRootDir(path: string): number {
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
  return readdirSync(`/proc/self/fd/${dirFd}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export function readlinkAt(dirFd: number, name: string): string {
  return readlinkSync(at(dirFd, name));
}

/**
 * Opens the regular file `name` for reading, if it is still the very file `st` describes (never a
 * symlink, FIFO or device put there meanwhile); undefined otherwise.
 */
export function openFileAt(dirFd: number, name: string, st: BigIntStats): number | undefined {
  let fd: number;
  try {
    fd = openSync(at(dirFd, name), FS.O_RDONLY | FS.O_NOFOLLOW | FS.O_NONBLOCK | FS.O_NOCTTY);
  } catch {
    return undefined;
  }
  const now = fstatSync(fd, { bigint: true });
  if (!now.isFile() || now.ino !== st.ino || now.dev !== st.dev) {
    closeSync(fd);
    return undefined;
  }
  return fd;
}

export { closeSync, readSync };

/** A whiteout of overlayfs: a character device 0/0. */
export const isWhiteout = (st: BigIntStats): boolean => st.isCharacterDevice() && st.rdev === 0n;
