// Atomic file writes: write a temporary file beside the target, then rename over it, so a
// reader (or a crash) only ever sees the old or the new content, never half of it.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

let seq = 0;
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${seq++}`;
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reads JSON, or returns undefined when the file does not exist. */
export function readJson<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as T;
}

/** The names in a directory, or none when it does not exist (yet). */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every `*.json` record in a directory (unreadable or half-written ones left out). */
export function readJsonDir<T>(dir: string): T[] {
  const out: T[] = [];
  for (const f of listDir(dir)) {
    if (!f.endsWith('.json')) continue;
    try {
      const v = readJson<T>(join(dir, f));
      if (v) out.push(v);
    } catch {
      /* being written right now */
    }
  }
  return out;
}
