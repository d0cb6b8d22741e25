// Many small state files read at once: `ps` reads 5 per container and one in /proc. Node's fs
// costs ~15 µs a file in JavaScript around ~3 µs of system calls, and a path string made for
// each; so a long list goes through a Node-API addon (src/state/readmany/readmany.c →
// dist/minidock-readmany.node) in one call, given each directory once. A short list, or a build
// without the addon (no Node headers), reads file by file. Both give the same answers.
import { readFileSync, statSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { loadAddon } from '../dist-files.js';

interface Addon {
  readIn(dirs: string[], names: string[], mtimes: Float64Array): (string | number)[];
}

/** What readIn read: entry d * names.length + k is the file dirs[d]/names[k]. */
export class Reads {
  constructor(
    /** the text (UTF-8), or the errno reading it failed with */
    private readonly values: (string | number)[],
    private readonly mtimes: Float64Array,
  ) {}
  text(i: number): string | undefined {
    const v = this.values[i];
    return typeof v === 'string' ? v : undefined;
  }
  /** The mtime in ms of the file read (0 when none was). */
  mtimeMs(i: number): number {
    return this.mtimes[i];
  }
  /** The error code reading it gave (ENOENT, EISDIR …), or undefined when it was read. */
  code(i: number): string | undefined {
    const v = this.values[i];
    return typeof v === 'number' ? getSystemErrorName(-v) : undefined;
  }
}

// Loading the addon costs ~0.35 ms, the per-file reads it replaces ~15 µs each.
const NATIVE_FROM = 24;

/** The files `names` in each of `dirs` (`native` false: file by file, as for a short list). */
export function readIn(dirs: string[], names: string[], native = dirs.length * names.length >= NATIVE_FROM): Reads {
  const mtimes = new Float64Array(dirs.length * names.length);
  const a = native ? loadAddon<Addon>('minidock-readmany.node') : null;
  if (a) return new Reads(a.readIn(dirs, names, mtimes), mtimes);
  const values: (string | number)[] = [];
  for (const dir of dirs) for (const name of names) values.push(readOne(`${dir}/${name}`, mtimes, values.length));
  return new Reads(values, mtimes);
}

const ENOENT = 2;

function readOne(path: string, mtimes: Float64Array, i: number): string | number {
  try {
    // stat first: the mtime of the file read, or of an older one renamed over (a reader of a
    // pid file then sees a newer process, which proves live by itself); a missing file, the
    // common answer, without an exception (~15 µs)
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return ENOENT;
    const text = readFileSync(path, 'utf8');
    mtimes[i] = st.mtimeMs;
    return text;
  } catch (e) {
    return -((e as NodeJS.ErrnoException).errno ?? -5); // EIO when Node gave none
  }
}
