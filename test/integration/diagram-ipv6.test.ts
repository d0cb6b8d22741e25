// network diagram with IPv6 (#14), through the real CLI on both firewall backends: both
// addresses on every box (bridge gateway and subnet, each container), IPv6-only networks drawn
// with their IPv6 MASQUERADE and DNATs, the state and the kernel agreeing; a v6 masquerade
// removed by hand is drift, named by its subnet; ascii, dot and svg all show it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock } from '../helpers/cli.js';

describe.each(['iptables', 'nftables'] as const)('network diagram with IPv6 (%s)', (backend) => {
  let md: Minidock;
  const diagram = (...a: string[]) => md.ok(['network', 'diagram', ...a]);

  beforeAll(() => {
    md = new Minidock({ MINIDOCK_FIREWALL: backend });
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.96.0.0/24', '--subnet', 'fd00:96::/64', 'dual']);
    md.ok(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:97::/64', 'only6']);
    md.ok(['run', '-d', '--name', 'dweb', '--network', 'dual', '-p', '8096:80', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'oweb', '--network', 'only6', '-p', '8097:80', 'busybox', 'sleep', '600']);
  });
  afterAll(() => md?.cleanup());

  it('ascii: both families on every box, the IPv6-only network drawn, state and kernel agree', () => {
    // (the default bridge is left out: no container has used it, so its bridge is not made yet)
    const d = diagram('dual', 'only6');
    expect(d).toMatch(/┌ network "dual" +bridge \d+: \S+ +gateway 10\.96\.0\.1 fd00:96::1 +subnet 10\.96\.0\.0\/24 fd00:96::\/64/);
    expect(d).toMatch(/┌ network "only6" +bridge \d+: \S+ +gateway fd00:97::1 +subnet fd00:97::\/64/);
    expect(d).toMatch(/eth0@if\d+ +dweb +10\.96\.0\.2\/24 fd00:96::2\/64 +netns minidock-/);
    expect(d).toMatch(/eth0@if\d+ +oweb +fd00:97::2\/64 +netns minidock-/);
    expect(d).toContain('MASQUERADE (SNAT): traffic from 10.96.0.0/24 and fd00:96::/64 leaving by any interface but');
    expect(d).toContain('MASQUERADE (SNAT): traffic from fd00:97::/64 leaving by any interface but');
    expect(d).toContain('⇨ [::]:8097/tcp ──DNAT──▶ [fd00:97::2]:80');
    // a port on every address of a dual-stack container: one arrow per family
    expect(d).toContain('⇨ 0.0.0.0:8096/tcp ──DNAT──▶ 10.96.0.2:80');
    expect(d).toContain('⇨ [::]:8096/tcp ──DNAT──▶ [fd00:96::2]:80');
    expect(d).not.toContain('✗');
    expect(d).toContain("the kernel and minidock's state agree");
  });

  it('one network: the IPv6-only one alone', () => {
    const d = diagram('only6');
    expect(d).toContain('network "only6"');
    expect(d).not.toContain('network "dual"');
  });

  it('dot and svg: both subnets and the IPv6 masquerade', () => {
    const dot = diagram('--format', 'dot', 'dual', 'only6');
    expect(dot).toContain('subnet fd00:97::/64');
    expect(dot).toContain('MASQUERADE fd00:97::/64');
    expect(dot).toContain('MASQUERADE 10.96.0.0/24 and fd00:96::/64');
    const svg = diagram('--format', 'svg', 'dual', 'only6');
    expect(svg).toContain('fd00:97::/64');
    expect(svg).toContain('fd00:97::2/64');
    expect(svg).not.toContain('✗ no MASQUERADE');
  });

  it('an IPv6 masquerade removed by hand is drift, named by its subnet', () => {
    if (backend === 'iptables') {
      const rule = md.inHost('ip6tables', ['-t', 'nat', '-S', 'MINIDOCK-POSTROUTING']).stdout.split('\n').find((l) => l.includes('-s fd00:97::/64') && l.includes('MASQUERADE'));
      expect(rule).toBeDefined();
      const args = rule!.replace(/^-A /, '').match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ''));
      expect(md.inHost('ip6tables', ['-t', 'nat', '-D', ...args]).code).toBe(0);
    } else {
      const chains = md.inHost('nft', ['-a', 'list', 'table', 'ip6', 'minidock']).stdout;
      const h = /saddr fd00:97::\/64 oifname != "?\S+?"? counter packets \d+ bytes \d+ masquerade .*# handle (\d+)/.exec(chains);
      const chain = /chain (ps_\S+) \{[^}]*saddr fd00:97::\/64 oifname/.exec(chains);
      expect(h && chain).toBeTruthy();
      expect(md.inHost('nft', ['delete', 'rule', 'ip6', 'minidock', chain![1], 'handle', h![1]]).code).toBe(0);
    }
    const r = md.run(['network', 'diagram', 'dual', 'only6']);
    expect(r.stdout).toContain('│ ✗ no MASQUERADE rule for fd00:97::/64 (containers cannot reach the outside over IPv6)');
    expect(r.stdout).toContain('✗ no MASQUERADE for fd00:97::/64: containers of only6 cannot reach the outside');
    // the dual-stack network's is still there
    expect(r.stdout).toContain('traffic from 10.96.0.0/24 and fd00:96::/64');
  });
});
