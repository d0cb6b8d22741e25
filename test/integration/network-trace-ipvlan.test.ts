// `network trace` to a container of an ipvlan network, from its parent's LAN: like macvlan, the
// LAN reaches the container directly, past the host's IP stack, and the trace says so. Only
// where the kernel has ipvlan links; on a kernel without them (CONFIG_IPVLAN unset, like the one
// this project is developed on) it is NOT RUN — said so in the test name and the output — as in
// net-ipvlan.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Minidock, sh } from '../helpers/cli.js';
import { traceRulesLeft } from '../helpers/firewall.js';
import { kernelHasLink } from '../../src/engine/network/drivers/lowerlink.js';

const isRoot = process.getuid?.() === 0;
const HAS_IPVLAN = isRoot && (await kernelHasLink('ipvlan'));
const live = (name: string) => (HAS_IPVLAN ? name : `${name}: NOT RUN (this kernel has no ipvlan links)`);

describe.runIf(isRoot).each(['iptables', 'nftables'] as const)('network trace to an ipvlan container (%s backend)', (backend) => {
  const md = new Minidock({ MINIDOCK_FIREWALL: backend });
  const LAN = `mdt-itl-${randomBytes(3).toString('hex')}`;

  beforeAll(() => {
    if (!HAS_IPVLAN) {
      console.log('NOT RUN: network trace to an ipvlan container (this kernel has no ipvlan links)');
      return;
    }
    sh('ip', ['netns', 'add', LAN]);
    md.inHost('ip', ['link', 'add', 'itl0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', LAN]);
    md.inHost('ip', ['link', 'set', 'itl0', 'up']);
    for (const a of [['addr', 'add', '10.67.0.254/24', 'dev', 'eth0'], ['link', 'set', 'eth0', 'up'], ['link', 'set', 'lo', 'up']]) sh('ip', ['-n', LAN, ...a]);
    md.ok(['network', 'create', '-d', 'ipvlan', '--subnet', '10.67.0.0/24', '--gateway', '10.67.0.1', '-o', 'parent=itl0', 'iv']);
    md.ok(['run', '-d', '--name', 'i1', '--network', 'iv', '--ip', '10.67.0.5', 'busybox', 'sleep', '3600']);
  }, 60_000);

  afterAll(() => {
    md.cleanup();
    if (HAS_IPVLAN) sh('ip', ['netns', 'del', LAN]);
  });

  it(live('ipvlan (l2): the LAN reaches the container directly, past the host firewall; the trace says so and leaves nothing'), () => {
    if (!HAS_IPVLAN) return;
    const r = md.run(['network', 'trace', '--from', `remote:${LAN}`, '--to', 'i1', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as { steps: { kind: string; words: string }[]; answer: { kind: string }; verdict: string };
    expect(t.steps.filter((s) => s.kind === 'hook')).toEqual([]);
    expect(t.steps.find((s) => s.kind === 'unseen')?.words).toMatch(/^i1 is on the ipvlan network iv: its interface is a link of itl0 with an address of its own \(and itl0's MAC\)/);
    expect(t.answer.kind).toBe('reply');
    expect(t.verdict).toBe('delivered: i1 answered');
    expect(traceRulesLeft((c, a) => md.inHost(c, a))).toEqual([]);
  });
});
