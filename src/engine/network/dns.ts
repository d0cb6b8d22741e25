// The embedded DNS for user-defined networks: what minidock-dns (src/runtime/dns/minidock-dns.c)
// is told, and keeping exactly one of it running per host netns while any container needs it.
//
//   buildDnsRecords()   pure: endpoints + networks + upstreams → the records file text
//   syncDns()           under the `network` lock: rewrite the records file, then make the
//                       resolver re-read it (start it for the first container, stop it after the
//                       last) and wait until it has: when a container starts, its 127.0.0.11
//                       socket exists before its process runs.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';
import { dryRun } from '../../host/plan.js';
import { shimPath } from '../../runtime/shim.js';
import { UserError } from '../../errors.js';
import { childEnv } from '../../host/env.js';
import { parseIp } from './cidr.js';
import { canonicalIp6 } from './cidr6.js';
import { DEFAULT_NETWORK, type EndpointRecord, type NetworkRecord } from './networks.js';
import { driverOf } from './drivers/index.js';

export interface Upstream {
  ip: string;
  port: number;
}

/** Docker's name rules for what may be a DNS name here: no spaces, nothing odd. */
const DNS_NAME_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$/;

export function isDnsName(s: string): boolean {
  return DNS_NAME_RE.test(s) && !s.includes('..') && !s.endsWith('.');
}

/** The key a network has in the records file. */
export function netKey(networkId: string): string {
  return networkId.slice(0, 12);
}

/** Whether a network gets the embedded DNS (user-defined networks whose driver has it; not the default one). */
export function hasEmbeddedDns(n: Pick<NetworkRecord, 'Name' | 'Driver'>): boolean {
  return !!driverOf(n)?.caps.embeddedDns && n.Name !== DEFAULT_NETWORK;
}

/** An endpoint's IPv6 address as the records file takes it, canonical (undefined: none, or not one). */
function dnsIp6(e: EndpointRecord): string | undefined {
  return e.ip6 ? canonicalIp6(e.ip6) : undefined;
}

/**
 * The records file: `u IP PORT` per upstream, `c NETNS_PATH NETKEY…` per container on at least
 * one user network (followed by `s IP PORT` per --dns server of that container), `n NETKEY IP NAME…`
 * per address of an endpoint on a user network (its container's name, its aliases on that
 * network, its 12-hex short id): one line for its IPv4 address, one for its IPv6 address
 * (EndpointRecord.ip6), so a dual-stack endpoint has two and a v6-only one (ip '') only the
 * second. minidock-dns answers A from the first, AAAA from the second, and NODATA for the family
 * a known name lacks. An older minidock-dns skips the v6 lines (not an IPv4 address). Pure.
 */
export function buildDnsRecords(endpoints: EndpointRecord[], networks: NetworkRecord[], upstreams: Upstream[]): string {
  const userNets = new Map(networks.filter(hasEmbeddedDns).map((n) => [n.Id, n]));
  const lines: string[] = ['# minidock-dns records: u IP PORT | c NETNS NETKEY… | s IP PORT | n NETKEY IP NAME… (IP: v4 or v6)'];
  for (const u of upstreams) lines.push(`u ${u.ip} ${u.port}`);
  const byContainer = new Map<string, { netns: string; nets: string[]; dns: string[] }>();
  const names: string[] = [];
  const sorted = [...endpoints].sort((a, b) => a.containerId.localeCompare(b.containerId) || (a.ifname ?? 'eth0').localeCompare(b.ifname ?? 'eth0'));
  for (const e of sorted) {
    if (!userNets.has(e.networkId)) continue;
    const ip4 = parseIp(e.ip) !== undefined ? e.ip : undefined;
    const ip6 = dnsIp6(e);
    if (!/^[A-Za-z0-9_.-]+$/.test(e.netns) || (ip4 === undefined && ip6 === undefined)) continue;
    const c = byContainer.get(e.containerId) ?? { netns: `/run/netns/${e.netns}`, nets: [], dns: [] as string[] };
    c.nets.push(netKey(e.networkId));
    for (const d of e.dns ?? []) {
      const ip = upstreamIp(d);
      if (ip !== undefined && !c.dns.includes(ip)) c.dns.push(ip);
    }
    byContainer.set(e.containerId, c);
    const own = [e.containerName, ...(e.aliases ?? []), e.containerId.slice(0, 12)].filter((n) => n && isDnsName(n));
    const uniq = [...new Set(own.map((n) => n.toLowerCase()))];
    for (const ip of [ip4, ip6]) if (ip !== undefined) names.push(`n ${netKey(e.networkId)} ${ip} ${uniq.join(' ')}`);
  }
  for (const c of byContainer.values()) {
    lines.push(`c ${c.netns} ${c.nets.join(' ')}`);
    // --dns: this container's own upstreams (they replace the host's for its queries, as Docker's)
    for (const d of c.dns.slice(0, 3)) lines.push(`s ${d} 53`);
  }
  lines.push(...names);
  return lines.join('\n') + '\n';
}

/** How many containers a records file asks to serve. Pure. */
export function servedCount(records: string): number {
  return records.split('\n').filter((l) => l.startsWith('c ')).length;
}

/**
 * An upstream's address as the records file takes it: IPv4, or canonical IPv6 with its zone if
 * it has one (`fe80::1%eth0`: a link-local resolver, reached through that interface of the host,
 * as glibc and Docker take resolv.conf's zones); undefined when it is neither. Pure.
 */
export function upstreamIp(s: string): string | undefined {
  if (parseIp(s) !== undefined) return s;
  const [addr, zone, ...more] = s.split('%');
  const v6 = canonicalIp6(addr);
  if (v6 === undefined || more.length) return undefined;
  if (zone === undefined) return v6;
  // an interface name (at most 15 bytes, IFNAMSIZ) or its index
  return /^[A-Za-z0-9_.-]{1,15}$/.test(zone) ? `${v6}%${zone}` : undefined;
}

/** `IP`, `IP:PORT`, `IPV6`, `[IPV6]:PORT` (a zone inside the brackets too): address and port text. */
function splitHostPort(item: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(item);
  if (bracketed) return [bracketed[1], bracketed[2]];
  const v4 = /^([^:]+)(?::([^:]*))?$/.exec(item);
  return v4 ? [v4[1], v4[2]] : [item, undefined];
}

/**
 * Upstream resolvers: MINIDOCK_DNS_UPSTREAM (`IP[:PORT]`, `IPV6`, `[IPV6]:PORT`, comma-separated)
 * when set, else the nameservers of the host's /etc/resolv.conf, IPv4 and IPv6 (zones kept;
 * loopback ones too: the resolver runs in the host's network namespace, so 127.0.0.53 and ::1
 * work). At most 3, like resolv.conf. Pure.
 */
export function parseUpstreams(env: string | undefined, hostResolvConf: string): Upstream[] {
  const out: Upstream[] = [];
  if (env !== undefined && env.trim() !== '') {
    for (const item of env.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [host, portText] = splitHostPort(item);
      const ip = upstreamIp(host);
      const port = portText === undefined ? 53 : /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
      if (ip === undefined || port < 1 || port > 65535) throw new UserError(`invalid MINIDOCK_DNS_UPSTREAM entry ${JSON.stringify(item)} (IP[:PORT], IPV6 or [IPV6]:PORT)`);
      out.push({ ip, port });
    }
    return out.slice(0, 3);
  }
  for (const l of hostResolvConf.split('\n')) {
    const ip = upstreamIp(/^\s*nameserver\s+(\S+)/.exec(l)?.[1] ?? '');
    if (ip !== undefined) out.push({ ip, port: 53 });
  }
  return out.slice(0, 3);
}

/**
 * /etc/resolv.conf of a container on a user-defined network (Docker's): the embedded resolver,
 * the host's search domains and options, and ndots:0. Pure.
 */
export function embeddedResolvConf(host: string): string {
  const search = host.split('\n').filter((l) => /^\s*(search|domain)\s/.test(l)).map((l) => l.trim());
  const opts = host
    .split('\n')
    .filter((l) => /^\s*options\s/.test(l))
    .flatMap((l) => l.trim().split(/\s+/).slice(1))
    .filter((o) => !o.startsWith('ndots:'));
  return ['nameserver 127.0.0.11', ...search, `options ndots:0${opts.length ? ' ' + opts.join(' ') : ''}`].join('\n') + '\n';
}

// ---------------------------------------------------------------- the resolver process

export function dnsDir(): string {
  return join(paths.networks(), 'dns');
}
export function recordsFile(): string {
  return join(dnsDir(), 'records');
}

/** The resolver's control socket (a unix socket file in the state root). */
export function controlName(): string {
  const p = join(dnsDir(), 'ctl.sock');
  if (Buffer.byteLength(p) > 107) throw new UserError(`MINIDOCK_ROOT is too long for the DNS resolver's control socket ${p} (at most 107 bytes)`);
  return p;
}

/** dist/minidock-dns, next to the shim. */
export function dnsBinary(): string {
  const p = join(dirname(shimPath()), 'minidock-dns');
  if (!existsSync(p)) throw new UserError('minidock-dns not found: run `npm run build`');
  return p;
}

/** Sends one command to a running resolver; undefined when none is listening. */
export function controlResolver(cmd: 'reload' | 'quit' | 'ping', name = controlName()): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ path: name });
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, 3000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(cmd + '\n'));
    s.on('data', (d: string) => (out += d));
    s.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out.startsWith('ok') ? out.trim() : undefined);
    });
  });
}

function startResolver(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(dnsBinary(), [recordsFile(), controlName()], { detached: true, cwd: '/', stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: childEnv() });
    let report = '';
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.setEncoding('utf8');
    fd3.on('data', (d: string) => (report += d));
    child.on('error', (e) => reject(new UserError(`cannot start minidock-dns: ${e.message}`)));
    fd3.on('end', () => {
      child.unref();
      if (report.startsWith('ok')) resolve(child.pid ?? 0);
      else reject(new UserError(`minidock-dns: ${report.replace(/^err /, '').trim() || 'failed to start'}`));
    });
  });
}

function readHostResolv(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Brings the resolver in line with the endpoints on disk. Call with the `network` lock held,
 * after endpoints changed on a user-defined network.
 */
export async function syncDns(explain?: (line: string) => void): Promise<void> {
  const { listEndpoints, listNetworkRecords } = await import('./networks.js');
  // overlay networks: the names of containers on other hosts (src/engine/cluster/sync.ts)
  const remote = existsSync(join(paths.networks(), 'overlay')) ? (await import('../cluster/sync.js')).remoteNameLines() : '';
  const text = buildDnsRecords(listEndpoints(), listNetworkRecords(), parseUpstreams(process.env.MINIDOCK_DNS_UPSTREAM, readHostResolv())) + remote;
  const n = servedCount(text);
  if (dryRun.active) return explainDnsSync(n, explain);
  if (n === 0) {
    if (existsSync(recordsFile())) {
      writeFileAtomic(recordsFile(), text);
      const r = await controlResolver('quit');
      if (r) explain?.('# no container is on a user-defined network any more: stop the embedded DNS resolver (minidock-dns)');
      rmSync(recordsFile(), { force: true });
    }
    return;
  }
  writeFileAtomic(recordsFile(), text);
  const r = await controlResolver('reload');
  if (r) {
    explain?.(`# tell the embedded DNS resolver the new names (it serves ${n} container${n === 1 ? '' : 's'} at 127.0.0.11 inside their netns)`);
    return;
  }
  explain?.(`# start the embedded DNS resolver: it answers at 127.0.0.11:53 inside each container on a user-defined network`);
  explain?.(`${dnsBinary()} ${recordsFile()} ${controlName()} &`);
  await startResolver();
}

/**
 * --dry-run: what syncDns would do, said and not done. Whether a resolver runs is asked of the
 * real one (its control socket in the real state root; "ping" changes nothing).
 */
async function explainDnsSync(n: number, explain?: (line: string) => void): Promise<void> {
  const { realStateRoot } = await import('./dryrun.js');
  const dir = join(realStateRoot(), 'networks', 'dns');
  const running = await controlResolver('ping', join(dir, 'ctl.sock'));
  if (n === 0) {
    if (running) explain?.('# no container is on a user-defined network any more: stop the embedded DNS resolver (minidock-dns)');
  } else if (running) {
    explain?.(`# tell the embedded DNS resolver the new names (it serves ${n} container${n === 1 ? '' : 's'} at 127.0.0.11 inside their netns)`);
  } else {
    explain?.(`# start the embedded DNS resolver: it answers at 127.0.0.11:53 inside each container on a user-defined network`);
    explain?.(`${dnsBinary()} ${join(dir, 'records')} ${join(dir, 'ctl.sock')} &`);
  }
}
