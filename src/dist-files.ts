// Where the built helpers are (dist/minidock-shim, the addons): beside the bundled CLI, or, for
// the sources run under vitest, in the checkout's dist/.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
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

const addons = new Map<string, unknown>();

/**
 * The Node-API addon dist/NAME, loaded once; null when it is not built (no Node headers at build
 * time) or does not load: its callers then do the same work in JavaScript.
 */
export function loadAddon<T>(name: string): T | null {
  if (!addons.has(name)) {
    let addon: unknown = null;
    const file = distFile(name);
    try {
      // the bundle is CommonJS and has require; the sources under vitest are ES modules
      const req = typeof require === 'function' ? require : createRequire(import.meta.url);
      if (file) addon = req(file);
    } catch {
      addon = null;
    }
    addons.set(name, addon);
  }
  return addons.get(name) as T | null;
}
