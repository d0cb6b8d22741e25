// --ip-range for IPv6 (#14): Docker takes one --ip-range per family, each inside that family's
// --subnet; automatic IPv6 addresses then come from the range only (--ip6 may still ask for any
// address of the subnet). Pure: parseCreateFlags and pickAddress6.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCreateFlags } from '../../src/engine/network/usernet.js';
import { checkRange6, pickAddress6 } from '../../src/engine/network/ipam6.js';
import { contains6, formatIp6, parseCidr6, parseIp6 } from '../../src/engine/network/cidr6.js';

const dual = (ipRange: string[], more: { subnet?: string[]; ipv6?: boolean; ipv4?: boolean } = {}) =>
  parseCreateFlags('n6', { subnet: ['fd00:77::/64'], ipRange, ipv6: true, ...more });

describe('--ip-range for IPv6: network create', () => {
  it('is kept per family, in canonical form', () => {
    const s = dual(['fd00:77:0:0:0:0:1:0/112']);
    expect(s.ipRange6).toBe('fd00:77::1:0/112');
    expect(s.ipRange).toBeUndefined();
    const both = parseCreateFlags('n6', { subnet: ['10.9.0.0/24', 'fd00:77::/64'], ipRange: ['10.9.0.128/25', 'fd00:77::100/120'], ipv6: true });
    expect([both.ipRange, both.ipRange6]).toEqual(['10.9.0.128/25', 'fd00:77::100/120']);
    expect(parseCreateFlags('n6', { subnet: ['fd00:77::/64'], ipRange: ['fd00:77::/64'], ipv6: true, ipv4: false }).ipRange6).toBe('fd00:77::/64');
  });

  it('refusals: one line each', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => dual(['fd00:78::/112']), /^no matching subnet for range fd00:78::\/112: it is outside fd00:77::\/64$/],
      [() => dual(['fd00:77::/48']), /no matching subnet for range fd00:77::\/48/],
      [() => dual(['fd00:77::1/112']), /^invalid ip-range fd00:77::1\/112: has host bits set/],
      [() => dual(['fd00:77::/x']), /^invalid ip-range fd00:77::\/x: bad IPv6 prefix length/],
      [() => dual(['fe80::1%eth0/64']), /^invalid ip-range fe80::1%eth0\/64: /],
      [() => dual(['fd00:77::/112', 'fd00:77::1:0/112']), /^only one --ip-range per address family is supported \(IPv6: /],
      [() => parseCreateFlags('n6', { subnet: ['10.9.0.0/24'], ipRange: ['fd00:77::/112'] }), /^fd00:77::\/112 is an IPv6 range: add --ipv6/],
      [() => parseCreateFlags('n6', { ipRange: ['fd00:77::/112'], ipv6: true }), /^an IPv6 --ip-range needs an IPv6 --subnet$/],
      // the wrong family: an IPv4 range on an IPv6-only network, or with only an IPv6 subnet
      [() => dual(['10.9.0.0/25'], { ipv4: false }), /^--ip-range needs IPv4 \(the network has --ipv4=false\)$/],
      [() => dual(['10.9.0.0/25']), /^--ip-range needs --subnet$/],
    ];
    for (const [f, re] of cases) {
      let msg = '';
      try {
        f();
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg, String(re)).toMatch(re);
      expect(msg).not.toContain('\n');
    }
  });

  it('checkRange6 gives the canonical form', () => {
    expect(checkRange6('FD00:77:0::8000/113', parseCidr6('fd00:77::/64')!)).toBe('fd00:77::8000/113');
  });
});

describe('--ip-range for IPv6: pickAddress6', () => {
  const subnet = parseCidr6('fd00:77::/64')!;
  const gw = parseIp6('fd00:77::1')!;
  it('takes the lowest free address of the range, skipping the anycast address and the gateway', () => {
    expect(formatIp6(pickAddress6(subnet, gw, new Set(), undefined, parseCidr6('fd00:77::100/120')))).toBe('fd00:77::100');
    expect(formatIp6(pickAddress6(subnet, gw, new Set(), undefined, parseCidr6('fd00:77::/120')))).toBe('fd00:77::2');
    const taken = new Set([parseIp6('fd00:77::100')!, parseIp6('fd00:77::101')!]);
    expect(formatIp6(pickAddress6(subnet, gw, taken, undefined, parseCidr6('fd00:77::100/120')))).toBe('fd00:77::102');
  });
  it('--ip6 may be outside the range but inside the subnet', () => {
    expect(formatIp6(pickAddress6(subnet, gw, new Set(), 'fd00:77::9', parseCidr6('fd00:77::100/120')))).toBe('fd00:77::9');
  });
  it('a full range is refused naming the range', () => {
    const r = parseCidr6('fd00:77::100/127')!;
    const taken = new Set([parseIp6('fd00:77::100')!, parseIp6('fd00:77::101')!]);
    expect(() => pickAddress6(subnet, gw, taken, undefined, r)).toThrow(/^no available IPv6 addresses on this network's address pools: fd00:77::100\/127$/);
  });
  it('property: whatever is taken, the pick is in the range, free and not reserved', () => {
    fc.assert(
      fc.property(fc.integer({ min: 64, max: 126 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.array(fc.bigInt({ min: 0n, max: 15n }), { maxLength: 8 }), (p, off, takenOffs) => {
        const base = (subnet.base | off) & ~((1n << BigInt(128 - p)) - 1n);
        const range = { base, prefix: p };
        const taken = new Set(takenOffs.map((o) => base + (o % (1n << BigInt(128 - p)))));
        let ip: bigint;
        try {
          ip = pickAddress6(subnet, gw, taken, undefined, range);
        } catch {
          // only when every address of the range is reserved or taken
          const n = 1n << BigInt(128 - p);
          for (let i = 0n; i < n; i++) expect(base + i === subnet.base || base + i === gw || taken.has(base + i)).toBe(true);
          return;
        }
        expect(contains6(range, ip)).toBe(true);
        expect(taken.has(ip) || ip === gw || ip === subnet.base).toBe(false);
      }),
    );
  });
});
