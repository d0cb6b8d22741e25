// What `network diagram` shows of the overlay networks (read-only): per network, this host's
// VXLAN device and its FDB/neighbour entries as the kernel has them, and the cluster's hosts and
// the network's endpoints as the store has them (one range read of /minidock/). The comparison
// is buildDiagram's (network/diagram.ts). The store away: shown as such, the kernel still is.
import type { SnapNetwork, SnapOverlay } from '../network/diagram.js';
import { run } from '../../host/exec.js';
import { readPeers, VXLAN_PORT } from '../network/drivers/overlay.js';
import { clusterConfig } from './config.js';
import { ENDPOINTS, HOSTS, PREFIX } from './keys.js';
import { hostId } from './host.js';
import { type EndpointValue, endpointAddresses, etcdOf } from './store.js';

interface DevJson {
  master?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number } };
}

export async function collectOverlays(networks: SnapNetwork[]): Promise<Record<string, SnapOverlay>> {
  const cfg = clusterConfig();
  let kvs: { key: string; value: string }[] = [];
  let storeError: string | undefined = cfg ? undefined : 'no cluster store configured';
  if (cfg) {
    try {
      kvs = (await etcdOf(cfg).range(PREFIX)).kvs;
    } catch (e) {
      storeError = (e as Error).message;
    }
  }
  const json = <T>(s: string): T | undefined => {
    try {
      return JSON.parse(s) as T;
    } catch {
      return undefined;
    }
  };
  const hosts = kvs.filter((kv) => kv.key.startsWith(HOSTS)).map((kv) => ({ id: kv.key.slice(HOSTS.length), ...(json<{ vtep?: string; name?: string }>(kv.value) ?? {}) }));
  const out: Record<string, SnapOverlay> = {};
  for (const n of networks) {
    if (!n.overlay) continue;
    const dev = n.overlay.vxlan;
    const [link, peers] = await Promise.all([run('ip', ['-j', '-d', 'link', 'show', 'dev', dev], { allowFail: true }), readPeers(dev)]);
    const d = json<DevJson[]>(link.stdout || '[]')?.[0];
    const info = d?.linkinfo?.info_data;
    const prefix = `${ENDPOINTS}${n.id}/`;
    const endpoints = kvs
      .filter((kv) => kv.key.startsWith(prefix))
      .flatMap((kv) => {
        const v = json<EndpointValue>(kv.value);
        return v ? [{ ...endpointAddresses(kv.key.slice(prefix.length), v), mac: v.mac, host: v.host, vtep: v.vtep, name: v.name }] : [];
      });
    out[n.name] = {
      hostId: hostId(),
      local: cfg?.advertise ?? '',
      device: d ? { vni: info?.id, local: info?.local, port: info?.port ?? VXLAN_PORT, master: d.master, up: !!d.flags?.includes('UP') } : null,
      fdb: peers.fdb,
      neigh: peers.neigh,
      hosts: hosts.map((h) => ({ id: h.id, name: h.name ?? '', vtep: h.vtep ?? '' })),
      endpoints,
      ...(storeError ? { storeError } : {}),
    };
  }
  return out;
}
