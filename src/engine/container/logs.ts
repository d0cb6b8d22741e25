// `logs`: reads the json-file log the shim writes (Docker's format, one JSON object a line).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
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
  write: (e: LogEntry) => void;
}

function readFrom(file: string, offset: number): { text: string; next: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: '', next: offset };
  }
  try {
    const size = statSync(file).size;
    if (size <= offset) return { text: '', next: offset };
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    const text = buf.subarray(0, n).toString('utf8');
    // Only hand out complete lines; the rest is read again next time.
    const end = text.lastIndexOf('\n') + 1;
    return { text: text.slice(0, end), next: offset + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    closeSync(fd);
  }
}

export async function streamLogs(id: string, opts: LogOptions): Promise<void> {
  const file = files.log(id);
  let { text, next } = readFrom(file, 0);
  let entries = parseLogLines(text);
  if (opts.tail !== undefined) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
  entries.forEach(opts.write);
  if (!opts.follow) return;
  for (;;) {
    const rec = loadRecord(id);
    const running = rec ? stateOf(rec).Running : false;
    const r = readFrom(file, next);
    next = r.next;
    parseLogLines(r.text).forEach(opts.write);
    if (!running) {
      const last = readFrom(file, next); // what was written between the check and the read
      parseLogLines(last.text).forEach(opts.write);
      return;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}
