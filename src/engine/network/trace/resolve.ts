// `network trace --from … --to …`: what the two ends name. Reads minidock's records only.
import { existsSync } from 'node:fs';
import { UserError } from '../../../errors.js';
import { canonicalIp6 } from '../cidr6.js';
import type { ProbeProto } from './rules.js';

/** The address family of a probe: 4, or 6 (an IPv6 address, or a container's with -6). */
export type Family = 4 | 6;

export interface Source {
  kind: 'host' | 'container' | 'remote';
  /** what the user wrote, for the header */
  label: string;
  /** the network namespace to send from (undefined: this host's own) */
  netns?: string;
  container?: { id: string; name: string };
  /** the container's networks: name → its address there */
  addrs?: Map<string, string>;
}

/** ADDR:PORT, with IPv6 in brackets: [fd00::2]:80 */
export const hostPort = (ip: string, port?: number): string => (port ? `${ip.includes(':') ? `[${ip}]` : ip}:${port}` : ip);

export interface Target {
  label: string;
  ip: string;
  port?: number;
  /** 6: an IPv6 probe; absent: IPv4 */
  family?: Family;
  container?: { id: string; name: string; network: string };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function parsePort(s: string, what: string): number {
  const n = Number(s);
  if (!/^\d{1,5}$/.test(s) || n < 1 || n > 65535) throw new UserError(`invalid port ${JSON.stringify(s)} in ${what}: 1-65535`);
  return n;
}

export function parseProto(s: string | undefined): ProbeProto | undefined {
  if (s === undefined) return undefined;
  if (s !== 'tcp' && s !== 'udp' && s !== 'icmp') throw new UserError(`invalid --proto ${JSON.stringify(s)}: tcp, udp or icmp`);
  return s;
}

interface Ep {
  containerId: string;
  containerName: string;
  network: string;
  ip: string;
  ip6?: string;
  netns: string;
}

async function containerOf(ref: string): Promise<{ id: string; name: string; eps: Ep[] } | undefined> {
  const { findContainer, stateOf } = await import('../../container/record.js');
  const rec = findContainer(ref);
  if (!rec) return undefined;
  if (!stateOf(rec).Running) throw new UserError(`container ${ref} is not running`);
  const { listEndpoints } = await import('../networks.js');
  const eps = listEndpoints().filter((e) => e.containerId === rec.Id);
  return { id: rec.Id, name: rec.Name.replace(/^\//, ''), eps };
}

export async function resolveSource(from: string): Promise<Source> {
  if (from === 'host') return { kind: 'host', label: 'host' };
  if (from.startsWith('remote:')) {
    const ns = from.slice('remote:'.length);
    if (!/^[A-Za-z0-9_.-]+$/.test(ns) || ns === '.' || ns === '..') throw new UserError(`invalid --from ${JSON.stringify(from)}: remote:NETNS names a network namespace of /run/netns`);
    if (!existsSync(`/run/netns/${ns}`)) throw new UserError(`no network namespace ${ns} (ip netns list shows those there are)`);
    return { kind: 'remote', label: from, netns: `/run/netns/${ns}` };
  }
  const c = await containerOf(from);
  if (!c) throw new UserError(`No such container: ${from} (--from is host, a container, or remote:NETNS)`);
  const netns = c.eps.find((e) => e.netns)?.netns;
  // a container on the host's network sends from the host's own namespace
  return { kind: 'container', label: c.name, netns: netns ? `/run/netns/${netns}` : undefined, container: { id: c.id, name: c.name }, addrs: new Map(c.eps.map((e) => [e.network, e.ip])) };
}

/**
 * --to: `ADDR:PORT` or `ADDR` (IPv4), `[ADDR6]:PORT` or `ADDR6` (IPv6: no port without the
 * brackets, as Docker's -p writes it), `CONTAINER[:PORT]` (its IPv4 address; with `ipv6` its
 * IPv6 one — and the IPv6 one anyway when it has no IPv4 address).
 */
export async function resolveTarget(to: string, src: Source, ipv6 = false): Promise<Target> {
  const bad = () => new UserError(`invalid --to ${JSON.stringify(to)}: HOST_IP:PORT, [IPV6]:PORT, CONTAINER[:PORT] or ADDR:PORT`);
  let host: string;
  let portText: string | undefined;
  const br = /^\[([^\]]*)\](?::(\d*))?$/.exec(to);
  if (br) [, host, portText] = br;
  else if ((to.match(/:/g) ?? []).length > 1) host = to; // an IPv6 address alone (a ping)
  else [, host, portText] = /^(.*?)(?::(\d*))?$/.exec(to)!;
  const port = portText === undefined ? undefined : parsePort(portText, `--to ${to}`);
  if (br || host.includes(':')) {
    if (host.includes('%')) throw new UserError(`invalid --to ${JSON.stringify(to)}: zone ids are not allowed (a probe goes by the routes, not by one link)`);
    const ip = canonicalIp6(host);
    if (!ip) throw bad();
    if (/^::ffff:/i.test(ip)) throw new UserError(`invalid --to ${JSON.stringify(to)}: a v4-mapped address; trace its IPv4 address instead`);
    return { label: to, ip, port, family: 6 };
  }
  if (IPV4.test(host)) {
    if (ipv6) throw new UserError(`--to ${to} is an IPv4 address: -6 traces to a container's IPv6 address (or give an IPv6 one)`);
    return { label: to, ip: host, port, family: 4 };
  }
  if (!host) throw bad();
  const c = await containerOf(host);
  if (!c) throw new UserError(`No such container: ${host} (--to is an address, or a container of this state root)`);
  if (!c.eps.length) throw new UserError(`container ${host} has no address of its own (network host or none)`);
  // the address on a network both share, else its first, in the family asked (IPv4 unless -6 or it has none)
  const want6 = ipv6 || c.eps.every((e) => !e.ip);
  const has = (e: Ep) => (want6 ? !!e.ip6 : !!e.ip);
  const ep = c.eps.find((e) => has(e) && src.addrs?.has(e.network)) ?? c.eps.find(has);
  if (!ep) throw new UserError(`container ${host} has no IPv6 address (its networks: ${c.eps.map((e) => e.network).join(', ')}; network create --ipv6 gives one)`);
  return { label: to, ip: want6 ? ep.ip6! : ep.ip, port, family: want6 ? 6 : 4, container: { id: c.id, name: c.name, network: ep.network } };
}
