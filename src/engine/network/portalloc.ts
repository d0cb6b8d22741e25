// Host port reservation for `-p`. Before anything is created, each wanted host port is checked
// against (1) ports other containers hold (minidock state) and (2) the host itself, by binding
// the port for a moment (TCP listen / UDP bind) — so a port a host service already uses is
// refused with one clear line, like Docker's "port is already allocated". Random host ports
// (`-p 80`) are picked by the kernel (bind to port 0) from the ephemeral range.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { readState, writeJsonAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';
import { UserError } from '../../errors.js';
import { type PortClaim, bindingsClash, hostFamilies, hostWhere } from './ports.js';
import type { PortBinding, Proto } from './types.js';

export interface HeldPort {
  proto: Proto;
  hostIp: string;
  hostPort: number;
  containerId: string;
  /** A port on every address (hostIp ''): the families it is held in (absent: both, as before this field). */
  families?: (4 | 6)[];
}

function file(): string {
  return join(paths.networks(), 'ports.json');
}

export function readHeldPorts(): HeldPort[] {
  return readState<HeldPort[]>(file(), 'remove it once no container publishes ports: reservations are then taken afresh', 'array', true) ?? [];
}

/** Tries to bind the port on the host. Resolves to the bound port, or rejects with the errno code. */
export function probeBind(proto: Proto, hostIp: string, port: number): Promise<number> {
  const host = hostIp || '0.0.0.0';
  // an IPv6 address (:: included) is probed on IPv6 alone: `[::]:80` does not hold 0.0.0.0:80
  const v6 = host.includes(':');
  return new Promise((resolve, reject) => {
    if (proto === 'tcp') {
      const srv = createServer();
      srv.once('error', (e: NodeJS.ErrnoException) => reject(e));
      srv.listen({ host, port, exclusive: true, ipv6Only: v6 }, () => {
        const a = srv.address();
        const got = typeof a === 'object' && a ? a.port : port;
        srv.close(() => resolve(got));
      });
    } else {
      const s = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: false, ipv6Only: v6 });
      s.once('error', (e: NodeJS.ErrnoException) => {
        s.close();
        reject(e);
      });
      s.bind({ address: host, port, exclusive: true }, () => {
        const got = s.address().port;
        s.close(() => resolve(got));
      });
    }
  });
}

function bindError(b: { hostIp: string; hostPort: number; proto: Proto }, e: NodeJS.ErrnoException): UserError {
  const where = `${hostWhere(b)}:${b.hostPort}`;
  if (e.code === 'EADDRINUSE') return new UserError(`Bind for ${where} failed: port is already allocated`);
  if (e.code === 'EADDRNOTAVAIL') return new UserError(`Bind for ${where} failed: cannot assign requested address (${b.hostIp} is not an address of this host)`);
  if (e.code === 'EACCES') return new UserError(`Bind for ${where} failed: permission denied`);
  return new UserError(`Bind for ${where} failed: ${e.message}`);
}

/** The families a binding reserves its host port in. */
export type FamiliesOf = (b: PortBinding) => (4 | 6)[];
const ownFamilies: FamiliesOf = (b) => hostFamilies(b.hostIp);

/** The address a binding is probed (and named in errors) at in one family: its own, or that family's "every address". */
const familyAddr = (hostIp: string, f: 4 | 6): string => (hostIp !== '' ? hostIp : f === 4 ? '0.0.0.0' : '::');

/**
 * Binds the port for a moment in each family, as Docker's port mapper binds one socket per family
 * (`[::]` with IPV6_V6ONLY): a host service on `[::]:8080` alone, or on one IPv6 address, holds
 * the IPv6 side of `-p 8080:80`. Port 0: the kernel picks it in the first family and the others
 * must have the same one (Docker gives both families one port). Rejects with the errno error,
 * its `at` the address that failed.
 */
async function probeFamilies(b: PortBinding, fams: (4 | 6)[]): Promise<number> {
  let port = b.hostPort;
  for (const f of fams) {
    const at = familyAddr(b.hostIp, f);
    port = await probeBind(b.proto, at, port).catch((e: NodeJS.ErrnoException) => Promise.reject(Object.assign(e, { at })));
  }
  return port;
}

/** A fixed host port bound for a moment in each family; a failure is its one line. */
async function probeFixed(b: PortBinding, fams: (4 | 6)[]): Promise<void> {
  try {
    await probeFamilies(b, fams);
  } catch (e) {
    throw bindError({ ...b, hostIp: (e as { at: string }).at }, e as NodeJS.ErrnoException);
  }
}

/** The one line refusing a fixed host port another binding (a container's, or an earlier -p) holds in one of `fams`, or undefined. */
function heldBy(b: PortBinding, fams: (4 | 6)[], others: PortClaim[]): string | undefined {
  const f = fams.find((fam) => others.some((o) => bindingsClash({ ...b, families: [fam] }, o)));
  return f === undefined ? undefined : `Bind for ${hostWhere({ hostIp: familyAddr(b.hostIp, f) })}:${b.hostPort} failed: port is already allocated`;
}

/**
 * Checks, without reserving, that fixed host ports are free: not held by a container of this root
 * (or an earlier one of `wanted`), not bound by a host service in any family they would use.
 */
export async function checkHostPorts(wanted: PortBinding[], familiesOf: FamiliesOf = ownFamilies): Promise<void> {
  const held: PortClaim[] = readHeldPorts();
  for (const b of wanted) {
    if (b.hostPort === 0 || b.hostPortEnd) continue;
    const fams = familiesOf(b);
    const dup = heldBy(b, fams, held);
    if (dup) throw new UserError(dup);
    await probeFixed(b, fams);
    held.push({ ...b, families: fams });
  }
}

/**
 * Resolves and reserves the host ports of a container, each in the families `familiesOf` says it
 * uses its host port in (default: those of its address; a port on every address of an
 * IPv4-only network, or of a network routed in IPv6, is reserved for IPv4 alone). Call with the
 * `network` lock held. Returns the bindings with concrete host ports; records them in minidock's
 * state.
 */
export async function reservePorts(containerId: string, wanted: PortBinding[], familiesOf: FamiliesOf = ownFamilies): Promise<PortBinding[]> {
  const held = readHeldPorts().filter((h) => h.containerId !== containerId);
  const mine: { b: PortBinding; families: (4 | 6)[] }[] = [];
  const others = (): PortClaim[] => [...held, ...mine.map((m) => ({ ...m.b, families: m.families }))];
  for (const w of wanted) {
    const fams = familiesOf(w);
    if (w.hostPort !== 0 && !w.hostPortEnd) {
      const b = { ...w };
      const dup = heldBy(b, fams, others());
      if (dup) throw new UserError(dup);
      await probeFixed(b, fams);
      mine.push({ b, families: fams });
      continue;
    }
    // A range (any free port of it) or a random port.
    let chosen: PortBinding | undefined;
    let lastErr: NodeJS.ErrnoException | undefined;
    const tries = w.hostPortEnd ? w.hostPortEnd - w.hostPort + 1 : 64;
    for (let i = 0; i < tries && !chosen; i++) {
      const port = w.hostPortEnd ? w.hostPort + i : 0;
      try {
        const got = await probeFamilies({ ...w, hostPort: port, hostPortEnd: undefined }, fams);
        const b: PortBinding = { hostIp: w.hostIp, hostPort: got, containerPort: w.containerPort, proto: w.proto };
        if (!heldBy(b, fams, others())) chosen = b;
      } catch (e) {
        lastErr = e as NodeJS.ErrnoException;
        if (lastErr.code !== 'EADDRINUSE') break;
      }
    }
    if (!chosen) {
      const shown = { hostIp: w.hostIp, hostPort: w.hostPort, proto: w.proto };
      if (w.hostPortEnd) throw new UserError(`Bind for ${hostWhere(w)}:${w.hostPort}-${w.hostPortEnd} failed: all ports are allocated`);
      throw lastErr ? bindError(shown, lastErr) : new UserError(`no free host port for ${w.containerPort}/${w.proto}`);
    }
    mine.push({ b: chosen, families: fams });
  }
  if (mine.length > 0) {
    // `families` is written for a port on every address only: an address's family is its own
    const rec = ({ b, families }: (typeof mine)[number]): HeldPort => ({ proto: b.proto, hostIp: b.hostIp, hostPort: b.hostPort, containerId, ...(b.hostIp === '' ? { families } : {}) });
    writeJsonAtomic(file(), [...held, ...mine.map(rec)]);
  }
  return mine.map((m) => m.b);
}

/** Releases a container's host ports. Call with the `network` lock held. */
export function releasePorts(containerId: string): void {
  const all = readHeldPorts();
  const rest = all.filter((h) => h.containerId !== containerId);
  if (rest.length !== all.length) writeJsonAtomic(file(), rest);
}
