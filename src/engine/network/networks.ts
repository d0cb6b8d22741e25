// Network records. A network is a record (name, id, driver, subnet, gateway, bridge); `bridge`
// is simply the default one, created on first use with the first free default pool. `host` and
// `none` are listed like Docker lists them. Also the Docker-shaped `network ls/inspect` data.
import { randomHex } from '../../state/random.js';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { run } from '../../host/exec.js';
import { readState, readStateDir, writeJsonAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';
import { UserError } from '../../errors.js';
import { formatCidr, formatIp, nth, parseCidr } from './cidr.js';
import { candidateSubnets, chooseSubnet, hostUsedSubnets } from './ipam.js';
import { configPath } from '../../state/config.js';
import { networkConfig } from './netconfig.js';
import { scopeOf } from './scope.js';

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  /** bridge | macvlan | ipvlan (drivers/index.ts) | host | null (modes) */
  Driver: string;
  /** networks of a driver; absent on an IPv6-only network (EnableIPv4 false) */
  Subnet?: string;
  Gateway?: string;
  /** --ipv6 (or config.json "ipv6" for the default bridge): the IPv6 subnet and gateway, canonical (cidr6.ts). */
  EnableIPv6?: boolean;
  Subnet6?: string;
  Gateway6?: string;
  /** --ipv4=false: an IPv6-only network (no Subnet/Gateway). */
  EnableIPv4?: false;
  /** bridge: the bridge device */
  Bridge?: string;
  /** macvlan/ipvlan: the parent link containers' interfaces are made on (eth1, eth1.60, a stand-in). */
  Parent?: string;
  /** macvlan/ipvlan: host links minidock made for this network (an 802.1Q sub-interface, the stand-in parent, the host link), removed with it. */
  Made?: { ifname: string; kind: string }[];
  /** macvlan -o minidock.host_link=true: the host link's address (reserved in the network's pool). */
  HostLinkAddress?: string;
  Internal?: boolean;
  /** user networks: --ip-range, --label, -o as given */
  IPRange?: string;
  /** --ip-range of the IPv6 family (canonical, inside Subnet6) */
  IPRange6?: string;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
  /** overlay: the VXLAN network identifier, allocated cluster-wide (drivers/overlay.ts). */
  VNI?: number;
}

export interface EndpointRecord {
  containerId: string;
  containerName: string;
  network: string;
  networkId: string;
  endpointId: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  /** The container's IPv6 address (canonical, no prefix), its prefix length and gateway ('' = none: ipvlan l3). */
  ip6?: string;
  prefixLen6?: number;
  gateway6?: string;
  mac: string;
  netns: string;
  hostIf: string;
  /** Resolved published ports (random host ports chosen). */
  ports: import('./types.js').PortBinding[];
  /** The published ports' firewall intent and the backend that made them; teardown undoes them through that backend. */
  firewall?: import('./firewall/backend.js').FirewallRecord;
  /** Records of older minidocks: the per-container iptables ops setup applied (teardown deletes exactly these). */
  rules?: import('../../host/plan.js').IptOp[];
  /** The interface inside the container (eth0 when absent: records of issue 3). */
  ifname?: string;
  /** --network-alias / network connect --alias: extra DNS names on this network. */
  aliases?: string[];
  /** The container's default route goes through this endpoint's gateway. */
  defaultRoute?: boolean;
  /** The same for IPv6, when it differs (network connect: the first network with IPv6 has it); absent: as defaultRoute. */
  defaultRoute6?: boolean;
  /** --dns on a user network: the embedded DNS forwards this container's queries there. */
  dns?: string[];
}

/** A new endpoint of a container on network `n`, from the link its driver planned. */
export function newEndpoint(
  n: NetworkRecord,
  link: { ip: string; prefixLen: number; gateway: string; ip6?: string; prefixLen6?: number; gateway6?: string; mac: string; netns: string; hostIf: string; ifname?: string },
  containerId: string,
  containerName: string,
  rest: Pick<EndpointRecord, 'ports' | 'firewall' | 'aliases' | 'defaultRoute' | 'defaultRoute6'>,
): EndpointRecord {
  return {
    containerId,
    containerName,
    network: n.Name,
    networkId: n.Id,
    endpointId: randomHex(32),
    ip: link.ip,
    prefixLen: link.prefixLen,
    gateway: link.gateway,
    ...(link.ip6 ? { ip6: link.ip6, prefixLen6: link.prefixLen6, gateway6: link.gateway6 ?? '' } : {}),
    mac: link.mac,
    netns: link.netns,
    hostIf: link.hostIf,
    ifname: link.ifname ?? 'eth0',
    ...rest,
    aliases: rest.aliases?.length ? [...rest.aliases] : undefined,
  };
}

/** Docker's IPv6 endpoint fields, on an endpoint with an IPv6 address. */
export function v6Settings(e: EndpointRecord): { GlobalIPv6Address?: string; GlobalIPv6PrefixLen?: number; IPv6Gateway?: string } {
  return e.ip6 ? { GlobalIPv6Address: e.ip6, GlobalIPv6PrefixLen: e.prefixLen6 ?? 0, IPv6Gateway: e.gateway6 ?? '' } : {};
}

export const DEFAULT_NETWORK = 'bridge';

export function bridgeName(): string {
  const b = process.env.MINIDOCK_BRIDGE || 'minidock0';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(b)) throw new UserError(`invalid MINIDOCK_BRIDGE ${JSON.stringify(b)} (1-15 characters)`);
  return b;
}

function netsDir(): string {
  return join(paths.networks(), 'nets');
}
function netFile(name: string): string {
  return join(netsDir(), `${name}.json`);
}
export function endpointsDir(): string {
  return join(paths.networks(), 'endpoints');
}
export function endpointFile(containerId: string): string {
  return join(endpointsDir(), `${containerId}.json`);
}

/**
 * Network names: Docker's rule (^[a-zA-Z0-9][a-zA-Z0-9_.-]*$), and at most NETWORK_NAME_MAX
 * characters — Docker sets no bound, but a name is a file name here (nets/NAME.json, within
 * NAME_MAX) and shows in `network ls`; 128 is the bound minidock keeps for container names too.
 */
export const NETWORK_NAME_MAX = 128;
export function isNetworkName(name: string): boolean {
  return name.length <= NETWORK_NAME_MAX && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name);
}

/** What to do about a corrupt network record: the built-in ones minidock makes again by itself. */
function recoverNetwork(name: string): string {
  return ['bridge', 'host', 'none'].includes(name) ? 'remove it: minidock creates it again' : `remove it and create the network ${name} again`;
}

/** What to do about a corrupt endpoint file (teardown also finds a container's objects by name). */
export const RECOVER_ENDPOINT = 'remove it: the container\'s network objects are then found by name (minidock system prune removes them)';

export function readNetwork(name: string): NetworkRecord | undefined {
  if (!isNetworkName(name)) return undefined;
  return readState<NetworkRecord>(netFile(name), recoverNetwork(name));
}

export function writeNetworkRecord(rec: NetworkRecord): void {
  writeJsonAtomic(netFile(rec.Name), rec, true);
}

export function removeNetworkRecord(name: string): void {
  rmSync(netFile(name), { force: true });
}

/** Endpoint file of a container's extra network (network connect): one per (container, network). */
export function extraEndpointFile(containerId: string, networkId: string): string {
  return join(endpointsDir(), `${containerId}-${networkId.slice(0, 12)}.json`);
}

/** Every endpoint file of a container: eth0's (endpointFile) and the connected ones. */
export function containerEndpointFiles(containerId: string): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(endpointsDir());
  } catch {
    return [];
  }
  return files.filter((f) => f.endsWith('.json') && (f === `${containerId}.json` || f.startsWith(`${containerId}-`))).map((f) => join(endpointsDir(), f));
}

/** Finds a network by name, full id or unique id prefix, without creating the default records. */
export function findNetworkSync(ref: string): NetworkRecord | undefined {
  const byName = readNetwork(ref);
  if (byName) return byName;
  if (!/^[0-9a-f]+$/.test(ref)) return undefined;
  const byId = listNetworkRecords().filter((n) => n.Id.startsWith(ref));
  return byId.length === 1 ? byId[0] : undefined;
}

export function newId(): string {
  return randomHex(32);
}

/** The IPv4 address (and prefix) on an existing bridge device, if any. */
export async function bridgeAddress(dev: string): Promise<{ exists: boolean; up: boolean; addrs: string[]; addrs6: string[] }> {
  // not -4: a bridge without an IPv4 address (gateway mode isolated) is listed too
  const r = await run('ip', ['-j', 'addr', 'show', 'dev', dev], { allowFail: true });
  if (r.code !== 0) return { exists: false, up: false, addrs: [], addrs6: [] };
  const j = JSON.parse(r.stdout || '[]') as { flags?: string[]; addr_info?: { family?: string; local: string; prefixlen: number; scope?: string }[] }[];
  if (j.length === 0) return { exists: false, up: false, addrs: [], addrs6: [] };
  const info = j[0].addr_info ?? [];
  return {
    exists: true,
    up: (j[0].flags ?? []).includes('UP'),
    addrs: info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
    // global IPv6 addresses (ip prints them canonical, as cidr6.ts does)
    addrs6: info.filter((a) => a.family === 'inet6' && a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`),
  };
}

/**
 * The default `bridge` network record, created on first use: if the bridge device already
 * exists with an address (state wiped, device kept) that address is adopted; otherwise the
 * first default pool that overlaps nothing on the host. Call with the `network` lock held.
 */
export async function ensureDefaultNetworkRecord(): Promise<NetworkRecord> {
  const existing = readNetwork(DEFAULT_NETWORK);
  if (existing) return reconcileDefaultV6(existing);
  const dev = bridgeName();
  const cur = await bridgeAddress(dev);
  if (cur.exists) await refuseAnotherRootsBridge(dev);
  let subnet: string | undefined;
  let gateway: string | undefined;
  if (cur.addrs.length > 0) {
    const c = parseCidr(cur.addrs[0])!;
    subnet = formatCidr(c);
    gateway = cur.addrs[0].split('/')[0];
  } else {
    const used = [...(await hostUsedSubnets()), ...otherSubnets()];
    const c = chooseSubnet(candidateSubnets(), used);
    if (!c) throw new UserError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    subnet = formatCidr(c);
    gateway = formatIp(nth(c, 1));
  }
  const rec: NetworkRecord = {
    Name: DEFAULT_NETWORK,
    Id: newId(),
    Created: new Date().toISOString(),
    Driver: 'bridge',
    Subnet: subnet,
    Gateway: gateway,
    Bridge: dev,
    Internal: false,
    ...(await defaultV6(cur.addrs6)),
  };
  writeJsonAtomic(netFile(DEFAULT_NETWORK), rec, true);
  return rec;
}

/**
 * The default network's IPv6, from config.json as Docker's daemon.json: "ipv6": true, its
 * subnet "fixed-cidr-v6" or else the first free /64 of the pools ("default-address-pools",
 * or the ULA /48 of this root). IPv4-only by default. `have6`: the bridge's addresses now.
 */
async function defaultV6(have6: string[] = []): Promise<Partial<NetworkRecord>> {
  const cfg = networkConfig();
  if (!cfg.ipv6) return {};
  const { checkSubnet6, gateway6Of, chooseSubnet6, hostUsedSubnets6, pools6 } = await import('./ipam6.js');
  const { formatCidr6, parseCidr6 } = await import('./cidr6.js');
  let c;
  if (cfg.fixedCidrV6) c = checkSubnet6(cfg.fixedCidrV6, `"fixed-cidr-v6" in ${configPath()}:`);
  else {
    const { rootId } = await import('../../state/rootid.js');
    const mine = have6.map((a) => parseCidr6(a)).filter((x) => !!x);
    // the bridge's own address (state wiped, device kept) is not "in use by someone else"
    const used = (await hostUsedSubnets6()).filter((u) => !mine.some((m) => m!.base === u.base && m!.prefix === u.prefix));
    const others = listNetworkRecords().filter((n) => n.Name !== DEFAULT_NETWORK && n.Subnet6).map((n) => parseCidr6(n.Subnet6!)!);
    c = chooseSubnet6(await pools6(cfg.pools, rootId()), [...used, ...others]);
    if (!c) throw new UserError('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the default bridge network');
  }
  return { EnableIPv6: true, Subnet6: formatCidr6(c), Gateway6: gateway6Of(c) };
}

/**
 * config.json changed since the default network's record was made (its "ipv6" or
 * "fixed-cidr-v6"): the record follows while no container is on it (Docker applies daemon.json
 * at its restart); with containers on it, it stays until they are gone. config.json is read
 * once per process (state/config.ts), shared with the firewall choice: no extra read.
 */
async function reconcileDefaultV6(rec: NetworkRecord): Promise<NetworkRecord> {
  const cfg = networkConfig();
  if (!cfg.ipv6 && !rec.Subnet6) return rec; // the usual case: nothing more to read
  const { canonicalCidr6 } = await import('./cidr6.js');
  const same = cfg.ipv6 ? !!rec.Subnet6 && (!('fixedCidrV6' in cfg && cfg.fixedCidrV6) || canonicalCidr6(cfg.fixedCidrV6!) === rec.Subnet6) : !rec.Subnet6;
  if (same || listEndpoints().some((e) => e.networkId === rec.Id)) return rec;
  const { EnableIPv6: _e, Subnet6: old6, Gateway6: oldGw6, ...v4 } = rec;
  const next: NetworkRecord = { ...v4, ...(await defaultV6()) };
  if (old6 && oldGw6 && rec.Bridge) {
    // the old IPv6 gateway address leaves the bridge with the setting
    const { applyPlan } = await import('../../host/plan.js');
    const prefix = old6.split('/')[1];
    await applyPlan([{ kind: 'ip', args: ['-6', 'addr', 'del', `${oldGw6}/${prefix}`, 'dev', rec.Bridge], why: `the default network's IPv6 changed in ${configPath()}: remove the old gateway address ${oldGw6}` }], { tolerant: true });
  }
  writeJsonAtomic(netFile(DEFAULT_NETWORK), next, true);
  return next;
}

/**
 * A bridge that another state root's rules name (`(root <id>)`, tags.ts) is that root's
 * network: adopting it would hand out its addresses a second time. Once per root (its first
 * default network record), so the iptables-save costs nothing on the common path.
 */
async function refuseAnotherRootsBridge(dev: string): Promise<void> {
  const { backendOf } = await import('./firewall/index.js');
  const { FIREWALL_BACKENDS } = await import('./firewall/backend.js');
  for (const name of FIREWALL_BACKENDS) {
    const o = await (await backendOf(name)).bridgeOwner(dev).catch(() => undefined);
    if (o) throw new UserError(`bridge ${dev} is the network ${o.net} of another minidock state root (root ${o.root}): set MINIDOCK_BRIDGE to give this root a bridge of its own`);
  }
}

function otherSubnets() {
  return listNetworkRecords()
    .map((n) => (n.Subnet ? parseCidr(n.Subnet) : undefined))
    .filter((c): c is NonNullable<typeof c> => !!c);
}

export function listNetworkRecords(): NetworkRecord[] {
  return readStateDir<NetworkRecord>(netsDir(), (f) => recoverNetwork(basename(f, '.json')));
}

/** host and none records (Docker lists them too); created once so their ids are stable. */
export function ensureBuiltinRecords(): void {
  for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
    if (readNetwork(name)) continue;
    writeJsonAtomic(netFile(name), { Name: name, Id: newId(), Created: new Date().toISOString(), Driver: driver } satisfies NetworkRecord, true);
  }
}

export function listEndpoints(): EndpointRecord[] {
  return readStateDir<EndpointRecord>(endpointsDir(), () => RECOVER_ENDPOINT, true);
}

// ---------------------------------------------------------------- Docker-shaped views


/**
 * Overlay networks live in the cluster store; each host keeps a copy of their records in nets/.
 * The copy is brought up to date here when a command lists networks or names one this host does
 * not know yet (only with a cluster configured: nothing is loaded otherwise).
 */
export async function refreshClusterNetworks(ref?: string): Promise<void> {
  if (ref !== undefined && (['bridge', 'host', 'none'].includes(ref) || ref.startsWith('container:') || findNetworkSync(ref))) return;
  if (!process.env.MINIDOCK_CLUSTER && !existsSync(configPath())) return;
  const { clusterConfig } = await import('../cluster/config.js');
  const cfg = clusterConfig();
  if (!cfg) return;
  const { mirrorNetworks } = await import('../cluster/sync.js');
  await mirrorNetworks(cfg).catch((e) => {
    if (ref === undefined) process.stderr.write(`WARNING: overlay networks not refreshed: ${(e as Error).message}\n`);
  });
}

export interface NetworkInspect {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local' | 'swarm';
  Driver: string;
  EnableIPv6: boolean;
  EnableIPv4: boolean;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: { Subnet: string; IPRange?: string; Gateway: string }[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** `driverOptions`: the driver's part of Options (drivers/driver.ts inspectOptions). */
export function inspectView(n: NetworkRecord, endpoints: EndpointRecord[], driverOptions: Record<string, string> = {}): NetworkInspect {
  const containers: NetworkInspect['Containers'] = {};
  for (const e of endpoints.filter((e) => e.networkId === n.Id)) {
    containers[e.containerId] = {
      Name: e.containerName,
      EndpointID: e.endpointId,
      MacAddress: e.mac,
      IPv4Address: e.ip ? `${e.ip}/${e.prefixLen}` : '',
      IPv6Address: e.ip6 ? `${e.ip6}/${e.prefixLen6}` : '',
    };
  }
  // Go encodes a map with its keys sorted
  const sorted = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const options = sorted({ ...(n.Options ?? {}), ...driverOptions });
  return {
    Name: n.Name,
    Id: n.Id,
    Created: n.Created,
    Scope: scopeOf(n),
    Driver: n.Driver,
    EnableIPv4: n.EnableIPv4 !== false,
    EnableIPv6: !!n.EnableIPv6,
    IPAM: {
      Driver: 'default',
      Options: PREDEFINED.has(n.Name) ? null : {}, // Docker's daemon makes them without, the CLI sends {}
      // as Docker: one entry per family, IPv4 first
      Config: [
        ...(n.Subnet && n.Gateway ? [{ Subnet: n.Subnet, ...(n.IPRange ? { IPRange: n.IPRange } : {}), Gateway: n.Gateway }] : []),
        ...(n.Subnet6 && n.Gateway6 ? [{ Subnet: n.Subnet6, ...(n.IPRange6 ? { IPRange: n.IPRange6 } : {}), Gateway: n.Gateway6 }] : []),
      ],
    },
    Internal: !!n.Internal,
    Attachable: n.Driver === 'overlay', // `run --network` joins it on any host (no swarm services here)
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: options,
    Labels: sorted(n.Labels ?? {}),
  };
}

/** The networks Docker's daemon makes by itself (no user can create one of these names). */
const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** All networks, making sure the default ones have records (no host change). */
export async function listNetworks(): Promise<NetworkRecord[]> {
  const { withLock } = await import('../../state/lock.js');
  await refreshClusterNetworks();
  await withLock('network', async () => {
    await ensureDefaultNetworkRecord();
    ensureBuiltinRecords();
  });
  const order = ['bridge', 'host', 'none'];
  return listNetworkRecords().sort((a, b) => {
    const ia = order.indexOf(a.Name);
    const ib = order.indexOf(b.Name);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    return a.Name.localeCompare(b.Name);
  });
}

/** Finds a network by name, full id or id prefix (Docker's rules). */
export async function findNetwork(ref: string): Promise<NetworkRecord | undefined> {
  const all = await listNetworks();
  const byName = all.find((n) => n.Name === ref);
  if (byName) return byName;
  const byId = all.filter((n) => n.Id.startsWith(ref));
  if (byId.length === 1 && ref.length > 0) return byId[0];
  return undefined;
}

export async function inspectNetwork(ref: string): Promise<NetworkInspect> {
  const n = await findNetwork(ref);
  if (!n) throw new UserError(`network ${ref} not found`, 1);
  const { driverOf } = await import('./drivers/index.js');
  return inspectView(n, listEndpoints(), driverOf(n)?.inspectOptions(n));
}
