// Cross-process locks (proper-lockfile: a mkdir-based lock with stale detection, so a CLI
// killed while holding it does not block the others for more than `stale` ms).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { paths } from './paths.js';

/** Runs fn while holding the named lock. Locks are short: never hold one across a container's life. */
export async function withLock<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const dir = paths.locks();
  const file = join(dir, name);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, '', { flag: 'a' });
  }
  const release = await lockfile.lock(file, {
    stale: 10_000,
    update: 2_000,
    realpath: false,
    retries: { retries: 400, factor: 1.2, minTimeout: 2, maxTimeout: 50, randomize: true },
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
