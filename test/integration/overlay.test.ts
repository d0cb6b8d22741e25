// Overlay networks across three hosts (test/helpers/cluster.ts): etcd as the store, VXLAN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, rssKb } from '../helpers/cluster.js';
import { sleep } from '../helpers/cli.js';

const c = new Cluster();
const [h1, h2, h3] = [0, 1, 2].map((i) => () => c.hosts[i]);

beforeAll(async () => {
  await c.start(3);
}, 60_000);
afterAll(() => c.destroy());

// the VXLAN's own entries (dst VTEP), not what the bridge learnt on its port
const fdb = (h: ReturnType<typeof h1>, dev: string) => h.exec('bridge', ['fdb', 'show', 'dev', dev]).stdout.split('\n').filter((l) => l.includes(' dst ')).join('\n');
const neigh = (h: ReturnType<typeof h1>, dev: string) => h.exec('ip', ['neigh', 'show', 'dev', dev]).stdout;
async function until(f: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await sleep(50);
  }
  return f();
}

describe('overlay networks across hosts', () => {
  it('refuses -d overlay without a cluster, with nothing written', () => {
    const r = h1().run(['network', 'create', '-d', 'overlay', 'nope'], { env: { MINIDOCK_CLUSTER: '' } });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('MINIDOCK_CLUSTER=etcd://');
    expect(c.keys()).toEqual([]);
    expect(h1().exec('ip', ['-o', 'link']).stdout).not.toMatch(/mdov-|mdvx-/);
  });

  it('creates a network visible on every host (scope swarm), VNI from the store', () => {
    const id = h1().ok(['network', 'create', '-d', 'overlay', '--subnet', '10.77.0.0/24', 'ov1']);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    for (const h of c.hosts) {
      const ls = h.ok(['network', 'ls', '--filter', 'name=ov1']);
      expect(ls).toMatch(new RegExp(`${id.slice(0, 12)}\\s+ov1\\s+overlay\\s+swarm`));
    }
    expect(h3().ok(['network', 'inspect', '-f', '{{.Scope}} {{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', 'ov1'])).toBe('swarm 4097');
    expect(c.keys()).toContain('/minidock/networks/ov1');
  });

  it('refuses a subnet in use anywhere in the cluster, nothing written', () => {
    const before = c.keys();
    const r = h2().run(['network', 'create', '-d', 'overlay', '--subnet', '10.77.0.128/25', 'ov-dup']);
    // the daemon's refusal (exit 1, no program name), as for a local network
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error response from daemon: invalid pool request: Pool overlaps with other one on this address space/);
    expect(c.keys()).toEqual(before);
    expect(h2().run(['network', 'inspect', 'ov-dup']).code).toBe(1);
  });

  it('containers on different hosts ping and resolve each other; FDB/neigh entries follow the store', async () => {
    const a = h1().ok(['run', '-d', '--name', 'a1', '--network', 'ov1', 'busybox', 'sleep', '300']);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    const ipA = h1().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov1.IPAddress}}', 'a1']);
    const netId = h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ov1']);
    const vx = `mdvx-${netId.slice(0, 10)}`;
    const known = neigh(h1(), vx);
    h2().ok(['run', '-d', '--name', 'b1', '--network', 'ov1', 'busybox', 'sleep', '300']);
    const t0 = Date.now();
    // how long host 1 takes to have a new entry, measured from here (the inspects below take
    // a few hundred ms of their own under load); not the check, which follows
    await until(() => neigh(h1(), vx) !== known, 1000);
    const learnMs = Date.now() - t0;
    const ipB = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov1.IPAddress}}', 'b1']);
    const macB = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov1.MacAddress}}', 'b1']);
    // host 1 learns b1 from the store (its watcher) within a second
    expect(await until(() => neigh(h1(), vx).includes(`${ipB} lladdr ${macB}`), 1000)).toBe(true);
    expect(fdb(h1(), vx)).toContain(`${macB} dst ${c.hosts[1].addr} self permanent`);
    expect(fdb(h1(), vx)).toContain(`00:00:00:00:00:00 dst ${c.hosts[1].addr} self permanent`);
    const p = h1().run(['exec', 'a1', 'ping', '-c', '2', '-W', '2', ipB]);
    expect(p.stdout).toContain('2 packets received');
    const p2 = h2().run(['exec', 'b1', 'ping', '-c', '1', '-W', '2', 'a1']);
    expect(p2.stdout).toContain(`(${ipA})`);
    expect(p2.stdout).toContain('1 packets received');
    // the watcher is light
    const pid = Number(h1().exec('cat', [`${c.hosts[0].root}/networks/overlay/watch.pid`]).stdout.trim());
    const rss = rssKb(pid);
    expect(rss).toBeLessThan(10 * 1024);
    console.log(`overlay: b1 learnt on host 1 in ${learnMs} ms (after its run -d returned); watcher RSS ${rss} kB`);
    // the diagram draws the overlay network like a bridge network on this host (hosts and tunnels: not yet)
    const dia = h1().run(['network', 'diagram']);
    expect(dia.code, dia.stderr).toBe(0);
    expect(dia.stdout).toContain(`mdov-${netId.slice(0, 10)}`);
    // b1 stops: its entries go on host 1
    const rm = h2().run(['rm', '-f', 'b1']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await until(() => !neigh(h1(), vx).includes(ipB) && !fdb(h1(), vx).includes(macB), 3000)).toBe(true);
    expect(fdb(h1(), vx)).not.toContain(`dst ${c.hosts[1].addr}`);
  }, 60_000);

  it('--explain prints the VXLAN, the FDB/neigh entries and the etcd keys written', () => {
    const r = h3().run(['run', '-d', '--explain', '--name', 'c1', '--network', 'ov1', 'busybox', 'sleep', '300']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ip link add mdvx-\w+ mtu 1450 type vxlan id 4097 dstport 4789 local 10\.231\.\d+\.3 nolearning proxy/);
    expect(r.stderr).toMatch(/bridge fdb append 00:00:00:00:00:00 dev mdvx-\w+ dst 10\.231\.\d+\.1 self permanent/);
    expect(r.stderr).toMatch(/ip neigh replace 10\.77\.0\.2 lladdr 02:42:0a:4d:00:02 dev mdvx-\w+ nud permanent/);
    expect(r.stderr).toMatch(/cluster store: txn put \/minidock\/endpoints\/\w+\/10\.77\.0\.\d+/);
    h3().ok(['rm', '-f', 'c1']);
  }, 30_000);

  it('isolates two overlay networks from each other', () => {
    h1().ok(['network', 'create', '-d', 'overlay', '--subnet', '10.78.0.0/24', 'ov2']);
    h2().ok(['run', '-d', '--name', 'b2', '--network', 'ov2', 'busybox', 'sleep', '300']);
    const ipB2 = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov2.IPAddress}}', 'b2']);
    expect(h1().run(['exec', 'a1', 'ping', '-c', '1', '-W', '1', ipB2]).stdout).toContain('0 packets received');
    expect(h1().ok(['network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', 'ov2'])).toBe('4098');
    // network rm on a host without containers: refused while b2 runs on host 2, done once it is gone
    const busy = h3().run(['network', 'rm', 'ov2']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('active endpoints on other hosts (b2)');
    h2().ok(['rm', '-f', 'b2']);
    h3().ok(['network', 'rm', 'ov2']);
    expect(c.keys()).not.toContain('/minidock/networks/ov2');
    expect(h2().ok(['network', 'ls', '--filter', 'name=ov2'])).not.toContain('ov2');
  }, 60_000);

  it('3 hosts x 10 parallel runs never get one address twice', async () => {
    const runs = c.hosts.flatMap((h) => Array.from({ length: 10 }, (_, i) => h.runAsync(['run', '-d', '--name', `r${h.index}-${i}`, '--network', 'ov1', 'busybox', 'sleep', '300'])));
    const res = await Promise.all(runs);
    for (const r of res) expect(r.code, r.stderr).toBe(0);
    const ips = c.hosts.flatMap((h) => Array.from({ length: 10 }, (_, i) => h.ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov1.IPAddress}}', `r${h.index}-${i}`])));
    if (new Set(ips).size !== 30) console.log(ips.join(' '), c.etcdctl(['get', '--prefix', '/minidock/endpoints/']).stdout);
    expect(new Set(ips).size).toBe(30);
    const stored = c.keys().filter((k) => k.startsWith('/minidock/endpoints/'));
    expect(stored).toHaveLength(31); // and a1
    for (const h of c.hosts) h.ok(['rm', '-f', ...Array.from({ length: 10 }, (_, i) => `r${h.index}-${i}`)]);
  }, 180_000);

  it('info shows the cluster, this host and its peers', () => {
    const out = h1().ok(['info']);
    expect(out).toContain(` Cluster Store: etcd://${c.etcdAddr}:2379`);
    expect(out).toContain(` Cluster Advertise: ${c.hosts[0].addr}`);
    const id = /Cluster Host ID: ([0-9a-f]{12})/.exec(out)?.[1];
    expect(id).toBeTruthy();
    expect(out).toMatch(new RegExp(`  ${id} ${c.hosts[0].addr.replace(/\./g, '\\.')} \\S+ \\(this host\\)`));
    expect(h1().ok(['info', '--format', '{{.ClusterAdvertise}}'])).toBe(c.hosts[0].addr);
  });

  it('outbound traffic leaves through the local host (masqueraded); --internal has no way out; -p publishes on the container\'s host', async () => {
    c.switchAddr();
    expect(h1().run(['exec', 'a1', 'ping', '-c', '1', '-W', '2', c.outside]).stdout).toContain('1 packets received');
    h1().ok(['network', 'create', '-d', 'overlay', '--internal', '--subnet', '10.79.0.0/24', 'ovint']);
    h1().ok(['run', '-d', '--name', 'i1', '--network', 'ovint', 'busybox', 'sleep', '300']);
    expect(h1().run(['exec', 'i1', 'ping', '-c', '1', '-W', '1', c.outside]).stdout).not.toContain('1 packets received');
    h1().ok(['rm', '-f', 'i1']);
    h1().ok(['network', 'rm', 'ovint']);
    h2().ok(['run', '-d', '--name', 'web', '--network', 'ov1', '-p', '8080:80', 'busybox', 'sh', '-c', 'mkdir -p /w && echo hello-overlay > /w/index.html && exec httpd -f -p 80 -h /w']);
    let got = '';
    for (let i = 0; i < 20 && !got.includes('hello-overlay'); i++) {
      got = c.inSwitch('curl', ['-s', '--max-time', '2', `http://${c.hosts[1].addr}:8080/`]).stdout;
      if (!got.includes('hello-overlay')) await sleep(100);
    }
    expect(got).toContain('hello-overlay');
    h2().ok(['rm', '-f', 'web']);
  }, 60_000);

  it('bad input is refused with nothing written to the store or the kernel; --dry-run writes nothing', () => {
    const keys = c.keys();
    const links = h1().exec('ip', ['-o', 'link']).stdout;
    for (const args of [['-o', 'foo=bar'], ['--subnet', '10.80.0.0/24', '--ip-range', '10.80.0.0/25'], ['--subnet', '10.77.0.0/16']]) {
      const r = h1().run(['network', 'create', '-d', 'overlay', ...args, 'bad']);
      expect(r.code, args.join(' ')).toBe(args.includes('10.77.0.0/16') ? 1 : 125); // an overlap: the daemon's refusal
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const dry = h1().run(['network', 'create', '-d', 'overlay', '--dry-run', 'ovdry']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would put /minidock/networks/ovdry');
    expect(c.keys()).toEqual(keys);
    expect(h1().exec('ip', ['-o', 'link']).stdout).toBe(links);
    expect(h1().run(['network', 'inspect', 'ovdry']).code).toBe(1);
  });

  it('network connect/disconnect of a running container takes and gives back its address in the store', () => {
    h1().ok(['network', 'create', '-d', 'overlay', '--subnet', '10.81.0.0/24', 'ovc']);
    const netId = h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ovc']);
    h1().ok(['network', 'connect', 'ovc', 'a1']);
    expect(h1().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovc.IPAddress}}', 'a1'])).toBe('10.81.0.2');
    expect(c.keys()).toContain(`/minidock/endpoints/${netId}/10.81.0.2`);
    expect(h1().ok(['exec', 'a1', 'ip', '-o', 'link', 'show', 'eth1'])).toContain('mtu 1450');
    h1().ok(['network', 'disconnect', 'ovc', 'a1']);
    expect(c.keys().filter((k) => k.includes(netId))).toEqual([]);
    h2().ok(['network', 'rm', 'ovc']);
  }, 30_000);

  it("a killed host's entries are removed on the others after its lease TTL", async () => {
    h3().ok(['run', '-d', '--name', 'c3', '--network', 'ov1', 'busybox', 'sleep', '300']);
    const ip3 = h3().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov1.IPAddress}}', 'c3']);
    const netId = h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ov1']);
    const vx = `mdvx-${netId.slice(0, 10)}`;
    expect(await until(() => neigh(h1(), vx).includes(ip3), 2000)).toBe(true);
    const t0 = Date.now();
    h3().kill();
    // LEASE_TTL is 10 s (renewed every 3 s): gone within TTL + a sync
    expect(await until(() => !neigh(h1(), vx).includes(ip3) && !fdb(h1(), vx).includes(`dst ${c.hosts[2].addr}`), 15_000)).toBe(true);
    console.log(`overlay: a killed host's entries went after ${Date.now() - t0} ms`);
    expect(c.keys().some((k) => k.endsWith(`/${ip3}`))).toBe(false);
    expect(h1().run(['exec', 'a1', 'ping', '-c', '1', '-W', '1', ip3]).stdout).toContain('0 packets received');
  }, 60_000);

  it('etcd unreachable: overlay commands fail clearly and change nothing; bridge networks and running overlay containers keep working', async () => {
    h2().ok(['run', '-d', '--name', 'b9', '--network', 'ov1', 'busybox', 'sleep', '300']);
    const ipB = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov1.IPAddress}}', 'b9']);
    const netId = h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ov1']);
    expect(await until(() => neigh(h1(), `mdvx-${netId.slice(0, 10)}`).includes(ipB), 2000)).toBe(true);
    c.stopEtcd();
    const links = h1().exec('ip', ['-o', 'link']).stdout;
    const r = h1().run(['network', 'create', '-d', 'overlay', 'ovx']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/cluster store unreachable/);
    const r2 = h1().run(['run', '--rm', '--network', 'ov1', 'busybox', 'true']);
    expect(r2.code).toBe(125);
    expect(r2.stderr).toMatch(/cluster store unreachable/);
    expect(h1().exec('ip', ['-o', 'link']).stdout).toBe(links);
    expect(h1().run(['run', '--rm', 'busybox', 'true']).code).toBe(0);
    expect(h1().run(['exec', 'a1', 'ping', '-c', '1', '-W', '2', ipB]).stdout).toContain('1 packets received');
  }, 60_000);
});
