// What a network driver provides (the model is netavark's NetworkDriver). The engine's network
// code — lock, IPAM, ports, endpoint records, DNS, connect — is driver-neutral and asks the
// driver of a network (drivers/index.ts picks it) for everything that is about host objects:
//
//   prepare       network create: check -o and the flags; what the record keeps (reads only)
//   createOps     the network's host objects, as plan ops (applied, or explained by --dry-run)
//   removeOps     and their removal (network rm/prune)
//   ensure        before a container joins: the host objects are there (repaired if not)
//   link/attachOps/detachOps   one container's interface on the network
//   netIntent / portsIntent   what the network and a container's published ports need of the
//                 firewall, as intent (firewall/backend.ts); the backend in use makes the rules.
//                 Drivers never make firewall ops themselves.
//   inspectOptions / diagramOf / owned   its part of inspect, of the diagram, of prune
//   claim / release   optional: a container's address taken in, and given back to, a store
//                 shared between hosts instead of this host's IPAM (overlay: the cluster store)
//
// bridge, macvlan, ipvlan and overlay are drivers; host, none and container: are modes (index.ts).
import { type IpOp, type Op, Plan, byShim } from '../../../host/plan.js';
import type { NetIntent, PortsIntent } from '../firewall/backend.js';
import type { EndpointRecord, NetworkRecord } from '../networks.js';
import type { PortBinding } from '../types.js';

/** `network create` after the neutral checks (usernet.ts parseCreateFlags). */
export interface CreateSpec {
  name: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal: boolean;
  bridge?: string;
  options: Record<string, string>;
  labels: Record<string, string>;
  /** --ipv6: the network has IPv6; subnet6/gateway6 as given (canonical), else chosen from the pools. */
  ipv6?: boolean;
  subnet6?: string;
  gateway6?: string;
  /** --ip-range of the IPv6 family (canonical CIDR inside subnet6): automatic IPv6 addresses come from it only. */
  ipRange6?: string;
  /** --ipv4=false: IPv6 only (no subnet, gateway, IPv4 address). */
  ipv4?: false;
}

/** One container interface on a network, as the driver planned it. */
export interface ContainerLink {
  containerId: string;
  netns: string;
  /** The host end of a veth pair; '' for drivers whose interface has none (macvlan, ipvlan). */
  hostIf: string;
  /** '' on an IPv6-only network */
  ip: string;
  prefixLen: number;
  gateway: string;
  /** Its IPv6 address (canonical), prefix and gateway on a network with IPv6 ('' gateway6: routed, default dev). */
  ip6?: string;
  prefixLen6?: number;
  gateway6?: string;
  mac: string;
  /** The interface inside the container (default eth0). */
  ifname?: string;
  /** Add the default route via this network's gateway (default: unless the network is internal). */
  defaultRoute?: boolean;
  /** The IPv6 default route, when it differs from the IPv4 one (network connect); absent: as defaultRoute. */
  defaultRoute6?: boolean;
}

/** A host object a network owns: prune and the drift checks look for it by name and kind. */
export interface HostObject {
  ifname: string;
  kind: string;
  /** Made by minidock for this network (removed with it); false: the user's, never removed. */
  made: boolean;
}

/** What a driver's network looks like in the diagram, beyond what every network shows. */
export interface DiagramPart {
  /** The device containers plug into: the bridge, or the parent link. */
  device: string;
  /** One line under the device's name: "macvlan bridge on eth1.60 (VLAN 60)". */
  label?: string;
  /** The containers' interfaces are links of the device (eth0@ifN, N the device's index), not veth peers. */
  lowerOf: boolean;
}

/** What the engine's neutral code may offer on a driver's networks. */
export interface DriverCaps {
  /** -p: ports are published through the host (false: refused with `publishRefusal`). */
  publish: boolean;
  /** The network's containers get the embedded DNS (user networks; never the default bridge). */
  embeddedDns: boolean;
  /** The container interface has a host end (a veth peer the host deletes or waits for). */
  hostEnd: boolean;
  /** Its networks have firewall rules of their own (netIntent): the engine settles the backend before making them. */
  firewall: boolean;
  /** Docker 28's gateway modes (-o com.docker.network.bridge.gateway_mode_ipv4) apply to its networks. */
  gatewayModes: boolean;
}

export interface NetworkDriver {
  readonly name: string;
  readonly caps: DriverCaps;
  /** Why -p is refused on this driver (one line), when caps.publish is false. */
  readonly publishRefusal?: string;
  /** network create: the driver's own checks of the flags and -o options. Pure (no host look-up). */
  check(spec: CreateSpec): void;
  /**
   * network create: the -o options and the spec (subnet and gateway chosen) checked against
   * the host and the other networks; returns the fields the record keeps. Reads the host,
   * changes nothing there (an address it reserves in the network's pool goes if create fails).
   */
  prepare(spec: CreateSpec & { autoSubnet?: boolean; autoSubnet6?: boolean }, id: string, nets: NetworkRecord[]): Promise<Partial<NetworkRecord>>;
  /** The `# network NAME: …` line --explain prints before the create plan. */
  describe(rec: NetworkRecord): string;
  /** The network's host objects (with undo, so a failure rolls back). */
  createOps(rec: NetworkRecord): Promise<Op[]>;
  /** After the create plan applied and the record is written. */
  created?(rec: NetworkRecord): void;
  /** Their removal; `others` are the remaining networks (a shared parent stays). */
  removeOps(rec: NetworkRecord, others: NetworkRecord[]): Promise<Op[]>;
  /**
   * Before a container joins (under the network lock): its host objects are there, repaired
   * if not. May return a check to await once the container is wired (outside the lock).
   */
  ensure(rec: NetworkRecord, explain?: (line: string) => void): Promise<(() => Promise<void>) | undefined>;
  /** `ip` is '' on an IPv6-only network; `ip6` the container's IPv6 address on a network with IPv6. */
  link(rec: NetworkRecord, containerId: string, netns: string, ip: string, ifname?: string, ip6?: string): ContainerLink;
  /** The ops that give a container's netns its interface on this network. Pure. */
  attachOps(rec: NetworkRecord, l: ContainerLink): Op[];
  /** The ops that take it away again from a running container (network disconnect). Pure. */
  detachOps(rec: NetworkRecord, ep: EndpointRecord, containerName: string): Op[];
  /** What the network needs of the firewall (drivers with caps.firewall; others: undefined). */
  netIntent(rec: NetworkRecord): NetIntent | undefined;
  /** What a container's published ports need of the firewall (drivers with caps.publish; others: undefined). */
  portsIntent(rec: NetworkRecord, containerId: string, containerName: string, ip: string, ports: PortBinding[], ip6?: string): PortsIntent | undefined;
  /** The driver's part of `network inspect` Options (beyond the -o given). */
  inspectOptions(rec: NetworkRecord): Record<string, string>;
  diagramOf(rec: NetworkRecord): DiagramPart;
  /** The host objects the network owns (for prune and drift checks). */
  owned(rec: NetworkRecord): HostObject[];
  /**
   * Drivers whose addresses are shared between hosts (overlay): take a container's address(es)
   * (IPv4 '' on an IPv6-only network; IPv6 on a network with IPv6) in the cluster store instead
   * of this host's IPAM (under the network lock).
   */
  claim?(rec: NetworkRecord, c: { id: string; name: string; aliases?: string[] }, want?: string, want6?: string, explain?: (line: string) => void): Promise<{ ip: string; ip6?: string }>;
  /** And give them back (teardown, a failed start); tolerant: a store that is away is said, not thrown. */
  release?(rec: NetworkRecord, containerId: string, ip: string, ip6?: string): Promise<void>;
}

/**
 * A container's first network: its netns (made by minidock-shim), loopback, and the driver's
 * attach ops. The steps inside the netns that minidock-shim can do (shimInsideOf) are marked
 * as the shim's; any other inside step stays the plan's, applied by `ip -n` (so --explain
 * still says exactly what happens). Pure.
 */
export function containerOpsOf(netns: string, attach: Op[]): Op[] {
  const plan = new Plan();
  const delNs: IpOp = { kind: 'ip', args: ['netns', 'del', netns], why: `remove the container's network namespace` };
  plan.ip(['netns', 'add', netns], `create the container's network namespace: its own interfaces, routes and firewall`, [delNs]);
  const host = attach.filter((o) => !(o.kind === 'ip' && o.netns));
  const inside = attach.filter((o) => o.kind === 'ip' && o.netns);
  plan.add(...host);
  plan.ipIn(netns, ['link', 'set', 'lo', 'up'], `bring up loopback inside the container`);
  plan.add(...inside);
  const shimCan = shimCanDo(inside);
  return plan.ops.map((op) => (op.kind === 'ip' && (op.args[0] === 'netns' || op.args.join(' ') === 'link set lo up' || (shimCan && op.netns)) ? byShim(op) : op));
}

function shimCanDo(inside: Op[]): boolean {
  try {
    shimInsideOf(inside.map(byShim));
    return true;
  } catch {
    return false;
  }
}

/**
 * What minidock-shim sets up inside a netns it creates, from the shim's ops of a plan: the
 * "go" line `IF A.B.C.D/N|- GATEWAY|-[ ADDR6/N GATEWAY6|dev|-]` ('' = only loopback, which the
 * shim always brings up; the IPv6 pair only on a network with IPv6, so an IPv4 line is what it
 * always was). Throws on an op the shim cannot do, so the explained plan never says more than
 * happens.
 */
export function shimInsideOf(ops: Op[]): string {
  let dev = '';
  let cidr = '-';
  let gw = '-';
  let cidr6 = '';
  let gw6 = '-';
  let up = false;
  for (const op of ops) {
    if (op.kind !== 'ip' || op.by !== 'shim') continue;
    const a = op.args.join(' ');
    let m: RegExpExecArray | null;
    if (a.startsWith('netns add ') || a === 'link set lo up') continue;
    if ((m = /^addr add (\S+) dev (\S+)$/.exec(a))) [cidr, dev] = [m[1], m[2]];
    else if ((m = /^-6 addr add (\S+) dev (\S+) nodad$/.exec(a))) [cidr6, dev] = [m[1], m[2]];
    else if ((m = /^link set (\S+) up$/.exec(a)) && m[1] === dev) up = true;
    else if ((m = /^route add default via (\S+)$/.exec(a))) gw = m[1];
    else if ((m = /^-6 route add default via (\S+)$/.exec(a))) gw6 = m[1];
    else if ((m = /^-6 route add default dev (\S+)$/.exec(a)) && m[1] === dev) gw6 = 'dev';
    else throw new Error(`minidock-shim cannot do: ip ${a}`);
  }
  if (!dev) return '';
  if (!up) throw new Error(`minidock-shim brings ${dev} up with its address`);
  return cidr6 ? `${dev} ${cidr} ${gw} ${cidr6} ${gw6}` : `${dev} ${cidr} ${gw}`;
}

/** The inside half every driver's interface needs: its address(es), up, and (when asked) the default route(s). Pure. */
export function insideOps(l: ContainerLink, subnet: string | undefined, route: { via: string; why: string } | { dev: true; why: string } | undefined, subnet6?: string): Op[] {
  const plan = new Plan();
  const dev = l.ifname ?? 'eth0';
  if (l.ip) plan.ipIn(l.netns, ['addr', 'add', `${l.ip}/${l.prefixLen}`, 'dev', dev], `give the container its address ${l.ip} on the network ${subnet}`);
  if (l.ip6) {
    // nodad: no duplicate address detection (IPAM hands each address out once): usable at once, not a second later
    plan.ipIn(l.netns, ['-6', 'addr', 'add', `${l.ip6}/${l.prefixLen6}`, 'dev', dev, 'nodad'], `give the container its IPv6 address ${l.ip6} on the network ${subnet6}, without duplicate address detection so it works at once`);
  }
  plan.ipIn(l.netns, ['link', 'set', dev, 'up'], `bring the container's ${dev} up`);
  if (route && l.ip) {
    if ('via' in route) plan.ipIn(l.netns, ['route', 'add', 'default', 'via', route.via], route.why);
    else plan.ipIn(l.netns, ['route', 'add', 'default', 'dev', dev], route.why);
  }
  if (l.ip6 && (l.defaultRoute6 ?? !!route)) {
    if (l.gateway6) plan.ipIn(l.netns, ['-6', 'route', 'add', 'default', 'via', l.gateway6], `IPv6 default route via the gateway ${l.gateway6}`);
    else plan.ipIn(l.netns, ['-6', 'route', 'add', 'default', 'dev', dev], `IPv6 default route straight out of ${dev} (no gateway)`);
  }
  return plan.ops;
}
