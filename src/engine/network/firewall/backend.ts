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

/** A bridge network as the firewall sees it (the input of networkIntent). */
export interface NetIntent {
  name: string;
  bridge: string;
  subnet: string; // CIDR
  gateway: string;
  /** --internal: no masquerade, nothing forwarded in or out of the bridge. */
  internal?: boolean;
  /** The gateway mode when not the default nat. */
  gatewayMode?: Exclude<GatewayMode, 'nat'>;
  /** The state root whose network this is (rootid.ts): its rules carry it. */
  root?: string;
}

/** One container's published ports on one network (the input of portIntent). Kept in its endpoint record. */
export interface PortsIntent {
  containerId: string;
  name: string;
  /** The container's address on the network. */
  ip: string;
  ports: PortBinding[];
  /** A routed network's bridge: its ports are reached directly at ip:containerPort (no DNAT). */
  routed?: string;
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
export type NetRule =
  | { kind: 'no-direct-access'; subnet: string; bridge: string }
  | { kind: 'masquerade'; subnet: string; bridge: string }
  | { kind: 'forward'; bridge: string }
  | { kind: 'isolate'; bridge: string }
  | { kind: 'internal'; bridge: string }
  | { kind: 'unprotected'; bridge: string }
  | { kind: 'routed-only'; bridge: string };

/**
 * What a published port needs:
 *   dnat           host ip:port/proto (hostIp '' = every address of the host) → container ip:port
 *   loopback-only  a port published on 127.x is dropped when it arrives from anywhere but lo
 */
export type PortRule =
  | { kind: 'dnat'; hostIp: string; hostPort: number; proto: Proto; toIp: string; toPort: number }
  | { kind: 'loopback-only'; hostIp: string; hostPort: number; proto: Proto }
  /** routed network: direct traffic to container ip:port/proto passes (the host address and port are not used) */
  | { kind: 'routed-port'; bridge: string; proto: Proto; toIp: string; toPort: number };

/** The intent of a network. Pure. */
export function networkIntent(n: NetIntent): NetRule[] {
  const direct: NetRule = { kind: 'no-direct-access', subnet: n.subnet, bridge: n.bridge };
  if (n.internal) return [direct, { kind: 'internal', bridge: n.bridge }];
  const masq: NetRule = { kind: 'masquerade', subnet: n.subnet, bridge: n.bridge };
  const rest: NetRule[] = [{ kind: 'forward', bridge: n.bridge }, { kind: 'isolate', bridge: n.bridge }];
  if (n.gatewayMode === 'routed') return [...rest, { kind: 'routed-only', bridge: n.bridge }];
  if (n.gatewayMode === 'nat-unprotected') return [masq, ...rest, { kind: 'unprotected', bridge: n.bridge }];
  return [direct, masq, ...rest];
}

/** The intent of a container's published ports. Pure. */
export function portIntent(p: PortsIntent): PortRule[] {
  const out: PortRule[] = [];
  if (p.routed) {
    // one exception per container port/proto, whatever host ports it was published on
    const seen = new Set<string>();
    for (const b of p.ports) {
      if (seen.has(`${b.containerPort}/${b.proto}`)) continue;
      seen.add(`${b.containerPort}/${b.proto}`);
      out.push({ kind: 'routed-port', bridge: p.routed, proto: b.proto, toIp: p.ip, toPort: b.containerPort });
    }
    return out;
  }
  for (const b of p.ports) {
    out.push({ kind: 'dnat', hostIp: b.hostIp, hostPort: b.hostPort, proto: b.proto, toIp: p.ip, toPort: b.containerPort });
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
  networks: { name: string; bridge: string; subnet: string; internal?: boolean }[];
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
