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
import { GATEWAY_MODE6_OPT, type FirewallView, type KernelPort, type OwnContext } from './firewall/backend.js';
import { peerOps, vxlanDev } from './drivers/overlay.js';

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
  /** Global IPv6 addresses as CIDR (fd00:67::1/64) */
  addrs6?: string[];
}

export interface SnapNetwork {
  name: string;
  id: string;
  bridge: string;
  subnet: string;
  gateway: string;
  /** --ipv6: the IPv6 subnet and gateway (shown beside the IPv4 ones) */
  subnet6?: string;
  gateway6?: string;
  /** --internal: no way out, so no MASQUERADE is expected. */
  internal?: boolean;
  /** A bridge's gateway mode other than nat (routed: no MASQUERADE; isolated: no gateway address). */
  gatewayMode?: string;
  /** gateway_mode_ipv6 other than nat */
  gatewayMode6?: string;
  /**
   * A driver whose containers' interfaces are links of a parent (macvlan, ipvlan): `bridge` is
   * then the parent, and there is no NAT and no host end. From the driver's diagramOf.
   */
  lower?: { kind: string; label: string };
  /** An overlay network (drivers/overlay.ts): its VNI and this host's VXLAN device. */
  overlay?: { vni: number; vxlan: string };
}

/** An overlay network as this host's kernel and the cluster store have it (cluster/diagram.ts). */
export interface SnapOverlay {
  /** this host's id in the cluster and its VTEP address */
  hostId: string;
  local: string;
  /** `ip -d link show` of the VXLAN device; null: there is none */
  device: { vni?: number; local?: string; port?: number; master?: string; up: boolean } | null;
  fdb: { mac: string; dst: string }[];
  neigh: { ip: string; mac: string }[];
  /** the store: hosts, and the network's endpoints (every host's) */
  hosts: { id: string; name: string; vtep: string }[];
  /** ip: '' on an IPv6-only network */
  endpoints: { ip: string; ip6?: string; mac: string; host: string; vtep: string; name: string }[];
  /** the store could not be read: no comparison with it */
  storeError?: string;
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
    /** Its IPv6 address, on a network with --ipv6 (its ports' v6 DNATs are its own too). */
    ip6?: string;
    prefixLen6?: number;
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
  /** ip6tables-save -c (the iptables backend's IPv6 rules), when read. */
  ip6tablesSave?: string;
  /** What the firewall backend in use has (when absent: read from iptablesSave). */
  firewall?: FirewallView;
  /** minidock's chain prefix (MINIDOCK). */
  chainPrefix: string;
  networks: SnapNetwork[];
  /** Overlay networks' tunnels, by network name (only read when there are overlay networks). */
  overlays?: Record<string, SnapOverlay>;
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
  /** On a network with IPv6: the container's IPv6 address. */
  ip6?: string;
  prefixLen6?: number;
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
  subnet6?: string;
  gateway6?: string;
  ifindex?: number;
  exists: boolean;
  up: boolean;
  addrs: string[];
  /** `-s SUBNET ! -o BRIDGE -j MASQUERADE` is in the kernel (false on an IPv6-only network). */
  masquerade: boolean;
  /** Its IPv6 twin (`ip6tables … -s SUBNET6 …`, nft `ip6 minidock`) is in the kernel. */
  masquerade6?: boolean;
  masquerade6Packets?: number;
  /** gateway_mode_ipv6 other than nat. */
  gatewayMode6?: string;
  /** --internal network: no way out by design. */
  internal?: boolean;
  /** Gateway mode other than nat. */
  gatewayMode?: string;
  /** macvlan/ipvlan: `bridge` is the parent link (see SnapNetwork.lower). */
  lower?: { kind: string; label: string };
  masqueradePackets?: number;
  /** An overlay network: its VXLAN, the cluster's hosts and the tunnels to them. */
  overlay?: OverlayNode;
  containers: ContainerNode[];
  /** md… veths plugged into this bridge that belong to no container. */
  strays: VethEnd[];
  drift: string[];
}

export interface OverlayHost {
  id: string;
  name: string;
  vtep: string;
  self: boolean;
  /** the network's containers on that host (from the store) */
  /** ip: '' on an IPv6-only network */
  containers: { name: string; ip: string; ip6?: string; mac: string }[];
  /** the kernel sends this network's broadcast and unknown frames to it (FDB 00:00:00:00:00:00 dst VTEP) */
  tunnel: boolean;
}

export interface OverlayNode {
  vni: number;
  vxlan: string;
  local: string;
  exists: boolean;
  hosts: OverlayHost[];
  storeError?: string;
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
    ...addrs6Of(l.addr_info ?? []),
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
export function iptablesView(saveText: string, prefix: string, own: OwnRecords | undefined, save6Text = ''): FirewallView {
  const saved = parseCountedSave(saveText);
  // IPv6 published ports (ip6tables-save): their DNATs are arrows too
  const ports = [...saved.rules.map((r) => [r, 4] as const), ...parseCountedSave(save6Text).rules.map((r) => [r, 6] as const)]
    .filter(([r]) => r.table === 'nat' && r.chain === `${prefix}-DNAT` && ruleShown(r, own))
    .map(([r, f]) => dnatOf(r, f))
    .filter((d): d is NonNullable<typeof d> => !!d)
    .map(({ inKernel: _k, inState: _s, ...p }): KernelPort => p);
  // outbound masquerades of both families (an IPv6 one's -s is the network's IPv6 subnet)
  const masquerade = [...saved.rules, ...parseCountedSave(save6Text).rules]
    .filter((r) => r.table === 'nat' && r.chain === `${prefix}-POSTROUTING` && ruleShown(r, own) && argOf(r.args, '-j') === 'MASQUERADE' && negated(r.args, '-o') && argOf(r.args, '-s') && argOf(r.args, '-o'))
    .map((r) => ({ subnet: argOf(r.args, '-s')!, bridge: argOf(r.args, '-o')!, packets: r.packets }));
  return { backend: 'iptables', ports, masquerade };
}

/** A DNAT rule of minidock's DNAT chain, as a port arrow. */
export function dnatOf(r: SavedRule, family: 4 | 6 = 4): (PortArrow & { id12?: string; tagName?: string }) | undefined {
  if (argOf(r.args, '-j') !== 'DNAT') return undefined;
  const to = argOf(r.args, '--to-destination');
  const dport = argOf(r.args, '--dport');
  if (!to || !dport) return undefined;
  // 172.17.0.2:80, [fd00::2]:80
  const [, cip, cport] = /^\[?(.*?)\]?(?::(\d+))?$/.exec(to) ?? [];
  const d = argOf(r.args, '-d');
  const tag = parseTag(r.comment);
  return {
    hostIp: d ? d.replace(/\/(?:32|128)$/, '') : family === 6 ? '::' : '0.0.0.0',
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
/** An address as it stands before :port: an IPv6 one in brackets. */
export const bracket6 = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

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
    ...(ep.ip6 ? { ip6: ep.ip6, prefixLen6: ep.prefixLen6 } : {}),
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
  if (ep.ip && !inside.addrs.includes(`${ep.ip}/${ep.prefixLen}`)) cn.drift.push(`${dev} lacks ${ep.ip}/${ep.prefixLen}${inside.addrs.length ? ` (has ${inside.addrs.join(', ')})` : ''}`);
  if (ep.ip6 && !(inside.addrs6 ?? []).includes(`${ep.ip6}/${ep.prefixLen6}`)) cn.drift.push(`${dev} lacks ${ep.ip6}/${ep.prefixLen6}`);
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
  const fw = s.firewall ?? iptablesView(s.iptablesSave, s.chainPrefix, ownRecordsOf(s), s.ip6tablesSave);
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
    const masq = n.subnet ? fw.masquerade.find((m) => m.subnet === n.subnet && m.bridge === n.bridge) : undefined;
    const masq6 = n.subnet6 ? fw.masquerade.find((m) => m.subnet === n.subnet6 && m.bridge === n.bridge) : undefined;
    const node: BridgeNode = {
      network: n.name,
      bridge: n.bridge,
      subnet: n.subnet,
      gateway: n.gateway,
      ...(n.subnet6 ? { subnet6: n.subnet6, gateway6: n.gateway6 } : {}),
      ifindex: br?.ifindex,
      exists: !!br,
      up: !!br?.up,
      addrs: br?.addrs ?? [],
      masquerade: !!masq,
      masqueradePackets: masq?.packets,
      ...(n.subnet6 ? { masquerade6: !!masq6, masquerade6Packets: masq6?.packets } : {}),
      containers: [],
      strays: [],
      drift: [],
    };
    const prefix = n.subnet.split('/')[1];
    node.internal = !!n.internal;
    if (n.gatewayMode) node.gatewayMode = n.gatewayMode;
    if (n.gatewayMode6) node.gatewayMode6 = n.gatewayMode6;
    if (n.lower) {
      node.lower = n.lower;
      buildLowerNode(node, n.lower.kind, br, byNetwork.get(n.name) ?? [], s, claimed);
      for (const c of node.containers) for (const m of c.drift) drift.push({ subject: c.id, message: `${c.name}: ${m}` });
      for (const m of node.drift) drift.push({ subject: n.bridge, message: `network ${n.name}: ${m}` });
      bridges.push(node);
      continue;
    }
    const ov = n.overlay && s.overlays?.[n.name];
    // an overlay network has its bridge and VXLAN only on hosts with a container of it
    const absentHere = !!n.overlay && !br && !(byNetwork.get(n.name) ?? []).length;
    if (n.overlay && ov) node.overlay = overlayNodeOf(n.overlay, ov, n.bridge, !absentHere);
    if (absentHere) {
      for (const m of node.overlay?.drift ?? []) drift.push({ subject: n.bridge, message: `network ${n.name}: ${m}` });
      bridges.push(node);
      continue;
    }
    if (!br) node.drift.push(`bridge ${n.bridge} is missing from the kernel`);
    else {
      if (br.kind && br.kind !== 'bridge') node.drift.push(`${n.bridge} is a ${br.kind}, not a bridge`);
      if (!br.up) node.drift.push(`bridge ${n.bridge} is down`);
      if (n.subnet && n.gatewayMode !== 'isolated' && !br.addrs.includes(`${n.gateway}/${prefix}`)) node.drift.push(`bridge ${n.bridge} lacks the gateway address ${n.gateway}/${prefix}`);
      const want6 = n.subnet6 && `${n.gateway6}/${n.subnet6.split('/')[1]}`;
      if (want6 && n.gatewayMode6 !== 'isolated' && !(br.addrs6 ?? []).includes(want6)) node.drift.push(`bridge ${n.bridge} lacks the IPv6 gateway address ${want6}`);
    }
    // each family the network has is masqueraded, unless internal or routed (that family's gateway mode)
    if (n.subnet && !masq && !n.internal && n.gatewayMode !== 'routed') node.drift.push(`no MASQUERADE rule for ${n.subnet} (containers cannot reach the outside)`);
    if (n.subnet6 && !masq6 && !n.internal && n.gatewayMode6 !== 'routed') node.drift.push(`no MASQUERADE rule for ${n.subnet6} (containers cannot reach the outside over IPv6)`);

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
      // A port is one arrow per family it is DNATed in: a port on every address (hostIp '') in
      // each family the container has an address of, one on an address in that address's family.
      const arrowsOf = (p: PortBinding) => (p.hostIp === '' ? [...(ep.ip ? [4 as const] : []), ...(ep.ip6 ? [6 as const] : [])] : [p.hostIp.includes(':') ? (6 as const) : (4 as const)]);
      for (const p of ep.ports) {
        for (const f of arrowsOf(p)) {
          const hostIp = p.hostIp === '' ? (f === 6 ? '::' : '0.0.0.0') : hostAddrOf(p.hostIp);
          const toIp = f === 6 ? ep.ip6! : ep.ip;
          const k = dnats.findIndex((d, i) => !usedDnat.has(i) && d.hostPort === p.hostPort && d.proto === p.proto && d.hostIp === hostIp);
          const d = k >= 0 ? dnats[k] : undefined;
          if (k >= 0) usedDnat.add(k);
          const arrow: PortArrow = {
            hostIp,
            hostPort: p.hostPort,
            proto: p.proto,
            containerIp: toIp,
            containerPort: p.containerPort,
            containerId: c.id,
            containerName: c.name,
            inKernel: !!d,
            inState: true,
            packets: d?.packets,
          };
          if (!d) cn.drift.push(`no DNAT rule for ${bracket6(hostIp)}:${p.hostPort}/${p.proto}`);
          else if (d.containerIp !== toIp || d.containerPort !== p.containerPort) cn.drift.push(`DNAT for ${bracket6(hostIp)}:${p.hostPort}/${p.proto} goes to ${bracket6(d.containerIp)}:${d.containerPort}, not ${bracket6(toIp)}:${p.containerPort}`);
          cn.ports.push(arrow);
        }
      }
      node.containers.push(cn);
      for (const m of cn.drift) drift.push({ subject: c.id, message: `${c.name}: ${m}` });
    }
    for (const m of [...node.drift, ...(node.overlay?.drift ?? [])]) drift.push({ subject: n.bridge, message: `network ${n.name}: ${m}` });
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

/**
 * An overlay network's part: the cluster's hosts with their containers and whether this host's
 * kernel has the tunnel to each, and every disagreement between the store and the VXLAN's FDB
 * and neighbour entries — the very entries the watcher's sync would add or remove (peerOps).
 */
function overlayNodeOf(n: NonNullable<SnapNetwork['overlay']>, o: SnapOverlay, bridge: string, here: boolean): OverlayNode {
  const node: OverlayNode = { vni: n.vni, vxlan: n.vxlan, local: o.local, exists: !!o.device, hosts: [], drift: [], ...(o.storeError ? { storeError: o.storeError } : {}) };
  const bum = new Set(o.fdb.filter((f) => f.mac === '00:00:00:00:00:00').map((f) => f.dst));
  const ids = new Set([...o.hosts.map((h) => h.id), ...o.endpoints.map((e) => e.host)]);
  for (const id of ids) {
    const h = o.hosts.find((x) => x.id === id);
    const eps = o.endpoints.filter((e) => e.host === id);
    const vtep = h?.vtep ?? eps[0]?.vtep ?? '?';
    node.hosts.push({ id, name: h?.name ?? '(host key gone)', vtep, self: id === o.hostId, containers: eps.map((e) => ({ name: e.name, ip: e.ip, ...(e.ip6 ? { ip6: e.ip6 } : {}), mac: e.mac })), tunnel: bum.has(vtep) });
  }
  node.hosts.sort((a, b) => (a.self ? -1 : b.self ? 1 : a.vtep.localeCompare(b.vtep, 'en', { numeric: true })));
  if (!here) return node;
  const d = o.device;
  if (!d) {
    node.drift.push(`VXLAN device ${n.vxlan} is missing from the kernel`);
    return node;
  }
  if (d.vni !== n.vni) node.drift.push(`${n.vxlan} has VNI ${d.vni ?? '?'}, not ${n.vni}`);
  if (d.local !== o.local) node.drift.push(`${n.vxlan} tunnels from ${d.local ?? '?'}, not this host's ${o.local}`);
  if (d.master !== bridge) node.drift.push(`${n.vxlan} is not plugged into ${bridge}`);
  if (!d.up) node.drift.push(`${n.vxlan} is down`);
  if (o.storeError) return node;
  const want = o.endpoints.filter((e) => e.host !== o.hostId).map((e) => ({ ip: e.ip, ...(e.ip6 ? { ip6: e.ip6 } : {}), mac: e.mac, vtep: e.vtep }));
  for (const op of peerOps(n.vxlan, want, { fdb: o.fdb, neigh: o.neigh })) {
    if (op.kind !== 'ip') continue;
    const cmd = `${op.tool ?? 'ip'} ${op.args.join(' ')}`;
    const missing = op.args.includes('append') || op.args.includes('replace');
    node.drift.push(missing ? `the store has what the kernel lacks (${cmd})` : `the kernel has what the store does not (${cmd.replace(/ del /, ' ')})`);
  }
  return node;
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

/** A link's global IPv6 addresses, only when it has some (so IPv4-only links read as before). */
function addrs6Of(info: { family?: string; local?: string; prefixlen?: number }[]): { addrs6?: string[] } {
  const v6 = info.filter((a) => a.family === 'inet6' && a.local && !a.local.startsWith('fe80:')).map((a) => `${a.local}/${a.prefixlen}`);
  return v6.length ? { addrs6: v6 } : {};
}


/** Reads minidock's state: bridge networks and containers with their endpoints. */
export async function collectState(): Promise<Pick<Snapshot, 'networks' | 'containers' | 'chainPrefix' | 'owner'>> {
  const { listNetworkRecords, listEndpoints } = await import('./networks.js');
  const { allRecords, allIds, stateOf } = await import('../container/record.js');
  const { chainPrefix } = await import('./firewall/iptables.js');
  const { driverOf, gatewayModeOfNet } = await import('./drivers/index.js');
  const { rootIdIfAny } = await import('../../state/rootid.js');
  const networks: SnapNetwork[] = listNetworkRecords()
    // every network of a driver, IPv6-only ones too (no Subnet: '' in the snapshot)
    .filter((n) => driverOf(n) && ((n.Subnet && n.Gateway) || n.Subnet6))
    .map((n) => {
      const part = driverOf(n)!.diagramOf(n);
      const lower = part.lowerOf ? { kind: n.Driver, label: part.label ?? n.Driver } : undefined;
      // gateway modes through the driver's caps (only its networks have them), each family's own
      const gw = gatewayModeOfNet(n);
      const gw6 = n.Subnet6 ? gatewayModeOfNet(n, GATEWAY_MODE6_OPT) : 'nat';
      const overlay = n.Driver === 'overlay' && n.VNI ? { vni: n.VNI, vxlan: vxlanDev(n.Id) } : undefined;
      return {
        name: n.Name,
        id: n.Id,
        bridge: part.device,
        subnet: n.Subnet ?? '',
        gateway: n.Gateway ?? '',
        ...(n.Subnet6 ? { subnet6: n.Subnet6, gateway6: n.Gateway6 } : {}),
        internal: !!n.Internal,
        ...(gw !== 'nat' ? { gatewayMode: gw } : {}),
        ...(gw6 !== 'nat' ? { gatewayMode6: gw6 } : {}),
        ...(lower ? { lower } : {}),
        ...(overlay ? { overlay } : {}),
      };
    })
    .sort((a, b) => (a.name === 'bridge' ? -1 : b.name === 'bridge' ? 1 : a.name.localeCompare(b.name)));
  // A container's endpoints: eth0's and one per connected network (its eth1, eth2…), eth0's first.
  const eps = new Map<string, EndpointRecord[]>();
  for (const e of listEndpoints()) eps.set(e.containerId, [...(eps.get(e.containerId) ?? []), e]);
  for (const list of eps.values()) list.sort((a, b) => (a.ifname ?? 'eth0').localeCompare(b.ifname ?? 'eth0', 'en', { numeric: true }));
  const endpointOf = (e: EndpointRecord): SnapContainer['endpoint'] => ({
    network: e.network,
    ifname: e.ifname ?? 'eth0',
    ip: e.ip,
    prefixLen: e.prefixLen,
    ...(e.ip6 ? { ip6: e.ip6, prefixLen6: e.prefixLen6 } : {}),
    netns: e.netns,
    hostIf: e.hostIf,
    ports: e.ports,
  });
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
    networks: state.networks.filter((n) => !n.lower).map((n) => ({ name: n.name, bridge: n.bridge, subnet: n.subnet, ...(n.subnet6 ? { subnet6: n.subnet6 } : {}), internal: n.internal })),
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
  const v6 = fw.name === 'iptables'; // its IPv6 published ports are in ip6tables
  const [links, route, save, save6, nsLinks] = await Promise.all([
    ipJson(['addr']),
    run('ip', ['-j', 'route', 'show', 'default'], { allowFail: true }),
    fw.name === 'iptables' ? run('iptables-save', ['-c'], { allowFail: true }) : Promise.resolve({ code: 1, stdout: '' }),
    v6 ? run('ip6tables-save', ['-c'], { allowFail: true }) : Promise.resolve({ code: 1, stdout: '' }),
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
    ...(save6.code === 0 ? { ip6tablesSave: save6.stdout } : {}),
    ...(fw.name === 'iptables' ? {} : { firewall: await fw.view(ownContextOf(state)) }),
    ...(state.networks.some((n) => n.overlay) ? { overlays: await (await import('../cluster/diagram.js')).collectOverlays(state.networks) } : {}),
    ...state,
  };
}
