// Pure logic of user-defined networks: `network create` flags, DNS records, upstreams,
// resolv.conf, isolation and --internal rules, the extra-interface ops, --ip-range allocation.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { commandOf, type IptOp } from '../../src/host/plan.js';
import { parseCreateFlags, overlappingNetwork, removeOps, userBridgeName } from '../../src/engine/network/usernet.js';
import { buildDnsRecords, embeddedResolvConf, isDnsName, parseUpstreams, servedCount } from '../../src/engine/network/dns.js';
import { networkRuleOps } from '../../src/engine/network/firewall/iptables.js';
import { attachOps, containerLinkOf, containerOps, hostIfName, hostIfNameFor } from '../../src/engine/network/drivers/bridge.js';
import { pickAddress } from '../../src/engine/network/ipam.js';
import { parseCidr, parseIp } from '../../src/engine/network/cidr.js';
import { formatNetworkTable } from '../../src/cli/network.js';
import type { EndpointRecord, NetworkRecord } from '../../src/engine/network/networks.js';

const ID = 'abcdef0123456789' + '0'.repeat(48);
const ID2 = '1234567890ab' + 'f'.repeat(52);

describe('network create flags', () => {
  it('accepts the Docker flags', () => {
    expect(parseCreateFlags('front', { subnet: ['10.1.0.0/16'], gateway: ['10.1.0.254'], ipRange: ['10.1.2.0/24'], internal: true, opt: ['com.docker.network.bridge.name=br-front'], label: ['a=b', 'flag'] })).toEqual({
      name: 'front',
      subnet: '10.1.0.0/16',
      gateway: '10.1.0.254',
      ipRange: '10.1.2.0/24',
      internal: true,
      bridge: 'br-front',
      options: { 'com.docker.network.bridge.name': 'br-front' },
      labels: { a: 'b', flag: '' },
    });
    expect(parseCreateFlags('n1', {})).toMatchObject({ name: 'n1', internal: false, subnet: undefined, bridge: undefined });
  });

  it.each([
    ['bad name', {}, /invalid network name/],
    ['bridge', {}, /^Error response from daemon: operation is not permitted on predefined bridge network$/],
    ['host', {}, /^Error response from daemon: operation is not permitted on predefined host network$/],
    ['none', {}, /^Error response from daemon: operation is not permitted on predefined none network$/],
    ['x', { driver: 'host' }, /^Error response from daemon: only one instance of "host" network is allowed$/],
    ['x', { driver: 'weave' }, /plugin "weave" not found/],
    ['x', { subnet: ['10.1.0.1/16'] }, /it should be 10\.1\.0\.0\/16/],
    ['x', { subnet: ['10.1.0.0/31'] }, /too small/],
    ['x', { subnet: ['nonsense'] }, /Invalid subnet nonsense : invalid CIDR address: nonsense/],
    ['x', { subnet: ['10.1.0.0/16', '10.2.0.0/16'] }, /only one --subnet/],
    ['x', { gateway: ['10.1.0.1'] }, /--gateway needs --subnet/],
    ['x', { ipRange: ['10.1.0.0/24'] }, /--ip-range needs --subnet/],
    ['x', { subnet: ['10.1.0.0/16'], gateway: ['10.2.0.1'] }, /no matching subnet for gateway/],
    ['x', { subnet: ['10.1.0.0/16'], gateway: ['10.1.255.255'] }, /broadcast/],
    ['x', { subnet: ['10.1.0.0/16'], ipRange: ['10.2.0.0/24'] }, /no matching subnet for range/],
    ['x', { subnet: ['10.1.0.0/16'], ipRange: ['10.0.0.0/8'] }, /no matching subnet for range/],
    ['x', { opt: ['novalue'] }, /invalid option/],
    ['x', { opt: ['com.docker.network.bridge.name=much-too-long-name'] }, /invalid bridge name/],
    ['x', { opt: ['com.docker.network.bridge.name=a b'] }, /invalid bridge name/],
  ] as const)('refuses %s %j', (name, flags, msg) => {
    expect(() => parseCreateFlags(name, flags as Parameters<typeof parseCreateFlags>[1])).toThrow(msg);
  });

  it('finds overlapping subnets; bridge names stay within IFNAMSIZ', () => {
    const nets = [{ Name: 'a', Subnet: '10.1.0.0/16' }, { Name: 'b', Subnet: '172.18.0.0/16' }] as NetworkRecord[];
    expect(overlappingNetwork('10.1.5.0/24', nets)?.Name).toBe('a');
    expect(overlappingNetwork('10.0.0.0/8', nets)?.Name).toBe('a');
    expect(overlappingNetwork('10.2.0.0/16', nets)).toBeUndefined();
    expect(userBridgeName(ID)).toBe('mdbr-abcdef0123');
    expect(userBridgeName(ID).length).toBeLessThanOrEqual(15);
  });
});

const net = (name: string, id: string, extra: Partial<NetworkRecord> = {}): NetworkRecord => ({ Name: name, Id: id, Created: '', Driver: 'bridge', ...extra });
const ep = (cid: string, name: string, netId: string, ip: string, extra: Partial<EndpointRecord> = {}): EndpointRecord => ({
  containerId: cid, containerName: name, network: '', networkId: netId, endpointId: '', ip, prefixLen: 24, gateway: '', mac: '', netns: `minidock-${cid.slice(0, 12)}`, hostIf: '', ports: [], rules: [], ...extra,
});

describe('DNS records', () => {
  const NA = 'aaaaaaaaaaaa' + '1'.repeat(52);
  const NB = 'bbbbbbbbbbbb' + '2'.repeat(52);
  const NDEF = 'dddddddddddd' + '3'.repeat(52);
  const nets = [net('front', NA), net('back', NB), net('bridge', NDEF), net('host', 'e'.repeat(64), { Driver: 'host' })];

  it('names, aliases and short ids per network; one line per served container; the default bridge has none', () => {
    const text = buildDnsRecords(
      [
        ep(ID, 'web', NA, '10.1.0.2', { aliases: ['www', 'WWW', 'bad alias'] }),
        ep(ID2, 'db', NB, '10.2.0.2'),
        ep(ID2, 'db', NA, '10.1.0.3', { ifname: 'eth1' }),
        ep('c'.repeat(64), 'plain', NDEF, '172.17.0.2'),
      ],
      nets,
      [{ ip: '10.0.0.2', port: 53 }],
    );
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      'u 10.0.0.2 53',
      'c /run/netns/minidock-1234567890ab bbbbbbbbbbbb aaaaaaaaaaaa',
      'c /run/netns/minidock-abcdef012345 aaaaaaaaaaaa',
      'n bbbbbbbbbbbb 10.2.0.2 db 1234567890ab',
      'n aaaaaaaaaaaa 10.1.0.3 db 1234567890ab',
      'n aaaaaaaaaaaa 10.1.0.2 web www abcdef012345',
      '',
    ]);
    expect(servedCount(text)).toBe(2);
    expect(servedCount(buildDnsRecords([ep('c'.repeat(64), 'plain', NDEF, '172.17.0.2')], nets, []))).toBe(0);
  });

  it('never writes a record line a name could break (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), (name, aliases) => {
        const text = buildDnsRecords([ep(ID, name, NA, '10.1.0.2', { aliases })], nets, []);
        for (const l of text.split('\n').filter((x) => x.startsWith('n '))) {
          const [, , , ...names] = l.split(' ');
          for (const n of names) expect(isDnsName(n)).toBe(true);
        }
        expect(text.split('\n').filter((x) => x && !/^(#|u |c |n )/.test(x))).toEqual([]);
      }),
    );
  });

  it('upstreams from MINIDOCK_DNS_UPSTREAM or the host resolv.conf (loopback kept: the resolver runs on the host)', () => {
    expect(parseUpstreams('10.0.0.1:5353, 10.0.0.2', '')).toEqual([{ ip: '10.0.0.1', port: 5353 }, { ip: '10.0.0.2', port: 53 }]);
    // ::1 too since IPv6 upstreams are forwarded to (#14; test/unit/dns-upstream-v6.test.ts)
    expect(parseUpstreams(undefined, 'search lan\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.9.9.9\n')).toEqual([{ ip: '127.0.0.53', port: 53 }, { ip: '::1', port: 53 }, { ip: '10.9.9.9', port: 53 }]);
    expect(parseUpstreams('', '')).toEqual([]);
    expect(() => parseUpstreams('10.0.0.1:99999', '')).toThrow(/invalid MINIDOCK_DNS_UPSTREAM/);
    expect(() => parseUpstreams('dns.example', '')).toThrow(/invalid MINIDOCK_DNS_UPSTREAM/);
  });

  it("resolv.conf on a user network: 127.0.0.11, the host's search and options, ndots:0", () => {
    expect(embeddedResolvConf('nameserver 10.0.0.2\nsearch lan corp\noptions ndots:2 edns0\n')).toBe('nameserver 127.0.0.11\nsearch lan corp\noptions ndots:0 edns0\n');
    expect(embeddedResolvConf('')).toBe('nameserver 127.0.0.11\noptions ndots:0\n');
  });
});

describe('isolation and --internal rules', () => {
  const n = { name: 'front', bridge: 'mdbr-1', subnet: '10.1.0.0/24', gateway: '10.1.0.1' };

  it('two isolation rules per network, a DNAT exception for published ports', () => {
    const iso = networkRuleOps(n).filter((o) => o.args[1].includes('ISOLATION')).map(commandOf);
    expect(iso).toEqual([
      "iptables -A MINIDOCK-ISOLATION-1 -i mdbr-1 ! -o mdbr-1 -m comment --comment 'minidock net front: isolation 1' -j MINIDOCK-ISOLATION-2",
      "iptables -A MINIDOCK-ISOLATION-2 -o mdbr-1 -m conntrack ! --ctstate DNAT -m comment --comment 'minidock net front: isolation 2' -j DROP",
    ]);
  });

  it('--internal: no masquerade, nothing in or out, containers among themselves only', () => {
    const ops = networkRuleOps({ ...n, internal: true });
    const text = ops.map(commandOf);
    expect(text.some((l) => l.includes('MASQUERADE'))).toBe(false);
    expect(text).toContain("iptables -A MINIDOCK-ISOLATION-1 -i mdbr-1 ! -o mdbr-1 -m comment --comment 'minidock net front: internal, nothing out' -j DROP");
    expect(text).toContain("iptables -A MINIDOCK-ISOLATION-1 ! -i mdbr-1 -o mdbr-1 -m comment --comment 'minidock net front: internal, nothing in' -j DROP");
    // no default route inside
    const link = containerLinkOf({ ...n, internal: true }, ID, 'minidock-x', '10.1.0.2');
    expect(containerOps({ ...n, internal: true }, link).map(commandOf).some((l) => l.includes('default'))).toBe(false);
  });

  it('network rm deletes exactly the rules create added, then the bridge', () => {
    const rec = net('front', ID, { Bridge: 'mdbr-1', Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' });
    const ops = removeOps(rec);
    // Written out, not computed with the code under test: each rule create added, deleted
    // with -D in reverse order, then the bridge.
    expect(ops.map((o) => commandOf(o))).toEqual([
      "iptables -D MINIDOCK-ISOLATION-2 -o mdbr-1 -m conntrack ! --ctstate DNAT -m comment --comment 'minidock net front: isolation 2' -j DROP",
      "iptables -D MINIDOCK-ISOLATION-1 -i mdbr-1 ! -o mdbr-1 -m comment --comment 'minidock net front: isolation 1' -j MINIDOCK-ISOLATION-2",
      "iptables -D MINIDOCK-FORWARD -i mdbr-1 -m comment --comment 'minidock net front: from containers' -j ACCEPT",
      "iptables -D MINIDOCK-FORWARD -o mdbr-1 -m conntrack --ctstate DNAT -m comment --comment 'minidock net front: published ports' -j ACCEPT",
      "iptables -D MINIDOCK-FORWARD -o mdbr-1 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment 'minidock net front: replies' -j ACCEPT",
      "iptables -t nat -D MINIDOCK-POSTROUTING -s 10.1.0.0/24 -o mdbr-1 -m conntrack --ctstate DNAT -m comment --comment 'minidock net front: hairpin' -j MASQUERADE",
      "iptables -t nat -D MINIDOCK-POSTROUTING -o mdbr-1 -m addrtype --src-type LOCAL -m comment --comment 'minidock net front: from the host' -j MASQUERADE",
      "iptables -t nat -D MINIDOCK-POSTROUTING -s 10.1.0.0/24 ! -o mdbr-1 -m comment --comment 'minidock net front: outbound' -j MASQUERADE",
      "iptables -t raw -D MINIDOCK-RAW -d 10.1.0.0/24 ! -i mdbr-1 -m addrtype ! --dst-type LOCAL -m comment --comment 'minidock net front: no direct access from outside' -j DROP",
      'ip link del mdbr-1',
    ]);
    // ...and they are exactly the rules create adds (same text but -A → -D).
    expect(ops.slice(0, -1).map((o) => commandOf(o).replace(' -D ', ' -A ')).reverse()).toEqual(networkRuleOps(n).map(commandOf));
    for (const o of ops.slice(0, -1)) expect((o as IptOp).args[0]).toBe('-D');
  });
});

describe('network connect: an extra interface', () => {
  const n = { name: 'front', bridge: 'mdbr-1', subnet: '10.1.0.0/24', gateway: '10.1.0.1' };

  it('eth1 gets its own host veth name, no netns creation, a default route only when asked', () => {
    expect(hostIfNameFor(ID, 'eth0')).toBe(hostIfName(ID));
    expect(hostIfNameFor(ID, 'eth1')).toBe('mdabcdef0123x1');
    expect(hostIfNameFor(ID, 'eth12').length).toBeLessThanOrEqual(15);
    const link = { ...containerLinkOf(n, ID, 'minidock-abcdef012345', '10.1.0.3', 'eth1'), defaultRoute: false };
    expect(attachOps(n, link).map(commandOf)).toEqual([
      'ip link add mdabcdef0123x1 type veth peer name eth1 address 02:42:0a:01:00:03 netns minidock-abcdef012345',
      'ip link set mdabcdef0123x1 master mdbr-1',
      'ip link set mdabcdef0123x1 type bridge_slave hairpin on',
      'ip link set mdabcdef0123x1 up',
      'ip netns exec minidock-abcdef012345 ip addr add 10.1.0.3/24 dev eth1',
      'ip netns exec minidock-abcdef012345 ip link set eth1 up',
    ]);
    expect(attachOps(n, { ...link, defaultRoute: true }).map(commandOf).pop()).toBe('ip netns exec minidock-abcdef012345 ip route add default via 10.1.0.1');
  });

  it('--ip-range: automatic addresses come from the range; --ip may be anywhere in the subnet', () => {
    const subnet = parseCidr('10.1.0.0/16')!;
    const gw = parseIp('10.1.0.1')!;
    const range = parseCidr('10.1.2.0/24')!;
    expect(pickAddress(subnet, gw, new Set(), undefined, range)).toBe(parseIp('10.1.2.0'));
    expect(pickAddress(subnet, gw, new Set([parseIp('10.1.2.0')!]), undefined, range)).toBe(parseIp('10.1.2.1'));
    expect(pickAddress(subnet, gw, new Set(), '10.1.9.9', range)).toBe(parseIp('10.1.9.9'));
    // a range starting at the network address never hands it out
    expect(pickAddress(subnet, gw, new Set(), undefined, parseCidr('10.1.0.0/24')!)).toBe(parseIp('10.1.0.2'));
  });
});

describe('network ls table', () => {
  it("aligns columns like Docker's tabwriter", () => {
    const t = formatNetworkTable([
      { Id: ID, Name: 'bridge', Driver: 'bridge' },
      { Id: ID2, Name: 'a-rather-long-name', Driver: 'bridge' },
    ]);
    expect(t).toBe(
      'NETWORK ID     NAME                 DRIVER    SCOPE\n' +
        'abcdef012345   bridge               bridge    local\n' +
        '1234567890ab   a-rather-long-name   bridge    local\n',
    );
  });
});
