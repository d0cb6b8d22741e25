// `container prune` (and POST /containers/prune): removes every stopped container (Docker's:
// created and exited ones) that the filters keep (until=…, label=…, label!=…), with the space
// their writable layers held.
import { UserError } from '../../errors.js';
import { parsePruneFilters } from '../prune-filters.js';
import { allRecords, stateOf } from './record.js';

/** moby's containersAcceptedFilters */
const ACCEPTED = ['until', 'label', 'label!'] as const;

/** The filters are checked before anything is removed (a bad one removes nothing). */
export async function pruneContainers(filterSpecs: string[]): Promise<{ deleted: string[]; reclaimed: number }> {
  const filters = await parsePruneFilters(filterSpecs, ACCEPTED);
  const { removeContainer } = await import('./lifecycle.js');
  const { sizeRw } = await import('./size.js');
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const r of allRecords().sort((a, b) => b.Created.localeCompare(a.Created))) {
    const st = stateOf(r);
    if (st.Running || st.Status === 'removing' || !filters.matches(Date.parse(r.Created), r.Config.Labels)) continue;
    const size = sizeRw(r.Id);
    try {
      await removeContainer(r.Id, { force: false });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      continue; // started meanwhile
    }
    deleted.push(r.Id);
    reclaimed += size;
  }
  return { deleted, reclaimed };
}

/** Checks the filters alone (the CLI does so before it asks for confirmation). */
export async function checkPruneFilters(filterSpecs: string[]): Promise<void> {
  await parsePruneFilters(filterSpecs, ACCEPTED);
}
