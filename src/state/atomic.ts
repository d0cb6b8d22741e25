// Atomic file writes: write a temporary file beside the target, then rename over it, so a
// reader (or a crash) only ever sees the old or the new content, never half of it.
//
// Durable writes also survive a power loss: the temporary file is fsynced before the rename
// (else the rename can reach the disk before the data, leaving an empty file) and the directory
// after it (else the new name itself can be lost). Which writes are durable is decided by each
// caller: see docs/architecture.md, "Durability". Reads of state go through readState, so a
// file that is empty or corrupt anyway (a disk error, a hand edit) is one clear line, not a
// stack trace.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, existsSync, unlinkSync, writeFileSync, rmSync, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { bootTimeMs } from './process.js';

/** fsync(2) of a file or directory by name (a directory: the names in it reach the disk). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

let seq = 0;
/** Writes `file` atomically; with `durable`, so that it also survives a power loss. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644, durable = false): void {
  const dir = dirname(file);
  const made = mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${seq++}`;
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeFileSync(fd, data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (!durable) return;
  fsyncPath(dir);
  // Directories made just now are new names in their parents: those must reach the disk too.
  if (made) for (let d = dir; d !== dirname(made); d = dirname(d)) fsyncPath(dirname(d));
}

export function writeJsonAtomic(file: string, value: unknown, durable = false): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', 0o644, durable);
}

/** A file's text, or undefined when it cannot be read (absent, gone meanwhile, /proc entry missing). */
export function readText(file: string): string | undefined {
  // A missing file is the common answer (a running container's exit file, asked by every `ps`
  // row): access() costs ~1 µs, a failed read throws an Error (~15 µs); and statSync, even
  // one that finds nothing, leaves ~1.5 kB of garbage where existsSync leaves ~0.15.
  try {
    if (!existsSync(file)) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A state file that exists but cannot be used: the message names it and how to recover. Not a
 * UserError on purpose: commands that report a bad argument and go on with the next one
 * (`inspect a b`) must stop here instead; main.ts prints it as one line, exit 125.
 */
export class CorruptStateError extends Error {
  constructor(
    readonly file: string,
    why: string,
    recover: string,
  ) {
    // One line even if the path holds a newline (the root is the user's choice).
    super(`${file} is corrupt (${why}): ${recover}`.replace(/[\n\r]/g, '?'));
  }
}

export type Shape = 'object' | 'array';

/**
 * The one reader of minidock's JSON state: undefined when the file does not exist; a
 * CorruptStateError when it is empty, not JSON or not of the expected shape. `recover` tells the
 * user what to do ("remove it to start with no tags"); `'cache'` marks a file minidock rebuilds
 * by itself, which then simply reads as absent. `perBoot` marks a file that describes only what
 * runs now (not fsynced): damaged by a power loss, that is, last written before this boot, it
 * reads as absent too, since nothing it described survived the power loss either.
 */
export function readState<T>(file: string, recover: string | 'cache', shape: Shape = 'object', perBoot = false): T | undefined {
  let text: string;
  let mtimeMs = Infinity;
  if (!perBoot) {
    // by name: Node reads a whole file in one native call, where reading an open descriptor
    // loops in JavaScript (`ps` reads every container's record: ~3 µs each saved)
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  } else {
    // the descriptor: the mtime must be the one of the very file that was read
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      text = readFileSync(fd, 'utf8');
      mtimeMs = fstatSync(fd).mtimeMs;
    } finally {
      closeSync(fd);
    }
  }
  return parseState<T>(file, text, recover, shape, mtimeMs);
}

/** readState of a text read already (mtimeMs: a perBoot file's, else Infinity). */
export function parseState<T>(file: string, text: string, recover: string | 'cache', shape: Shape = 'object', mtimeMs = Infinity): T | undefined {
  let why: string | undefined;
  let value: unknown;
  if (text.trim() === '') why = text.length ? 'blank' : 'empty';
  else {
    try {
      value = JSON.parse(text);
      const ok = shape === 'array' ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value);
      if (!ok) why = `not a JSON ${shape}`;
    } catch {
      why = 'not valid JSON, truncated?';
    }
  }
  if (why === undefined) return value as T;
  if (recover === 'cache' || mtimeMs < bootTimeMs()) return undefined;
  throw new CorruptStateError(file, why, recover);
}

/** Every `*.json` state file in a directory (tmp files of writes in progress are not `*.json`). */
export function readStateDir<T>(dir: string, recover: (file: string) => string, perBoot = false): T[] {
  const out: T[] = [];
  for (const f of listDir(dir)) {
    if (!f.endsWith('.json')) continue;
    const file = join(dir, f);
    const v = readState<T>(file, recover(file), 'object', perBoot);
    if (v) out.push(v);
  }
  return out;
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
