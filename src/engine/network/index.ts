// Network layer entry points used by the container engine.
//
//   setupContainerNetwork(req)               on every start, before the shim; all-or-nothing
//   teardownContainerNetwork(id, settings)   on every stop/rm/crash; idempotent
//
// Modes: bridge (default network `bridge` on MINIDOCK_BRIDGE, default minidock0), host, none,
// container:<name|id>. Every host change goes through a plan (src/host/plan.ts), so it is
// batched, rolled back on failure, and shown by --explain exactly as applied.
import { isIPv6 } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { applyPlan, byShim, coolIpBatch, type Op, Plan, undoOps, warmIpBatch } from '../../host/plan.js';
import { readState, writeJsonAtomic } from '../../state/atomic.js';
import { withLock } from '../../state/lock.js';
import { pausePoint } from '../../state/pause.js';
import { trace } from '../../state/trace.js';
import { DaemonError, UserError } from '../../errors.js';
import { contains, isIp, parseCidr, parseIp } from './cidr.js';
import { isV6 } from './cidr6.js';
import { allocateAddress, allocateAddress6, notInSubnet, releaseAddresses } from './ipam.js';
import { checkAddress6 } from './ipam6.js';
import { reservePorts, releasePorts } from './portalloc.js';
import { checkPortFamilies, hostFamilies, portsToSettings } from './ports.js';
import {
  RECOVER_ENDPOINT,
  DEFAULT_NETWORK,
  type EndpointRecord,
  type NetworkRecord,
  containerEndpointFiles,
  endpointFile,
  ensureDefaultNetworkRecord,
  findNetworkSync,
  isNetworkName,
  listEndpoints,
  listNetworkRecords,
  newEndpoint,
  v6Settings,
} from './networks.js';
import { containerTeardownOps, hostIfName, staleLinkOps } from './drivers/bridge.js';
import { containerOpsOf, shimInsideOf } from './drivers/driver.js';
import { driverOf, gatewayModeOfNet } from './drivers/index.js';
import { GATEWAY_MODE6_OPT } from './firewall/backend.js';
import { type NetIntent, checkBackendSwitch, endpointOps, endpointUndoOps, firewallRecord, settleBackend } from './firewall/index.js';
import type { NetworkRequest, NetworkResult, NetworkSettings, PortBinding, TeardownOptions } from './types.js';

/**
 * Gateway mode routed: no NAT, so a published port is the container's own, reached at its
 * address; no host port is used or reserved (Docker's routed port mapper zeroes HostPort: "Host
 * port ignored, because NAT is disabled"; inspect then shows HostPort ""). Per family
 * (gateway_mode_ipv4 / _ipv6): a binding reserves its host port in the families it is served in
 * by NAT (hostPortFamilies), and gets none when there is no such family.
 */
async function bindPorts(id: string, rec: NetworkRecord, wanted: PortBinding[]): Promise<PortBinding[]> {
  const fams = (b: PortBinding) => hostPortFamilies(rec, b);
  const reserved = await reservePorts(id, wanted.filter((b) => fams(b).length > 0), fams);
  // in the order asked (reservePorts keeps it for the ones it reserves)
  return wanted.map(({ hostPortEnd: _end, ...b }) => (fams(b).length > 0 ? reserved.shift()! : { ...b, hostPort: 0 }));
}

/** Whether a network serves a family by NAT (it has a subnet in it, not routed): Docker's !disableNAT. */
function natFamily(rec: NetworkRecord, f: 4 | 6): boolean {
  const has = f === 4 ? !!rec.Subnet : !!rec.Subnet6;
  return has && gatewayModeOfNet(rec, f === 4 ? undefined : GATEWAY_MODE6_OPT) !== 'routed';
}

/**
 * The families a binding uses its host port in on a network, as Docker's port mapper binds them:
 * those of its address that the network serves by NAT. A port on every address of an IPv4-only
 * network is IPv4's alone (minidock has no userland proxy to serve [::] for it, as Docker
 * without its proxy), and on a dual-stack network routed in one family, the other's alone.
 */
function hostPortFamilies(rec: NetworkRecord, b: PortBinding): (4 | 6)[] {
  return hostFamilies(b.hostIp).filter((f) => natFamily(rec, f));
}

/** The families a network has and routes (inspect shows no host port for them). */
function routedFamilies(rec: NetworkRecord): (4 | 6)[] {
  return ([4, 6] as const).filter((f) => (f === 4 ? !!rec.Subnet : !!rec.Subnet6) && !natFamily(rec, f));
}

export type * from './types.js';
export { parsePortSpec, parsePortSpecs, formatPortLines } from './ports.js';

export function netnsName(containerId: string): string {
  return `minidock-${containerId.slice(0, 12)}`;
}

export function netnsPathOf(containerId: string): string {
  return `/run/netns/${netnsName(containerId)}`;
}

const NETWORK_LOCK = 'network';

/** The host's /etc/resolv.conf ('' when unreadable). */
export function readHostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/**
 * resolv.conf for a container with its own network: the host's, minus nameservers on the host's
 * loopback (unreachable from the container, e.g. systemd-resolved's 127.0.0.53) and, for a
 * container without IPv6, its IPv6 ones; when none is left, Docker's fallback (Google's).
 */
export function containerResolvConf(host: string, ipv6 = false): string {
  const lines = host.split('\n');
  // as Docker's TransformForLegacyNw: no host-local resolver, and no IPv6 one for a container
  // without IPv6 (it could not reach it); nothing left: Google's, v6 too when it has IPv6
  const kept = lines.filter((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    return !m || !(m[1].startsWith('127.') || m[1] === '::1' || (!ipv6 && m[1].includes(':')));
  });
  const hasNs = kept.some((l) => /^\s*nameserver\s+/.test(l));
  const body = kept.join('\n').replace(/\n*$/, '\n');
  if (hasNs) return body;
  const google = ['8.8.8.8', '8.8.4.4', ...(ipv6 ? ['2001:4860:4860::8888', '2001:4860:4860::8844'] : [])];
  return (body.trim() ? body : '') + google.map((ns) => `nameserver ${ns}\n`).join('');
}

function emptySettings(sandbox: string): NetworkSettings {
  return { SandboxKey: sandbox, Ports: {}, Networks: {} };
}

export { bridgeNetOf } from './drivers/bridge.js';

/** A user network (by name or id) that containers can join: one with a driver. */
function joinableNetwork(ref: string): NetworkRecord {
  const rec = findNetworkSync(ref);
  if (!rec || !driverOf(rec)) throw new DaemonError(`network ${ref} not found`);
  return rec;
}

/** The networks with firewall rules of their own (a driver's caps.firewall), as their drivers describe them. */
function firewallNets(): NetIntent[] {
  const out: NetIntent[] = [];
  for (const n of listNetworkRecords()) {
    const d = driverOf(n);
    const intent = d?.caps.firewall && ((n.Subnet && n.Gateway) || n.Subnet6) ? d.netIntent(n) : undefined;
    if (intent) out.push(intent);
  }
  return out;
}

/** The endpoints on those networks: the containers a backend switch would cut off. */
function firewallEndpoints(): EndpointRecord[] {
  const ids = new Set(listNetworkRecords().filter((n) => driverOf(n)?.caps.firewall).map((n) => n.Id));
  return listEndpoints().filter((e) => ids.has(e.networkId));
}

function driverOfNetwork(ref: string) {
  const rec = findNetworkSync(ref);
  return rec && driverOf(rec);
}

/**
 * Under the `network` lock, before rules are made: the chosen firewall backend is the one this
 * root's rules are in (or they move to it now, or the start is refused: firewall/index.ts).
 */
export async function settleFirewall(explain?: (line: string) => void): Promise<void> {
  await settleBackend(firewallNets, firewallEndpoints, explain);
}

function validateRequest(req: NetworkRequest): void {
  if (!/^[0-9a-f]{12,64}$/.test(req.containerId)) throw new UserError(`invalid container id ${JSON.stringify(req.containerId)}`);
  if (req.ip !== undefined && req.ip !== '' && !isIp(req.ip)) throw new UserError(`invalid IPv4 address: ${req.ip}`);
  if (req.ip6 !== undefined && req.ip6 !== '' && !isV6(req.ip6)) throw new UserError(`invalid IPv6 address: ${req.ip6}`);
  for (const p of req.ports) {
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) throw new UserError(`invalid container port ${p.containerPort}`);
    if (!Number.isInteger(p.hostPort) || p.hostPort < 0 || p.hostPort > 65535) throw new UserError(`invalid host port ${p.hostPort}`);
    if (p.proto !== 'tcp' && p.proto !== 'udp') throw new UserError(`invalid protocol ${p.proto}`);
    if (p.hostIp !== '' && !isIp(p.hostIp) && !isIPv6(p.hostIp)) throw new UserError(`invalid host IP ${p.hostIp}`);
  }
}

/** Whether minidock-shim creates the container's netns (every mode but host and container:). */
export function ownsNetns(mode: string): boolean {
  return mode !== 'host' && !mode.startsWith('container:');
}

/** A previous life of this container that was not cleaned up (crash): clean it before a start. */
export async function clearStaleNetwork(containerId: string): Promise<void> {
  if (existsSync(netnsPathOf(containerId)) || containerEndpointFiles(containerId).length > 0) {
    await teardownContainerNetwork(containerId, undefined);
  }
}

/**
 * Sets up the container's network. In the modes that own a netns (ownsNetns), minidock-shim
 * creates the netns with the container process, already running when this is called:
 * `req.netnsReady` settles once the netns exists, and the result's `inside` is what the shim
 * then sets up inside it (its "go" line). Call clearStaleNetwork before starting the shim.
 */
export async function setupContainerNetwork(req: NetworkRequest): Promise<NetworkResult> {
  validateRequest(req);
  const mode = req.mode || DEFAULT_NETWORK;
  const explain = req.explain;

  if (mode === 'host') {
    explain?.(`# --network host: the container shares the host's network namespace; nothing to set up`);
    const warnings = req.ports.length ? ['Published ports are discarded when using host network mode'] : [];
    return { netnsPath: '', settings: emptySettings(''), hosts: [], resolvConf: readHostResolvConf(), warnings };
  }

  if (mode.startsWith('container:')) {
    const ref = mode.slice('container:'.length);
    const other = ref ? req.lookup(ref) : undefined;
    if (!other) throw new DaemonError(`No such container: ${ref}`);
    if (!other.running) throw new UserError(`cannot join network namespace of a non running container: ${other.name || other.id}`);
    if (other.id === req.containerId) throw new UserError(`cannot join own network namespace`);
    if (req.ports.length) throw new UserError(`conflicting options: port publishing and the container type network mode`);
    explain?.(`# --network container:${ref}: the container joins ${other.netnsPath || "the host's network namespace"}; nothing to set up`);
    return {
      netnsPath: other.netnsPath,
      settings: emptySettings(other.netnsPath),
      hosts: [],
      resolvConf: other.netnsPath ? containerResolvConf(readHostResolvConf()) : readHostResolvConf(),
    };
  }

  if (mode === 'none') {
    const ns = netnsName(req.containerId);
    const plan = new Plan()
      .ip(['netns', 'add', ns], `create the container's network namespace: with --network none it only has loopback`, [
        { kind: 'ip', args: ['netns', 'del', ns], why: `remove the container's network namespace` },
      ])
      .ipIn(ns, ['link', 'set', 'lo', 'up'], `bring up loopback inside the container`);
    await applyPlan(plan.ops.map(byShim), { explain });
    return { netnsPath: netnsPathOf(req.containerId), settings: emptySettings(netnsPathOf(req.containerId)), hosts: [], resolvConf: containerResolvConf(readHostResolvConf()) };
  }

  let netName = DEFAULT_NETWORK;
  if (mode !== DEFAULT_NETWORK) {
    // A user-defined network (network create): by name or id.
    const rec = joinableNetwork(mode);
    const d = driverOf(rec)!;
    if (!d.caps.publish && req.ports.length) throw new UserError(d.publishRefusal!);
    netName = rec.Name;
  } else if (req.aliases && req.aliases.length) {
    throw new UserError('network-scoped alias is supported only for containers in user defined networks');
  }
  return setupOnNetwork(req, netName, explain);
}

async function setupOnNetwork(req: NetworkRequest, netName: string, explain?: (line: string) => void): Promise<NetworkResult> {
  // The `ip` that will plug the veth in starts now, while the shim makes the netns.
  warmIpBatch();
  try {
    return await wire(req, netName, explain);
  } finally {
    await coolIpBatch();
  }
}

async function wire(req: NetworkRequest, netName: string, explain?: (line: string) => void): Promise<NetworkResult> {
  const id = req.containerId;
  const ns = netnsName(id);
  let ep: EndpointRecord;
  let rec: NetworkRecord;
  let afterWired: (() => Promise<void>) | undefined;
  let claimed: { ip: string; ip6?: string } | undefined;
  const warnings: string[] = [];
  // Phase 1, under the lock: check and reserve ports, make sure the bridge is there, take an
  // address, and write down what will be created (so teardown can always find it).
  await withLock(NETWORK_LOCK, async () => {
    const found = netName === DEFAULT_NETWORK ? await ensureDefaultNetworkRecord() : findNetworkSync(netName);
    if (!found) throw new DaemonError(`network ${netName} not found`);
    rec = found;
    const driver = driverOf(rec)!;
    if (driver.caps.firewall) await settleFirewall(explain);
    // --internal: nothing reaches it from outside, so ports are not published (Docker ignores them too).
    if (rec.Internal && req.ports.length) warnings.push(`Published ports are discarded on the internal network ${rec.Name}`);
    // a port on an address of a family the network has no address in cannot be served (ports.ts)
    const famErr = driver.caps.publish && !rec.Internal ? checkPortFamilies(req.ports, { v4: !!rec.Subnet, v6: !!rec.Subnet6 }) : undefined;
    if (famErr) throw new UserError(famErr);
    const ports: PortBinding[] = rec.Internal ? [] : await bindPorts(id, rec, req.ports);
    pausePoint('net:ports-reserved');
    try {
      // The driver makes sure the network's host objects are there (the bridge: from /proc
      // alone in the usual case, with a firewall check to await once the container is wired).
      afterWired = await driver.ensure(rec, explain);
      const { ip, ip6 } = await claimAddresses(rec, driver, { id, name: req.containerName, aliases: req.aliases }, req.ip || undefined, req.ip6 || undefined, explain);
      claimed = { ip, ip6 };
      const link = driver.link(rec, id, ns, ip, undefined, ip6);
      if (req.mac && !link.mac) throw new UserError(`--mac-address is not available on ${rec.Driver} network ${rec.Name}: its interfaces have the parent's MAC`);
      if (req.mac) link.mac = req.mac; // --mac-address
      ep = newEndpoint(rec, link, id, req.containerName, {
        ports,
        firewall: driver.caps.publish ? firewallRecord(driver.portsIntent(rec, id, req.containerName, ip, ports, ip6)!) : undefined,
        aliases: req.aliases,
        defaultRoute: link.defaultRoute,
      });
      if (req.dns && netName !== DEFAULT_NETWORK) ep.dns = req.dns; // the embedded DNS forwards to them
      writeJsonAtomic(endpointFile(id), ep);
      pausePoint('net:endpoint-written');
    } catch (e) {
      releasePorts(id);
      releaseAddresses(rec.Id, id);
      if (claimed) await driverOf(rec)!.release?.(rec, id, claimed.ip, claimed.ip6);
      throw e;
    }
  });
  // Phase 2, without the lock: wire the container. applyPlan rolls back on failure.
  const e = ep!;
  const link = { containerId: id, netns: ns, hostIf: e.hostIf, ip: e.ip, prefixLen: e.prefixLen, gateway: e.gateway, ip6: e.ip6, prefixLen6: e.prefixLen6, gateway6: e.gateway6, mac: e.mac, ifname: 'eth0', defaultRoute: e.defaultRoute };
  const ops: Op[] = [...(e.hostIf ? await staleLinkOps(e.hostIf) : []), ...containerOpsOf(ns, driverOf(rec!)!.attachOps(rec!, link))];
  let applied: Op[] = [];
  try {
    await req.netnsReady;
    trace('netns ready');
    applied = await applyPlan(ops, { explain });
    await afterWired?.();
    await applyPlan(await endpointOps(e), { explain });
    pausePoint('net:wired');
  } catch (err) {
    await undoOps(applied, { explain }); // each applyPlan already undid its own part
    await withLock(NETWORK_LOCK, async () => {
      releasePorts(id);
      releaseAddresses(e.networkId, id);
      await driverOf(rec!)!.release?.(rec!, id, e.ip, e.ip6);
      rmSync(endpointFile(id), { force: true });
    });
    throw err;
  }
  // User-defined network: the embedded DNS learns the name before the process runs.
  const { hasEmbeddedDns } = await import('./dns.js');
  const userNet = hasEmbeddedDns(rec!);
  if (userNet) {
    try {
      const { syncDns } = await import('./dns.js');
      await withLock(NETWORK_LOCK, () => syncDns(explain));
    } catch (err) {
      await teardownContainerNetwork(id, undefined);
      throw err;
    }
  }
  const hostname = req.hostname || id.slice(0, 12);
  const names = [hostname, ...(req.containerName && req.containerName !== hostname ? [req.containerName] : [])];
  return {
    netnsPath: netnsPathOf(id),
    settings: {
      SandboxKey: netnsPathOf(id),
      Ports: portsToSettings(e.ports, !!e.ip6, routedFamilies(rec!)),
      Networks: {
        [e.network]: {
          NetworkID: e.networkId,
          EndpointID: e.endpointId,
          Gateway: e.gateway,
          IPAddress: e.ip,
          IPPrefixLen: e.prefixLen,
          ...v6Settings(e),
          MacAddress: e.mac,
          Aliases: req.aliases && req.aliases.length ? req.aliases : null,
          HostInterface: e.hostIf,
          Interface: 'eth0',
        },
      },
    },
    // as Docker: a line per address, IPv4 first
    hosts: [e.ip, e.ip6].filter((a): a is string => !!a).map((a) => `${a}\t${names.join(' ')}`),
    inside: shimInsideOf(ops),
    resolvConf: userNet ? (await import('./dns.js')).embeddedResolvConf(readHostResolvConf()) : containerResolvConf(readHostResolvConf(), !!e.ip6),
    warnings,
  };
}

/**
 * A container's addresses on a network (under the network lock): IPv4 (unless IPv6-only) from
 * the driver's store or this host's IPAM, IPv6 (on a network with it) from this host's IPAM.
 * `--ip6` on a network without IPv6 is refused here, before anything is taken.
 */
export async function claimAddresses(
  rec: NetworkRecord,
  driver: NonNullable<ReturnType<typeof driverOf>>,
  c: { id: string; name: string; aliases?: string[] },
  want?: string,
  want6?: string,
  explain?: (line: string) => void,
): Promise<{ ip: string; ip6?: string }> {
  if (want6 !== undefined && !rec.Subnet6) throw new UserError(`--ip6 ${want6}: network ${rec.Name} has no IPv6 (create it with --ipv6)`);
  if (want !== undefined && rec.EnableIPv4 === false) throw new UserError(`--ip ${want}: network ${rec.Name} is IPv6-only (--ipv4=false)`);
  // a store shared between hosts (overlay): both families in it, in one step
  if (driver.claim) return driver.claim(rec, c, want, want6, explain);
  const ip = rec.EnableIPv4 === false ? '' : allocateAddress(rec.Id, rec.Subnet!, rec.Gateway!, c.id, want, rec.IPRange);
  try {
    return { ip, ...(rec.Subnet6 ? { ip6: allocateAddress6(rec.Id, rec.Subnet6, rec.Gateway6!, c.id, want6, rec.IPRange6) } : {}) };
  } catch (e) {
    releaseAddresses(rec.Id, c.id);
    throw e;
  }
}

/**
 * Undoes setupContainerNetwork. Idempotent, tolerates partial state: missing pieces are not an
 * error. Never touches another container's netns (container: mode) or the host's (host mode).
 */
export async function teardownContainerNetwork(containerId: string, _settings: NetworkSettings | undefined, opts: TeardownOptions = {}): Promise<void> {
  if (!/^[0-9a-f]{12,64}$/.test(containerId)) return;
  const ns = netnsName(containerId);
  // eth0's endpoint and those of `network connect` (eth1…)
  const epFiles = containerEndpointFiles(containerId);
  const eps = epFiles.map((f) => readState<EndpointRecord>(f, RECOVER_ENDPOINT, 'object', true)).filter((e): e is EndpointRecord => !!e);
  const ops: Op[] = [];
  for (const ep of eps) ops.push(...(await endpointUndoOps(ep)));
  const nsExists = existsSync(netnsPathOf(containerId));
  // hostIf '' = an interface with no host end (macvlan, ipvlan): it goes with the netns
  const hostIfs = eps.length ? eps.filter((ep) => ep.hostIf !== '').map((ep) => ep.hostIf || hostIfName(containerId)) : [hostIfName(containerId)];
  ops.push(...containerTeardownOps(hostIfs, ns, nsExists, !!opts.netnsRemoved));
  if (ops.length) await applyPlan(ops, { explain: opts.explain, tolerant: true });
  pausePoint('net:teardown-applied');
  trace('teardown applied');
  if (opts.netnsOnly && eps.length === 0) return; // nothing was allocated (see TeardownOptions)
  const records = listNetworkRecords();
  const userNets = new Set(records.filter((n) => n.Name !== DEFAULT_NETWORK).map((n) => n.Id));
  await withLock(NETWORK_LOCK, async () => {
    releasePorts(containerId);
    const nets = eps.length ? eps.map((e) => e.networkId) : listNetworkRecords().map((n) => n.Id);
    for (const n of nets) releaseAddresses(n, containerId);
    // addresses held in the cluster store (overlay): given back there
    for (const ep of eps) {
      const n = records.find((r) => r.Id === ep.networkId);
      if (n) await driverOf(n)?.release?.(n, containerId, ep.ip, ep.ip6);
    }
    for (const f of [endpointFile(containerId), ...epFiles]) rmSync(f, { force: true });
    if (eps.some((e) => userNets.has(e.networkId))) {
      const { syncDns } = await import('./dns.js');
      await syncDns(opts.explain).catch(() => undefined);
    }
  });
}

// ---------------------------------------------------------------- helpers for the CLI / engine

/**
 * Validates --network and the options that depend on it, before anything is created
 * (Docker's messages). Throws UserError.
 */
export function checkNetworkMode(network: string | undefined, o: { hostname?: string; publish?: string[]; ip?: string; ip6?: string; aliases?: string[] } = {}): void {
  const mode = network || DEFAULT_NETWORK;
  // only networks with firewall rules wait for the backend switch (macvlan, ipvlan have none)
  const fwNet = mode === DEFAULT_NETWORK || (ownsNetns(mode) && mode !== 'none' && !!driverOfNetwork(mode)?.caps.firewall);
  if (fwNet) checkBackendSwitch(firewallEndpoints);
  const isContainer = mode.startsWith('container:');
  if (isContainer) {
    if (mode === 'container:') throw new UserError(`invalid network mode: ${mode}: missing container name or id`);
    if (o.hostname) throw new UserError('conflicting options: hostname and the network mode');
    if (o.publish && o.publish.length) throw new UserError('conflicting options: port publishing and the container type network mode');
  } else if (mode !== 'host' && mode !== 'none' && !isNetworkName(mode)) {
    throw new UserError(`invalid network mode: ${JSON.stringify(mode)}`);
  } else if (mode !== 'host' && mode !== 'none' && mode !== DEFAULT_NETWORK) {
    // a user-defined network: it must exist (by name or id)
    const rec = joinableNetwork(mode);
    const d = driverOf(rec)!;
    if (!d.caps.publish && o.publish?.length) throw new UserError(d.publishRefusal!);
  }
  if (o.aliases && o.aliases.length) {
    if (mode === DEFAULT_NETWORK || mode === 'host' || mode === 'none' || isContainer) {
      throw new UserError('network-scoped alias is supported only for containers in user defined networks');
    }
    for (const a of o.aliases) if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/.test(a)) throw new UserError(`invalid network alias ${JSON.stringify(a)}`);
  }
  if (o.ip !== undefined && o.ip !== '') {
    if (!isIp(o.ip)) throw new DaemonError(`invalid IPv4 address: ${o.ip}`);
    // the default bridge too: its addresses are the daemon's to give (moby runconfig.ErrUnsupportedNetworkAndIP)
    if (mode === DEFAULT_NETWORK || mode === 'host' || mode === 'none' || isContainer) throw new DaemonError('user specified IP address is supported on user defined networks only');
    // outside the network's subnet: refused before the container is made (Docker's daemon finds it at the start)
    const subnet = findNetworkSync(mode)?.Subnet;
    const cidr = subnet ? parseCidr(subnet) : undefined;
    if (cidr && !contains(cidr, parseIp(o.ip)!)) throw notInSubnet(o.ip);
  }
  if (o.ip6 !== undefined && o.ip6 !== '') {
    if (!isV6(o.ip6)) throw new DaemonError(`invalid IPv6 address: ${o.ip6}`);
    checkAddress6(o.ip6, 'IPv6 address');
    if (mode === 'host' || mode === 'none' || isContainer) throw new UserError(`--ip6 cannot be used with network mode ${mode}`);
    // the network must have IPv6 (the default bridge: config.json "ipv6")
    const rec = mode === DEFAULT_NETWORK ? findNetworkSync(DEFAULT_NETWORK) : findNetworkSync(mode);
    if (rec && !rec.Subnet6) throw new UserError(`--ip6 ${o.ip6}: network ${rec.Name} has no IPv6${mode === DEFAULT_NETWORK ? ' (config.json "ipv6": true gives the default bridge IPv6)' : ' (create it with --ipv6)'}`);
  }
}

/** -P: a random host port for every exposed port (`80/tcp`) not already published. */
export function publishAllPorts(exposed: string[], already: PortBinding[]): PortBinding[] {
  const out: PortBinding[] = [];
  for (const e of exposed) {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(e);
    if (!m) continue;
    const containerPort = Number(m[1]);
    const proto = (m[2] ?? 'tcp') as 'tcp' | 'udp';
    if (containerPort < 1 || containerPort > 65535) continue;
    if (already.some((b) => b.containerPort === containerPort && b.proto === proto)) continue;
    out.push({ hostIp: '', hostPort: 0, containerPort, proto });
  }
  return out;
}

/**
 * Early check (before the container is created) that the fixed host ports are free: not held by
 * another container, not bound by a host service. setupContainerNetwork checks again, under the
 * lock, and reserves them.
 */
export async function checkPortsFree(wanted: PortBinding[], network?: string): Promise<void> {
  const { checkHostPorts } = await import('./portalloc.js');
  const rec = network && wanted.length ? findNetworkSync(network) : undefined;
  // a routed family's ports use no host port (bindPorts): nothing to check for them; with no
  // record yet (the default bridge before its first container) IPv4 only, as it starts
  const usable = rec && driverOf(rec) ? rec : undefined;
  const fams = (b: PortBinding) => (usable ? hostPortFamilies(usable, b) : hostFamilies(b.hostIp).filter((f) => f === 4 || b.hostIp !== ''));
  await checkHostPorts(wanted.filter((b) => fams(b).length > 0), fams);
}

/** Docker-shaped `network inspect` data, or undefined when there is no such network. */
export async function inspectNetworkByName(ref: string): Promise<unknown | undefined> {
  const { findNetwork, inspectNetwork } = await import('./networks.js');
  return (await findNetwork(ref)) ? inspectNetwork(ref) : undefined;
}
