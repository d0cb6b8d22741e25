// IPv6 address and CIDR arithmetic (the v6 twin of cidr.ts). Pure functions, no I/O.
// Addresses are 128-bit unsigned bigints; text output is RFC 5952 canonical (lower case,
// no leading zeros, the longest run of two or more zero groups — the first on a tie —
// compressed to "::"), with the IPv4-mapped range ::ffff:0:0/96 printed with a dotted tail
// as Go's netip (Docker) and inet_ntop do. Zone ids ("fe80::1%eth0") are refused: a
// container address or subnet has no zone, and accepting one would silently drop it.

export interface Cidr6 {
  /** Network address, host bits cleared. */
  base: bigint;
  prefix: number;
}

export const BITS6 = 128;
const ALL = (1n << 128n) - 1n;
const V4_MAPPED_BASE = 0xffffn << 32n;

export type Ip6Result = { ok: true; value: bigint } | { ok: false; reason: string };

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function dottedToNumber(s: string): number | undefined {
  const m = DOTTED.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    if (m[i].length > 1 && m[i].startsWith('0')) return undefined;
    const v = Number(m[i]);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function groupsOf(part: string): string[] {
  return part === '' ? [] : part.split(':');
}

/** Parses an IPv6 address, with the reason when it is not one (for one-line refusals). */
export function checkIp6(input: string): Ip6Result {
  const s = input;
  const bad = (reason: string): Ip6Result => ({ ok: false, reason });
  if (s.includes('%')) return bad(`${JSON.stringify(input)}: zone ids are not allowed here`);
  if (!s.includes(':')) return bad(`${JSON.stringify(input)} is not an IPv6 address`);
  const halves = s.split('::');
  if (halves.length > 2) return bad(`${JSON.stringify(input)} is not an IPv6 address ("::" twice)`);
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  // A dotted IPv4 tail stands for the last two groups (RFC 4291 2.2 form 3); only the
  // text's final group may be one ("1.2.3.4::" is not an address).
  const final = halves.length === 2 ? tail : head;
  const last = final[final.length - 1];
  let v4: number | undefined;
  if (last !== undefined && last.includes('.')) {
    v4 = dottedToNumber(last);
    if (v4 === undefined) return bad(`${JSON.stringify(input)} is not an IPv6 address (bad IPv4 tail)`);
    final.pop();
  }
  const groupCount = head.length + tail.length + (v4 === undefined ? 0 : 2);
  for (const g of [...head, ...tail]) if (!HEX_GROUP.test(g)) return bad(`${JSON.stringify(input)} is not an IPv6 address`);
  if (halves.length === 2 ? groupCount > 7 : groupCount !== 8) return bad(`${JSON.stringify(input)} is not an IPv6 address (wrong number of groups)`);
  const words: number[] = [...head.map((g) => parseInt(g, 16))];
  const tailWords = tail.map((g) => parseInt(g, 16));
  if (v4 !== undefined) tailWords.push(Math.floor(v4 / 65536), v4 % 65536);
  if (halves.length === 2) while (words.length + tailWords.length < 8) words.push(0);
  words.push(...tailWords);
  let n = 0n;
  for (const w of words) n = (n << 16n) | BigInt(w);
  return { ok: true, value: n };
}

export function parseIp6(s: string): bigint | undefined {
  const r = checkIp6(s);
  return r.ok ? r.value : undefined;
}

/** True for a textual IPv6 address (no zone). The contract's isV6(). */
export function isV6(s: string): boolean {
  return checkIp6(s).ok;
}

export function isV4Mapped(n: bigint): boolean {
  return n >> 32n === 0xffffn;
}

/** ::ffff:a.b.c.d → the IPv4 number; undefined for any other address. */
export function v4FromMapped(n: bigint): number | undefined {
  return isV4Mapped(n) ? Number(n & 0xffffffffn) : undefined;
}

export function v4Mapped(ip4: number): bigint {
  return V4_MAPPED_BASE | BigInt(ip4 >>> 0);
}

/** RFC 5952 text form. */
export function formatIp6(n: bigint): string {
  if (n < 0n || n > ALL) throw new RangeError(`not a 128-bit value: ${n}`);
  if (isV4Mapped(n)) {
    const v = Number(n & 0xffffffffn);
    return `::ffff:${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}

/** Canonical text of an address given in any valid form; undefined when not IPv6. */
export function canonicalIp6(s: string): string | undefined {
  const n = parseIp6(s);
  return n === undefined ? undefined : formatIp6(n);
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(BITS6 - prefix)) & ALL;
}

export type Cidr6Result = { ok: true; value: Cidr6 } | { ok: false; reason: string };

/** Parses "addr/nn". strict: host bits must be zero (Docker's rule for --subnet). */
export function checkCidr6(s: string, strict = false): Cidr6Result {
  const slash = s.indexOf('/');
  if (slash < 0) return { ok: false, reason: `${JSON.stringify(s)} is not an IPv6 CIDR (no /prefix)` };
  const ip = checkIp6(s.slice(0, slash));
  if (!ip.ok) return ip;
  const pstr = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(pstr) || Number(pstr) > BITS6) return { ok: false, reason: `${JSON.stringify(s)}: bad IPv6 prefix length` };
  const prefix = Number(pstr);
  const base = ip.value & mask6(prefix);
  if (strict && base !== ip.value) return { ok: false, reason: `${JSON.stringify(s)} has host bits set (network address is ${formatIp6(base)}/${prefix})` };
  return { ok: true, value: { base, prefix } };
}

export function parseCidr6(s: string, strict = false): Cidr6 | undefined {
  const r = checkCidr6(s, strict);
  return r.ok ? r.value : undefined;
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIp6(c.base)}/${c.prefix}`;
}

/** Canonical text of a CIDR given in any valid form (host bits cleared); undefined when not one. */
export function canonicalCidr6(s: string): string | undefined {
  const c = parseCidr6(s);
  return c ? formatCidr6(c) : undefined;
}

export function size6(c: Cidr6): bigint {
  return 1n << BigInt(BITS6 - c.prefix);
}

export function last6(c: Cidr6): bigint {
  return c.base + size6(c) - 1n;
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return (ip & mask6(c.prefix)) === c.base;
}

/** b lies wholly inside a. */
export function within6(a: Cidr6, b: Cidr6): boolean {
  return b.prefix >= a.prefix && contains6(a, b.base);
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  const m = mask6(Math.min(a.prefix, b.prefix));
  return (a.base & m) === (b.base & m);
}

/** The n-th address of the subnet (0 = the subnet-router anycast address). Throws when outside. */
export function nth6(c: Cidr6, n: bigint): bigint {
  if (n < 0n || n >= size6(c)) throw new RangeError(`address #${n} is outside ${formatCidr6(c)}`);
  return c.base + n;
}

/** The i-th subnet of the given prefix inside pool (i from 0); undefined when past the end. */
export function subnetAt6(pool: Cidr6, prefix: number, i: bigint): Cidr6 | undefined {
  if (prefix < pool.prefix || i < 0n || i >= 1n << BigInt(prefix - pool.prefix)) return undefined;
  return { base: pool.base + (i << BigInt(BITS6 - prefix)), prefix };
}

/** Link-local unicast fe80::/10: never a network's subnet. */
export function isLinkLocal6(n: bigint): boolean {
  return n >> 118n === 0x3fan;
}

export function isMulticast6(n: bigint): boolean {
  return n >> 120n === 0xffn;
}

/** An IPv6-only container's MAC, in the spirit of Docker's 02:42 + IPv4 bytes: 02:42 + the address's last four bytes. */
export function macForIp6(n: bigint): string {
  const low = Number(n & 0xffffffffn);
  const bytes = [0x02, 0x42, low >>> 24, (low >>> 16) & 255, (low >>> 8) & 255, low & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
