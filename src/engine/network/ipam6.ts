// IPv6 IPAM: which /64 a network gets, and which address in it each container gets.
//
// Pools, as Docker 27+: config.json's "default-address-pools" entries of the IPv6 family; when
// there are none, a ULA /48 derived from the host id (moby's deriveULABaseNetwork: the 40 low
// bits of the first 8 bytes of sha256(host id) after fd00::/8), cut into /64s. minidock's host
// id is its state root's id (rootid.ts): two roots on one host get different /48s. Addresses
// are handed out statically, lowest free first (no SLAAC), so any prefix up to /126 can be
// served; the subnet-router anycast address (the subnet's first) and the gateway are reserved.
// Allocations share the network's IPAM file with IPv4 (`allocated6`), under the `network` lock.
import { run } from '../../host/exec.js';
import { UserError } from '../../errors.js';
import {
  type Cidr6,
  checkCidr6,
  checkIp6,
  contains6,
  formatCidr6,
  formatIp6,
  isLinkLocal6,
  isMulticast6,
  isV4Mapped,
  overlaps6,
  parseCidr6,
  parseIp6,
  size6,
  subnetAt6,
} from './cidr6.js';

/** The smallest IPv6 subnet a network may have: anycast, gateway and one container (as /30 for IPv4). */
export const MAX_PREFIX6 = 126;

/** moby's deriveULABaseNetwork: fdXX:XXXX:XXXX::/48 from the host id. (node:crypto loaded here only: ~2 ms.) */
export async function ulaBase(hostId: string): Promise<Cidr6> {
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256').update(hostId).digest();
  const gid = sha.readBigUInt64BE(0) & ((1n << 40n) - 1n);
  return { base: (0xfdn << 120n) | (gid << 80n), prefix: 48 };
}

export interface Pool6 {
  base: Cidr6;
  size: number;
}

/** checkCidr6's reason without the quoted input it starts with (the caller names it already). */
function cidrReason(reason: string): string {
  return reason.replace(/^"[^"]*":? ?/, '') || 'not an IPv6 CIDR';
}

/**
 * Checks a network's IPv6 subnet as given (--subnet, fixed-cidr-v6, the API): an IPv6 CIDR
 * without host bits, neither link-local nor multicast nor IPv4-mapped, room for a gateway and
 * a container. Returns it parsed, or throws one line naming `what`.
 */
export function checkSubnet6(s: string, what = 'subnet'): Cidr6 {
  const r = checkCidr6(s, true);
  if (!r.ok) throw new UserError(`invalid ${what} ${s}: ${cidrReason(r.reason)}`);
  const c = r.value;
  if (isLinkLocal6(c.base) || c.prefix < 10) {
    if (isLinkLocal6(c.base) || overlaps6(c, { base: 0xfe80n << 112n, prefix: 10 })) throw new UserError(`invalid ${what} ${s}: it overlaps the link-local range fe80::/10`);
  }
  if (isMulticast6(c.base) || c.prefix < 8) {
    if (overlaps6(c, { base: 0xffn << 120n, prefix: 8 })) throw new UserError(`invalid ${what} ${s}: it overlaps the multicast range ff00::/8`);
  }
  if (isV4Mapped(c.base) && c.prefix >= 96) throw new UserError(`invalid ${what} ${s}: an IPv4-mapped range (::ffff:0:0/96) is not an IPv6 network`);
  if (c.prefix > MAX_PREFIX6) throw new UserError(`invalid ${what} ${s}: too small (at most /${MAX_PREFIX6}: the gateway and a container need room)`);
  return c;
}

/** An IPv6 address as given for a gateway or --ip6: no zone, not IPv4-mapped. */
export function checkAddress6(s: string, what: string): bigint {
  const r = checkIp6(s);
  if (!r.ok) throw new UserError(`invalid ${what} ${s}: ${r.reason.includes('zone') ? 'zone ids are not allowed' : 'not an IPv6 address'}`);
  if (isV4Mapped(r.value)) throw new UserError(`invalid ${what} ${s}: an IPv4-mapped address, give the IPv4 address instead`);
  return r.value;
}

/** The gateway of an IPv6 subnet: `given` (checked to be inside and not the anycast address), else the first address after it. */
export function gateway6Of(subnet: Cidr6, given?: string): string {
  if (given === undefined) return formatIp6(subnet.base + 1n);
  const gw = checkAddress6(given, 'gateway');
  if (!contains6(subnet, gw)) throw new UserError(`no matching subnet for gateway ${given}: it is outside ${formatCidr6(subnet)}`);
  if (gw === subnet.base) throw new UserError(`invalid gateway ${given}: it is the subnet-router anycast address of ${formatCidr6(subnet)}`);
  return formatIp6(gw);
}

/**
 * An IPv6 --ip-range: a CIDR without host bits, inside `subnet` (Docker's "no matching subnet
 * for range"). Returns it in canonical form, or throws one line.
 */
export function checkRange6(s: string, subnet: Cidr6): string {
  const r = checkCidr6(s, true);
  if (!r.ok) throw new UserError(`invalid ip-range ${s}: ${cidrReason(r.reason)}`);
  if (r.value.prefix < subnet.prefix || !contains6(subnet, r.value.base)) throw new UserError(`no matching subnet for range ${s}: it is outside ${formatCidr6(subnet)}`);
  return formatCidr6(r.value);
}

/**
 * The IPv6 pools: config.json "default-address-pools" entries with an IPv6 base (`{base,
 * size}`), else the host's ULA /48 cut into /64s. Entries are checked here (one line each).
 */
export async function pools6(configured: { base?: unknown; size?: unknown }[] | undefined, hostId: string): Promise<Pool6[]> {
  const out: Pool6[] = [];
  for (const p of configured ?? []) {
    if (typeof p.base !== 'string' || !p.base.includes(':')) continue; // an IPv4 pool
    const r = checkCidr6(p.base, false);
    if (!r.ok) throw new UserError(`invalid "default-address-pools" base ${JSON.stringify(p.base)}: ${r.reason}`);
    const sz = p.size;
    if (typeof sz !== 'number' || !Number.isInteger(sz) || sz < r.value.prefix || sz > MAX_PREFIX6) {
      throw new UserError(`invalid "default-address-pools" size ${JSON.stringify(sz)} for ${p.base}: a prefix length from /${r.value.prefix} to /${MAX_PREFIX6}`);
    }
    out.push({ base: r.value, size: sz });
  }
  return out.length ? out : [{ base: await ulaBase(hostId), size: 64 }];
}

/** How many subnets of one pool are tried before the next: enough for any host, bounded. */
const TRIES_PER_POOL = 1n << 16n;

/** The first subnet of the pools that overlaps nothing in `used`. */
export function chooseSubnet6(pools: Pool6[], used: Cidr6[]): Cidr6 | undefined {
  for (const p of pools) {
    const n = 1n << BigInt(p.size - p.base.prefix);
    for (let i = 0n; i < n && i < TRIES_PER_POOL; i++) {
      const c = subnetAt6(p.base, p.size, i)!;
      if (!used.some((u) => overlaps6(c, u))) return c;
    }
  }
  return undefined;
}

interface Route6Json {
  dst?: string;
}
interface Addr6Json {
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

/** `ip -j -6 route` and `ip -j -6 addr` output → the IPv6 subnets in use (link-local, multicast and ::1 aside). */
export function usedSubnets6From(routesJson: string, addrsJson: string): Cidr6[] {
  const out: Cidr6[] = [];
  const keep = (c: Cidr6 | undefined) => {
    if (c && c.prefix > 0 && !isLinkLocal6(c.base) && !isMulticast6(c.base) && !(c.base === 1n && c.prefix === 128)) out.push(c);
  };
  for (const r of JSON.parse(routesJson || '[]') as Route6Json[]) {
    if (!r.dst || r.dst === 'default') continue;
    keep(parseCidr6(r.dst.includes('/') ? r.dst : `${r.dst}/128`));
  }
  for (const l of JSON.parse(addrsJson || '[]') as Addr6Json[]) {
    for (const a of l.addr_info ?? []) {
      if (a.family && a.family !== 'inet6') continue;
      if (!a.local || a.prefixlen === undefined) continue;
      keep(parseCidr6(`${a.local}/${a.prefixlen}`));
    }
  }
  return out;
}

/** IPv6 subnets in use in this network namespace. */
export async function hostUsedSubnets6(): Promise<Cidr6[]> {
  const [r, a] = await Promise.all([
    run('ip', ['-j', '-6', 'route', 'show', 'table', 'main'], { allowFail: true }),
    run('ip', ['-j', '-6', 'addr'], { allowFail: true }),
  ]);
  return usedSubnets6From(r.code === 0 ? r.stdout : '[]', a.code === 0 ? a.stdout : '[]');
}

/**
 * Picks an address: `requested` (--ip6) when given — inside the subnet, not the anycast
 * address or the gateway, not taken — else the lowest free one (of `range` when the network
 * has an IPv6 --ip-range). Pure.
 */
export function pickAddress6(subnet: Cidr6, gateway: bigint, taken: Set<bigint>, requested?: string, range?: Cidr6): bigint {
  if (requested !== undefined) {
    const ip = checkAddress6(requested, 'IPv6 address');
    if (!contains6(subnet, ip)) throw new UserError(`invalid address ${requested}: it does not belong to the network's IPv6 subnet ${formatCidr6(subnet)}`);
    if (ip === subnet.base || ip === gateway) throw new UserError(`address ${requested} is reserved (subnet-router anycast or gateway address of ${formatCidr6(subnet)})`);
    if (taken.has(ip)) throw new UserError(`Address already in use: ${formatIp6(ip)}`);
    return ip;
  }
  // --ip-range: automatic addresses come from the range only (--ip6 may still ask outside it, as Docker)
  const from = range ?? subnet;
  const n = size6(from);
  // at most taken.size + 2 steps: every address skipped is reserved or taken
  for (let i = 0n; i < n; i++) {
    const ip = from.base + i;
    if (ip !== subnet.base && ip !== gateway && !taken.has(ip)) return ip;
  }
  throw new UserError(`no available IPv6 addresses on this network's address pools: ${formatCidr6(from)}`);
}

export { parseIp6, formatIp6, parseCidr6, formatCidr6 };
