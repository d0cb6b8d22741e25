// The overlay driver (Docker's -d overlay, flannel's vxlan backend): one L2 network across the
// hosts of a cluster. The network's record and its addresses live in the cluster store (etcd,
// src/engine/cluster/); on each host that runs a container of it, minidock makes
//
//   a bridge  mdov-<id10>   the gateway address on it (the same on every host: each host's
//                           containers go out through their own host, masqueraded, as Docker's
//                           docker_gwbridge gives), with the bridge driver's firewall intent
//                           (masquerade out, isolation, -p), made by the backend in use;
//   a VXLAN   mdvx-<id10>   `id VNI dstport 4789 local ADVERTISE nolearning proxy`, MTU underlay − 50,
//                           a port of the bridge; containers by veth (MTU the same);
//
// and the peers are programmed statically from the store, not learned by flooding: for every
// other host with a container on the network one BUM entry (`bridge fdb append 00:00:00:00:00:00
// dev mdvx-… dst VTEP self permanent`), and per remote container its MAC (`bridge fdb append MAC
// … dst VTEP self permanent`) and its address (`ip neigh replace IP lladdr MAC dev mdvx-… nud
// permanent`, answered locally: `proxy`, so ARP never crosses the tunnel). The per-host watcher
// (src/runtime/overlay/minidock-ovwatch.c) keeps those entries in line with the store
// (src/engine/cluster/sync.ts).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../host/exec.js';
import { paths } from '../../../state/paths.js';
import { writeJsonAtomic } from '../../../state/atomic.js';
import { type IpOp, type Op, Plan, applyPlan, dryRun } from '../../../host/plan.js';
import { UserError } from '../../../errors.js';
import { formatCidr, formatIp, nth, overlaps, parseCidr, split } from '../cidr.js';
import type { NetworkRecord } from '../networks.js';
import type { NetIntent } from '../firewall/backend.js';
import { attachOps as bridgeAttachOps, bridgeDriver, bridgeNetOf, containerLinkOf, ensureBridgeNetwork, linkExists, readSysctl } from './bridge.js';
import type { NetworkDriver } from './driver.js';
import { clusterConfig, requireCluster } from '../../cluster/config.js';
import { keyAddress } from '../../cluster/keys.js';

/** "subnet 10.0.1.0/24, gateway 10.0.1.1" and/or "IPv6 subnet fd…::/64, gateway fd…::1". Pure. */
const familiesOf = (rec: NetworkRecord) =>
  [rec.Subnet ? `subnet ${rec.Subnet}, gateway ${rec.Gateway}` : 'IPv6 only', ...(rec.Subnet6 ? [`IPv6 subnet ${rec.Subnet6}, gateway ${rec.Gateway6}`] : [])].join('; ');

export const VXLAN_PORT = 4789;
/** VXLAN's own headers: outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14). */
export const VXLAN_OVERHEAD = 50;

export const overlayBridge = (id: string) => `mdov-${id.slice(0, 10)}`;
export const vxlanDev = (id: string) => `mdvx-${id.slice(0, 10)}`;

/** This host's part of the network as the bridge driver sees it: a bridge network on mdov-…. */
const asBridge = (rec: NetworkRecord): NetworkRecord => ({ ...rec, Bridge: overlayBridge(rec.Id) });
const netOf = (rec: NetworkRecord): NetIntent => bridgeNetOf(asBridge(rec));

/** The MTU of the underlay link that has this host's advertise address (1500 if not found). */
export async function underlayMtu(advertise: string): Promise<number> {
  const r = await run('ip', ['-j', '-4', 'addr', 'show'], { allowFail: true });
  try {
    for (const l of JSON.parse(r.stdout || '[]') as { mtu?: number; addr_info?: { local: string }[] }[]) {
      if (l.addr_info?.some((a) => a.local === advertise)) return l.mtu ?? 1500;
    }
  } catch {
    /* fall through */
  }
  return 1500;
}

/**
 * The VXLAN device of a network on this host, as plan ops (with undo). `allowV6`: IPv6 is
 * disabled on new interfaces here and the network has IPv6 — the device needs it on to answer
 * Neighbour Solicitations from its neighbour table (`proxy`). Pure.
 */
export function vxlanOps(rec: NetworkRecord, local: string, mtu: number, allowV6 = false): Op[] {
  const vx = vxlanDev(rec.Id);
  const br = overlayBridge(rec.Id);
  const plan = new Plan().ip(
      ['link', 'add', vx, 'mtu', String(mtu), 'type', 'vxlan', 'id', String(rec.VNI), 'dstport', String(VXLAN_PORT), 'local', local, 'nolearning', 'proxy'],
      `create the VXLAN device ${vx}: VNI ${rec.VNI}, UDP ${VXLAN_PORT}, tunnels from this host's ${local}; MTU ${mtu} (the underlay's minus ${VXLAN_OVERHEAD} of headers); no learning: peers come from the cluster store; proxy: ARP answered here from the neighbour table`,
      [{ kind: 'ip', args: ['link', 'del', vx], why: `remove the VXLAN device ${vx}` }],
  );
  if (allowV6) plan.sysctl(`net.ipv6.conf.${vx}.disable_ipv6`, '0', `allow IPv6 on ${vx}: with it off, proxy would not answer Neighbour Solicitations`);
  return plan
    .ip(['link', 'set', vx, 'master', br], `plug ${vx} into the network's bridge ${br}: frames for containers on other hosts go into the tunnel`)
    .ip(['link', 'set', vx, 'up'], `bring ${vx} up`).ops;
}

export interface Peer {
  /** '' on an IPv6-only network */
  ip: string;
  /** its IPv6 address on a network with IPv6 */
  ip6?: string;
  mac: string;
  vtep: string;
}

/** The `ip` arguments of a neighbour entry of either family (`ip -6 neigh …` for an IPv6 address, as a person types it). */
const neighArgs = (ip: string, rest: string[]) => [...(ip.includes(':') ? ['-6'] : []), 'neigh', ...rest];

/**
 * What one network's VXLAN device should know of the other hosts: the FDB entries, and a
 * permanent neighbour entry per remote address of either family (with `proxy` the VXLAN device
 * answers ARP requests and IPv6 Neighbour Solicitations itself from them). Pure.
 */
export function peerOps(dev: string, want: Peer[], have: { fdb: { mac: string; dst: string }[]; neigh: { ip: string; mac: string }[] }): Op[] {
  const ops: IpOp[] = [];
  const fdb = (verb: string, mac: string, dst: string, why: string): IpOp => ({ kind: 'ip', tool: 'bridge', args: ['fdb', verb, mac, 'dev', dev, 'dst', dst, ...(verb === 'append' ? ['self', 'permanent'] : ['self'])], why });
  const wantFdb = new Map<string, string>();
  for (const v of new Set(want.map((p) => p.vtep))) wantFdb.set(`00:00:00:00:00:00 ${v}`, v);
  for (const p of want) wantFdb.set(`${p.mac} ${p.vtep}`, p.vtep);
  const haveFdb = new Set(have.fdb.map((f) => `${f.mac} ${f.dst}`));
  const neighs = want.flatMap((p) => [p.ip, p.ip6].filter((a): a is string => !!a).map((ip) => ({ ip, mac: p.mac, vtep: p.vtep })));
  const wantNeigh = new Map(neighs.map((p) => [p.ip, p.mac]));
  for (const f of have.fdb) {
    if (!wantFdb.has(`${f.mac} ${f.dst}`)) ops.push(fdb('del', f.mac, f.dst, `forget ${f.mac === '00:00:00:00:00:00' ? `host ${f.dst}: no container of this network there any more` : `${f.mac}: that container is gone from ${f.dst}`}`));
  }
  for (const n of have.neigh) {
    if (wantNeigh.get(n.ip) !== n.mac) ops.push({ kind: 'ip', args: neighArgs(n.ip, ['del', n.ip, 'dev', dev]), why: `forget ${n.ip}: that container is gone` });
  }
  for (const [k, vtep] of wantFdb) {
    const mac = k.split(' ')[0];
    if (haveFdb.has(k)) continue;
    ops.push(fdb('append', mac, vtep, mac === '00:00:00:00:00:00' ? `broadcast and unknown frames also go to host ${vtep} (it has containers of this network)` : `${mac} lives on host ${vtep}: send its frames through the tunnel there`));
  }
  for (const p of neighs) {
    if (have.neigh.some((n) => n.ip === p.ip && n.mac === p.mac)) continue;
    const asked = p.ip.includes(':') ? 'Neighbour Solicitation' : 'ARP';
    ops.push({ kind: 'ip', args: neighArgs(p.ip, ['replace', p.ip, 'lladdr', p.mac, 'dev', dev, 'nud', 'permanent']), why: `${p.ip} is ${p.mac} (on host ${p.vtep}): answered here (${asked}), never asked across the tunnel` });
  }
  return ops;
}

/**
 * The FDB and neighbour entries a VXLAN device has now: the FDB entries with a remote dst, the
 * IPv4 neighbour entries with an address, the IPv6 ones minidock makes (permanent: not the
 * link-local ones the kernel may learn on the device itself).
 */
export async function readPeers(dev: string): Promise<{ fdb: { mac: string; dst: string }[]; neigh: { ip: string; mac: string }[] }> {
  const [f, n, n6] = await Promise.all([
    run('bridge', ['-j', 'fdb', 'show', 'dev', dev], { allowFail: true }),
    run('ip', ['-j', '-4', 'neigh', 'show', 'dev', dev], { allowFail: true }),
    run('ip', ['-j', '-6', 'neigh', 'show', 'dev', dev, 'nud', 'permanent'], { allowFail: true }),
  ]);
  const parse = <T>(s: string): T[] => {
    try {
      return JSON.parse(s || '[]') as T[];
    } catch {
      return [];
    }
  };
  const neigh = (s: string) => parse<{ dst: string; lladdr?: string }>(s).filter((e) => e.lladdr).map((e) => ({ ip: e.dst, mac: e.lladdr! }));
  return {
    fdb: parse<{ mac: string; dst?: string }>(f.stdout).filter((e) => e.dst).map((e) => ({ mac: e.mac, dst: e.dst! })),
    neigh: [...neigh(n.stdout), ...neigh(n6.stdout)],
  };
}

/** The first /24 of Docker's overlay pool (10.0.0.0/8) that overlaps none of `used`. Pure. */
export function chooseOverlaySubnet(used: { base: number; prefix: number }[]): string | undefined {
  for (const c of split(parseCidr('10.0.0.0/16')!, 24)) if (!used.some((u) => overlaps(c, u))) return formatCidr(c);
  return undefined;
}

export const overlayDriver: NetworkDriver = {
  name: 'overlay',
  caps: { publish: true, embeddedDns: true, hostEnd: true, firewall: true, gatewayModes: false },
  check(spec) {
    // No cluster: one line saying what to configure, before anything is read or written.
    requireCluster('network driver overlay');
    for (const k of Object.keys(spec.options)) throw new UserError(`overlay network option ${JSON.stringify(k)} is not supported`);
    if (spec.ipRange || spec.ipRange6) throw new UserError('--ip-range is not supported on overlay networks');
  },
  async prepare(spec, id) {
    const { createOverlayNetwork } = await import('../../cluster/store.js');
    const cfg = requireCluster('network driver overlay');
    // the subnets usernet.ts chose are checked (or chosen again) against the whole cluster
    return createOverlayNetwork(cfg, spec, id);
  },
  describe: (rec) =>
    [
      `# network ${rec.Name}: overlay (VXLAN ${rec.VNI}) across the cluster's hosts, ${familiesOf(rec)}${rec.Internal ? ', internal (no way out)' : ''}`,
      `# cluster store: ${dryRun.active ? 'would put' : 'put'} /minidock/networks/${rec.Name} in one txn (only if no network key changed since the subnet and VNI were checked); each host makes its bridge ${overlayBridge(rec.Id)} and VXLAN ${vxlanDev(rec.Id)} when its first container joins`,
    ].join('\n'),
  createOps: async () => [],
  async removeOps(rec) {
    const { removeOverlayNetwork } = await import('../../cluster/store.js');
    if (!dryRun.active) await removeOverlayNetwork(requireCluster('network rm of an overlay network'), rec);
    return localRemoveOps(rec);
  },
  async ensure(rec, explain) {
    const { ensureOverlayHost } = await import('../../cluster/sync.js');
    await ensureOverlayHost(requireCluster(`network ${rec.Name} (overlay)`), rec, explain);
    return undefined;
  },
  async claim(rec, c, want, want6, explain) {
    const { claimAddress } = await import('../../cluster/store.js');
    return claimAddress(requireCluster(`network ${rec.Name} (overlay)`), rec, c, want, want6, explain);
  },
  async release(rec, containerId, ip, ip6) {
    const { releaseAddress } = await import('../../cluster/store.js');
    const cfg = clusterConfig();
    // one key per endpoint, named by its IPv4 address (or the IPv6 one on an IPv6-only network)
    if (cfg) await releaseAddress(cfg, rec, containerId, keyAddress({ ip, ip6 }));
  },
  link(rec, containerId, netns, ip, ifname, ip6) {
    return containerLinkOf(netOf(rec), containerId, netns, ip, ifname, ip6);
  },
  attachOps(rec, l) {
    // the bridge driver's veth, with the tunnel's MTU on both ends
    const mtu = String(rec.Options?.['com.docker.network.driver.mtu'] ?? mtuCache.get(rec.Id) ?? 1450);
    return bridgeAttachOps(netOf(rec), l).map((op) => {
      if (op.kind !== 'ip' || op.args[0] !== 'link' || op.args[1] !== 'add') return op;
      const a = [...op.args];
      a.splice(3, 0, 'mtu', mtu);
      a.splice(a.indexOf('name') + 2, 0, 'mtu', mtu);
      return { ...op, args: a, why: `${op.why}; MTU ${mtu}, the VXLAN's` };
    });
  },
  detachOps: (rec, ep, containerName) => [
    { kind: 'ip', args: ['link', 'del', ep.hostIf], why: `remove ${ep.ifname ?? 'eth0'} of ${containerName} from network ${rec.Name}: deleting the host end ${ep.hostIf} deletes both ends` },
  ],
  // Rules only where this host has the network's bridge (a host without a container of it has
  // none: a backend switch must not make rules for it there).
  netIntent: (rec) => (linkExists(overlayBridge(rec.Id)) ? netOf(rec) : undefined),
  portsIntent: bridgeDriver.portsIntent,
  inspectOptions: (rec) => ({ 'com.docker.network.driver.overlay.vxlanid_list': String(rec.VNI) }),
  diagramOf: (rec) => ({ device: overlayBridge(rec.Id), label: `overlay: VXLAN ${rec.VNI} on ${vxlanDev(rec.Id)}`, lowerOf: false }),
  owned: (rec) => [
    { ifname: overlayBridge(rec.Id), kind: 'bridge', made: true },
    { ifname: vxlanDev(rec.Id), kind: 'vxlan', made: true },
  ],
};

/** The MTU this run found for a network's VXLAN (set by ensure, read by attachOps). */
export const mtuCache = new Map<string, number>();

/**
 * This root's note that it made (or is making) a network's bridge and VXLAN on this host,
 * written before the first of them: the proof prune and the watcher's sync need before they
 * remove mdov-…/mdvx-… (the names come from the network id, which every root of the cluster
 * mirrors, so two roots in one network namespace would otherwise take each other's). The note
 * is the network record, so the rules can be found even once the record is gone.
 */
export const devicesNoteDir = () => join(paths.networks(), 'overlay', 'devices');
export const devicesNoteFile = (id: string) => join(devicesNoteDir(), `${id}.json`);
export const madeHere = (id: string) => existsSync(devicesNoteFile(id));

/** This host's objects of an overlay network that this root made: its VXLAN, its rules and its bridge (what exists). */
export async function localRemoveOps(rec: NetworkRecord): Promise<Op[]> {
  const br = overlayBridge(rec.Id);
  const vx = vxlanDev(rec.Id);
  if (!madeHere(rec.Id) || (!linkExists(br) && !linkExists(vx))) return [];
  const ops = await bridgeDriver.removeOps(asBridge(rec), []);
  const del: Op = { kind: 'ip', args: ['link', 'del', vx], why: `remove the VXLAN device ${vx} of network ${rec.Name}` };
  return linkExists(vx) ? [del, ...ops] : ops;
}

/** Removes this root's objects of the network on this host, then its note. */
export async function removeLocalDevices(rec: NetworkRecord, explain?: (line: string) => void): Promise<void> {
  await applyPlan(await localRemoveOps(rec), { explain, tolerant: true });
  if (!linkExists(overlayBridge(rec.Id)) && !linkExists(vxlanDev(rec.Id))) rmSync(devicesNoteFile(rec.Id), { force: true });
}

interface VxlanLink {
  master?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number } };
}

/** Why an existing VXLAN device is not the one this network needs (a run killed half-way: not plugged in, down), or undefined. */
export async function vxlanDrift(rec: NetworkRecord, local: string): Promise<string | undefined> {
  const r = await run('ip', ['-j', '-d', 'link', 'show', 'dev', vxlanDev(rec.Id)], { allowFail: true });
  let l: VxlanLink | undefined;
  try {
    l = (JSON.parse(r.stdout || '[]') as VxlanLink[])[0];
  } catch {
    /* unreadable: treated as wrong */
  }
  const d = l?.linkinfo?.info_data;
  if (l?.linkinfo?.info_kind !== 'vxlan' || d?.id !== rec.VNI || d?.local !== local || d?.port !== VXLAN_PORT) return `not VXLAN ${rec.VNI} from ${local}:${VXLAN_PORT}`;
  if (l.master !== overlayBridge(rec.Id)) return `not plugged into ${overlayBridge(rec.Id)}`;
  if (!l.flags?.includes('UP')) return 'down';
  return undefined;
}

/** This host's bridge (and firewall) and VXLAN of the network, made or repaired. Under the network lock. */
export async function ensureLocalDevices(rec: NetworkRecord, advertise: string, explain?: (line: string) => void): Promise<void> {
  const mtu = (await underlayMtu(advertise)) - VXLAN_OVERHEAD;
  mtuCache.set(rec.Id, mtu);
  if (!dryRun.active && !madeHere(rec.Id)) {
    mkdirSync(devicesNoteDir(), { recursive: true });
    writeJsonAtomic(devicesNoteFile(rec.Id), rec);
  }
  await ensureBridgeNetwork(netOf(rec), explain);
  const vx = vxlanDev(rec.Id);
  const drift = linkExists(vx) ? await vxlanDrift(rec, advertise) : undefined;
  // half made (a run killed between `link add` and `up`): made again, its peers follow (programPeers)
  const redo: Op[] = drift ? [{ kind: 'ip', args: ['link', 'del', vx], why: `remove ${vx}: ${drift} (left by an interrupted run); it is made again` }] : [];
  if (!linkExists(vx) || drift) await applyPlan([...redo, ...vxlanOps(rec, advertise, mtu, !!rec.Subnet6 && readSysctl('net.ipv6.conf.default.disable_ipv6') === '1')], { explain });
}

export { formatIp, nth };
