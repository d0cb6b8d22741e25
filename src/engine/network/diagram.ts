// `minidock network diagram`: the host's network as it really is now.
//
// Two halves, kept apart so the model can be unit-tested from fixtures:
//   collectSnapshot()      I/O: reads the kernel (`ip -j -d addr` on the host and in every
//                          container netns, the default route, `iptables-save -c`) and minidock's
//                          state (network records, endpoints, container records). Changes nothing.
//   buildDiagram(snap)     pure: kernel snapshot + state → a graph of uplink, bridges, veth pairs,
//                          containers, published ports and the MASQUERADE path, with every
//                          disagreement between the two written down as a drift.
// Renderers (ascii, svg, dot) live in diagram-render.ts.
import { readdirSync } from 'node:fs';
import { run } from '../../host/exec.js';
import { splitSaveLine } from './firewall/iptables.js';
import { ownershipOf, parseTag, vethOwnerPrefix, type OwnRecords } from './tags.js';
import type { PortBinding, Proto } from './types.js';
import type { EndpointRecord } from './networks.js';
import type { FirewallView, KernelPort, OwnContext } from './firewall/backend.js';

// ---------------------------------------------------------------- the snapshot (input)

/** One interface as `ip -j -d addr` shows it (only what the diagram needs). */
export interface KLink {
  ifindex: number;
  ifname: string;
  /** linkinfo.info_kind: veth, bridge, … */
  kind?: string;
  master?: string;
  /** For a veth: the peer's ifindex (in the peer's netns); `ip link` prints it as @ifN. */
  linkIndex?: number;
  /** Set when the peer lives in another netns. */
  linkNetnsid?: number;
  up: boolean;
  mac?: string;
  /** IPv4 addresses as CIDR: 172.17.0.1/16 */
  addrs: string[];
}

export interface SnapNetwork {
  name: string;
  id: string;
  bridge: string;
  subnet: string;
  gateway: string;
  /** --internal: no way out, so no MASQUERADE is expected. */
  internal?: boolean;
  /** A bridge's gateway mode other than nat (routed: no MASQUERADE; isolated: no gateway address). */
  gatewayMode?: string;
  /**
   * A driver whose containers' interfaces are links of a parent (macvlan, ipvlan): `bridge` is
   * then the parent, and there is no NAT and no host end. From the driver's diagramOf.
   */
  lower?: { kind: string; label: string };
}

export interface SnapContainer {
  id: string;
  name: string;
  /** running | exited | created | removing | unknown (endpoint without a record) */
  status: string;
  /** NetworkMode: bridge, host, none, container:x, or a user network name */
  mode: string;
  /**
   * From the endpoint record: the wiring minidock made for it on one network. A container on
   * several networks (network connect) is one SnapContainer per endpoint, eth0's first.
   */
  endpoint?: {
    network: string;
    /** The interface inside the container: eth0, or eth1… for a connected network (absent: eth0). */
    ifname?: string;
    ip: string;
    prefixLen: number;
    netns: string;
    hostIf: string;
    ports: PortBinding[];
  };
}

export interface Snapshot {
  host: {
    links: KLink[];
    defaultRoute?: { dev: string; gateway?: string };
  };
  /** Container netns by name; absent key = not looked at; `null` = it does not exist. */
  netns: Record<string, KLink[] | null>;
  /** iptables-save -c output (the whole text; minidock's lines are picked out). */
  iptablesSave: string;
  /** What the firewall backend in use has (when absent: read from iptablesSave). */
  firewall?: FirewallView;
  /** minidock's chain prefix (MINIDOCK). */
  chainPrefix: string;
  networks: SnapNetwork[];
  containers: SnapContainer[];
  /**
   * This state root's id and the ids of all its containers: what is named like minidock's but
   * is another root's (another root's veths, its rules in a shared prefix) is then not shown.
   * Absent: everything minidock-named is taken as this root's.
   */
  owner?: { root?: string; ids: string[] };
}

/** Whose records the snapshot's state is (tags.ts), or undefined when not told. */
export function ownRecordsOf(s: Pick<Snapshot, 'owner' | 'networks'>): OwnRecords | undefined {
  if (!s.owner) return undefined;
  return { root: s.owner.root, ids: s.owner.ids, nets: new Map(s.networks.map((n) => [n.name, n.bridge])) };
}

/** False for a rule that is positively another root's (or, unmarked, not provably this one's). */
export function ruleShown(r: Pick<SavedRule, 'comment' | 'args'>, own: OwnRecords | undefined): boolean {
  if (!own) return true;
  const tag = parseTag(r.comment);
  return !tag || ownershipOf(tag, r.args, own) !== 'foreign';
}

// ---------------------------------------------------------------- the graph (output)

export interface Drift {
  /** What the drift is about: a container id, a bridge or an interface name. */
  subject: string;
  message: string;
}

export interface VethEnd {
  ifname: string;
  ifindex: number;
  /** The peer's ifindex, as `ip link` shows it after the @: md…@if7 */
  peerIndex?: number;
}

export interface PortArrow {
  hostIp: string; // '0.0.0.0' for all
  hostPort: number;
  proto: Proto;
  containerIp: string;
  containerPort: number;
  containerId?: string;
  containerName?: string;
  /** The DNAT rule is in the kernel. */
  inKernel: boolean;
  /** minidock's state knows this port. */
  inState: boolean;
  /** Packet counter of the DNAT rule, when in the kernel. */
  packets?: number;
}

export interface ContainerNode {
  id: string;
  name: string;
  status: string;
  network: string;
  netns: string;
  netnsExists: boolean;
  ip: string;
  prefixLen: number;
  /** The interface inside the container on this network: eth0, eth1 (network connect)… */
  ifname: string;
  /** Host end of the veth pair (undefined: gone). */
  hostEnd?: VethEnd;
  /** The interface inside the container's netns (undefined: gone). */
  ctrEnd?: VethEnd;
  /** The addresses that interface really has (may differ from `ip`). */
  ctrAddrs: string[];
  ports: PortArrow[];
  drift: string[];
}

export interface BridgeNode {
  network: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ifindex?: number;
  exists: boolean;
  up: boolean;
  addrs: string[];
  /** `-s SUBNET ! -o BRIDGE -j MASQUERADE` is in the kernel. */
  masquerade: boolean;
  /** --internal network: no way out by design. */
  internal?: boolean;
  /** Gateway mode other than nat. */
  gatewayMode?: string;
  /** macvlan/ipvlan: `bridge` is the parent link (see SnapNetwork.lower). */
  lower?: { kind: string; label: string };
  masqueradePackets?: number;
  containers: ContainerNode[];
  /** md… veths plugged into this bridge that belong to no container. */
  strays: VethEnd[];
  drift: string[];
}

export interface OtherContainer {
  id: string;
  name: string;
  mode: string;
  netns?: string;
}

export interface Diagram {
  uplink?: { ifname: string; addrs: string[]; gateway?: string; ifindex?: number };
  bridges: BridgeNode[];
  /** md… veths on no minidock bridge and belonging to no container. */
  strays: VethEnd[];
  /** DNAT rules of minidock whose container is unknown. */
  strayPorts: PortArrow[];
  /** Running containers not on a bridge network (host, none, container:). */
  others: OtherContainer[];
  drift: Drift[];
}

// ---------------------------------------------------------------- parsing helpers

interface IpJsonLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  master?: string;
  link_index?: number;
  link_netnsid?: number;
  address?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** Parses `ip -j -d addr` (or `ip -j -d link`) output. */
export function parseIpJson(text: string): KLink[] {
  const arr = JSON.parse(text.trim() || '[]') as IpJsonLink[];
  return arr.map((l) => ({
    ifindex: l.ifindex,
    ifname: l.ifname,
    kind: l.linkinfo?.info_kind,
    master: l.master,
    linkIndex: l.link_index,
    linkNetnsid: l.link_netnsid,
    up: (l.flags ?? []).includes('UP'),
    mac: l.address,
    addrs: (l.addr_info ?? []).filter((a) => a.family === 'inet' && a.local).map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

/** One rule line of `iptables-save -c`: table, chain, counters and the arguments after `-A CHAIN`. */
export interface SavedRule {
  table: string;
  chain: string;
  packets: number;
  bytes: number;
  args: string[];
  comment?: string;
  /** The rule as iptables-save prints it, without counters and `-A CHAIN`. */
  spec: string;
}

/** Parses `iptables-save [-c]` into rules (in order) and the chain list per table. */
export function parseCountedSave(text: string): { rules: SavedRule[]; chains: Map<string, string[]> } {
  const rules: SavedRule[] = [];
  const chains = new Map<string, string[]>();
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('*')) {
      table = line.slice(1);
      chains.set(table, []);
      continue;
    }
    if (line.startsWith(':')) {
      chains.get(table)?.push(line.slice(1).split(' ')[0]);
      continue;
    }
    const m = /^(?:\[(\d+):(\d+)\]\s+)?-A\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const args = splitSaveLine(m[4]);
    const ci = args.indexOf('--comment');
    rules.push({
      table,
      chain: m[3],
      packets: m[1] ? Number(m[1]) : 0,
      bytes: m[2] ? Number(m[2]) : 0,
      args,
      comment: ci >= 0 ? args[ci + 1] : undefined,
      spec: m[4],
    });
  }
  return { rules, chains };
}

/** The value after an option (`--dport 8080`), honouring a leading `!`. */
export function argOf(args: string[], opt: string): string | undefined {
  const i = args.indexOf(opt);
  return i >= 0 ? args[i + 1] : undefined;
}

export function negated(args: string[], opt: string): boolean {
  const i = args.indexOf(opt);
  return i > 0 && args[i - 1] === '!';
}

/**
 * The iptables backend's view for the diagram, from `iptables-save -c`: the DNAT rules of the
 * prefix's DNAT chain and the outbound MASQUERADE of each network (this root's only). Pure.
 */
export function iptablesView(saveText: string, prefix: string, own: OwnRecords | undefined): FirewallView {
  const saved = parseCountedSave(saveText);
  const ports = saved.rules
    .filter((r) => r.table === 'nat' && r.chain === `${prefix}-DNAT` && ruleShown(r, own))
    .map(dnatOf)
    .filter((d): d is NonNullable<typeof d> => !!d)
    .map(({ inKernel: _k, inState: _s, ...p }): KernelPort => p);
  const masquerade = saved.rules
    .filter((r) => r.table === 'nat' && r.chain === `${prefix}-POSTROUTING` && ruleShown(r, own) && argOf(r.args, '-j') === 'MASQUERADE' && negated(r.args, '-o') && argOf(r.args, '-s') && argOf(r.args, '-o'))
    .map((r) => ({ subnet: argOf(r.args, '-s')!, bridge: argOf(r.args, '-o')!, packets: r.packets }));
  return { backend: 'iptables', ports, masquerade };
}

/** A DNAT rule of minidock's DNAT chain, as a port arrow. */
export function dnatOf(r: SavedRule): (PortArrow & { id12?: string; tagName?: string }) | undefined {
  if (argOf(r.args, '-j') !== 'DNAT') return undefined;
  const to = argOf(r.args, '--to-destination');
  const dport = argOf(r.args, '--dport');
  if (!to || !dport) return undefined;
  const [cip, cport] = to.split(':');
  const d = argOf(r.args, '-d');
  const tag = parseTag(r.comment);
  return {
    hostIp: d ? d.replace(/\/32$/, '') : '0.0.0.0',
    hostPort: Number(dport),
    proto: (argOf(r.args, '-p') ?? 'tcp') as Proto,
    containerIp: cip,
    containerPort: Number(cport ?? dport),
    inKernel: true,
    inState: false,
    packets: r.packets,
    id12: tag?.container,
    tagName: tag?.container ? tag.name : undefined,
  };
}

// ---------------------------------------------------------------- building the graph (pure)

const hostAddrOf = (ip: string) => (ip === '' ? '0.0.0.0' : ip);

/** A container on a network, before its ends are looked at. Pure. */
function containerNodeOf(c: SnapContainer, network: string, s: Snapshot): ContainerNode {
  const ep = c.endpoint!;
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    network,
    netns: ep.netns,
    netnsExists: s.netns[ep.netns] !== null && s.netns[ep.netns] !== undefined,
    ip: ep.ip,
    prefixLen: ep.prefixLen,
    ifname: ep.ifname ?? 'eth0',
    ctrAddrs: [],
    ports: [],
    drift: [],
  };
}

/**
 * The endpoint's interface inside the container's netns (eth0, or eth1… of a connected
 * network): its end, its addresses, their drift; undefined when gone. Pure.
 */
function insideEnd(cn: ContainerNode, ep: NonNullable<SnapContainer['endpoint']>, s: Snapshot): KLink | undefined {
  const nsLinks = s.netns[ep.netns];
  if (!nsLinks) {
    cn.drift.push(`netns ${ep.netns} is gone`);
    return undefined;
  }
  const dev = cn.ifname;
  const inside = nsLinks.find((l) => l.ifname === dev);
  if (!inside) {
    cn.drift.push(`${dev} is gone from ${ep.netns}`);
    return undefined;
  }
  cn.ctrEnd = { ifname: dev, ifindex: inside.ifindex, peerIndex: inside.linkIndex };
  cn.ctrAddrs = inside.addrs;
  if (!inside.addrs.includes(`${ep.ip}/${ep.prefixLen}`)) cn.drift.push(`${dev} lacks ${ep.ip}/${ep.prefixLen}${inside.addrs.length ? ` (has ${inside.addrs.join(', ')})` : ''}`);
  return inside;
}

/**
 * A macvlan/ipvlan network: the parent link on the host, and each container's eth0 a link of
 * it (eth0@ifN, N the parent's index, in the host's netns). Drift: the parent gone or down,
 * eth0 gone, of another kind, on another link, or without its address. Pure.
 */
function buildLowerNode(node: BridgeNode, kind: string, parent: KLink | undefined, ctrs: SnapContainer[], s: Snapshot, claimed: Set<string>): void {
  if (!parent) node.drift.push(`parent ${node.bridge} is missing from the kernel`);
  else if (!parent.up) node.drift.push(`parent ${node.bridge} is down`);
  if (parent) claimed.add(parent.ifname);
  for (const c of [...ctrs].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
    const ep = c.endpoint!;
    const cn = containerNodeOf(c, node.network, s);
    const inside = insideEnd(cn, ep, s);
    if (inside && inside.kind && inside.kind !== kind) cn.drift.push(`${cn.ifname} in ${ep.netns} is a ${inside.kind}, not a ${kind} link`);
    else if (inside && parent && inside.linkIndex !== parent.ifindex) cn.drift.push(`${cn.ifname} in ${ep.netns} is not a link of ${node.bridge}`);
    if (c.status !== 'running') cn.drift.push(`container is ${c.status} but still wired`);
    node.containers.push(cn);
  }
}

/**
 * Kernel + state → the diagram. `only` restricts it to some networks (by name); the uplink,
 * strays and host-wide drift are kept only when no filter is given.
 */
export function buildDiagram(s: Snapshot, only?: string[]): Diagram {
  const drift: Drift[] = [];
  const links = new Map(s.host.links.map((l) => [l.ifname, l]));
  const fw = s.firewall ?? iptablesView(s.iptablesSave, s.chainPrefix, ownRecordsOf(s));
  const dnats = fw.ports;
  const usedDnat = new Set<number>();

  const byNetwork = new Map<string, SnapContainer[]>();
  const others: OtherContainer[] = [];
  for (const c of s.containers) {
    if (c.endpoint) {
      const list = byNetwork.get(c.endpoint.network) ?? [];
      list.push(c);
      byNetwork.set(c.endpoint.network, list);
    } else if (c.status === 'running') {
      others.push({ id: c.id, name: c.name, mode: c.mode, netns: undefined });
      const builtin = c.mode === 'host' || c.mode === 'none' || c.mode.startsWith('container:');
      if (!builtin) drift.push({ subject: c.id, message: `container ${c.name} is running on network ${c.mode} but minidock has no endpoint for it` });
    }
  }

  const claimed = new Set<string>(); // host veth names that belong to a container
  const bridges: BridgeNode[] = [];
  for (const n of s.networks) {
    if (only && only.length && !only.includes(n.name)) continue;
    const br = links.get(n.bridge);
    const masq = fw.masquerade.find((m) => m.subnet === n.subnet && m.bridge === n.bridge);
    const node: BridgeNode = {
      network: n.name,
      bridge: n.bridge,
      subnet: n.subnet,
      gateway: n.gateway,
      ifindex: br?.ifindex,
      exists: !!br,
      up: !!br?.up,
      addrs: br?.addrs ?? [],
      masquerade: !!masq,
      masqueradePackets: masq?.packets,
      containers: [],
      strays: [],
      drift: [],
    };
    const prefix = n.subnet.split('/')[1];
    node.internal = !!n.internal;
    if (n.gatewayMode) node.gatewayMode = n.gatewayMode;
    if (n.lower) {
      node.lower = n.lower;
      buildLowerNode(node, n.lower.kind, br, byNetwork.get(n.name) ?? [], s, claimed);
      for (const c of node.containers) for (const m of c.drift) drift.push({ subject: c.id, message: `${c.name}: ${m}` });
      for (const m of node.drift) drift.push({ subject: n.bridge, message: `network ${n.name}: ${m}` });
      bridges.push(node);
      continue;
    }
    if (!br) node.drift.push(`bridge ${n.bridge} is missing from the kernel`);
    else {
      if (br.kind && br.kind !== 'bridge') node.drift.push(`${n.bridge} is a ${br.kind}, not a bridge`);
      if (!br.up) node.drift.push(`bridge ${n.bridge} is down`);
      if (n.gatewayMode !== 'isolated' && !br.addrs.includes(`${n.gateway}/${prefix}`)) node.drift.push(`bridge ${n.bridge} lacks the gateway address ${n.gateway}/${prefix}`);
    }
    if (!masq && !n.internal && n.gatewayMode !== 'routed') node.drift.push(`no MASQUERADE rule for ${n.subnet} (containers cannot reach the outside)`);

    for (const c of (byNetwork.get(n.name) ?? []).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
      const ep = c.endpoint!;
      const cn = containerNodeOf(c, n.name, s);
      const host = links.get(ep.hostIf);
      if (host) {
        claimed.add(host.ifname);
        cn.hostEnd = { ifname: host.ifname, ifindex: host.ifindex, peerIndex: host.linkIndex };
        if (host.master !== n.bridge) cn.drift.push(`${host.ifname} is not plugged into ${n.bridge}${host.master ? ` (it is on ${host.master})` : ''}`);
        if (!host.up) cn.drift.push(`${host.ifname} is down`);
      } else cn.drift.push(`veth ${ep.hostIf} is gone from the host`);
      const inside = insideEnd(cn, ep, s);
      if (inside && host && (host.linkIndex !== inside.ifindex || inside.linkIndex !== host.ifindex)) cn.drift.push(`${host.ifname} and ${cn.ifname} in ${ep.netns} are not peers`);
      if (c.status !== 'running') cn.drift.push(`container is ${c.status} but still wired`);
      for (const p of ep.ports) {
        const hostIp = hostAddrOf(p.hostIp);
        const k = dnats.findIndex((d, i) => !usedDnat.has(i) && d.hostPort === p.hostPort && d.proto === p.proto && d.hostIp === hostIp);
        const d = k >= 0 ? dnats[k] : undefined;
        if (k >= 0) usedDnat.add(k);
        const arrow: PortArrow = {
          hostIp,
          hostPort: p.hostPort,
          proto: p.proto,
          containerIp: ep.ip,
          containerPort: p.containerPort,
          containerId: c.id,
          containerName: c.name,
          inKernel: !!d,
          inState: true,
          packets: d?.packets,
        };
        if (!d) cn.drift.push(`no DNAT rule for ${hostIp}:${p.hostPort}/${p.proto}`);
        else if (d.containerIp !== ep.ip || d.containerPort !== p.containerPort) cn.drift.push(`DNAT for ${hostIp}:${p.hostPort}/${p.proto} goes to ${d.containerIp}:${d.containerPort}, not ${ep.ip}:${p.containerPort}`);
        cn.ports.push(arrow);
      }
      node.containers.push(cn);
      for (const m of cn.drift) drift.push({ subject: c.id, message: `${c.name}: ${m}` });
    }
    for (const m of node.drift) drift.push({ subject: n.bridge, message: `network ${n.name}: ${m}` });
    bridges.push(node);
  }

  // md… veths nobody claims: on a minidock bridge they are shown on it, else on their own.
  const strays: VethEnd[] = [];
  const filtered = !!(only && only.length);
  for (const l of s.host.links) {
    if (!/^md/.test(l.ifname) || l.kind !== 'veth' || claimed.has(l.ifname)) continue;
    const v: VethEnd = { ifname: l.ifname, ifindex: l.ifindex, peerIndex: l.linkIndex };
    const b = bridges.find((x) => x.bridge === l.master);
    if (b) {
      b.strays.push(v);
      drift.push({ subject: l.ifname, message: `veth ${l.ifname} on ${b.bridge} belongs to no container` });
    } else if (!filtered) {
      // off this root's bridges: shown only when it is named after one of this root's containers
      const p = vethOwnerPrefix(l.ifname);
      if (s.owner && !(p && s.owner.ids.some((id) => id.startsWith(p)))) continue;
      strays.push(v);
      drift.push({ subject: l.ifname, message: `veth ${l.ifname} belongs to no container` });
    }
  }

  const strayPorts: PortArrow[] = [];
  if (!filtered) {
    dnats.forEach((d, i) => {
      if (usedDnat.has(i)) return;
      const { id12, tagName, ...arrow } = d;
      strayPorts.push({ ...arrow, inKernel: true, inState: false, containerName: tagName });
      drift.push({ subject: id12 ?? 'dnat', message: `DNAT ${d.hostIp}:${d.hostPort}/${d.proto} → ${d.containerIp}:${d.containerPort} belongs to no running container${tagName ? ` (was ${tagName})` : ''}` });
    });
  }

  let uplink: Diagram['uplink'];
  if (s.host.defaultRoute) {
    const l = links.get(s.host.defaultRoute.dev);
    uplink = { ifname: s.host.defaultRoute.dev, addrs: l?.addrs ?? [], gateway: s.host.defaultRoute.gateway, ifindex: l?.ifindex };
  }
  return { uplink, bridges, strays, strayPorts, others: filtered ? [] : others, drift };
}

// ---------------------------------------------------------------- collecting (I/O, read-only)

async function ipJson(args: string[]): Promise<KLink[] | null> {
  const r = await run('ip', ['-j', '-d', ...args], { allowFail: true });
  if (r.code !== 0) return null;
  return parseIpJson(r.stdout);
}

/** Runs async jobs with at most `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

function existingNetns(): Set<string> {
  try {
    return new Set(readdirSync('/run/netns'));
  } catch {
    return new Set();
  }
}

/** Reads minidock's state: bridge networks and containers with their endpoints. */
export async function collectState(): Promise<Pick<Snapshot, 'networks' | 'containers' | 'chainPrefix' | 'owner'>> {
  const { listNetworkRecords, listEndpoints } = await import('./networks.js');
  const { allRecords, allIds, stateOf } = await import('../container/record.js');
  const { chainPrefix } = await import('./firewall/iptables.js');
  const { driverOf, gatewayModeOfNet } = await import('./drivers/index.js');
  const { rootIdIfAny } = await import('../../state/rootid.js');
  const networks: SnapNetwork[] = listNetworkRecords()
    .filter((n) => driverOf(n) && n.Subnet && n.Gateway)
    .map((n) => {
      const part = driverOf(n)!.diagramOf(n);
      const lower = part.lowerOf ? { kind: n.Driver, label: part.label ?? n.Driver } : undefined;
      const gw = gatewayModeOfNet(n);
      return { name: n.Name, id: n.Id, bridge: part.device, subnet: n.Subnet!, gateway: n.Gateway!, internal: !!n.Internal, ...(gw !== 'nat' ? { gatewayMode: gw } : {}), ...(lower ? { lower } : {}) };
    })
    .sort((a, b) => (a.name === 'bridge' ? -1 : b.name === 'bridge' ? 1 : a.name.localeCompare(b.name)));
  // A container's endpoints: eth0's and one per connected network (its eth1, eth2…), eth0's first.
  const eps = new Map<string, EndpointRecord[]>();
  for (const e of listEndpoints()) eps.set(e.containerId, [...(eps.get(e.containerId) ?? []), e]);
  for (const list of eps.values()) list.sort((a, b) => (a.ifname ?? 'eth0').localeCompare(b.ifname ?? 'eth0', 'en', { numeric: true }));
  const endpointOf = (e: EndpointRecord): SnapContainer['endpoint'] => ({ network: e.network, ifname: e.ifname ?? 'eth0', ip: e.ip, prefixLen: e.prefixLen, netns: e.netns, hostIf: e.hostIf, ports: e.ports });
  const containers: SnapContainer[] = [];
  for (const r of allRecords()) {
    const st = stateOf(r);
    const list = eps.get(r.Id) ?? [];
    eps.delete(r.Id);
    const base = { id: r.Id, name: r.Name, status: st.Status, mode: r.HostConfig.NetworkMode || 'bridge' };
    if (list.length) for (const e of list) containers.push({ ...base, endpoint: endpointOf(e) });
    else if (st.Running) containers.push(base);
  }
  for (const list of eps.values()) {
    for (const e of list) containers.push({ id: e.containerId, name: e.containerName || e.containerId.slice(0, 12), status: 'unknown', mode: e.network, endpoint: endpointOf(e) });
  }
  const ids = [...new Set([...allIds(), ...listEndpoints().map((e) => e.containerId)])];
  return { networks, containers, chainPrefix: chainPrefix(), owner: { root: rootIdIfAny(), ids } };
}

/** What the firewall backends need to know of this root (backend.ts OwnContext). */
export function ownContextOf(state: Pick<Snapshot, 'networks' | 'containers' | 'owner'>): OwnContext {
  return {
    root: state.owner?.root,
    ids: state.owner?.ids ?? [],
    // macvlan/ipvlan networks have no rules: their parent is not a bridge of minidock's
    networks: state.networks.filter((n) => !n.lower).map((n) => ({ name: n.name, bridge: n.bridge, subnet: n.subnet, internal: n.internal })),
    containers: state.containers.map((c) => ({ id: c.id, name: c.name, network: c.endpoint?.network })),
  };
}

/** Reads the kernel and minidock's state. Read-only: nothing on the host or on disk changes. */
export async function collectSnapshot(): Promise<Snapshot> {
  const state = await collectState();
  const { firewall } = await import('./firewall/index.js');
  const fw = await firewall();
  const have = existingNetns();
  const wanted = [...new Set(state.containers.map((c) => c.endpoint?.netns).filter((n): n is string => !!n))];
  const [links, route, save, nsLinks] = await Promise.all([
    ipJson(['addr']),
    run('ip', ['-j', 'route', 'show', 'default'], { allowFail: true }),
    fw.name === 'iptables' ? run('iptables-save', ['-c'], { allowFail: true }) : Promise.resolve({ code: 1, stdout: '' }),
    pool(wanted, 8, (ns) => (have.has(ns) ? ipJson(['-n', ns, 'addr']) : Promise.resolve(null))),
  ]);
  const routes = JSON.parse(route.stdout.trim() || '[]') as { dst?: string; dev?: string; gateway?: string }[];
  const def = routes.find((r) => r.dst === 'default' && r.dev);
  const netns: Snapshot['netns'] = {};
  wanted.forEach((ns, i) => (netns[ns] = nsLinks[i]));
  return {
    host: { links: links ?? [], defaultRoute: def ? { dev: def.dev!, gateway: def.gateway } : undefined },
    netns,
    iptablesSave: save.code === 0 ? save.stdout : '',
    ...(fw.name === 'iptables' ? {} : { firewall: await fw.view(ownContextOf(state)) }),
    ...state,
  };
}
