// ipvlan networks through the real CLI, where the kernel has ipvlan links; on a kernel without
// them (CONFIG_IPVLAN unset, like the one this project is developed on) the behaviour tests are
// NOT RUN — said so in the test names and the output — and what is checked instead is the
// refusal: one line naming the missing kernel feature, nothing made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Minidock, sh } from '../helpers/cli.js';
import { kernelHasLink } from '../../src/engine/network/drivers/lowerlink.js';

const tag = randomBytes(3).toString('hex');
const LAN = `mdt-ilan-${tag}`;
const HAS_IPVLAN = await kernelHasLink('ipvlan');
const live = (name: string) => (HAS_IPVLAN ? name : `${name}: NOT RUN (this kernel has no ipvlan links)`);

describe('ipvlan networks (real containers where the kernel has ipvlan)', () => {
  let md: Minidock;
  const lan = (args: string[]) => sh('ip', ['netns', 'exec', LAN, ...args]);
  const ping = (ctr: string, to: string) => md.run(['exec', ctr, 'ping', '-c', '1', '-W', '2', to]).code === 0;
  const ipOf = (ctr: string, net: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ctr])) as Record<string, { IPAddress: string }>)[net].IPAddress;
  const hostLinks = () => (JSON.parse(md.inHost('ip', ['-j', 'link']).stdout) as { ifname: string }[]).map((l) => l.ifname);

  beforeAll(() => {
    md = new Minidock();
    sh('ip', ['netns', 'add', LAN]);
    md.inHost('ip', ['link', 'add', 'ilan0', 'type', 'veth', 'peer', 'name', 'ipeer0', 'netns', LAN]);
    md.inHost('ip', ['link', 'set', 'ilan0', 'up']);
    lan(['ip', 'addr', 'add', '10.66.0.1/24', 'dev', 'ipeer0']);
    lan(['ip', 'link', 'set', 'ipeer0', 'up']);
    if (!HAS_IPVLAN) console.log('NOT RUN: ipvlan l2/l3 behaviour (this kernel has no ipvlan links); checked instead: network create refuses with one line');
  });

  afterAll(() => {
    md?.cleanup();
    sh('ip', ['netns', 'del', LAN]);
  });

  it('bad ipvlan options are refused before the kernel is asked (any kernel)', () => {
    for (const [o, msg] of [
      ['ipvlan_mode=l4', "requested ipvlan mode 'l4' is not valid, 'l2' mode is the ipvlan driver default"],
      ['ipvlan_flag=loud', "requested ipvlan flag 'loud' is not valid, 'bridge' is the ipvlan driver default"],
      ['minidock.host_link=true', 'minidock.host_link is for macvlan networks'],
    ]) {
      const r = md.run(['network', 'create', '-d', 'ipvlan', '--subnet', '10.66.0.0/24', '-o', 'parent=ilan0', '-o', o, 'bad']);
      expect(r.code).toBe(125);
      expect(r.stderr).toBe(`minidock: ${msg}\n`);
    }
  });

  it(HAS_IPVLAN ? 'the kernel has ipvlan: network create makes the network' : 'this kernel has no ipvlan: network create refuses with one line naming CONFIG_IPVLAN, nothing made', () => {
    const before = hostLinks().sort();
    const r = md.run(['network', 'create', '-d', 'ipvlan', '--subnet', '10.66.0.0/24', '--gateway', '10.66.0.1', '-o', 'parent=ilan0', 'iv']);
    if (!HAS_IPVLAN) {
      expect(r.code).toBe(125);
      expect(r.stderr).toBe('minidock: this kernel has no ipvlan links (CONFIG_IPVLAN): cannot create ipvlan networks\n');
      expect(md.run(['network', 'inspect', 'iv']).code).toBe(1);
      expect(hostLinks().sort()).toEqual(before);
      return;
    }
    expect(r.code).toBe(0);
  });

  it(live('l2: two containers ping each other by name, the LAN host reaches them, -p refused'), () => {
    if (!HAS_IPVLAN) return;
    md.ok(['run', '-d', '--name', 'i1', '--network', 'iv', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'i2', '--network', 'iv', '--network-alias', 'two', 'busybox', 'sleep', '600']);
    expect(ping('i1', 'two')).toBe(true);
    expect(lan(['busybox', 'ping', '-c', '1', '-W', '2', ipOf('i2', 'iv')]).code).toBe(0);
    expect(md.ok(['exec', 'i1', 'ip', 'route'])).toContain('default via 10.66.0.1 dev eth0');
    const r = md.run(['run', '-d', '-p', '80:80', '--network', 'iv', 'busybox', 'sleep', '1']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('port publishing (-p) is not available on ipvlan networks');
  });

  it(live('l3: default dev eth0, no gateway; a second network on the parent in another mode is refused'), () => {
    if (!HAS_IPVLAN) return;
    const other = md.run(['network', 'create', '-d', 'ipvlan', '--subnet', '10.65.0.0/24', '-o', 'parent=ilan0', '-o', 'ipvlan_mode=l3', 'iv3']);
    expect(other.code).toBe(125);
    expect(other.stderr).toContain('is already using parent interface ilan0 in mode l2');
    md.ok(['rm', '-f', 'i1', 'i2']);
    md.ok(['network', 'rm', 'iv']);
    md.ok(['network', 'create', '-d', 'ipvlan', '--subnet', '10.65.0.0/24', '-o', 'parent=ilan0', '-o', 'ipvlan_mode=l3', 'iv3']);
    md.ok(['run', '-d', '--name', 'l3a', '--network', 'iv3', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'l3b', '--network', 'iv3', 'busybox', 'sleep', '600']);
    expect(md.ok(['exec', 'l3a', 'ip', 'route'])).toMatch(/^default dev eth0/m);
    expect(ping('l3a', 'l3b')).toBe(true);
  });
});
