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
import { bindingsClash, hostWhere } from './ports.js';
import type { PortBinding, Proto } from './types.js';

export interface HeldPort {
  proto: Proto;
  hostIp: string;
  hostPort: number;
  containerId: string;
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

/**
 * Resolves and reserves the host ports of a container. Call with the `network` lock held.
 * Returns the bindings with concrete host ports; records them in minidock's state.
 */
export async function reservePorts(containerId: string, wanted: PortBinding[]): Promise<PortBinding[]> {
  const held = readHeldPorts().filter((h) => h.containerId !== containerId);
  const mine: PortBinding[] = [];
  const clashes = (b: PortBinding) => [...held.map((h) => ({ ...h, containerPort: 0 })), ...mine].some((h) => bindingsClash(b, h));
  for (const w of wanted) {
    if (w.hostPort !== 0 && !w.hostPortEnd) {
      const b = { ...w };
      if (clashes(b)) throw new UserError(`Bind for ${hostWhere(b)}:${b.hostPort} failed: port is already allocated`);
      try {
        await probeBind(b.proto, b.hostIp, b.hostPort);
      } catch (e) {
        throw bindError(b, e as NodeJS.ErrnoException);
      }
      mine.push(b);
      continue;
    }
    // A range (any free port of it) or a random port.
    let chosen: PortBinding | undefined;
    let lastErr: NodeJS.ErrnoException | undefined;
    const tries = w.hostPortEnd ? w.hostPortEnd - w.hostPort + 1 : 64;
    for (let i = 0; i < tries && !chosen; i++) {
      const port = w.hostPortEnd ? w.hostPort + i : 0;
      try {
        const got = await probeBind(w.proto, w.hostIp, port);
        const b: PortBinding = { hostIp: w.hostIp, hostPort: got, containerPort: w.containerPort, proto: w.proto };
        if (!clashes(b)) chosen = b;
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
    mine.push(chosen);
  }
  if (mine.length > 0) {
    writeJsonAtomic(file(), [...held, ...mine.map((b) => ({ proto: b.proto, hostIp: b.hostIp, hostPort: b.hostPort, containerId }))]);
  }
  return mine;
}

/** Releases a container's host ports. Call with the `network` lock held. */
export function releasePorts(containerId: string): void {
  const all = readHeldPorts();
  const rest = all.filter((h) => h.containerId !== containerId);
  if (rest.length !== all.length) writeJsonAtomic(file(), rest);
}
