// Atomic file writes: write a temporary file beside the target, then rename over it, so a
// reader (or a crash) only ever sees the old or the new content, never half of it.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync, rmSync, type Dirent } from 'node:fs';
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
/** A file's text, or undefined when it cannot be read (absent, gone meanwhile, /proc entry missing). */
export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

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

const gone = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * `rm -rf` for the small trees minidock removes on a container's clock (a lock directory, a
 * container's directory): readdir/unlink/rmdir, several times faster than rmSync's recursive
 * walk (~0.1 ms instead of ~0.4, and ~1.3 for its first call). Does not follow symlinks.
 */
export function removeTree(path: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (e) {
    if (gone(e)) return;
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    entries = [];
  }
  for (const d of entries) {
    const p = join(path, d.name);
    try {
      if (d.isDirectory()) removeTree(p);
      else unlinkSync(p);
    } catch (e) {
      if (!gone(e)) throw e;
    }
  }
  try {
    rmdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') unlinkSync(path);
    else if (!gone(e)) throw e;
  }
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
