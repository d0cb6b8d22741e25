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
  if (rest.startsWith('[') || (rest.match(/:/g) ?? []).length > 2) bad(spec, 'IPv6 host addresses are not supported');
  const parts = rest.split(':');
  let hostIp = '';
  let hostPart = '';
  let containerPart: string;
  if (parts.length === 1) containerPart = parts[0];
  else if (parts.length === 2) [hostPart, containerPart] = parts;
  else [hostIp, hostPart, containerPart] = parts;
  if (parts.length === 3) {
    if (!isIp(hostIp)) bad(spec, `invalid host IP ${JSON.stringify(hostIp)}`);
    if (hostIp === '0.0.0.0') hostIp = '';
  }
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
    for (let j = 0; j < i; j++) if (bindingsClash(all[i], all[j])) throw new UserError(`Bind for ${hostAddr(all[i])}:${all[i].hostPort} failed: port is already allocated`);
  return all;
}

/** Two bindings want the same host port (same protocol, overlapping address). Random ports never clash here. */
export function bindingsClash(a: PortBinding, b: PortBinding): boolean {
  if (a.proto !== b.proto || a.hostPort === 0 || b.hostPort === 0 || a.hostPortEnd || b.hostPortEnd) return false;
  return a.hostPort === b.hostPort && (a.hostIp === '' || b.hostIp === '' || a.hostIp === b.hostIp);
}

export function hostAddr(b: { hostIp: string }): string {
  return b.hostIp || '0.0.0.0';
}

/** Docker's NetworkSettings.Ports shape. */
export function portsToSettings(bindings: PortBinding[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const b of bindings) {
    const key = `${b.containerPort}/${b.proto}`;
    // no host port (gateway mode routed): Docker shows an empty string
    (out[key] ??= []).push({ HostIp: hostAddr(b), HostPort: b.hostPort ? String(b.hostPort) : '' });
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
    for (const h of ports[k] ?? []) out.push(want ? `${h.HostIp}:${h.HostPort}` : `${k} -> ${h.HostIp}:${h.HostPort}`);
  }
  return out;
}
