// `minidock network trace` over IPv6, end to end on both firewall backends: real probes in a
// throwaway "host" netns with a v6 "LAN" netns on a veth (2001:db8:67::/64), a dual-stack
// network and a second v6 network, traced by the kernel's own tracing (ip6tables -j TRACE read
// by xtables-monitor --trace -6; nft's `ip6 minidock` table). Each scenario asserts the hooks in
// order, the rule that decided and the verdict; no trace rule is left after any trace, also when
// the CLI is killed mid-trace, and prune removes a dead trace's v6 rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN, Minidock, sh, sleep } from '../helpers/cli.js';
import { checkPruneOfDeadTraces, expectRefusedTraces, hooksOf as hooks, inOrder, tracer } from '../helpers/trace.js';
import { parseLastTrace } from '../../src/engine/network/last-trace.js';

const isRoot = process.getuid?.() === 0;
const HOST6 = '2001:db8:67::1';
const LAN6 = '2001:db8:67::2';

describe.runIf(isRoot).each(['iptables', 'nftables'] as const)('network trace over IPv6 (%s backend)', (backend) => {
  const md = new Minidock({ MINIDOCK_FIREWALL: backend });
  const LAN = `mdt6l-${randomBytes(3).toString('hex')}`;
  const must = (cmd: string, args: string[]) => {
    const r = md.inHost(cmd, args);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  const { left, trace } = tracer(md);
  const ip6Of = (ctr: string, net: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', ctr])) as Record<string, { GlobalIPv6Address: string }>)[net].GlobalIPv6Address;

  beforeAll(() => {
    must('ip', ['netns', 'add', LAN]);
    for (const ns of [md.hostNs, LAN]) sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
    must('ip', ['link', 'add', 'lan6', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', LAN]);
    must('ip', ['-6', 'addr', 'add', `${HOST6}/64`, 'dev', 'lan6', 'nodad']);
    must('ip', ['link', 'set', 'lan6', 'up']);
    for (const a of [['-6', 'addr', 'add', `${LAN6}/64`, 'dev', 'eth0', 'nodad'], ['link', 'set', 'eth0', 'up'], ['link', 'set', 'lo', 'up']]) must('ip', ['-n', LAN, ...a]);
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.98.0.0/24', '--subnet', 'fd00:98::/64', 'dual']);
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.99.0.0/24', '--subnet', 'fd00:99::/64', 'other']);
    md.ok(['run', '-d', '--name', 'web', '--network', 'dual', '-p', '8080:80', 'busybox', 'httpd', '-f', '-p', '80']);
    md.ok(['run', '-d', '--name', 'c1', '--network', 'dual', 'busybox', 'sleep', '3600']);
    md.ok(['run', '-d', '--name', 'o1', '--network', 'other', 'busybox', 'sleep', '3600']);
    md.ok(['run', '-d', '--name', 'v4only', 'busybox', 'sleep', '3600']);
  }, 60_000);

  afterAll(() => {
    md.cleanup();
    sh('ip', ['netns', 'del', LAN]);
  });

  it('container → container over v6 (-6): bridged through the ip6 FORWARD, accepted, answered', () => {
    const t = trace('-6', '--from', 'c1', '--to', 'web:80');
    expect(t.destination.ip).toBe(ip6Of('web', 'dual'));
    expect(t.destination.ip).toMatch(/^fd00:98::/);
    expect(inOrder(hooks(t), ['PREROUTING', 'FORWARD', 'POSTROUTING'])).toBe(true);
    expect(t.steps[0].words).toMatch(/^routing in c1's namespace: out eth0 .*\(ip route get: fd00:98::/);
    const fwd = t.steps.find((s) => s.hook === 'FORWARD')!;
    expect(fwd.verdict).toBe('accept');
    expect(fwd.table).toBe(backend === 'iptables' ? 'filter' : 'ip6 minidock');
    expect(t.steps.find((s) => s.kind === 'bridge')?.words).toMatch(/^bridge mdbr-\S+ \(network dual\): out of port md[0-9a-f]{12}, the veth of web, to its eth0 \(fd00:98::/);
    expect(t.answer.kind).toBe('syn-ack');
    expect(t.verdict).toBe('delivered: web answered');
    const last = parseLastTrace(readFileSync(join(md.root, 'networks', 'last-trace.json'), 'utf8'))!;
    expect(last).toMatchObject({ version: 1, from: 'c1', to: 'web:80', proto: 'tcp', outcome: 'delivered: web answered' });
  });

  it('by the address given ([ADDR]:PORT), and a ping6 between containers', () => {
    const web = ip6Of('web', 'dual');
    const t = trace('--from', 'c1', '--to', `[${web}]:80`);
    expect(t.destination).toMatchObject({ ip: web, port: 80 });
    expect(t.answer.kind).toBe('syn-ack');
    const p = trace('--from', 'c1', '--to', web, '--proto', 'icmp');
    expect(inOrder(hooks(p), ['PREROUTING', 'FORWARD'])).toBe(true);
    expect(p.answer.kind).toBe('reply');
    expect(p.verdict).toBe('delivered: web answered');
  });

  it('host → v6 published port: DNAT in the ip6 nat OUTPUT, answered, the DNAT undone', () => {
    const t = trace('--from', 'host', '--to', `[${HOST6}]:8080`);
    expect(inOrder(hooks(t), ['OUTPUT', 'POSTROUTING'])).toBe(true);
    const dnat = t.steps.find((s) => s.verdict === 'dnat')!;
    expect(dnat.hook).toBe('OUTPUT');
    expect(dnat.words).toMatch(/^DNAT host port 8080 → web:80 \(\[?fd00:98::[0-9a-f:]+\]?:80\)$/);
    expect(dnat.rule).toMatch(backend === 'iptables' ? /^ip6tables -t nat -A MINIDOCK-DNAT / : /ip6 minidock/);
    expect(t.answer.kind).toBe('syn-ack');
    expect(t.reverseNat).toMatch(/its source \[fd00:98::[0-9a-f:]+\]:80 back to \[2001:db8:67::1\]:8080 \(the DNAT undone\)/);
  });

  it('LAN netns → v6 published port: DNAT in nat PREROUTING, routed out the bridge, FORWARD accepts it', () => {
    const t = trace('--from', `remote:${LAN}`, '--to', `[${HOST6}]:8080`);
    expect(inOrder(hooks(t), ['PREROUTING', 'FORWARD', 'POSTROUTING'])).toBe(true);
    const dnat = t.steps.find((s) => s.verdict === 'dnat')!;
    expect(dnat.hook).toBe('PREROUTING');
    expect(dnat.words).toMatch(/^DNAT host port 8080 → web:80 /);
    expect(t.steps.find((s) => s.kind === 'routing' && /on this host/.test(s.words))?.words).toMatch(/out mdbr-/);
    expect(t.steps.find((s) => s.hook === 'FORWARD')?.words).toMatch(/^accepted by \S+: let connections to published ports of dual through/);
    expect(t.answer.kind).toBe('syn-ack');
  });

  it('container → remote over v6 (ping6): masqueraded to the host address, the reply de-masqueraded', () => {
    const t = trace('--from', 'c1', '--to', LAN6);
    expect(t.steps[0].words).toMatch(/^routing in c1's namespace: out eth0 via fd00:98::1/);
    expect(inOrder(hooks(t), ['PREROUTING', 'FORWARD', 'POSTROUTING'])).toBe(true);
    expect(t.steps.find((s) => s.verdict === 'masquerade')?.words).toMatch(/^masquerade to 2001:db8:67::1: /);
    expect(t.answer.kind).toBe('reply');
    expect(t.reverseNat).toMatch(/destination 2001:db8:67::1 back to fd00:98::[0-9a-f:]+ \(the masquerade undone\)/);
  });

  it('a container of another v6 network → a container\'s v6 address: dropped, and the rule named', () => {
    const t = trace('-6', '--from', 'o1', '--to', 'web:80');
    const drop = t.steps.find((s) => s.verdict === 'drop')!;
    expect(drop.hook).toBe('PREROUTING');
    expect(t.dropped?.words).toBe('drop packets from outside ' + t.dropped!.words.split(' ')[4] + ' addressed to containers of dual (fd00:98::/64): only published ports reach them');
    expect(t.verdict).toMatch(/^dropped in (raw MINIDOCK-RAW|ip6 minidock rd_mdbr-\S+): drop packets from outside mdbr-/);
    expect(t.answer.kind).toBe('none');
  });

  it('--explain shows the v6 trace rules (ip6tables, or the ip6 table), added and removed', () => {
    const r = md.run(['network', 'trace', '--explain', '-6', '--from', 'c1', '--to', 'web:80']);
    expect(r.code, r.stderr).toBe(0);
    if (backend === 'iptables') {
      expect(r.stderr).toMatch(/^ip6tables -t raw -I PREROUTING 1 -p tcp -m multiport --ports \d+ -m comment --comment 'minidock trace \d+ \(root [0-9a-f]{12}\)' -j TRACE$/m);
      expect(r.stderr).toMatch(/^ip6tables -t raw -D OUTPUT -p tcp -m multiport --ports \d+ .* -j TRACE$/m);
      expect(r.stderr).not.toMatch(/^iptables /m);
    } else {
      expect(r.stderr).toMatch(/^add rule ip6 minidock trace_pre_\d+ meta l4proto tcp th sport \d+ meta nftrace set 1 comment "minidock trace \d+ \(root [0-9a-f]{12}\)"$/m);
      expect(r.stderr).toMatch(/^delete chain ip6 minidock trace_out_\d+$/m);
      expect(r.stderr).not.toMatch(/ ip minidock /);
    }
    expect(r.stdout).toMatch(/^TCP SYN from c1 to \[fd00:98::[0-9a-f:]+\]:80 \(web\)/);
    expect(r.stdout).toMatch(/^verdict: delivered: web answered$/m);
    expect(left()).toEqual([]);
  });

  it('a v6 trace killed with SIGKILL mid-trace leaves no rule behind', async () => {
    const c = spawn(md.prefix[0], [...md.prefix.slice(1), process.execPath, '--', BIN, 'network', 'trace', '-6', '--from', 'c1', '--to', 'web:80'], { env: { ...md.env, MINIDOCK_TRACE_PAUSE: '10000' }, stdio: 'ignore' });
    for (let i = 0; i < 100 && !left().length; i++) await sleep(50);
    expect(left().join('\n')).toMatch(backend === 'iptables' ? /minidock trace/ : /chain trace_pre_\d+/);
    process.kill(c.pid!, 'SIGKILL');
    for (let i = 0; i < 60 && left().length; i++) await sleep(50);
    expect(left()).toEqual([]);
  });

  it('system prune removes the v6 trace rules of a trace whose CLI is gone, and not another root\'s', () => {
    checkPruneOfDeadTraces(md, backend, 6, 4000011, 4000012);
  });

  it('bad v6 input: one line, exit 125, nothing added', () => {
    expectRefusedTraces(md, [
      [['--from', 'host', '--to', '[fe80::1%lan6]:80'], /^minidock: invalid --to "\[fe80::1%lan6\]:80": zone ids are not allowed/],
      [['--from', 'host', '--to', '[fd00::zz]:80'], /^minidock: invalid --to "\[fd00::zz\]:80": HOST_IP:PORT, \[IPV6\]:PORT/],
      [['--from', 'host', '--to', '[::ffff:10.0.0.1]:80'], /v4-mapped address/],
      [['-6', '--from', 'host', '--to', '10.98.0.2:80'], /^minidock: --to 10\.98\.0\.2:80 is an IPv4 address: -6 /],
      [['-6', '--from', 'c1', '--to', 'v4only:80'], /^minidock: container v4only has no IPv6 address \(its networks: bridge; /],
      [['--from', 'host', '--to', `[${HOST6}]`, '--proto', 'tcp'], /needs a port/],
    ]);
  });
});
