// Bridge mode on a real kernel, safely: every case runs inside a throwaway "host" network
// namespace (minidock is run with `nsenter --net`, so its bridge, iptables rules and sysctls live
// only there) and a "remote LAN host" netns joined to it by a veth pair. All addresses are inside
// these namespaces; all traffic stays on this machine. Everything is removed in afterAll.
// The inside of the container is set up here by net-fixture.ts (standing in for the shim); the
// same inside as the real shim makes it is checked in net-e2e.test.ts (real `minidock run`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { onlyBaseLeft, ruleCounter } from '../helpers/firewall.js';
import { lanRoutesLoopbackCmds } from '../helpers/lan-loopback.js';

const rand = randomBytes(3).toString('hex');
const HOST = `mdt-host-${rand}`;
const LAN = `mdt-lan-${rand}`;
const HOST_IP = '198.18.77.1';
const LAN_IP = '198.18.77.2';
const BRIDGE = `mdt${rand}`; // MINIDOCK_BRIDGE override (≤ 15 chars)
const tmp = mkdtempSync(join(tmpdir(), 'mdt-net-'));
const ROOT = join(tmp, 'root');
const FIXTURE = join(tmp, 'net-fixture.mjs');
const env = { ...process.env, MINIDOCK_ROOT: ROOT, MINIDOCK_BRIDGE: BRIDGE };
const children: ChildProcess[] = [];
const ids: string[] = [];

interface R {
  code: number;
  stdout: string;
  stderr: string;
}
function sh(cmd: string, args: string[], input = '', timeout = 20_000): R {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout, env });
  return { code: r.status ?? 124, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function must(cmd: string, args: string[]): string {
  const r = sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const inHost = (cmd: string, args: string[], input = '', timeout?: number) => sh('nsenter', [`--net=/run/netns/${HOST}`, '--', cmd, ...args], input, timeout);
const inNs = (ns: string, cmd: string, args: string[], input = '', timeout?: number) => sh('ip', ['netns', 'exec', ns, cmd, ...args], input, timeout);

function newId(): string {
  const id = randomBytes(32).toString('hex');
  ids.push(id);
  return id;
}
const ns = (id: string) => `minidock-${id.slice(0, 12)}`;

interface Port {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}
interface SetupOut {
  netnsPath: string;
  settings: { Ports: Record<string, { HostIp: string; HostPort: string }[]>; Networks: Record<string, { IPAddress: string; Gateway: string; MacAddress: string; HostInterface: string }> };
  hosts: string[];
}
function fixtureArgs(id: string, o: { name?: string; mode?: string; ports?: Port[]; ip?: string }, refs: unknown[] = []): string[] {
  const req = { containerId: id, containerName: o.name ?? `c${id.slice(0, 4)}`, hostname: id.slice(0, 12), mode: o.mode ?? 'bridge', ports: o.ports ?? [], ip: o.ip };
  return [`--net=/run/netns/${HOST}`, '--', process.execPath, FIXTURE, 'setup', JSON.stringify(req), JSON.stringify(refs)];
}
function setup(id: string, o: Parameters<typeof fixtureArgs>[1] = {}, refs: unknown[] = [], explain = false): R & { out?: SetupOut } {
  const r = spawnSync('nsenter', fixtureArgs(id, o, refs), { encoding: 'utf8', env: { ...env, NET_FIXTURE_EXPLAIN: explain ? '1' : '' } });
  const res: R & { out?: SetupOut } = { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  if (res.code === 0) res.out = JSON.parse(r.stdout) as SetupOut;
  return res;
}
function setupAsync(id: string, o: Parameters<typeof fixtureArgs>[1] = {}): Promise<R> {
  return new Promise((resolve) => {
    const c = spawn('nsenter', fixtureArgs(id, o), { env });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
function teardown(id: string, explain = false): R {
  const r = spawnSync('nsenter', [`--net=/run/netns/${HOST}`, '--', process.execPath, FIXTURE, 'teardown', id], { encoding: 'utf8', env: { ...env, NET_FIXTURE_EXPLAIN: explain ? '1' : '' } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}
function teardownAsync(id: string): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn('nsenter', [`--net=/run/netns/${HOST}`, '--', process.execPath, FIXTURE, 'teardown', id], { env, stdio: 'ignore' });
    c.on('close', (code) => resolve(code ?? 1));
  });
}

/** A server in a namespace: socat answering each connection/datagram with `PREFIX-<peer address>`. */
function serve(where: { ns?: string; host?: boolean }, spec: string, prefix: string): void {
  const reply = `SYSTEM:echo ${prefix}-$SOCAT_PEERADDR`;
  const argv = where.host ? ['nsenter', `--net=/run/netns/${HOST}`, '--', 'socat', spec, reply] : ['ip', 'netns', 'exec', where.ns!, 'socat', spec, reply];
  const c = spawn(argv[0], argv.slice(1), { stdio: 'ignore', detached: false });
  children.push(c);
}
function hold(where: { host: true }, spec: string): void {
  const c = spawn('nsenter', [`--net=/run/netns/${HOST}`, '--', 'socat', spec, 'SYSTEM:cat'], { stdio: 'ignore' });
  children.push(c);
  void where;
}
/** Connects from a namespace (or the test host): what the server said ('' = nothing), and how socat ended. */
function dial(from: { ns?: string; host?: boolean }, proto: 'tcp' | 'udp', addr: string, port: number): R {
  const target = proto === 'tcp' ? `TCP:${addr}:${port},connect-timeout=2` : `UDP:${addr}:${port}`;
  // UDP: socat ends 0.5 s after its stdin's EOF by default (-t), too soon for a reply from a forked
  // server on a loaded machine; wait up to 2 s as for TCP
  const args = ['-T', '2', ...(proto === 'udp' ? ['-t', '2'] : []), '-', target];
  return from.host ? inHost('socat', args, proto === 'udp' ? 'ping\n' : '', 8000) : inNs(from.ns!, 'socat', args, proto === 'udp' ? 'ping\n' : '', 8000);
}
function call(from: { ns?: string; host?: boolean }, proto: 'tcp' | 'udp', addr: string, port: number): string {
  // A datagram has no retransmission (a SYN does): the forking UDP server re-binds its port after
  // each datagram, and one sent in that window is lost on a loaded machine. Up to 3 datagrams.
  for (let i = 0; ; i++) {
    const out = dial(from, proto, addr, port).stdout.trim();
    if (out || proto === 'tcp' || i === 2) return out;
  }
}
async function waitFor(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}
/** Packet counter of the rule in `table` whose text contains `needle` (either backend: helpers/firewall.ts). */
function counter(table: string, needle: string): number {
  return ruleCounter(inHost, table, needle);
}
function ipamAllocated(): Record<string, string> {
  const dir = join(ROOT, 'networks', 'ipam');
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const f of spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
    Object.assign(out, JSON.parse(readFileSync(join(dir, f), 'utf8')).allocated);
  }
  return out;
}

describe('bridge networking in a throwaway host netns', () => {
  let A: string; // web container: 8080→80/tcp, 8081→81/udp, 127.0.0.1:8082→80
  let B: string; // neighbour on the bridge
  let aIp = '';
  let bIp = '';
  let gw = '';

  beforeAll(async () => {
    await build({
      entryPoints: [fileURLToPath(new URL('./net-fixture.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: FIXTURE,
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'warning',
    });
    must('ip', ['netns', 'add', HOST]);
    must('ip', ['netns', 'add', LAN]);
    must('ip', ['link', 'add', 'lan0', 'netns', HOST, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', LAN]);
    for (const [n, dev, ip] of [[HOST, 'lan0', HOST_IP], [LAN, 'eth0', LAN_IP]]) {
      must('ip', ['-n', n, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', n, 'addr', 'add', `${ip}/24`, 'dev', dev]);
      must('ip', ['-n', n, 'link', 'set', dev, 'up']);
    }
    // As on a host where Docker runs: FORWARD policy DROP (only inside the test host netns).
    const p = inHost('iptables', ['-P', 'FORWARD', 'DROP']);
    if (p.code !== 0) throw new Error(p.stderr);

    A = newId();
    B = newId();
    const a = setup(A, {
      name: 'web',
      ports: [
        { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' },
        { hostIp: '', hostPort: 8081, containerPort: 81, proto: 'udp' },
        { hostIp: '127.0.0.1', hostPort: 8082, containerPort: 80, proto: 'tcp' },
      ],
    });
    if (a.code !== 0) throw new Error(a.stderr);
    const b = setup(B, { name: 'neighbour' });
    if (b.code !== 0) throw new Error(b.stderr);
    aIp = a.out!.settings.Networks.bridge.IPAddress;
    bIp = b.out!.settings.Networks.bridge.IPAddress;
    gw = a.out!.settings.Networks.bridge.Gateway;
    serve({ ns: ns(A) }, 'TCP-LISTEN:80,fork,reuseaddr', 'tcp80');
    serve({ ns: ns(A) }, 'UDP-RECVFROM:81,fork', 'udp81');
    serve({ ns: LAN }, 'TCP-LISTEN:7000,fork,reuseaddr', 'lan');
    await waitFor(() => call({ ns: ns(A) }, 'tcp', '127.0.0.1', 80).startsWith('tcp80'));
    await waitFor(() => call({ ns: ns(A) }, 'udp', '127.0.0.1', 81).startsWith('udp81'));
    await waitFor(() => call({ ns: LAN }, 'tcp', '127.0.0.1', 7000).startsWith('lan'));
  }, 120_000);

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const id of ids) teardown(id);
    for (const id of ids) if (existsSync(`/run/netns/${ns(id)}`)) sh('ip', ['netns', 'del', ns(id)]);
    sh('ip', ['netns', 'del', LAN]);
    sh('ip', ['netns', 'del', HOST]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('gives the container its address, MAC, default route, lo and a bridge port with hairpin', () => {
    expect(aIp).toBe('172.17.0.2');
    expect(bIp).toBe('172.17.0.3');
    expect(gw).toBe('172.17.0.1');
    const link = JSON.parse(inNs(ns(A), 'ip', ['-j', 'addr', 'show', 'eth0']).stdout)[0];
    expect(link.address).toBe('02:42:ac:11:00:02');
    expect(link.addr_info.map((x: { local: string }) => x.local)).toContain('172.17.0.2');
    expect(inNs(ns(A), 'ip', ['route']).stdout).toContain('default via 172.17.0.1 dev eth0');
    expect(inNs(ns(A), 'ip', ['-br', 'link', 'show', 'lo']).stdout).toMatch(/UP|UNKNOWN/);
    const port = JSON.parse(inHost('ip', ['-d', '-j', 'link', 'show', `md${A.slice(0, 12)}`]).stdout)[0];
    expect(port.master).toBe(BRIDGE);
    expect(port.linkinfo.info_slave_data.hairpin).toBe(true);
    expect(inHost('cat', [`/proc/sys/net/ipv4/conf/${BRIDGE}/route_localnet`]).stdout.trim()).toBe('1');
    expect(inHost('cat', ['/proc/sys/net/ipv4/ip_forward']).stdout.trim()).toBe('1');
    expect(inHost('iptables', ['-S', 'FORWARD']).stdout).toContain('-P FORWARD DROP');
  });

  it('published port answers on 127.0.0.1 (no proxy process), the host address and the gateway address', () => {
    expect(call({ host: true }, 'tcp', '127.0.0.1', 8080)).toBe(`tcp80-${gw}`);
    expect(call({ host: true }, 'tcp', HOST_IP, 8080)).toMatch(/^tcp80-/);
    expect(call({ host: true }, 'tcp', gw, 8080)).toMatch(/^tcp80-/);
    expect(call({ host: true }, 'tcp', '127.0.0.1', 8082)).toBe(`tcp80-${gw}`);
    expect(call({ host: true }, 'udp', '127.0.0.1', 8081)).toBe(`udp81-${gw}`);
    // nothing listens on the host for these ports: no userland proxy
    expect(inHost('ss', ['-Htlnu']).stdout).not.toMatch(/:808[012]\b/);
  });

  it('published port answers a remote LAN host, which keeps its own source address (TCP and UDP)', () => {
    expect(call({ ns: LAN }, 'tcp', HOST_IP, 8080)).toBe(`tcp80-${LAN_IP}`);
    expect(call({ ns: LAN }, 'udp', HOST_IP, 8081)).toBe(`udp81-${LAN_IP}`);
  });

  it('a neighbour container reaches the published port and the container itself', () => {
    expect(call({ ns: ns(B) }, 'tcp', HOST_IP, 8080)).toMatch(/^tcp80-/);
    expect(call({ ns: ns(B) }, 'tcp', gw, 8080)).toMatch(/^tcp80-/);
    expect(call({ ns: ns(B) }, 'tcp', aIp, 80)).toBe(`tcp80-${bIp}`);
    expect(call({ ns: ns(B) }, 'udp', HOST_IP, 8081)).toMatch(/^udp81-/);
  });

  it('hairpin: the container reaches its own published port, TCP and UDP', () => {
    expect(call({ ns: ns(A) }, 'tcp', HOST_IP, 8080)).toBe(`tcp80-${gw}`);
    expect(call({ ns: ns(A) }, 'tcp', gw, 8080)).toBe(`tcp80-${gw}`);
    expect(call({ ns: ns(A) }, 'udp', HOST_IP, 8081)).toBe(`udp81-${gw}`);
  });

  it('outbound traffic is masqueraded: the remote host sees the host address', () => {
    expect(call({ ns: ns(A) }, 'tcp', LAN_IP, 7000)).toBe(`lan-${HOST_IP}`);
  });

  it('a LAN host cannot reach a container address directly (unpublished port)', () => {
    must('ip', ['-n', LAN, 'route', 'replace', '172.17.0.0/16', 'via', HOST_IP]);
    const before = counter('raw', 'no direct access from outside');
    expect(call({ ns: LAN }, 'tcp', aIp, 80)).toBe('');
    expect(counter('raw', 'no direct access from outside')).toBeGreaterThan(before);
    // while the host itself can
    expect(call({ host: true }, 'tcp', aIp, 80)).toBe(`tcp80-${gw}`);
  });

  it('a loopback-only published port is not reachable from the LAN, even with packets sent to 127.0.0.1 (moby#45610)', () => {
    // Make the LAN host route 127.0.0.1 to us, as an attacker on the link would.
    for (const [cmd, args] of lanRoutesLoopbackCmds(LAN, HOST_IP, LAN_IP, 8082)) must(cmd, args);
    const before = counter('raw', '--dport 8082');
    const dropped = dial({ ns: LAN }, 'tcp', '127.0.0.1', 8082);
    expect(dropped.stdout).toBe('');
    expect(dropped.stderr).toMatch(/Connection timed out|Operation now in progress/); // dropped: no answer at all
    expect(counter('raw', '--dport 8082')).toBeGreaterThan(before); // ...by minidock's rule
    // Positive control on the same path (LAN → 127.0.0.1 routed to the host): a port published
    // on all addresses answers, so the drop above is the rule's, not the path's.
    must('ip', ['-n', LAN, 'rule', 'add', 'to', '127.0.0.1/32', 'ipproto', 'tcp', 'dport', '8080', 'lookup', '100', 'pref', '11']);
    expect(call({ ns: LAN }, 'tcp', '127.0.0.1', 8080)).toBe(`tcp80-${LAN_IP}`);
    // Not on the host's LAN address either: no DNAT for 8082 there (its counter stays), the
    // host itself refuses (nothing listens); the same address's 8080 answers.
    const dnat = counter('nat', '--dport 8082');
    expect(dnat).toBeGreaterThanOrEqual(0);
    const refused = dial({ ns: LAN }, 'tcp', HOST_IP, 8082);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/Connection refused/);
    expect(counter('nat', '--dport 8082')).toBe(dnat);
    expect(call({ ns: LAN }, 'tcp', HOST_IP, 8080)).toBe(`tcp80-${LAN_IP}`);
  });

  it('refuses a host port held by a host service (TCP and UDP) before creating anything', async () => {
    hold({ host: true }, 'TCP-LISTEN:9300,reuseaddr,fork');
    hold({ host: true }, 'UDP-RECV:9301');
    await waitFor(() => /:9300\b/.test(inHost('ss', ['-Htln']).stdout) && /:9301\b/.test(inHost('ss', ['-Hunl']).stdout));
    const C = newId();
    const r = setup(C, { ports: [{ hostIp: '', hostPort: 9300, containerPort: 80, proto: 'tcp' }] });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toEqual(['fixture: Bind for 0.0.0.0:9300 failed: port is already allocated']);
    const u = setup(C, { ports: [{ hostIp: '127.0.0.1', hostPort: 9301, containerPort: 80, proto: 'udp' }] });
    expect(u.code).toBe(125);
    expect(u.stderr).toContain('Bind for 127.0.0.1:9301 failed: port is already allocated');
    expect(existsSync(`/run/netns/${ns(C)}`)).toBe(false);
    expect(Object.values(ipamAllocated())).not.toContain(C);
  });

  it("refuses another container's host port; the first holder keeps working", () => {
    const D = newId();
    const r = setup(D, { ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' }] });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('Bind for 127.0.0.1:8080 failed: port is already allocated');
    expect(existsSync(`/run/netns/${ns(D)}`)).toBe(false);
    expect(call({ host: true }, 'tcp', '127.0.0.1', 8080)).toMatch(/^tcp80-/);
    // the same port number on UDP is a different port
    const E = newId();
    const ok = setup(E, { ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'udp' }] });
    expect(ok.code).toBe(0);
    expect(teardown(E).code).toBe(0);
  });

  it('--ip picks a specific address; a taken or foreign one is refused', () => {
    const F = newId();
    const r = setup(F, { ip: '172.17.3.4' });
    expect(r.code).toBe(0);
    expect(r.out!.settings.Networks.bridge.IPAddress).toBe('172.17.3.4');
    const G = newId();
    expect(setup(G, { ip: '172.17.3.4' }).stderr).toContain('Address already in use: 172.17.3.4');
    expect(setup(G, { ip: '10.1.2.3' }).stderr).toContain('does not belong');
    expect(existsSync(`/run/netns/${ns(G)}`)).toBe(false);
    expect(teardown(F).code).toBe(0);
  });

  it('network modes: none, host, container:<id>', () => {
    const N = newId();
    const n = setup(N, { mode: 'none' });
    expect(n.code).toBe(0);
    expect(n.out!.netnsPath).toBe(`/run/netns/${ns(N)}`);
    const links = JSON.parse(inNs(ns(N), 'ip', ['-j', 'link']).stdout) as { ifname: string; flags: string[] }[];
    expect(links.map((l) => l.ifname)).toEqual(['lo']);
    expect(links[0].flags).toContain('UP');

    const H = newId();
    const h = setup(H, { mode: 'host', ports: [{ hostIp: '', hostPort: 1234, containerPort: 80, proto: 'tcp' }] });
    expect(h.code).toBe(0);
    expect(h.out!.netnsPath).toBe('');
    expect(existsSync(`/run/netns/${ns(H)}`)).toBe(false);

    const J = newId();
    const refs = [{ id: A, name: 'web', running: true, netnsPath: `/run/netns/${ns(A)}` }, { id: N, name: 'stopped', running: false, netnsPath: '' }];
    const j = setup(J, { mode: 'container:web' }, refs);
    expect(j.code).toBe(0);
    expect(j.out!.netnsPath).toBe(`/run/netns/${ns(A)}`);
    expect(existsSync(`/run/netns/${ns(J)}`)).toBe(false);
    // tearing down the joiner must not touch the netns it joined
    expect(teardown(J).code).toBe(0);
    expect(existsSync(`/run/netns/${ns(A)}`)).toBe(true);
    const s = setup(newId(), { mode: 'container:stopped' }, refs);
    expect(s.code).toBe(125);
    expect(s.stderr).toContain('non running container');
    expect(setup(newId(), { mode: 'container:nosuch' }, refs).stderr).toContain('No such container: nosuch');
    expect(teardown(N).code).toBe(0);
    expect(existsSync(`/run/netns/${ns(N)}`)).toBe(false);
  });

  it('a failure half-way rolls back in reverse what was done, and releases the address', () => {
    const K = newId();
    // Something else already holds the interface name minidock will want: step 2 fails.
    must('ip', ['-n', HOST, 'link', 'add', `md${K.slice(0, 12)}`, 'type', 'bridge']);
    const r = setup(K, { ports: [{ hostIp: '', hostPort: 9400, containerPort: 80, proto: 'tcp' }] }, [], true);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`ip netns add ${ns(K)}`);
    expect(r.stderr).toContain(`ip netns del ${ns(K)}`);
    expect(existsSync(`/run/netns/${ns(K)}`)).toBe(false);
    expect(Object.values(ipamAllocated())).not.toContain(K);
    expect(inHost('iptables-save', []).stdout).not.toContain(K.slice(0, 12));
    must('ip', ['-n', HOST, 'link', 'del', `md${K.slice(0, 12)}`]);
    // and the port is free again
    const again = setup(K, { ports: [{ hostIp: '', hostPort: 9400, containerPort: 80, proto: 'tcp' }] });
    expect(again.code).toBe(0);
    expect(teardown(K).code).toBe(0);
  });

  it('repairs the bridge when it was deleted behind minidock\'s back', () => {
    const L = newId();
    must('ip', ['-n', HOST, 'link', 'add', 'tmpbr', 'type', 'bridge']); // unrelated device survives
    // B is still attached: delete the bridge anyway, as an admin might
    must('ip', ['-n', HOST, 'link', 'del', BRIDGE]);
    const r = setup(L, {}, [], true);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`ip link add ${BRIDGE} type bridge`);
    expect(call({ host: true }, 'tcp', r.out!.settings.Networks.bridge.IPAddress, 1)).toBe(''); // nothing listens; just no crash
    expect(inHost('ip', ['-br', 'addr', 'show', BRIDGE]).stdout).toContain('172.17.0.1/16');
    expect(teardown(L).code).toBe(0);
    must('ip', ['-n', HOST, 'link', 'del', 'tmpbr']);
    // re-plug A and B: tear down and set up again (Docker allocates again on each start)
    expect(teardown(B).code).toBe(0);
    const b2 = setup(B, { name: 'neighbour' });
    expect(b2.code).toBe(0);
  });

  it('30 parallel setups (separate processes) get 30 distinct addresses; teardown releases them all', async () => {
    const batch = Array.from({ length: 30 }, () => newId());
    const rs = await Promise.all(batch.map((id) => setupAsync(id)));
    for (const r of rs) expect(r.stderr).toBe('');
    const ips = rs.map((r) => (JSON.parse(r.stdout) as SetupOut).settings.Networks.bridge.IPAddress);
    expect(new Set(ips).size).toBe(30);
    const alloc = ipamAllocated();
    for (const id of batch) expect(Object.values(alloc)).toContain(id);
    const codes = await Promise.all(batch.map((id) => teardownAsync(id)));
    expect(codes.every((c) => c === 0)).toBe(true);
    const after = ipamAllocated();
    for (const id of batch) expect(Object.values(after)).not.toContain(id);
    for (const id of batch) expect(existsSync(`/run/netns/${ns(id)}`)).toBe(false);
  }, 120_000);

  it('teardown is idempotent and leaves nothing: no veth, no netns, no rule, no address, no port', async () => {
    const tA = teardown(A, true);
    expect(tA.code).toBe(0);
    expect(tA.stderr).toContain(`ip netns del ${ns(A)}`);
    expect(tA.stderr).toContain(`md${A.slice(0, 12)}`);
    expect(teardown(A).code).toBe(0);
    for (const id of ids) expect(teardown(id).code).toBe(0);
    // the kernel removes the host ends of the veths with their namespaces, in the background
    const links = () => (JSON.parse(inHost('ip', ['-j', 'link']).stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
    const want = [BRIDGE, 'lan0', 'lo'].sort();
    for (let i = 0; i < 100 && JSON.stringify(links()) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 20));
    expect(links()).toEqual(want);
    const netns = must('ip', ['netns', 'list']);
    for (const id of ids) expect(netns).not.toContain(ns(id));
    const save = inHost('iptables-save', []).stdout;
    const nft = inHost('nft', ['list', 'ruleset']).stdout;
    for (const id of ids) {
      expect(save).not.toContain(id.slice(0, 12));
      expect(nft).not.toContain(id.slice(0, 12));
    }
    expect(ipamAllocated()).toEqual({});
    expect(JSON.parse(readFileSync(join(ROOT, 'networks', 'ports.json'), 'utf8'))).toEqual([]);
    // what stays is minidock's own base: the bridge and its chains (or table), like docker0
    expect(onlyBaseLeft(inHost)).toBe(true);
  });
});
