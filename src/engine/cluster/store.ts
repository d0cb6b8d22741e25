// What the overlay driver keeps in the cluster store: networks (created and removed by txn,
// checked against the whole cluster) and addresses (one key each, taken by txn: race-free IPAM
// across hosts). The keys: keys.ts.
import { UserError } from '../../errors.js';
import { dryRun } from '../../host/plan.js';
import { formatIp, nth, overlaps, parseCidr, parseIp, macForIp } from '../network/cidr.js';
import { pickAddress } from '../network/ipam.js';
import type { NetworkRecord } from '../network/networks.js';
import type { ClusterConfig } from './config.js';
import { Etcd } from './etcd.js';
import { NETWORKS, claimTxn, createNetworkTxn, endpointKey, endpointsOf, freeVni, networkKey, removeNetworkTxn } from './keys.js';
import { hostId, hostLease } from './host.js';

export interface EndpointValue {
  host: string;
  vtep: string;
  mac: string;
  container: string;
  name: string;
  aliases?: string[];
}

export function etcdOf(cfg: ClusterConfig): Etcd {
  return new Etcd(cfg.endpoints, cfg);
}

/** The overlay networks in the store, with the revision they were read at. */
export async function storeNetworks(etcd: Etcd): Promise<{ nets: { rec: NetworkRecord; modRevision: string }[]; revision: string }> {
  const { kvs, revision } = await etcd.range(NETWORKS);
  const nets = kvs.flatMap((kv) => {
    try {
      return [{ rec: JSON.parse(kv.value) as NetworkRecord, modRevision: kv.modRevision }];
    } catch {
      return [];
    }
  });
  return { nets, revision };
}

/** network create -d overlay: the cluster-wide checks and the one txn that creates it. */
export async function createOverlayNetwork(
  cfg: ClusterConfig,
  spec: { name: string; subnet: string; gateway: string; autoSubnet?: boolean; internal: boolean; labels: Record<string, string>; options: Record<string, string> },
  id: string,
): Promise<Partial<NetworkRecord>> {
  const etcd = etcdOf(cfg);
  const { nets, revision } = await storeNetworks(etcd);
  if (nets.some((n) => n.rec.Name === spec.name)) throw new UserError(`Error response from daemon: network with name ${spec.name} already exists (in the cluster)`, 1);
  let subnet = spec.subnet;
  let gateway = spec.gateway;
  const used = nets.map((n) => parseCidr(n.rec.Subnet!)!).filter(Boolean);
  if (spec.autoSubnet) {
    const { hostUsedSubnets } = await import('../network/ipam.js');
    const { chooseOverlaySubnet } = await import('../network/drivers/overlay.js');
    const s = chooseOverlaySubnet([...used, ...(await hostUsedSubnets())]);
    if (!s) throw new UserError('could not find an available, non-overlapping IPv4 address pool for the overlay network');
    subnet = s;
    gateway = formatIp(nth(parseCidr(s)!, 1));
  } else {
    const c = parseCidr(subnet)!;
    const other = nets.find((n) => overlaps(c, parseCidr(n.rec.Subnet!)!));
    if (other) throw new UserError(`invalid pool request: Pool overlaps with other one on this address space: ${subnet} overlaps network ${other.rec.Name} (${other.rec.Subnet}) in the cluster`);
  }
  const vni = freeVni(nets.map((n) => n.rec.VNI ?? 0));
  const rec: NetworkRecord = {
    Name: spec.name,
    Id: id,
    Created: new Date().toISOString(),
    Driver: 'overlay',
    Subnet: subnet,
    Gateway: gateway,
    Internal: spec.internal,
    Labels: spec.labels,
    Options: spec.options,
    VNI: vni,
  };
  if (dryRun.active) return { Subnet: subnet, Gateway: gateway, VNI: vni };
  if (!(await etcd.txn(createNetworkTxn(spec.name, JSON.stringify(rec), revision)))) {
    throw new UserError(`network ${spec.name}: another host created a network at the same time; try again`);
  }
  return { Subnet: subnet, Gateway: gateway, VNI: vni, Created: rec.Created };
}

/** network rm of an overlay network: gone from the store only while no host has a container on it. */
export async function removeOverlayNetwork(cfg: ClusterConfig, rec: NetworkRecord): Promise<void> {
  const etcd = etcdOf(cfg);
  const cur = await etcd.get(networkKey(rec.Name));
  if (!cur) return; // removed elsewhere already
  if ((JSON.parse(cur.value) as NetworkRecord).Id !== rec.Id) return;
  if (!(await etcd.txn(removeNetworkTxn(rec.Name, rec.Id, cur.modRevision)))) {
    const { kvs } = await etcd.range(endpointsOf(rec.Id));
    const names = kvs.map((kv) => (JSON.parse(kv.value) as EndpointValue).name).join(', ');
    throw new UserError(`error while removing network: network ${rec.Name} id ${rec.Id} has active endpoints on other hosts (${names || 'changed meanwhile'})`, 1);
  }
}

/** One address of the network for a container, taken in the store (a txn per address). */
export async function claimAddress(cfg: ClusterConfig, rec: NetworkRecord, c: { id: string; name: string; aliases?: string[] }, want?: string, explain?: (line: string) => void): Promise<string> {
  const etcd = etcdOf(cfg);
  const lease = await hostLease(cfg, etcd);
  const subnet = parseCidr(rec.Subnet!)!;
  for (let attempt = 0; attempt < 50; attempt++) {
    const { kvs } = await etcd.range(endpointsOf(rec.Id));
    const taken = new Set(kvs.map((kv) => parseIp(kv.key.slice(endpointsOf(rec.Id).length))!).filter((x) => x !== undefined));
    const ip = formatIp(pickAddress(subnet, parseIp(rec.Gateway!)!, taken, want));
    const value: EndpointValue = { host: hostId(), vtep: cfg.advertise, mac: macForIp(parseIp(ip)!), container: c.id, name: c.name, ...(c.aliases?.length ? { aliases: c.aliases } : {}) };
    const said = `# cluster store: txn put ${endpointKey(rec.Id, ip)} ${JSON.stringify(value)} (only if absent: the address is this container's in the whole cluster), under this host's lease ${lease}`;
    if (dryRun.active) {
      explain?.(said.replace('txn put', 'would txn put'));
      return ip;
    }
    if (await etcd.txn(claimTxn(rec.Id, ip, JSON.stringify(value), lease))) {
      explain?.(said);
      return ip;
    }
    if (want) throw new UserError(`Address already in use: ${want}`);
  }
  throw new UserError(`network ${rec.Name}: could not take an address in the cluster store (too many concurrent starts); try again`);
}

/** Gives a container's address back (only if this host's container still holds it). */
export async function releaseAddress(cfg: ClusterConfig, rec: NetworkRecord, containerId: string, ip: string): Promise<void> {
  if (dryRun.active) return;
  const etcd = etcdOf(cfg);
  try {
    const cur = await etcd.get(endpointKey(rec.Id, ip));
    if (cur && (JSON.parse(cur.value) as EndpointValue).container === containerId) await etcd.delete(endpointKey(rec.Id, ip));
  } catch (e) {
    // the store is away: this host's watcher removes the key once it is back (sync.ts)
    process.stderr.write(`WARNING: ${(e as Error).message}: the address ${ip} of network ${rec.Name} is given back when the store is reachable\n`);
  }
}
