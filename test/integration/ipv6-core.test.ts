// IPv6 (#14), the address plane, through the real CLI in throwaway namespaces: network create
// (dual stack, IPv6-only, the ULA pool, refusals that change nothing), container addresses and
// routes (DAD off, set by minidock-shim), ping6 container↔container and host→container, inspect
// fields, /etc/hosts, --ip6, the default bridge from config.json, IPv6 forwarding that keeps a
// Router-Advertised default route (a real RA, sent from a "router" netns), macvlan dual stack,
// ipvlan (NOT RUN where the kernel lacks it), and teardown leaving no address behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, errorLines, sh } from '../helpers/cli.js';
import { http, useService } from '../helpers/api-service.js';
import { kernelHasLink } from '../../src/engine/network/drivers/lowerlink.js';
import { ulaBase } from '../../src/engine/network/ipam6.js';
import { formatCidr6 } from '../../src/engine/network/cidr6.js';

const tag = randomBytes(3).toString('hex');
const LAN = `mdt-6lan-${tag}`;
const ROUTER = `mdt-6rtr-${tag}`;
const HAS_IPVLAN = await kernelHasLink('ipvlan');

// One Router Advertisement (prefix 2001:db8:77::/64, router lifetime 1800 s) on IFACE.
const RA_PY = `import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0)
pi = struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 86400, 14400, 0) + socket.inet_pton(socket.AF_INET6, '2001:db8:77::')
s.sendto(ra + pi, ('ff02::1', 0, 0, socket.if_nametoindex(sys.argv[1])))
`;

describe('IPv6 address plane (real containers)', () => {
  let md: Minidock;
  const j = <T>(args: string[]) => JSON.parse(md.ok(args)) as T;
  const nsOf = (ctr: string) => `minidock-${md.ok(['inspect', '-f', '{{.Id}}', ctr]).slice(0, 12)}`;
  const ipIn = (ctr: string, args: string[]) => md.inHost('ip', ['-n', nsOf(ctr), ...args]).stdout;
  const ping6 = (ctr: string, to: string) => md.run(['exec', ctr, 'ping', '-6', '-c', '1', '-W', '2', to]).code === 0;
  const hostPing6 = (to: string) => md.inHost('busybox', ['ping', '-6', '-c', '1', '-W', '2', to]).code === 0;
  const ep = (ctr: string, net: string) => j<Record<string, { IPAddress: string; GlobalIPv6Address: string; GlobalIPv6PrefixLen: number; IPv6Gateway: string; Gateway: string }>>(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ctr])[net];
  const hostLinks = () => (JSON.parse(md.inHost('ip', ['-j', 'link']).stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
  const sysctl = (k: string) => md.inHost('cat', [`/proc/sys/${k.split('.').join('/')}`]).stdout.trim();

  beforeAll(() => {
    md = new Minidock();
    md.inHost('ip', ['link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    md?.cleanup();
    sh('ip', ['netns', 'del', LAN]);
    sh('ip', ['netns', 'del', ROUTER]);
  });

  it('network create: refusals are one line each and change nothing', () => {
    md.ok(['network', 'create', '--ipv6', '--subnet', 'fd00:66::/64', 'taken6']);
    const before = { nets: md.ok(['network', 'ls', '-q']), links: hostLinks() };
    const cases: [string[], RegExp][] = [
      [['--subnet', 'fd00:1::/64'], /fd00:1::\/64 is an IPv6 subnet: add --ipv6/],
      [['--ipv6', '--subnet', 'fd00:1::1/64'], /host bits/],
      [['--ipv6', '--subnet', 'fd00:1::/129'], /prefix/],
      [['--ipv6', '--subnet', 'fd00:1::/127'], /too small/],
      [['--ipv6', '--subnet', 'fe80::/64'], /link-local/],
      [['--ipv6', '--subnet', 'fd00:1::%eth0/64'], /zone ids are not allowed/],
      [['--ipv6', '--subnet', 'fd00:1::/64', '--gateway', 'fd00:2::1'], /no matching subnet for gateway fd00:2::1/],
      [['--ipv6', '--subnet', 'fd00:1::/64', '--subnet', 'fd00:2::/64'], /only one --subnet per address family/],
      [['--ipv6', '--subnet', 'fd00:66:0:0::/64'], /^Error response from daemon: invalid pool request: Pool overlaps with other one on this address space$/m],
      [['--ipv6', '--subnet', 'fd00:66::/56'], /^Error response from daemon: invalid pool request: Pool overlaps with other one on this address space$/m],
      [['--ipv4=false'], /IPv4 or IPv6 must be enabled/],
      [['--ipv6', '--ipv4=false', '--subnet', '10.9.0.0/24'], /is IPv4, but the network has --ipv4=false/],
      [['--ipv6=maybe'], /invalid argument "maybe" for "--ipv6"/],
      [['-o', 'com.docker.network.bridge.gateway_mode_ipv6=routed'], /needs --ipv6/],
      [['-d', 'overlay', '--ipv6'], /MINIDOCK_CLUSTER=etcd:\/\//], // overlay has IPv6 (overlay-ipv6.test.ts), but needs a cluster
    ];
    for (const [args, re] of cases) {
      const r = md.run(['network', 'create', ...args, 'bad6']);
      // a gateway outside the subnet is the docker CLI's own check, an overlap the daemon's: plain lines, exit 1
      expect(r.code, args.join(' ')).toBe(/no matching subnet|Pool overlaps/.test(re.source) ? 1 : 125);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(errorLines(r.stderr), args.join(' ')).toHaveLength(1); // (and a flag value's usage block)
    }
    expect(md.ok(['network', 'ls', '-q'])).toBe(before.nets);
    expect(hostLinks()).toEqual(before.links);
    // --ip6 where there is no IPv6: refused before a container is made
    md.ok(['network', 'create', 'only4']);
    const ps = md.ok(['ps', '-aq']);
    for (const net of ['only4', 'bridge']) {
      const r = md.run(['run', '-d', '--network', net, '--ip6', 'fd00:9::5', 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/has no IPv6/);
    }
    expect(md.run(['run', '-d', '--network', 'taken6', '--ip6', 'fe80::1%eth0', 'busybox', 'true']).stderr).toMatch(/invalid IPv6 address: fe80::1%eth0/); // Docker's daemon's words
    expect(md.ok(['ps', '-aq'])).toBe(ps);
    md.ok(['network', 'rm', 'taken6', 'only4']);
  });

  it('dual stack bridge: addresses (no DAD), routes, ping6 both ways, inspect, /etc/hosts, --ip6', () => {
    md.ok(['network', 'create', '--ipv6', '--subnet', '172.29.0.0/24', '--subnet', 'fd00:67::/64', 'dual']);
    const inspect = j<{ EnableIPv6: boolean; EnableIPv4: boolean; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[]>(['network', 'inspect', 'dual'])[0];
    expect(inspect.EnableIPv6).toBe(true);
    expect(inspect.EnableIPv4).toBe(true);
    expect(inspect.IPAM.Config).toEqual([{ Subnet: '172.29.0.0/24', Gateway: '172.29.0.1' }, { Subnet: 'fd00:67::/64', Gateway: 'fd00:67::1' }]);
    expect(md.ok(['network', 'ls', '--format', '{{.Name}} {{.IPv6}}']).split('\n')).toEqual(expect.arrayContaining(['dual true', 'bridge false']));
    md.ok(['run', '-d', '--name', 'd1', '--network', 'dual', 'busybox', 'sleep', '300']);
    md.ok(['run', '-d', '--name', 'd2', '--network', 'dual', '--ip6', 'fd00:67::abc', 'busybox', 'sleep', '300']);
    expect(ep('d1', 'dual')).toMatchObject({ IPAddress: '172.29.0.2', GlobalIPv6Address: 'fd00:67::2', GlobalIPv6PrefixLen: 64, IPv6Gateway: 'fd00:67::1', Gateway: '172.29.0.1' });
    expect(ep('d2', 'dual').GlobalIPv6Address).toBe('fd00:67::abc');
    const addr = ipIn('d1', ['-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
    expect(addr).toMatch(/inet6 fd00:67::2\/64 scope global nodad/);
    expect(addr).not.toMatch(/tentative/);
    expect(ipIn('d1', ['-6', 'route', 'show', 'default'])).toMatch(/^default via fd00:67::1 dev eth0/);
    expect(ipIn('d1', ['-4', 'route', 'show', 'default'])).toMatch(/^default via 172.29.0.1 dev eth0/);
    expect(ping6('d1', 'fd00:67::abc')).toBe(true);
    expect(ping6('d2', 'fd00:67::2')).toBe(true);
    expect(ping6('d1', 'fd00:67::1')).toBe(true);
    expect(hostPing6('fd00:67::2')).toBe(true);
    const hosts = md.ok(['exec', 'd1', 'cat', '/etc/hosts']).split('\n');
    const id12 = md.ok(['inspect', '-f', '{{.Id}}', 'd1']).slice(0, 12);
    expect(hosts).toContain(`172.29.0.2\t${id12} d1`);
    expect(hosts).toContain(`fd00:67::2\t${id12} d1`);
    // the diagram: both addresses on the network's box and on each container's
    const diagram = md.ok(['network', 'diagram', 'dual']);
    expect(diagram).toMatch(/gateway 172\.29\.0\.1 fd00:67::1\s+subnet 172\.29\.0\.0\/24 fd00:67::\/64/);
    expect(diagram).toMatch(/d1\S*\s+172\.29\.0\.2\/24 fd00:67::2\/64/);
    expect(diagram).not.toMatch(/✗/);
    const containers = j<{ Containers: Record<string, { IPv6Address: string }> }[]>(['network', 'inspect', 'dual'])[0].Containers;
    expect(Object.values(containers).map((c) => c.IPv6Address).sort()).toEqual(['fd00:67::2/64', 'fd00:67::abc/64']);
  });

  it('--explain and --dry-run show the IPv6 steps as a person types them', () => {
    const r = md.run(['run', '--rm', '--explain', '--network', 'dual', 'busybox', 'true']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ip netns exec minidock-\w+ ip -6 addr add fd00:67::3\/64 dev eth0 nodad$/m);
    expect(r.stderr).toMatch(/^ip netns exec minidock-\w+ ip -6 route add default via fd00:67::1$/m);
    const dry = md.run(['network', 'create', '--dry-run', '--ipv6', '--subnet', 'fd00:68::/64', 'dry6']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^ip -6 addr add fd00:68::1\/64 dev mdbr-\w+ nodad$/m);
    expect(md.run(['network', 'inspect', 'dry6']).code).toBe(1);
  });

  it('IPv6-only network: no IPv4 anywhere, ping6 between containers, ULA /64 derived from the root id', async () => {
    md.ok(['network', 'create', '--ipv6', '--ipv4=false', 'v6only']);
    const n = j<{ EnableIPv4: boolean; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[]>(['network', 'inspect', 'v6only'])[0];
    expect(n.EnableIPv4).toBe(false);
    expect(n.IPAM.Config).toHaveLength(1);
    const ula = formatCidr6(await ulaBase(readFileSync(join(md.root, 'networks', 'root-id'), 'utf8').trim()));
    const subnet = n.IPAM.Config[0].Subnet;
    expect(subnet).toMatch(/\/64$/);
    expect(subnet.startsWith(ula.split('::')[0])).toBe(true);
    md.ok(['run', '-d', '--name', 'o1', '--network', 'v6only', 'busybox', 'sleep', '300']);
    md.ok(['run', '-d', '--name', 'o2', '--network', 'v6only', 'busybox', 'sleep', '300']);
    expect(ep('o1', 'v6only').IPAddress).toBe('');
    expect(ipIn('o1', ['-4', 'addr', 'show', 'dev', 'eth0'])).not.toMatch(/inet /);
    expect(ping6('o1', ep('o2', 'v6only').GlobalIPv6Address)).toBe(true);
    expect(hostPing6(ep('o1', 'v6only').GlobalIPv6Address)).toBe(true);
    expect(md.ok(['exec', 'o1', 'cat', '/etc/hosts'])).toMatch(new RegExp(`^${ep('o1', 'v6only').GlobalIPv6Address}\\t\\w+ o1$`, 'm'));
  });

  it('network connect --ip6: the IPv6 default route goes through the first network with IPv6', () => {
    md.ok(['network', 'create', '--subnet', '172.30.5.0/24', 'plain4']);
    md.ok(['run', '-d', '--name', 'k1', '--network', 'plain4', 'busybox', 'sleep', '300']);
    expect(ipIn('k1', ['-6', 'route', 'show', 'default'])).toBe('');
    md.ok(['network', 'connect', '--ip6', 'fd00:67::77', 'dual', 'k1']);
    expect(ep('k1', 'dual').GlobalIPv6Address).toBe('fd00:67::77');
    expect(ipIn('k1', ['-4', 'route', 'show', 'default'])).toMatch(/^default via 172.30.5.1 dev eth0/);
    expect(ipIn('k1', ['-6', 'route', 'show', 'default'])).toMatch(/^default via fd00:67::1 dev eth1/);
    expect(ping6('k1', 'fd00:67::2')).toBe(true);
    expect(md.run(['network', 'connect', '--ip6', 'fd00:99::1', 'dual', 'k1']).code).not.toBe(0);
    md.ok(['network', 'disconnect', 'dual', 'k1']);
    expect(ipIn('k1', ['-6', 'addr', 'show', 'scope', 'global'])).toBe('');
    md.ok(['rm', '-f', 'k1']);
    md.ok(['network', 'rm', 'plain4']);
  });

  it('teardown leaves no IPv6 address or route of a container; network rm takes the bridge\'s', () => {
    const bridge = `mdbr-${md.ok(['network', 'inspect', '-f', '{{.Id}}', 'dual']).slice(0, 10)}`;
    md.ok(['rm', '-f', 'd1', 'd2', 'o1', 'o2']);
    const addrs = md.inHost('ip', ['-6', 'addr']).stdout;
    expect(addrs).not.toMatch(/fd00:67::2|fd00:67::abc/);
    expect(addrs).toMatch(/fd00:67::1\/64/); // the gateway stays with the network (like the IPv4 one)
    md.ok(['network', 'rm', 'dual', 'v6only']);
    expect(md.inHost('ip', ['-6', 'addr']).stdout).not.toMatch(/fd00:67::/);
    expect(md.inHost('ip', ['-6', 'route']).stdout).not.toMatch(/fd00:67::/);
    expect(hostLinks()).not.toContain(bridge);
  });

  it('IPv6 forwarding: on for a routed network, the uplink keeps its RA default route and accept_ra', async () => {
    // a host netns of its own: forwarding is still off there
    const outer = md;
    md = new Minidock();
    try {
      await forwardingCase();
    } finally {
      md.cleanup();
      md = outer;
    }
  });

  async function forwardingCase(): Promise<void> {
    md.inHost('ip', ['link', 'set', 'lo', 'up']);
    sh('ip', ['netns', 'add', ROUTER]);
    md.inHost('ip', ['link', 'add', 'up6', 'type', 'veth', 'peer', 'name', 'rtr6', 'netns', ROUTER]);
    md.inHost('sysctl', ['-qw', 'net.ipv6.conf.up6.accept_dad=0']);
    md.inHost('ip', ['link', 'set', 'up6', 'up']);
    // no DAD on the router's link-local address: it sends the RA from it at once
    sh('nsenter', [`--net=/run/netns/${ROUTER}`, '--', 'sysctl', '-qw', 'net.ipv6.conf.rtr6.accept_dad=0']);
    sh('ip', ['-n', ROUTER, 'link', 'set', 'rtr6', 'up']);
    await new Promise((r) => setTimeout(r, 300));
    const ra = () => sh('nsenter', [`--net=/run/netns/${ROUTER}`, '--', 'python3', '-c', RA_PY, 'rtr6']);
    const dflt = () => md.inHost('ip', ['-6', 'route', 'show', 'default', 'dev', 'up6']).stdout;
    const learn = async () => {
      // (the router's link-local address may take a moment to appear: EADDRNOTAVAIL until then)
      for (let i = 0; i < 40 && !dflt().includes('proto ra'); i++) {
        ra();
        await new Promise((r) => setTimeout(r, 150));
      }
      return dflt();
    };
    expect(sysctl('net.ipv6.conf.all.forwarding')).toBe('0');
    expect(sysctl('net.ipv6.conf.up6.accept_ra')).toBe('1');
    expect(await learn()).toMatch(/proto ra/);
    md.ok(['network', 'create', '--ipv6', '--subnet', 'fd00:69::/64', 'routed6']);
    expect(sysctl('net.ipv6.conf.all.forwarding')).toBe('1');
    expect(sysctl('net.ipv6.conf.up6.accept_ra')).toBe('1');
    expect(sysctl('net.ipv6.conf.up6.forwarding')).toBe('0');
    expect(dflt()).toMatch(/proto ra/); // not purged by forwarding switching on
    // and a new RA is still accepted (accept_ra=1 works where forwarding is 0)
    md.inHost('ip', ['-6', 'route', 'del', 'default', 'dev', 'up6']);
    expect(await learn()).toMatch(/proto ra/);
    // a container behind the bridge reaches the router through the host: forwarded (and masqueraded)
    sh('ip', ['-n', ROUTER, '-6', 'addr', 'add', '2001:db8:77::1/64', 'dev', 'rtr6', 'nodad']);
    md.ok(['run', '-d', '--name', 'f1', '--network', 'routed6', 'busybox', 'sleep', '300']);
    expect(ping6('f1', '2001:db8:77::1')).toBe(true);
    md.ok(['rm', '-f', 'f1']);
    md.ok(['network', 'rm', 'routed6']);
  }

  it('default bridge: IPv4 only by default; config.json ipv6 + fixed-cidr-v6 gives it IPv6', () => {
    md.ok(['run', '--rm', 'busybox', 'true']);
    expect(md.ok(['network', 'inspect', '-f', '{{.EnableIPv6}}', 'bridge'])).toBe('false');
    writeFileSync(join(md.root, 'config.json'), JSON.stringify({ ipv6: true, 'fixed-cidr-v6': 'fd00:6a::/64' }));
    md.ok(['run', '-d', '--name', 'b1', 'busybox', 'sleep', '300']);
    expect(md.ok(['network', 'inspect', '-f', '{{.EnableIPv6}} {{json .IPAM.Config}}', 'bridge'])).toMatch(/^true .*"Subnet":"fd00:6a::\/64","Gateway":"fd00:6a::1"/);
    expect(md.ok(['inspect', '-f', '{{.NetworkSettings.GlobalIPv6Address}} {{.NetworkSettings.IPv6Gateway}}', 'b1'])).toBe('fd00:6a::2 fd00:6a::1');
    expect(hostPing6('fd00:6a::2')).toBe(true);
    md.ok(['rm', '-f', 'b1']);
    writeFileSync(join(md.root, 'config.json'), JSON.stringify({ ipv6: 'yes' }));
    const bad = md.run(['run', '--rm', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/invalid "ipv6" "yes" in .*config.json: true or false/);
    writeFileSync(join(md.root, 'config.json'), '{}');
    md.ok(['run', '--rm', 'busybox', 'true']);
    expect(md.ok(['network', 'inspect', '-f', '{{.EnableIPv6}}', 'bridge'])).toBe('false');
    expect(md.inHost('ip', ['-6', 'addr']).stdout).not.toMatch(/fd00:6a::1/);
  });

  it('macvlan dual stack: the container reaches a LAN host over IPv6', () => {
    sh('ip', ['netns', 'add', LAN]);
    md.inHost('ip', ['link', 'add', 'l6', 'type', 'veth', 'peer', 'name', 'l6p', 'netns', LAN]);
    md.inHost('ip', ['link', 'set', 'l6', 'up']);
    sh('ip', ['-n', LAN, 'addr', 'add', '10.212.0.1/24', 'dev', 'l6p']);
    sh('ip', ['-n', LAN, '-6', 'addr', 'add', 'fd00:6b::1/64', 'dev', 'l6p', 'nodad']);
    sh('ip', ['-n', LAN, 'link', 'set', 'l6p', 'up']);
    md.ok(['network', 'create', '-d', 'macvlan', '--ipv6', '--subnet', '10.212.0.0/24', '--subnet', 'fd00:6b::/64', '-o', 'parent=l6', 'mv6']);
    md.ok(['run', '-d', '--name', 'm1', '--network', 'mv6', 'busybox', 'sleep', '300']);
    expect(ep('m1', 'mv6')).toMatchObject({ GlobalIPv6Address: 'fd00:6b::2', IPv6Gateway: 'fd00:6b::1' });
    expect(ipIn('m1', ['-6', 'route', 'show', 'default'])).toMatch(/default via fd00:6b::1 dev eth0/);
    expect(ping6('m1', 'fd00:6b::1')).toBe(true);
    expect(sh('ip', ['netns', 'exec', LAN, 'busybox', 'ping', '-6', '-c', '1', '-W', '2', 'fd00:6b::2']).stdout).toMatch(/1 packets received/);
    md.ok(['rm', '-f', 'm1']);
    md.ok(['network', 'rm', 'mv6']);
  });

  it(HAS_IPVLAN ? 'ipvlan l2 dual stack' : 'ipvlan l2 dual stack: NOT RUN (this kernel has no ipvlan links)', () => {
    if (!HAS_IPVLAN) {
      console.log('NOT RUN: ipvlan IPv6 (this kernel has no ipvlan links); the refusal is checked instead');
      const r = md.run(['network', 'create', '-d', 'ipvlan', '--ipv6', '--subnet', 'fd00:6c::/64', 'iv6']);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/this kernel has no ipvlan links/);
      return;
    }
    md.ok(['network', 'create', '-d', 'ipvlan', '--ipv6', '--subnet', '10.213.0.0/24', '--subnet', 'fd00:6c::/64', '-o', 'parent=l6', 'iv6']);
    md.ok(['run', '-d', '--name', 'i1', '--network', 'iv6', 'busybox', 'sleep', '300']);
    expect(ep('i1', 'iv6').GlobalIPv6Address).toBe('fd00:6c::2');
    md.ok(['rm', '-f', 'i1']);
    md.ok(['network', 'rm', 'iv6']);
  });
});

describe('IPv6 through the Engine API', () => {
  const ctx = useService();

  it('networks/create takes EnableIPv6, EnableIPv4 and an IPv6 IPAM config; containers get IPAMConfig.IPv6Address', async () => {
    const sock = ctx.svc.sock;
    const c = await http(sock, 'POST', '/v1.44/networks/create', { Name: 'api6', EnableIPv6: true, IPAM: { Config: [{ Subnet: 'fd00:6d::/64', Gateway: 'fd00:6d::fe' }] } });
    expect(c.status, c.body.toString()).toBe(201);
    const n = (await http(sock, 'GET', '/v1.44/networks/api6')).json<{ EnableIPv6: boolean; IPAM: { Config: { Subnet: string; Gateway: string }[] } }>();
    expect(n.EnableIPv6).toBe(true);
    expect(n.IPAM.Config).toContainEqual({ Subnet: 'fd00:6d::/64', Gateway: 'fd00:6d::fe' });
    const only6 = await http(sock, 'POST', '/v1.44/networks/create', { Name: 'api6only', EnableIPv6: true, EnableIPv4: false });
    expect(only6.status).toBe(201);
    expect((await http(sock, 'GET', '/v1.44/networks/api6only')).json<{ EnableIPv4: boolean }>().EnableIPv4).toBe(false);
    const bad = await http(sock, 'POST', '/v1.44/networks/create', { Name: 'api6bad', EnableIPv6: true, IPAM: { Config: [{ Subnet: 'fe80::/64' }] } });
    expect(bad.status).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/link-local/);
    const create = await http(sock, 'POST', '/v1.44/containers/create?name=api6c', {
      Image: 'busybox',
      Cmd: ['sleep', '300'],
      HostConfig: { NetworkMode: 'api6' },
      NetworkingConfig: { EndpointsConfig: { api6: { IPAMConfig: { IPv6Address: 'fd00:6d::77' } } } },
    });
    expect(create.status, create.body.toString()).toBe(201);
    expect((await http(sock, 'POST', '/v1.44/containers/api6c/start')).status).toBe(204);
    const ins = (await http(sock, 'GET', '/v1.44/containers/api6c/json')).json<{ NetworkSettings: { Networks: Record<string, { GlobalIPv6Address: string; IPv6Gateway: string }> } }>();
    expect(ins.NetworkSettings.Networks.api6).toMatchObject({ GlobalIPv6Address: 'fd00:6d::77', IPv6Gateway: 'fd00:6d::fe' });
    expect((await http(sock, 'DELETE', '/v1.44/containers/api6c?force=1')).status).toBe(204);
  });
});
