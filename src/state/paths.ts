// Where minidock keeps its state. One root (MINIDOCK_ROOT, default /var/lib/minidock);
// tests point it at a temporary directory so they never see each other's state.
import { join } from 'node:path';

export function stateRoot(): string {
  return process.env.MINIDOCK_ROOT || '/var/lib/minidock';
}

export const paths = {
  root: () => stateRoot(),
  containers: () => join(stateRoot(), 'containers'),
  container: (id: string) => join(stateRoot(), 'containers', id),
  images: () => join(stateRoot(), 'images'),
  blobs: () => join(stateRoot(), 'images', 'blobs', 'sha256'),
  layers: () => join(stateRoot(), 'images', 'layers'),
  networks: () => join(stateRoot(), 'networks'),
  locks: () => join(stateRoot(), 'locks'),
};
