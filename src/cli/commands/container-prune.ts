// `container prune [-f] [--filter until=…|label=…|label!=…]`: removes every stopped container
// (engine/container/prune.ts), printing their ids and the space their layers held.
import { confirm } from '../confirm.js';
import { humanSize } from '../../units.js';
import { checkPruneFilters, pruneContainers } from '../../engine/container/prune.js';

export async function containerPrune(o: { force?: boolean; filter: string[] }): Promise<number> {
  await checkPruneFilters(o.filter);
  if (!o.force && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return 0;
  const { deleted, reclaimed } = await pruneContainers(o.filter);
  const out = deleted.length ? ['Deleted Containers:', ...deleted, ''] : [];
  out.push(`Total reclaimed space: ${humanSize(reclaimed)}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
