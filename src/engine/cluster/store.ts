// What the overlay driver keeps in the cluster store: networks (created and removed by txn,
// checked against the whole cluster) and addresses (one key each, taken by txn: race-free IPAM
// across hosts). The keys: keys.ts.
import { DaemonError, UserError } from '../../errors.js';
import { dryRun } from '../../host/plan.js';
import { formatIp, nth, overlaps, parseCidr, parseIp, macForIp } from '../network/cidr.js';
import { formatCidr6, formatIp6, macForIp6, overlaps6, parseCidr6, parseIp6 } from '../network/cidr6.js';
import { pickAddress } from '../network/ipam.js';
import type { NetworkRecord } from '../network/networks.js';
import type { CreateSpec } from '../network/drivers/driver.js';
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
  /** Its IPv6 address on a network with IPv6 (on an IPv6-only one also the key's address). */
  ip6?: string;
}

/** An endpoint key's addresses: the key names the IPv4 one, or the IPv6 one on an IPv6-only network. Pure. */
export function endpointAddresses(keyAddr: string, v: Pick<EndpointValue, 'ip6'>): { ip: string; ip6?: string } {
  return keyAddr.includes(':') ? { ip: '', ip6: keyAddr } : { ip: keyAddr, ...(v.ip6 ? { ip6: v.ip6 } : {}) };
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
  spec: CreateSpec & { autoSubnet?: boolean; autoSubnet6?: boolean },
  id: string,
): Promise<Partial<NetworkRecord>> {
  const etcd = etcdOf(cfg);
  const { nets, revision } = await storeNetworks(etcd);
  if (nets.some((n) => n.rec.Name === spec.name)) throw new UserError(`Error response from daemon: network with name ${spec.name} already exists (in the cluster)`, 1);
  let subnet = spec.subnet;
  let gateway = spec.gateway;
  const used = nets.flatMap((n) => (n.rec.Subnet ? [parseCidr(n.rec.Subnet)!] : []));
  const v6 = spec.subnet6 ? await overlaySubnet6(spec as typeof spec & { subnet6: string; gateway6: string }, nets.map((n) => n.rec)) : undefined;
  if (spec.ipv4 === false) {
    // IPv6 only: no IPv4 subnet, gateway or address anywhere in the cluster
  } else if (spec.autoSubnet) {
    const { hostUsedSubnets } = await import('../network/ipam.js');
    const { chooseOverlaySubnet } = await import('../network/drivers/overlay.js');
    const s = chooseOverlaySubnet([...used, ...(await hostUsedSubnets())]);
    if (!s) throw new UserError('could not find an available, non-overlapping IPv4 address pool for the overlay network');
    subnet = s;
    gateway = formatIp(nth(parseCidr(s)!, 1));
  } else {
    const c = parseCidr(subnet!)!;
    const other = nets.find((n) => n.rec.Subnet && overlaps(c, parseCidr(n.rec.Subnet)!));
    if (other) throw new DaemonError(`invalid pool request: Pool overlaps with other one on this address space: ${subnet} overlaps network ${other.rec.Name} (${other.rec.Subnet}) in the cluster`, 1);
  }
  const vni = freeVni(nets.map((n) => n.rec.VNI ?? 0));
  const rec: NetworkRecord = {
    Name: spec.name,
    Id: id,
    Created: new Date().toISOString(),
    Driver: 'overlay',
    ...(subnet ? { Subnet: subnet, Gateway: gateway } : { EnableIPv4: false as const }),
    ...(v6 ? { EnableIPv6: true, Subnet6: v6.subnet6, Gateway6: v6.gateway6 } : {}),
    Internal: spec.internal,
    Labels: spec.labels,
    Options: spec.options,
    VNI: vni,
  };
  const fields: Partial<NetworkRecord> = { ...(subnet ? { Subnet: subnet, Gateway: gateway } : {}), ...(v6 ? { Subnet6: v6.subnet6, Gateway6: v6.gateway6 } : {}), VNI: vni };
  if (dryRun.active) return fields;
  if (!(await etcd.txn(createNetworkTxn(spec.name, JSON.stringify(rec), revision)))) {
    throw new UserError(`network ${spec.name}: another host created a network at the same time; try again`);
  }
  return { ...fields, Created: rec.Created };
}

/**
 * An overlay network's IPv6 subnet, checked against every network of the cluster (the store's,
 * read in the create txn's revision): as given, or the first free /64 of this host's pools (the
 * ULA pool the bridge driver uses) that no network of the cluster and nothing on this host has.
 */
async function overlaySubnet6(spec: { subnet6: string; gateway6: string; autoSubnet6?: boolean }, nets: NetworkRecord[]): Promise<{ subnet6: string; gateway6: string }> {
  const inCluster = nets.flatMap((n) => (n.Subnet6 ? [parseCidr6(n.Subnet6)!] : []));
  if (!spec.autoSubnet6) {
    const c = parseCidr6(spec.subnet6)!;
    const other = nets.find((n) => n.Subnet6 && overlaps6(c, parseCidr6(n.Subnet6)!));
    if (other) throw new DaemonError(`invalid pool request: Pool overlaps with other one on this address space: ${spec.subnet6} overlaps network ${other.Name} (${other.Subnet6}) in the cluster`, 1);
    return spec;
  }
  const { chooseSubnet6, gateway6Of, hostUsedSubnets6, pools6 } = await import('../network/ipam6.js');
  const { networkConfig } = await import('../network/netconfig.js');
  const { listNetworkRecords } = await import('../network/networks.js');
  const local = listNetworkRecords().flatMap((n) => (n.Subnet6 ? [parseCidr6(n.Subnet6)!] : []));
  const c = chooseSubnet6(await pools6(networkConfig().pools, hostId()), [...inCluster, ...local, ...(await hostUsedSubnets6())]);
  if (!c) throw new UserError('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the overlay network');
  return { subnet6: formatCidr6(c), gateway6: gateway6Of(c) };
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

/**
 * A container's address(es) on the network, taken in the store by one txn that puts one key:
 * the IPv4 address's (IPv4 only: only if absent), or on a network with IPv6 the key of its IPv4
 * address (its IPv6 one in the value) or, IPv6-only, of its IPv6 address — only if no endpoint of
 * the network changed since both were checked free. Retried with the next free ones if another
 * host took one first.
 */
export async function claimAddress(
  cfg: ClusterConfig,
  rec: NetworkRecord,
  c: { id: string; name: string; aliases?: string[] },
  want?: string,
  want6?: string,
  explain?: (line: string) => void,
): Promise<{ ip: string; ip6?: string }> {
  const etcd = etcdOf(cfg);
  const lease = await hostLease(cfg, etcd);
  const { pickAddress6 } = await import('../network/ipam6.js');
  const subnet = rec.Subnet ? parseCidr(rec.Subnet)! : undefined;
  const subnet6 = rec.Subnet6 ? parseCidr6(rec.Subnet6)! : undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    const { kvs, revision } = await etcd.range(endpointsOf(rec.Id));
    const held = kvs.map((kv) => endpointAddresses(kv.key.slice(endpointsOf(rec.Id).length), parseValue(kv.value)));
    const ip = subnet ? formatIp(pickAddress(subnet, parseIp(rec.Gateway!)!, new Set(held.flatMap((h) => (h.ip ? [parseIp(h.ip)!] : []))), want)) : '';
    const ip6 = subnet6 ? formatIp6(pickAddress6(subnet6, parseIp6(rec.Gateway6!)!, new Set(held.flatMap((h) => (h.ip6 && parseIp6(h.ip6) !== undefined ? [parseIp6(h.ip6)!] : []))), want6)) : undefined;
    const key = ip || ip6!;
    const mac = ip ? macForIp(parseIp(ip)!) : macForIp6(parseIp6(ip6!)!);
    const value: EndpointValue = { host: hostId(), vtep: cfg.advertise, mac, container: c.id, name: c.name, ...(c.aliases?.length ? { aliases: c.aliases } : {}), ...(ip6 ? { ip6 } : {}) };
    const cond = ip6 ? `only if absent and no endpoint of the network changed since revision ${revision}: ${ip ? 'both addresses are' : 'the address is'} this container's in the whole cluster` : `only if absent: the address is this container's in the whole cluster`;
    const said = `# cluster store: txn put ${endpointKey(rec.Id, key)} ${JSON.stringify(value)} (${cond}), under this host's lease ${lease}`;
    if (dryRun.active) {
      explain?.(said.replace('txn put', 'would txn put'));
      return { ip, ...(ip6 ? { ip6 } : {}) };
    }
    if (await etcd.txn(claimTxn(rec.Id, key, JSON.stringify(value), lease, ip6 ? revision : undefined))) {
      explain?.(said);
      return { ip, ...(ip6 ? { ip6 } : {}) };
    }
    // IPv4 only: the address asked for is someone else's now. With IPv6 the txn also fails when
    // any other endpoint changed: read again (pickAddress says if the asked-for one is taken).
    if (want && !ip6) throw new UserError(`Address already in use: ${want}`);
  }
  throw new UserError(`network ${rec.Name}: could not take an address in the cluster store (too many concurrent starts); try again`);
}

function parseValue(s: string): Partial<EndpointValue> {
  try {
    return JSON.parse(s) as EndpointValue;
  } catch {
    return {};
  }
}

/** Gives a container's address back (only if this host's container still holds it); `ip` names its key (keyAddress). */
export async function releaseAddress(cfg: ClusterConfig, rec: NetworkRecord, containerId: string, ip: string): Promise<void> {
  if (dryRun.active || !ip) return;
  const etcd = etcdOf(cfg);
  try {
    const cur = await etcd.get(endpointKey(rec.Id, ip));
    if (cur && (JSON.parse(cur.value) as EndpointValue).container === containerId) await etcd.delete(endpointKey(rec.Id, ip));
  } catch (e) {
    // the store is away: this host's watcher removes the key once it is back (sync.ts)
    process.stderr.write(`WARNING: ${(e as Error).message}: the address ${ip} of network ${rec.Name} is given back when the store is reachable\n`);
  }
}
