// Docker 28's gateway modes of a bridge network (-o com.docker.network.bridge.gateway_mode_ipv4),
// end to end with real containers. A "remote host" netns is joined to the test's host netns by a
// veth pair and routes the bridge subnets through the host (as a router on the LAN would), so it
// can try the container addresses directly. Runs with the backend of MINIDOCK_FIREWALL
// (net-gateway-modes.nft.test.ts: nftables).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Minidock, sh } from '../helpers/cli.js';

const tag = randomBytes(3).toString('hex');
const REM = `mdt-rem-${tag}`;
const HOST_IP = '198.18.90.1';
const REM_IP = '198.18.90.2';

describe(`gateway modes (${process.env.MINIDOCK_FIREWALL ?? 'iptables'})`, () => {
  let md: Minidock;
  const rem = (args: string[]) => sh('ip', ['netns', 'exec', REM, ...args]);
  /** What a TCP connection from the remote host to ip:port reads ('' when it cannot connect). */
  const dial = (ip: string, port: number) => rem(['timeout', '4', 'socat', '-T2', '-', `TCP:${ip}:${port},connect-timeout=2`]).stdout.trim();
  const ipOf = (ctr: string, net: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ctr])) as Record<string, { IPAddress: string }>)[net].IPAddress;
  /** A container answering `<word>` on ports 80 and 81 (busybox nc). */
  const server = (name: string, net: string, publish: string[]) => {
    md.ok(['run', '-d', '--name', name, '--network', net, ...publish, 'busybox', 'sh', '-c', `nc -ll -p 80 -e echo ${name}80 & nc -ll -p 81 -e echo ${name}81 & wait`]);
    // listening once it answers from inside
    for (let i = 0; i < 50 && md.run(['exec', name, 'nc', '127.0.0.1', '81']).stdout.trim() !== `${name}81`; i++) sh('sleep', ['0.1']);
  };

  beforeAll(() => {
    md = new Minidock();
    sh('ip', ['netns', 'add', REM]);
    md.inHost('ip', ['link', 'add', 'rem0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', REM]);
    md.inHost('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', 'rem0']);
    md.inHost('ip', ['link', 'set', 'rem0', 'up']);
    rem(['ip', 'addr', 'add', `${REM_IP}/24`, 'dev', 'eth0']);
    rem(['ip', 'link', 'set', 'eth0', 'up']);
    rem(['ip', 'link', 'set', 'lo', 'up']);
    rem(['ip', 'route', 'add', '10.88.0.0/16', 'via', HOST_IP]);
    // a server on the remote host that answers with the address the connection came from
    sh('ip', ['netns', 'exec', REM, 'sh', '-c', `setsid socat TCP-LISTEN:7000,fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &`]);
  });

  afterAll(() => {
    md?.cleanup();
    sh('ip', ['netns', 'pids', REM]).stdout.split('\n').filter(Boolean).forEach((p) => sh('kill', [p]));
    sh('ip', ['netns', 'del', REM]);
  });

  it("refuses an unknown mode and isolated without --internal, with Docker's messages, nothing made", () => {
    const bad = md.run(['network', 'create', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=bogus', 'gw-bad']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toBe('minidock: failed to parse com.docker.network.bridge.gateway_mode_ipv4 value: bogus (unknown gateway mode bogus)\n');
    const iso = md.run(['network', 'create', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=isolated', 'gw-iso']);
    expect(iso.code).toBe(125);
    expect(iso.stderr).toBe("minidock: gateway mode 'isolated' can only be used for an internal network\n");
    expect(md.ok(['network', 'ls', '--format', '{{.Name}}'])).not.toMatch(/gw-/);
  });

  it('nat (default): only the published host port, container ports not reachable directly, outbound masqueraded', () => {
    md.ok(['network', 'create', '--subnet', '10.88.1.0/24', 'gw-nat']);
    server('n1', 'gw-nat', ['-p', '8080:80']);
    const ip = ipOf('n1', 'gw-nat');
    expect(dial(HOST_IP, 8080)).toBe('n180');
    expect(dial(ip, 80)).toBe('');
    expect(dial(ip, 81)).toBe('');
    expect(md.ok(['exec', 'n1', 'nc', REM_IP, '7000'])).toBe(HOST_IP);
  });

  it('routed: a published container port is reached at the container address, an unpublished one is not; outbound keeps its address', () => {
    const exp = md.run(['network', 'create', '--explain', '--subnet', '10.88.2.0/24', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=routed', 'gw-routed']);
    expect(exp.code).toBe(0);
    expect(exp.stderr).toContain('gateway mode routed');
    const insp = JSON.parse(md.ok(['network', 'inspect', 'gw-routed']))[0];
    expect(insp.Options['com.docker.network.bridge.gateway_mode_ipv4']).toBe('routed');
    server('r1', 'gw-routed', ['-p', '8082:80']);
    const ip = ipOf('r1', 'gw-routed');
    expect(dial(ip, 80)).toBe('r180');
    expect(dial(ip, 81)).toBe('');
    // no NAT: the host port is not used, and the container's traffic leaves with its own address
    expect(dial(HOST_IP, 8082)).toBe('');
    expect(md.ok(['exec', 'r1', 'nc', REM_IP, '7000'])).toBe(ip);
    expect(md.ok(['network', 'rules'])).toMatch(new RegExp(ip.replace(/\./g, '\\.')));
    const diagram = md.run(['network', 'diagram']);
    expect(diagram.stdout).toContain('gw-routed is gateway mode routed');
    expect(diagram.stdout).not.toMatch(/drift[^\n]*gw-routed|no MASQUERADE rule for 10\.88\.2/);
    // its rules go with the container and the network
    md.ok(['rm', '-f', 'r1']);
    expect(dial(ip, 80)).toBe('');
    md.ok(['network', 'rm', 'gw-routed']);
  });

  it('nat-unprotected: every container port reachable directly, the published host port too; outbound masqueraded', () => {
    md.ok(['network', 'create', '--subnet', '10.88.3.0/24', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected', 'gw-unp']);
    server('u1', 'gw-unp', ['-p', '8083:80']);
    const ip = ipOf('u1', 'gw-unp');
    expect(dial(ip, 80)).toBe('u180');
    expect(dial(ip, 81)).toBe('u181');
    expect(dial(HOST_IP, 8083)).toBe('u180');
    expect(md.ok(['exec', 'u1', 'nc', REM_IP, '7000'])).toBe(HOST_IP);
    expect(md.run(['network', 'diagram']).stdout).toContain('gateway mode nat-unprotected');
    md.ok(['rm', '-f', 'u1']);
    md.ok(['network', 'rm', 'gw-unp']);
  });

  it('isolated (with --internal): no address on the bridge; the containers still reach each other', () => {
    md.ok(['network', 'create', '--internal', '--subnet', '10.88.4.0/24', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=isolated', 'gw-iso']);
    const bridge = JSON.parse(md.ok(['network', 'inspect', 'gw-iso']))[0].Options['com.docker.network.bridge.name'] ?? `mdbr-${md.ok(['network', 'inspect', '-f', '{{.Id}}', 'gw-iso']).slice(0, 10)}`;
    server('i1', 'gw-iso', []);
    md.ok(['run', '-d', '--name', 'i2', '--network', 'gw-iso', 'busybox', 'sleep', '600']);
    const addrs = JSON.parse(md.inHost('ip', ['-j', 'addr', 'show', 'dev', bridge]).stdout) as { addr_info: { family: string }[] }[];
    expect(addrs[0].addr_info.filter((a) => a.family === 'inet')).toEqual([]);
    expect(md.ok(['exec', 'i2', 'nc', ipOf('i1', 'gw-iso'), '80'])).toBe('i180');
    expect(md.inHost('ping', ['-c', '1', '-W', '1', ipOf('i1', 'gw-iso')]).code).not.toBe(0);
    const diagram = md.run(['network', 'diagram']).stdout;
    expect(diagram).toContain('gateway mode isolated');
    expect(diagram).not.toContain('lacks the gateway address');
    md.ok(['rm', '-f', 'i1', 'i2']);
    md.ok(['network', 'rm', 'gw-iso']);
  });
});
