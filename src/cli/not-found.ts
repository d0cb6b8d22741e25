// What Docker's daemon answers for a lookup that finds nothing, by kind (moby's words), as
// `inspect --type KIND`, `container inspect` and `image inspect` print it.
import { withLatest } from '../engine/image/reference.js';

export const NOT_FOUND: Record<'container' | 'image' | 'network' | 'volume', (ref: string) => string> = {
  container: (ref) => `Error response from daemon: No such container: ${ref}`,
  // the image service wraps its lookup's error (daemon/images GetImage: "no such image: REF")
  image: (ref) => `Error response from daemon: no such image: ${ref}: No such image: ${withLatest(ref)}`,
  network: (ref) => `Error response from daemon: network ${ref} not found`,
  volume: (ref) => `Error response from daemon: get ${ref}: no such volume`,
};
