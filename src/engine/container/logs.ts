// `logs`: reads the json-file log the shim writes (Docker's format, one JSON object a line).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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
  /** --until with --follow: following ends once this instant (ns since the epoch) has passed. */
  untilNs?: bigint;
  write: (e: LogEntry) => void;
}

// The log grows with whatever the container prints, so it is read a bounded chunk at a time
// (never the whole file into memory); a chunk is larger than the longest entry the shim writes
// (16 KiB of output, JSON-escaped: under 100 KB), so each one holds at least one complete line.
const CHUNK = 1 << 20;

/** Complete lines from `offset` on, at most CHUNK bytes of them; `more`: the chunk was full. */
function readFrom(file: string, offset: number): { text: string; next: number; more: boolean } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: '', next: offset, more: false };
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
    closeSync(fd);
  }
}

/** Every complete entry from `offset` to the end as it is now, chunk by chunk; returns the new offset. */
function drain(file: string, offset: number, each: (e: LogEntry) => void): number {
  for (;;) {
    const r = readFrom(file, offset);
    parseLogLines(r.text).forEach(each);
    offset = r.next;
    if (!r.more) return offset;
  }
}

export async function streamLogs(id: string, opts: LogOptions): Promise<void> {
  const file = files.log(id);
  let next: number;
  if (opts.tail === undefined) next = drain(file, 0, opts.write);
  else {
    // --tail N: only the last N entries are kept while reading.
    const n = opts.tail;
    let last: LogEntry[] = [];
    next = drain(file, 0, (e) => {
      if (n === 0) return;
      last.push(e);
      if (last.length >= 2 * n) last = last.slice(-n);
    });
    if (n > 0) last.slice(-n).forEach(opts.write);
  }
  if (!opts.follow) return;
  for (;;) {
    const rec = loadRecord(id);
    const running = rec ? stateOf(rec).Running : false;
    next = drain(file, next, opts.write);
    if (!running) {
      drain(file, next, opts.write); // what was written between the check and the read
      return;
    }
    if (opts.untilNs !== undefined && BigInt(Date.now()) * 1_000_000n > opts.untilNs) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}
