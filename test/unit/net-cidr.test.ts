import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { broadcast, contains, formatCidr, formatIp, macForIp, nth, overlaps, parseCidr, parseIp, split } from '../../src/engine/network/cidr.js';

describe('cidr math', () => {
  it('parses and formats IPv4', () => {
    expect(parseIp('172.17.0.1')).toBe(0xac110001);
    expect(formatIp(0xac110001)).toBe('172.17.0.1');
    for (const bad of ['1.2.3', '256.1.1.1', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '', ' ']) expect(parseIp(bad)).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseIp(formatIp(n)) === n));
  });

  it('parses CIDRs, strict mode refuses host bits', () => {
    expect(formatCidr(parseCidr('172.17.5.4/16')!)).toBe('172.17.0.0/16');
    expect(parseCidr('172.17.5.4/16', true)).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(formatCidr(parseCidr('0.0.0.0/0')!)).toBe('0.0.0.0/0');
  });

  it('contains, overlaps, nth, broadcast', () => {
    const c = parseCidr('192.168.16.0/20')!;
    expect(contains(c, parseIp('192.168.31.255')!)).toBe(true);
    expect(contains(c, parseIp('192.168.32.0')!)).toBe(false);
    expect(formatIp(broadcast(c))).toBe('192.168.31.255');
    expect(formatIp(nth(c, 1))).toBe('192.168.16.1');
    expect(() => nth(c, 4096)).toThrow(RangeError);
    expect(overlaps(parseCidr('172.16.0.0/12')!, parseCidr('172.17.0.0/16')!)).toBe(true);
    expect(overlaps(parseCidr('172.17.0.0/16')!, parseCidr('172.18.0.0/16')!)).toBe(false);
    expect(overlaps(parseCidr('0.0.0.0/0')!, parseCidr('10.1.2.3/32')!)).toBe(true);
  });

  it('overlap is symmetric and agrees with containment of the other base', () => {
    const arb = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => parseCidr(`${formatIp(ip)}/${p}`)!);
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const o = overlaps(a, b);
        expect(o).toBe(overlaps(b, a));
        expect(o).toBe(contains(a, b.base) || contains(b, a.base));
      }),
    );
  });

  it('splits pools like Docker', () => {
    expect(split(parseCidr('172.20.0.0/14')!, 16).map(formatCidr)).toEqual(['172.20.0.0/16', '172.21.0.0/16', '172.22.0.0/16', '172.23.0.0/16']);
    expect(split(parseCidr('192.168.0.0/16')!, 20)).toHaveLength(16);
  });

  it("derives Docker's MAC from the address", () => {
    expect(macForIp(parseIp('172.17.0.2')!)).toBe('02:42:ac:11:00:02');
  });
});
