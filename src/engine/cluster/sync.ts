// Bringing this host in line with the cluster store (level-triggered: run after any change, it
// reads the whole of /minidock/ once and makes the host match, so a missed event never leaves a
// stale entry). Run by a container's start for its network (ensureOverlayHost) and by the host's
// watcher on every change (`minidock internal-overlay-sync`, syncOverlay).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Op, applyPlan } from '../../host/plan.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { withLock } from '../../state/lock.js';
import { UserError } from '../../errors.js';
import { type EndpointRecord, type NetworkRecord, listEndpoints, listNetworkRecords, readNetwork, removeNetworkRecord, writeNetworkRecord } from '../network/networks.js';
import { removeIpam } from '../network/ipam.js';
import type { ClusterConfig } from './config.js';
import { clusterConfig } from './config.js';
import type { Etcd, KV } from './etcd.js';
import { ENDPOINTS, HOSTS, NETWORKS, PREFIX, claimTxn, endpointKey, hostKey, keyAddress, networkKey } from './keys.js';
import { hostId, hostLease, overlayDir, ensureWatcher, watcherEndpoints } from './host.js';
import { type EndpointValue, endpointAddresses, etcdOf } from './store.js';

const isOverlay = (n: NetworkRecord) => n.Driver === 'overlay';

interface Snapshot {
  nets: NetworkRecord[];
  /** `key` names the store key (keyAddress); ip is '' on an IPv6-only network. */
  endpoints: { netId: string; key: string; ip: string; ip6?: string; v: EndpointValue }[];
  hosts: Set<string>;
}

function snapshotOf(kvs: KV[]): Snapshot {
  const s: Snapshot = { nets: [], endpoints: [], hosts: new Set() };
  for (const kv of kvs) {
    try {
      if (kv.key.startsWith(NETWORKS)) s.nets.push(JSON.parse(kv.value) as NetworkRecord);
      else if (kv.key.startsWith(HOSTS)) s.hosts.add(kv.key.slice(HOSTS.length));
      else if (kv.key.startsWith(ENDPOINTS)) {
        const [netId, key] = kv.key.slice(ENDPOINTS.length).split('/');
        const v = JSON.parse(kv.value) as EndpointValue;
        s.endpoints.push({ netId, key, ...endpointAddresses(key, v), v });
      }
    } catch {
      /* a value minidock did not write: ignored */
    }
  }
  return s;
}

/** The local copies of the store's overlay networks; the copy of one gone from the store goes with this host's objects of it. Under the lock. */
async function mirror(nets: NetworkRecord[], eps: EndpointRecord[]): Promise<void> {
  for (const n of nets) {
    const cur = readNetwork(n.Name);
    if (!cur || (isOverlay(cur) && JSON.stringify(cur) !== JSON.stringify(n))) writeNetworkRecord(n);
  }
  const live = new Set(nets.map((n) => n.Id));
  for (const n of listNetworkRecords().filter(isOverlay)) {
    if (live.has(n.Id) || eps.some((e) => e.networkId === n.Id)) continue;
    const { removeLocalDevices } = await import('../network/drivers/overlay.js');
    await removeLocalDevices(n);
    removeIpam(n.Id);
    removeNetworkRecord(n.Name);
  }
}

/** `network ls`, `run --network NAME` on a host that has not seen NAME yet. */
export async function mirrorNetworks(cfg: ClusterConfig): Promise<void> {
  const { kvs } = await etcdOf(cfg).range(NETWORKS);
  await withLock('network', () => mirror(snapshotOf(kvs).nets, listEndpoints()));
}

/** The entries one network's VXLAN device should have: the other hosts' containers. */
async function programPeers(n: NetworkRecord, snap: Snapshot, explain?: (line: string) => void): Promise<void> {
  const { peerOps, readPeers, vxlanDev } = await import('../network/drivers/overlay.js');
  const me = hostId();
  const want = snap.endpoints.filter((e) => e.netId === n.Id && e.v.host !== me).map((e) => ({ ip: e.ip, ...(e.ip6 ? { ip6: e.ip6 } : {}), mac: e.v.mac, vtep: e.v.vtep }));
  const dev = vxlanDev(n.Id);
  const ops = peerOps(dev, want, await readPeers(dev));
  if (ops.length) await applyPlan([...ops, ...localNeighOps(n.Id, ops)], { explain, tolerant: true });
}

/** The local containers' side of the VXLAN's neighbour changes in `ops`: forgotten, then learnt. */
function localNeighOps(netId: string, ops: Op[]): Op[] {
  // `ip neigh VERB IP …` and `ip -6 neigh VERB IP …`
  const neigh = (verb: string) =>
    ops.flatMap((o) => {
      const a = o.kind === 'ip' && o.args[0] === '-6' ? o.args.slice(1) : o.kind === 'ip' ? o.args : [];
      return a[0] === 'neigh' && a[1] === verb ? [{ ip: a[2], mac: a[4] }] : [];
    });
  const local = listEndpoints().filter((e) => e.networkId === netId);
  return [...forgetOps(neigh('del').map((x) => x.ip), local), ...unstickOps(neigh('replace'), local)];
}

/**
 * For each remote address whose container is gone: the local containers forget it too. Their
 * entry for it (from talking to it, or from unstickOps) would otherwise outlive it, and when a
 * container on another host gets the address again (the same MAC: 02:42 + the address), a local
 * container answers its first packet at once to that MAC, before this host's sync has programmed
 * the VXLAN for it: the reply has no tunnel to go to and is lost (a lost first ping). With no
 * entry, the reply waits on an ARP request until the sync writes the new endpoint (unstickOps).
 * `flush to IP`: one address, and no error when the container has no entry for it.
 */
function forgetOps(ips: string[], local: EndpointRecord[]): Op[] {
  return ips.flatMap((ip) => {
    const { flag, eps } = ofFamily(ip, local);
    return eps.map((e): Op => ({ kind: 'ip', netns: e.netns, args: [...flag, 'neigh', 'flush', 'to', ip, 'dev', e.ifname ?? 'eth0'], why: `${e.containerName} forgets ${ip}: its container is gone, and one that gets the address again must be asked for, not sent to blindly` }));
  });
}

/** The local endpoints with `ip`'s family, and the `ip` command's flag for it. */
function ofFamily(ip: string, local: EndpointRecord[]): { v6: boolean; flag: string[]; eps: EndpointRecord[] } {
  const v6 = ip.includes(':');
  return { v6, flag: v6 ? ['-6'] : [], eps: local.filter((e) => (v6 ? !!e.ip6 : !!e.ip)) };
}

/**
 * For each remote address that just got its neighbour entry: the local containers of the network
 * learn its MAC too. One that tried it before it existed (a ping or a SYN sent before the
 * container started) holds an unresolved entry with the packets queued on it, and would ask again
 * only at its next ARP retry (retrans_time, 1 s). Given the address's MAC as a stale entry, the
 * kernel sends the queued packets at once, and re-checks the entry later by a unicast ARP probe
 * that goes through the tunnel and is answered by the container itself. (Deleting the entry
 * instead would make the next packet ask at once, but drop the queued ones: a lost first ping, a
 * SYN retransmitted a second later.) Tolerant: a container gone meanwhile is no error.
 */
function unstickOps(added: { ip: string; mac: string }[], local: EndpointRecord[]): Op[] {
  return added.flatMap(({ ip, mac }) => {
    const { v6, flag, eps } = ofFamily(ip, local); // IPv6: the same for a Neighbour Solicitation's retry
    return eps.map((e): Op => ({ kind: 'ip', netns: e.netns, args: [...flag, 'neigh', 'replace', ip, 'lladdr', mac, 'dev', e.ifname ?? 'eth0', 'nud', 'stale'], why: `${e.containerName} sends what it queued for ${ip} now, not at its next ${v6 ? 'Neighbour Solicitation' : 'ARP'} retry (up to 1 s)` }));
  });
}

/** Before a container joins overlay network `rec` on this host (under the network lock). */
export async function ensureOverlayHost(cfg: ClusterConfig, rec: NetworkRecord, explain?: (line: string) => void): Promise<void> {
  watcherEndpoints(cfg); // refused before anything is made
  const etcd = etcdOf(cfg);
  const cur = await etcd.get(networkKey(rec.Name));
  if (!cur || (JSON.parse(cur.value) as NetworkRecord).Id !== rec.Id) {
    if (listEndpoints().every((e) => e.networkId !== rec.Id)) removeNetworkRecord(rec.Name);
    throw new UserError(`network ${rec.Name} not found (it was removed from the cluster)`);
  }
  await hostLease(cfg, etcd);
  const { ensureLocalDevices } = await import('../network/drivers/overlay.js');
  await ensureLocalDevices(rec, cfg.advertise, explain);
  const { kvs } = await etcd.range(PREFIX);
  await programPeers(rec, snapshotOf(kvs), explain);
  ensureWatcher(cfg, explain);
}

/** The remote endpoints' names, for the embedded DNS (dns.ts appends these lines). */
export const remoteNamesFile = () => join(overlayDir(), 'remote-names');

export function remoteNameLines(): string {
  try {
    return readFileSync(remoteNamesFile(), 'utf8');
  } catch {
    return '';
  }
}

/**
 * The watcher's sync. Returns 3 when this host has no overlay network in use any more (the
 * watcher then exits, and this host's lease runs out).
 */
export async function syncOverlay(): Promise<number> {
  const cfg = clusterConfig();
  if (!cfg) return 3;
  const etcd = etcdOf(cfg);
  return withLock('network', async () => {
    const { kvs } = await etcd.range(PREFIX);
    const snap = snapshotOf(kvs);
    const eps = listEndpoints();
    await mirror(snap.nets, eps);
    const overlays = listNetworkRecords().filter(isOverlay);
    const mine = eps.filter((e) => overlays.some((n) => n.Id === e.networkId));
    const me = hostId();
    if (mine.length && !snap.hosts.has(me)) await reregister(cfg, etcd, mine);
    // keys of this host whose container is gone (a teardown while the store was away)
    for (const e of snap.endpoints) {
      if (e.v.host === me && !mine.some((m) => m.containerId === e.v.container && keyAddress(m) === e.key)) await etcd.delete(endpointKey(e.netId, e.key));
    }
    const { removeLocalDevices, madeHere } = await import('../network/drivers/overlay.js');
    let inUse = 0;
    for (const n of overlays) {
      // only the devices this root made (another root in this netns may use the same names)
      if (!madeHere(n.Id)) continue;
      if (!mine.some((e) => e.networkId === n.Id)) {
        // the last container of this network on this host is gone: so are its bridge and VXLAN
        await removeLocalDevices(n);
        continue;
      }
      inUse++;
      await programPeers(n, snap);
    }
    await syncRemoteNames(snap, overlays, me);
    if (inUse === 0) {
      rmSync(join(overlayDir(), 'watch.pid'), { force: true });
      return 3;
    }
    return 0;
  });
}

/** The lease expired (the store was away longer than the TTL): this host's keys again. */
async function reregister(cfg: ClusterConfig, etcd: Etcd, mine: EndpointRecord[]): Promise<void> {
  rmSync(join(overlayDir(), 'lease'), { force: true });
  const lease = await hostLease(cfg, etcd);
  for (const e of mine) {
    const v: EndpointValue = { host: hostId(), vtep: cfg.advertise, mac: e.mac, container: e.containerId, name: e.containerName, ...(e.aliases?.length ? { aliases: e.aliases } : {}), ...(e.ip6 ? { ip6: e.ip6 } : {}) };
    // (its IPv6 address, in the value of a dual-stack key, is not checked again here)
    if (!(await etcd.txn(claimTxn(e.networkId, keyAddress(e), JSON.stringify(v), lease)))) {
      process.stderr.write(`WARNING: ${e.containerName}'s address ${keyAddress(e)} was taken by another host while this one was away\n`);
    }
  }
  void hostKey;
}

async function syncRemoteNames(snap: Snapshot, overlays: NetworkRecord[], me: string): Promise<void> {
  const { netKey, isDnsName, syncDns } = await import('../network/dns.js');
  const lines = snap.endpoints
    .filter((e) => e.v.host !== me && overlays.some((n) => n.Id === e.netId))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((e) => {
      const names = [...new Set([e.v.name, ...(e.v.aliases ?? []), e.v.container.slice(0, 12)].filter((x) => x && isDnsName(x)).map((x) => x.toLowerCase()))];
      // one line per address: minidock-dns answers A from the IPv4 one, AAAA from the IPv6 one
      return [e.ip, e.ip6].filter((a) => a).map((a) => `n ${netKey(e.netId)} ${a} ${names.join(' ')}\n`).join('');
    })
    .join('');
  if (lines === remoteNameLines()) return;
  if (lines) writeFileAtomic(remoteNamesFile(), lines);
  else if (existsSync(remoteNamesFile())) rmSync(remoteNamesFile());
  await syncDns();
}
