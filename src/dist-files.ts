// Where the built helpers are (dist/minidock-shim, the addons): beside the bundled CLI, or, for
// the sources run under vitest, in the checkout's dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string | undefined>();

/** dist/NAME, or undefined when it is not built. */
export function distFile(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  // The bundle is CommonJS (see scripts/build.mjs); sources run as ES modules under vitest.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const path = [join(here, name), join(here, '..', 'dist', name), join(here, '..', '..', 'dist', name)].find((p) => existsSync(p));
  found.set(name, path);
  return path;
}
