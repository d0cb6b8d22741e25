// Checks of `run` input that need the image, done before the container is created, so a bad
// value changes nothing on disk (Docker would leave a "Created" container behind).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUser, resolveUser } from '../container/options.js';

/** A file of the image's root: the top-most layer that has it wins (layerDirs bottom-most first). */
function imageFile(layerDirs: string[], path: string): string {
  for (const dir of [...layerDirs].reverse()) {
    try {
      return readFileSync(join(dir, path), 'utf8');
    } catch {
      /* not in this layer */
    }
  }
  return '';
}

/** `-u name[:group]` must name a user (and group) of the image; numeric ids always do. Throws UserError. */
export function checkUserInImage(user: string, layerDirs: string[]): void {
  const spec = parseUser(user);
  if (/^\d+$/.test(spec.user) && (spec.group === undefined || /^\d+$/.test(spec.group))) return;
  resolveUser(spec, imageFile(layerDirs, 'etc/passwd'), imageFile(layerDirs, 'etc/group'));
}
