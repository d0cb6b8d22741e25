// The bridge driver: a Linux bridge per network with the gateway address on it, and per
// container a named netns and a veth pair whose host end is a port of the bridge — exactly what
// the tutorials in ../shared/seeds build by hand, as plan operations.
import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import { readText } from '../../../state/atomic.js';
import { run } from '../../../host/exec.js';
import { type Op, type IpOp, Plan, applyPlan, byShim } from '../../../host/plan.js';
import { UserError } from '../../../errors.js';
import { rootId } from '../../../state/rootid.js';
import { withLock } from '../../../state/lock.js';
import { formatIp, macForIp, parseCidr, parseIp } from '../cidr.js';
import { macForIp6, parseCidr6, parseIp6 } from '../cidr6.js';
import { ipv6ForwardingOn, ipv6ForwardingOps } from '../forward6.js';
import { DEFAULT_NETWORK, type NetworkRecord, bridgeAddress, bridgeName } from '../networks.js';
import { type NetIntent as BridgeNet, GATEWAY_MODES, GATEWAY_MODE_OPT, GATEWAY_MODE6_OPT, type GatewayMode } from '../firewall/backend.js';
import { firewall, firewallKnownGood, forgetFirewall, markFirewallGood } from '../firewall/index.js';
import { type ContainerLink, type NetworkDriver, containerOpsOf, insideOps, shimInsideOf } from './driver.js';

export type { ContainerLink };
export { shimInsideOf };

/** Host end of a container's veth pair: `md` + 12 hex of the id (14 chars ≤ IFNAMSIZ-1). */
export function hostIfName(containerId: string): string {
  return `md${containerId.slice(0, 12)}`;
}

/**
 * Host end of a container's extra interface (eth1, eth2… from `network connect`):
 * `md` + 10 hex + `x` + the interface number (≤ 15 chars; the `x` keeps it apart from eth0's).
 */
export function hostIfNameFor(containerId: string, ifname: string): string {
  if (ifname === 'eth0') return hostIfName(containerId);
  return `md${containerId.slice(0, 10)}x${ifname.replace(/^eth/, '')}`;
}

export function readSysctl(key: string): string | undefined {
  return readText('/proc/sys/' + key.split('.').join('/'))?.trim();
}

export interface BridgeProbe {
  exists: boolean;
  up: boolean;
  addrs: string[];
  /** global IPv6 addresses on the bridge */
  addrs6?: string[];
  ipForward?: string;
  routeLocalnet?: string;
  /** IPv6 networks: the bridge's disable_ipv6 (a new one's: `default`'s) */
  disableIpv6?: string;
}

export async function probeBridge(n: BridgeNet): Promise<BridgeProbe> {
  const a = await bridgeAddress(n.bridge);
  return {
    ...a,
    ipForward: readSysctl('net.ipv4.ip_forward'),
    routeLocalnet: a.exists ? readSysctl(`net.ipv4.conf.${n.bridge}.route_localnet`) : undefined,
    ...(n.subnet6 ? { disableIpv6: readSysctl(`net.ipv6.conf.${a.exists ? n.bridge : 'default'}.disable_ipv6`) } : {}),
  };
}

/** What has to change so the bridge is there, addressed, up, and the sysctls set. Pure. */
export function bridgeOps(n: BridgeNet, p: BridgeProbe): Op[] {
  const plan = new Plan();
  const v4 = n.subnet !== '';
  const want = v4 ? `${n.gateway}/${parseCidr(n.subnet)!.prefix}` : '';
  if (!p.exists) {
    plan.ip(['link', 'add', n.bridge, 'type', 'bridge'], `create the bridge ${n.bridge}: the virtual switch containers on network "${n.name}" plug into`, [
      { kind: 'ip', args: ['link', 'del', n.bridge], why: `remove the bridge ${n.bridge}` },
    ]);
  }
  // gateway mode isolated: the host has no address on the network
  if (v4 && n.gatewayMode !== 'isolated' && !p.addrs.includes(want)) {
    plan.ip(['addr', 'add', want, 'dev', n.bridge], `give the bridge the gateway address ${n.gateway}: containers send all traffic for other networks here`);
  }
  if (n.subnet6) {
    if (p.disableIpv6 === '1') plan.sysctl(`net.ipv6.conf.${n.bridge}.disable_ipv6`, '0', `allow IPv6 on ${n.bridge} (IPv6 is disabled on new interfaces here)`);
    const want6 = `${n.gateway6}/${parseCidr6(n.subnet6)!.prefix}`;
    if (n.gatewayMode6 !== 'isolated' && !(p.addrs6 ?? []).includes(want6)) {
      plan.ip(['-6', 'addr', 'add', want6, 'dev', n.bridge, 'nodad'], `give the bridge the IPv6 gateway address ${n.gateway6}, without duplicate address detection (usable at once; it is the network's own)`);
    }
  }
  if (!p.up || !p.exists) plan.ip(['link', 'set', n.bridge, 'up'], `bring the bridge up`);
  if (v4 && (!p.exists || p.routeLocalnet !== '1')) {
    plan.sysctl(`net.ipv4.conf.${n.bridge}.route_localnet`, '1', `allow 127.0.0.1 as a source on ${n.bridge}, so a published port answers on localhost after DNAT (no userland proxy)`);
  }
  if (v4 && p.ipForward !== '1') plan.sysctl('net.ipv4.ip_forward', '1', `turn on IPv4 forwarding: the host routes between containers and the outside`);
  // an internal network is never routed: it needs no forwarding
  if (n.subnet6 && !n.internal) plan.add(...ipv6ForwardingOps());
  return plan.ops;
}

/** /proc/net/if_inet6's form of an address: 32 hex digits. */
function procInet6Hex(ip: bigint): string {
  return ip.toString(16).padStart(32, '0');
}

/** The bridge has its IPv6 gateway address, not tentative, and forwarding is on when needed (/proc only). */
function bridgeV6Ready(n: BridgeNet): boolean {
  if (n.gatewayMode6 === 'isolated') return false;
  const gw = parseIp6(n.gateway6 ?? '');
  const c = parseCidr6(n.subnet6 ?? '');
  if (gw === undefined || !c) return false;
  const hex = procInet6Hex(gw);
  const plen = c.prefix.toString(16).padStart(2, '0');
  const has = (readText('/proc/net/if_inet6') ?? '').split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    // address, ifindex, prefix length, scope, flags (0x40 = tentative), name
    return f[0] === hex && f[2] === plen && f[5] === n.bridge && (parseInt(f[4], 16) & 0x40) === 0;
  });
  return has && (n.internal || ipv6ForwardingOn());
}

/** An IPv4 address as /proc/net/route prints it: the in-memory (network order) u32 in hex. */
function procRouteHex(ip: number): string {
  const v = endianness() === 'LE' ? (((ip & 0xff) << 24) | ((ip >>> 8) & 0xff) << 16 | ((ip >>> 16) & 0xff) << 8 | (ip >>> 24)) >>> 0 : ip >>> 0;
  return v.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * Whether the bridge is complete as /proc shows it, without running a process (a start is on
 * the clock): its subnet routed on it (the kernel's prefix route, there only while an address of
 * that prefix is on the bridge and the bridge is up), the gateway a local address, and the
 * sysctls set. When not, the caller probes with `ip` and repairs (ensureBridgeNetwork).
 * (/proc/net and /proc/sys/net are the reader's netns; /sys would be the mounter's.)
 */
export function bridgeLooksReady(n: BridgeNet): boolean {
  // isolated: no address, hence no route to look for; probed with `ip` each time instead
  if (n.gatewayMode === 'isolated') return false;
  if (!/^[\w.-]{1,15}$/.test(n.bridge)) return false;
  // IPv6: only networks with it read /proc/net/if_inet6
  if (n.subnet6 && !bridgeV6Ready(n)) return false;
  if (n.subnet === '') return linkExists(n.bridge);
  const c = parseCidr(n.subnet);
  if (!c) return false;
  const dest = procRouteHex(c.base);
  const mask = procRouteHex(c.prefix ? (~0 << (32 - c.prefix)) >>> 0 : 0);
  const routed = (readText('/proc/net/route') ?? '')
    .split('\n')
    .some((l) => {
      const f = l.split('\t');
      return f[0] === n.bridge && f[1] === dest && f[7] === mask;
    });
  if (!routed) return false;
  const local = new RegExp(`\\|-- ${n.gateway.replace(/\./g, '\\.')}\\n\\s+/32 host LOCAL`).test(readText('/proc/net/fib_trie') ?? '');
  return local && readSysctl('net.ipv4.ip_forward') === '1' && readSysctl(`net.ipv4.conf.${n.bridge}.route_localnet`) === '1';
}

/**
 * Makes sure the bridge and the firewall base are in place (repairing what was deleted behind
 * minidock's back). Call with the `network` lock held. Not rolled back by a container's failure:
 * like docker0, the bridge outlives its containers.
 */
export async function ensureBridgeNetwork(n: BridgeNet, explain?: (line: string) => void): Promise<void> {
  // The bridge probe (`ip addr`) and the firewall check (iptables: `iptables-restore` with -C
  // lines; nftables: `nft list` of the network's chains) only read, and do not depend on each
  // other: both commands run at once. (When the bridge needs repairing, the check's answer is
  // not used: the firewall is then read and completed anyway.)
  const known = firewallKnownGood(n);
  const fw = await firewall();
  const [probe, intact] = await Promise.all([probeBridge(n), known ? fw.intact(n) : false]);
  const ops = bridgeOps(n, probe);
  const repaired = ops.length > 0;
  // Only the base (hooks and this network's rules) is checked and repaired here. Other
  // containers' port rules are not: one being set up or torn down right now would get a rule
  // back that its own plan then adds twice or just removed. A container whose DNAT rule was
  // flushed by another tool gets it back with `minidock restart`.
  if (repaired || !known || !intact) ops.push(...(await fw.ensureOps(n)));
  if (ops.length === 0) return;
  await applyPlan(ops, { explain });
  markFirewallGood(n);
}

/** Puts back what is missing of the firewall base (hooks, this network's rules). Under the lock. */
export async function repairFirewall(n: BridgeNet, explain?: (line: string) => void): Promise<void> {
  const ops = await (await firewall()).ensureOps(n);
  if (ops.length) await applyPlan(ops, { explain });
  markFirewallGood(n);
}

export function containerLinkOf(n: BridgeNet, containerId: string, netns: string, ip: string, ifname = 'eth0', ip6?: string): ContainerLink {
  return {
    containerId,
    netns,
    hostIf: hostIfNameFor(containerId, ifname),
    ip,
    prefixLen: ip ? parseCidr(n.subnet)!.prefix : 0,
    gateway: ip ? n.gateway : '',
    ...(ip6 && n.subnet6 ? { ip6, prefixLen6: parseCidr6(n.subnet6)!.prefix, gateway6: n.gatewayMode6 === 'isolated' ? '' : n.gateway6! } : {}),
    // IPv6 only: 02:42 + the last four bytes of the IPv6 address
    mac: ip ? macForIp(parseIp(ip)!) : macForIp6(parseIp6(ip6!)!),
    ifname,
    defaultRoute: !n.internal,
  };
}

/**
 * The per-container ops, in the order a person would type them. The netns and everything
 * inside it are minidock-shim's (`by: 'shim'`, see shimInsideOf); the host end is the plan's. Pure.
 */
export function containerOps(n: BridgeNet, l: ContainerLink): Op[] {
  return containerOpsOf(l.netns, attachOps(n, l));
}

/**
 * The ops that plug a container's netns into one more network (also the core of containerOps):
 * a veth pair whose inside end is `l.ifname` (eth0, eth1…), its address, and — when asked —
 * the default route. Pure.
 */
export function attachOps(n: BridgeNet, l: ContainerLink): Op[] {
  const plan = new Plan();
  const dev = l.ifname ?? 'eth0';
  const delVeth: IpOp = { kind: 'ip', args: ['link', 'del', l.hostIf], why: `remove the veth pair (deleting one end deletes both)` };
  plan.ip(
    ['link', 'add', l.hostIf, 'type', 'veth', 'peer', 'name', dev, 'address', l.mac, 'netns', l.netns],
    `create a veth pair: ${l.hostIf} stays on the host, its peer is created inside ${l.netns} already named ${dev} (same as moving it there and renaming it), with Docker's MAC 02:42 + the IP's bytes`,
    [delVeth],
  );
  plan.ip(['link', 'set', l.hostIf, 'master', n.bridge], `plug the host end into the bridge ${n.bridge}`);
  plan.ip(['link', 'set', l.hostIf, 'type', 'bridge_slave', 'hairpin', 'on'], `hairpin: let the bridge send frames back out the port they came from, so the container reaches its own published ports`);
  plan.ip(['link', 'set', l.hostIf, 'up'], `bring the host end up`);
  const route = (l.defaultRoute ?? !n.internal) ? { via: l.gateway, why: `default route via the gateway ${l.gateway} (the bridge's address on the host)` } : undefined;
  plan.add(...insideOps(l, n.subnet, route, n.subnet6));
  return plan.ops;
}

/**
 * Teardown of a container's links. Deleting the netns is enough: the kernel destroys the
 * interfaces inside it, and with them their veth peers on the host, in the background. An
 * explicit `ip link del` of a veth costs ~18 ms (the kernel waits for an RCU grace period while
 * we hold rtnl); `ip netns del` costs ~3 ms, and nothing when minidock-shim, which made the
 * netns, already removed it as the container ended (`removedByShim`). Only when the netns is gone
 * otherwise (deleted behind minidock's back, kept alive by a process) are the host ends deleted
 * one by one.
 */
export function containerTeardownOps(hostIfs: string[], netns: string, nsExists: boolean, removedByShim = false): Op[] {
  if (nsExists || removedByShim) {
    const why = hostIfs.length
      ? `remove the container's network namespace ${netns}; its veth pair${hostIfs.length > 1 ? 's' : ''} (${hostIfs.join(', ')}) go${hostIfs.length > 1 ? '' : 'es'} with it`
      : `remove the container's network namespace ${netns}; its interfaces go with it`;
    // Already done when the shim that made the netns saw the container end (the exit file says so).
    const op: Op = { kind: 'ip', args: ['netns', 'del', netns], why };
    return [nsExists ? op : byShim(op)];
  }
  return hostIfs.map((h): Op => ({ kind: 'ip', args: ['link', 'del', h], why: `remove the veth pair ${h} (deleting one end deletes both)` }));
}

export function linkExists(name: string): boolean {
  // One lookup by name in this process's network namespace (/sys/class/net would show the netns
  // /sys was mounted in): every device has its IPv4 settings directory (but one with an MTU
  // under 68), and one with IPv6 its snmp6 file. Reading /proc/net/dev instead cost a line per
  // interface (27 kB with 100 containers' veths, on every start: issue 12).
  if (name === '' || name === '.' || name === '..' || name.includes('/')) return false; // never a device's name (the kernel's dev_valid_name)
  if (name !== 'all' && name !== 'default') return existsSync(`/proc/sys/net/ipv4/conf/${name}`) || existsSync(`/proc/net/dev_snmp6/${name}`);
  // the conf directory's own entries: /proc/net/dev, one a line as "%6s:" (a long name starts the line, a short one is padded)
  return (readText('/proc/net/dev') ?? '').split('\n').some((l) => l.trimStart().startsWith(`${name}:`));
}

/**
 * A host veth end of the same name may still exist for a few ms after a teardown (the kernel
 * removes it in the background, see containerTeardownOps): wait for it, briefly, then delete it
 * ourselves. Returns the op to apply first, if any.
 */
export async function staleLinkOps(hostIf: string): Promise<Op[]> {
  for (let i = 0; i < 100 && linkExists(hostIf); i++) await new Promise((r) => setTimeout(r, 10));
  if (!linkExists(hostIf)) return [];
  // Still there after a second: delete it only if it is a veth, minidock's kind of device with
  // minidock's name; anything else is not ours, and `link add` will fail (and roll back) on it.
  const r = await run('ip', ['-j', '-d', 'link', 'show', 'dev', hostIf], { allowFail: true });
  let kind: string | undefined;
  try {
    kind = (JSON.parse(r.stdout) as { linkinfo?: { info_kind?: string } }[])[0]?.linkinfo?.info_kind;
  } catch {
    /* gone meanwhile */
  }
  if (kind !== 'veth') return [];
  return [{ kind: 'ip', args: ['link', 'del', hostIf], why: `remove a stale ${hostIf} left from this container's previous run` }];
}

export { formatIp };

// ---------------------------------------------------------------- the driver

const BRIDGE_RE = /^[A-Za-z0-9_.-]{1,15}$/;
const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';

/** A network record as the bridge driver and the firewall see it; its rules carry this root's id. */
export function bridgeNetOf(rec: NetworkRecord): BridgeNet {
  const mode = gatewayModeOf(rec);
  const mode6 = gatewayModeOf(rec, GATEWAY_MODE6_OPT);
  return {
    name: rec.Name,
    bridge: rec.Bridge ?? bridgeName(),
    // an IPv6-only network: '' (the contract's v6-only NetIntent)
    subnet: rec.Subnet ?? '',
    gateway: rec.Gateway ?? '',
    internal: !!rec.Internal,
    ...(mode !== 'nat' ? { gatewayMode: mode } : {}),
    ...(rec.Subnet6 ? { subnet6: rec.Subnet6, gateway6: rec.Gateway6!, ...(mode6 !== 'nat' ? { gatewayMode6: mode6 } : {}) } : {}),
    root: rootId(),
  };
}

/** A network's gateway mode (-o com.docker.network.bridge.gateway_mode_ipv4, or _ipv6; nat when not given). */
export function gatewayModeOf(rec: Pick<NetworkRecord, 'Options'>, opt = GATEWAY_MODE_OPT): GatewayMode {
  return (rec.Options?.[opt] as GatewayMode | undefined) ?? 'nat';
}

/** Docker's checks of the gateway mode options (its messages). */
function checkGatewayMode(options: Record<string, string>, internal: boolean): void {
  for (const opt of [GATEWAY_MODE_OPT, GATEWAY_MODE6_OPT]) {
    const v = options[opt];
    if (v === undefined) continue;
    if (!(GATEWAY_MODES as readonly string[]).includes(v)) throw new UserError(`failed to parse ${opt} value: ${v} (unknown gateway mode ${v})`);
    if (v === 'isolated' && !internal) throw new UserError(`gateway mode 'isolated' can only be used for an internal network`);
  }
}

/** minidock's own bridge name for a user network: `mdbr-` + 10 hex of its id (15 chars). */
export function userBridgeName(networkId: string): string {
  return `mdbr-${networkId.slice(0, 10)}`;
}

/** The ops that create a user network's bridge and rules (rules with their undo, so a failure rolls back). */
async function createBridgeOps(n: BridgeNet): Promise<Op[]> {
  const [probe, fw] = await Promise.all([probeBridge(n), firewall()]);
  return [...bridgeOps(n, probe), ...(await fw.createOps(n))];
}

export function bridgeDelOp(n: NetworkRecord): Op {
  return { kind: 'ip', args: ['link', 'del', n.Bridge!], why: `remove the bridge ${n.Bridge} of network ${n.Name}` };
}

export const bridgeDriver: NetworkDriver = {
  name: 'bridge',
  caps: { publish: true, embeddedDns: true, hostEnd: true, firewall: true, gatewayModes: true },
  check(spec) {
    const bridge = spec.options[BRIDGE_NAME_OPT];
    if (bridge !== undefined && !BRIDGE_RE.test(bridge)) throw new UserError(`invalid bridge name ${JSON.stringify(bridge)}: 1-15 characters of [A-Za-z0-9_.-]`);
    checkGatewayMode(spec.options, !!spec.internal);
    if (spec.options[GATEWAY_MODE6_OPT] !== undefined && !spec.ipv6) throw new UserError(`${GATEWAY_MODE6_OPT} needs --ipv6`);
  },
  async prepare(spec, id, nets) {
    const bridge = spec.bridge ?? userBridgeName(id);
    const owner = nets.find((n) => n.Bridge === bridge);
    if (owner) throw new UserError(`bridge name ${bridge} is already in use by network ${owner.Name}`);
    if ((await bridgeAddress(bridge)).exists) throw new UserError(`bridge name ${bridge} is already in use: a device of that name exists on the host`);
    return { Bridge: bridge };
  },
  describe: (rec) =>
    `# network ${rec.Name}: a bridge of its own (${rec.Bridge})${rec.Subnet ? `, subnet ${rec.Subnet}, gateway ${rec.Gateway}` : ', IPv6 only'}${rec.Subnet6 ? `, IPv6 subnet ${rec.Subnet6}, gateway ${rec.Gateway6}` : ''}${rec.Internal ? ', internal (no way out)' : ''}${gatewayModeOf(rec) !== 'nat' ? `, gateway mode ${gatewayModeOf(rec)}` : ''}${rec.Subnet6 && gatewayModeOf(rec, GATEWAY_MODE6_OPT) !== 'nat' ? `, IPv6 gateway mode ${gatewayModeOf(rec, GATEWAY_MODE6_OPT)}` : ''}`,
  createOps: (rec) => createBridgeOps(bridgeNetOf(rec)),
  created: (rec) => markFirewallGood(bridgeNetOf(rec)),
  async removeOps(rec) {
    // through the backend in use (the backend switch moved every network's rules to it)
    const ops = [...(await (await firewall()).removeOps(bridgeNetOf(rec)))];
    if ((await bridgeAddress(rec.Bridge!)).exists) ops.push(bridgeDelOp(rec));
    forgetFirewall(rec.Name);
    return ops;
  },
  async ensure(rec, explain) {
    const net = bridgeNetOf(rec);
    // The usual case, known from /proc alone: the bridge is complete and the firewall was
    // good. The firewall is then checked (one process: `iptables-restore -C` or `nft list`)
    // while the container is wired, and repaired before its own rules go in if another tool
    // flushed it.
    if (firewallKnownGood(net) && bridgeLooksReady(net)) {
      const check = (await firewall()).intact(net).catch(() => false);
      return async () => {
        if (!(await check)) await withLock('network', () => repairFirewall(net, explain));
      };
    }
    await ensureBridgeNetwork(net, explain);
    return undefined;
  },
  link: (rec, containerId, netns, ip, ifname, ip6) => containerLinkOf(bridgeNetOf(rec), containerId, netns, ip, ifname, ip6),
  attachOps: (rec, l) => attachOps(bridgeNetOf(rec), l),
  detachOps: (rec, ep, containerName) => [
    { kind: 'ip', args: ['link', 'del', ep.hostIf], why: `remove ${ep.ifname ?? 'eth0'} of ${containerName} from network ${rec.Name}: deleting the host end ${ep.hostIf} deletes both ends` },
  ],
  netIntent: bridgeNetOf,
  portsIntent: (rec, containerId, name, ip, ports, ip6) => ({
    containerId,
    name,
    ip,
    ...(ip6 ? { ip6 } : {}),
    ports,
    ...(gatewayModeOf(rec) === 'routed' && !rec.Internal ? { routed: rec.Bridge ?? bridgeName() } : {}),
    ...(ip6 && gatewayModeOf(rec, GATEWAY_MODE6_OPT) === 'routed' && !rec.Internal ? { routed6: rec.Bridge ?? bridgeName() } : {}),
    root: rootId(),
  }),
  inspectOptions(rec): Record<string, string> {
    if (!rec.Bridge || rec.Name !== DEFAULT_NETWORK) return {};
    return {
      'com.docker.network.bridge.name': rec.Bridge,
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true', // containers of the default bridge reach each other
      'com.docker.network.driver.mtu': '1500', // the bridge's and veths' MTU (the kernel's default)
    };
  },
  diagramOf: (rec) => ({ device: rec.Bridge ?? bridgeName(), lowerOf: false }),
  owned: (rec) => [{ ifname: rec.Bridge ?? bridgeName(), kind: 'bridge', made: true }],
};
