// User-defined bridge networks: `network create / rm / prune / connect / disconnect`.
//
// A user network is a record (networks.ts) plus its bridge and its constant handful of rules,
// created at `network create` (like Docker) through one plan: all-or-nothing, shown by
// --explain. Containers join it with `run --network NAME` (index.ts) or, running, with
// `network connect` (an extra veth: eth1, eth2…), and get the embedded DNS (dns.ts).
import { journal } from '../events.js';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Op, applyPlan } from '../../host/plan.js';
import { readState, writeJsonAtomic } from '../../state/atomic.js';
import { withLock } from '../../state/lock.js';
import { UserError } from '../../errors.js';
import { type Cidr, broadcast, contains, formatCidr, formatIp, nth, overlaps, parseCidr, parseIp } from './cidr.js';
import { allocateAddress, candidateSubnets, chooseSubnet, hostUsedSubnets, releaseAddresses, removeIpam } from './ipam.js';
import {
  RECOVER_ENDPOINT,
  DEFAULT_NETWORK,
  type EndpointRecord,
  type NetworkRecord,
  bridgeAddress,
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
} from './networks.js';
import { attachOps, bridgeOps, containerLinkOf, ensureBridgeNetwork, probeBridge } from './drivers/bridge.js';
import { type BridgeNet, type SavedRules, removeRuleOps } from './firewall/iptables.js';
import { endpointUndoOps, firewall, forgetFirewall, markFirewallGood } from './firewall/index.js';
import { rootId } from '../../state/rootid.js';
import { paths } from '../../state/paths.js';
import { join } from 'node:path';
import { releasePorts } from './portalloc.js';
import type { EndpointSettings } from './types.js';
import type { HostConfig } from '../container/record.js';

const NETWORK_LOCK = 'network';
const BRIDGE_RE = /^[A-Za-z0-9_.-]{1,15}$/;
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
}

export interface CreateSpec {
  name: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal: boolean;
  bridge?: string;
  options: Record<string, string>;
  labels: Record<string, string>;
}

function kv(what: string, s: string, needValue: boolean): [string, string] {
  const eq = s.indexOf('=');
  const k = eq < 0 ? s : s.slice(0, eq);
  if (!k || (needValue && eq < 0)) throw new UserError(`invalid ${what} ${JSON.stringify(s)} (KEY=VALUE)`);
  return [k, eq < 0 ? '' : s.slice(eq + 1)];
}

function one(flag: string, v: string[] | undefined): string | undefined {
  if (!v || v.length === 0) return undefined;
  if (v.length > 1) throw new UserError(`only one ${flag} is supported (IPv4 only)`);
  return v[0];
}

/** Checks everything `network create` was given; nothing is looked up on the host. Pure. */
export function parseCreateFlags(name: string, f: CreateFlags): CreateSpec {
  if (!isNetworkName(name)) {
    throw new UserError(`invalid network name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most ${NETWORK_NAME_MAX} characters`);
  }
  if (PREDEFINED.has(name)) throw new UserError(`Error response from daemon: network with name ${name} already exists`, 1);
  const driver = f.driver ?? 'bridge';
  if (driver !== 'bridge') throw new UserError(`plugin "${driver}" not found (minidock has the bridge driver only)`);
  const subnetS = one('--subnet', f.subnet);
  const gatewayS = one('--gateway', f.gateway);
  const rangeS = one('--ip-range', f.ipRange);
  let subnet: Cidr | undefined;
  if (subnetS !== undefined) {
    const loose = parseCidr(subnetS);
    if (!loose) throw new UserError(`invalid subnet ${JSON.stringify(subnetS)}: an IPv4 CIDR like 10.10.0.0/16`);
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
  const bridge = options[BRIDGE_NAME_OPT];
  if (bridge !== undefined && !BRIDGE_RE.test(bridge)) throw new UserError(`invalid bridge name ${JSON.stringify(bridge)}: 1-15 characters of [A-Za-z0-9_.-]`);
  return {
    name,
    subnet: subnet ? formatCidr(subnet) : undefined,
    gateway: gatewayS,
    ipRange: rangeS,
    internal: !!f.internal,
    bridge,
    options,
    labels,
  };
}

/** minidock's own bridge name for a user network: `mdbr-` + 10 hex of its id (15 chars). */
export function userBridgeName(networkId: string): string {
  return `mdbr-${networkId.slice(0, 10)}`;
}

/** Which existing network a subnet overlaps, if any. Pure. */
export function overlappingNetwork(subnet: string, nets: NetworkRecord[]): NetworkRecord | undefined {
  const c = parseCidr(subnet)!;
  return nets.find((n) => n.Subnet && overlaps(c, parseCidr(n.Subnet)!));
}

/** The ops that create a user network's bridge and rules (rules with their undo, so a failure rolls back). */
async function createOps(n: BridgeNet): Promise<Op[]> {
  const [probe, fw] = await Promise.all([probeBridge(n), firewall()]);
  return [...bridgeOps(n, probe), ...(await fw.createOps(n))];
}

export async function createNetwork(name: string, flags: CreateFlags, explain?: (line: string) => void): Promise<NetworkRecord> {
  const spec = parseCreateFlags(name, flags);
  return withLock(NETWORK_LOCK, async () => {
    // the default records first, so `bridge` keeps the first pool (172.17/16) like docker0
    await ensureDefaultNetworkRecord();
    ensureBuiltinRecords();
    // a daemon error in Docker: exit 1, not the CLI's own 125
    if (readNetwork(name)) throw new UserError(`Error response from daemon: network with name ${name} already exists`, 1);
    const { settleFirewall } = await import('./index.js');
    await settleFirewall(explain);
    const nets = listNetworkRecords();
    const id = newId();
    const bridge = spec.bridge ?? userBridgeName(id);
    const owner = nets.find((n) => n.Bridge === bridge);
    if (owner) throw new UserError(`bridge name ${bridge} is already in use by network ${owner.Name}`);
    if ((await bridgeAddress(bridge)).exists) throw new UserError(`bridge name ${bridge} is already in use: a device of that name exists on the host`);
    let subnet: string;
    let gateway: string;
    if (spec.subnet) {
      const other = overlappingNetwork(spec.subnet, nets);
      if (other) throw new UserError(`invalid pool request: Pool overlaps with other one on this address space: ${spec.subnet} overlaps network ${other.Name} (${other.Subnet})`);
      subnet = spec.subnet;
      gateway = spec.gateway ?? formatIp(nth(parseCidr(subnet)!, 1));
    } else {
      const used = [...(await hostUsedSubnets()), ...nets.filter((n) => n.Subnet).map((n) => parseCidr(n.Subnet!)!)];
      const c = chooseSubnet(candidateSubnets(), used);
      if (!c) throw new UserError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
      subnet = formatCidr(c);
      gateway = formatIp(nth(c, 1));
    }
    const rec: NetworkRecord = {
      Name: name,
      Id: id,
      Created: new Date().toISOString(),
      Driver: 'bridge',
      Subnet: subnet,
      Gateway: gateway,
      Bridge: bridge,
      Internal: spec.internal,
      IPRange: spec.ipRange,
      Labels: spec.labels,
      Options: spec.options,
    };
    const bn: BridgeNet = { name, bridge, subnet, gateway, internal: spec.internal, root: rootId() };
    explain?.(`# network ${name}: a bridge of its own (${bridge}), subnet ${subnet}, gateway ${gateway}${spec.internal ? ', internal (no way out)' : ''}`);
    // The bridge and the rules exist before the record: until it is written, a note says this
    // root is making them, so a prune after a crash knows the bridge is its own to remove.
    const pending = pendingCreateFile(id);
    writeJsonAtomic(pending, { Name: name, Id: id, Bridge: bridge } satisfies PendingCreate);
    try {
      await applyPlan(await createOps(bn), { explain });
    } catch (e) {
      // rolled back: nothing left to own (unless the rollback itself failed: then prune finishes it)
      if (!(await bridgeAddress(bridge)).exists) rmSync(pending, { force: true });
      throw e;
    }
    writeNetworkRecord(rec);
    rmSync(pending, { force: true });
    markFirewallGood(bn);
    journal({ Type: 'network', Action: 'create', ID: rec.Id, Attributes: { name: rec.Name, type: 'bridge' } });
    return rec;
  });
}

/** A `network create` in progress (or killed): networks/creating/<id>.json. */
export interface PendingCreate {
  Name: string;
  Id: string;
  Bridge: string;
}

export function pendingCreateFile(id: string): string {
  return join(paths.networks(), 'creating', `${id}.json`);
}

/**
 * The iptables ops that remove a user network's rules (those of this root: `root`) and its
 * bridge. With `saved` (what iptables-save shows), only the rules that are there, including
 * those a network made before root marks has without one.
 */
export function removeOps(n: NetworkRecord, root?: string, saved?: SavedRules): Op[] {
  return [...removeRuleOps(netOfRecord(n, root), saved), bridgeDelOp(n)];
}

function netOfRecord(n: NetworkRecord, root?: string): BridgeNet {
  return { name: n.Name, bridge: n.Bridge!, subnet: n.Subnet!, gateway: n.Gateway!, internal: !!n.Internal, root };
}

function bridgeDelOp(n: NetworkRecord): Op {
  return { kind: 'ip', args: ['link', 'del', n.Bridge!], why: `remove the bridge ${n.Bridge} of network ${n.Name}` };
}

/** Removes one user network: refused while containers use it. */
export async function removeNetwork(ref: string, explain?: (line: string) => void): Promise<NetworkRecord> {
  return withLock(NETWORK_LOCK, async () => {
    const n = findNetworkSync(ref);
    if (!n) throw new UserError(`network ${ref} not found`, 1);
    if (PREDEFINED.has(n.Name)) throw new UserError(`${n.Name} is a pre-defined network and cannot be removed`, 1);
    const eps = listEndpoints().filter((e) => e.networkId === n.Id);
    if (eps.length) {
      throw new UserError(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints (${eps.map((e) => e.containerName).join(', ')})`, 1);
    }
    const ops = [...(await (await firewall()).removeOps(netOfRecord(n, rootId())))];
    if ((await bridgeAddress(n.Bridge!)).exists) ops.push(bridgeDelOp(n));
    await applyPlan(ops, { explain, tolerant: true });
    removeIpam(n.Id);
    forgetFirewall(n.Name);
    removeNetworkRecord(n.Name);
    journal({ Type: 'network', Action: 'destroy', ID: n.Id, Attributes: { name: n.Name, type: 'bridge' } });
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
  return out;
}

// ---------------------------------------------------------------- connect / disconnect

function containerEndpoints(id: string): { file: string; ep: EndpointRecord }[] {
  return containerEndpointFiles(id)
    .map((file) => ({ file, ep: readState<EndpointRecord>(file, RECOVER_ENDPOINT, 'object', true)! }))
    .filter((x) => !!x.ep);
}

function readHostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/**
 * The container's /etc/resolv.conf is a bind mount of a file in its state directory: rewrite
 * it in place (same inode, so the container sees it) when it gains or loses the embedded DNS.
 */
async function updateResolvConf(file: string, onUserNet: boolean, explain?: (line: string) => void): Promise<void> {
  if (!existsSync(file)) return;
  const cur = readFileSync(file, 'utf8');
  const embedded = /^nameserver 127\.0\.0\.11$/m.test(cur);
  if (onUserNet === embedded) return;
  explain?.(onUserNet
    ? "# the container's /etc/resolv.conf now names the embedded DNS (nameserver 127.0.0.11), rewritten in place"
    : "# the container's /etc/resolv.conf goes back to the host's nameservers (no user-defined network left), rewritten in place");
  const { embeddedResolvConf } = await import('./dns.js');
  const { containerResolvConf } = await import('./index.js');
  writeFileSync(file, onUserNet ? embeddedResolvConf(readHostResolvConf()) : containerResolvConf(readHostResolvConf()));
}

export interface ConnectOptions {
  ip?: string;
  aliases?: string[];
  explain?: (line: string) => void;
  /** Joining again on start a network the container was connected to (already recorded). */
  restoring?: boolean;
}

function settingsOf(ep: EndpointRecord): EndpointSettings {
  return {
    NetworkID: ep.networkId,
    EndpointID: ep.endpointId,
    Gateway: ep.gateway,
    IPAddress: ep.ip,
    IPPrefixLen: ep.prefixLen,
    MacAddress: ep.mac,
    Aliases: ep.aliases && ep.aliases.length ? ep.aliases : null,
    HostInterface: ep.hostIf,
    Interface: ep.ifname ?? 'eth0',
  };
}

/** The container for connect/disconnect (running or not), and its primary network's name. */
async function connectableContainer(ref: string) {
  const { findContainer } = await import('../container/record.js');
  const rec = findContainer(ref);
  if (!rec) throw new UserError(`No such container: ${ref}`, 1);
  const mode = rec.HostConfig.NetworkMode || DEFAULT_NETWORK;
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
    throw new UserError(`container ${rec.Name} uses network mode ${mode}: it cannot be connected to or disconnected from other networks`, 1);
  }
  const primary = mode === DEFAULT_NETWORK ? DEFAULT_NETWORK : (await import('./networks.js')).findNetworkSync(mode)?.Name ?? mode;
  return { rec, primary };
}

/**
 * connect/disconnect of a container that is not running (Docker's behaviour): only its
 * configuration changes — the networks in HostConfig.ExtraNetworks are joined when it starts
 * (reconnectExtraNetworks), so nothing is made in the kernel now. False when it runs.
 */
async function reconfigureStopped(
  id: string,
  n: NetworkRecord,
  primary: string,
  onPrimary: string,
  change: (extra: NonNullable<HostConfig['ExtraNetworks']>) => typeof extra,
): Promise<boolean> {
  const { loadRecord, saveRecord, stateOf } = await import('../container/record.js');
  return withLock(`c-${id}`, () => {
    const rec = loadRecord(id);
    if (!rec) throw new UserError(`No such container: ${id}`, 1);
    if (stateOf(rec).Running) return false;
    if (n.Name === primary) throw new UserError(onPrimary, 1);
    rec.HostConfig.ExtraNetworks = change(rec.HostConfig.ExtraNetworks ?? []);
    saveRecord(rec, 'config');
    return true;
  });
}

async function findBridgeNetwork(ref: string): Promise<NetworkRecord> {
  const { findNetwork } = await import('./networks.js');
  const n = await findNetwork(ref);
  if (!n) throw new UserError(`network ${ref} not found`, 1);
  if (n.Driver !== 'bridge') throw new UserError(`container cannot be connected to or disconnected from network ${n.Name} (driver ${n.Driver})`, 1);
  return n;
}

/** `network connect`: a new interface (eth1, eth2…) in a running container. */
export async function connectContainer(netRef: string, ctrRef: string, o: ConnectOptions = {}): Promise<void> {
  if (o.ip !== undefined && parseIp(o.ip) === undefined) throw new UserError(`invalid IPv4 address: ${o.ip}`);
  for (const a of o.aliases ?? []) if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/.test(a)) throw new UserError(`invalid network alias ${JSON.stringify(a)}`);
  const n = await findBridgeNetwork(netRef);
  if (n.Name === DEFAULT_NETWORK && o.aliases?.length) throw new UserError('network-scoped alias is supported only for containers in user defined networks');
  const { rec: first, primary } = await connectableContainer(ctrRef);
  const exists = `endpoint with name ${first.Name} already exists in network ${n.Name}`;
  const stopped = !o.restoring && await reconfigureStopped(first.Id, n, primary, exists, (extra) => {
    if (extra.some((x) => x.Name === n.Name)) throw new UserError(exists, 1);
    // checked now, as Docker does; the address itself is taken when the container starts
    if (o.ip !== undefined && (n.Name === DEFAULT_NETWORK || !contains(parseCidr(n.Subnet!)!, parseIp(o.ip)!))) {
      throw new UserError(n.Name === DEFAULT_NETWORK ? 'user specified IP address is supported on user defined networks only' : `invalid address ${o.ip}: it does not belong to network ${n.Name} (${n.Subnet})`, 1);
    }
    return [...extra, { Name: n.Name, Aliases: o.aliases?.length ? [...o.aliases] : undefined, IPAddress: o.ip }];
  });
  if (stopped) {
    o.explain?.(`# ${first.Name} is not running: only its configuration changes, it joins network ${n.Name} when it starts (nothing on the host now)`);
    return;
  }
  const { loadRecord, saveRecord, stateOf, files } = await import('../container/record.js');
  await withLock(`c-${first.Id}`, async () => {
    const rec = loadRecord(first.Id);
    if (!rec || !stateOf(rec).Running || !rec.NetworkSettings) throw new UserError(`container ${first.Name} is not running`, 1);
    const id = rec.Id;
    const have = containerEndpoints(id);
    if (have.some((x) => x.ep.networkId === n.Id)) throw new UserError(`endpoint with name ${rec.Name} already exists in network ${n.Name}`, 1);
    const used = new Set(have.map((x) => x.ep.ifname ?? 'eth0'));
    let k = 0;
    while (used.has(`eth${k}`)) k++;
    const ifname = `eth${k}`;
    const hasDefault = have.some((x) => x.ep.defaultRoute ?? true);
    const ns = have[0]?.ep.netns ?? `minidock-${id.slice(0, 12)}`;
    if (!existsSync(`/run/netns/${ns}`)) throw new UserError(`container ${rec.Name} has no network namespace of its own`, 1);
    const { bridgeNetOf } = await import('./index.js');
    const bn = bridgeNetOf(n);
    let ep: EndpointRecord;
    const file = extraEndpointFile(id, n.Id);
    await withLock(NETWORK_LOCK, async () => {
      const { settleFirewall } = await import('./index.js');
      await settleFirewall(o.explain);
      await ensureBridgeNetwork(bn, o.explain);
      const ip = allocateAddress(n.Id, bn.subnet, bn.gateway, id, o.ip, n.IPRange);
      const link = containerLinkOf(bn, id, ns, ip, ifname);
      ep = newEndpoint(n, link, id, rec.Name, { ports: [], aliases: o.aliases, defaultRoute: !hasDefault && !bn.internal });
      writeJsonAtomic(file, ep);
    });
    const e = ep!;
    const link = { ...containerLinkOf(bn, id, ns, e.ip, ifname), defaultRoute: e.defaultRoute };
    o.explain?.(`# connect ${rec.Name} to network ${n.Name}: a new interface ${ifname} inside the container`);
    try {
      await applyPlan(attachOps(bn, link), { explain: o.explain });
    } catch (err) {
      await withLock(NETWORK_LOCK, () => {
        releaseAddresses(n.Id, id);
        rmSync(file, { force: true });
      });
      throw err;
    }
    await withLock(NETWORK_LOCK, async () => {
      const { syncDns, hasEmbeddedDns } = await import('./dns.js');
      if (hasEmbeddedDns(n)) await syncDns(o.explain);
    });
    await updateResolvConf(files.resolv(id), [...have.map((x) => x.ep.network), n.Name].some((x) => x !== DEFAULT_NETWORK), o.explain);
    rec.NetworkSettings.Networks[n.Name] = settingsOf(e);
    if (!o.restoring) {
      const extra = (rec.HostConfig.ExtraNetworks ?? []).filter((x) => x.Name !== n.Name);
      rec.HostConfig.ExtraNetworks = [...extra, { Name: n.Name, Aliases: o.aliases?.length ? [...o.aliases] : undefined, IPAddress: o.ip }];
    }
    saveRecord(rec, o.restoring ? 'state' : 'config');
    journal({ Type: 'network', Action: 'connect', ID: n.Id, Attributes: { container: rec.Id, name: n.Name, type: 'bridge' } });
  });
}

/** `network disconnect`: the container's interface on that network goes away. */
export async function disconnectContainer(netRef: string, ctrRef: string, o: { explain?: (line: string) => void } = {}): Promise<void> {
  const n = await findBridgeNetwork(netRef);
  const { rec: first, primary } = await connectableContainer(ctrRef);
  const own = `container ${first.Name} is not running: it can leave its own network ${n.Name} only while it runs`;
  const stopped = await reconfigureStopped(first.Id, n, primary, own, (extra) => {
    if (!extra.some((x) => x.Name === n.Name)) throw new UserError(`container ${first.Id} is not connected to network ${n.Name}`, 1);
    return extra.filter((x) => x.Name !== n.Name);
  });
  if (stopped) {
    o.explain?.(`# ${first.Name} is not running: only its configuration changes, it no longer joins network ${n.Name} when it starts (nothing on the host now)`);
    return;
  }
  const { loadRecord, saveRecord, stateOf, files } = await import('../container/record.js');
  await withLock(`c-${first.Id}`, async () => {
    const rec = loadRecord(first.Id);
    if (!rec || !stateOf(rec).Running) throw new UserError(`container ${first.Name} is not running`, 1);
    const id = rec.Id;
    const have = containerEndpoints(id);
    const mine = have.find((x) => x.ep.networkId === n.Id);
    if (!mine) throw new UserError(`container ${id} is not connected to network ${n.Name}`, 1);
    const ep = mine.ep;
    const rest = have.filter((x) => x !== mine);
    const ops: Op[] = [...(await endpointUndoOps(ep))];
    ops.push({ kind: 'ip', args: ['link', 'del', ep.hostIf], why: `remove ${ep.ifname ?? 'eth0'} of ${rec.Name} from network ${n.Name}: deleting the host end ${ep.hostIf} deletes both ends` });
    // The default route went with the interface: take it through another network, if any may.
    let newDefault: { file: string; ep: EndpointRecord } | undefined;
    if (ep.defaultRoute ?? true) {
      const nets = new Map(listNetworkRecords().map((r) => [r.Id, r]));
      newDefault = rest.find((x) => !nets.get(x.ep.networkId)?.Internal);
      if (newDefault) {
        ops.push({ kind: 'ip', netns: ep.netns, args: ['route', 'replace', 'default', 'via', newDefault.ep.gateway], why: `the default route now goes through network ${newDefault.ep.network} (gateway ${newDefault.ep.gateway})` });
      }
    }
    o.explain?.(`# disconnect ${rec.Name} from network ${n.Name}`);
    await applyPlan(ops, { explain: o.explain, tolerant: true });
    await withLock(NETWORK_LOCK, async () => {
      releaseAddresses(n.Id, id);
      if (ep.ports.length) releasePorts(id);
      rmSync(mine.file, { force: true });
      if (newDefault) writeJsonAtomic(newDefault.file, { ...newDefault.ep, defaultRoute: true });
      const { syncDns, hasEmbeddedDns } = await import('./dns.js');
      if (hasEmbeddedDns(n)) await syncDns(o.explain);
    });
    await updateResolvConf(files.resolv(id), rest.some((x) => x.ep.network !== DEFAULT_NETWORK), o.explain);
    if (rec.NetworkSettings) {
      delete rec.NetworkSettings.Networks[n.Name];
      if (ep.ports.length) rec.NetworkSettings.Ports = {};
    }
    rec.HostConfig.ExtraNetworks = (rec.HostConfig.ExtraNetworks ?? []).filter((x) => x.Name !== n.Name);
    saveRecord(rec, 'config');
    journal({ Type: 'network', Action: 'disconnect', ID: n.Id, Attributes: { container: rec.Id, name: n.Name, type: 'bridge' } });
  });
}
