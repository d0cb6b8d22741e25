// Boundaries of the pure network modules (issue 18): the edges where a one-line bug hides
// (a /30's broadcast, port 65535/65536, a wildcard host IP in either argument order, the last
// subnet of a pool), every refusal's message in full, and the persisted IPAM and host-port
// state in a throwaway state root. Runs as any user; binds only on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { broadcast, contains, formatCidr, formatIp, macForIp, maskOf, nth, overlaps, parseCidr, parseIp, size, split } from '../../src/engine/network/cidr.js';
import { allocateAddress, candidateSubnets, pickAddress, readIpam, releaseAddresses, removeIpam, reservedAddresses, usedSubnetsFrom } from '../../src/engine/network/ipam.js';
import { bindingsClash, formatPortLines, parsePortSpec, parsePortSpecs, portsToSettings, NO_V6_LOOPBACK } from '../../src/engine/network/ports.js';
import { probeBind, readHeldPorts, releasePorts, reservePorts } from '../../src/engine/network/portalloc.js';
import type { PortBinding } from '../../src/engine/network/types.js';
import { message, rejection } from '../helpers/thrown.js';

const c = (s: string) => parseCidr(s)!;
const ip = (s: string) => parseIp(s)!;

describe('cidr edges', () => {
  it('parseIp: trims, refuses leading zeros and octets over 255', () => {
    expect(parseIp(' 10.0.0.1 ')).toBe(0x0a000001);
    expect(parseIp('255.255.255.255')).toBe(0xffffffff);
    expect(parseIp('0.0.0.0')).toBe(0);
    expect(parseIp('256.0.0.0')).toBeUndefined();
    expect(parseIp('01.0.0.0')).toBeUndefined();
    expect(parseIp('1.2.3')).toBeUndefined();
  });

  it('parseCidr: the address and the prefix must both be valid; strict wants host bits clear', () => {
    expect(parseCidr('300.1.1.1/24')).toBeUndefined();
    expect(parseCidr('10.0.0.0/a4')).toBeUndefined();
    expect(parseCidr('10.0.0.0/24a')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(parseCidr('10.0.0.0/32')).toEqual({ base: ip('10.0.0.0'), prefix: 32 });
    expect(parseCidr('10.0.0.0/0')).toEqual({ base: 0, prefix: 0 });
    expect(parseCidr('10.0.0.0/24', true)).toEqual({ base: ip('10.0.0.0'), prefix: 24 });
    expect(parseCidr('10.0.0.1/24', true)).toBeUndefined();
    expect(parseCidr('10.0.0.1/24')).toEqual({ base: ip('10.0.0.0'), prefix: 24 });
  });

  it('masks, sizes, broadcast, contains, overlaps at /0, /30, /31, /32', () => {
    expect(maskOf(0)).toBe(0);
    expect(maskOf(32)).toBe(0xffffffff);
    expect(maskOf(30)).toBe(0xfffffffc);
    expect(size(c('10.0.0.0/30'))).toBe(4);
    expect(formatIp(broadcast(c('10.0.0.0/30')))).toBe('10.0.0.3');
    expect(formatIp(broadcast(c('0.0.0.0/0')))).toBe('255.255.255.255');
    expect(contains(c('10.0.0.0/30'), ip('10.0.0.3'))).toBe(true);
    expect(contains(c('10.0.0.0/30'), ip('10.0.0.4'))).toBe(false);
    expect(overlaps(c('10.0.0.0/30'), c('10.0.0.3/32'))).toBe(true);
    expect(overlaps(c('10.0.0.3/32'), c('10.0.0.0/30'))).toBe(true);
    expect(overlaps(c('10.0.0.4/30'), c('10.0.0.0/30'))).toBe(false);
    expect(macForIp(ip('172.17.0.2'))).toBe('02:42:ac:11:00:02');
  });

  it('nth: the last address is in, one past it and -1 are out, with one message', () => {
    expect(formatIp(nth(c('10.0.0.0/30'), 3))).toBe('10.0.0.3');
    expect(message(() => nth(c('10.0.0.0/30'), 4))).toBe('address #4 is outside 10.0.0.0/30');
    expect(message(() => nth(c('10.0.0.0/30'), -1))).toBe('address #-1 is outside 10.0.0.0/30');
  });

  it('split: includes the last subnet; nothing when the pieces would be larger than the pool', () => {
    expect(split(c('10.0.0.0/30'), 32).map(formatCidr)).toEqual(['10.0.0.0/32', '10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32']);
    expect(split(c('10.0.0.0/24'), 24).map(formatCidr)).toEqual(['10.0.0.0/24']);
    expect(split(c('10.0.0.0/24'), 16)).toEqual([]);
    expect(split(c('255.255.255.252/30'), 31).map(formatCidr)).toEqual(['255.255.255.252/31', '255.255.255.254/31']);
  });
});

describe('ipam edges', () => {
  it('a /30 hands out its one free address, never its broadcast', () => {
    const s = c('10.0.0.0/30');
    const gw = ip('10.0.0.1');
    expect(formatIp(pickAddress(s, gw, new Set()))).toBe('10.0.0.2');
    expect(message(() => pickAddress(s, gw, new Set([ip('10.0.0.2')])))).toBe('no available IPv4 addresses on this network\'s address pools: 10.0.0.0/30');
    expect(message(() => pickAddress(s, gw, new Set(), '10.0.0.3'))).toBe('address 10.0.0.3 is reserved (network, gateway or broadcast address of 10.0.0.0/30)');
  });

  it('reserved: network, gateway and broadcast; a /31 and a /32 have no broadcast of their own', () => {
    const fmt = (x: Set<number>) => [...x].map(formatIp).sort();
    expect(fmt(reservedAddresses(c('10.0.0.0/30'), ip('10.0.0.1')))).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.3']);
    expect(fmt(reservedAddresses(c('10.0.0.0/31'), ip('10.0.0.0')))).toEqual(['10.0.0.0']);
    expect(fmt(reservedAddresses(c('10.0.0.0/32'), ip('10.0.0.0')))).toEqual(['10.0.0.0']);
  });

  it('--ip: each refusal in full', () => {
    const s = c('10.1.0.0/24');
    const gw = ip('10.1.0.1');
    expect(message(() => pickAddress(s, gw, new Set(), '10.1.0.300'))).toBe('invalid IPv4 address: 10.1.0.300');
    expect(message(() => pickAddress(s, gw, new Set(), '10.2.0.5'))).toBe("Error response from daemon: Invalid address 10.2.0.5: It does not belong to any of this network's subnets");
    expect(message(() => pickAddress(s, gw, new Set([ip('10.1.0.5')]), '10.1.0.5'))).toBe('Address already in use: 10.1.0.5');
    expect(formatIp(pickAddress(s, gw, new Set(), '10.1.0.254'))).toBe('10.1.0.254');
  });

  it('--ip-range: only from the range, inside the subnet, skipping reserved and taken', () => {
    const s = c('10.1.0.0/24');
    const gw = ip('10.1.0.1');
    expect(formatIp(pickAddress(s, gw, new Set(), undefined, c('10.1.0.0/30')))).toBe('10.1.0.2');
    expect(formatIp(pickAddress(s, gw, new Set([ip('10.1.0.2')]), undefined, c('10.1.0.0/30')))).toBe('10.1.0.3');
    expect(formatIp(pickAddress(s, gw, new Set(), undefined, c('10.1.0.252/30')))).toBe('10.1.0.252');
    expect(message(() => pickAddress(s, gw, new Set(), undefined, c('10.1.0.255/32')))).toBe('no available IPv4 addresses on this network\'s address pools: 10.1.0.255/32');
    expect(message(() => pickAddress(s, gw, new Set(), undefined, c('10.2.0.0/30')))).toBe('no available IPv4 addresses on this network\'s address pools: 10.2.0.0/30');
  });

  it('MINIDOCK_DEFAULT_POOL: entries, sizes, refusals in full', () => {
    expect(candidateSubnets(' 10.99.0.0/16/24 , ').map(formatCidr).slice(0, 2)).toEqual(['10.99.0.0/24', '10.99.1.0/24']);
    expect(candidateSubnets('10.99.0.0/16/24')).toHaveLength(256);
    expect(candidateSubnets('10.99.0.0/24').map(formatCidr)).toEqual(['10.99.0.0/24']);
    expect(candidateSubnets('10.99.100.0/24,10.99.0.128/25').map(formatCidr)).toEqual(['10.99.100.0/24', '10.99.0.128/25']);
    expect(candidateSubnets('10.99.0.0/16/30')).toHaveLength(16384);
    expect(candidateSubnets('   ').map(formatCidr)[0]).toBe('172.17.0.0/16'); // blank: Docker's pools
    expect(candidateSubnets(',10.99.0.0/24,').map(formatCidr)).toEqual(['10.99.0.0/24']);
    expect(message(() => candidateSubnets('10.99.0.0/16/31'))).toBe('invalid subnet size /31 in MINIDOCK_DEFAULT_POOL');
    expect(message(() => candidateSubnets('10.99.0.0/16/8'))).toBe('invalid subnet size /8 in MINIDOCK_DEFAULT_POOL');
    expect(message(() => candidateSubnets('x10.99.0.0/16'))).toBe('invalid MINIDOCK_DEFAULT_POOL entry "x10.99.0.0/16"');
    expect(message(() => candidateSubnets('10.99.0.0/16/24x'))).toBe('invalid MINIDOCK_DEFAULT_POOL entry "10.99.0.0/16/24x"');
    expect(message(() => candidateSubnets('10.99.0.300/16'))).toBe('invalid MINIDOCK_DEFAULT_POOL entry "10.99.0.300/16"');
    expect(message(() => candidateSubnets('10.99.0.0/40'))).toBe('invalid MINIDOCK_DEFAULT_POOL entry "10.99.0.0/40"');
    expect(message(() => candidateSubnets('10.99.0.0/16,1.2.3/8'))).toBe('invalid MINIDOCK_DEFAULT_POOL entry "1.2.3/8"');
  });

  it('used subnets: routes without dst, default, bad dst, non-inet and incomplete addresses are ignored', () => {
    const routes = JSON.stringify([{}, { dst: 'default' }, { dst: 'nonsense' }, { dst: '10.5.0.0/16' }]);
    const addrs = JSON.stringify([
      { addr_info: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64 }, { family: 'inet', local: '10.6.0.1' }, { family: 'inet', prefixlen: 24 }] },
      { addr_info: [{ local: '10.7.0.1', prefixlen: 24 }, { family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      {},
    ]);
    expect(usedSubnetsFrom(routes, addrs).map(formatCidr)).toEqual(['10.5.0.0/16', '10.7.0.0/24']);
    expect(usedSubnetsFrom('', '')).toEqual([]);
  });
});

describe('persisted state in a throwaway root', () => {
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'minidock-netb-'));
    process.env.MINIDOCK_ROOT = root;
  });
  afterEach(() => {
    delete process.env.MINIDOCK_ROOT;
    rmSync(root, { recursive: true, force: true });
  });

  it('allocate: lowest free first, --ip, --ip-range; one address per container; release and remove', () => {
    const A = 'a'.repeat(64);
    const B = 'b'.repeat(64);
    expect(readIpam('n1')).toBeUndefined();
    expect(allocateAddress('n1', '10.1.0.0/24', '10.1.0.1', A)).toBe('10.1.0.2');
    expect(allocateAddress('n1', '10.1.0.0/24', '10.1.0.1', B)).toBe('10.1.0.3');
    expect(readIpam('n1')).toEqual({ subnet: '10.1.0.0/24', gateway: '10.1.0.1', allocated: { '10.1.0.2': A, '10.1.0.3': B } });
    // a container asking again (after a crash) gets one address, not two
    expect(allocateAddress('n1', '10.1.0.0/24', '10.1.0.1', A, '10.1.0.9')).toBe('10.1.0.9');
    expect(readIpam('n1')!.allocated).toEqual({ '10.1.0.3': B, '10.1.0.9': A });
    expect(message(() => allocateAddress('n1', '10.1.0.0/24', '10.1.0.1', A, '10.1.0.3'))).toBe('Address already in use: 10.1.0.3');
    expect(allocateAddress('n1', '10.1.0.0/24', '10.1.0.1', A, undefined, '10.1.0.128/25')).toBe('10.1.0.128');
    expect(releaseAddresses('n1', A)).toEqual(['10.1.0.128']);
    expect(releaseAddresses('n1', A)).toEqual([]);
    expect(releaseAddresses('nope', A)).toEqual([]);
    expect(readIpam('n1')!.allocated).toEqual({ '10.1.0.3': B });
    const f = join(root, 'networks', 'ipam', 'n1.json');
    expect(existsSync(f)).toBe(true);
    removeIpam('n1');
    expect(existsSync(f)).toBe(false);
    removeIpam('n1'); // already gone: not an error
    removeIpam('never-existed');
  });
});

describe('ports edges', () => {
  const bad = (spec: string, why: string) => expect(message(() => parsePortSpec(spec)), spec).toBe(`invalid port specification: ${JSON.stringify(spec)}: ${why}`);

  it('every refusal in full', () => {
    bad('', 'empty or contains spaces');
    bad(' ', 'empty or contains spaces');
    bad('80 ', 'empty or contains spaces');
    bad('80:\t80', 'empty or contains spaces');
    bad('80/sctp', 'unsupported protocol "sctp" (tcp or udp)');
    bad('/udp', 'invalid container port ""');
    bad('[::1]:80:80', NO_V6_LOOPBACK);
    bad('[::1]', 'invalid host IP "["');
    bad('1:2:3:4', 'invalid host IP "1:2"');
    bad('1.2.3:80:80', 'invalid host IP "1.2.3"');
    bad(':80', 'missing host port');
    bad('abc', 'invalid container port "abc"');
    bad('8080:abc', 'invalid container port "abc"');
    bad('abc:80', 'invalid host port "abc"');
    bad('0', 'container port must be between 1 and 65535');
    bad('65536', 'container port must be between 1 and 65535');
    bad('80-65536', 'container port must be between 1 and 65535');
    bad('0-80', 'container port must be between 1 and 65535');
    bad('65536:80', 'host port must be between 1 and 65535');
    bad('8000-65536:80', 'host port must be between 1 and 65535');
    bad('0-8000:80', 'host port must be between 1 and 65535');
    bad('90-80:80', 'invalid host port range 90-80');
    bad('70000-80', 'container port must be between 1 and 65535'); // out of range is said before the order
    bad('5-0', 'container port must be between 1 and 65535');
    bad('80:90-80', 'invalid container port range 90-80');
    bad('8000-8001:80-82', 'host port range 8000-8001 and container port range 80-82 differ in length');
    bad('8000:80-81', 'host port range 8000 and container port range 80-81 differ in length');
  });

  it('the edges that are valid', () => {
    expect(parsePortSpec('65535:65535')).toEqual([{ hostIp: '', hostPort: 65535, containerPort: 65535, proto: 'tcp' }]);
    expect(parsePortSpec('1:1/UDP')).toEqual([{ hostIp: '', hostPort: 1, containerPort: 1, proto: 'udp' }]);
    expect(parsePortSpec('65534-65535')).toEqual([
      { hostIp: '', hostPort: 0, containerPort: 65534, proto: 'tcp' },
      { hostIp: '', hostPort: 0, containerPort: 65535, proto: 'tcp' },
    ]);
    expect(parsePortSpec('0.0.0.0:80:80')).toEqual([{ hostIp: '0.0.0.0', hostPort: 80, containerPort: 80, proto: 'tcp' }]);
    expect(parsePortSpec('127.0.0.1::80/udp')).toEqual([{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'udp' }]);
    expect(parsePortSpec('8000-8010:80')).toEqual([{ hostIp: '', hostPort: 8000, hostPortEnd: 8010, containerPort: 80, proto: 'tcp' }]);
  });

  const b = (hostIp: string, hostPort: number, proto: 'tcp' | 'udp' = 'tcp', hostPortEnd?: number): PortBinding => ({ hostIp, hostPort, containerPort: 80, proto, ...(hostPortEnd ? { hostPortEnd } : {}) });
  it('clashes: symmetric in its arguments; wildcard against any address; never random ports or ranges', () => {
    const cases: [PortBinding, PortBinding, boolean][] = [
      [b('', 80), b('127.0.0.1', 80), true],
      [b('127.0.0.1', 80), b('127.0.0.1', 80), true],
      [b('', 80), b('', 80), true],
      [b('127.0.0.1', 80), b('127.0.0.2', 80), false],
      [b('', 80), b('', 81), false],
      [b('', 80, 'tcp'), b('', 80, 'udp'), false],
      [b('', 0), b('', 0), false],
      [b('', 0), b('', 80), false],
      [b('', 80, 'tcp', 90), b('', 80), false],
    ];
    for (const [x, y, want] of cases) {
      expect(bindingsClash(x, y), `${JSON.stringify(x)} ${JSON.stringify(y)}`).toBe(want);
      expect(bindingsClash(y, x), `${JSON.stringify(y)} ${JSON.stringify(x)}`).toBe(want);
    }
    expect(message(() => parsePortSpecs(['127.0.0.1:80:80', '80:81']))).toBe('Bind for 0.0.0.0:80 failed: port is already allocated');
    expect(message(() => parsePortSpecs(['80:81', '127.0.0.1:80:80']))).toBe('Bind for 127.0.0.1:80 failed: port is already allocated');
    expect(parsePortSpecs(['80', '80'])).toHaveLength(2);
  });

  it('port lines: sorted by number then protocol, a filter, a null entry', () => {
    const p: Record<string, { HostIp: string; HostPort: string }[] | null> = { ...portsToSettings([b('', 8081, 'udp'), b('127.0.0.1', 8080)]), '81/tcp': null };
    expect(p['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '8080' }]);
    expect(formatPortLines(p)).toEqual(['80/tcp -> 127.0.0.1:8080', '80/udp -> 0.0.0.0:8081']);
    expect(formatPortLines(p, '80')).toEqual(['127.0.0.1:8080']);
    expect(formatPortLines(p, '80/udp')).toEqual(['0.0.0.0:8081']);
    expect(formatPortLines(p, '81')).toEqual([]);
  });
});

describe('host port reservation (binds on 127.0.0.1 only)', () => {
  let root = '';
  const servers: Server[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'minidock-ports-'));
    process.env.MINIDOCK_ROOT = root;
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    delete process.env.MINIDOCK_ROOT;
    rmSync(root, { recursive: true, force: true });
  });
  /** A port some host service holds on 127.0.0.1. */
  async function taken(): Promise<number> {
    const s = createServer();
    servers.push(s);
    await new Promise<void>((r) => s.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    return (s.address() as { port: number }).port;
  }
  const lo = (hostPort: number, proto: 'tcp' | 'udp' = 'tcp', hostPortEnd?: number): PortBinding => ({ hostIp: '127.0.0.1', hostPort, containerPort: 80, proto, ...(hostPortEnd ? { hostPortEnd } : {}) });
  const A = 'a'.repeat(64);
  const B = 'b'.repeat(64);

  it('probeBind: a free port binds (0 = the kernel picks), a held one is EADDRINUSE, an address not ours EADDRNOTAVAIL', async () => {
    const got = await probeBind('tcp', '127.0.0.1', 0);
    expect(got).toBeGreaterThan(1023);
    expect(await probeBind('tcp', '127.0.0.1', got)).toBe(got);
    expect(await probeBind('udp', '127.0.0.1', 0)).toBeGreaterThan(1023);
    const t = await taken();
    await expect(probeBind('tcp', '127.0.0.1', t)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(probeBind('tcp', '192.0.2.1', 0)).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
    await expect(probeBind('udp', '192.0.2.1', 0)).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  it('UDP is probed as UDP: a port a UDP socket holds (even one with SO_REUSEADDR) is in use, its TCP twin is free', async () => {
    for (const reuseAddr of [false, true]) {
      // the TCP twin of a random port may be some other process's on this shared host (a client
      // connection's local port, in a parallel test): a few ports are tried; a probe that looked
      // at UDP for TCP would find every twin held
      let twinFree = false;
      for (let attempt = 0; attempt < 5 && !twinFree; attempt++) {
        const u: Socket = createSocket({ type: 'udp4', reuseAddr });
        await new Promise<void>((r) => u.bind({ address: '127.0.0.1', port: 0 }, () => r()));
        const port = u.address().port;
        try {
          await expect(probeBind('udp', '127.0.0.1', port), `reuseAddr ${reuseAddr}`).rejects.toMatchObject({ code: 'EADDRINUSE' });
          twinFree = (await probeBind('tcp', '127.0.0.1', port).catch(() => -1)) === port;
        } finally {
          await new Promise<void>((r) => u.close(() => r()));
        }
      }
      expect(twinFree, `reuseAddr ${reuseAddr}: the TCP twin of a UDP-held port is free`).toBe(true);
    }
  });

  it('nothing to reserve or release writes nothing; any other bind error is reported with its reason', async () => {
    expect(await reservePorts(A, [])).toEqual([]);
    releasePorts(A);
    expect(existsSync(join(root, 'networks', 'ports.json'))).toBe(false);
    // a port no socket can have (the parser refuses it; the error path still says what failed)
    expect(await rejection(reservePorts(A, [lo(70000)]))).toMatch(/^Bind for 127\.0\.0\.1:70000 failed: .*65536/);
  });

  it('reserves, records, refuses what another container or the host holds, releases', async () => {
    expect(readHeldPorts()).toEqual([]);
    const free = await probeBind('tcp', '127.0.0.1', 0);
    expect(await reservePorts(A, [lo(free)])).toEqual([lo(free)]);
    expect(readHeldPorts()).toEqual([{ proto: 'tcp', hostIp: '127.0.0.1', hostPort: free, containerId: A }]);
    expect(await rejection(reservePorts(B, [lo(free)]))).toBe(`Bind for 127.0.0.1:${free} failed: port is already allocated`);
    expect(await rejection(reservePorts(B, [{ ...lo(free), hostIp: '' }]))).toBe(`Bind for 0.0.0.0:${free} failed: port is already allocated`);
    // the same container again (a restart): its own old reservation is not a clash
    expect(await reservePorts(A, [lo(free)])).toEqual([lo(free)]);
    expect(readHeldPorts()).toHaveLength(1);
    const t = await taken();
    expect(await rejection(reservePorts(B, [lo(t)]))).toBe(`Bind for 127.0.0.1:${t} failed: port is already allocated`);
    expect(await rejection(reservePorts(B, [{ ...lo(80), hostIp: '192.0.2.1' }]))).toBe('Bind for 192.0.2.1:80 failed: cannot assign requested address (192.0.2.1 is not an address of this host)');
    expect(await reservePorts(B, [])).toEqual([]);
    expect(readHeldPorts()).toHaveLength(1); // a refusal records nothing
    releasePorts(B); // holds nothing: no change
    expect(readHeldPorts()).toHaveLength(1);
    releasePorts(A);
    expect(readHeldPorts()).toEqual([]);
    expect(JSON.parse(readFileSync(join(root, 'networks', 'ports.json'), 'utf8'))).toEqual([]);
  });

  it('random ports and ranges: the kernel picks, a range gives its first free port, a full range is refused', async () => {
    const [r] = await reservePorts(A, [lo(0, 'udp')]);
    expect(r!.hostPort).toBeGreaterThan(1023);
    expect(r).toMatchObject({ hostIp: '127.0.0.1', containerPort: 80, proto: 'udp' });
    expect(r!.hostPortEnd).toBeUndefined();
    const t = await taken();
    // t is held by the host: the range t..t+1 gives t+1 (if that one is free; else skip ahead)
    const next = await probeBind('tcp', '127.0.0.1', t + 1).catch(() => undefined);
    if (next === undefined) throw new Error(`port ${t + 1} is busy on this host; rerun`);
    expect(await reservePorts(B, [lo(t, 'tcp', t + 1)])).toEqual([lo(t + 1)]);
    // t held by the host, t+1 now by B: nothing left for another container
    const C = 'c'.repeat(64);
    expect(await rejection(reservePorts(C, [lo(t, 'tcp', t + 1)]))).toBe(`Bind for 127.0.0.1:${t}-${t + 1} failed: all ports are allocated`);
    expect(await rejection(reservePorts(C, [{ ...lo(0), hostIp: '192.0.2.1' }]))).toBe('Bind for 192.0.2.1:0 failed: cannot assign requested address (192.0.2.1 is not an address of this host)');
    expect(readHeldPorts().map((h) => h.containerId).sort()).toEqual([A, B]);
  });
});
