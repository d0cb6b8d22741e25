// `-p` specs, as Docker reads them. Pure: no I/O, unit-tested on a table of valid and invalid specs.
//
//   80                      container port 80/tcp on a random (ephemeral) host port, all addresses
//   8080:80                 host port 8080 → container port 80
//   8080:80/udp             UDP
//   127.0.0.1:8080:80       only on 127.0.0.1
//   127.0.0.1::80           random host port on 127.0.0.1
//   8000-8001:80-81         ranges of equal length, mapped one to one
//   8000-8010:80            the first free host port of the range → container port 80
//   80-81                   a range of container ports on random host ports
//   [2001:db8::1]:8080:80   only on that IPv6 address (in brackets, as Docker; unbracketed too,
//                           as Docker's split at the last two colons allows); canonical form kept
//   [::]:8080:80            every IPv6 address only; 0.0.0.0:8080:80 every IPv4 address only
//                           (Docker's meaning); no address: every address of both families
//   [::1]:8080:80           refused (NO_V6_LOOPBACK below)
import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from '../../errors.js';
import { isIp } from './cidr.js';
import type { PortBinding, Proto } from './types.js';

function bad(spec: string, why: string): never {
  throw new UserError(`invalid port specification: ${JSON.stringify(spec)}: ${why}`);
}

function parseRange(spec: string, s: string, what: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) bad(spec, `invalid ${what} ${JSON.stringify(s)}`);
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (a < 1 || a > 65535 || b < 1 || b > 65535) bad(spec, `${what} must be between 1 and 65535`);
  if (b < a) bad(spec, `invalid ${what} range ${s}`);
  return [a, b];
}

/**
 * Why `-p [::1]:…` is refused. Tried on Linux 6.18 (test/integration/ipv6-ports-kernel.test.ts
 * keeps trying): an OUTPUT DNAT from [::1]:port to the container plus a POSTROUTING masquerade
 * away from ::1 gets the SYN to the container, but its reply, de-NATed back to ::1, arrives on
 * the bridge and is dropped before INPUT (Ip6InHdrErrors: ::1 is only valid on lo, RFC 4291
 * 2.5.3; even with a local route for ::1 on the bridge). IPv6 has no route_localnet to allow it.
 * Docker serves [::1] with its userland proxy; minidock has none.
 */
export const NO_V6_LOOPBACK = 'publishing on ::1 needs a userland proxy, which minidock has not: Linux drops the replies of a connection NATed away from ::1 (IPv6 has no route_localnet); publish on 127.0.0.1 or on another address of the host';

/** An address meaning every address: '' (both families), 0.0.0.0 (IPv4's), :: (IPv6's). */
export const isAnyAddr = (ip: string): boolean => ip === '' || ip === '0.0.0.0' || ip === '::';

/** The families a binding's host address is in ('' is both). */
export function hostFamilies(hostIp: string): (4 | 6)[] {
  if (hostIp === '') return [4, 6];
  return hostIp.includes(':') ? [6] : [4];
}

/** The host address of a spec: IPv4, or IPv6 (bracketed or not) in canonical form (RFC 5952). */
function parseHostIp(spec: string, raw: string): string {
  const inner = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (inner.includes('%')) bad(spec, `invalid host IP ${JSON.stringify(raw)}: zone ids are not supported`);
  if (inner === raw && isIPv4(raw) && isIp(raw)) return raw;
  if (!isIPv6(inner)) bad(spec, `invalid host IP ${JSON.stringify(raw)}`);
  // lower case, the longest run of zeros compressed: as the WHATWG URL parser writes it
  const canon = new URL(`http://[${inner}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canon);
  if (mapped) {
    // a v4-mapped address is the IPv4 address (as Go's net.IP, which Docker uses, takes it)
    const [hi, lo] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  if (canon === '::1') bad(spec, NO_V6_LOOPBACK);
  return canon;
}

export function parsePortSpec(spec: string): PortBinding[] {
  if (typeof spec !== 'string' || spec.trim() === '' || /\s/.test(spec)) bad(String(spec), 'empty or contains spaces');
  let rest = spec;
  let proto: Proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') bad(spec, `unsupported protocol ${JSON.stringify(p)} (tcp or udp)`);
    proto = p;
    rest = rest.slice(0, slash);
  }
  // Docker's split (go-connections' splitParts): the last two colons part the ports, the rest is the address
  const parts = rest.split(':');
  const containerPart = parts[parts.length - 1];
  const hostPart = parts.length >= 2 ? parts[parts.length - 2] : '';
  const hostIp = parts.length >= 3 ? parseHostIp(spec, parts.slice(0, -2).join(':')) : '';
  if (parts.length === 2 && hostPart === '') bad(spec, 'missing host port');
  const [c0, c1] = parseRange(spec, containerPart, 'container port');
  const count = c1 - c0 + 1;
  if (hostPart === '') {
    const out: PortBinding[] = [];
    for (let i = 0; i < count; i++) out.push({ hostIp, hostPort: 0, containerPort: c0 + i, proto });
    return out;
  }
  const [h0, h1] = parseRange(spec, hostPart, 'host port');
  const hcount = h1 - h0 + 1;
  if (count === 1 && hcount > 1) return [{ hostIp, hostPort: h0, hostPortEnd: h1, containerPort: c0, proto }];
  if (hcount !== count) bad(spec, `host port range ${hostPart} and container port range ${containerPart} differ in length`);
  const out: PortBinding[] = [];
  for (let i = 0; i < count; i++) out.push({ hostIp, hostPort: h0 + i, containerPort: c0 + i, proto });
  return out;
}

/** Parses several -p values; the same host address/port/protocol twice is refused. */
export function parsePortSpecs(specs: string[]): PortBinding[] {
  const all = specs.flatMap(parsePortSpec);
  for (let i = 0; i < all.length; i++)
    for (let j = 0; j < i; j++) if (bindingsClash(all[i], all[j])) throw new UserError(`Bind for ${hostWhere(all[i])}:${all[i].hostPort} failed: port is already allocated`);
  return all;
}

/**
 * A host port a binding holds, in the families it holds it in (`families`: default, those of its
 * address; a port on every address holds only the families its network serves it in by NAT:
 * portalloc.ts).
 */
export type PortClaim = Pick<PortBinding, 'hostIp' | 'hostPort' | 'hostPortEnd' | 'proto'> & { families?: (4 | 6)[] };

/** Two bindings want the same host port (same protocol, overlapping address and family). Random ports never clash here. */
export function bindingsClash(a: PortClaim, b: PortClaim): boolean {
  if (a.proto !== b.proto || a.hostPort === 0 || b.hostPort === 0 || a.hostPortEnd || b.hostPortEnd) return false;
  if (a.hostPort !== b.hostPort) return false;
  const fa = a.families ?? hostFamilies(a.hostIp);
  if (!(b.families ?? hostFamilies(b.hostIp)).some((f) => fa.includes(f))) return false;
  return isAnyAddr(a.hostIp) || isAnyAddr(b.hostIp) || a.hostIp === b.hostIp;
}

/** The host address of a binding as Docker's HostIp shows it ('' is 0.0.0.0). */
export function hostAddr(b: { hostIp: string }): string {
  return b.hostIp || '0.0.0.0';
}

/** The same before `:port`: IPv6 in brackets (`[2001:db8::1]:8080`), as Docker writes it. */
export function hostWhere(b: { hostIp: string }): string {
  const a = hostAddr(b);
  return a.includes(':') ? `[${a}]` : a;
}

/**
 * The one line refusing a binding the container cannot serve — on an address of a family it has
 * no address in (`-p [2001:db8::1]:80:80` on an IPv4-only network, `-p 127.0.0.1:80:80` on an
 * IPv6-only one) — or undefined.
 */
export function checkPortFamilies(ports: PortBinding[], has: { v4: boolean; v6: boolean }): string | undefined {
  for (const b of ports) {
    const fams = hostFamilies(b.hostIp);
    if (!fams.some((f) => (f === 4 ? has.v4 : has.v6))) return `cannot publish ${hostWhere(b)}:${b.hostPort}/${b.proto}: the container has no IPv${fams[0]} address on this network`;
  }
  return undefined;
}

/**
 * Docker's NetworkSettings.Ports shape. With `v6` (the container has an IPv6 address), a port on
 * every address is listed on `::` too, as Docker lists it. `routed`: the families the network
 * routes (no NAT): their entries have no host port, as Docker's ("Host port ignored").
 */
export function portsToSettings(bindings: PortBinding[], v6 = false, routed: (4 | 6)[] = []): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const b of bindings) {
    const key = `${b.containerPort}/${b.proto}`;
    // no host port (gateway mode routed in the family): Docker shows an empty string
    const port = (f: 4 | 6) => (b.hostPort && !routed.includes(f) ? String(b.hostPort) : '');
    (out[key] ??= []).push({ HostIp: hostAddr(b), HostPort: port(hostFamilies(b.hostIp)[0]) });
    if (v6 && b.hostIp === '') out[key]!.push({ HostIp: '::', HostPort: port(6) });
  }
  return out;
}

/** `minidock port` lines: `80/tcp -> 0.0.0.0:8080`, optionally only for one `PORT[/PROTO]`. */
export function formatPortLines(ports: Record<string, { HostIp: string; HostPort: string }[] | null>, filter?: string): string[] {
  let want: string | undefined;
  if (filter) want = filter.includes('/') ? filter : `${filter}/tcp`;
  const keys = Object.keys(ports).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
  const out: string[] = [];
  for (const k of keys) {
    if (want && k !== want) continue;
    for (const h of ports[k] ?? []) {
      const at = `${hostWhere({ hostIp: h.HostIp })}:${h.HostPort}`;
      out.push(want ? at : `${k} -> ${at}`);
    }
  }
  return out;
}
