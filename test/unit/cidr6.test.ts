import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import {
  canonicalIp6, checkCidr6, checkIp6, contains6, formatCidr6, formatIp6, isLinkLocal6, isV4Mapped, isV6, last6, mask6,
  nth6, overlaps6, parseCidr6, parseIp6, size6, subnetAt6, v4FromMapped, v4Mapped, within6,
} from '../../src/engine/network/cidr6.js';

// 128-bit values with many zero groups, so "::" placement and ties are exercised.
const word = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xffff }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) });
const addr = fc.array(word, { minLength: 8, maxLength: 8 }).map((ws) => ws.reduce((n, w) => (n << 16n) | BigInt(w), 0n));
const words = (n: bigint) => Array.from({ length: 8 }, (_, i) => Number((n >> BigInt((7 - i) * 16)) & 0xffffn));

/** python3's ipaddress: str() is RFC 5952 (3.11 prints ::ffff:0:0/96 in hex, Go/inet_ntop dotted). */
function pythonFormat(values: bigint[]): string[] {
  const r = spawnSync('python3', ['-c', 'import sys,ipaddress\nfor l in sys.stdin: print(ipaddress.IPv6Address(int(l)))'], { input: values.map(String).join('\n') + '\n', encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n');
}

/** Node (libuv inet_ntop) as the second reference; it prints ::/96 with a dotted tail, RFC 5952 does not. */
function nodeFormat(n: bigint): string {
  return new net.SocketAddress({ address: formatIp6(n), family: 'ipv6' }).address;
}

describe('IPv6 parse and RFC 5952 format', () => {
  it('known forms', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['2001:DB8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8:0000:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // longest run wins
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of equal runs
      ['fd00:0:0:0::', 'fd00::'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
      ['::ffff:0102:0304', '::ffff:1.2.3.4'],
      ['::1.2.3.4', '::102:304'], // v4-compatible (deprecated) is plain hex, as Go's netip
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['fe80::0001', 'fe80::1'],
    ];
    for (const [inp, out] of cases) expect(canonicalIp6(inp), inp).toBe(out);
  });

  it('refuses what is not an address, zone ids with their own reason', () => {
    for (const bad of ['', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::', '1.2.3.4', '::1.2.3', '::01.2.3.4', '::256.1.1.1',
      '1.2.3.4::', '::1.2.3.4:5', '1:2:3:4:5:6:7:8::', ':1::', '1::2:', ' ::1', '::1 ', '::1/64', '[::1]'])
      expect(parseIp6(bad), bad).toBeUndefined();
    const z = checkIp6('fe80::1%eth0');
    expect(z.ok).toBe(false);
    expect(!z.ok && z.reason).toMatch(/zone ids are not allowed/);
    expect(isV6('fe80::1%1')).toBe(false);
    expect(isV6('fe80::1')).toBe(true);
    expect(isV6('10.0.0.1')).toBe(false);
  });

  it('format agrees with python3 ipaddress (and Node outside ::/96); parse round-trips', () => {
    const samples = fc.sample(addr, 3000);
    samples.push(0n, 1n, (1n << 128n) - 1n, 0xffffn << 32n, (0xffffn << 32n) | 1n, 1n << 112n);
    const py = pythonFormat(samples);
    samples.forEach((n, i) => {
      const mine = formatIp6(n);
      expect(parseIp6(mine)).toBe(n);
      expect(net.isIPv6(mine)).toBe(true);
      if (isV4Mapped(n)) expect(mine).toBe(nodeFormat(n));
      else expect(mine, py[i]).toBe(py[i]);
      if (n >> 32n !== 0n) expect(mine).toBe(nodeFormat(n));
    });
  });

  it('every valid spelling parses to the same value', () => {
    fc.assert(
      fc.property(addr, fc.boolean(), fc.boolean(), fc.nat(), (n, upper, pad, pick) => {
        const ws = words(n).map((w) => (pad ? w.toString(16).padStart(4, '0') : w.toString(16)));
        const zeroRuns: [number, number][] = [];
        for (let i = 0; i < 8; i++) if (words(n)[i] === 0) for (let j = i; j < 8 && words(n)[j] === 0; j++) zeroRuns.push([i, j + 1]);
        let text = ws.join(':');
        if (zeroRuns.length && pick % 2) {
          const [a, b] = zeroRuns[pick % zeroRuns.length];
          text = `${ws.slice(0, a).join(':')}::${ws.slice(b).join(':')}`;
        }
        if (upper) text = text.toUpperCase();
        expect(net.isIPv6(text)).toBe(true);
        expect(parseIp6(text)).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });

  it('validity agrees with net.isIPv6 on mutated strings (zone ids aside)', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF:.%'.split(''));
    fc.assert(
      fc.property(addr, fc.array(fc.tuple(fc.nat(), alphabet, fc.boolean())), (n, edits) => {
        let s = formatIp6(n);
        for (const [at, ch, insert] of edits) {
          const i = at % (s.length + 1);
          s = insert ? s.slice(0, i) + ch + s.slice(i) : s.slice(0, i) + s.slice(i + 1);
        }
        expect(isV6(s), s).toBe(net.isIPv6(s) && !s.includes('%'));
      }),
      { numRuns: 5000 },
    );
  });

  it('v4-mapped helpers', () => {
    const n = parseIp6('::ffff:10.1.2.3')!;
    expect(isV4Mapped(n)).toBe(true);
    expect(v4FromMapped(n)).toBe(0x0a010203);
    expect(v4FromMapped(parseIp6('::1')!)).toBeUndefined();
    expect(formatIp6(v4Mapped(0xc0a80001))).toBe('::ffff:192.168.0.1');
    expect(isLinkLocal6(parseIp6('fe80::1')!)).toBe(true);
    expect(isLinkLocal6(parseIp6('febf::1')!)).toBe(true);
    expect(isLinkLocal6(parseIp6('fec0::1')!)).toBe(false);
  });
});

describe('IPv6 CIDR math', () => {
  it('parses, strict refuses host bits, bad prefixes refused', () => {
    expect(formatCidr6(parseCidr6('2001:db8::1/64')!)).toBe('2001:db8::/64');
    expect(parseCidr6('2001:db8::1/64', true)).toBeUndefined();
    const r = checkCidr6('2001:db8::1/64', true);
    expect(!r.ok && r.reason).toMatch(/host bits/);
    for (const bad of ['2001:db8::', '2001:db8::/129', '2001:db8::/-1', '2001:db8::/', '2001:db8::/064x', '10.0.0.0/8', 'fe80::%eth0/64'])
      expect(parseCidr6(bad), bad).toBeUndefined();
    expect(formatCidr6(parseCidr6('::/0')!)).toBe('::/0');
    expect(formatCidr6(parseCidr6('FD00:0:0:0::/8')!)).toBe('fd00::/8');
    expect(size6(parseCidr6('fd00::/64')!)).toBe(1n << 64n);
    expect(formatIp6(last6(parseCidr6('fd00::/64')!))).toBe('fd00::ffff:ffff:ffff:ffff');
    expect(formatIp6(nth6(parseCidr6('fd00:1::/64')!, 1n))).toBe('fd00:1::1');
    expect(() => nth6(parseCidr6('fd00::/126')!, 4n)).toThrow(RangeError);
    expect(formatCidr6(subnetAt6(parseCidr6('fd12:3456:789a::/48')!, 64, 3n)!)).toBe('fd12:3456:789a:3::/64');
    expect(subnetAt6(parseCidr6('fd00::/48')!, 64, 65536n)).toBeUndefined();
    expect(mask6(0)).toBe(0n);
    expect(mask6(128)).toBe((1n << 128n) - 1n);
  });

  const cidrArb = fc.tuple(addr, fc.integer({ min: 0, max: 128 })).map(([n, p]) => parseCidr6(`${formatIp6(n)}/${p}`)!);

  it('overlap is symmetric and equals containment of either base; within implies overlap', () => {
    fc.assert(
      fc.property(cidrArb, cidrArb, (a, b) => {
        const o = overlaps6(a, b);
        expect(o).toBe(overlaps6(b, a));
        expect(o).toBe(contains6(a, b.base) || contains6(b, a.base));
        if (within6(a, b)) expect(o).toBe(true);
        expect(within6(a, b) && within6(b, a)).toBe(a.base === b.base && a.prefix === b.prefix);
      }),
      { numRuns: 3000 },
    );
  });

  it('contains agrees with python3 ipaddress', () => {
    const pairs = fc.sample(fc.tuple(cidrArb, addr), 500);
    const script = 'import sys,ipaddress\nfor l in sys.stdin:\n  c,a=l.split()\n  print(int(ipaddress.IPv6Address(a) in ipaddress.IPv6Network(c)))';
    const input = pairs.map(([c, a]) => `${formatCidr6(c)} ${formatIp6(a)}`).join('\n') + '\n';
    const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const got = r.stdout.trim().split('\n');
    pairs.forEach(([c, a], i) => expect(contains6(c, a) ? '1' : '0', `${formatCidr6(c)} ∋ ${formatIp6(a)}`).toBe(got[i]));
  });
});
