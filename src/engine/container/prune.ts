// `container prune` (and POST /containers/prune): removes every stopped container (Docker's:
// created and exited ones) that the filters keep (until=…, label=…, label!=…), with the space
// their writable layers held.
import { UserError } from '../../errors.js';
import { allRecords, stateOf, type ContainerRecord } from './record.js';

type Filter = (r: ContainerRecord) => boolean;

async function parseFilters(specs: string[]): Promise<Filter[]> {
  const out: Filter[] = [];
  for (const f of specs) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new UserError(`bad format of filter (expected name=value)`, 1);
    const neg = f[eq - 1] === '!';
    const key = f.slice(0, neg ? eq - 1 : eq);
    const value = f.slice(eq + 1);
    if (key === 'until' && !neg) {
      const { parseTimestamp } = await import('./logtime.js');
      const ns = parseTimestamp(value, 'until');
      out.push((r) => BigInt(Date.parse(r.Created)) * 1_000_000n < ns);
    } else if (key === 'label') {
      const [k, v] = value.includes('=') ? [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)] : [value, undefined];
      const has = (r: ContainerRecord) => k in r.Config.Labels && (v === undefined || r.Config.Labels[k] === v);
      out.push(neg ? (r) => !has(r) : has);
    } else throw new UserError(`Error response from daemon: invalid filter '${key}${neg ? '!' : ''}'`, 1);
  }
  return out;
}

/** The filters are checked before anything is removed (a bad one removes nothing). */
export async function pruneContainers(filterSpecs: string[]): Promise<{ deleted: string[]; reclaimed: number }> {
  const filters = await parseFilters(filterSpecs);
  const { removeContainer } = await import('./lifecycle.js');
  const { sizeRw } = await import('./size.js');
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const r of allRecords().sort((a, b) => b.Created.localeCompare(a.Created))) {
    const st = stateOf(r);
    if (st.Running || st.Status === 'removing' || !filters.every((f) => f(r))) continue;
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
  await parseFilters(filterSpecs);
}
