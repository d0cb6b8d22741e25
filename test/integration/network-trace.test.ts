// `minidock network trace`, end to end on both firewall backends: real probes in a throwaway
// "host" netns with a "LAN" netns on a veth (198.18.7.0/24, also the parent of a macvlan
// network), traced by the kernel's own tracing. Each scenario asserts the hooks in order, the
// rule that decided and the verdict; every trace leaves no trace rule behind, also when the CLI
// is killed mid-trace (its guard removes them) and when the guard could not (prune does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Minidock, sh, sleep } from '../helpers/cli.js';
import { checkPruneOfDeadTraces, expectRefusedTraces, hooksOf as hooks, inOrder, tracer } from '../helpers/trace.js';
import { parseLastTrace } from '../../src/engine/network/last-trace.js';
import { lanRoutesLoopbackCmds } from '../helpers/lan-loopback.js';

const isRoot = process.getuid?.() === 0;
const HOST_IP = '198.18.7.1';
const LAN_IP = '198.18.7.2';

/** Processes of the trace (monitors, the guard) still running in this netns. */
function traceProcesses(netnsPath: string): string[] {
  const ino = statSync(netnsPath).ino;
  const out: string[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (!readlinkSync(`/proc/${p}/ns/net`).includes(`[${ino}]`)) continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (/xtables-monitor|nft monitor|conntrack -E|trace-helper/.test(cmd)) out.push(`${p} ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

describe.runIf(isRoot).each(['iptables', 'nftables'] as const)('network trace (%s backend)', (backend) => {
  const md = new Minidock({ MINIDOCK_FIREWALL: backend });
  const LAN = `mdtl-${Math.random().toString(16).slice(2, 8)}`;
  const hostNs = `/run/netns/${md.hostNs}`;
  const must = (cmd: string, args: string[]) => {
    const r = md.inHost(cmd, args);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  const { left, trace } = tracer(md);

  beforeAll(() => {
    must('ip', ['netns', 'add', LAN]);
    must('ip', ['link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', LAN]);
    must('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', 'lan0']);
    must('ip', ['link', 'set', 'lan0', 'up']);
    for (const a of [['addr', 'add', `${LAN_IP}/24`, 'dev', 'eth0'], ['addr', 'add', '10.79.0.254/24', 'dev', 'eth0'], ['link', 'set', 'eth0', 'up'], ['link', 'set', 'lo', 'up']]) must('ip', ['-n', LAN, ...a]);
    md.ok(['run', '-d', '--name', 'web', '-p', '8080:80', '-p', '127.0.0.1:8081:80', 'busybox', 'httpd', '-f', '-p', '80']);
    md.ok(['run', '-d', '--name', 'c2', 'busybox', 'sleep', '3600']);
    md.ok(['network', 'create', 'other']);
    md.ok(['run', '-d', '--name', 'o1', '--network', 'other', 'busybox', 'sleep', '3600']);
    md.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.79.0.0/24', '--gateway', '10.79.0.1', '-o', 'parent=lan0', 'mv']);
    md.ok(['run', '-d', '--name', 'm1', '--network', 'mv', '--ip', '10.79.0.5', 'busybox', 'sleep', '3600']);
  }, 60_000);

  afterAll(() => {
    md.cleanup();
    sh('ip', ['netns', 'del', LAN]);
  });

  it('container → container on the same network: bridged through FORWARD, accepted, answered', () => {
    const t = trace('--from', 'c2', '--to', 'web:80');
    expect(inOrder(hooks(t), ['PREROUTING', 'FORWARD', 'POSTROUTING'])).toBe(true);
    expect(t.steps.find((s) => s.hook === 'FORWARD')?.verdict).toBe('accept');
    expect(t.steps.find((s) => s.kind === 'bridge')?.words).toMatch(/bridge minidock0 \(network bridge\): out of port md[0-9a-f]{12}, the veth of web/);
    expect(t.answer.kind).toBe('syn-ack');
    expect(t.verdict).toBe('delivered: web answered');
    // kept for the live diagram, in its shape (last-trace.ts): the path through c2's eth0, the
    // bridge, web's veth and eth0
    const last = parseLastTrace(readFileSync(join(md.root, 'networks', 'last-trace.json'), 'utf8'))!;
    expect(last).toMatchObject({ version: 1, from: 'c2', to: 'web:80', proto: 'tcp', outcome: 'delivered: web answered' });
    const c2ns = `minidock-${md.ok(['inspect', '-f', '{{.Id}}', 'c2']).slice(0, 12)}`;
    const webns = `minidock-${md.ok(['inspect', '-f', '{{.Id}}', 'web']).slice(0, 12)}`;
    expect(last.steps[0]).toMatchObject({ hook: 'routing', oif: 'eth0', netns: c2ns });
    expect(last.steps.find((s) => s.hook === 'bridge')).toMatchObject({ iif: 'minidock0', oif: `md${webns.slice(9)}` });
    expect(last.steps.find((s) => s.hook === 'delivered')).toMatchObject({ iif: 'eth0', netns: webns });
    expect(last.steps.find((s) => s.hook === 'FORWARD')).toMatchObject({ verdict: 'accept', iif: 'minidock0', oif: 'minidock0' });
  });

  it('UDP, container → container: one datagram, accepted in FORWARD, answered by ICMP port unreachable (nothing listens)', () => {
    const t = trace('--from', 'c2', '--to', 'web:53', '--proto', 'udp');
    expect(inOrder(hooks(t), ['PREROUTING', 'FORWARD'])).toBe(true);
    expect(t.steps.find((s) => s.hook === 'FORWARD')?.verdict).toBe('accept');
    expect(t.answer.kind).toBe('unreachable');
    expect(t.verdict).toBe('delivered, refused: ICMP unreachable');
  });

  it('container → a container of another network: dropped, and the rule that dropped it named', () => {
    // direct to the container's address: minidock's raw rule drops it before isolation in
    // FORWARD would (only published ports reach a network from outside its bridge)
    const t = trace('--from', 'o1', '--to', 'web:80');
    const drop = t.steps.find((s) => s.verdict === 'drop')!;
    expect(drop.hook).toBe('PREROUTING');
    expect(t.steps.some((s) => s.hook === 'FORWARD')).toBe(false);
    expect(t.dropped?.words).toBe('drop packets from outside minidock0 addressed to containers of bridge (172.17.0.0/16): only published ports reach them');
    expect(t.verdict).toMatch(/^dropped in (raw MINIDOCK-RAW|ip minidock rd_minidock0): drop packets from outside minidock0/);
    expect(t.answer.kind).toBe('none');
  });

  it('container → a published port of a container of another network: allowed through the host address (isolation excepts DNAT)', () => {
    const t = trace('--from', 'o1', '--to', `${HOST_IP}:8080`);
    expect(t.steps.find((s) => s.verdict === 'dnat')?.words).toMatch(/^DNAT host port 8080 → web:80 /);
    expect(t.steps.find((s) => s.hook === 'FORWARD')?.verdict).toBe('accept');
    expect(t.answer.kind).toBe('syn-ack');
  });

  for (const ip of ['127.0.0.1', HOST_IP]) {
    it(`host → published port on ${ip}: DNAT in nat OUTPUT, masquerade from the host, answered`, () => {
      const t = trace('--from', 'host', '--to', `${ip}:8080`);
      expect(inOrder(hooks(t), ['OUTPUT', 'POSTROUTING'])).toBe(true);
      const dnat = t.steps.find((s) => s.verdict === 'dnat')!;
      expect(dnat.hook).toBe('OUTPUT');
      expect(dnat.words).toMatch(/^DNAT host port 8080 → web:80 \(172\.17\.\d+\.\d+:80\)$/);
      expect(t.steps.find((s) => s.verdict === 'masquerade')?.words).toMatch(/^masquerade to 172\.17\.0\.1: .*from the host/);
      expect(t.answer.kind).toBe('syn-ack');
      expect(t.reverseNat).toMatch(/the DNAT undone/);
    });
  }

  it('LAN netns → published port: DNAT in nat PREROUTING, routed out minidock0, FORWARD accepts it', () => {
    const t = trace('--from', `remote:${LAN}`, '--to', `${HOST_IP}:8080`);
    expect(inOrder(hooks(t), ['PREROUTING', 'PREROUTING', 'FORWARD', 'POSTROUTING'])).toBe(true);
    const dnat = t.steps.find((s) => s.verdict === 'dnat')!;
    expect(dnat.hook).toBe('PREROUTING');
    expect(dnat.words).toMatch(/^DNAT host port 8080 → web:80 /);
    expect(t.steps.find((s) => s.kind === 'routing' && /on this host/.test(s.words))?.words).toMatch(/out minidock0/);
    expect(t.steps.find((s) => s.hook === 'FORWARD')?.words).toMatch(/^accepted by \S+: let connections to published ports of bridge through/);
    expect(t.answer.kind).toBe('syn-ack');
    expect(t.reverseNat).toMatch(/source 172\.17\.\d+\.\d+:80 back to 198\.18\.7\.1:8080/);
  });

  it('container → outside (a ping to the "remote" LAN host): masqueraded to the host address, the reply de-masqueraded', () => {
    const t = trace('--from', 'c2', '--to', LAN_IP);
    expect(t.steps[0].words).toMatch(/^routing in c2's namespace: out eth0 via 172\.17\.0\.1/);
    expect(inOrder(hooks(t), ['PREROUTING', 'FORWARD', 'POSTROUTING'])).toBe(true);
    expect(t.steps.find((s) => s.verdict === 'masquerade')?.words).toMatch(/^masquerade to 198\.18\.7\.1: /);
    expect(t.answer.kind).toBe('reply');
    expect(t.reverseNat).toMatch(/destination 198\.18\.7\.1 back to 172\.17\.\d+\.\d+ \(the masquerade undone\)/);
  });

  it('hairpin: a container reaching its own published port through the host address', () => {
    const t = trace('--from', 'web', '--to', `${HOST_IP}:8080`);
    expect(t.steps.find((s) => s.verdict === 'dnat')?.hook).toBe('PREROUTING');
    expect(t.steps.find((s) => s.verdict === 'masquerade')?.words).toMatch(/hairpin/);
    expect(t.steps.find((s) => s.kind === 'bridge')?.words).toMatch(/the veth of web/);
    expect(t.answer.kind).toBe('syn-ack');
  });

  it('a loopback-only published port reached from the LAN (sent to 127.0.0.1): dropped in raw, the rule named', () => {
    // the LAN host routes 127.0.0.1:8081 to us, as an attacker on the link would (net-bridge.test.ts)
    for (const [cmd, args] of lanRoutesLoopbackCmds(LAN, HOST_IP, LAN_IP, 8081)) sh(cmd, args);
    const t = trace('--from', `remote:${LAN}`, '--to', '127.0.0.1:8081');
    const drop = t.steps.find((s) => s.verdict === 'drop')!;
    expect(drop.hook).toBe('PREROUTING');
    expect(t.dropped?.words).toMatch(/127\.0\.0\.1:8081.*(lo|loopback)|loopback-only/);
    expect(t.verdict).toMatch(/^dropped in (raw MINIDOCK-RAW|ip minidock raw_pre): /);
    expect(t.answer.kind).toBe('none');
  });

  it('macvlan: the LAN reaches the container directly, past the host firewall', () => {
    const t = trace('--from', `remote:${LAN}`, '--to', 'm1');
    expect(hooks(t)).toEqual([]);
    expect(t.steps.find((s) => s.kind === 'unseen')?.words).toMatch(/^m1 is on the macvlan network mv: its interface is a link of lan0/);
    expect(t.answer.kind).toBe('reply');
    expect(t.verdict).toBe('delivered: m1 answered');
  });

  it('--explain shows the trace rules added in one transaction and removed in another', () => {
    const r = md.run(['network', 'trace', '--explain', '--from', 'host', '--to', '127.0.0.1:8080']);
    expect(r.code, r.stderr).toBe(0);
    if (backend === 'iptables') {
      expect(r.stderr).toMatch(/^iptables -t raw -I PREROUTING 1 -p tcp -m multiport --ports \d+ -m comment --comment 'minidock trace \d+ \(root [0-9a-f]{12}\)' -j TRACE$/m);
      expect(r.stderr).toMatch(/^iptables -t raw -D OUTPUT -p tcp -m multiport --ports \d+ .* -j TRACE$/m);
    } else {
      expect(r.stderr.match(/^nft -f - <<'EOF'$/gm)).toHaveLength(2);
      expect(r.stderr).toMatch(/^add rule ip minidock trace_pre_\d+ meta l4proto tcp th sport \d+ meta nftrace set 1 comment "minidock trace \d+ \(root [0-9a-f]{12}\)"$/m);
      expect(r.stderr).toMatch(/^delete chain ip minidock trace_out_\d+$/m);
    }
    expect(r.stdout, r.stdout).toMatch(/^verdict: delivered: web answered$/m);
    expect(left()).toEqual([]);
  });

  it('a trace killed with SIGKILL mid-trace leaves no rule and no process behind', async () => {
    const c = spawn(md.prefix[0], [...md.prefix.slice(1), process.execPath, '--', BIN, 'network', 'trace', '--from', 'c2', '--to', 'web:80'], { env: { ...md.env, MINIDOCK_TRACE_PAUSE: '10000' }, stdio: 'ignore' });
    for (let i = 0; i < 100 && !left().length; i++) await sleep(50);
    expect(left().length).toBeGreaterThan(0);
    process.kill(c.pid!, 'SIGKILL');
    for (let i = 0; i < 60 && (left().length || traceProcesses(hostNs).length); i++) await sleep(50);
    expect(left()).toEqual([]);
    expect(traceProcesses(hostNs)).toEqual([]);
  });

  it('system prune removes the trace rules of a trace whose CLI is gone, and not another root\'s', () => {
    checkPruneOfDeadTraces(md, backend, 4, 4000001, 4000002);
  });

  it('bad input: one line, exit 125, nothing added', () => {
    expectRefusedTraces(md, [
      [['--from', 'host', '--to', '127.0.0.1:8080', '--proto', 'sctp'], /^minidock: invalid --proto "sctp": tcp, udp or icmp\n$/],
      [['--from', 'nosuch', '--to', '127.0.0.1:8080'], /^minidock: No such container: nosuch /],
      [['--from', 'host', '--to', '127.0.0.1:99999'], /^minidock: invalid port "99999"/],
      [['--from', 'host', '--to', 'web', '--proto', 'tcp'], /needs a port/],
      [['--from', 'remote:nosuch-ns', '--to', '127.0.0.1:80'], /^minidock: no network namespace nosuch-ns/],
    ]);
  });
});
