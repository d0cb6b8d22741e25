// End-to-end bridge networking with real containers through the real CLI. The "host" is the
// throwaway netns of test/helpers/cli.ts (minidock runs under nsenter --net); the "remote LAN
// host" is a second netns joined to it by a veth pair this test creates. Traffic stays inside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Minidock, sh } from '../helpers/cli.js';

const HOST_IP = '198.18.78.1';
const LAN_IP = '198.18.78.2';

describe('bridge networking end to end (real containers)', () => {
  let md: Minidock;
  const LAN = `mdt-lan-${randomBytes(3).toString('hex')}`;
  const kids: ChildProcess[] = [];
  const inLan = (cmd: string, args: string[], input = '') => sh('ip', ['netns', 'exec', LAN, cmd, ...args], input);

  beforeAll(() => {
    md = new Minidock();
    const must = (r: { code: number; stderr: string }) => {
      if (r.code !== 0) throw new Error(r.stderr);
    };
    must(sh('ip', ['netns', 'add', LAN]));
    must(sh('ip', ['link', 'add', 'lan0', 'netns', md.hostNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', LAN]));
    for (const [n, dev, ip] of [[md.hostNs, 'lan0', HOST_IP], [LAN, 'eth0', LAN_IP]]) {
      must(sh('ip', ['-n', n, 'link', 'set', 'lo', 'up']));
      must(sh('ip', ['-n', n, 'addr', 'add', `${ip}/24`, 'dev', dev]));
      must(sh('ip', ['-n', n, 'link', 'set', dev, 'up']));
    }
    must(md.inHost('iptables', ['-P', 'FORWARD', 'DROP']));
    const lan = spawn('ip', ['netns', 'exec', LAN, 'socat', 'TCP-LISTEN:7000,fork,reuseaddr', 'SYSTEM:echo lan-$SOCAT_PEERADDR'], { stdio: 'ignore' });
    kids.push(lan);
    md.ok(['run', '-d', '--name', 'web', '-p', '8080:80', '-p', '127.0.0.1:8082:80', 'busybox', 'sh', '-c', 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www']);
  }, 120_000);

  afterAll(() => {
    for (const k of kids) k.kill('SIGKILL');
    md?.cleanup();
    sh('ip', ['netns', 'del', LAN]);
  });

  // (busybox wget -T segfaults in Debian's busybox-static: bound the time with timeout(1) instead)
  const wget = (url: string) => md.inHost('timeout', ['4', 'busybox', 'wget', '-q', '-O-', url]);
  /** Packet counter of the rule in `table` of the test's host netns whose text contains `needle` (-1: no such rule). */
  const counter = (table: string, needle: string): number => {
    const line = md.inHost('iptables-save', ['-c', '-t', table]).stdout.split('\n').find((l) => l.includes(needle));
    const m = line && /^\[(\d+):/.exec(line);
    return m ? Number(m[1]) : -1;
  };

  it('a published port answers on 127.0.0.1, the host address, from the LAN, a neighbour, and hairpin', async () => {
    for (let i = 0; i < 50 && wget('http://127.0.0.1:8080/').stdout.trim() !== 'hello'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(wget('http://127.0.0.1:8080/').stdout.trim()).toBe('hello');
    expect(wget(`http://${HOST_IP}:8080/`).stdout.trim()).toBe('hello');
    expect(wget('http://127.0.0.1:8082/').stdout.trim()).toBe('hello');
    expect(inLan('timeout', ['4', 'busybox', 'wget', '-q', '-O-', `http://${HOST_IP}:8080/`]).stdout.trim()).toBe('hello');
    // 8082 is published on 127.0.0.1 only: from the LAN the host address has no DNAT for it
    // (the rule's counter stays) and the host refuses (nothing listens), while 8080 answers.
    const dnat = counter('nat', '--dport 8082');
    expect(dnat).toBeGreaterThanOrEqual(0);
    const refused = inLan('timeout', ['4', 'busybox', 'wget', '-q', '-O-', `http://${HOST_IP}:8082/`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Connection refused/);
    expect(counter('nat', '--dport 8082')).toBe(dnat);
    expect(md.ok(['run', '--rm', 'busybox', 'wget', '-q', '-O-', `http://${HOST_IP}:8080/`])).toBe('hello');
    expect(md.ok(['exec', 'web', 'wget', '-q', '-O-', `http://${HOST_IP}:8080/`])).toBe('hello');
    expect(md.ok(['port', 'web']).split('\n')).toEqual(['80/tcp -> 0.0.0.0:8080', '80/tcp -> 127.0.0.1:8082']);
  });

  // net-bridge.test.ts checks the inside through net-fixture.ts, which does the shim's part
  // itself with ip(8); here the real shim (minidock run) made it.
  it('the shim sets up the inside: eth0 address and MAC, default route via the gateway, lo up; the host end is a hairpin port of the bridge', () => {
    const [ip, mac, gw, id] = md.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.MacAddress}} {{.NetworkSettings.Gateway}} {{.Id}}', 'web']).split(' ');
    expect(gw).toBe('172.17.0.1');
    expect(ip).toMatch(/^172\.17\.0\.\d+$/);
    expect(mac).toBe(`02:42:${ip!.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join(':')}`);
    const inside = (cmd: string) => md.ok(['exec', 'web', 'sh', '-c', cmd]);
    expect(inside('cat /sys/class/net/eth0/address')).toBe(mac);
    expect(inside('ip -o -4 addr show eth0')).toMatch(new RegExp(`inet ${ip!.replace(/\./g, '\\.')}/16 `));
    expect(inside('ip route').split('\n')).toContain('default via 172.17.0.1 dev eth0 ');
    expect(inside('cat /sys/class/net/eth0/operstate')).toBe('up');
    expect(inside('ip -o link show lo')).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
    expect(inside('ls /sys/class/net').split(/\s+/).sort()).toEqual(['eth0', 'lo']);
    const port = JSON.parse(md.inHost('ip', ['-d', '-j', 'link', 'show', `md${id!.slice(0, 12)}`]).stdout)[0];
    expect(port.master).toBe('minidock0');
    expect(port.linkinfo.info_slave_data.hairpin).toBe(true);
    expect(port.operstate).toBe('UP');
    // the neighbour-facing side: the bridge answers ARP for the gateway, so the route works
    expect(md.ok(['exec', 'web', 'ping', '-c', '1', '-W', '2', '172.17.0.1'])).toMatch(/1 packets received/);
  });

  it('a LAN host cannot reach the container address directly', () => {
    const ip = md.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web']);
    expect(sh('ip', ['-n', LAN, 'route', 'replace', '172.17.0.0/16', 'via', HOST_IP]).code).toBe(0);
    const before = counter('raw', 'no direct access from outside');
    expect(before).toBeGreaterThanOrEqual(0);
    const r = inLan('timeout', ['3', 'busybox', 'wget', '-q', '-O-', `http://${ip}/`]);
    expect(r.code).toBe(124); // no answer at all (timeout(1) ended it): dropped, not refused
    expect(r.stdout).toBe('');
    expect(counter('raw', 'no direct access from outside')).toBeGreaterThan(before); // by minidock's rule
    // Positive controls: the same LAN host over the same link reaches the published port, and the
    // host itself reaches the container address.
    expect(inLan('timeout', ['4', 'busybox', 'wget', '-q', '-O-', `http://${HOST_IP}:8080/`]).stdout.trim()).toBe('hello');
    expect(wget(`http://${ip}/`).stdout.trim()).toBe('hello');
  });

  it('outbound traffic leaves with the host address; /etc/hosts knows the container name', () => {
    // busybox nc may end at its stdin's EOF before the reply is read (a loaded machine): the
    // reply is kept waiting for by holding stdin open until the server has answered and closed
    expect(md.ok(['run', '--rm', 'busybox', 'sh', '-c', `sleep 2 | nc ${LAN_IP} 7000`])).toBe(`lan-${HOST_IP}`);
    expect(md.ok(['run', '--rm', '--name', 'named', 'busybox', 'cat', '/etc/hosts'])).toMatch(/^172\.17\.\d+\.\d+\s.*\bnamed\b/m);
  });

  it('a host port already taken is refused with one clear line; the holder keeps working', () => {
    const r = md.run(['run', '-d', '-p', '8080:80', 'busybox', 'sleep', '5']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('Bind for 0.0.0.0:8080 failed: port is already allocated');
    expect(wget('http://127.0.0.1:8080/').stdout.trim()).toBe('hello');
  });

  it('network modes: none, host, container:', () => {
    expect(md.ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net'])).toBe('lo');
    expect(md.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']).split(/\s+/)).toContain('lan0');
    expect(md.ok(['run', '--rm', '--network', 'container:web', 'busybox', 'wget', '-q', '-O-', 'http://127.0.0.1/'])).toBe('hello');
  });

  it('30 parallel runs get distinct addresses', async () => {
    const rs = await Promise.all(Array.from({ length: 30 }, () => md.runAsync(['run', '-d', 'busybox', 'sleep', '60'])));
    for (const r of rs) expect(r.stderr).toBe('');
    const ids = rs.map((r) => r.stdout.trim());
    const ips = ids.map((id) => md.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id]));
    expect(new Set(ips).size).toBe(30);
    expect(md.run(['rm', '-f', ...ids]).code).toBe(0);
  }, 120_000);

  it('rm leaves nothing behind: no veth, no netns, no rule', () => {
    const id = md.ok(['inspect', '-f', '{{.Id}}', 'web']);
    expect(md.run(['rm', '-f', 'web']).code).toBe(0);
    const links = (JSON.parse(md.inHost('ip', ['-j', 'link']).stdout) as { ifname: string }[]).map((l) => l.ifname);
    expect(links.filter((l) => l.startsWith('md'))).toEqual([]);
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`minidock-${id.slice(0, 12)}`);
    expect(md.inHost('iptables-save', []).stdout).not.toMatch(/minidock [0-9a-f]{12}/);
    expect(md.inHost('nft', ['list', 'ruleset']).stdout).not.toMatch(/minidock [0-9a-f]{12}/);
  });
});
