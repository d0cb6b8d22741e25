// IPAM: which subnet a network gets, and which address in it each container gets.
//
// Pools are Docker's defaults; a candidate subnet that overlaps a route or address already on
// the host (or another minidock network) is skipped. Inside a subnet the network address, the
// gateway and the broadcast address are never handed out, the lowest free address goes first,
// and `--ip` asks for a specific one. Allocations live in one JSON file per network, changed
// only under the `network` lock (see index.ts), so 30 racing `run`s never share an address.
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { run } from '../../host/exec.js';
import { readState, writeJsonAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';
import { DaemonError, UserError } from '../../errors.js';
import {
  type Cidr,
  broadcast,
  contains,
  formatCidr,
  formatIp,
  nth,
  overlaps,
  parseCidr,
  parseIp,
  size,
  split,
} from './cidr.js';
import { formatIp6, parseCidr6, parseIp6 } from './cidr6.js';
import { pickAddress6 } from './ipam6.js';
import { networkConfig } from './netconfig.js';

/** Docker's default-address-pools: base and the size of the subnets cut from it. */
export const DOCKER_DEFAULT_POOLS: { base: string; size: number }[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/**
 * Candidate subnets in order. MINIDOCK_DEFAULT_POOL overrides the defaults: a comma-separated
 * list of `CIDR` (used as is) or `CIDR/SIZE` (cut into /SIZE subnets), e.g. `10.99.0.0/16/24`.
 */
export function candidateSubnets(env: string | undefined = process.env.MINIDOCK_DEFAULT_POOL): Cidr[] {
  const pools: { base: string; size: number }[] = [];
  if (env && env.trim()) {
    for (const item of env.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^(\d+\.\d+\.\d+\.\d+\/\d+)(?:\/(\d+))?$/.exec(item);
      const c = m && parseCidr(m[1]);
      if (!m || !c) throw new UserError(`invalid MINIDOCK_DEFAULT_POOL entry ${JSON.stringify(item)}`);
      const sz = m[2] ? Number(m[2]) : c.prefix;
      if (sz < c.prefix || sz > 30) throw new UserError(`invalid subnet size /${sz} in MINIDOCK_DEFAULT_POOL`);
      pools.push({ base: m[1], size: sz });
    }
  } else pools.push(...configuredPools4(), ...(configuredPools4().length ? [] : DOCKER_DEFAULT_POOLS));
  return pools.flatMap((p) => split(parseCidr(p.base)!, p.size));
}

/** config.json "default-address-pools" entries of the IPv4 family (they replace Docker's defaults, as in Docker). */
function configuredPools4(): { base: string; size: number }[] {
  const out: { base: string; size: number }[] = [];
  for (const p of networkConfig().pools ?? []) {
    if (typeof p.base !== 'string' || p.base.includes(':')) continue;
    const c = parseCidr(p.base);
    if (!c || typeof p.size !== 'number' || !Number.isInteger(p.size) || p.size < c.prefix || p.size > 30) {
      throw new UserError(`invalid "default-address-pools" entry ${JSON.stringify(p)}: {"base": "10.10.0.0/16", "size": 24} (size from the base's prefix to 30)`);
    }
    out.push({ base: formatCidr(c), size: p.size });
  }
  return out;
}

/** The first candidate that overlaps nothing in `used` (host routes, addresses, other networks). */
export function chooseSubnet(candidates: Cidr[], used: Cidr[]): Cidr | undefined {
  return candidates.find((c) => !used.some((u) => overlaps(c, u)));
}

interface RouteJson {
  dst?: string;
}
interface AddrJson {
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** Parses `ip -j -4 route` and `ip -j -4 addr` output into the subnets already in use. */
export function usedSubnetsFrom(routesJson: string, addrsJson: string): Cidr[] {
  const out: Cidr[] = [];
  for (const r of JSON.parse(routesJson || '[]') as RouteJson[]) {
    if (!r.dst || r.dst === 'default') continue;
    const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    if (c) out.push(c);
  }
  for (const l of JSON.parse(addrsJson || '[]') as AddrJson[]) {
    for (const a of l.addr_info ?? []) {
      if (a.family && a.family !== 'inet') continue;
      if (!a.local || a.prefixlen === undefined) continue;
      const c = parseCidr(`${a.local}/${a.prefixlen}`);
      if (c && !a.local.startsWith('127.')) out.push(c);
    }
  }
  return out;
}

/** Subnets in use on this host (in the current network namespace). */
export async function hostUsedSubnets(): Promise<Cidr[]> {
  const [r, a] = await Promise.all([run('ip', ['-j', '-4', 'route', 'show', 'table', 'main']), run('ip', ['-j', '-4', 'addr'])]);
  return usedSubnetsFrom(r.stdout, a.stdout);
}

// ---------------------------------------------------------------- allocation (pure)

/** Network address, gateway and broadcast are never handed out. */
export function reservedAddresses(subnet: Cidr, gateway: number): Set<number> {
  const s = new Set<number>([subnet.base, gateway]);
  if (subnet.prefix < 31) s.add(broadcast(subnet));
  return s;
}

/** The daemon's refusal of a requested address outside the network's subnet. */
export const notInSubnet = (requested: string): DaemonError => new DaemonError(`Invalid address ${requested}: It does not belong to any of this network's subnets`);

/**
 * Picks an address: `requested` when given (must be inside the subnet, not reserved, not
 * taken), otherwise the lowest free one. `taken` holds addresses already allocated.
 */
export function pickAddress(subnet: Cidr, gateway: number, taken: Set<number>, requested?: string, range?: Cidr): number {
  const reserved = reservedAddresses(subnet, gateway);
  if (requested !== undefined) {
    const ip = parseIp(requested);
    if (ip === undefined) throw new UserError(`invalid IPv4 address: ${requested}`);
    if (!contains(subnet, ip)) throw notInSubnet(requested);
    if (reserved.has(ip)) throw new UserError(`address ${requested} is reserved (network, gateway or broadcast address of ${formatCidr(subnet)})`);
    if (taken.has(ip)) throw new UserError(`Address already in use: ${requested}`);
    return ip;
  }
  // --ip-range: automatic addresses come from the range only (still never a reserved one).
  const from = range ?? subnet;
  const n = size(from);
  for (let i = 0; i < n; i++) {
    const ip = nth(from, i);
    if (contains(subnet, ip) && !reserved.has(ip) && !taken.has(ip)) return ip;
  }
  throw new UserError(`no available IPv4 addresses on this network's address pools: ${formatCidr(from)}`);
}

// ---------------------------------------------------------------- allocation (persisted)

export interface IpamState {
  /** '' on an IPv6-only network */
  subnet: string;
  gateway: string;
  /** address → container id */
  allocated: Record<string, string>;
  /** IPv6 addresses (canonical) → container id (ipam6.ts picks them) */
  allocated6?: Record<string, string>;
}

function ipamFile(networkId: string): string {
  return join(paths.networks(), 'ipam', `${networkId}.json`);
}

export function readIpam(networkId: string): IpamState | undefined {
  return readState<IpamState>(ipamFile(networkId), 'remove it once no container on that network runs: addresses are then handed out afresh', 'object', true);
}

/** Allocates an address for a container. Call with the `network` lock held. */
export function allocateAddress(networkId: string, subnet: string, gateway: string, containerId: string, requested?: string, ipRange?: string): string {
  const st = readIpam(networkId) ?? { subnet, gateway, allocated: {} };
  const c = parseCidr(subnet)!;
  const gw = parseIp(gateway)!;
  // A container holds at most one address per network: a stale one (crash) is reused.
  const mine = Object.entries(st.allocated).filter(([, id]) => id === containerId).map(([ip]) => ip);
  for (const ip of mine) delete st.allocated[ip];
  const taken = new Set(Object.keys(st.allocated).map((s) => parseIp(s)!));
  const ip = formatIp(pickAddress(c, gw, taken, requested, ipRange ? parseCidr(ipRange) : undefined));
  st.allocated[ip] = containerId;
  writeJsonAtomic(ipamFile(networkId), st);
  return ip;
}

/** Allocates an IPv6 address for a container (--ip6: `requested`). Call with the `network` lock held. */
export function allocateAddress6(networkId: string, subnet6: string, gateway6: string, containerId: string, requested?: string, ipRange6?: string): string {
  const st = readIpam(networkId) ?? { subnet: '', gateway: '', allocated: {} };
  const a6 = (st.allocated6 ??= {});
  for (const [ip, id] of Object.entries(a6)) if (id === containerId) delete a6[ip];
  const taken = new Set(Object.keys(a6).map((s) => parseIp6(s)!));
  const ip = formatIp6(pickAddress6(parseCidr6(subnet6)!, parseIp6(gateway6)!, taken, requested, ipRange6 ? parseCidr6(ipRange6) : undefined));
  a6[ip] = containerId;
  writeJsonAtomic(ipamFile(networkId), st);
  return ip;
}

/** Releases every address (both families) a container holds on a network. Call with the `network` lock held. */
export function releaseAddresses(networkId: string, containerId: string): string[] {
  const st = readIpam(networkId);
  if (!st) return [];
  const mine = Object.entries(st.allocated).filter(([, id]) => id === containerId).map(([ip]) => ip);
  const mine6 = Object.entries(st.allocated6 ?? {}).filter(([, id]) => id === containerId).map(([ip]) => ip);
  if (mine.length === 0 && mine6.length === 0) return [];
  for (const ip of mine) delete st.allocated[ip];
  for (const ip of mine6) delete st.allocated6![ip];
  writeJsonAtomic(ipamFile(networkId), st);
  return [...mine, ...mine6];
}

export function removeIpam(networkId: string): void {
  rmSync(ipamFile(networkId), { force: true });
}
