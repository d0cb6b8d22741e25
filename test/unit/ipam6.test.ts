import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCidr6, formatIp6, parseCidr6, parseIp6, contains6 } from '../../src/engine/network/cidr6.js';
import { checkSubnet6, chooseSubnet6, gateway6Of, pickAddress6, pools6, ulaBase, usedSubnets6From } from '../../src/engine/network/ipam6.js';
import { ipBatchLine, type IpOp } from '../../src/host/plan.js';
import { insideOps, shimInsideOf } from '../../src/engine/network/drivers/driver.js';
import { byShim } from '../../src/host/plan.js';
import { containerOps } from '../../src/engine/network/drivers/bridge.js';
import { UserError } from '../../src/errors.js';

describe('IPv6 IPAM', () => {
  it("ULA /48 from the host id: moby's deriveULABaseNetwork test vectors", async () => {
    expect(formatCidr6(await ulaBase(''))).toBe('fd42:98fc:1c14::/48');
    expect(formatCidr6(await ulaBase('499d4bc0-b0b3-416f-b1ee-cf6486315593'))).toBe('fd62:fb69:18af::/48');
  });

  it('pools: the ULA /48 cut into /64s unless config.json gives IPv6 pools; IPv4 entries ignored here', async () => {
    const dflt = await pools6(undefined, '');
    expect(dflt).toHaveLength(1);
    expect(dflt[0].size).toBe(64);
    const mine = await pools6([{ base: '10.0.0.0/8', size: 24 }, { base: 'fd99::/56', size: 64 }], '');
    expect(mine.map((p) => `${formatCidr6(p.base)} /${p.size}`)).toEqual(['fd99::/56 /64']);
    await expect(pools6([{ base: 'fd99::/56', size: 40 }], '')).rejects.toThrow(UserError);
    await expect(pools6([{ base: 'fd99::%x/56', size: 64 }], '')).rejects.toThrow(/zone/);
  });

  it('chooses the first /64 that overlaps nothing used', () => {
    const pool = [{ base: parseCidr6('fd00:1::/48')!, size: 64 }];
    expect(formatCidr6(chooseSubnet6(pool, [])!)).toBe('fd00:1::/64');
    const used = [parseCidr6('fd00:1::/63')!, parseCidr6('fd00:1:0:2::5/128')!];
    expect(formatCidr6(chooseSubnet6(pool, used)!)).toBe('fd00:1:0:3::/64');
    expect(chooseSubnet6(pool, [parseCidr6('fd00::/16')!])).toBeUndefined();
  });

  it('subnet checks: one line each', () => {
    const bad: [string, RegExp][] = [
      ['fd00::1/64', /host bits/],
      ['fe80::/64', /link-local/],
      ['ff02::/64', /multicast/],
      ['::/0', /link-local|multicast/],
      ['::ffff:0:0/96', /IPv4-mapped/],
      ['fd00::/127', /too small/],
      ['fd00::/129', /prefix/],
      ['fd00::%eth0/64', /zone/],
      ['10.0.0.0/8', /IPv6/],
    ];
    for (const [s, re] of bad) expect(() => checkSubnet6(s), s).toThrow(re);
    expect(formatCidr6(checkSubnet6('FD00:0:0:1::/64'))).toBe('fd00:0:0:1::/64');
    const c = checkSubnet6('fd00:5::/64');
    expect(gateway6Of(c)).toBe('fd00:5::1');
    expect(gateway6Of(c, 'fd00:5::fe')).toBe('fd00:5::fe');
    expect(() => gateway6Of(c, 'fd00:6::1')).toThrow(/outside/);
    expect(() => gateway6Of(c, 'fd00:5::')).toThrow(/anycast/);
    expect(() => gateway6Of(c, '::ffff:1.2.3.4')).toThrow(/IPv4-mapped/);
  });

  it('lowest free address, gateway and anycast reserved, --ip6 checked', () => {
    const c = parseCidr6('fd00:5::/64')!;
    const gw = parseIp6('fd00:5::1')!;
    expect(formatIp6(pickAddress6(c, gw, new Set()))).toBe('fd00:5::2');
    expect(formatIp6(pickAddress6(c, gw, new Set([parseIp6('fd00:5::2')!])))).toBe('fd00:5::3');
    expect(formatIp6(pickAddress6(c, gw, new Set(), 'fd00:5:0:0::0abc'))).toBe('fd00:5::abc');
    expect(() => pickAddress6(c, gw, new Set(), 'fd00:5::1')).toThrow(/reserved/);
    expect(() => pickAddress6(c, gw, new Set(), 'fd00:5::')).toThrow(/reserved/);
    expect(() => pickAddress6(c, gw, new Set(), 'fd00:6::2')).toThrow(/does not belong/);
    expect(() => pickAddress6(c, gw, new Set([parseIp6('fd00:5::9')!]), 'fd00:5::9')).toThrow(/already in use/);
    const tiny = parseCidr6('fd00::/126')!;
    expect(() => pickAddress6(tiny, tiny.base + 1n, new Set([tiny.base + 2n, tiny.base + 3n]))).toThrow(/no available IPv6/);
  });

  it('property: successive allocations are distinct, inside, never the gateway or anycast', () => {
    fc.assert(
      fc.property(fc.integer({ min: 64, max: 122 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 1, max: 40 }), (prefix, hi, n) => {
        const c = parseCidr6(`${formatIp6(hi << 64n)}/${prefix}`)!;
        const gw = c.base + 1n;
        const taken = new Set<bigint>();
        for (let i = 0; i < n; i++) {
          const ip = pickAddress6(c, gw, taken);
          expect(contains6(c, ip)).toBe(true);
          expect(ip === gw || ip === c.base || taken.has(ip)).toBe(false);
          taken.add(ip);
        }
      }),
    );
  });

  it('host subnets in use: link-local, multicast, ::1 and default left out', () => {
    const routes = JSON.stringify([{ dst: 'default' }, { dst: 'fe80::/64' }, { dst: 'fd00:7::/64' }, { dst: 'ff00::/8' }, { dst: '2001:db8::5' }]);
    const addrs = JSON.stringify([{ addr_info: [{ family: 'inet6', local: '::1', prefixlen: 128 }, { family: 'inet6', local: 'fd00:8::3', prefixlen: 64 }, { family: 'inet', local: '10.0.0.1', prefixlen: 8 }] }]);
    expect(usedSubnets6From(routes, addrs).map(formatCidr6)).toEqual(['fd00:7::/64', '2001:db8::5/128', 'fd00:8::/64']);
  });
});

describe('IPv6 steps of a container (pure)', () => {
  const link = { containerId: 'c', netns: 'ns1', hostIf: 'mdx', ip: '172.18.0.2', prefixLen: 16, gateway: '172.18.0.1', ip6: 'fd00:5::2', prefixLen6: 64, gateway6: 'fd00:5::1', mac: '02:42:ac:12:00:02' };

  it('dual stack: the go line carries the v6 pair; an IPv4-only line is as before', () => {
    const ops = insideOps(link, '172.18.0.0/16', { via: '172.18.0.1', why: 'x' }, 'fd00:5::/64').map(byShim);
    expect(ops.map((o) => (o as IpOp).args.join(' '))).toEqual([
      'addr add 172.18.0.2/16 dev eth0',
      '-6 addr add fd00:5::2/64 dev eth0 nodad',
      'link set eth0 up',
      'route add default via 172.18.0.1',
      '-6 route add default via fd00:5::1',
    ]);
    expect(shimInsideOf(ops)).toBe('eth0 172.18.0.2/16 172.18.0.1 fd00:5::2/64 fd00:5::1');
    const v4 = insideOps({ ...link, ip6: undefined }, '172.18.0.0/16', { via: '172.18.0.1', why: 'x' }).map(byShim);
    expect(shimInsideOf(v4)).toBe('eth0 172.18.0.2/16 172.18.0.1');
  });

  it('a dual-stack bridge container: every inside step is minidock-shim\'s (no ip -n on the start path)', () => {
    const net = { name: 'n', bridge: 'br', subnet: '172.18.0.0/16', gateway: '172.18.0.1', subnet6: 'fd00:5::/64', gateway6: 'fd00:5::1' };
    const ops = containerOps(net, { ...link, netns: 'minidock-abc', hostIf: 'mdabc' });
    const inside = ops.filter((o) => o.kind === 'ip' && o.netns);
    expect(inside.length).toBe(6);
    expect(inside.every((o) => o.kind === 'ip' && o.by === 'shim')).toBe(true);
    expect(shimInsideOf(ops)).toBe('eth0 172.18.0.2/16 172.18.0.1 fd00:5::2/64 fd00:5::1');
  });

  it('IPv6 only: no IPv4 step; routed (no gateway): default dev', () => {
    const ops = insideOps({ ...link, ip: '', prefixLen: 0, gateway: '' }, undefined, { via: '', why: 'x' }, 'fd00:5::/64').map(byShim);
    expect(shimInsideOf(ops)).toBe('eth0 - - fd00:5::2/64 fd00:5::1');
    const dev = insideOps({ ...link, ip: '', prefixLen: 0, gateway: '', gateway6: '' }, undefined, { dev: true, why: 'x' }, 'fd00:5::/64').map(byShim);
    expect(shimInsideOf(dev)).toBe('eth0 - - fd00:5::2/64 dev');
  });

  it('ip -batch lines drop -6 (a batch line takes no options); default becomes ::/0', () => {
    const op = (args: string[]): IpOp => ({ kind: 'ip', args, why: '' });
    expect(ipBatchLine(op(['-6', 'addr', 'add', 'fd00::1/64', 'dev', 'br0', 'nodad']))).toBe('addr add fd00::1/64 dev br0 nodad');
    expect(ipBatchLine(op(['-6', 'route', 'add', 'default', 'dev', 'eth0']))).toBe('route add ::/0 dev eth0');
    expect(ipBatchLine(op(['route', 'add', 'default', 'via', '10.0.0.1']))).toBe('route add default via 10.0.0.1');
  });
});
