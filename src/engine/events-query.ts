// Reading minidock's journal (events.ts writes it) the way `docker events` reads the daemon's:
// Docker's filters (daemon/events/filter.go), --since/--until as Docker parses them
// (api/types/time GetTimestamp), and following the journal as it grows (across a rotation).
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { BareError, UserError } from '../errors.js';
import { parseGoDuration } from '../goparse.js';
import { journalFile, type EventMessage } from './events.js';

export interface JournalRecord {
  /** The line as written (exact timeNano, Docker's field order): what `{{json .}}` prints. */
  raw: string;
  msg: EventMessage;
  nano: bigint;
}

export function parseLine(line: string): JournalRecord | undefined {
  const m = /"timeNano":(\d+)}$/.exec(line);
  if (!m) return undefined;
  try {
    const msg = JSON.parse(line) as EventMessage;
    if (!msg || typeof msg.Type !== 'string' || !msg.Actor) return undefined;
    return { raw: line, msg, nano: BigInt(m[1]!) };
  } catch {
    return undefined; // a torn or foreign line: skipped
  }
}

// ---- filters -------------------------------------------------------------------------------------

const ACCEPTED = new Set(['container', 'event', 'image', 'label', 'network', 'type', 'volume', 'plugin', 'daemon', 'scope', 'node', 'service', 'secret', 'config']);

export type Filters = Map<string, string[]>;

export function parseFilters(list: string[]): Filters {
  const f: Filters = new Map();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new UserError(`invalid argument "${item}" for "-f, --filter" flag: bad format of filter (expected name=value)`, 125);
    const key = item.slice(0, eq).trim().toLowerCase();
    const value = item.slice(eq + 1).trim();
    if (!ACCEPTED.has(key)) throw new UserError(`Error response from daemon: invalid filter '${key}'`, 1);
    f.set(key, [...(f.get(key) ?? []), value]);
  }
  return f;
}

const stripTag = (image: string): string => {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(0, at);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(0, colon) : image;
};

/** Docker's filter matching: values of one key are alternatives, different keys must all match. */
export function matches(f: Filters, e: EventMessage): boolean {
  const exact = (key: string, ...sources: (string | undefined)[]) => {
    const want = f.get(key);
    return !want || want.some((w) => sources.some((s) => s !== undefined && s === w));
  };
  // FuzzyMatch: the whole value, or a prefix of it (ids).
  const fuzzy = (key: string, ...sources: (string | undefined)[]) => {
    const want = f.get(key);
    return !want || want.some((w) => sources.some((s) => s !== undefined && (s === w || s.startsWith(w))));
  };
  const a = e.Actor.Attributes ?? {};
  const byName = (key: string) => fuzzy(key, e.Actor.ID, a.name);
  const imageName = e.Type === 'image' ? a.name : a.image;
  const labels = f.get('label');
  const labelOk =
    !labels ||
    labels.some((l) => {
      const eq = l.indexOf('=');
      return eq < 0 ? l in a : a[l.slice(0, eq)] === l.slice(eq + 1);
    });
  return (
    (exact('event', e.Action) || exact('event', e.Action.split(':')[0])) &&
    exact('type', e.Type) &&
    exact('scope', e.scope) &&
    ['container', 'network', 'volume', 'plugin', 'daemon', 'node', 'service', 'secret', 'config'].every(byName) &&
    exact('image', e.Actor.ID, imageName, stripTag(e.Actor.ID), imageName === undefined ? undefined : stripTag(imageName)) &&
    labelOk
  );
}

// ---- times ---------------------------------------------------------------------------------------

/**
 * Docker's GetTimestamp: a duration before now ("10m", "1h30m"), an RFC 3339 date or a part of
 * one (local time when it names no zone), or Unix seconds with optional fraction. Returns ns.
 */
export function parseTimestamp(value: string, flag: string, nowMs = Date.now()): bigint {
  const d = parseGoDuration(value);
  if (d !== undefined) return BigInt(nowMs) * 1_000_000n - BigInt(Math.round(d));
  if (/^\d+(\.\d{1,9})?$/.test(value)) {
    const [sec, frac = ''] = value.split('.');
    return BigInt(sec!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(value);
  if (m) {
    const [, y, mo, da, h = '00', mi = '00', se = '00', frac = '', zone] = m;
    const base = `${y}-${mo}-${da}T${h}:${mi}:${se}`;
    const ms = zone ? Date.parse(`${base}${zone.toUpperCase()}`) : new Date(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(se)).getTime();
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n + BigInt((frac.slice(1) || '').padEnd(9, '0') || '0');
  }
  // docker events: the CLI's timetypes error as it is, exit 1 (the flag is not named)
  void flag;
  throw new BareError(`failed to parse value as time or duration: "${value}"`, 1);
}

// ---- reading and following -----------------------------------------------------------------------

/** Every journal line so far (the rotated file first), in order, and where the current file's complete lines end. */
export function readJournal(): { records: JournalRecord[]; end: { ino: number; pos: number } | undefined } {
  const records: JournalRecord[] = [];
  let end: { ino: number; pos: number } | undefined;
  for (const f of [`${journalFile()}.1`, journalFile()]) {
    let text = '';
    try {
      const fd = openSync(f, 'r');
      try {
        text = readAll(fd, 0).text;
        const complete = text.lastIndexOf('\n') + 1;
        text = text.slice(0, complete);
        if (f === journalFile()) end = { ino: fstatSync(fd).ino, pos: Buffer.byteLength(text) };
      } finally {
        closeSync(fd);
      }
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const r = line ? parseLine(line) : undefined;
      if (r) records.push(r);
    }
  }
  return { records, end };
}

function readAll(fd: number, from: number): { text: string; end: number } {
  const chunks: Buffer[] = [];
  let pos = from;
  const buf = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    pos += n;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), end: pos };
}

/**
 * Follows the journal from its current end: calls onRecord for each new complete line, until
 * stop() resolves. A rotation (events.log renamed to .1) is noticed by the inode, and the rest
 * of the old file is read before the new one.
 */
export async function followJournal(onRecord: (r: JournalRecord) => void, stopped: () => boolean, start?: { ino: number; pos: number }): Promise<void> {
  const file = journalFile();
  let fd: number | undefined;
  let ino = start?.ino ?? -1;
  let pos = start?.pos ?? 0;
  let partial = '';
  const open = (): void => {
    try {
      fd = openSync(file, 'r');
      const st = fstatSync(fd);
      if (st.ino !== ino) {
        ino = st.ino;
        pos = 0;
      }
    } catch {
      fd = undefined;
    }
  };
  const drain = (): void => {
    if (fd === undefined) return;
    const r = readAll(fd, pos);
    pos = r.end;
    const text = partial + r.text;
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      const rec = l ? parseLine(l) : undefined;
      if (rec) onRecord(rec);
    }
  };
  open();
  try {
    while (!stopped()) {
      drain();
      let cur: number | undefined;
      try {
        cur = statSync(file).ino;
      } catch {
        cur = undefined;
      }
      if (cur !== undefined && cur !== ino) {
        drain(); // the rest of the rotated file
        if (fd !== undefined) closeSync(fd);
        partial = '';
        ino = -1;
        open();
        continue;
      }
      if (fd === undefined && cur !== undefined) open();
      await new Promise((r) => setTimeout(r, 50));
    }
    drain();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

