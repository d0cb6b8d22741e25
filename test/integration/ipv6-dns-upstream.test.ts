// The embedded DNS forwards to IPv6 upstream resolvers (#14): the host's /etc/resolv.conf
// `nameserver 2001:db8:53::53` and a link-local one with its zone (`fe80::53%IF`), as Docker's
// resolver reads them, for containers on dual-stack, IPv4-only and IPv6-only networks (the
// resolver forwards from the host's netns, whatever the container's families); `--dns` with an
// IPv6 server on a user network (its own upstream); `--dns` with a zone refused as Docker does.
// A real resolver (python3, UDP) answers in a netns of the test's on a link of its own.
//
// /etc/resolv.conf is replaced for the minidock processes alone: each runs in a mount namespace
// of its own (unshare -m, propagation unchanged) with a file of the test's bind-mounted over it.
// The bind stays in that namespace since the mount holding /etc/resolv.conf is private (checked
// first: the run is under `unshare -m --propagation private`), while /run/netns, shared, still
// shows every container's netns to the others and to the resolver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN, Minidock, sh, type Result } from '../helpers/cli.js';

const HOST6 = '2001:db8:53::1';
const UP6 = '2001:db8:53::53';

// One UDP socket per address; each answers A queries with its own address, everything else with
// no data. Exact and small: the test only needs to know which upstream answered.
const RESOLVER = `
import socket, struct, select
def sock(addr, scope):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 53, 0, scope))
    return s
socks = {sock("${UP6}", 0): "192.0.2.53", sock("fe80::53", socket.if_nametoindex("eth0")): "192.0.2.54"}
print("ok", flush=True)
while True:
    ready, _, _ = select.select(list(socks), [], [])
    for s in ready:
        q, peer = s.recvfrom(512)
        i = 12
        while q[i]:
            i += q[i] + 1
        qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
        question = q[12:i + 5]
        a = qtype == 1
        head = q[:2] + b"\\x81\\x80" + q[4:6] + struct.pack(">HHH", 1 if a else 0, 0, 0)
        answer = (b"\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04" + socket.inet_aton(socks[s])) if a else b""
        s.sendto(head + question + answer, peer)
`;

describe('embedded DNS: IPv6 upstream resolvers', () => {
  const tag = randomBytes(3).toString('hex');
  const UP = `mdt-dnsup-${tag}`;
  const LINK = `dnsup${tag.slice(0, 4)}`;
  let md: Minidock;
  let dir: string;
  let resolverPid = '';
  const resolvConf = () => join(dir, 'resolv.conf');
  /** minidock with the test's resolv.conf over /etc/resolv.conf (its own mount namespace). */
  const run = (args: string[]): Result => {
    const r = spawnSync(
      'unshare',
      ['-m', '--propagation', 'unchanged', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf(), 'nsenter', `--net=/run/netns/${md.hostNs}`, '--', process.execPath, '--', BIN, ...args],
      { env: md.env, encoding: 'utf8', timeout: 60_000 },
    );
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const ok = (args: string[]) => {
    const r = run(args);
    if (r.code !== 0) throw new Error(`minidock ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const hostResolv = (...servers: string[]) => writeFileSync(resolvConf(), servers.map((s) => `nameserver ${s}\n`).join(''));
  /** The A address a container gets for a name only the test's resolver knows ('' when none). */
  const lookup = (ctr: string) => {
    const r = md.run(['exec', ctr, 'nslookup', '-type=a', 'up.example.test']);
    return /Address:\s*(192\.0\.2\.\d+)/.exec(r.stdout)?.[1] ?? (/SERVFAIL|can't find|timed out/i.test(r.stdout + r.stderr) ? 'failed' : r.stdout + r.stderr);
  };

  beforeAll(() => {
    md = new Minidock({ MINIDOCK_DNS_UPSTREAM: '' });
    // never bind over a resolv.conf whose mount would carry it elsewhere (the host's)
    const prop = (target: string) => sh('findmnt', ['-no', 'PROPAGATION', '--target', target]).stdout.trim();
    if (prop('/etc/resolv.conf') !== 'private' || prop('/run/netns') !== 'shared')
      throw new Error(`run this file under unshare -m --propagation private (/etc/resolv.conf's mount is ${prop('/etc/resolv.conf')}, /run/netns ${prop('/run/netns')})`);
    dir = mkdtempSync(join(tmpdir(), 'mdt-dnsup-'));
    writeFileSync(join(dir, 'resolver.py'), RESOLVER);
    sh('ip', ['netns', 'add', UP]);
    for (const ns of [md.hostNs, UP]) sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
    md.inHost('ip', ['link', 'add', LINK, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', UP]);
    md.inHost('ip', ['-6', 'addr', 'add', `${HOST6}/64`, 'dev', LINK, 'nodad']);
    md.inHost('ip', ['-6', 'addr', 'add', 'fe80::1/64', 'dev', LINK, 'nodad']);
    md.inHost('ip', ['link', 'set', LINK, 'up']);
    const up = (args: string[]) => sh('ip', ['netns', 'exec', UP, ...args]);
    up(['ip', 'link', 'set', 'lo', 'up']);
    up(['ip', '-6', 'addr', 'add', `${UP6}/64`, 'dev', 'eth0', 'nodad']);
    up(['ip', '-6', 'addr', 'add', 'fe80::53/64', 'dev', 'eth0', 'nodad']);
    up(['ip', 'link', 'set', 'eth0', 'up']);
    resolverPid = up(['sh', '-c', `setsid python3 ${join(dir, 'resolver.py')} > ${join(dir, 'resolver.log')} 2>&1 & echo $!`]).stdout.trim();
    for (let i = 0; i < 100 && !up(['ss', '-Hunl']).stdout.includes(`[${UP6}]:53`); i++) sh('sleep', ['0.05']);
    hostResolv(UP6);
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.191.0.0/24', '--subnet', 'fd00:191::/64', 'dual']);
    md.ok(['network', 'create', '--subnet', '10.192.0.0/24', 'v4only']);
    md.ok(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:193::/64', 'v6only']);
  });

  afterAll(() => {
    md?.cleanup();
    if (resolverPid) sh('kill', [resolverPid]);
    sh('ip', ['netns', 'del', UP]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("forwards to the host's IPv6 nameserver, for dual-stack, IPv4-only and IPv6-only containers", () => {
    ok(['run', '-d', '--name', 'c46', '--network', 'dual', 'busybox', 'sleep', '600']);
    ok(['run', '-d', '--name', 'c4', '--network', 'v4only', 'busybox', 'sleep', '600']);
    ok(['run', '-d', '--name', 'c6', '--network', 'v6only', 'busybox', 'sleep', '600']);
    expect(sh('cat', [join(md.root, 'networks', 'dns', 'records')]).stdout).toContain(`u ${UP6} 53\n`);
    expect({ c46: lookup('c46'), c4: lookup('c4'), c6: lookup('c6') }).toEqual({ c46: '192.0.2.53', c4: '192.0.2.53', c6: '192.0.2.53' });
  });

  it('a link-local nameserver with its zone is reached through that interface', () => {
    hostResolv(`fe80::53%${LINK}`);
    // the next start rewrites the upstreams for every container
    ok(['run', '-d', '--name', 'll', '--network', 'dual', 'busybox', 'sleep', '600']);
    expect(sh('cat', [join(md.root, 'networks', 'dns', 'records')]).stdout).toContain(`u fe80::53%${LINK} 53\n`);
    expect({ ll: lookup('ll'), c4: lookup('c4'), c6: lookup('c6') }).toEqual({ ll: '192.0.2.54', c4: '192.0.2.54', c6: '192.0.2.54' });
  });

  it('--dns with an IPv6 server on a user network is that container\'s upstream; a zone is refused as Docker does', () => {
    // the host's resolver: loopback, where nothing answers
    hostResolv('127.0.0.1');
    ok(['run', '-d', '--name', 'own', '--network', 'dual', '--dns', UP6, 'busybox', 'sleep', '600']);
    expect(lookup('own')).toBe('192.0.2.53');
    expect(lookup('c46')).toBe('failed');
    const r = run(['run', '-d', '--name', 'zoned', '--network', 'dual', '--dns', `fe80::53%${LINK}`, 'busybox', 'sleep', '600']);
    expect(r.code).toBe(125);
    // as the docker CLI refuses it while parsing: pflag's line, then the usage block
    expect(r.stderr.split('\n')[0]).toBe(`invalid argument "fe80::53%${LINK}" for "--dns" flag: IP address is not correctly formatted: fe80::53%${LINK}`);
    expect(r.stderr).toContain("Run 'minidock run --help' for more information");
    expect(md.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n')).not.toContain('zoned');
  });
});
