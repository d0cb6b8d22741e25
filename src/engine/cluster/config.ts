// Which cluster this host is in: MINIDOCK_CLUSTER=etcd://ADDR:PORT[,ADDR:PORT…] and
// MINIDOCK_CLUSTER_ADVERTISE=IP (the address other hosts send VXLAN to), or the same as
// Docker's daemon.json keys `cluster-store` and `cluster-advertise` in <root>/config.json.
// The environment wins over the file. Read only by overlay code (loaded lazily).
import { UserError } from '../../errors.js';
import { parseIp } from '../network/cidr.js';
import { readConfig } from '../../state/config.js';

export interface ClusterConfig {
  /** etcd client endpoints, `http://host:port` */
  endpoints: string[];
  /** This host's VTEP address (IPv4). */
  advertise: string;
}

/** What to configure, said once (the refusal of `-d overlay` without a cluster). */
export const CONFIGURE = 'set MINIDOCK_CLUSTER=etcd://ADDR:2379 and MINIDOCK_CLUSTER_ADVERTISE=IP (or "cluster-store" and "cluster-advertise" in the state root\'s config.json)';

/** Parses the store URL and the advertise address. Pure. */
export function parseClusterConfig(store: string | undefined, advertise: string | undefined): ClusterConfig | undefined {
  if (!store) return undefined;
  const m = /^etcd:\/\/(.+)$/.exec(store);
  if (!m) throw new UserError(`invalid cluster store ${JSON.stringify(store)}: etcd://ADDR:PORT[,ADDR:PORT…]`);
  const endpoints = m[1].split(',').map((hp) => {
    const h = /^(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(hp.trim());
    if (!h || Number(h[2]) < 1 || Number(h[2]) > 65535) throw new UserError(`invalid cluster store address ${JSON.stringify(hp)}: HOST:PORT`);
    return `http://${h[1]}:${h[2]}`;
  });
  if (!advertise) throw new UserError(`cluster store ${store} is set but not the address to advertise: ${CONFIGURE}`);
  if (parseIp(advertise) === undefined) throw new UserError(`invalid cluster advertise address ${JSON.stringify(advertise)}: this host's IPv4 address on the underlay`);
  return { endpoints, advertise };
}

/** The cluster of this host, or undefined when none is configured. */
export function clusterConfig(): ClusterConfig | undefined {
  const file = readConfig('fix it (a JSON object) or remove it') ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return parseClusterConfig(process.env.MINIDOCK_CLUSTER || str(file['cluster-store']), process.env.MINIDOCK_CLUSTER_ADVERTISE || str(file['cluster-advertise']));
}

/** The cluster, or the one-line refusal saying what to configure. */
export function requireCluster(what: string): ClusterConfig {
  const c = clusterConfig();
  if (!c) throw new UserError(`${what} needs a cluster store: ${CONFIGURE}`);
  return c;
}
