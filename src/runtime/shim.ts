// Talking to the C shim (docs/shim.md): its config file and where its binary lives.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../state/atomic.js';
import { UserError } from '../cli/errors.js';

export type ShimValue = string | number | boolean | undefined | null;
export type ShimConfig = [key: string, value: ShimValue][];

/** Serialises key=value records separated by NUL bytes; false/empty values are left out. */
export function encodeShimConfig(entries: ShimConfig): string {
  const out: string[] = [];
  for (const [key, value] of entries) {
    if (value === undefined || value === null || value === false) continue;
    const v = value === true ? '1' : String(value);
    if (v.includes('\0')) throw new UserError(`invalid value for ${key}: contains a NUL byte`);
    out.push(`${key}=${v}\0`);
  }
  return out.join('');
}

export function writeShimConfig(file: string, entries: ShimConfig): void {
  writeFileAtomic(file, encodeShimConfig(entries), 0o600);
}

let cached: string | undefined;
/** dist/minidock-shim, next to the bundled CLI. */
export function shimPath(): string {
  if (cached) return cached;
  // The bundle is CommonJS (see scripts/build.mjs); sources run as ES modules under vitest.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, 'minidock-shim'), join(here, '..', 'dist', 'minidock-shim'), join(here, '..', '..', 'dist', 'minidock-shim')]) {
    if (existsSync(p)) return (cached = p);
  }
  throw new UserError('minidock-shim not found: run `npm run build`');
}

/** The command the shim runs after a container it watches has ended (like conmon's --exit-command). */
export function exitCommand(id: string, startedAt: string): string[] {
  const entry = resolve(process.argv[1] ?? 'bin/minidock');
  return [process.execPath, '--', entry, 'internal-cleanup', id, startedAt];
}
