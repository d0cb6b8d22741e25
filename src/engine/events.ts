// minidock's journal of state changes, which `events` reads: one JSON line per event, appended
// to <root>/events.log by whichever process made the change (there is no daemon to ask).
//
// Appending is on the start path, so it is one open(O_APPEND) + one write + close: the kernel
// appends a write(2) atomically to a regular file opened O_APPEND, so concurrent writers never
// interleave inside a line and no lock is taken. A line is kept far below PIPE_BUF (4096) all
// the same (long attribute values are cut), so the journal also stays line-atomic if it is ever
// a pipe or on a filesystem that splits larger writes. The journal is bounded: once it passes
// MAX_BYTES, the writer that noticed renames it to events.log.1 (replacing the previous one),
// so at most twice MAX_BYTES are kept. A failed append never fails the command it records.
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, statSync, writeSync, constants as FS } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../state/paths.js';

/** Docker's event message (api/types/events.Message), as `events --format '{{json .}}'` prints it. */
export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export type EventType = 'container' | 'image' | 'network' | 'volume';

/** What a command records: the rest (time, scope, Docker's legacy status/id/from) is filled in. */
export interface JournalEvent {
  Type: EventType;
  Action: string;
  ID: string;
  Attributes?: Record<string, string | number | undefined>;
}

export const journalFile = (): string => join(paths.root(), 'events.log');
export const MAX_BYTES = Number(process.env.MINIDOCK_EVENTS_MAX_BYTES) > 0 ? Number(process.env.MINIDOCK_EVENTS_MAX_BYTES) : 4 << 20;
const MAX_LINE = 4000; // < PIPE_BUF
const MAX_VALUE = 256;

let lastNano = 0n;
/** Nanoseconds since the epoch: the wall clock's milliseconds, finer digits from hrtime, increasing within a process. */
function nowNano(): bigint {
  let n = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (n <= lastNano) n = lastNano + 1n;
  lastNano = n;
  return n;
}

/** The line journal() appends for an event (exported for the tests). */
export function eventLine(e: JournalEvent, nano = nowNano()): string {
  const attrs: Record<string, string> = {};
  // a Go map: Docker's JSON has its keys sorted (labels among image, name, …)
  for (const [k, v] of Object.entries(e.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (v === undefined) continue;
    const s = String(v);
    attrs[k] = s.length > MAX_VALUE ? s.slice(0, MAX_VALUE) : s;
  }
  const msg: EventMessage = {
    ...(e.Type === 'container' || e.Type === 'image' ? { status: e.Action, id: e.ID } : {}),
    ...(e.Type === 'container' && attrs.image ? { from: attrs.image } : {}),
    Type: e.Type,
    Action: e.Action,
    Actor: { ID: e.ID, Attributes: attrs },
    scope: 'local',
    time: Number(nano / 1_000_000_000n),
    timeNano: 0,
  };
  // timeNano is an int64 (beyond a double's 2^53): written with all its digits.
  const text = () => JSON.stringify(msg).replace(/"timeNano":0}$/, `"timeNano":${nano}}`);
  let line = text();
  if (Buffer.byteLength(line) > MAX_LINE) {
    // Too many labels: keep the event, without the attributes that do not fit.
    msg.Actor.Attributes = Object.fromEntries(Object.entries(attrs).filter(([k]) => ['name', 'image', 'exitCode', 'signal', 'container', 'type'].includes(k)));
    line = text();
  }
  return line + '\n';
}

/** Records one event: one O_APPEND write. Never throws (the change it records has happened). */
export function journal(e: JournalEvent): void {
  let fd: number | undefined;
  try {
    const file = journalFile();
    try {
      fd = openSync(file, FS.O_WRONLY | FS.O_APPEND | FS.O_CREAT, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(paths.root(), { recursive: true, mode: 0o711 });
      fd = openSync(file, FS.O_WRONLY | FS.O_APPEND | FS.O_CREAT, 0o600);
    }
    writeSync(fd, eventLine(e));
    const st = fstatSync(fd);
    // Rotate only the file this process wrote to (another writer may have rotated it already).
    if (st.size > MAX_BYTES && statSync(file).ino === st.ino) renameSync(file, `${file}.1`);
  } catch {
    /* a journal that cannot be written loses the event, never the command */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Docker's container event attributes: image, name and the container's labels. */
export function containerAttrs(rec: { Name: string; Config: { Image: string; Labels?: Record<string, string> } }, extra: Record<string, string | number | undefined> = {}): Record<string, string | number | undefined> {
  return { ...(rec.Config.Labels ?? {}), image: rec.Config.Image, name: rec.Name, ...extra };
}
