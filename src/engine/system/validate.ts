// Checks of `run` input that need the image, done before the container is created, so a bad
// value changes nothing on disk (Docker would leave a "Created" container behind).
import { parseUser, resolveUserIn } from '../container/options.js';
import { layerFiles } from '../container/rootfile.js';

/** `-u name[:group]` must name a user (and group) of the image; numeric ids always do. Throws UserError. */
export function checkUserInImage(user: string, layerDirs: string[]): void {
  const spec = parseUser(user);
  if (/^\d+$/.test(spec.user) && (spec.group === undefined || /^\d+$/.test(spec.group))) return;
  // The image's files as its root will show them (top-most layer first), resolved inside it.
  const image = layerFiles([...layerDirs].reverse());
  try {
    resolveUserIn(spec, image.read);
  } finally {
    image.close();
  }
}
