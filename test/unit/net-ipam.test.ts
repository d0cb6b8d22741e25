import { describe, expect, it } from 'vitest';
import { formatCidr, formatIp, parseCidr, parseIp } from '../../src/engine/network/cidr.js';
import { candidateSubnets, chooseSubnet, pickAddress, reservedAddresses, usedSubnetsFrom } from '../../src/engine/network/ipam.js';

const c = (s: string) => parseCidr(s)!;

describe('pool choice', () => {
  it("uses Docker's default pools in order", () => {
    const cands = candidateSubnets('').map(formatCidr);
    expect(cands.slice(0, 5)).toEqual(['172.17.0.0/16', '172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16', '172.21.0.0/16']);
    expect(cands).toContain('192.168.0.0/20');
    expect(cands[cands.length - 1]).toBe('192.168.240.0/20');
  });

  it('skips a pool overlapping a route (docker0 on 172.17/16, a VPN on 172.18.5.0/24)', () => {
    const routes = JSON.stringify([
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '192.0.2.0/24', dev: 'eth0' },
      { dst: '172.17.0.0/16', dev: 'docker0' },
      { dst: '172.18.5.0/24', dev: 'tun0' },
      { dst: '10.9.9.9', dev: 'wg0' },
    ]);
    const addrs = JSON.stringify([{ ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] }, { ifname: 'x', addr_info: [{ family: 'inet', local: '172.19.3.4', prefixlen: 24 }] }]);
    const used = usedSubnetsFrom(routes, addrs);
    expect(used.map(formatCidr)).toEqual(['192.0.2.0/24', '172.17.0.0/16', '172.18.5.0/24', '10.9.9.9/32', '172.19.3.0/24']);
    expect(formatCidr(chooseSubnet(candidateSubnets(''), used)!)).toBe('172.20.0.0/16');
  });

  it('a route covering everything private leaves no pool', () => {
    expect(chooseSubnet(candidateSubnets(''), [c('172.16.0.0/12'), c('192.168.0.0/16')])).toBeUndefined();
  });

  it('MINIDOCK_DEFAULT_POOL overrides: CIDR as is, or CIDR/SIZE cut into subnets', () => {
    expect(candidateSubnets('10.99.0.0/24').map(formatCidr)).toEqual(['10.99.0.0/24']);
    expect(candidateSubnets('10.99.0.0/16/24, 10.98.0.0/30').slice(0, 2).map(formatCidr)).toEqual(['10.99.0.0/24', '10.99.1.0/24']);
    expect(() => candidateSubnets('nope')).toThrow(/MINIDOCK_DEFAULT_POOL/);
  });
});

describe('address choice', () => {
  const net = c('10.0.0.0/29'); // .0 network, .1 gateway, .7 broadcast: .2–.6 usable
  const gw = parseIp('10.0.0.1')!;
  it('reserves network, gateway, broadcast', () => {
    expect([...reservedAddresses(net, gw)].map(formatIp).sort()).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.7']);
  });
  it('lowest free first, reuses released addresses', () => {
    const taken = new Set<number>();
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ip = pickAddress(net, gw, taken);
      taken.add(ip);
      got.push(formatIp(ip));
    }
    expect(got).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(() => pickAddress(net, gw, taken)).toThrow(/no available IPv4 addresses/);
    taken.delete(parseIp('10.0.0.4')!);
    expect(formatIp(pickAddress(net, gw, taken))).toBe('10.0.0.4');
  });
  it('--ip: must be inside, not reserved, not taken', () => {
    const taken = new Set([parseIp('10.0.0.3')!]);
    expect(formatIp(pickAddress(net, gw, taken, '10.0.0.5'))).toBe('10.0.0.5');
    expect(() => pickAddress(net, gw, taken, '10.0.0.3')).toThrow(/Address already in use/);
    expect(() => pickAddress(net, gw, taken, '10.0.1.3')).toThrow(/does not belong/);
    expect(() => pickAddress(net, gw, taken, '10.0.0.1')).toThrow(/reserved/);
    expect(() => pickAddress(net, gw, taken, '10.0.0.7')).toThrow(/reserved/);
    expect(() => pickAddress(net, gw, taken, 'ten')).toThrow(/invalid/);
  });
});
