// The firewall backend interface (netavark's FirewallDriver): what a bridge network and a
// published port need is described once, here, as neutral intent; each backend (iptables.ts,
// nftables.ts) turns that intent into plan ops, checks its base, lists what it owns with counters
// and finds leftovers. firewall/index.ts picks the backend. Pure types and intent; no I/O.
import type { Op } from '../../../host/plan.js';
import type { PortBinding, Proto } from '../types.js';
import type { OwnedRule } from '../rules.js';

export const FIREWALL_BACKENDS = ['iptables', 'nftables'] as const;
export type FirewallName = (typeof FIREWALL_BACKENDS)[number];

/**
 * Docker 28's `-o com.docker.network.bridge.gateway_mode_ipv4` of a bridge network:
 *   nat              (default) masquerade out; from outside only published host ports
 *   nat-unprotected  masquerade out; every container port reachable by direct routing too
 *   routed           no NAT at all: containers keep their address going out; from outside only
 *                    published container ports, at the container's address (host port unused)
 *   isolated         --internal only: no address on the bridge (the host is not on the network)
 */
export const GATEWAY_MODES = ['nat', 'nat-unprotected', 'routed', 'isolated'] as const;
export type GatewayMode = (typeof GATEWAY_MODES)[number];
export const GATEWAY_MODE_OPT = 'com.docker.network.bridge.gateway_mode_ipv4';

export const GATEWAY_MODE6_OPT = 'com.docker.network.bridge.gateway_mode_ipv6';

/** The address family of a rule: 4 (iptables, `ip minidock`) or 6 (ip6tables, `ip6 minidock`). */
export type Family = 4 | 6;

/** A bridge network as the firewall sees it (the input of networkIntent). */
export interface NetIntent {
  name: string;
  bridge: string;
  /** CIDR; '' on an IPv6-only network (`--ipv4=false`): then it has no IPv4 rules at all. */
  subnet: string;
  gateway: string;
  /** --internal: no masquerade, nothing forwarded in or out of the bridge (both families). */
  internal?: boolean;
  /** The gateway mode when not the default nat. */
  gatewayMode?: Exclude<GatewayMode, 'nat'>;
  /** `--ipv6`: the network's IPv6 subnet (canonical CIDR) and gateway; its v6 rules follow from them. */
  subnet6?: string;
  gateway6?: string;
  /** -o com.docker.network.bridge.gateway_mode_ipv6, when not the default nat. */
  gatewayMode6?: Exclude<GatewayMode, 'nat'>;
  /** The state root whose network this is (rootid.ts): its rules carry it. */
  root?: string;
}

/** One container's published ports on one network (the input of portIntent). Kept in its endpoint record. */
export interface PortsIntent {
  containerId: string;
  name: string;
  /** The container's address on the network ('' on an IPv6-only network). */
  ip: string;
  /** Its IPv6 address, when the network has IPv6: ports on every address (hostIp '') are DNATed to it too. */
  ip6?: string;
  ports: PortBinding[];
  /** A routed network's bridge: its ports are reached directly at ip:containerPort (no DNAT). */
  routed?: string;
  /** The same for IPv6 (gateway_mode_ipv6=routed): reached directly at ip6:containerPort. */
  routed6?: string;
  /** The state root that made them (their rules carry it). */
  root?: string;
}

/**
 * What a network needs, in the order the rules are evaluated-independent but listed (the
 * iptables backend renders them in this order, which is today's):
 *   no-direct-access  hosts outside cannot reach container addresses, only published ports
 *   masquerade        containers going out take the host's address; host → container and
 *                     hairpin connections come from the gateway so replies come back
 *   forward           replies, published ports and the containers' own traffic pass FORWARD
 *   isolate           no direct traffic from another minidock network (published ports excepted)
 *   internal          nothing in or out of the bridge; its containers reach each other
 *   unprotected       (nat-unprotected) anything from outside may be routed into the bridge
 *   routed-only       (routed) from outside, only replies and published container ports (routed-port)
 * Per gateway mode: nat-unprotected has no no-direct-access (and adds unprotected); routed has
 * neither no-direct-access (a raw drop, before conntrack, would drop the replies to its
 * unmasqueraded traffic) nor masquerade, and routed-only in FORWARD instead.
 */
export type NetRule = (
  | { kind: 'no-direct-access'; subnet: string; bridge: string }
  | { kind: 'masquerade'; subnet: string; bridge: string }
  | { kind: 'forward'; bridge: string }
  | { kind: 'isolate'; bridge: string }
  | { kind: 'internal'; bridge: string }
  | { kind: 'unprotected'; bridge: string }
  | { kind: 'routed-only'; bridge: string }
) & {
  /** 6: an IPv6 rule (ip6tables / `ip6 minidock`); absent: IPv4. */
  family?: 6;
};

/**
 * What a published port needs (the family is that of toIp / hostIp):
 *   dnat           host ip:port/proto (hostIp '' = every address of the host) → container ip:port
 *   loopback-only  a port published on 127.x is dropped when it arrives from anywhere but lo
 */
export type PortRule =
  | { kind: 'dnat'; hostIp: string; hostPort: number; proto: Proto; toIp: string; toPort: number }
  | { kind: 'loopback-only'; hostIp: string; hostPort: number; proto: Proto }
  /** routed network: direct traffic to container ip:port/proto passes (the host address and port are not used) */
  | { kind: 'routed-port'; bridge: string; proto: Proto; toIp: string; toPort: number };

/** Whether an address (or CIDR) is IPv6: the backends pick a rule's family from it. */
export const isV6 = (addr: string): boolean => addr.includes(':');
export const familyOf = (addr: string): Family => (isV6(addr) ? 6 : 4);

/** The families a network has rules in: 4 unless IPv6-only, 6 with --ipv6. */
export function familiesOf(n: NetIntent): Family[] {
  return [...(n.subnet ? [4 as const] : []), ...(n.subnet6 ? [6 as const] : [])];
}

/**
 * The network as one family sees it: for 6, its v6 subnet, gateway and gateway mode in the
 * places of the v4 ones (so each backend renders both families with the same code).
 */
export function netOfFamily(n: NetIntent, f: Family): NetIntent {
  if (f === 4) return n;
  const { gatewayMode6, ...rest } = n;
  return { ...rest, subnet: n.subnet6 ?? '', gateway: n.gateway6 ?? '', gatewayMode: gatewayMode6 };
}

/** The intent of a network: its IPv4 rules (unless IPv6-only), then its IPv6 rules (with --ipv6). Pure. */
export function networkIntent(n: NetIntent): NetRule[] {
  const v4 = n.subnet ? familyIntent(n) : [];
  const v6 = n.subnet6 ? familyIntent(netOfFamily(n, 6)).map((r): NetRule => ({ ...r, family: 6 })) : [];
  return [...v4, ...v6];
}

/** The rules of one family, from the network as that family sees it (netOfFamily). */
function familyIntent(n: NetIntent): NetRule[] {
  const direct: NetRule = { kind: 'no-direct-access', subnet: n.subnet, bridge: n.bridge };
  if (n.internal) return [direct, { kind: 'internal', bridge: n.bridge }];
  const masq: NetRule = { kind: 'masquerade', subnet: n.subnet, bridge: n.bridge };
  const rest: NetRule[] = [{ kind: 'forward', bridge: n.bridge }, { kind: 'isolate', bridge: n.bridge }];
  if (n.gatewayMode === 'routed') return [...rest, { kind: 'routed-only', bridge: n.bridge }];
  if (n.gatewayMode === 'nat-unprotected') return [masq, ...rest, { kind: 'unprotected', bridge: n.bridge }];
  return [direct, masq, ...rest];
}

/**
 * The intent of a container's published ports, IPv4 then IPv6. A port on every address (hostIp
 * '') is DNATed in each family the container has an address in; a port on one host address only
 * in that address's family (one the container has no address of gets nothing: the engine
 * refuses that before, checkPortFamilies in ports.ts). The family of each rule is its address's. Pure.
 */
export function portIntent(p: PortsIntent): PortRule[] {
  const fams: [Family, string | undefined, string | undefined][] = [[4, p.ip, p.routed], [6, p.ip6, p.routed6]];
  return fams.flatMap(([f, ip, routed]) => (ip ? familyPorts(p.ports.filter((b) => b.hostIp === '' || familyOf(b.hostIp) === f), ip, routed) : []));
}

function familyPorts(ports: PortBinding[], ip: string, routed: string | undefined): PortRule[] {
  const out: PortRule[] = [];
  if (routed) {
    // one exception per container port/proto, whatever host ports it was published on
    const seen = new Set<string>();
    for (const b of ports) {
      if (seen.has(`${b.containerPort}/${b.proto}`)) continue;
      seen.add(`${b.containerPort}/${b.proto}`);
      out.push({ kind: 'routed-port', bridge: routed, proto: b.proto, toIp: ip, toPort: b.containerPort });
    }
    return out;
  }
  for (const b of ports) {
    out.push({ kind: 'dnat', hostIp: b.hostIp, hostPort: b.hostPort, proto: b.proto, toIp: ip, toPort: b.containerPort });
    if (b.hostIp.startsWith('127.')) out.push({ kind: 'loopback-only', hostIp: b.hostIp, hostPort: b.hostPort, proto: b.proto });
  }
  return out;
}

/** What an endpoint record keeps so that any later minidock, whatever backend it runs, can undo it. */
export interface FirewallRecord {
  backend: FirewallName;
  ports: PortsIntent;
}

/**
 * One rule (or map/set element) a backend owns, with its counters, for `network rules`: the
 * fields of rules.ts's OwnedRule (for nftables: table `ip minidock`, chain or `map NAME`, no
 * args) and the command a person would type for it.
 */
export interface ListedRule extends OwnedRule {
  command: string;
}

/** A published port as the kernel has it (for the diagram). */
export interface KernelPort {
  hostIp: string; // '0.0.0.0' for all
  hostPort: number;
  proto: Proto;
  containerIp: string;
  containerPort: number;
  packets?: number;
  /** The container the rule says it is for (12 hex) and its name. */
  id12?: string;
  tagName?: string;
}

/** What the diagram needs of the firewall. */
export interface FirewallView {
  backend: FirewallName;
  ports: KernelPort[];
  /** Networks whose outbound masquerade is in place (by bridge), with its packet counter. */
  masquerade: { bridge: string; subnet: string; packets?: number }[];
}

/** What a root knows of its own, for `network rules`, the diagram and prune. */
export interface OwnContext {
  root?: string;
  /** Ids of this root's containers (64 hex). */
  ids: string[];
  /** Ids of the containers that are wired now (their rules must stay). */
  wiredIds?: string[];
  networks: { name: string; bridge: string; subnet: string; subnet6?: string; internal?: boolean }[];
  /** Container id → name, network (for words). */
  containers: { id: string; name: string; network?: string }[];
}

/** A leftover and the op that removes it. */
export interface Orphan {
  op: Op;
  why: string;
}

export interface FirewallBackend {
  readonly name: FirewallName;
  /** What is missing of the base and of this network's rules (reads the kernel); no undo: they outlive containers. */
  ensureOps(n: NetIntent): Promise<Op[]>;
  /** `network create`: the missing base (no undo) and the network's rules (undone if the create fails). */
  createOps(n: NetIntent): Promise<Op[]>;
  /** Removing a network's rules: those that are there (reads the kernel). */
  removeOps(n: NetIntent): Promise<Op[]>;
  /** Whether the base and this network's rules are all in place. Cheap: run on every container start. */
  intact(n: NetIntent): Promise<boolean>;
  /** A container's published ports, with their undo. Pure. */
  portOps(p: PortsIntent): Op[];
  /** Removing what portOps made. Pure. */
  portUndoOps(p: PortsIntent): Op[];
  /** Everything it owns of this root, with counters (for `network rules`). */
  listRules(own: OwnContext): Promise<ListedRule[]>;
  /** The ports and masquerades in the kernel (for the diagram). */
  view(own: OwnContext): Promise<FirewallView>;
  /** This root's rules that nothing owns any more (prune, drift). */
  orphans(own: OwnContext): Promise<Orphan[]>;
  /** The network of another state root whose rules name this bridge, if any. */
  bridgeOwner(dev: string): Promise<{ net: string; root: string } | undefined>;
}
