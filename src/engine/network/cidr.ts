// IPv4 address and CIDR arithmetic. Pure functions, no I/O: IPAM, pool choice and the
// firewall rule generator are built on these, and unit tests pin them down.

export interface Cidr {
  /** Network address as an unsigned 32-bit integer (host bits cleared). */
  base: number;
  prefix: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad IPv4; returns undefined when it is not one (no leading zeros games: 0–255 each). */
export function parseIp(s: string): number | undefined {
  const m = IPV4_RE.exec(s.trim());
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function isIp(s: string): boolean {
  return parseIp(s) !== undefined;
}

export function formatIp(n: number): string {
  n = n >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/nn". strict: host bits must be zero (as Docker requires for --subnet). */
export function parseCidr(s: string, strict = false): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const pstr = s.slice(slash + 1);
  if (ip === undefined || !/^\d{1,2}$/.test(pstr)) return undefined;
  const prefix = Number(pstr);
  if (prefix > 32) return undefined;
  const base = (ip & maskOf(prefix)) >>> 0;
  if (strict && base !== ip) return undefined;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function broadcast(c: Cidr): number {
  return (c.base + size(c) - 1) >>> 0;
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const m = maskOf(p);
  return ((a.base & m) >>> 0) === ((b.base & m) >>> 0);
}

/** The n-th address of the subnet (0 = network address). Throws when outside. */
export function nth(c: Cidr, n: number): number {
  if (n < 0 || n >= size(c)) throw new RangeError(`address #${n} is outside ${formatCidr(c)}`);
  return (c.base + n) >>> 0;
}

/** Splits a pool into subnets of the given prefix, in order ("172.20.0.0/14" by 16 → 4 subnets). */
export function split(pool: Cidr, prefix: number): Cidr[] {
  if (prefix < pool.prefix) return [];
  const out: Cidr[] = [];
  const step = 2 ** (32 - prefix);
  for (let b = pool.base; b <= broadcast(pool); b += step) out.push({ base: b >>> 0, prefix });
  return out;
}

/** Docker's MAC for an address: 02:42 followed by the four bytes of the IPv4 address. */
export function macForIp(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
