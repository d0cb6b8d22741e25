// Host port reservation in both families (#14), as Docker's port mapper binds one socket per
// family ([::] with IPV6_V6ONLY): a host service holding only the IPv6 side of a port (a v6-only
// socket on [::], or one IPv6 address) refuses `-p 8080:80` on a dual-stack network with one
// line and nothing created; an IPv4-only network, and a dual-stack one routed in IPv6, reserve
// IPv4 alone (and the reverse for IPv4 routed). Real listeners (python3 sockets) in the test's
// host netns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, sh } from '../helpers/cli.js';

const ADDR6 = '2001:db8:77::1';

describe('IPv6 host port reservation', () => {
  let md: Minidock;
  const pids: string[] = [];
  /** A host service bound in the test's host netns: `[::]` v6-only (IPV6_V6ONLY), or one address; TCP listening or UDP bound. */
  const listen = (addr: string, port: number, proto: 'tcp' | 'udp' = 'tcp') => {
    const fam = addr.includes(':') ? 'AF_INET6' : 'AF_INET';
    const py = [
      'import socket,sys,time',
      `s=socket.socket(socket.${fam},socket.${proto === 'tcp' ? 'SOCK_STREAM' : 'SOCK_DGRAM'})`,
      fam === 'AF_INET6' ? 's.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,1)' : 'pass',
      `s.bind(("${addr}",${port}))`,
      proto === 'tcp' ? 's.listen(8)' : 'pass',
      'print("ok",flush=True)',
      'time.sleep(600)',
    ].join('\n');
    const r = md.inHost('sh', ['-c', `setsid python3 -c '${py}' > /dev/null 2>&1 & echo $!`]);
    pids.push(r.stdout.trim());
    const flag = proto === 'tcp' ? '-Htln' : '-Hunl';
    const shown = addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
    for (let i = 0; i < 100 && !md.inHost('ss', [flag]).stdout.includes(`${shown} `); i++) sh('sleep', ['0.05']);
    expect(md.inHost('ss', [flag]).stdout).toContain(`${shown} `);
  };
  const held = () => {
    try {
      return JSON.parse(readFileSync(join(md.root, 'networks', 'ports.json'), 'utf8')) as { hostIp: string; hostPort: number; families?: number[] }[];
    } catch {
      return [];
    }
  };
  const dnatFor = (port: number) =>
    (md.inHost('iptables-save', ['-t', 'nat']).stdout + md.inHost('ip6tables-save', ['-t', 'nat']).stdout).split('\n').filter((l) => l.includes(`--dport ${port} `));
  /** A refused `run`: exit 125, the one line, no container, no reservation, no DNAT. */
  const refused = (args: string[], port: number, line: string) => {
    const before = held().length;
    const r = md.run(['run', '-d', ...args, 'busybox', 'sleep', '60']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toEqual([`minidock: ${line}`]);
    expect(md.ok(['ps', '-aq'])).toBe('');
    expect(held()).toHaveLength(before);
    expect(dnatFor(port)).toEqual([]);
  };
  const ports = (ctr: string) => JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', ctr])) as Record<string, { HostIp: string; HostPort: string }[]>;

  beforeAll(() => {
    md = new Minidock();
    // an IPv6 address of the host (on its loopback: no dummy module needed)
    md.inHost('ip', ['-6', 'addr', 'add', `${ADDR6}/128`, 'dev', 'lo', 'nodad']);
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.181.0.0/24', '--subnet', 'fd00:181::/64', 'dual']);
    md.ok(['network', 'create', '--subnet', '10.182.0.0/24', 'v4net']);
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.183.0.0/24', '--subnet', 'fd00:183::/64', '-o', 'com.docker.network.bridge.gateway_mode_ipv6=routed', 'route6']);
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.184.0.0/24', '--subnet', 'fd00:184::/64', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=routed', 'route4']);
  });

  afterAll(() => {
    for (const p of pids) if (p) sh('kill', [p]);
    md?.cleanup();
  });

  it('a dual-stack -p 8080:80 is refused when a host service holds only [::]:8080 (TCP, UDP), or one IPv6 address of the port', () => {
    listen('::', 18301);
    refused(['--network', 'dual', '-p', '18301:80'], 18301, 'Bind for [::]:18301 failed: port is already allocated');
    refused(['--network', 'dual', '-p', '[::]:18301:80'], 18301, 'Bind for [::]:18301 failed: port is already allocated');
    listen('::', 18302, 'udp');
    refused(['--network', 'dual', '-p', '18302:80/udp'], 18302, 'Bind for [::]:18302 failed: port is already allocated');
    // a service on one IPv6 address holds that address's port and the IPv6 side of "every address"
    listen(ADDR6, 18303);
    refused(['--network', 'dual', '-p', `[${ADDR6}]:18303:80`], 18303, `Bind for [${ADDR6}]:18303 failed: port is already allocated`);
    refused(['--network', 'dual', '-p', '18303:80'], 18303, 'Bind for [::]:18303 failed: port is already allocated');
    // the IPv4 side alone is still free, as in Docker: 0.0.0.0:18301 is another socket
    md.ok(['run', '-d', '--name', 'only4', '--network', 'dual', '-p', '0.0.0.0:18301:80', 'busybox', 'sleep', '60']);
    expect(held()).toEqual([expect.objectContaining({ hostIp: '0.0.0.0', hostPort: 18301 })]);
    md.ok(['rm', '-f', 'only4']);
    expect(held()).toEqual([]);
  });

  it('a random host port is one free in both families', () => {
    md.ok(['run', '-d', '--name', 'rnd', '--network', 'dual', '-p', '80', 'busybox', 'sleep', '60']);
    const p = ports('rnd')['80/tcp'];
    expect(p.map((b) => b.HostIp)).toEqual(['0.0.0.0', '::']);
    expect(p[0].HostPort).toBe(p[1].HostPort);
    expect(held()).toEqual([expect.objectContaining({ hostIp: '', hostPort: Number(p[0].HostPort), families: [4, 6] })]);
    md.ok(['rm', '-f', 'rnd']);
  });

  it('an IPv4-only network reserves IPv4 alone: a v6-only host service and a [::] publish elsewhere keep the port', () => {
    md.ok(['run', '-d', '--name', 'v4a', '--network', 'v4net', '-p', '18301:80', 'busybox', 'sleep', '60']);
    expect(held()).toEqual([expect.objectContaining({ hostIp: '', hostPort: 18301, families: [4] })]);
    expect(ports('v4a')['80/tcp']).toEqual([{ HostIp: '0.0.0.0', HostPort: '18301' }]);
    // another network's container may take [::]:18304 while the v4-only one holds 18304 (no v6 DNAT of its own)
    md.ok(['run', '-d', '--name', 'v4b', '--network', 'v4net', '-p', '18304:80', 'busybox', 'sleep', '60']);
    md.ok(['run', '-d', '--name', 'd6', '--network', 'dual', '-p', '[::]:18304:80', 'busybox', 'sleep', '60']);
    // but every address of a dual-stack network wants the IPv4 side too
    const r = md.run(['run', '-d', '--name', 'd46', '--network', 'dual', '-p', '18304:80', 'busybox', 'sleep', '60']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe('minidock: Bind for 0.0.0.0:18304 failed: port is already allocated');
    md.ok(['rm', '-f', 'v4a', 'v4b', 'd6']);
    expect(held()).toEqual([]);
  });

  it('a dual-stack network routed in one family reserves the host port only in the family that NATs', () => {
    // IPv6 routed, IPv4 nat: the v6-only service on [::]:18301 is not in the way; IPv4's is
    md.ok(['run', '-d', '--name', 'r6', '--network', 'route6', '-p', '18301:80', 'busybox', 'sleep', '60']);
    expect(held()).toEqual([expect.objectContaining({ hostIp: '', hostPort: 18301, families: [4] })]);
    expect(ports('r6')['80/tcp']).toEqual([
      { HostIp: '0.0.0.0', HostPort: '18301' },
      { HostIp: '::', HostPort: '' },
    ]);
    // its IPv6 side opens the container's own port (no DNAT), so [::]:18305 stays free for another
    md.ok(['run', '-d', '--name', 'r6b', '--network', 'route6', '-p', '18305:80', 'busybox', 'sleep', '60']);
    md.ok(['run', '-d', '--name', 'd6b', '--network', 'dual', '-p', '[::]:18305:80', 'busybox', 'sleep', '60']);
    listen('0.0.0.0', 18306);
    const r = md.run(['run', '-d', '--network', 'route6', '-p', '18306:80', 'busybox', 'sleep', '60']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe('minidock: Bind for 0.0.0.0:18306 failed: port is already allocated');
    // IPv4 routed, IPv6 nat: the reverse
    md.ok(['run', '-d', '--name', 'r4', '--network', 'route4', '-p', '18306:80', 'busybox', 'sleep', '60']);
    expect(ports('r4')['80/tcp']).toEqual([
      { HostIp: '0.0.0.0', HostPort: '' },
      { HostIp: '::', HostPort: '18306' },
    ]);
    expect(held()).toContainEqual(expect.objectContaining({ hostIp: '', hostPort: 18306, families: [6] }));
    const r2 = md.run(['run', '-d', '--network', 'route4', '-p', '18301:80', 'busybox', 'sleep', '60']);
    expect(r2.code).toBe(125);
    expect(r2.stderr.trim()).toBe('minidock: Bind for [::]:18301 failed: port is already allocated');
    md.ok(['rm', '-f', 'r6', 'r6b', 'd6b', 'r4']);
    expect(held()).toEqual([]);
  });
});
