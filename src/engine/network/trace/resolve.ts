// `network trace --from … --to …`: what the two ends name. Reads minidock's records only.
import { existsSync } from 'node:fs';
import { UserError } from '../../../errors.js';
import type { ProbeProto } from './rules.js';

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

export interface Target {
  label: string;
  ip: string;
  port?: number;
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

export async function resolveTarget(to: string, src: Source): Promise<Target> {
  const m = /^(.*?)(?::(\d*))?$/.exec(to)!;
  const [, host, portText] = m;
  const port = portText === undefined ? undefined : parsePort(portText, `--to ${to}`);
  if (IPV4.test(host)) return { label: to, ip: host, port };
  if (!host) throw new UserError(`invalid --to ${JSON.stringify(to)}: HOST_IP:PORT, CONTAINER[:PORT] or ADDR:PORT`);
  const c = await containerOf(host);
  if (!c) throw new UserError(`No such container: ${host} (--to is an address, or a container of this state root)`);
  if (!c.eps.length) throw new UserError(`container ${host} has no address of its own (network host or none)`);
  // the address on a network both share, else its first
  const ep = c.eps.find((e) => src.addrs?.has(e.network)) ?? c.eps[0];
  return { label: to, ip: ep.ip, port, container: { id: c.id, name: c.name, network: ep.network } };
}
