// Where minidock keeps its state. One root (MINIDOCK_ROOT, default /var/lib/minidock);
// tests point it at a temporary directory so they never see each other's state.
import { join } from 'node:path';

export function stateRoot(): string {
  return process.env.MINIDOCK_ROOT || '/var/lib/minidock';
}

// `ps` asks for several files of every container: path.join's normalising costs ~10 µs a call
// in code that runs once (not yet optimised), ~6 ms of a `ps` of 100 containers. The
// containers directory is joined once per root; a container id (64 hex digits, one plain path
// segment) is then appended as join would append it.
let joinedFor: string | undefined;
let containersDir = '';
function containersOf(root: string): string {
  if (root !== joinedFor) {
    containersDir = join(root, 'containers');
    joinedFor = root;
  }
  return containersDir;
}

// The last container's directory: `ps` asks for 6 files of one container, then of the next
// (each path made anew was ~400 bytes of garbage: 100 containers, a scavenge more).
let lastDir = { containers: '', id: '', dir: '' };
function containerDir(id: string): string {
  const containers = containersOf(stateRoot());
  if (id !== lastDir.id || containers !== lastDir.containers) lastDir = { containers, id, dir: under(containers, id) };
  return lastDir.dir;
}

/** join(dir, name) for a dir join() made: dir + '/' + name when name is one plain segment. */
export function under(dir: string, name: string): string {
  return dir !== '.' && !dir.endsWith('/') && /^[\w-][\w.-]*$/.test(name) ? `${dir}/${name}` : join(dir, name);
}

export const paths = {
  root: () => stateRoot(),
  containers: () => containersOf(stateRoot()),
  container: (id: string) => containerDir(id),
  images: () => join(stateRoot(), 'images'),
  blobs: () => join(stateRoot(), 'images', 'blobs', 'sha256'),
  layers: () => join(stateRoot(), 'images', 'layers'),
  networks: () => join(stateRoot(), 'networks'),
  locks: () => join(stateRoot(), 'locks'),
};
