// IPv6 on overlay networks (Docker 28's `network create -d overlay --ipv6`), on the 3-host
// harness (test/helpers/cluster.ts): dual-stack and IPv6-only networks, v6 IPAM in the store
// (the same one txn as the v4 address), the containers' v6 data path across hosts (ping6, TCP,
// AAAA), the VXLAN's v6 neighbour entries following the store, masquerade out through the local
// host, isolation, --internal, and bad input refused with nothing written. The underlay stays IPv4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, until } from '../helpers/cluster.js';

const c = new Cluster();
const [h1, h2, h3] = [0, 1, 2].map((i) => () => c.hosts[i]);
type H = ReturnType<typeof h1>;

beforeAll(async () => {
  await c.start(3);
}, 60_000);
afterAll(() => c.destroy());

const neigh6 = (h: H, dev: string) => h.exec('ip', ['-6', 'neigh', 'show', 'dev', dev]).stdout;
const fdb = (h: H, dev: string) => h.exec('bridge', ['fdb', 'show', 'dev', dev]).stdout.split('\n').filter((l) => l.includes(' dst ')).join('\n');
const inspect = (h: H, f: string, what: string) => h.ok(['inspect', '-f', f, what]);
const v6Of = (h: H, net: string, ctr: string) => inspect(h, `{{.NetworkSettings.Networks.${net}.GlobalIPv6Address}}`, ctr);
const vxOf = (net: string) => `mdvx-${h1().ok(['network', 'inspect', '-f', '{{.Id}}', net]).slice(0, 10)}`;
const ping6 = (h: H, ctr: string, to: string, wait = 2) => h.run(['exec', ctr, 'ping', '-6', '-c', '1', '-W', String(wait), to]).stdout;
/** What bad input must leave alone: the store's keys and every host's links. */
const world = () => ({ keys: c.keys(), links: c.hosts.map((h) => h.exec('ip', ['-o', 'link']).stdout) });

describe('IPv6 on overlay networks', () => {
  it('creates a dual-stack network visible everywhere with Docker\'s v6 fields; an overlapping v6 subnet anywhere is refused, nothing written', () => {
    h1().ok(['network', 'create', '-d', 'overlay', '--ipv6', '--subnet', '10.86.0.0/24', '--subnet', 'fd86::/64', 'ov6']);
    const refused = (h: H, subnet: string, msg: RegExp) => {
      const before = world();
      const r = h.run(['network', 'create', '-d', 'overlay', '--ipv6', '--subnet', subnet, 'ov6dup']);
      expect(r.code, r.stderr).toBe(1); // the daemon's refusal
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
      expect(world()).toEqual(before);
    };
    // host 3 has not seen ov6 yet: the store's check (in the create txn's revision) refuses it
    refused(h3(), 'fd86::8000/120', /^Error response from daemon: invalid pool request: Pool overlaps with other one on this address space: fd86::8000\/120 overlaps network ov6 \(fd86::\/64\) in the cluster$/m);
    const f = '{{.EnableIPv6}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}} {{end}}';
    for (const h of c.hosts) expect(h.ok(['network', 'inspect', '-f', f, 'ov6'])).toBe('true 10.86.0.0/24 10.86.0.1 fd86::/64 fd86::1');
    // host 2 has its copy: refused before the store is asked
    refused(h2(), 'fd86::/48', /^Error response from daemon: invalid pool request: Pool overlaps with other one on this address space$/m);
  });

  it('without a v6 subnet each network gets a /64 of the ULA pool, never one another host picked', () => {
    h2().ok(['network', 'create', '-d', 'overlay', '--ipv6', 'auto6a']);
    h3().ok(['network', 'create', '-d', 'overlay', '--ipv6', 'auto6b']);
    const s = (n: string) => h1().ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', n]).split(' ').find((x) => x.includes(':'))!;
    expect(s('auto6a')).toMatch(/^fd[0-9a-f]{2}:[0-9a-f:]+\/64$/);
    expect(s('auto6b')).toMatch(/\/64$/);
    expect(s('auto6a')).not.toBe(s('auto6b'));
    // the store decides: a host that has not mirrored auto6a yet still does not pick its /64 again
    const stored = c.etcdctl(['get', '--print-value-only', '/minidock/networks/auto6a']).stdout;
    expect(JSON.parse(stored)).toMatchObject({ EnableIPv6: true, Subnet6: s('auto6a') });
    h1().ok(['network', 'rm', 'auto6a', 'auto6b']);
  });

  it('containers on two hosts ping6, talk TCP over v6 and resolve AAAA/PTR; the v6 neighbour entries follow the store', async () => {
    h1().ok(['run', '-d', '--name', 'a6', '--network', 'ov6', 'busybox', 'sleep', '600']);
    h2().ok(['run', '-d', '--name', 'b6', '--network', 'ov6', '--network-alias', 'bee', 'busybox', 'sh', '-c', 'mkdir -p /w && echo hello-v6 > /w/index.html && exec httpd -f -p 80 -h /w']);
    const ipB6 = v6Of(h2(), 'ov6', 'b6');
    const ipA6 = v6Of(h1(), 'ov6', 'a6');
    expect(ipA6).toBe('fd86::2');
    expect(ipB6).toBe('fd86::3');
    expect(inspect(h2(), '{{.NetworkSettings.Networks.ov6.GlobalIPv6PrefixLen}} {{.NetworkSettings.Networks.ov6.IPv6Gateway}}', 'b6')).toBe('64 fd86::1');
    const macB = inspect(h2(), '{{.NetworkSettings.Networks.ov6.MacAddress}}', 'b6');
    const vx = vxOf('ov6');
    // host 1's VXLAN learns b6's v6 address from the store (its watcher), statically
    expect(await until(() => new RegExp(`^${ipB6} lladdr ${macB} PERMANENT`, 'm').test(neigh6(h1(), vx)), 2000)).toBe(true);
    expect(ping6(h1(), 'a6', ipB6)).toContain('1 packets received');
    // the container's v6 default route is the gateway's (set by the shim, as on the bridge)
    expect(h1().ok(['exec', 'a6', 'ip', '-6', 'route', 'show', 'default'])).toMatch(/^default via fd86::1 dev eth0/);
    // TCP over v6 across the tunnel
    let got = { stdout: '', stderr: '' };
    for (let i = 0; i < 20 && !got.stdout.includes('hello-v6'); i++) got = h1().run(['exec', 'a6', 'timeout', '5', 'wget', '-O', '-', `http://[${ipB6}]/`]); // (not wget -T: busybox's crashes with an IPv6 literal)
    expect(got.stdout, JSON.stringify(got)).toContain('hello-v6');
    // the embedded DNS: AAAA for the remote name and alias, A beside it, PTR of the v6 address
    const look = (...args: string[]) => h1().run(['exec', 'a6', 'nslookup', ...args]).stdout;
    const addrs = (out: string) => [...out.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]);
    expect(addrs(look('-type=AAAA', 'b6'))).toEqual([ipB6]);
    expect(addrs(look('-type=AAAA', 'bee'))).toEqual([ipB6]);
    expect(addrs(look('-type=A', 'b6'))).toEqual([inspect(h2(), '{{.NetworkSettings.Networks.ov6.IPAddress}}', 'b6')]);
    expect(look(ipB6)).toMatch(/ip6\.arpa\s+name = b6$/m);
    expect(ping6(h2(), 'b6', 'a6')).toContain(`(${ipA6})`);
    // one key per endpoint (its v4 address), the v6 one in its value
    const netId = h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ov6']);
    const key = `/minidock/endpoints/${netId}/10.86.0.3`;
    expect(JSON.parse(c.etcdctl(['get', '--print-value-only', key]).stdout)).toMatchObject({ ip6: ipB6, mac: macB, name: 'b6' });
    // the diagram shows both families of the remote container
    expect(h1().ok(['network', 'diagram', 'ov6'])).toContain(`b6 10.86.0.3 ${ipB6} ${macB}`);
    // b6 stops: its v6 entry goes on host 1
    h2().ok(['rm', '-f', 'b6']);
    expect(await until(() => !neigh6(h1(), vx).includes(ipB6), 3000)).toBe(true);
    expect(c.keys()).not.toContain(key);
  }, 90_000);

  it('--ip6 on run and connect is taken cluster-wide: the same address on another host is refused', () => {
    h2().ok(['run', '-d', '--name', 'fixed6', '--network', 'ov6', '--ip6', 'fd86::99', 'busybox', 'sleep', '600']);
    expect(v6Of(h2(), 'ov6', 'fixed6')).toBe('fd86::99');
    const endpoints = () => c.keys().filter((k) => k.startsWith('/minidock/endpoints/'));
    const before = endpoints();
    const r = h3().run(['run', '-d', '--name', 'again6', '--network', 'ov6', '--ip6', 'fd86::99', 'busybox', 'sleep', '600']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toEqual(['minidock: Address already in use: fd86::99']);
    expect(endpoints()).toEqual(before);
    h3().ok(['run', '-d', '--name', 'c6', 'busybox', 'sleep', '600']);
    h3().ok(['network', 'connect', '--ip6', 'fd86::98', 'ov6', 'c6']);
    expect(v6Of(h3(), 'ov6', 'c6')).toBe('fd86::98');
    expect(ping6(h3(), 'c6', 'fd86::99')).toContain('1 packets received');
    h3().ok(['network', 'disconnect', 'ov6', 'c6']);
    h2().ok(['rm', '-f', 'fixed6']);
    h3().ok(['rm', '-f', 'c6']);
  }, 60_000);

  it('an IPv6-only overlay network (--ipv4=false): keys named by the v6 address, ping6 across hosts', async () => {
    h3().ok(['network', 'create', '-d', 'overlay', '--ipv6', '--ipv4=false', '--subnet', 'fd87::/64', 'only6']);
    expect(h1().ok(['network', 'inspect', '-f', '{{.EnableIPv4}} {{.EnableIPv6}} {{range .IPAM.Config}}{{.Subnet}}{{end}}', 'only6'])).toBe('false true fd87::/64');
    h1().ok(['run', '-d', '--name', 'o1', '--network', 'only6', 'busybox', 'sleep', '600']);
    h3().ok(['run', '-d', '--name', 'o3', '--network', 'only6', 'busybox', 'sleep', '600']);
    expect(inspect(h3(), '{{.NetworkSettings.Networks.only6.IPAddress}}', 'o3')).toBe('');
    const netId = h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'only6']);
    expect(c.keys().filter((k) => k.includes(netId)).sort()).toEqual([`/minidock/endpoints/${netId}/fd87::2`, `/minidock/endpoints/${netId}/fd87::3`]);
    expect(await until(() => neigh6(h1(), vxOf('only6')).includes('fd87::3 lladdr'), 2000)).toBe(true);
    expect(ping6(h1(), 'o1', 'o3')).toContain('1 packets received');
    h1().ok(['rm', '-f', 'o1']);
    h3().ok(['rm', '-f', 'o3']);
    expect(c.keys().filter((k) => k.includes(netId))).toEqual([]);
    h2().ok(['network', 'rm', 'only6']);
  }, 60_000);

  it('3 hosts x 10 parallel runs never share a v6 (or v4) address', async () => {
    // half of them with an --ip of their own: their v4 keys never collide, so only the txn's
    // check of the whole network (not the key's absence) keeps their automatic v6 addresses apart
    const ip = (h: H, i: number) => (i % 2 ? [] : ['--ip', `10.86.0.${100 + h.index * 10 + i}`]);
    const res = await Promise.all(c.hosts.flatMap((h) => Array.from({ length: 10 }, (_, i) => h.runAsync(['run', '-d', '--name', `p${h.index}-${i}`, '--network', 'ov6', ...ip(h, i), 'busybox', 'sleep', '600']))));
    for (const r of res) expect(r.code, r.stderr).toBe(0);
    const got = c.hosts.flatMap((h) => Array.from({ length: 10 }, (_, i) => inspect(h, '{{.NetworkSettings.Networks.ov6.IPAddress}} {{.NetworkSettings.Networks.ov6.GlobalIPv6Address}}', `p${h.index}-${i}`).split(' ')));
    expect(new Set(got.map((g) => g[0])).size).toBe(30);
    expect(new Set(got.map((g) => g[1])).size).toBe(30);
    for (const g of got) expect(g[1]).toMatch(/^fd86::[0-9a-f]+$/);
    for (const h of c.hosts) h.ok(['rm', '-f', ...Array.from({ length: 10 }, (_, i) => `p${h.index}-${i}`)]);
  }, 240_000);

  it('v6 out through the local host (masqueraded); two overlay networks isolated in v6; --internal has no way out', async () => {
    // a v6 "outside" on the switch, and the hosts' underlay in the same /64 (the hosts' default route stays as it is)
    const out6 = 'fd99:5::fe';
    c.inSwitch('ip', ['addr', 'replace', `${out6}/64`, 'dev', 'sw0', 'nodad']);
    for (const h of c.hosts) h.exec('ip', ['addr', 'replace', `fd99:5::${h.index}/64`, 'dev', 'eth0', 'nodad']);
    // the switch has no route back to fd86::/64: a reply proves the masquerade
    expect(ping6(h1(), 'a6', out6)).toContain('1 packets received');
    // other6 has a container on host 1 too, so host 1 has its bridge and would route a6's packets there but for the isolation
    h1().ok(['network', 'create', '-d', 'overlay', '--ipv6', '--subnet', 'fd88::/64', 'other6']);
    h2().ok(['run', '-d', '--name', 'x6', '--network', 'other6', 'busybox', 'sleep', '600']);
    h1().ok(['run', '-d', '--name', 'y6', '--network', 'other6', 'busybox', 'sleep', '600']);
    const ipX6 = v6Of(h2(), 'other6', 'x6');
    expect(await until(() => ping6(h1(), 'y6', ipX6, 1).includes('1 packets received'), 3000)).toBe(true);
    expect(ping6(h1(), 'a6', ipX6, 1)).toContain('0 packets received');
    expect(ping6(h1(), 'a6', v6Of(h1(), 'other6', 'y6'), 1)).toContain('0 packets received');
    h1().ok(['network', 'create', '-d', 'overlay', '--ipv6', '--internal', '--subnet', 'fd89::/64', 'int6']);
    h1().ok(['run', '-d', '--name', 'i6', '--network', 'int6', 'busybox', 'sleep', '600']);
    expect(ping6(h1(), 'i6', out6, 1)).not.toContain('1 packets received');
    h1().ok(['rm', '-f', 'i6', 'y6']);
    h2().ok(['rm', '-f', 'x6']);
    h1().ok(['network', 'rm', 'int6', 'other6']);
  }, 60_000);

  it('a run -d on a dual-stack network is still 1 put in the store (both addresses in one txn)', () => {
    const puts = () => Number(/^etcd_mvcc_put_total (\d+)/m.exec(h1().exec('curl', ['-s', `http://${c.etcdAddr}:2379/metrics`]).stdout)?.[1]);
    const before = puts();
    h1().ok(['run', '-d', '--name', 'w6', '--network', 'ov6', 'busybox', 'sleep', '600']);
    expect(puts() - before).toBe(1);
    h1().ok(['rm', '-f', 'w6']);
  }, 30_000);

  it('--explain prints the v6 steps; --dry-run writes nothing; bad input is refused with nothing written', async () => {
    const r = h3().run(['run', '-d', '--explain', '--name', 'e6', '--network', 'ov6', 'busybox', 'sleep', '600']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ip -6 neigh replace fd86::2 lladdr 02:42:0a:56:00:02 dev mdvx-\w+ nud permanent/);
    expect(r.stderr).toMatch(/cluster store: txn put \/minidock\/endpoints\/\w+\/10\.86\.0\.\d+ \{[^}]*"ip6":"fd86::[0-9a-f]+"\} \(only if absent and no endpoint of the network changed since revision \d+/);
    expect(r.stderr).toMatch(/ip -6 addr add fd86::[0-9a-f]+\/64 dev eth0 nodad/);
    expect(r.stderr).toContain('ip -6 route add default via fd86::1');
    h3().ok(['rm', '-f', 'e6']);
    // host 3's watcher removes its devices of ov6 (its last container there is gone) on its own time
    expect(await until(() => !h3().exec('ip', ['-o', 'link']).stdout.includes(vxOf('ov6')), 5000)).toBe(true);
    const before = world();
    const dry = h1().run(['network', 'create', '-d', 'overlay', '--ipv6', '--dry-run', 'dry6']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/IPv6 subnet fd[0-9a-f:]+\/64, gateway fd[0-9a-f:]+::1/);
    expect(dry.stdout).toContain('would put /minidock/networks/dry6');
    for (const args of [
      ['--ipv6', '--subnet', 'fd90::/64', '--ip-range', 'fd90::/80'],
      ['--subnet', 'fd90::/64'],
      ['--ipv6', '--subnet', 'fd90::/64', '--gateway', 'fd91::1'],
      ['--ipv4=false'],
    ]) {
      const b = h1().run(['network', 'create', '-d', 'overlay', ...args, 'bad6']);
      // a gateway outside the subnet is the docker CLI's own check: exit 1
      expect(b.code, args.join(' ')).toBe(args.includes('--gateway') ? 1 : 125);
      expect(b.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const ip6v4 = h1().run(['run', '--rm', '--network', 'ov6', '--ip6', '10.86.0.50', 'busybox', 'true']);
    expect(ip6v4.code).toBe(125);
    const out = h1().run(['run', '--rm', '--network', 'ov6', '--ip6', 'fd85::5', 'busybox', 'true']);
    expect(out.code).toBe(125);
    expect(out.stderr).toMatch(/does not belong to the network's IPv6 subnet fd86::\/64/);
    expect(world()).toEqual(before);
  }, 60_000);

  it('a killed host\'s v6 entries go on the others after its lease TTL', async () => {
    h3().ok(['run', '-d', '--name', 'k6', '--network', 'ov6', 'busybox', 'sleep', '600']);
    const ip6 = v6Of(h3(), 'ov6', 'k6');
    const vx = vxOf('ov6');
    expect(await until(() => neigh6(h1(), vx).includes(ip6), 2000)).toBe(true);
    h3().kill();
    expect(await until(() => !neigh6(h1(), vx).includes(ip6) && !fdb(h1(), vx).includes(`dst ${c.hosts[2].addr}`), 15_000)).toBe(true);
    expect(ping6(h1(), 'a6', ip6, 1)).toContain('0 packets received');
  }, 60_000);
});
