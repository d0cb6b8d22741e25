// IPv6 upstream resolvers of the embedded DNS (#14), the pure part: which nameservers of the
// host's resolv.conf and of MINIDOCK_DNS_UPSTREAM are used (IPv6 ones, zones kept, canonical),
// what is refused, and the records file's `u`/`s` lines for them.
import { describe, expect, it } from 'vitest';
import { buildDnsRecords, parseUpstreams, upstreamIp } from '../../src/engine/network/dns.js';
import { parseDnsServer } from '../../src/engine/container/runflags.js';
import type { EndpointRecord, NetworkRecord } from '../../src/engine/network/networks.js';

describe('IPv6 upstreams', () => {
  it('upstreamIp: IPv4, canonical IPv6, a zone kept; anything else undefined', () => {
    expect(upstreamIp('10.0.0.1')).toBe('10.0.0.1');
    expect(upstreamIp('2001:DB8:0:0::53')).toBe('2001:db8::53');
    expect(upstreamIp('fe80::1%eth0')).toBe('fe80::1%eth0');
    expect(upstreamIp('fe80::1%2')).toBe('fe80::1%2');
    expect(upstreamIp('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    for (const bad of ['', 'dns.example', 'fe80::1%', 'fe80::1%a%b', 'fe80::1%eth 0', 'fe80::1%waytoolonginterfacename', '2001:db8::53/64', '10.0.0.1%eth0'])
      expect(upstreamIp(bad), bad).toBeUndefined();
  });

  it("the host's resolv.conf: IPv4 and IPv6 nameservers in order, at most 3, bad lines skipped", () => {
    const conf = 'nameserver 2001:db8::53\n# nameserver 10.0.0.9\nnameserver fe80::1%eth0\nnameserver bogus\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n';
    expect(parseUpstreams(undefined, conf)).toEqual([
      { ip: '2001:db8::53', port: 53 },
      { ip: 'fe80::1%eth0', port: 53 },
      { ip: '10.0.0.1', port: 53 },
    ]);
  });

  it('MINIDOCK_DNS_UPSTREAM: IPV6, [IPV6]:PORT (a zone inside the brackets), refusals in one line', () => {
    expect(parseUpstreams('2001:db8::53, [2001:db8::54]:5353,[fe80::1%lan0]:53', '')).toEqual([
      { ip: '2001:db8::53', port: 53 },
      { ip: '2001:db8::54', port: 5353 },
      { ip: 'fe80::1%lan0', port: 53 },
    ]);
    expect(parseUpstreams('10.0.0.1:5353', '')).toEqual([{ ip: '10.0.0.1', port: 5353 }]);
    for (const bad of ['[2001:db8::53]:0', '[2001:db8::53]:', '[2001:db8::53]:70000', '[2001:db8::zz]:53', '2001:db8::53:', '[10.0.0.1]x'])
      expect(() => parseUpstreams(bad, ''), bad).toThrow(/^invalid MINIDOCK_DNS_UPSTREAM entry .* \(IP\[:PORT\], IPV6 or \[IPV6\]:PORT\)$/);
  });

  it('--dns takes IPv6 but no zone (Go net.ParseIP, as Docker)', () => {
    expect(parseDnsServer('2001:db8::53')).toBe('2001:db8::53');
    expect(() => parseDnsServer('fe80::1%eth0')).toThrow('invalid argument "fe80::1%eth0" for "--dns" flag: IP address is not correctly formatted: fe80::1%eth0');
  });

  it('the records file: u lines for IPv6 upstreams, s lines for a container\'s IPv6 --dns', () => {
    const net = { Id: 'a'.repeat(64), Name: 'n6', Driver: 'bridge' } as NetworkRecord;
    const ep = { containerId: 'c'.repeat(64), containerName: 'web', networkId: net.Id, netns: 'minidock-cccccccccccc', ip: '10.0.0.2', dns: ['2001:DB8::53', '10.0.0.9'] } as EndpointRecord;
    const text = buildDnsRecords([ep], [net], [{ ip: 'fe80::1%eth0', port: 53 }, { ip: '2001:db8::54', port: 5353 }]);
    expect(text).toContain('\nu fe80::1%eth0 53\nu 2001:db8::54 5353\n');
    expect(text).toContain('\nc /run/netns/minidock-cccccccccccc aaaaaaaaaaaa\ns 2001:db8::53 53\ns 10.0.0.9 53\n');
  });
});
