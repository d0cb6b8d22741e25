// User-defined bridge networks: `network create / rm / prune / connect / disconnect`.
//
// A user network is a record (networks.ts) plus its bridge and its constant handful of rules,
// created at `network create` (like Docker) through one plan: all-or-nothing, shown by
// --explain. Containers join it with `run --network NAME` (index.ts) or, running, with
// `network connect` (an extra veth: eth1, eth2…), and get the embedded DNS (dns.ts).
import { journal } from '../events.js';
import { existsSync, rmSync } from 'node:fs';
import { type Op, applyPlan } from '../../host/plan.js';
import { endpointUndoOps } from './firewall/index.js';
import { type SavedRules, removeRuleOps } from './firewall/iptables.js';
import { bridgeDelOp, bridgeNetOf } from './drivers/bridge.js';
import { readState, writeJsonAtomic } from '../../state/atomic.js';
import { withLock } from '../../state/lock.js';
import { DaemonError, UserError } from '../../errors.js';
import { type Cidr, broadcast, contains, formatCidr, formatIp, nth, overlaps, parseCidr, parseIp } from './cidr.js';
import { formatCidr6, overlaps6, parseCidr6 } from './cidr6.js';
import { checkRange6, checkSubnet6, gateway6Of } from './ipam6.js';
import type { CreateSpec } from './drivers/driver.js';
import { driverNamed, driverOf } from './drivers/index.js';
import { candidateSubnets, chooseSubnet, hostUsedSubnets, releaseAddresses, removeIpam } from './ipam.js';
import {
  RECOVER_ENDPOINT,
  DEFAULT_NETWORK,
  type EndpointRecord,
  type NetworkRecord,
  containerEndpointFiles,
  ensureBuiltinRecords,
  ensureDefaultNetworkRecord,
  extraEndpointFile,
  findNetworkSync,
  isNetworkName,
  listEndpoints,
  NETWORK_NAME_MAX,
  listNetworkRecords,
  newId,
  readNetwork,
  removeNetworkRecord,
  writeNetworkRecord,
  newEndpoint,
  v6Settings,
} from './networks.js';
export { userBridgeName } from './drivers/bridge.js';
export type { CreateSpec } from './drivers/driver.js';
import { paths } from '../../state/paths.js';
import { join } from 'node:path';
import { releasePorts } from './portalloc.js';
import type { EndpointSettings } from './types.js';

const NETWORK_LOCK = 'network';
const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';
const PREDEFINED = new Set([DEFAULT_NETWORK, 'host', 'none']);

export interface CreateFlags {
  driver?: string;
  subnet?: string[];
  gateway?: string[];
  ipRange?: string[];
  internal?: boolean;
  opt?: string[];
  label?: string[];
  /** --ipv6 / --ipv4=false (Docker 28): the families the network has (IPv4 alone by default). */
  ipv6?: boolean;
  ipv4?: boolean;
}

function kv(what: string, s: string, needValue: boolean): [string, string] {
  const eq = s.indexOf('=');
  const k = eq < 0 ? s : s.slice(0, eq);
  if (!k || (needValue && eq < 0)) throw new UserError(`invalid ${what} ${JSON.stringify(s)} (KEY=VALUE)`);
  return [k, eq < 0 ? '' : s.slice(eq + 1)];
}

function one(flag: string, v: string[] | undefined, family = 'IPv4'): string | undefined {
  if (!v || v.length === 0) return undefined;
  if (v.length > 1) throw new UserError(`only one ${flag} per address family is supported (${family}: ${v.join(', ')})`);
  return v[0];
}

/** --subnet/--gateway values split by family (Docker takes one of each): an IPv6 one has a colon. */
function byFamily(v: string[] | undefined): { v4: string[]; v6: string[] } {
  const all = v ?? [];
  return { v4: all.filter((x) => !x.includes(':')), v6: all.filter((x) => x.includes(':')) };
}

/** Checks everything `network create` was given; nothing is looked up on the host. Pure. */
export function parseCreateFlags(name: string, f: CreateFlags): CreateSpec {
  if (!isNetworkName(name)) {
    throw new UserError(`invalid network name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most ${NETWORK_NAME_MAX} characters`);
  }
  // moby's words for the predefined names (daemon/network.go PredefinedNetworkError), and
  // libnetwork's for a second network of the host driver
  if (PREDEFINED.has(name)) throw new DaemonError(`operation is not permitted on predefined ${name} network`, 1);
  if (f.driver === 'host') throw new DaemonError('only one instance of "host" network is allowed', 1);
  const driver = driverNamed(f.driver ?? 'bridge');
  const subnets = byFamily(f.subnet);
  const gateways = byFamily(f.gateway);
  const ipv4 = f.ipv4 !== false;
  const ipv6 = !!f.ipv6;
  if (!ipv4 && !ipv6) throw new UserError('IPv4 or IPv6 must be enabled');
  const subnet6S = one('--subnet', subnets.v6, 'IPv6');
  const gateway6S = one('--gateway', gateways.v6, 'IPv6');
  if ((subnet6S !== undefined || gateway6S !== undefined) && !ipv6) throw new UserError(`${subnet6S ?? gateway6S} is an IPv6 ${subnet6S !== undefined ? 'subnet' : 'gateway'}: add --ipv6 to give the network IPv6`);
  if (!ipv4 && (subnets.v4.length || gateways.v4.length)) throw new UserError(`${[...subnets.v4, ...gateways.v4][0]} is IPv4, but the network has --ipv4=false`);
  if (gateway6S !== undefined && subnet6S === undefined) throw new UserError('an IPv6 --gateway needs an IPv6 --subnet');
  // --ip-range, as Docker: one per family, each inside that family's --subnet
  const ranges = byFamily(f.ipRange);
  const range6S = one('--ip-range', ranges.v6, 'IPv6');
  if (range6S !== undefined && !ipv6) throw new UserError(`${range6S} is an IPv6 range: add --ipv6 to give the network IPv6`);
  if (range6S !== undefined && subnet6S === undefined) throw new UserError('an IPv6 --ip-range needs an IPv6 --subnet');
  let subnet6: string | undefined;
  let gateway6: string | undefined;
  let ipRange6: string | undefined;
  if (subnet6S !== undefined) {
    const c = checkSubnet6(subnet6S);
    subnet6 = formatCidr6(c);
    gateway6 = gateway6Of(c, gateway6S);
    if (range6S !== undefined) ipRange6 = checkRange6(range6S, c);
  }
  const subnetS = one('--subnet', subnets.v4);
  const gatewayS = one('--gateway', gateways.v4);
  const rangeS = one('--ip-range', ranges.v4);
  if (!ipv4 && rangeS !== undefined) throw new UserError('--ip-range needs IPv4 (the network has --ipv4=false)');
  let subnet: Cidr | undefined;
  if (subnetS !== undefined) {
    const loose = parseCidr(subnetS);
    if (!loose) throw new DaemonError(`Invalid subnet ${subnetS} : invalid CIDR address: ${subnetS}`);
    if (formatCidr(loose) !== subnetS) throw new UserError(`invalid subnet ${subnetS}: it should be ${formatCidr(loose)}`);
    if (loose.prefix > 30) throw new UserError(`invalid subnet ${subnetS}: too small (at most /30)`);
    subnet = loose;
  }
  if (gatewayS !== undefined || rangeS !== undefined) {
    if (!subnet) throw new UserError(`${gatewayS !== undefined ? '--gateway' : '--ip-range'} needs --subnet`);
  }
  if (gatewayS !== undefined) {
    const gw = parseIp(gatewayS);
    if (gw === undefined) throw new UserError(`invalid gateway ${JSON.stringify(gatewayS)}: an IPv4 address`);
    if (!contains(subnet!, gw)) throw new UserError(`no matching subnet for gateway ${gatewayS}: it is outside ${formatCidr(subnet!)}`);
    if (gw === subnet!.base || gw === broadcast(subnet!)) throw new UserError(`invalid gateway ${gatewayS}: it is the network or broadcast address of ${formatCidr(subnet!)}`);
  }
  if (rangeS !== undefined) {
    const r = parseCidr(rangeS);
    if (!r || formatCidr(r) !== rangeS) throw new UserError(`invalid ip-range ${JSON.stringify(rangeS)}: an IPv4 CIDR like ${r ? formatCidr(r) : '10.10.1.0/24'}`);
    if (r.prefix < subnet!.prefix || !contains(subnet!, r.base)) throw new UserError(`no matching subnet for range ${rangeS}: it is outside ${formatCidr(subnet!)}`);
  }
  const options: Record<string, string> = {};
  for (const o of f.opt ?? []) {
    const [k, v] = kv('option', o, true);
    options[k] = v;
  }
  const labels: Record<string, string> = {};
  for (const l of f.label ?? []) {
    const [k, v] = kv('label', l, false);
    labels[k] = v;
  }
  const spec: CreateSpec = {
    name,
    subnet: subnet ? formatCidr(subnet) : undefined,
    gateway: gatewayS,
    ipRange: rangeS,
    internal: !!f.internal,
    bridge: options[BRIDGE_NAME_OPT],
    options,
    labels,
    ...(ipv6 ? { ipv6: true, subnet6, gateway6, ...(ipRange6 ? { ipRange6 } : {}) } : {}),
    ...(!ipv4 ? { ipv4: false as const } : {}),
  };
  driver.check(spec);
  return spec;
}

/** Which existing network a subnet (either family) overlaps, if any. Pure. */
export function overlappingNetwork(subnet: string, nets: NetworkRecord[]): NetworkRecord | undefined {
  if (subnet.includes(':')) {
    const c6 = parseCidr6(subnet)!;
    return nets.find((n) => n.Subnet6 && overlaps6(c6, parseCidr6(n.Subnet6)!));
  }
  const c = parseCidr(subnet)!;
  return nets.find((n) => n.Subnet && overlaps(c, parseCidr(n.Subnet)!));
}

export async function createNetwork(name: string, flags: CreateFlags, explain?: (line: string) => void): Promise<NetworkRecord> {
  const spec = parseCreateFlags(name, flags);
  const driver = driverNamed(flags.driver ?? 'bridge');
  return withLock(NETWORK_LOCK, async () => {
    // the default records first, so `bridge` keeps the first pool (172.17/16) like docker0
    await ensureDefaultNetworkRecord();
    ensureBuiltinRecords();
    // a daemon error in Docker: exit 1, not the CLI's own 125
    if (readNetwork(name)) throw new DaemonError(`network with name ${name} already exists`, 1);
    if (driver.caps.firewall) await (await import('./index.js')).settleFirewall(explain);
    const nets = listNetworkRecords();
    const id = newId();
    let subnet: string | undefined;
    let gateway: string | undefined;
    const v6 = spec.ipv6 ? await chooseV6(spec, nets) : undefined;
    if (spec.ipv4 === false) {
      // IPv6 only: no IPv4 subnet, gateway or address anywhere
    } else if (spec.subnet) {
      const other = overlappingNetwork(spec.subnet, nets);
      if (other) throw POOL_OVERLAPS();
      subnet = spec.subnet;
      gateway = spec.gateway ?? formatIp(nth(parseCidr(subnet)!, 1));
    } else {
      const used = [...(await hostUsedSubnets()), ...nets.filter((n) => n.Subnet).map((n) => parseCidr(n.Subnet!)!)];
      const c = chooseSubnet(candidateSubnets(), used);
      if (!c) throw new UserError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
      subnet = formatCidr(c);
      gateway = formatIp(nth(c, 1));
    }
    let fields: Partial<NetworkRecord>;
    try {
      fields = await driver.prepare({ ...spec, subnet, gateway, autoSubnet: !spec.subnet, ...(v6 ? { subnet6: v6.subnet6, gateway6: v6.gateway6, autoSubnet6: !spec.subnet6 } : {}) }, id, nets);
    } catch (e) {
      removeIpam(id); // an address the driver reserved
      throw e;
    }
    const rec: NetworkRecord = {
      Name: name,
      Id: id,
      Created: new Date().toISOString(),
      Driver: driver.name,
      ...(subnet ? { Subnet: subnet, Gateway: gateway } : { EnableIPv4: false as const }),
      ...(v6 ? { EnableIPv6: true, Subnet6: v6.subnet6, Gateway6: v6.gateway6 } : {}),
      Internal: spec.internal,
      IPRange: spec.ipRange,
      ...(spec.ipRange6 ? { IPRange6: spec.ipRange6 } : {}),
      Labels: spec.labels,
      Options: spec.options,
      ...fields,
    };
    for (const line of driver.describe(rec).split('\n')) explain?.(line);
    // The host objects exist before the record: until it is written, a note says this root is
    // making them, so a prune after a crash knows they are its own to remove.
    const pending = pendingCreateFile(id);
    const made = driver.owned(rec).filter((o) => o.made).map(({ ifname, kind }) => ({ ifname, kind }));
    writeJsonAtomic(pending, { Name: name, Id: id, Bridge: rec.Bridge, Links: made } satisfies PendingCreate);
    try {
      await applyPlan(await driver.createOps(rec), { explain });
    } catch (e) {
      // rolled back: nothing left to own (unless the rollback itself failed: then prune finishes it)
      const { linkExists } = await import('./drivers/bridge.js');
      if (!made.some((l) => linkExists(l.ifname))) rmSync(pending, { force: true });
      removeIpam(id);
      throw e;
    }
    writeNetworkRecord(rec);
    rmSync(pending, { force: true });
    driver.created?.(rec);
    journal({ Type: 'network', Action: 'create', ID: rec.Id, Attributes: { name: rec.Name, type: rec.Driver } });
    return rec;
  });
}

/** The IPv6 subnet of a new network: as given (checked against the other networks), else the first free /64 of the pools. */
async function chooseV6(spec: CreateSpec, nets: NetworkRecord[]): Promise<{ subnet6: string; gateway6: string }> {
  if (spec.subnet6) {
    const other = overlappingNetwork(spec.subnet6, nets);
    if (other) throw POOL_OVERLAPS();
    return { subnet6: spec.subnet6, gateway6: spec.gateway6! };
  }
  const { chooseSubnet6, hostUsedSubnets6, pools6 } = await import('./ipam6.js');
  const { networkConfig } = await import('./netconfig.js');
  const { rootId } = await import('../../state/rootid.js');
  const used = [...(await hostUsedSubnets6()), ...nets.filter((n) => n.Subnet6).map((n) => parseCidr6(n.Subnet6!)!)];
  const c = chooseSubnet6(await pools6(networkConfig().pools, rootId()), used);
  if (!c) throw new UserError('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
  return { subnet6: formatCidr6(c), gateway6: gateway6Of(c) };
}

/** Whether an endpoint carries the container's IPv4 default route (older records: every first one did). */
function hasDefault4(ep: EndpointRecord): boolean {
  return !!ep.ip && (ep.defaultRoute ?? true);
}

/** …and its IPv6 default route (defaultRoute6, else as its IPv4 one). */
function hasDefault6(ep: EndpointRecord): boolean {
  return !!ep.ip6 && (ep.defaultRoute6 ?? ep.defaultRoute ?? true);
}

/** A `network create` in progress (or killed): networks/creating/<id>.json. */
export interface PendingCreate {
  Name: string;
  Id: string;
  /** bridge networks (notes of before drivers have only this) */
  Bridge?: string;
  /** Every host link the create makes (drivers/driver.ts owned, made). */
  Links?: { ifname: string; kind: string }[];
}

export function pendingCreateFile(id: string): string {
  return join(paths.networks(), 'creating', `${id}.json`);
}

/**
 * The iptables ops that remove a user network's rules (those of this root: `root`) and its
 * bridge. With `saved` (what iptables-save shows), only the rules that are there, including
 * those a network made before root marks has without one. (`network rm` goes through the
 * backend in use: the bridge driver's removeOps.)
 */
export function removeOps(n: NetworkRecord, root?: string, saved?: SavedRules): Op[] {
  return [...removeRuleOps({ ...bridgeNetOf(n), root }, saved), bridgeDelOp(n)];
}

/** A subnet that overlaps another network's, in the words of docker 28's daemon (libnetwork defaultipam; 20.10 said it without "invalid pool request: "). */
const POOL_OVERLAPS = () => new DaemonError('invalid pool request: Pool overlaps with other one on this address space', 1);

/** Removes one user network: refused while containers use it. */
export async function removeNetwork(ref: string, explain?: (line: string) => void): Promise<NetworkRecord> {
  await (await import('./networks.js')).refreshClusterNetworks(ref);
  return withLock(NETWORK_LOCK, async () => {
    const n = findNetworkSync(ref);
    if (!n) throw new UserError(`network ${ref} not found`, 1);
    if (PREDEFINED.has(n.Name)) throw new UserError(`${n.Name} is a pre-defined network and cannot be removed`, 1);
    const eps = listEndpoints().filter((e) => e.networkId === n.Id);
    if (eps.length) {
      throw new UserError(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints (${eps.map((e) => e.containerName).join(', ')})`, 1);
    }
    const driver = driverOf(n);
    if (driver) {
      const ops = await driver.removeOps(n, listNetworkRecords().filter((x) => x.Id !== n.Id));
      await applyPlan(ops, { explain, tolerant: true });
    }
    removeIpam(n.Id);
    removeNetworkRecord(n.Name);
    journal({ Type: 'network', Action: 'destroy', ID: n.Id, Attributes: { name: n.Name, type: n.Driver } });
    return n;
  });
}

/** Removes every user network no container uses; returns their names. */
export async function pruneNetworks(explain?: (line: string) => void): Promise<string[]> {
  const used = new Set(listEndpoints().map((e) => e.networkId));
  const out: string[] = [];
  for (const n of listNetworkRecords().sort((a, b) => a.Name.localeCompare(b.Name))) {
    if (PREDEFINED.has(n.Name) || used.has(n.Id)) continue;
    try {
      await removeNetwork(n.Name, explain);
      out.push(n.Name);
    } catch (e) {
      if (!(e instanceof UserError)) throw e; // in use meanwhile: keep it
    }
  }
  // an overlay network in use on other hosts stays, but not this host's devices of a killed run
  if ((await import('../cluster/host.js')).hasOverlayState()) await (await import('../cluster/prune.js')).pruneOverlayHost({ repaired: [], foreign: [] }, explain);
  return out;
}

// ---------------------------------------------------------------- connect / disconnect

/** A container's endpoint files and records (eth0's and those of network connect). */
export function containerEndpoints(id: string): { file: string; ep: EndpointRecord }[] {
  return containerEndpointFiles(id)
    .map((file) => ({ file, ep: readState<EndpointRecord>(file, RECOVER_ENDPOINT, 'object', true)! }))
    .filter((x) => !!x.ep);
}

/** An endpoint as inspect shows it under NetworkSettings.Networks. */
export function settingsOf(ep: EndpointRecord): EndpointSettings {
  return {
    NetworkID: ep.networkId,
    EndpointID: ep.endpointId,
    Gateway: ep.gateway,
    IPAddress: ep.ip,
    IPPrefixLen: ep.prefixLen,
    ...v6Settings(ep),
    MacAddress: ep.mac,
    Aliases: ep.aliases && ep.aliases.length ? ep.aliases : null,
    HostInterface: ep.hostIf,
    Interface: ep.ifname ?? 'eth0',
  };
}

/** The network of `network connect/disconnect`: one with a driver. */
export async function findConnectable(ref: string): Promise<NetworkRecord> {
  const { findNetwork } = await import('./networks.js');
  const n = await findNetwork(ref);
  if (!n) throw new DaemonError(`network ${ref} not found`, 1);
  if (!driverOf(n)) throw new UserError(`container cannot be connected to or disconnected from network ${n.Name} (driver ${n.Driver})`, 1);
  return n;
}

/**
 * A running container joins one more network (`network connect`): the next free ethN, an
 * address, its endpoint file, the driver's attach ops, the embedded DNS. Call with the
 * container's lock held; `have` are its endpoints now. Returns the new endpoint.
 */
export async function joinRunning(n: NetworkRecord, id: string, name: string, have: { file: string; ep: EndpointRecord }[], o: { ip?: string; ip6?: string; aliases?: string[]; explain?: (line: string) => void }): Promise<EndpointRecord> {
  if (have.some((x) => x.ep.networkId === n.Id)) throw new DaemonError(`endpoint with name ${name} already exists in network ${n.Name}`, 1);
  const used = new Set(have.map((x) => x.ep.ifname ?? 'eth0'));
  let k = 0;
  while (used.has(`eth${k}`)) k++;
  const ifname = `eth${k}`;
  const hasDefault = have.some((x) => hasDefault4(x.ep));
  const has6 = have.some((x) => hasDefault6(x.ep));
  const ns = have[0]?.ep.netns ?? `minidock-${id.slice(0, 12)}`;
  if (!existsSync(`/run/netns/${ns}`)) throw new UserError(`container ${name} has no network namespace of its own`, 1);
  const driver = driverOf(n)!;
  let ep: EndpointRecord;
  const file = extraEndpointFile(id, n.Id);
  let afterWired: (() => Promise<void>) | undefined;
  await withLock(NETWORK_LOCK, async () => {
    if (driver.caps.firewall) await (await import('./index.js')).settleFirewall(o.explain);
    afterWired = await driver.ensure(n, o.explain);
    const { claimAddresses } = await import('./index.js');
    const { ip, ip6 } = await claimAddresses(n, driver, { id, name, aliases: o.aliases }, o.ip, o.ip6, o.explain);
    const link = driver.link(n, id, ns, ip, ifname, ip6);
    // the default route of each family goes through the first network that has it (as Docker)
    ep = newEndpoint(n, link, id, name, { ports: [], aliases: o.aliases, defaultRoute: !hasDefault && !!link.defaultRoute, ...(ip6 ? { defaultRoute6: !has6 && !!link.defaultRoute } : {}) });
    writeJsonAtomic(file, ep);
  });
  const e = ep!;
  const link = { ...driver.link(n, id, ns, e.ip, ifname, e.ip6), defaultRoute: e.defaultRoute, defaultRoute6: e.defaultRoute6 };
  o.explain?.(`# connect ${name} to network ${n.Name}: a new interface ${ifname} inside the container`);
  try {
    await afterWired?.();
    await applyPlan(driver.attachOps(n, link), { explain: o.explain });
  } catch (err) {
    await withLock(NETWORK_LOCK, async () => {
      releaseAddresses(n.Id, id);
      await driver.release?.(n, id, e.ip, e.ip6);
      rmSync(file, { force: true });
    });
    throw err;
  }
  await withLock(NETWORK_LOCK, async () => {
    const { syncDns, hasEmbeddedDns } = await import('./dns.js');
    if (hasEmbeddedDns(n)) await syncDns(o.explain);
  });
  return e;
}

/**
 * A running container leaves one network (`network disconnect`): the driver's detach ops, the
 * default route through another network if it went, the address, the endpoint file, the DNS.
 * Call with the container's lock held. Returns the endpoints left, and the one removed.
 */
export async function leaveRunning(n: NetworkRecord, id: string, name: string, have: { file: string; ep: EndpointRecord }[], o: { explain?: (line: string) => void }): Promise<{ ep: EndpointRecord; rest: { file: string; ep: EndpointRecord }[] }> {
  const mine = have.find((x) => x.ep.networkId === n.Id);
  if (!mine) throw new DaemonError(`container ${id} is not connected to network ${n.Name}`, 1);
  const ep = mine.ep;
  const rest = have.filter((x) => x !== mine);
  const ops: Op[] = [...(await endpointUndoOps(ep))];
  ops.push(...driverOf(n)!.detachOps(n, ep, name));
  // The default route (of each family) went with the interface: take it through another
  // network with an address of that family, if any may.
  const nets = new Map(listNetworkRecords().map((r) => [r.Id, r]));
  const open = rest.filter((x) => !nets.get(x.ep.networkId)?.Internal);
  const newDefault = hasDefault4(ep) ? open.find((x) => x.ep.ip) : undefined;
  const newDefault6 = hasDefault6(ep) ? open.find((x) => x.ep.ip6) : undefined;
  if (newDefault) {
    const to = newDefault.ep.gateway ? ['via', newDefault.ep.gateway] : ['dev', newDefault.ep.ifname ?? 'eth0'];
    ops.push({ kind: 'ip', netns: ep.netns, args: ['route', 'replace', 'default', ...to], why: `the default route now goes through network ${newDefault.ep.network} (${newDefault.ep.gateway ? `gateway ${newDefault.ep.gateway}` : `${to[1]}, no gateway`})` });
  }
  if (newDefault6) {
    const to6 = newDefault6.ep.gateway6 ? ['via', newDefault6.ep.gateway6] : ['dev', newDefault6.ep.ifname ?? 'eth0'];
    ops.push({ kind: 'ip', netns: ep.netns, args: ['-6', 'route', 'replace', 'default', ...to6], why: `the IPv6 default route now goes through network ${newDefault6.ep.network}` });
  }
  o.explain?.(`# disconnect ${name} from network ${n.Name}`);
  await applyPlan(ops, { explain: o.explain, tolerant: true });
  await withLock(NETWORK_LOCK, async () => {
    releaseAddresses(n.Id, id);
    await driverOf(n)!.release?.(n, id, ep.ip, ep.ip6);
    if (ep.ports.length) releasePorts(id);
    rmSync(mine.file, { force: true });
    const update = new Map<string, EndpointRecord>();
    if (newDefault) update.set(newDefault.file, { ...newDefault.ep, defaultRoute: true });
    if (newDefault6) update.set(newDefault6.file, { ...(update.get(newDefault6.file) ?? newDefault6.ep), defaultRoute6: true });
    for (const [file, rec] of update) writeJsonAtomic(file, rec);
    const { syncDns, hasEmbeddedDns } = await import('./dns.js');
    if (hasEmbeddedDns(n)) await syncDns(o.explain);
  });
  return { ep, rest };
}
