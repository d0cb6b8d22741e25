// The embedded DNS records file with IPv6 endpoints (issue 14): buildDnsRecords writes one
// `n NETKEY IP NAME…` line per address of an endpoint, v4 and v6, so minidock-dns can answer
// A, AAAA and NODATA for the family a name lacks. Pure.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { buildDnsRecords, servedCount } from '../../src/engine/network/dns.js';
import { canonicalIp6 } from '../../src/engine/network/cidr6.js';
import type { EndpointRecord, NetworkRecord } from '../../src/engine/network/networks.js';

const C1 = 'abcdef0123456789' + '0'.repeat(48);
const C2 = '1234567890ab' + 'f'.repeat(52);
const NA = 'aaaaaaaaaaaa' + '1'.repeat(52);
const NB = 'bbbbbbbbbbbb' + '2'.repeat(52);
const NDEF = 'dddddddddddd' + '3'.repeat(52);

const net = (name: string, id: string, extra: Partial<NetworkRecord> = {}): NetworkRecord => ({ Name: name, Id: id, Created: '', Driver: 'bridge', ...extra });
const ep = (cid: string, name: string, netId: string, ip: string, extra: Partial<EndpointRecord> = {}): EndpointRecord => ({
  containerId: cid, containerName: name, network: '', networkId: netId, endpointId: '', ip, prefixLen: 24, gateway: '', mac: '', netns: `minidock-${cid.slice(0, 12)}`, hostIf: '', ports: [], ...extra,
});
const nets = [net('dual', NA), net('six', NB), net('bridge', NDEF)];
const body = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

describe('DNS records with IPv6 endpoints', () => {
  it('a dual-stack endpoint has a v4 and a v6 name line; a v6-only one (ip \'\') only the v6 line, and is still served', () => {
    const text = buildDnsRecords(
      [
        ep(C1, 'web', NA, '10.1.0.2', { ip6: 'fd00:1::2', prefixLen6: 64, gateway6: 'fd00:1::1', aliases: ['www'] }),
        ep(C2, 'only6', NB, '', { ip6: 'fd00:2::2', prefixLen6: 64 }),
      ],
      nets,
      [{ ip: '10.0.0.2', port: 53 }],
    );
    expect(body(text)).toEqual([
      'u 10.0.0.2 53',
      'c /run/netns/minidock-1234567890ab bbbbbbbbbbbb',
      'c /run/netns/minidock-abcdef012345 aaaaaaaaaaaa',
      'n bbbbbbbbbbbb fd00:2::2 only6 1234567890ab',
      'n aaaaaaaaaaaa 10.1.0.2 web www abcdef012345',
      'n aaaaaaaaaaaa fd00:1::2 web www abcdef012345',
    ]);
    expect(servedCount(text)).toBe(2);
  });

  it('records without ip6 come out exactly as before (the old line form)', () => {
    expect(body(buildDnsRecords([ep(C1, 'web', NA, '10.1.0.2')], nets, []))).toEqual(['c /run/netns/minidock-abcdef012345 aaaaaaaaaaaa', 'n aaaaaaaaaaaa 10.1.0.2 web abcdef012345']);
  });

  it('the v6 address is written in its canonical form (RFC 5952), whatever form the record has', () => {
    expect(body(buildDnsRecords([ep(C1, 'web', NA, '', { ip6: 'FD00:0001:0000:0000:0:0:0:0002' })], nets, []))).toContain('n aaaaaaaaaaaa fd00:1::2 web abcdef012345');
  });

  it('no usable address of either family, a zone id, or the default bridge: no line, not served', () => {
    expect(servedCount(buildDnsRecords([ep(C1, 'web', NA, '', { ip6: 'fe80::1%eth0' })], nets, []))).toBe(0);
    expect(servedCount(buildDnsRecords([ep(C1, 'web', NA, '', { ip6: 'not-an-address' })], nets, []))).toBe(0);
    expect(servedCount(buildDnsRecords([ep(C1, 'web', NA, '')], nets, []))).toBe(0);
    expect(buildDnsRecords([ep(C1, 'web', NDEF, '172.17.0.2', { ip6: 'fd00:17::2' })], nets, [])).not.toContain('fd00:17::2');
    // a bad v4 with a good v6: the v6 line only
    expect(body(buildDnsRecords([ep(C1, 'web', NA, 'bogus', { ip6: 'fd00:1::9' })], nets, []))).toEqual(['c /run/netns/minidock-abcdef012345 aaaaaaaaaaaa', 'n aaaaaaaaaaaa fd00:1::9 web abcdef012345']);
  });

  it('every name line has one address of one family and the same names for both (property)', () => {
    // groups of zeros often, so the canonical form's "::" is exercised
    const v6 = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
    fc.assert(
      fc.property(fc.boolean(), fc.option(v6, { nil: undefined }), fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { maxLength: 3 }), (has4, ip6, aliases) => {
        const text = buildDnsRecords([ep(C1, 'web', NA, has4 ? '10.1.0.2' : '', { ip6, aliases })], nets, []);
        const lines = body(text).filter((l) => l.startsWith('n '));
        expect(lines).toHaveLength((has4 ? 1 : 0) + (ip6 ? 1 : 0));
        expect(servedCount(text)).toBe(lines.length ? 1 : 0);
        const names = new Set(lines.map((l) => l.split(' ').slice(3).join(' ')));
        expect(names.size).toBeLessThanOrEqual(1);
        for (const l of lines) {
          const addr = l.split(' ')[2]!;
          expect(addr === '10.1.0.2' || (isIPv6(addr) && addr === canonicalIp6(ip6!))).toBe(true);
        }
      }),
    );
  });
});
