// `logs`: reads the json-file log the shim writes (Docker's format, one JSON object a line).
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { files, loadRecord, stateOf } from './record.js';

export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export function parseLogLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      /* a line being written right now; the follower picks it up complete */
    }
  }
  return out;
}

export interface LogOptions {
  follow: boolean;
  tail?: number;
  timestamps: boolean;
  /** --since/--until (ns since the epoch): only entries in between; with --follow, following ends once --until has passed. */
  sinceNs?: bigint;
  untilNs?: bigint;
  write: (e: LogEntry) => void;
  /** Following ends when this says so (the Engine API's client went away). */
  stopped?: () => boolean;
}

// The log grows with whatever the container prints, so it is read a bounded chunk at a time
// (never the whole file into memory); a chunk is larger than the longest entry the shim writes
// (16 KiB of output, JSON-escaped: under 100 KB), so each one holds at least one complete line.
const CHUNK = 1 << 20;

/** Complete lines from `offset` on, at most CHUNK bytes of them; `more`: the chunk was full. */
function readFrom(file: string | number, offset: number): { text: string; next: number; more: boolean } {
  let fd: number;
  if (typeof file === 'number') fd = file;
  else {
    try {
      fd = openSync(file, 'r');
    } catch {
      return { text: '', next: offset, more: false };
    }
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { text: '', next: offset, more: false };
    const buf = Buffer.alloc(Math.min(size - offset, CHUNK));
    const n = readSync(fd, buf, 0, buf.length, offset);
    // Only hand out complete lines; the rest is read again next time.
    const end = buf.subarray(0, n).lastIndexOf(0x0a) + 1;
    return { text: buf.subarray(0, end).toString('utf8'), next: offset + end, more: n === CHUNK && end > 0 };
  } finally {
    if (typeof file !== 'number') closeSync(fd);
  }
}

/** Every complete entry from `offset` to the end as it is now, chunk by chunk; returns the new offset. */
function drain(file: string | number, offset: number, each: (e: LogEntry) => void): number {
  for (;;) {
    const r = readFrom(file, offset);
    parseLogLines(r.text).forEach(each);
    offset = r.next;
    if (!r.more) return offset;
  }
}

/** The rotated files (--log-opt max-size/max-file: json.log.N … .1), oldest first, then json.log. */
function logFiles(file: string): string[] {
  const older: string[] = [];
  for (let i = 1; existsSync(`${file}.${i}`); i++) older.unshift(`${file}.${i}`);
  return [...older, file];
}

function openLog(file: string): number | undefined {
  try {
    return openSync(file, 'r');
  } catch {
    return undefined;
  }
}

export async function streamLogs(id: string, opts: LogOptions): Promise<void> {
  if (opts.sinceNs !== undefined || opts.untilNs !== undefined) {
    // --tail first, then the time window, as Docker
    const { logTimeNs } = await import('./logtime.js');
    const { sinceNs, untilNs, write } = opts;
    opts = {
      ...opts,
      write: (e) => {
        const t = logTimeNs(e.time);
        if (t !== undefined && ((sinceNs !== undefined && t < sinceNs) || (untilNs !== undefined && t > untilNs))) return;
        write(e);
      },
    };
  }
  const file = files.log(id);
  const all = logFiles(file);
  let next = 0;
  const readAll = (each: (e: LogEntry) => void) => {
    for (const f of all) next = drain(f, 0, each); // next: the offset in the last, json.log
  };
  if (opts.tail === undefined) readAll(opts.write);
  else {
    // --tail N: only the last N entries are kept while reading.
    const n = opts.tail;
    let last: LogEntry[] = [];
    readAll((e) => {
      if (n === 0) return;
      last.push(e);
      if (last.length >= 2 * n) last = last.slice(-n);
    });
    if (n > 0) last.slice(-n).forEach(opts.write);
  }
  if (!opts.follow) return;
  // Followed through an fd: a rotation renames the file we read (json.log.1 now), so the fd
  // reads its rest before the new json.log is opened; max-file 1 truncates it in place.
  let fd = openLog(file);
  try {
    for (;;) {
      const rec = loadRecord(id);
      const running = rec ? stateOf(rec).Running : false;
      if (fd === undefined) fd = openLog(file);
      if (fd !== undefined) {
        if (fstatSync(fd).size < next) next = 0;
        next = drain(fd, next, opts.write);
        const now = inodeOf(file);
        if (now !== undefined && now !== fstatSync(fd).ino) {
          // Rotated, maybe more than once: ours is json.log.K now; .K-1 … .1 came after it.
          const ours = fstatSync(fd).ino;
          drain(fd, next, opts.write); // what was written before the rename
          closeSync(fd);
          const older = logFiles(file).slice(0, -1);
          const k = older.findIndex((f) => inodeOf(f) === ours);
          if (k >= 0) for (const f of older.slice(k + 1)) drain(f, 0, opts.write);
          fd = openLog(file);
          next = fd === undefined ? 0 : drain(fd, 0, opts.write);
        }
      }
      if (!running) {
        if (fd !== undefined) drain(fd, next, opts.write); // what was written between the check and the read
        return;
      }
      if (opts.untilNs !== undefined && BigInt(Date.now()) * 1_000_000n > opts.untilNs) return;
      if (opts.stopped?.()) return;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function inodeOf(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}
