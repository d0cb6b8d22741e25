// `-p` with IPv6 host addresses (#14): Docker's forms, canonical addresses, the families of
// every-address bindings, [::1] refused with its reason, clashes and `port` lines.
import { describe, expect, it } from 'vitest';
import { NO_V6_LOOPBACK, bindingsClash, checkPortFamilies, formatPortLines, parsePortSpec, parsePortSpecs, portsToSettings } from '../../src/engine/network/ports.js';

const b = (hostIp: string, hostPort: number, containerPort: number, proto: 'tcp' | 'udp' = 'tcp') => ({ hostIp, hostPort, containerPort, proto });

describe('parsePortSpec with IPv6', () => {
  const valid: [string, object[]][] = [
    ['[2001:db8::1]:8080:80', [b('2001:db8::1', 8080, 80)]],
    ['[2001:DB8:0:0:0:0:0:1]:8080:80', [b('2001:db8::1', 8080, 80)]], // canonical (RFC 5952)
    ['2001:db8::1:8080:80', [b('2001:db8::1', 8080, 80)]], // unbracketed: Docker splits at the last two colons
    ['[::]:8080:80', [b('::', 8080, 80)]],
    ['[::]::80', [b('::', 0, 80)]],
    ['[2001:db8::1]:8000-8001:80-81/udp', [b('2001:db8::1', 8000, 80, 'udp'), b('2001:db8::1', 8001, 81, 'udp')]],
    ['[fd00::5]:8000-8010:80', [{ ...b('fd00::5', 8000, 80), hostPortEnd: 8010 }]],
    ['[::ffff:127.0.0.1]:8080:80', [b('127.0.0.1', 8080, 80)]], // v4-mapped is the IPv4 address
    ['0.0.0.0:8080:80', [b('0.0.0.0', 8080, 80)]],
  ];
  it.each(valid)('%s', (spec, want) => expect(parsePortSpec(spec)).toEqual(want));

  it('refuses [::1] (and its spellings) with the reason, zone ids, bad addresses', () => {
    for (const s of ['[::1]:8080:80', '[0:0:0:0:0:0:0:1]:8080:80', '::1:8080:80', '[::1]::80/udp']) expect(() => parsePortSpec(s), s).toThrow(`invalid port specification: ${JSON.stringify(s)}: ${NO_V6_LOOPBACK}`);
    expect(() => parsePortSpec('[fe80::1%eth0]:80:80')).toThrow('zone ids are not supported');
    expect(() => parsePortSpec('[2001:db8::g]:80:80')).toThrow('invalid host IP "[2001:db8::g]"');
    expect(() => parsePortSpec('[2001:db8::1:80:80')).toThrow(/invalid host IP/);
    expect(() => parsePortSpec('[2001:db8::1]:80')).toThrow(/invalid/);
  });

  it('clashes: families apart; every-address of a family clashes with its addresses only', () => {
    expect(bindingsClash(b('0.0.0.0', 80, 1), b('::', 80, 1))).toBe(false);
    expect(bindingsClash(b('', 80, 1), b('::', 80, 1))).toBe(true);
    expect(bindingsClash(b('::', 80, 1), b('2001:db8::1', 80, 1))).toBe(true);
    expect(bindingsClash(b('0.0.0.0', 80, 1), b('2001:db8::1', 80, 1))).toBe(false);
    expect(bindingsClash(b('0.0.0.0', 80, 1), b('127.0.0.1', 80, 1))).toBe(true);
    expect(() => parsePortSpecs(['[2001:db8::1]:80:80', '[::]:80:81'])).toThrow('Bind for [::]:80 failed: port is already allocated');
  });

  it('a binding of a family the container has no address in is refused', () => {
    expect(checkPortFamilies([b('2001:db8::1', 80, 80)], { v4: true, v6: false })).toBe('cannot publish [2001:db8::1]:80/tcp: the container has no IPv6 address on this network');
    expect(checkPortFamilies([b('127.0.0.1', 80, 80)], { v4: false, v6: true })).toMatch(/no IPv4 address/);
    expect(checkPortFamilies([b('', 80, 80)], { v4: false, v6: true })).toBeUndefined();
  });

  it('NetworkSettings.Ports and `port` lines: [::] for a dual-stack container, brackets', () => {
    const s = portsToSettings([b('', 8080, 80), b('2001:db8::1', 8081, 80)], true);
    expect(s).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }, { HostIp: '2001:db8::1', HostPort: '8081' }] });
    expect(formatPortLines(s)).toEqual(['80/tcp -> 0.0.0.0:8080', '80/tcp -> [::]:8080', '80/tcp -> [2001:db8::1]:8081']);
    expect(portsToSettings([b('', 8080, 80)])).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  });
});
