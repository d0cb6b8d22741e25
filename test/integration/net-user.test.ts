// User-defined bridge networks, end to end with real containers through the real CLI: network
// create/ls/inspect/rm/prune, connect/disconnect on running containers, the embedded DNS
// (names, aliases, short ids, forwarding to an upstream, NXDOMAIN), isolation between networks,
// --internal, published ports. The "host" is the throwaway netns of test/helpers/cli.ts; the
// upstream DNS server runs in a second netns this file creates, joined to it by a veth pair.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { firewallText } from '../helpers/firewall.js';
import { Minidock, errorLines, sh } from '../helpers/cli.js';

const HOST_IP = '198.18.79.1';
const DNS_IP = '198.18.79.2';
const UPSTREAM_ANSWER = '198.18.79.53';

// A tiny authoritative server: `upstream.test` A → UPSTREAM_ANSWER, NXDOMAIN for anything else.
const DNS_SERVER = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  let o = 12, labels = [];
  while (m[o]) { labels.push(m.subarray(o + 1, o + 1 + m[o]).toString()); o += m[o] + 1; }
  const qend = o + 5, name = labels.join('.').toLowerCase(), qtype = m.readUInt16BE(o + 1);
  const hit = name === 'upstream.test';
  const hdr = Buffer.from(m.subarray(0, 12));
  hdr[2] = 0x84 | (m[2] & 1); hdr[3] = hit ? 0x80 : 0x83;
  hdr.writeUInt16BE(1, 4); hdr.writeUInt16BE(hit && qtype === 1 ? 1 : 0, 6); hdr.writeUInt32BE(0, 8);
  const parts = [hdr, m.subarray(12, qend)];
  if (hit && qtype === 1) parts.push(Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ${UPSTREAM_ANSWER.split('.').join(', ')}]));
  s.send(Buffer.concat(parts), r.port, r.address);
});
s.bind(53, '${DNS_IP}', () => process.stdout.write('ready\\n'));
`;

describe('user-defined networks, embedded DNS, isolation (real containers)', () => {
  let md: Minidock;
  const DNSNS = `mdt-dns-${randomBytes(3).toString('hex')}`;
  const kids: ChildProcess[] = [];
  const links = () => (JSON.parse(md.inHost('ip', ['-j', 'link']).stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
  const netLs = () => md.ok(['network', 'ls', '--format', '{{.Name}} {{.ID}}']);
  /** busybox nslookup inside a container: the addresses it printed for the name, or 'NXDOMAIN' / the error. */
  const lookup = (ctr: string, name: string): string => {
    const r = md.run(['exec', ctr, 'nslookup', name]);
    if (/NXDOMAIN/.test(r.stdout + r.stderr)) return 'NXDOMAIN';
    const addrs = [...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]);
    return addrs.length ? addrs.join(',') : `error: ${r.stdout}${r.stderr}`.trim();
  };
  const ipOn = (ctr: string, net: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ctr])) as Record<string, { IPAddress: string }>)[net].IPAddress;
  const defaultRoute = (ctr: string) => md.ok(['exec', ctr, 'ip', 'route']).split('\n').filter((l) => l.startsWith('default')).join('\n');
  const resolverPids = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes('minidock-dns') && cmd.includes(md.root);
        } catch {
          return false;
        }
      });

  beforeAll(async () => {
    md = new Minidock({ MINIDOCK_DNS_UPSTREAM: `${DNS_IP}:53` });
    const must = (r: { code: number; stderr: string }) => {
      if (r.code !== 0) throw new Error(r.stderr);
    };
    must(sh('ip', ['netns', 'add', DNSNS]));
    must(sh('ip', ['link', 'add', 'up0', 'netns', md.hostNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', DNSNS]));
    for (const [n, dev, ip] of [[md.hostNs, 'up0', HOST_IP], [DNSNS, 'eth0', DNS_IP]]) {
      must(sh('ip', ['-n', n, 'link', 'set', 'lo', 'up']));
      must(sh('ip', ['-n', n, 'addr', 'add', `${ip}/24`, 'dev', dev]));
      must(sh('ip', ['-n', n, 'link', 'set', dev, 'up']));
    }
    const srv = spawn('nsenter', [`--net=/run/netns/${DNSNS}`, '--', process.execPath, '-e', DNS_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    kids.push(srv);
    await new Promise<void>((res, rej) => {
      srv.stdout!.once('data', () => res());
      srv.once('exit', (c) => rej(new Error(`dns server exited ${c}`)));
    });
    md.ok(['network', 'create', '--subnet', '10.201.0.0/24', 'front']);
    md.ok(['network', 'create', 'back']);
    md.ok(['run', '-d', '--name', 'web', '--network', 'front', '--network-alias', 'www', '-p', '18080:80', 'busybox', 'sh', '-c', 'mkdir -p /www && echo front-web > /www/index.html && exec httpd -f -p 80 -h /www']);
    md.ok(['run', '-d', '--name', 'client', '--network', 'front', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'other', '--network', 'back', 'busybox', 'sleep', '600']);
  }, 120_000);

  afterAll(() => {
    for (const k of kids) k.kill('SIGKILL');
    md?.cleanup();
    sh('ip', ['netns', 'del', DNSNS]);
  });

  it('network create picks the next free pool; ls and inspect show the networks and their containers', () => {
    const ls = netLs();
    expect(ls).toMatch(/^front [0-9a-f]{12}$/m);
    expect(ls).toMatch(/^back [0-9a-f]{12}$/m);
    const front = JSON.parse(md.ok(['network', 'inspect', 'front']))[0];
    expect(front.IPAM.Config).toEqual([{ Subnet: '10.201.0.0/24', Gateway: '10.201.0.1' }]);
    const back = JSON.parse(md.ok(['network', 'inspect', 'back']))[0];
    expect(back.IPAM.Config[0].Subnet).toBe('172.18.0.0/16'); // bridge keeps 172.17/16
    const webId = md.ok(['inspect', '-f', '{{.Id}}', 'web']);
    expect(front.Containers[webId]).toMatchObject({ Name: 'web', IPv4Address: '10.201.0.2/24', MacAddress: '02:42:0a:c9:00:02' });
    expect(md.ok(['network', 'ls', '-q']).split('\n')).toHaveLength(5);
    expect(md.ok(['exec', 'client', 'cat', '/etc/resolv.conf'])).toMatch(/^nameserver 127\.0\.0\.11\n(.*\n)*options ndots:0/m);
  });

  it('a peer resolves by name, alias and short id; unknown names NXDOMAIN; other names go to the upstream', () => {
    const webId = md.ok(['inspect', '-f', '{{.Id}}', 'web']);
    expect(lookup('client', 'web')).toBe('10.201.0.2');
    expect(lookup('client', 'www')).toBe('10.201.0.2');
    expect(lookup('client', webId.slice(0, 12))).toBe('10.201.0.2');
    expect(md.ok(['exec', 'client', 'ping', '-c1', '-W2', 'www'])).toContain('1 packets received');
    expect(md.ok(['exec', 'client', 'wget', '-q', '-O-', 'http://web/'])).toBe('front-web');
    expect(lookup('client', 'nosuchname')).toBe('NXDOMAIN');
    expect(lookup('client', 'upstream.test')).toBe(UPSTREAM_ANSWER);
    expect(lookup('client', 'nothing.test')).toBe('NXDOMAIN');
  });

  it('the default bridge has no name resolution (Docker\'s behaviour)', () => {
    const r = md.run(['run', '--rm', 'busybox', 'sh', '-c', 'cat /etc/resolv.conf; timeout 3 nslookup web 127.0.0.11']);
    expect(r.stdout).not.toContain('nameserver 127.0.0.11');
    expect(r.stdout).not.toContain('10.201.0.2');
    expect(r.code).not.toBe(0);
  });

  it('two networks are isolated; names do not cross; a container on both reaches each', () => {
    const webIp = ipOn('web', 'front');
    expect(lookup('other', 'web')).toBe('NXDOMAIN');
    expect(md.run(['exec', 'other', 'ping', '-c1', '-W1', webIp]).code).not.toBe(0);
    md.ok(['network', 'connect', '--alias', 'both', 'front', 'other']);
    expect(md.ok(['exec', 'other', 'ls', '/sys/class/net']).split(/\s+/).sort()).toEqual(['eth0', 'eth1', 'lo']);
    expect(md.ok(['exec', 'other', 'wget', '-q', '-O-', 'http://web/'])).toBe('front-web');
    expect(lookup('web', 'both')).toBe(ipOn('other', 'front'));
    expect(lookup('web', 'other')).toBe(ipOn('other', 'front'));
    // its default route stays on its first network
    expect(defaultRoute('other')).toMatch(/^default via 172\.18\.0\.1 dev eth0/);
    const inspect = JSON.parse(md.ok(['network', 'inspect', 'front']))[0];
    const otherId = md.ok(['inspect', '-f', '{{.Id}}', 'other']);
    expect(inspect.Containers[otherId].Name).toBe('other');
    md.ok(['network', 'disconnect', 'front', 'other']);
    expect(md.ok(['exec', 'other', 'ls', '/sys/class/net']).split(/\s+/).sort()).toEqual(['eth0', 'lo']);
    expect(lookup('web', 'both')).toBe('NXDOMAIN');
    expect(lookup('web', 'other')).toBe('NXDOMAIN');
    expect(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'other'])).not.toContain('front');
  });

  it('names follow stop and start, and a network joined with connect is joined again on start', () => {
    md.ok(['run', '-d', '--name', 'roamer', '--network', 'back', 'busybox', 'sleep', '600']);
    md.ok(['network', 'connect', '--alias', 'wanderer', 'front', 'roamer']);
    expect(lookup('client', 'wanderer')).toBe(ipOn('roamer', 'front'));
    md.ok(['stop', '-t', '0', 'roamer']);
    expect(lookup('client', 'roamer')).toBe('NXDOMAIN');
    md.ok(['start', 'roamer']);
    expect(md.ok(['exec', 'roamer', 'ls', '/sys/class/net']).split(/\s+/).sort()).toEqual(['eth0', 'eth1', 'lo']);
    expect(lookup('client', 'roamer')).toBe(ipOn('roamer', 'front'));
    expect(lookup('client', 'wanderer')).toBe(ipOn('roamer', 'front'));
    md.ok(['network', 'disconnect', 'front', 'roamer']);
    md.ok(['restart', '-t', '0', 'roamer']);
    expect(md.ok(['exec', 'roamer', 'ls', '/sys/class/net']).split(/\s+/).sort()).toEqual(['eth0', 'lo']);
    md.ok(['rm', '-f', 'roamer']);
  });

  it('a stopped container is connected and disconnected in its configuration, and joins on start (as Docker)', () => {
    md.ok(['create', '--name', 'idle', '--network', 'back', 'busybox', 'sleep', '600']);
    md.ok(['network', 'connect', '--alias', 'lazy', 'front', 'idle']);
    expect(md.run(['network', 'connect', 'front', 'idle']).stderr).toContain('already exists in network front');
    expect(md.run(['network', 'connect', 'back', 'idle']).stderr).toContain('already exists in network back');
    expect(md.run(['network', 'connect', '--ip', '10.99.0.9', 'vault2', 'idle']).code).not.toBe(0); // no such network
    md.ok(['start', 'idle']);
    expect(md.ok(['exec', 'idle', 'ls', '/sys/class/net']).split(/\s+/).sort()).toEqual(['eth0', 'eth1', 'lo']);
    expect(lookup('client', 'lazy')).toBe(ipOn('idle', 'front'));
    md.ok(['stop', '-t', '0', 'idle']);
    md.ok(['network', 'disconnect', 'front', 'idle']);
    expect(md.run(['network', 'disconnect', 'front', 'idle']).stderr).toContain('is not connected to network front');
    md.ok(['start', 'idle']);
    expect(md.ok(['exec', 'idle', 'ls', '/sys/class/net']).split(/\s+/).sort()).toEqual(['eth0', 'lo']);
    md.ok(['rm', '-f', 'idle']);
  });

  it('a name appears when its container starts and disappears after rm', () => {
    md.ok(['run', '-d', '--name', 'shortlived', '--network', 'front', 'busybox', 'sleep', '600']);
    expect(lookup('client', 'shortlived')).toMatch(/^10\.201\.0\.\d+$/);
    md.ok(['rm', '-f', 'shortlived']);
    expect(lookup('client', 'shortlived')).toBe('NXDOMAIN');
  });

  it('published ports work on a user network', () => {
    expect(md.inHost('timeout', ['4', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1:18080/']).stdout.trim()).toBe('front-web');
    expect(md.ok(['exec', 'other', 'wget', '-q', '-O-', `http://${HOST_IP}:18080/`])).toBe('front-web');
  });

  it('--internal: no default route, no masquerade, no way out; peers still resolve and reach each other', () => {
    md.ok(['network', 'create', '--internal', 'vault']);
    md.ok(['run', '-d', '--name', 'safe', '--network', 'vault', 'busybox', 'sleep', '600']);
    expect(defaultRoute('safe')).toBe('');
    expect(md.run(['exec', 'safe', 'ping', '-c1', '-W1', DNS_IP]).code).not.toBe(0);
    // even with a default route added by hand (from the host: the container has no NET_ADMIN), nothing is forwarded out
    const gw = JSON.parse(md.ok(['network', 'inspect', 'vault']))[0].IPAM.Config[0].Gateway;
    const safeId = md.ok(['inspect', '-f', '{{.Id}}', 'safe']);
    expect(sh('nsenter', [`--net=/run/netns/minidock-${safeId.slice(0, 12)}`, 'ip', 'route', 'add', 'default', 'via', gw]).code).toBe(0);
    expect(md.run(['exec', 'safe', 'ping', '-c1', '-W1', DNS_IP]).code).not.toBe(0);
    expect(md.ok(['run', '--rm', '--network', 'vault', 'busybox', 'ping', '-c1', '-W2', 'safe'])).toContain('1 packets received');
    const subnet = JSON.parse(md.ok(['network', 'inspect', 'vault']))[0].IPAM.Config[0].Subnet;
    const save = firewallText(md.inHost.bind(md));
    expect(save).not.toContain(`-s ${subnet} ! -o`);
    expect(save).not.toContain(`ip saddr ${subnet} oifname !=`);
    expect(save).toContain('minidock net vault: internal, nothing out');
    // while a normal network does get out (masquerade)
    expect(md.ok(['exec', 'client', 'ping', '-c1', '-W2', DNS_IP])).toContain('1 packets received');
  });

  it('network rm is refused while in use, works after; prune removes unused networks', () => {
    const r = md.run(['network', 'rm', 'vault']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toContain('has active endpoints');
    expect(r.stderr).toMatch(/\nexit status 1\n$/); // docker/cli's network rm, after any that failed
    const bridge = JSON.parse(md.ok(['network', 'inspect', 'vault']))[0].Id.slice(0, 10);
    expect(links()).toContain(`mdbr-${bridge}`);
    md.ok(['rm', '-f', 'safe']);
    expect(md.ok(['network', 'rm', 'vault'])).toBe('vault');
    expect(links()).not.toContain(`mdbr-${bridge}`);
    expect(firewallText(md.inHost.bind(md))).not.toContain('minidock net vault');
    md.ok(['network', 'create', 'unused1']);
    expect(md.ok(['network', 'prune', '-f'])).toBe('Deleted Networks:\nunused1');
    expect(netLs()).not.toMatch(/^unused1 /m);
    expect(netLs()).toMatch(/^front /m);
  });

  it('every bad input is one clear line and leaves network ls and ip link unchanged', () => {
    const before = { ls: netLs(), links: links() };
    const bad: [string[], RegExp][] = [
      [['network', 'create', '--subnet', '10.201.0.128/25', 'overlap'], /^Error response from daemon: invalid pool request: Pool overlaps with other one on this address space\n$/],
      [['network', 'create', '--subnet', '10.202.0.0/24', '--gateway', '10.203.0.1', 'gw'], /no matching subnet for gateway/],
      [['network', 'create', '--subnet', '10.202.0.1/24', 'badsubnet'], /it should be 10\.202\.0\.0\/24/],
      [['network', 'create', '--subnet', '10.202.0.0/24', '--ip-range', '10.203.0.0/25', 'range'], /no matching subnet for range/],
      [['network', 'create', 'front'], /network with name front already exists/],
      [['network', 'create', 'bridge'], /^Error response from daemon: operation is not permitted on predefined bridge network\n$/],
      [['network', 'create', '-o', 'com.docker.network.bridge.name=up0', 'devtaken'], /bridge name up0 is already in use/],
      [['network', 'create', '-o', 'com.docker.network.bridge.name=waytoolongbridgename', 'longbr'], /invalid bridge name/],
      [['network', 'create', '--driver', 'weave', 'ov'], /plugin "weave" not found/],
      [['network', 'create', 'bad name'], /invalid network name/],
      [['network', 'connect', 'nosuchnet', 'client'], /network nosuchnet not found/],
      [['network', 'connect', 'front', 'client'], /already exists in network front/],
      [['network', 'disconnect', 'back', 'client'], /is not connected to network back/],
      [['network', 'rm', 'nosuchnet'], /network nosuchnet not found/],
      [['network', 'rm', 'bridge'], /pre-defined network/],
      [['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true'], /network nosuchnet not found/],
      [['run', '--rm', '--network-alias', 'x', 'busybox', 'true'], /only for containers in user defined networks/],
    ];
    for (const [args, msg] of bad) {
      const r = md.run(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      // (and Docker's help line after a run's; docker/cli's `exit status 1` after a network rm's)
      expect(errorLines(r.stderr).filter((l) => l !== 'exit status 1'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
    expect(md.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n').sort()).toEqual(['client', 'other', 'web']);
    expect({ ls: netLs(), links: links() }).toEqual(before);
  });

  it('the resolver is light, and stops with the last container on a user network', async () => {
    const pids = resolverPids();
    expect(pids).toHaveLength(1);
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pids[0]}/status`, 'utf8'))![1]);
    expect(rss).toBeLessThan(10 * 1024);
    md.ok(['rm', '-f', 'web', 'client', 'other']);
    for (let i = 0; i < 40 && resolverPids().length; i++) await new Promise((r) => setTimeout(r, 50)); // it exits right after answering
    expect(resolverPids()).toEqual([]);
    expect(md.ok(['network', 'rm', 'front', 'back'])).toBe('front\nback');
    expect(links().filter((l) => l.startsWith('md'))).toEqual([]);
  });
});
