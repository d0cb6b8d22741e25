// The network drivers' plans, as the commands a person would type (pure: nothing is applied).
import { describe, expect, it } from 'vitest';
import { commandOf, explainOps } from '../../src/host/plan.js';
import { driverNamed, driverOf } from '../../src/engine/network/drivers/index.js';
import { containerOpsOf, shimInsideOf } from '../../src/engine/network/drivers/driver.js';
import { attachOps, bridgeNetOf, containerOps } from '../../src/engine/network/drivers/bridge.js';
import { standInName, vlanOf } from '../../src/engine/network/drivers/lowerlink.js';
import type { NetworkRecord } from '../../src/engine/network/networks.js';
import type { CreateSpec } from '../../src/engine/network/drivers/driver.js';

const ID = 'abcdef0123456789' + '0'.repeat(48);
const CID = '0123456789ab' + 'c'.repeat(52);
const NS = 'minidock-0123456789ab';

function rec(driver: string, o: Partial<NetworkRecord> = {}): NetworkRecord {
  return { Name: 'lan', Id: ID, Created: '', Driver: driver, Subnet: '192.168.50.0/24', Gateway: '192.168.50.1', Internal: false, Options: {}, ...o };
}
const spec = (options: Record<string, string>, internal = false): CreateSpec => ({ name: 'lan', internal, options, labels: {} });
const cmds = (ops: { kind: string }[]) => ops.map((o) => commandOf(o as Parameters<typeof commandOf>[0]));

describe('picking drivers', () => {
  it('bridge, macvlan, ipvlan and overlay are drivers; host and none are modes; others are Docker\'s plugin error', () => {
    expect(driverNamed('bridge').name).toBe('bridge');
    expect(driverNamed('macvlan').name).toBe('macvlan');
    expect(driverNamed('ipvlan').name).toBe('ipvlan');
    expect(driverNamed('overlay').name).toBe('overlay');
    expect(() => driverNamed('weave')).toThrow(/^Error response from daemon: plugin "weave" not found$/);
    expect(() => driverNamed('toString')).toThrow(/plugin "toString" not found/);
    expect(driverOf({ Driver: 'host' })).toBeUndefined();
    expect(driverOf({ Driver: 'null' })).toBeUndefined();
  });

  it('capabilities: only bridge publishes ports, has host ends, firewall rules and gateway modes; all three have the embedded DNS', () => {
    expect(driverNamed('bridge').caps).toEqual({ publish: true, embeddedDns: true, hostEnd: true, firewall: true, gatewayModes: true });
    expect(driverNamed('macvlan').caps).toEqual({ publish: false, embeddedDns: true, hostEnd: false, firewall: false, gatewayModes: false });
    expect(driverNamed('ipvlan').caps).toEqual({ publish: false, embeddedDns: true, hostEnd: false, firewall: false, gatewayModes: false });
    expect(driverNamed('macvlan').publishRefusal).toBe("port publishing (-p) is not available on macvlan networks: the container has its own address on the parent's LAN, reach it there");
  });
});

describe('bridge driver', () => {
  const r = rec('bridge', { Name: 'front', Bridge: 'mdbr-1', Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' });
  it('plans exactly what the bridge functions plan (so the bridge tests cover it)', () => {
    const d = driverNamed('bridge');
    const l = d.link(r, CID, NS, '10.1.0.2');
    expect(l.hostIf).toBe('md0123456789ab');
    expect(d.attachOps(r, l)).toEqual(attachOps(bridgeNetOf(r), l));
    expect(containerOpsOf(NS, d.attachOps(r, l))).toEqual(containerOps(bridgeNetOf(r), l));
    expect(cmds(d.detachOps(r, { hostIf: 'md0123456789ab', ifname: 'eth1' } as never, 'web'))).toEqual(['ip link del md0123456789ab']);
    expect(d.diagramOf(r)).toEqual({ device: 'mdbr-1', lowerOf: false });
    expect(d.owned(r)).toEqual([{ ifname: 'mdbr-1', kind: 'bridge', made: true }]);
  });

  it('inspect: the default network\'s Docker options, none for a user network', () => {
    const d = driverNamed('bridge');
    expect(d.inspectOptions(r)).toEqual({});
    expect(d.inspectOptions({ ...r, Name: 'bridge', Bridge: 'minidock0' })).toEqual({
      'com.docker.network.bridge.name': 'minidock0',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.driver.mtu': '1500',
    });
  });
});

describe('macvlan driver', () => {
  const d = driverNamed('macvlan');
  const mv = rec('macvlan', { Parent: 'eth1', Options: { parent: 'eth1' }, Made: [] });

  it.each([
    [{ parent: 'lo' }, false, 'loopback interface is not a valid macvlan parent link'],
    [{ parent: 'eth1', macvlan_mode: 'loud' }, false, "requested macvlan mode 'loud' is not valid, 'bridge' mode is the macvlan driver default"],
    [{ parent: 'eth1.0' }, false, 'vlan id must be between 1-4094, received: 0'],
    [{ parent: 'eth1.4095' }, false, 'vlan id must be between 1-4094, received: 4095'],
    [{ parent: 'a-name-much-too-long' }, false, 'invalid parent "a-name-much-too-long": an interface name of 1-15 characters'],
    [{ 'minidock.host_link': 'yes' }, false, 'invalid minidock.host_link "yes": true or false'],
    [{ 'minidock.host_link': 'true' }, false, 'minidock.host_link needs -o parent and a network that is not internal'],
    [{ parent: 'eth1', 'minidock.host_link': 'true' }, true, 'minidock.host_link needs -o parent and a network that is not internal'],
    [{ parent: 'eth1', macvlan_mode: 'vepa', 'minidock.host_link': 'true' }, false, 'minidock.host_link needs macvlan_mode=bridge (in mode vepa the host link cannot reach the containers either)'],
  ])('check refuses %j (internal %s)', (o, internal, msg) => {
    expect(() => d.check(spec(o as Record<string, string>, internal))).toThrow(msg);
  });

  it('check accepts every mode, a parent, a dotted parent, no parent', () => {
    for (const m of ['bridge', 'private', 'vepa', 'passthru']) expect(() => d.check(spec({ parent: 'eth1', macvlan_mode: m }))).not.toThrow();
    expect(() => d.check(spec({ parent: 'eth1.60' }))).not.toThrow();
    expect(() => d.check(spec({}))).not.toThrow();
    expect(vlanOf('eth1.60')).toEqual({ base: 'eth1', id: 60 });
    expect(vlanOf('eth1')).toBeUndefined();
    expect(standInName(ID)).toBe('mdpl-abcdef0123');
  });

  it('a container: one macvlan link made in its netns, then what minidock-shim does inside', () => {
    const l = d.link(mv, CID, NS, '192.168.50.2');
    expect(l).toMatchObject({ hostIf: '', gateway: '192.168.50.1', mac: '02:42:c0:a8:32:02', defaultRoute: true, ifname: 'eth0' });
    const ops = containerOpsOf(NS, d.attachOps(mv, l));
    expect(cmds(ops)).toEqual([
      `ip netns add ${NS}`,
      `ip link add link eth1 name eth0 address 02:42:c0:a8:32:02 netns ${NS} type macvlan mode bridge`,
      `ip netns exec ${NS} ip link set lo up`,
      `ip netns exec ${NS} ip addr add 192.168.50.2/24 dev eth0`,
      `ip netns exec ${NS} ip link set eth0 up`,
      `ip netns exec ${NS} ip route add default via 192.168.50.1`,
    ]);
    expect(ops.map((o) => (o.kind === 'ip' ? o.by ?? 'plan' : 'plan'))).toEqual(['shim', 'plan', 'shim', 'shim', 'shim', 'shim']);
    expect(shimInsideOf(ops)).toBe('eth0 192.168.50.2/24 192.168.50.1');
    // the why says the host cannot reach it (no host link)
    expect(explainOps(ops).join('\n')).toContain('the host cannot reach it through eth1: see minidock.host_link');
    // its undo deletes the link inside the netns (connect's rollback)
    expect(cmds(ops[1].undo ?? [])).toEqual([`ip netns exec ${NS} ip link del eth0`]);
    expect(cmds(d.detachOps(mv, { netns: NS, ifname: 'eth1', hostIf: '' } as never, 'web'))).toEqual([`ip netns exec ${NS} ip link del eth1`]);
  });

  it('passthru: no MAC of its own (the link takes the parent\'s); private mode is passed to the kernel', () => {
    const pt = { ...mv, Options: { parent: 'eth1', macvlan_mode: 'passthru' } };
    const l = d.link(pt, CID, NS, '192.168.50.2');
    expect(l.mac).toBe('');
    expect(cmds(d.attachOps(pt, l))[0]).toBe(`ip link add link eth1 name eth0 netns ${NS} type macvlan mode passthru`);
    const pr = { ...mv, Options: { parent: 'eth1', macvlan_mode: 'private' } };
    expect(cmds(d.attachOps(pr, d.link(pr, CID, NS, '192.168.50.3')))[0]).toContain('type macvlan mode private');
  });

  it('internal: no default route; the stand-in parent (veth or dummy) and a sub-interface are created with their undo', async () => {
    const iso = rec('macvlan', { Internal: true, Parent: 'mdpl-abcdef0123', Made: [{ ifname: 'mdpl-abcdef0123', kind: 'veth' }] });
    expect(cmds(d.attachOps(iso, d.link(iso, CID, NS, '192.168.50.2')))).not.toContain(`ip netns exec ${NS} ip route add default via 192.168.50.1`);
    expect(cmds(await d.createOps(iso))).toEqual([
      'ip link add mdpl-abcdef0123 type veth peer name mdpp-abcdef0123',
      'ip link set mdpp-abcdef0123 up',
      'ip link set mdpl-abcdef0123 up',
    ]);
    const dummy = { ...iso, Made: [{ ifname: 'mdpl-abcdef0123', kind: 'dummy' }] };
    expect(cmds(await d.createOps(dummy))).toEqual(['ip link add mdpl-abcdef0123 type dummy', 'ip link set mdpl-abcdef0123 up']);
    const vl = rec('macvlan', { Parent: 'eth9.60', Made: [{ ifname: 'eth9.60', kind: 'vlan' }] });
    const ops = await d.createOps(vl);
    expect(cmds(ops)).toEqual(['ip link add link eth9 name eth9.60 type vlan id 60', 'ip link set eth9.60 up']);
    expect(cmds(ops[0].undo ?? [])).toEqual(['ip link del eth9.60']);
    expect(d.diagramOf(vl)).toEqual({ device: 'eth9.60', label: 'macvlan mode bridge on eth9.60 (VLAN 60 of eth9, made by minidock)', lowerOf: true });
    expect(d.owned(vl)).toEqual([{ ifname: 'eth9.60', kind: 'vlan', made: true }]);
    expect(d.owned(mv)).toEqual([{ ifname: 'eth1', kind: '', made: false }]);
  });

  it('the host link: a macvlan of the parent in mode bridge, an address of the pool, a route to the range', async () => {
    const hl = rec('macvlan', { Parent: 'eth1', IPRange: '192.168.50.192/27', HostLinkAddress: '192.168.50.192', Made: [{ ifname: 'mdhl-abcdef0123', kind: 'hostlink' }] });
    const ops = await d.createOps(hl);
    expect(cmds(ops)).toEqual([
      'ip link add mdhl-abcdef0123 link eth1 type macvlan mode bridge',
      'ip addr add 192.168.50.192/32 dev mdhl-abcdef0123',
      'ip link set mdhl-abcdef0123 up',
      'ip route add 192.168.50.192/27 dev mdhl-abcdef0123',
    ]);
    expect(cmds(ops[0].undo ?? [])).toEqual(['ip link del mdhl-abcdef0123']);
    expect(d.describe(hl)).not.toContain('cannot reach');
    expect(d.describe(mv)).toContain('# the host itself cannot reach these containers through eth1');
  });

  it('network rm: a parent minidock made goes with the last network using it, never the user\'s', async () => {
    // `lo` stands for a link that exists (removeOps only removes what is there): nothing is applied here
    const made = rec('macvlan', { Parent: 'lo', Made: [{ ifname: 'lo', kind: 'vlan' }] });
    expect(cmds(await d.removeOps(made, []))).toEqual(['ip link del lo']);
    expect(cmds(await d.removeOps(made, [rec('macvlan', { Name: 'other', Parent: 'lo' })]))).toEqual([]);
    const users = rec('macvlan', { Parent: 'lo', Made: [] });
    expect(await d.removeOps(users, [])).toEqual([]);
  });
});

describe('ipvlan driver', () => {
  const d = driverNamed('ipvlan');
  it.each([
    [{ ipvlan_mode: 'l4' }, "requested ipvlan mode 'l4' is not valid, 'l2' mode is the ipvlan driver default"],
    [{ ipvlan_flag: 'loud' }, "requested ipvlan flag 'loud' is not valid, 'bridge' is the ipvlan driver default"],
    [{ parent: 'lo' }, 'loopback interface is not a valid ipvlan parent link'],
    [{ parent: 'eth1', 'minidock.host_link': 'true' }, 'minidock.host_link is for macvlan networks'],
  ])('check refuses %j', (o, msg) => {
    expect(() => d.check(spec(o as Record<string, string>))).toThrow(msg);
  });

  it('l2: the parent\'s MAC, a gateway, shim does the inside', () => {
    const r = rec('ipvlan', { Parent: 'eth1', Options: { parent: 'eth1' } });
    const l = d.link(r, CID, NS, '192.168.50.2');
    expect(l).toMatchObject({ mac: '', gateway: '192.168.50.1' });
    const ops = containerOpsOf(NS, d.attachOps(r, l));
    expect(cmds(ops)[1]).toBe(`ip link add link eth1 name eth0 netns ${NS} type ipvlan mode l2 bridge`);
    expect(shimInsideOf(ops)).toBe('eth0 192.168.50.2/24 192.168.50.1');
  });

  it('l3 (and l3s): `default dev eth0`, no gateway; the inside is the plan\'s (minidock-shim has no such route)', () => {
    for (const mode of ['l3', 'l3s']) {
      const r = rec('ipvlan', { Parent: 'eth1', Options: { parent: 'eth1', ipvlan_mode: mode, ipvlan_flag: 'private' } });
      const l = d.link(r, CID, NS, '192.168.50.2');
      expect(l.gateway).toBe('');
      const ops = containerOpsOf(NS, d.attachOps(r, l));
      expect(cmds(ops)).toEqual([
        `ip netns add ${NS}`,
        `ip link add link eth1 name eth0 netns ${NS} type ipvlan mode ${mode} private`,
        `ip netns exec ${NS} ip link set lo up`,
        `ip netns exec ${NS} ip addr add 192.168.50.2/24 dev eth0`,
        `ip netns exec ${NS} ip link set eth0 up`,
        `ip netns exec ${NS} ip route add default dev eth0`,
      ]);
      expect(ops.map((o) => (o.kind === 'ip' ? o.by ?? 'plan' : 'plan'))).toEqual(['shim', 'plan', 'shim', 'plan', 'plan', 'plan']);
      expect(shimInsideOf(ops)).toBe('');
      expect(d.describe(r)).toContain('no gateway (routed: default dev eth0)');
    }
  });
});
