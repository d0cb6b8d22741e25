// `events`: the journal's records a watcher asked for — Docker's filters, --since/--until, past
// records only when a window was asked for, then following until stopped or until --until
// passes. The CLI's `events` and the Engine API's GET /events both come here.
import type { JournalRecord } from './events-query.js';

export interface WatchQuery {
  filter: string[];
  since?: string;
  until?: string;
}

export async function watchEvents(o: WatchQuery, emit: (r: JournalRecord) => void, stopped: () => boolean): Promise<void> {
  const q = await import('./events-query.js');
  const filters = q.parseFilters(o.filter);
  const now = Date.now();
  const since = o.since !== undefined ? q.parseTimestamp(o.since, 'since', now) : undefined;
  const until = o.until !== undefined ? q.parseTimestamp(o.until, 'until', now) : undefined;
  const pass = (r: JournalRecord): void => {
    if (!q.matches(filters, r.msg)) return;
    if (since !== undefined && r.nano < since) return;
    if (until !== undefined && r.nano > until) return;
    emit(r);
  };
  const past = q.readJournal();
  // Past events only when asked for with --since (or --until): `docker events` alone streams from now.
  if (since !== undefined || until !== undefined) for (const r of past.records) pass(r);
  const nowNano = BigInt(Date.now()) * 1_000_000n;
  if (until !== undefined && until <= nowNano) return;
  await q.followJournal(pass, () => stopped() || (until !== undefined && BigInt(Date.now()) * 1_000_000n > until), past.end);
}
