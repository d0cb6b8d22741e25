// `save -o FILE` and `export -o FILE`: docker/cli checks the path before it asks the daemon for
// anything (moby/sys atomicwriter's validateDestination): its directory must be one, and FILE,
// when it is there, a regular file. Its words, to go after "failed to save image: " or
// "failed to export container: ".
import { lstatSync, statSync } from 'node:fs';
import { dirname, normalize } from 'node:path';
import { goErrno } from '../errors.js';

/** Why FILE cannot be written as Docker's CLI says it, or undefined. */
export function outputPathRefusal(file: string): string | undefined {
  const dir = dirname(normalize(file));
  if (dir !== '.' && dir !== '..') {
    try {
      if (!statSync(dir).isDirectory()) return `invalid output path: stat ${dir}: not a directory`;
    } catch (e) {
      return `invalid output path: stat ${dir}: ${goErrno(e)}`;
    }
  }
  let st;
  try {
    st = lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `failed to stat output path: lstat ${file}: ${goErrno(e)}`;
  }
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'cannot write to a directory';
  if (st.isSymbolicLink()) return 'cannot write to a symbolic link directly';
  if (st.isFIFO()) return 'cannot write to a named pipe (FIFO)';
  if (st.isSocket()) return 'cannot write to a socket';
  return st.isCharacterDevice() ? 'cannot write to a character device file' : 'cannot write to a block device file';
}
