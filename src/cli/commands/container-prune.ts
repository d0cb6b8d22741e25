// `container prune [-f] [--filter until=…|label=…|label!=…]`: removes every stopped container
// (Docker's: created and exited ones), printing their ids and the space their layers held.
import { UserError } from '../../errors.js';
import { confirm } from '../confirm.js';
import { humanSize } from '../../units.js';
import { allRecords, stateOf, type ContainerRecord } from '../../engine/container/record.js';

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
      const { parseTimestamp } = await import('../../engine/container/logtime.js');
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

export async function containerPrune(o: { force?: boolean; filter: string[] }): Promise<number> {
  const filters = await parseFilters(o.filter);
  if (!o.force && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return 0;
  const { removeContainer } = await import('../../engine/container/lifecycle.js');
  const { sizeRw } = await import('../../engine/container/size.js');
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
  const out = deleted.length ? ['Deleted Containers:', ...deleted, ''] : [];
  out.push(`Total reclaimed space: ${humanSize(reclaimed)}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
