// IPv6 published ports and v6 firewall rules end to end (#14), with real containers through the
// CLI, on both firewall backends: `-p 8080:80` on a dual-stack network answers on the host's v6
// address from a "remote host" netns, from the host, a neighbour and the container itself
// (hairpin), TCP and UDP; `-p [addr]:…` binds one address; `-p [::1]:…` is refused with its
// reason; two v6 networks are isolated (a v6-only one too); `network rules` and --explain show
// the v6 rules; teardown leaves no v6 rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Minidock, sh } from '../helpers/cli.js';

const HOST6 = '2001:db8:66::1';
const REM6 = '2001:db8:66::2';

describe.each(['iptables', 'nftables'] as const)('IPv6 published ports (%s)', (backend) => {
  const tag = randomBytes(3).toString('hex');
  const REM = `mdt-6rem-${tag}`;
  let md: Minidock;
  const rem = (args: string[], input = '') => sh('ip', ['netns', 'exec', REM, ...args], input);
  const dial = (ip: string, port: number) => rem(['timeout', '4', 'socat', '-T2', '-', `TCP6:[${ip}]:${port},connect-timeout=2`]).stdout.trim();
  /** A UDP request from the remote host and its answer; sent again (up to 3 times) when none comes, as a UDP client does. */
  const dialUdp = (ip: string, port: number) => {
    let got = '';
    for (let i = 0; i < 3 && !got; i++) got = rem(['timeout', '4', 'socat', '-T2', '-', `UDP6:[${ip}]:${port}`], 'ping\n').stdout.trim();
    return got;
  };
  const fromCtr = (ctr: string, ip: string, port: number) => md.run(['exec', ctr, 'sh', '-c', `nc -w 2 ${ip} ${port} </dev/null`]).stdout.trim();
  const ep6 = (ctr: string, net: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ctr])) as Record<string, { GlobalIPv6Address: string }>)[net].GlobalIPv6Address;
  const v6rules = () => (backend === 'iptables' ? md.inHost('ip6tables-save', []).stdout : md.inHost('nft', ['list', 'table', 'ip6', 'minidock']).stdout);
  const udpServers: string[] = [];
  /**
   * A container answering `<name>` on TCP 80 (busybox nc) and UDP 5300 (53 is the embedded DNS's): busybox's nc has no UDP,
   * so the host's socat answers inside the container's netns (the path through the firewall is
   * the same); its pid is kept to end it before the container goes.
   */
  const server = (name: string, net: string, publish: string[]) => {
    md.ok(['run', '-d', '--name', name, '--network', net, ...publish, 'busybox', 'sh', '-c', `nc -ll -p 80 -e echo ${name}`]);
    const ns = `minidock-${md.ok(['inspect', '-f', '{{.Id}}', name]).slice(0, 12)}`;
    udpServers.push(sh('ip', ['netns', 'exec', ns, 'sh', '-c', `setsid socat UDP6-RECVFROM:5300,fork SYSTEM:'echo ${name}' >/dev/null 2>&1 & echo $!`]).stdout.trim());
    for (let i = 0; i < 50 && md.run(['exec', name, 'nc', '-w', '1', '127.0.0.1', '80']).stdout.trim() !== name; i++) sh('sleep', ['0.1']);
    for (let i = 0; i < 50 && !sh('ip', ['netns', 'exec', ns, 'ss', '-lun']).stdout.includes(':5300 '); i++) sh('sleep', ['0.05']);
  };
  const endUdpServers = () => udpServers.splice(0).forEach((p) => p && sh('kill', [p]));

  beforeAll(() => {
    md = new Minidock({ MINIDOCK_FIREWALL: backend });
    sh('ip', ['netns', 'add', REM]);
    for (const ns of [md.hostNs, REM]) sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
    md.inHost('ip', ['link', 'add', 'lan6', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', REM]);
    md.inHost('ip', ['-6', 'addr', 'add', `${HOST6}/64`, 'dev', 'lan6', 'nodad']);
    md.inHost('ip', ['link', 'set', 'lan6', 'up']);
    rem(['ip', 'link', 'set', 'lo', 'up']);
    rem(['ip', '-6', 'addr', 'add', `${REM6}/64`, 'dev', 'eth0', 'nodad']);
    rem(['ip', 'link', 'set', 'eth0', 'up']);
    rem(['ip', '-6', 'route', 'add', 'fd00::/8', 'via', HOST6]);
    rem(['sh', '-c', `setsid socat TCP6-LISTEN:7000,fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &`]);
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.96.0.0/24', '--subnet', 'fd00:96::/64', 'dual6']);
    md.ok(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:97::/64', 'only6']);
    server('web6', 'dual6', ['-p', '8080:80', '-p', '5353:5300/udp', '-p', `[${HOST6}]:8081:80`]);
    md.ok(['run', '-d', '--name', 'nb6', '--network', 'dual6', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'far6', '--network', 'only6', 'busybox', 'sleep', '600']);
  });

  afterAll(() => {
    endUdpServers();
    md?.cleanup();
    sh('ip', ['netns', 'pids', REM]).stdout.split('\n').filter(Boolean).forEach((p) => sh('kill', [p]));
    sh('ip', ['netns', 'del', REM]);
  });

  it('-p 8080:80 answers over v6 from a remote host, the host, a neighbour and itself; UDP too; one-address binding', () => {
    const web = ep6('web6', 'dual6');
    expect(web).toMatch(/^fd00:96::/);
    const got = {
      remote: dial(HOST6, 8080),
      remoteUdp: dialUdp(HOST6, 5353),
      oneAddress: dial(HOST6, 8081),
      host: md.inHost('timeout', ['4', 'socat', '-T2', '-', `TCP6:[${HOST6}]:8080,connect-timeout=2`]).stdout.trim(),
      neighbour: fromCtr('nb6', HOST6, 8080),
      hairpin: fromCtr('web6', HOST6, 8080),
      otherNetwork: fromCtr('far6', HOST6, 8080),
      direct: dial(web, 80), // not by the container's own address from outside
      isolated: fromCtr('far6', web, 80), // not from another network
    };
    expect(got).toEqual({ remote: 'web6', remoteUdp: 'web6', oneAddress: 'web6', host: 'web6', neighbour: 'web6', hairpin: 'web6', otherNetwork: 'web6', direct: '', isolated: '' });
    expect(md.ok(['port', 'web6', '80'])).toBe(`0.0.0.0:8080\n[::]:8080\n[${HOST6}]:8081`);
  });

  it('outbound v6 is masqueraded (the remote host sees the host address)', () => {
    const peer = md.run(['exec', 'nb6', 'sh', '-c', `nc -w 2 ${REM6} 7000 </dev/null`]).stdout.trim();
    expect(new URL(`http://${peer}/`).hostname).toBe(`[${HOST6}]`);
  });

  it('-p [::1]:… is refused with the reason, nothing created; --explain prints the v6 rules', () => {
    const r = md.run(['run', '--rm', '--network', 'dual6', '-p', '[::1]:8090:80', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/publishing on ::1 needs a userland proxy/);
    expect(md.ok(['ps', '-aq']).trim().split('\n')).toHaveLength(3);
    const ex = md.run(['run', '--rm', '--explain', '--network', 'dual6', '-p', '8091:80', 'busybox', 'true']);
    expect(ex.code).toBe(0);
    if (backend === 'iptables') expect(ex.stderr).toMatch(/^ip6tables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8091 .* -j DNAT --to-destination '\[fd00:96::[0-9a-f]+\]:80'$/m);
    else expect(ex.stderr).toMatch(/^add element ip6 minidock pub \{ tcp \. 8091 comment .* : fd00:96::[0-9a-f]+ \. 80 \}$/m);
  });

  it('network rules shows the v6 rules; a v6-only network has no v4 rule', () => {
    const rules = md.ok(['network', 'rules']);
    expect(rules).toContain(backend === 'iptables' ? 'table nat (ip6tables)' : 'table ip6 minidock');
    expect(rules).toMatch(/fd00:96::\/64/);
    expect(rules).toMatch(/fd00:97::\/64/);
    const v4 = backend === 'iptables' ? md.inHost('iptables-save', []).stdout : md.inHost('nft', ['list', 'table', 'ip', 'minidock']).stdout;
    expect(v4).toContain('dual6');
    expect(v4).not.toContain('only6');
  });

  it('teardown leaves no v6 rule', () => {
    endUdpServers();
    for (const c of ['web6', 'nb6', 'far6']) md.ok(['rm', '-f', c]);
    expect(v6rules()).not.toMatch(/minidock [0-9a-f]{12} /);
    md.ok(['network', 'rm', 'dual6', 'only6']);
    const left = v6rules();
    for (const s of ['dual6', 'only6', 'fd00:96', 'fd00:97']) expect(left, s).not.toContain(s);
    expect(dial(HOST6, 8080)).toBe('');
  });
});
