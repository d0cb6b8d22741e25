// `network connect` / `network disconnect` of a container: its record (running or not, its
// HostConfig.PrimaryDisconnected, Aliases, IPAddress and ExtraNetworks, NetworkSettings), its
// lock and its /etc/resolv.conf are the container layer's; joining and leaving the network itself is the network layer's
// (usernet.ts joinRunning / leaveRunning), which knows nothing of container records.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { journal } from '../events.js';
import { withLock } from '../../state/lock.js';
import { DaemonError, UserError } from '../../errors.js';
import { contains, parseCidr, parseIp } from '../network/cidr.js';
import { contains6, parseCidr6, parseIp6 } from '../network/cidr6.js';
import { DEFAULT_NETWORK, findNetworkSync } from '../network/networks.js';
import { containerEndpoints, findConnectable, joinRunning, leaveRunning, settingsOf } from '../network/usernet.js';
import { type HostConfig, files, findContainer, loadRecord, saveRecord, stateOf } from './record.js';

/**
 * The container's /etc/resolv.conf is a bind mount of a file in its state directory: rewrite
 * it in place (same inode, so the container sees it) when it gains or loses the embedded DNS.
 */
async function updateResolvConf(file: string, onUserNet: boolean, explain?: (line: string) => void): Promise<void> {
  if (!existsSync(file)) return;
  const cur = readFileSync(file, 'utf8');
  const embedded = /^nameserver 127\.0\.0\.11$/m.test(cur);
  if (onUserNet === embedded) return;
  explain?.(onUserNet
    ? "# the container's /etc/resolv.conf now names the embedded DNS (nameserver 127.0.0.11), rewritten in place"
    : "# the container's /etc/resolv.conf goes back to the host's nameservers (no user-defined network left), rewritten in place");
  const { embeddedResolvConf } = await import('../network/dns.js');
  const { containerResolvConf, readHostResolvConf } = await import('../network/index.js');
  writeFileSync(file, onUserNet ? embeddedResolvConf(readHostResolvConf()) : containerResolvConf(readHostResolvConf()));
}

export interface ConnectOptions {
  ip?: string;
  /** --ip6: the IPv6 address on a network with IPv6 */
  ip6?: string;
  aliases?: string[];
  explain?: (line: string) => void;
  /** Joining again on start a network the container was connected to (already recorded). */
  restoring?: boolean;
}

/** The container for connect/disconnect (running or not), and its primary network's name. */
async function connectableContainer(ref: string) {
  const rec = findContainer(ref);
  if (!rec) throw new DaemonError(`No such container: ${ref}`, 1);
  const mode = rec.HostConfig.NetworkMode || DEFAULT_NETWORK;
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
    throw new UserError(`container ${rec.Name} uses network mode ${mode}: it cannot be connected to or disconnected from other networks`, 1);
  }
  const primary = mode === DEFAULT_NETWORK ? DEFAULT_NETWORK : findNetworkSync(mode)?.Name ?? mode;
  return { rec, primary };
}

/**
 * connect/disconnect of a container that is not running (Docker's behaviour): only its
 * configuration changes — its own network (NetworkMode: PrimaryDisconnected, Aliases,
 * IPAddress) and the others (HostConfig.ExtraNetworks, joined by reconnectExtraNetworks) are
 * wired when it starts, so nothing is made in the kernel now. False when it runs.
 */
async function reconfigureStopped(id: string, change: (hc: HostConfig) => void): Promise<boolean> {
  return withLock(`c-${id}`, () => {
    const rec = loadRecord(id);
    if (!rec) throw new DaemonError(`No such container: ${id}`, 1);
    if (stateOf(rec).Running) return false;
    change(rec.HostConfig);
    saveRecord(rec, 'config');
    return true;
  });
}

/** The container's own network again (connect after a disconnect): with the connect's aliases and address. */
function rejoinPrimary(hc: HostConfig, o: ConnectOptions): void {
  delete hc.PrimaryDisconnected;
  hc.Aliases = o.aliases?.length ? [...o.aliases] : undefined;
  hc.IPAddress = o.ip;
  hc.IPv6Address = o.ip6;
}

/** Its own network left (disconnect): not joined at start any more, its endpoint settings gone (as Docker's). */
function leavePrimary(hc: HostConfig): void {
  hc.PrimaryDisconnected = true;
  delete hc.Aliases;
  delete hc.IPAddress;
  delete hc.IPv6Address;
}

/** `network connect`: a new interface (eth1, eth2…) in a running container. */
export async function connectContainer(netRef: string, ctrRef: string, o: ConnectOptions = {}): Promise<void> {
  if (o.ip !== undefined && parseIp(o.ip) === undefined) throw new UserError(`invalid IPv4 address: ${o.ip}`);
  for (const a of o.aliases ?? []) if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/.test(a)) throw new UserError(`invalid network alias ${JSON.stringify(a)}`);
  const n = await findConnectable(netRef);
  if (n.Name === DEFAULT_NETWORK && o.aliases?.length) throw new UserError('network-scoped alias is supported only for containers in user defined networks');
  const { rec: first, primary } = await connectableContainer(ctrRef);
  const exists = `endpoint with name ${first.Name} already exists in network ${n.Name}`;
  const stopped = !o.restoring && await reconfigureStopped(first.Id, (hc) => {
    const extra = hc.ExtraNetworks ?? [];
    if (n.Name === primary ? !hc.PrimaryDisconnected : extra.some((x) => x.Name === n.Name)) throw new DaemonError(exists, 1);
    // checked now, as Docker does; the address itself is taken when the container starts
    if (o.ip !== undefined && (n.Name === DEFAULT_NETWORK || !n.Subnet || !contains(parseCidr(n.Subnet)!, parseIp(o.ip)!))) {
      throw new UserError(n.Name === DEFAULT_NETWORK ? 'user specified IP address is supported on user defined networks only' : `invalid address ${o.ip}: it does not belong to network ${n.Name} (${n.Subnet ?? 'IPv6 only'})`, 1);
    }
    if (o.ip6 !== undefined && (!n.Subnet6 || !contains6(parseCidr6(n.Subnet6)!, parseIp6(o.ip6) ?? -1n))) {
      throw new UserError(`invalid address ${o.ip6}: it does not belong to network ${n.Name} (${n.Subnet6 ?? 'no IPv6'})`, 1);
    }
    if (n.Name === primary) rejoinPrimary(hc, o);
    else hc.ExtraNetworks = [...extra, { Name: n.Name, Aliases: o.aliases?.length ? [...o.aliases] : undefined, IPAddress: o.ip, ...(o.ip6 ? { IPv6Address: o.ip6 } : {}) }];
  });
  if (stopped) {
    o.explain?.(`# ${first.Name} is not running: only its configuration changes, it joins network ${n.Name} when it starts (nothing on the host now)`);
    return;
  }
  await withLock(`c-${first.Id}`, async () => {
    const rec = loadRecord(first.Id);
    if (!rec || !stateOf(rec).Running || !rec.NetworkSettings) throw new UserError(`container ${first.Name} is not running`, 1);
    const id = rec.Id;
    const have = containerEndpoints(id);
    const e = await joinRunning(n, id, rec.Name, have, o);
    await updateResolvConf(files.resolv(id), [...have.map((x) => x.ep.network), n.Name].some((x) => x !== DEFAULT_NETWORK), o.explain);
    rec.NetworkSettings.Networks[n.Name] = settingsOf(e);
    if (o.restoring) {
      // (joined again at start: already recorded)
    } else if (n.Name === primary && rec.HostConfig.PrimaryDisconnected) {
      rejoinPrimary(rec.HostConfig, o);
    } else {
      const extra = (rec.HostConfig.ExtraNetworks ?? []).filter((x) => x.Name !== n.Name);
      rec.HostConfig.ExtraNetworks = [...extra, { Name: n.Name, Aliases: o.aliases?.length ? [...o.aliases] : undefined, IPAddress: o.ip, ...(o.ip6 ? { IPv6Address: o.ip6 } : {}) }];
    }
    saveRecord(rec, o.restoring ? 'state' : 'config');
    journal({ Type: 'network', Action: 'connect', ID: n.Id, Attributes: { container: rec.Id, name: n.Name, type: n.Driver } });
  });
}

/** `network disconnect`: the container's interface on that network goes away. */
export async function disconnectContainer(netRef: string, ctrRef: string, o: { explain?: (line: string) => void } = {}): Promise<void> {
  const n = await findConnectable(netRef);
  const { rec: first, primary } = await connectableContainer(ctrRef);
  const notConnected = () => new DaemonError(`container ${first.Id} is not connected to network ${n.Name}`, 1);
  const stopped = await reconfigureStopped(first.Id, (hc) => {
    if (n.Name === primary) {
      if (hc.PrimaryDisconnected) throw notConnected();
      return leavePrimary(hc);
    }
    if (!(hc.ExtraNetworks ?? []).some((x) => x.Name === n.Name)) throw notConnected();
    hc.ExtraNetworks = (hc.ExtraNetworks ?? []).filter((x) => x.Name !== n.Name);
  });
  if (stopped) {
    o.explain?.(`# ${first.Name} is not running: only its configuration changes, it no longer joins network ${n.Name} when it starts (nothing on the host now)`);
    return;
  }
  await withLock(`c-${first.Id}`, async () => {
    const rec = loadRecord(first.Id);
    if (!rec || !stateOf(rec).Running) throw new UserError(`container ${first.Name} is not running`, 1);
    const id = rec.Id;
    const have = containerEndpoints(id);
    const { ep, rest } = await leaveRunning(n, id, rec.Name, have, o);
    await updateResolvConf(files.resolv(id), rest.some((x) => x.ep.network !== DEFAULT_NETWORK), o.explain);
    if (rec.NetworkSettings) {
      delete rec.NetworkSettings.Networks[n.Name];
      if (ep.ports.length) rec.NetworkSettings.Ports = {};
    }
    // its own network stays left at the next start too, as Docker's
    if (n.Name === primary) leavePrimary(rec.HostConfig);
    rec.HostConfig.ExtraNetworks = (rec.HostConfig.ExtraNetworks ?? []).filter((x) => x.Name !== n.Name);
    saveRecord(rec, 'config');
    journal({ Type: 'network', Action: 'disconnect', ID: n.Id, Attributes: { container: rec.Id, name: n.Name, type: n.Driver } });
  });
}
