// The networks `network ls -f` shows (name=, id=, driver=): the CLI's `network ls` and the
// Engine API's GET /networks.
import { DaemonError } from '../../errors.js';
import type { NetworkRecord } from './networks.js';

export function selectNetworks(nets: NetworkRecord[], filters: string[]): NetworkRecord[] {
  for (const f of filters) {
    const [k, v = ''] = f.split('=');
    if (k === 'name') nets = nets.filter((n) => n.Name.includes(v));
    else if (k === 'id') nets = nets.filter((n) => n.Id.startsWith(v));
    else if (k === 'driver') nets = nets.filter((n) => n.Driver === v);
    else throw new DaemonError(`invalid filter '${k}'`);
  }
  return nets;
}
