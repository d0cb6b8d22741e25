// Bundles test/fixtures/lock-racer.ts (which imports src/state/lock.ts) into one runnable file.
import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function buildRacer(dir: string): string {
  const outfile = join(dir, 'lock-racer.mjs');
  buildSync({
    entryPoints: [fileURLToPath(new URL('../fixtures/lock-racer.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}
