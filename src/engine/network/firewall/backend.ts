// The firewall backend interface (netavark's FirewallDriver): what a bridge network and a
// published port need is described once, here, as neutral intent; each backend (iptables.ts,
// nftables.ts) turns that intent into plan ops, checks its base, lists what it owns with counters
// and finds leftovers. firewall/index.ts picks the backend. Pure types and intent; no I/O.
import type { Op } from '../../../host/plan.js';
import type { PortBinding, Proto } from '../types.js';
import type { OwnedRule } from '../rules.js';

export const FIREWALL_BACKENDS = ['iptables', 'nftables'] as const;
export type FirewallName = (typeof FIREWALL_BACKENDS)[number];

/** A bridge network as the firewall sees it (the input of networkIntent). */
export interface NetIntent {
  name: string;
  bridge: string;
  subnet: string; // CIDR
  gateway: string;
  /** --internal: no masquerade, nothing forwarded in or out of the bridge. */
  internal?: boolean;
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
 */
export type NetRule =
  | { kind: 'no-direct-access'; subnet: string; bridge: string }
  | { kind: 'masquerade'; subnet: string; bridge: string }
  | { kind: 'forward'; bridge: string }
  | { kind: 'isolate'; bridge: string }
  | { kind: 'internal'; bridge: string };

/**
 * What a published port needs:
 *   dnat           host ip:port/proto (hostIp '' = every address of the host) → container ip:port
 *   loopback-only  a port published on 127.x is dropped when it arrives from anywhere but lo
 */
export type PortRule =
  | { kind: 'dnat'; hostIp: string; hostPort: number; proto: Proto; toIp: string; toPort: number }
  | { kind: 'loopback-only'; hostIp: string; hostPort: number; proto: Proto };

/** The intent of a network. Pure. */
export function networkIntent(n: NetIntent): NetRule[] {
  const direct: NetRule = { kind: 'no-direct-access', subnet: n.subnet, bridge: n.bridge };
  if (n.internal) return [direct, { kind: 'internal', bridge: n.bridge }];
  return [direct, { kind: 'masquerade', subnet: n.subnet, bridge: n.bridge }, { kind: 'forward', bridge: n.bridge }, { kind: 'isolate', bridge: n.bridge }];
}

/** The intent of a container's published ports. Pure. */
export function portIntent(p: PortsIntent): PortRule[] {
  const out: PortRule[] = [];
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
