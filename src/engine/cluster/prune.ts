// `system prune` / `network prune` for the overlay part of this host: what a CLI killed half-way
// through an overlay `run` (or a watcher that died) left behind, and only what this root can
// prove is its own.
//
//   - a network's bridge mdov-… and VXLAN mdvx-… (with their rules, and the FDB and neighbour
//     entries, which live on the VXLAN device and go with it) when this root's note says it made
//     them (drivers/overlay.ts devicesNoteFile) and no container of this root is on the network
//     any more; a bridge with a port that is not its VXLAN is someone else's too: left alone;
//   - this host's endpoint keys in the store whose container holds no endpoint here (a run killed
//     between taking its address and wiring it, a teardown while the store was away);
//   - when no overlay network is in use here any more: the watcher is stopped and the host's
//     lease revoked, so the other hosts drop their entries for it now rather than after the TTL.
// mdov-…/mdvx-… links without this root's note are reported, never touched. Called after the
// container and endpoint reconciliation (prune.ts), under the network lock.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../host/exec.js';
import { listDir, readState } from '../../state/atomic.js';
import { withLock } from '../../state/lock.js';
import { type NetworkRecord, listEndpoints, listNetworkRecords } from '../network/networks.js';
import { devicesNoteDir, overlayBridge, removeLocalDevices, vxlanDev } from '../network/drivers/overlay.js';
import { clusterConfig } from './config.js';
import { ENDPOINTS, keyAddress } from './keys.js';
import { hostId, leaseFile, overlayDir, readLease, watcherPid } from './host.js';
import type { EndpointValue } from './store.js';

export interface OverlayPruneReport {
  repaired: string[];
  foreign: string[];
}

interface Link {
  ifname: string;
  master?: string;
}

export async function pruneOverlayHost(r: OverlayPruneReport, explain?: (line: string) => void): Promise<void> {
  await withLock('network', async () => {
    const eps = listEndpoints();
    const used = new Set(eps.map((e) => e.networkId));
    const links = JSON.parse((await run('ip', ['-j', 'link', 'show'], { allowFail: true })).stdout || '[]') as Link[];
    const mine = new Set<string>();
    for (const f of listDir(devicesNoteDir())) {
      const rec = readState<NetworkRecord>(join(devicesNoteDir(), f), 'cache');
      if (!rec?.Id || f !== `${rec.Id}.json`) {
        rmSync(join(devicesNoteDir(), f), { force: true }); // damaged: its devices are then left alone
        continue;
      }
      const br = overlayBridge(rec.Id);
      const vx = vxlanDev(rec.Id);
      mine.add(br).add(vx);
      if (used.has(rec.Id)) continue;
      const ports = links.filter((l) => l.master === br && l.ifname !== vx);
      if (ports.length) {
        r.foreign.push(`bridge ${br} of overlay network ${rec.Name}: ${ports.map((p) => p.ifname).join(', ')} plugged into it, no container of this state root; left alone`);
        continue;
      }
      const had = links.filter((l) => l.ifname === br || l.ifname === vx).map((l) => l.ifname);
      await removeLocalDevices(rec, explain);
      if (had.length) r.repaired.push(`removed ${had.join(' and ')} of overlay network ${rec.Name} (no container of this state root on it any more)`);
    }
    for (const l of links) {
      if (/^md(ov|vx)-[0-9a-f]{10}$/.test(l.ifname) && !mine.has(l.ifname)) r.foreign.push(`${l.ifname}: no overlay network of this state root made it; left alone`);
    }
    await pruneStore(r, eps.filter((e) => listNetworkRecords().some((n) => n.Id === e.networkId && n.Driver === 'overlay')).length > 0);
  });
}

/** This host's keys of containers it does not hold; the watcher and the lease when nothing is in use. */
async function pruneStore(r: OverlayPruneReport, inUse: boolean): Promise<void> {
  const cfg = clusterConfig();
  const lease = readLease();
  if (!cfg) return;
  const { etcdOf } = await import('./store.js');
  const etcd = etcdOf(cfg);
  const me = hostId();
  const held = new Set(listEndpoints().map((e) => `${e.networkId}/${keyAddress(e)}/${e.containerId}`));
  try {
    for (const kv of (await etcd.range(ENDPOINTS)).kvs) {
      let v: EndpointValue;
      try {
        v = JSON.parse(kv.value) as EndpointValue;
      } catch {
        continue;
      }
      if (v.host !== me) continue;
      const [netId, ip] = kv.key.slice(ENDPOINTS.length).split('/');
      if (held.has(`${netId}/${ip}/${v.container}`)) continue;
      await etcd.delete(kv.key);
      r.repaired.push(`removed ${kv.key} from the cluster store (${v.name || v.container.slice(0, 12)} holds no endpoint on this host)`);
    }
    if (inUse) return;
    const pid = watcherPid();
    if (pid) {
      process.kill(pid, 'SIGTERM');
      r.repaired.push(`stopped this host's overlay watcher (pid ${pid}): no overlay network in use here`);
    }
    for (const f of ['watch.pid', 'watch-auth']) rmSync(join(overlayDir(), f), { force: true });
    if (lease) {
      await etcd.revoke(lease);
      rmSync(leaseFile(), { force: true });
      r.repaired.push(`revoked this host's cluster lease ${lease}: its host key is gone from the store`);
    }
  } catch (e) {
    r.foreign.push(`cluster store: ${(e as Error).message}; this host's keys go when its lease expires`);
  }
}
