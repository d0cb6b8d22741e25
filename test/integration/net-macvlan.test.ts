// macvlan networks, end to end with real containers through the real CLI. The "LAN" is a veth
// pair: one end (lanN) in the test's host netns is the parent, the other end is in a "LAN host"
// netns this file creates, with the gateway's address — so what reaches the LAN host would
// reach any machine on a real LAN. Modes as the kernel defines them, a shared parent,
// passthru's exclusivity, an internal network (no parent), the host link, -p refused,
// connect/disconnect, DNS, a VLAN parent (where the kernel has 802.1Q links), prune after a
// killed create.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { Minidock, sh } from '../helpers/cli.js';
import { killAt } from './crash-helpers.js';
import { kernelHasLink } from '../../src/engine/network/drivers/lowerlink.js';

const tag = randomBytes(3).toString('hex');
const LAN = `mdt-lan-${tag}`;
const HAS_VLAN = await kernelHasLink('vlan');

describe('macvlan networks (real containers, a veth pair as the LAN)', () => {
  let md: Minidock;
  const lan = (args: string[]) => sh('ip', ['netns', 'exec', LAN, ...args]);
  const ping = (ctr: string, to: string) => md.run(['exec', ctr, 'ping', '-c', '1', '-W', '2', to]).code === 0;
  const ipOf = (ctr: string, net: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ctr])) as Record<string, { IPAddress: string }>)[net].IPAddress;
  const nsOf = (ctr: string) => `minidock-${md.ok(['inspect', '-f', '{{.Id}}', ctr]).slice(0, 12)}`;
  /** `ip` in a container's netns, from the host (busybox's ip has no -d). */
  const ipIn = (ctr: string, args: string[]) => md.inHost('ip', ['-n', nsOf(ctr), ...args]).stdout;
  const hostLinks = () => (JSON.parse(md.inHost('ip', ['-j', 'link']).stdout) as { ifname: string }[]).map((l) => l.ifname);

  beforeAll(() => {
    md = new Minidock();
    sh('ip', ['netns', 'add', LAN]);
    // lan0 (10.77/24), lan1 (10.78/24, private mode), lan2 (passthru): each a LAN of its own
    for (const [i, net] of [[0, '10.77.0'], [1, '10.78.0'], [2, '10.79.0']] as const) {
      md.inHost('ip', ['link', 'add', `lan${i}`, 'type', 'veth', 'peer', 'name', `peer${i}`, 'netns', LAN]);
      md.inHost('ip', ['link', 'set', `lan${i}`, 'up']);
      lan(['ip', 'addr', 'add', `${net}.1/24`, 'dev', `peer${i}`]);
      lan(['ip', 'link', 'set', `peer${i}`, 'up']);
    }
  });

  afterAll(() => {
    md?.cleanup();
    sh('ip', ['netns', 'del', LAN]);
  });

  it('network create: Docker\'s refusals, one line each, nothing made', () => {
    const before = hostLinks().sort();
    const cases: [string[], RegExp][] = [
      [['-o', 'parent=lo'], /^minidock: loopback interface is not a valid macvlan parent link\n$/],
      [['-o', 'parent=lan0', '-o', 'macvlan_mode=foo'], /requested macvlan mode 'foo' is not valid, 'bridge' mode is the macvlan driver default\n$/],
      [['-o', 'parent=nosuch9'], /the requested parent interface nosuch9 was not found on the host\n$/],
      [['-o', 'parent=nosuch9.60'], /-o parent interface was not found on the host: nosuch9\n$/],
      [['-o', 'parent=lan0.5000'], /vlan id must be between 1-4094, received: 5000\n$/],
      [['-o', 'minidock.host_link=true'], /minidock.host_link needs -o parent/],
      [['-o', 'parent=lan0', '-o', 'macvlan_mode=private', '-o', 'minidock.host_link=true'], /needs macvlan_mode=bridge/],
    ];
    for (const [args, msg] of cases) {
      const r = md.run(['network', 'create', '-d', 'macvlan', '--subnet', '10.90.0.0/24', ...args, 'bad']);
      expect(r.code, args.join(' ')).toBe(125);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    expect(md.run(['network', 'inspect', 'bad']).code).toBe(1);
    expect(hostLinks().sort()).toEqual(before);
  });

  it('two containers on a macvlan network ping each other and resolve each other by name; the LAN host reaches them', () => {
    const exp = md.run(['network', 'create', '--explain', '-d', 'macvlan', '--subnet', '10.77.0.0/24', '--gateway', '10.77.0.1', '-o', 'parent=lan0', 'mv']);
    expect(exp.code).toBe(0);
    expect(exp.stderr).toContain('# network mv: macvlan (mode bridge) on lan0, subnet 10.77.0.0/24, gateway 10.77.0.1');
    expect(exp.stderr).toContain('the host itself cannot reach these containers through lan0');
    const run = md.run(['run', '-d', '--explain', '--name', 'ma', '--network', 'mv', 'busybox', 'sleep', '600']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^ip link add link lan0 name eth0 address 02:42:0a:4d:00:02 netns minidock-[0-9a-f]{12} type macvlan mode bridge$/m);
    expect(run.stderr).toContain('ip netns exec minidock-');
    md.ok(['run', '-d', '--name', 'mb', '--network', 'mv', '--ip', '10.77.0.50', '--network-alias', 'bee', 'busybox', 'sleep', '600']);
    expect(ipOf('ma', 'mv')).toBe('10.77.0.2');
    expect(ipOf('mb', 'mv')).toBe('10.77.0.50');
    // eth0 is a macvlan link of lan0 (eth0@ifN, N = lan0's index)
    const lanIndex = (JSON.parse(md.inHost('ip', ['-j', 'link', 'show', 'dev', 'lan0']).stdout) as { ifindex: number }[])[0].ifindex;
    expect(ipIn('ma', ['-d', 'link', 'show', 'eth0'])).toMatch(new RegExp(`eth0@if${lanIndex}:[^]*macvlan mode bridge`));
    expect(md.ok(['exec', 'ma', 'ip', 'route'])).toContain('default via 10.77.0.1 dev eth0');
    expect(ping('ma', '10.77.0.50')).toBe(true);
    expect(ping('ma', 'mb')).toBe(true);
    expect(ping('mb', 'ma')).toBe(true);
    expect(md.ok(['exec', 'ma', 'nslookup', 'bee'])).toContain('10.77.0.50');
    expect(md.ok(['exec', 'ma', 'cat', '/etc/resolv.conf'])).toContain('nameserver 127.0.0.11');
    // the "LAN host" on lan0's other end reaches both, and they reach it (their gateway)
    expect(lan(['busybox', 'ping', '-c', '1', '-W', '2', '10.77.0.2']).code).toBe(0);
    expect(lan(['busybox', 'ping', '-c', '1', '-W', '2', '10.77.0.50']).code).toBe(0);
    expect(ping('ma', '10.77.0.1')).toBe(true);
    // the host itself does not (no route, and the kernel keeps parent and children apart)
    expect(md.inHost('busybox', ['ping', '-c', '1', '-W', '1', '10.77.0.2']).code).not.toBe(0);
    // no host end: no md… veth on the host
    expect(hostLinks().filter((l) => /^md[0-9a-f]{12}$/.test(l))).toEqual([]);
    const ins = JSON.parse(md.ok(['network', 'inspect', 'mv'])) as { Driver: string; Options: Record<string, string>; Containers: Record<string, unknown> }[];
    expect(ins[0].Driver).toBe('macvlan');
    expect(ins[0].Options).toEqual({ parent: 'lan0' });
    expect(Object.keys(ins[0].Containers)).toHaveLength(2);
  });

  it('-p on a macvlan container is refused with one line', () => {
    const r = md.run(['run', '-d', '-p', '8080:80', '--network', 'mv', 'busybox', 'sleep', '600']);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe('minidock: port publishing (-p) is not available on macvlan networks: the container has its own address on the parent\'s LAN, reach it there\n');
  });

  it('a shared parent: a second network on lan0 with the host link lets the host reach its container', () => {
    const exp = md.run(['network', 'create', '--explain', '-d', 'macvlan', '--subnet', '10.76.0.0/24', '-o', 'parent=lan0', '-o', 'minidock.host_link=true', 'mvh']);
    expect(exp.code).toBe(0);
    expect(exp.stderr).toMatch(/^ip link add mdhl-[0-9a-f]{10} link lan0 type macvlan mode bridge$/m);
    expect(exp.stderr).toMatch(/^ip addr add 10\.76\.0\.2\/32 dev mdhl-[0-9a-f]{10}$/m);
    expect(exp.stderr).toMatch(/^ip route add 10\.76\.0\.0\/24 dev mdhl-[0-9a-f]{10}$/m);
    md.ok(['run', '-d', '--name', 'h1', '--network', 'mvh', 'busybox', 'sleep', '600']);
    expect(ipOf('h1', 'mvh')).toBe('10.76.0.3'); // .2 is the host link's
    expect(md.inHost('busybox', ['ping', '-c', '1', '-W', '2', '10.76.0.3']).code).toBe(0);
    expect(ping('h1', '10.76.0.2')).toBe(true);
    const hl = hostLinks().find((l) => l.startsWith('mdhl-'))!;
    md.ok(['rm', '-f', 'h1']);
    md.ok(['network', 'rm', 'mvh']);
    expect(hostLinks()).not.toContain(hl);
    expect(hostLinks()).toContain('lan0'); // the parent is the user's: never removed
    expect(ping('ma', 'mb')).toBe(true); // the other network on lan0 is untouched
  });

  it('connect and disconnect a bridge container to the macvlan network', () => {
    md.ok(['run', '-d', '--name', 'mc', 'busybox', 'sleep', '600']);
    const exp = md.run(['network', 'connect', '--explain', 'mv', 'mc']);
    expect(exp.code).toBe(0);
    expect(exp.stderr).toMatch(/^ip link add link lan0 name eth1 address 02:42:0a:4d:00:03 netns minidock-[0-9a-f]{12} type macvlan mode bridge$/m);
    expect(ping('mc', 'ma')).toBe(true);
    expect(lan(['busybox', 'ping', '-c', '1', '-W', '2', ipOf('mc', 'mv')]).code).toBe(0);
    md.ok(['network', 'disconnect', 'mv', 'mc']);
    expect(ipIn('mc', ['link', 'show'])).not.toContain('eth1');
    expect(ipIn('mc', ['-d', 'link', 'show', 'eth0'])).toContain('veth');
  });

  it('mode private: containers on one parent do not reach each other, the LAN host reaches both', () => {
    md.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.78.0.0/24', '--gateway', '10.78.0.1', '-o', 'parent=lan1', '-o', 'macvlan_mode=private', 'mvp']);
    md.ok(['run', '-d', '--name', 'p1', '--network', 'mvp', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'p2', '--network', 'mvp', 'busybox', 'sleep', '600']);
    expect(ipIn('p1', ['-d', 'link', 'show', 'eth0'])).toContain('macvlan mode private');
    expect(ping('p1', ipOf('p2', 'mvp'))).toBe(false);
    expect(lan(['busybox', 'ping', '-c', '1', '-W', '2', ipOf('p1', 'mvp')]).code).toBe(0);
    expect(lan(['busybox', 'ping', '-c', '1', '-W', '2', ipOf('p2', 'mvp')]).code).toBe(0);
    // bridge mode on the same parent would let them: that is what the first test showed
  });

  it('passthru: the parent cannot be shared, either way round', () => {
    const r = md.run(['network', 'create', '-d', 'macvlan', '--subnet', '10.75.0.0/24', '-o', 'parent=lan0', '-o', 'macvlan_mode=passthru', 'pt0']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^minidock: cannot use mode passthru, macvlan network [0-9a-f]{64} is already using parent interface lan0\n$/);
    md.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.79.0.0/24', '--gateway', '10.79.0.1', '-o', 'parent=lan2', '-o', 'macvlan_mode=passthru', 'pt']);
    const r2 = md.run(['network', 'create', '-d', 'macvlan', '--subnet', '10.74.0.0/24', '-o', 'parent=lan2', 'pt2']);
    expect(r2.code).toBe(125);
    expect(r2.stderr).toMatch(/^minidock: macvlan network [0-9a-f]{64} is already using parent interface lan2 in mode passthru\n$/);
    md.ok(['run', '-d', '--name', 't1', '--network', 'pt', 'busybox', 'sleep', '600']);
    expect(lan(['busybox', 'ping', '-c', '1', '-W', '2', ipOf('t1', 'pt')]).code).toBe(0);
  });

  it('internal (no parent): a stand-in parent of minidock\'s own, containers reach each other, nothing else; removed with the network', () => {
    const exp = md.run(['network', 'create', '--explain', '-d', 'macvlan', '--subnet', '10.73.0.0/24', 'iso']);
    expect(exp.code).toBe(0);
    const ins = (JSON.parse(md.ok(['network', 'inspect', 'iso'])) as { Internal: boolean; Options: { parent: string } }[])[0];
    expect(ins.Internal).toBe(true);
    expect(ins.Options.parent).toMatch(/^mdpl-[0-9a-f]{10}$/);
    expect(exp.stderr).toContain(`${ins.Options.parent} (minidock's own: no -o parent, an internal network)`);
    expect(hostLinks()).toContain(ins.Options.parent);
    md.ok(['run', '-d', '--name', 'i1', '--network', 'iso', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'i2', '--network', 'iso', 'busybox', 'sleep', '600']);
    expect(ping('i1', 'i2')).toBe(true);
    expect(md.ok(['exec', 'i1', 'ip', 'route'])).not.toContain('default');
    md.ok(['rm', '-f', 'i1', 'i2']);
    md.ok(['network', 'rm', 'iso']);
    expect(hostLinks().filter((l) => l.startsWith('mdpl-') || l.startsWith('mdpp-'))).toEqual([]);
  });

  it(HAS_VLAN ? 'a dotted parent creates the 802.1Q sub-interface, removed with the last network using it; one that existed stays'
    : 'a dotted parent: NOT RUN on this kernel (no 802.1Q VLAN links): network create refuses with one line naming it', () => {
    if (!HAS_VLAN) {
      console.log('NOT RUN: VLAN parents (this kernel has no 802.1Q links); checked instead: network create refuses with one line');
      const r = md.run(['network', 'create', '-d', 'macvlan', '--subnet', '10.72.0.0/24', '-o', 'parent=lan0.60', 'v60']);
      expect(r.code).toBe(125);
      expect(r.stderr).toBe('minidock: this kernel has no 802.1Q VLAN links (CONFIG_VLAN_8021Q): cannot create the sub-interface lan0.60\n');
      expect(hostLinks()).not.toContain('lan0.60');
      return;
    }
    md.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.72.0.0/24', '-o', 'parent=lan0.60', 'v60']);
    md.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.71.0.0/24', '-o', 'parent=lan0.60', 'v60b']);
    expect(md.inHost('ip', ['-d', 'link', 'show', 'lan0.60']).stdout).toContain('vlan protocol 802.1Q id 60');
    md.ok(['network', 'rm', 'v60']);
    expect(hostLinks()).toContain('lan0.60'); // v60b still uses it
    md.ok(['network', 'rm', 'v60b']);
    expect(hostLinks()).not.toContain('lan0.60');
    md.inHost('ip', ['link', 'add', 'link', 'lan0', 'name', 'lan0.61', 'type', 'vlan', 'id', '61']);
    md.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.72.0.0/24', '-o', 'parent=lan0.61', 'v61']);
    md.ok(['network', 'rm', 'v61']);
    expect(hostLinks()).toContain('lan0.61'); // the user's: never removed
    md.inHost('ip', ['link', 'del', 'lan0.61']);
  });

  it('a network create killed after its stand-in parent was made: prune removes it', async () => {
    const marker = `/tmp/mdt-mv-${tag}`;
    const r = await killAt(md, 'op:link-add-veth', ['network', 'create', '-d', 'macvlan', '--subnet', '10.70.0.0/24', 'killed'], marker);
    rmSync(marker, { force: true });
    expect(r.reached).toBe(true);
    const leaked = hostLinks().filter((l) => l.startsWith('mdpl-'));
    expect(leaked).toHaveLength(1);
    const p = md.ok(['system', 'prune', '-f']);
    expect(p).toBeDefined();
    expect(hostLinks().filter((l) => l.startsWith('mdpl-') || l.startsWith('mdpp-'))).toEqual([]);
    expect(md.run(['network', 'inspect', 'killed']).code).toBe(1);
  });

  it('a run killed right after its macvlan link was made: prune leaves no netns and no macvlan link', async () => {
    const marker = `/tmp/mdt-mvrun-${tag}`;
    const before = md.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    const r = await killAt(md, 'op:link-add-macvlan', ['run', '-d', '--network', 'mv', 'busybox', 'sleep', '600'], marker);
    rmSync(marker, { force: true });
    expect(r.reached).toBe(true);
    const id = md.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean).find((x) => !before.includes(x))!;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    md.ok(['system', 'prune', '-f']);
    md.run(['rm', '-f', id]);
    expect(existsSync(`/run/netns/minidock-${id.slice(0, 12)}`)).toBe(false);
    expect(md.inHost('ip', ['-o', 'link', 'show', 'type', 'macvlan']).stdout.trim()).toBe('');
    expect(ping('ma', 'mb')).toBe(true); // the network's other containers are untouched
  });

  it('diagram and rules show the macvlan network truthfully, and mark drift', () => {
    const lanIndex = (JSON.parse(md.inHost('ip', ['-j', 'link', 'show', 'dev', 'lan0']).stdout) as { ifindex: number }[])[0].ifindex;
    const d = md.ok(['network', 'diagram', 'mv']);
    expect(d).toContain(`┌ network "mv"   macvlan mode bridge on lan0   parent ${lanIndex}: lan0   gateway 10.77.0.1   subnet 10.77.0.0/24`);
    expect(d).toMatch(new RegExp(`lan0 ═══macvlan═══ \\d+: eth0@if${lanIndex}  ma  10\\.77\\.0\\.2/24  netns minidock-`));
    expect(d).toContain('(mv is macvlan: no NAT, its containers have addresses of their own on lan0\'s LAN)');
    expect(d).not.toContain('✗');
    expect(md.ok(['network', 'diagram', '--format', 'dot', 'mv'])).toContain('label="macvlan"');
    expect(md.ok(['network', 'diagram', '--format', 'svg', 'mv'])).toContain('macvlan mode bridge on lan0 · parent');
    expect(md.ok(['network', 'rules', 'mv'])).toBe("network mv (macvlan mode bridge on lan0): no firewall rules — no NAT, no published ports; its containers have addresses of their own on lan0's LAN");
    // drift: eth0 deleted behind minidock's back
    md.inHost('ip', ['-n', nsOf('mb'), 'link', 'del', 'eth0']);
    const d2 = md.ok(['network', 'diagram', 'mv']);
    expect(d2).toMatch(/✗ eth0 is gone from minidock-[0-9a-f]{12}/);
  });

  it('rm of the containers leaves no netns; network rm of the last one leaves the parent', () => {
    md.ok(['rm', '-f', 'ma', 'mb', 'mc', 'p1', 'p2', 't1']);
    for (const n of ['mv', 'mvp', 'pt']) md.ok(['network', 'rm', n]);
    expect(hostLinks()).toEqual(expect.arrayContaining(['lan0', 'lan1', 'lan2']));
    expect(existsSync(`/run/netns/${LAN}`)).toBe(true);
  });
});
