// `events`: minidock's journal of state changes, printed as `docker events` prints the daemon's.
import { parseTemplate } from '../template.js';
import type { EventMessage } from '../../engine/events.js';

/** Go's RFC3339NanoFixed in local time ("2006-01-02T15:04:05.000000000Z07:00"). */
export function formatTime(nano: bigint): string {
  const ms = Number(nano / 1_000_000n);
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = String(nano % 1_000_000_000n).padStart(9, '0');
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${frac}${zone}`;
}

/** Docker's default line: time, type, action, actor id, and the attributes sorted by key. */
export function eventText(m: EventMessage, nano: bigint): string {
  const attrs = Object.keys(m.Actor.Attributes ?? {})
    .sort()
    .map((k) => `${k}=${m.Actor.Attributes[k]}`);
  return `${formatTime(nano)} ${m.Type} ${m.Action} ${m.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}`;
}

export async function events(o: { filter: string[]; format?: string; since?: string; until?: string }): Promise<number> {
  const { watchEvents } = await import('../../engine/events-watch.js');
  const json = o.format === 'json' || o.format === '{{json .}}';
  const tmpl = o.format && !json ? parseTemplate(o.format) : undefined;
  // Follow, as `logs -f` does, until interrupted or until --until passes.
  let stop = false;
  const onSig = () => (stop = true);
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  process.stdout.on('error', onSig);
  await watchEvents(
    o,
    (r) => process.stdout.write((json ? r.raw : tmpl ? tmpl.render(r.msg) : eventText(r.msg, r.nano)) + '\n'),
    () => stop,
  );
  return 0;
}
