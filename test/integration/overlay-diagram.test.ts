// `network diagram` of an overlay network on the 3-host harness: this host's VXLAN (VNI, VTEP),
// the cluster's hosts with their containers and the tunnels to them, and the disagreements
// between the store and the VXLAN's FDB/neighbour entries marked ✗. A host with no container of
// the network shows it without a device and without drift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../helpers/cluster.js';
import { sleep } from '../helpers/cli.js';

const c = new Cluster();
const [h1, h2, h3] = [0, 1, 2].map((i) => () => c.hosts[i]);

beforeAll(async () => {
  await c.start(3);
}, 60_000);
afterAll(() => c.destroy());

let vni = '';
let vx = '';
let ip1 = '';
let ip2 = '';
let mac2 = '';

describe('network diagram of an overlay network', () => {
  it('shows the VXLAN, the hosts, their containers and the tunnels', async () => {
    h1().ok(['network', 'create', '-d', 'overlay', '--subnet', '10.97.0.0/24', 'ovd']);
    vni = h1().ok(['network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', 'ovd']);
    vx = `mdvx-${h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ovd']).slice(0, 10)}`;
    h1().ok(['run', '-d', '--name', 'd1', '--network', 'ovd', 'busybox', 'sleep', '300']);
    h2().ok(['run', '-d', '--name', 'd2', '--network', 'ovd', 'busybox', 'sleep', '300']);
    ip1 = h1().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovd.IPAddress}}', 'd1']);
    ip2 = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovd.IPAddress}}', 'd2']);
    mac2 = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovd.MacAddress}}', 'd2']);
    for (let i = 0; i < 30 && !h1().exec('ip', ['neigh', 'show', 'dev', vx]).stdout.includes(ip2); i++) await sleep(100);

    const d = h1().run(['network', 'diagram', 'ovd']);
    expect(d.code, d.stderr).toBe(0);
    const [a1, a2] = [c.hosts[0].addr, c.hosts[1].addr];
    expect(d.stdout).toContain(`VXLAN ${vni} on ${vx}, UDP 4789, this host's VTEP ${a1}`);
    expect(d.stdout).toMatch(new RegExp(`host \\S+ ${a1.replace(/\./g, '\\.')} \\(this host\\): d1 ${ip1.replace(/\./g, '\\.')}`));
    expect(d.stdout).toContain(`⇄ host `);
    expect(d.stdout).toContain(`${a2}: tunnel VNI ${vni} to ${a2}: d2 ${ip2} ${mac2}`);
    expect(d.stdout).toContain("the kernel and minidock's state agree");

    const dot = h1().ok(['network', 'diagram', '--format', 'dot', 'ovd']);
    expect(dot).toContain(`"vxlan:${vx}" -> "host:${a2}" [dir=both, label="VNI ${vni} UDP 4789"`);
  }, 60_000);

  it('on a host without a container of it: the hosts and no device, no drift', () => {
    const d = h3().run(['network', 'diagram', 'ovd']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`VXLAN ${vni} on ${vx} (not on this host: no container of it here)`);
    expect(d.stdout).toContain(`d2 ${ip2}`);
    expect(d.stdout).toContain("the kernel and minidock's state agree");
  });

  it('marks the store and the kernel disagreeing: a missing neighbour entry, an FDB entry nobody has', () => {
    const bogus = '02:42:de:ad:be:ef';
    const dst = `${c.net}.99`;
    expect(h1().exec('ip', ['neigh', 'del', ip2, 'dev', vx]).code).toBe(0);
    expect(h1().exec('bridge', ['fdb', 'append', bogus, 'dev', vx, 'dst', dst, 'self', 'permanent']).code).toBe(0);
    const d = h1().ok(['network', 'diagram', 'ovd']);
    expect(d).toContain(`✗ the store has what the kernel lacks (ip neigh replace ${ip2} lladdr ${mac2} dev ${vx} nud permanent)`);
    expect(d).toContain(`✗ the kernel has what the store does not (bridge fdb ${bogus} dev ${vx} dst ${dst} self)`);
    expect(d).toMatch(/2 disagreements between the kernel and minidock's state/);
    // the watcher's sync puts it right
    expect(h1().run(['internal-overlay-sync']).code).toBe(0);
    expect(h1().ok(['network', 'diagram', 'ovd'])).toContain("the kernel and minidock's state agree");
  });

  it('a store named by host name: an overlay run is refused in one line before anything is made (the watcher needs IPv4 members)', () => {
    const keys = c.keys();
    const r = h3().run(['run', '-d', '--name', 'named', '--network', 'ovd', 'busybox', 'true'], { env: { MINIDOCK_CLUSTER: `etcd://etcd.invalid:2379` } });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/IPv4:PORT.*etcd\.invalid:2379/);
    expect(h3().exec('ip', ['-o', 'link']).stdout).not.toMatch(/md(ov|vx)-/);
    expect(c.keys()).toEqual(keys);
    h3().run(['rm', '-f', 'named']);
  });

  it('cleans up', () => {
    h1().ok(['rm', '-f', 'd1']);
    h2().ok(['rm', '-f', 'd2']);
    expect(h1().ok(['network', 'rm', 'ovd'])).toBe('ovd');
  });
});
