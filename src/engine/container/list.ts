// Which containers `ps` shows: Docker's rule (running ones, all with -a, the N newest of every
// state with -n/-l) and its filters. The CLI's `ps` and the Engine API's GET /containers/json.
import { trace } from '../../state/trace.js';
import { allRecords, findContainer, statesOf, type ContainerRecord, type ContainerState } from './record.js';

export interface ListQuery {
  all?: boolean;
  /** -n N (-1: no limit) */
  limit: number;
  /** `key=value` filter flags */
  filters: string[];
  /** the image store is loaded only when a filter or the caller (sizes) needs it */
  wantStore?: boolean;
}

export interface Listed {
  /** every record, newest first, and its state */
  recs: ContainerRecord[];
  states: Map<string, ContainerState>;
  /** the ids shown, in order */
  shown: string[];
  /** an image's id and size by reference, when the store was loaded */
  resolveImage?: (ref: string) => { id: string; size: number } | undefined;
}

export async function listContainers(q: ListQuery): Promise<Listed> {
  // newest first; ISO times compare as strings (localeCompare would load ICU's collator: ~5 ms)
  const recs = allRecords().sort((a, b) => (a.Created < b.Created ? 1 : a.Created > b.Created ? -1 : 0));
  trace('ps: records read');
  const all = statesOf(recs);
  trace('ps: states read');
  const states = new Map(recs.map((r, i) => [r.Id, all[i]]));
  const filters = q.filters.filter((f) => f !== '');
  const store = q.wantStore || filters.some((f) => /^\s*ancestor\s*=/i.test(f)) ? await import('../image/store.js') : undefined;
  const resolveImage = store
    ? (ref: string) => {
        try {
          return store.resolveImageSync(ref);
        } catch {
          return undefined;
        }
      }
    : undefined;
  if (!filters.length) {
    const keep = recs.filter((r) => q.limit > 0 || q.all || states.get(r.Id)!.Running).map((r) => r.Id);
    return { recs, states, shown: q.limit > 0 ? keep.slice(0, q.limit) : keep, resolveImage };
  }
  const { parseFilterFlags, foldFilters, selectContainers } = await import('./psfilter.js');
  const { psSnapshot } = await import('./views.js');
  const snaps = recs.map((r) => psSnapshot(r, states.get(r.Id)!));
  const folded = foldFilters(parseFilterFlags(filters), {
    container: (ref) => {
      const rec = findContainer(ref);
      return rec && snaps.find((s) => s.id === rec.Id);
    },
    imageId: (ref) => resolveImage?.(ref)?.id,
  });
  return { recs, states, shown: selectContainers(snaps, folded, { all: !!q.all, limit: q.limit }).map((s) => s.id), resolveImage };
}
