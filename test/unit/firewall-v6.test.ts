// IPv6 (#14): the intent of a dual-stack / v6-only network and of v6 published ports, and how
// each backend renders it (iptables → ip6tables ops; nftables → the `ip6 minidock` twin table).
import { describe, expect, it } from 'vitest';
import { type IptOp, type NftOp, type Op, commandOf, explainOps, toBatches, undoPlanOf } from '../../src/host/plan.js';
import { networkIntent, portIntent } from '../../src/engine/network/firewall/backend.js';
import { hookOps, iptablesBackend, networkRuleOps, parseSave, missingOps } from '../../src/engine/network/firewall/iptables.js';
import { buildOps, listingComplete, netObjects, nftablesBackend, parseListing } from '../../src/engine/network/firewall/nftables.js';
import { ownedRules, ruleCommand, renderRules } from '../../src/engine/network/rules.js';

const ROOT = 'abcdef012345';
const DUAL = { name: 'web6', bridge: 'mdbr-0123456789', subnet: '172.20.0.0/16', gateway: '172.20.0.1', subnet6: 'fd00:db8:1::/64', gateway6: 'fd00:db8:1::1', root: ROOT };
const V6ONLY = { ...DUAL, name: 'only6', subnet: '', gateway: '' };
const ID = '0123456789ab'.repeat(5) + '0123';
const port = (hostIp: string, hostPort: number, containerPort: number, proto: 'tcp' | 'udp' = 'tcp') => ({ hostIp, hostPort, containerPort, proto });
const PORTS = { containerId: ID, name: 'web', ip: '172.20.0.2', ip6: 'fd00:db8:1::2', root: ROOT, ports: [port('', 8080, 80), port('2001:db8::1', 8081, 80), port('127.0.0.1', 8082, 80), port('', 5353, 53, 'udp')] };
const cmds = (ops: Op[]) => ops.map(commandOf);
const lines = (ops: Op[]) => ops.map((o) => (o as NftOp).line);

describe('intent', () => {
  it('a dual-stack network has each family\'s rules, v6 ones marked; a v6-only one none of v4', () => {
    const kinds = (rs: ReturnType<typeof networkIntent>) => rs.map((r) => `${r.kind}${r.family === 6 ? '/6' : ''}`);
    expect(kinds(networkIntent(DUAL))).toEqual(['no-direct-access', 'masquerade', 'forward', 'isolate', 'no-direct-access/6', 'masquerade/6', 'forward/6', 'isolate/6']);
    expect(networkIntent(DUAL).filter((r) => r.family === 6 && 'subnet' in r).map((r) => (r as { subnet: string }).subnet)).toEqual(['fd00:db8:1::/64', 'fd00:db8:1::/64']);
    expect(kinds(networkIntent(V6ONLY))).toEqual(['no-direct-access/6', 'masquerade/6', 'forward/6', 'isolate/6']);
    expect(kinds(networkIntent({ ...DUAL, subnet6: undefined }))).toEqual(['no-direct-access', 'masquerade', 'forward', 'isolate']);
  });

  it('gateway modes per family: v4 nat with v6 routed, v6 nat-unprotected, internal for both', () => {
    const kinds = (rs: ReturnType<typeof networkIntent>) => rs.map((r) => `${r.kind}${r.family === 6 ? '/6' : ''}`);
    expect(kinds(networkIntent({ ...DUAL, gatewayMode6: 'routed' }))).toEqual(['no-direct-access', 'masquerade', 'forward', 'isolate', 'forward/6', 'isolate/6', 'routed-only/6']);
    expect(kinds(networkIntent({ ...V6ONLY, gatewayMode6: 'nat-unprotected' }))).toEqual(['masquerade/6', 'forward/6', 'isolate/6', 'unprotected/6']);
    expect(kinds(networkIntent({ ...DUAL, internal: true, gatewayMode6: 'isolated' }))).toEqual(['no-direct-access', 'internal', 'no-direct-access/6', 'internal/6']);
  });

  it('ports: every address → both families; one address → its family; 0.0.0.0 and :: → their family only', () => {
    expect(portIntent(PORTS)).toEqual([
      { kind: 'dnat', hostIp: '', hostPort: 8080, proto: 'tcp', toIp: '172.20.0.2', toPort: 80 },
      { kind: 'dnat', hostIp: '127.0.0.1', hostPort: 8082, proto: 'tcp', toIp: '172.20.0.2', toPort: 80 },
      { kind: 'loopback-only', hostIp: '127.0.0.1', hostPort: 8082, proto: 'tcp' },
      { kind: 'dnat', hostIp: '', hostPort: 5353, proto: 'udp', toIp: '172.20.0.2', toPort: 53 },
      { kind: 'dnat', hostIp: '', hostPort: 8080, proto: 'tcp', toIp: 'fd00:db8:1::2', toPort: 80 },
      { kind: 'dnat', hostIp: '2001:db8::1', hostPort: 8081, proto: 'tcp', toIp: 'fd00:db8:1::2', toPort: 80 },
      { kind: 'dnat', hostIp: '', hostPort: 5353, proto: 'udp', toIp: 'fd00:db8:1::2', toPort: 53 },
    ]);
    const anyOf = portIntent({ ...PORTS, ports: [port('0.0.0.0', 1, 1), port('::', 2, 2)] });
    expect(anyOf).toEqual([
      { kind: 'dnat', hostIp: '', hostPort: 1, proto: 'tcp', toIp: '172.20.0.2', toPort: 1 },
      { kind: 'dnat', hostIp: '', hostPort: 2, proto: 'tcp', toIp: 'fd00:db8:1::2', toPort: 2 },
    ]);
    // a container without v6 (a v4-only network) gets no v6 rule, a v6-only one no v4 rule
    expect(portIntent({ ...PORTS, ip6: undefined }).every((r) => !('toIp' in r) || !r.toIp.includes(':'))).toBe(true);
    expect(portIntent({ ...PORTS, ip: '' }).map((r) => r.kind === 'dnat' && r.toIp)).toEqual(['fd00:db8:1::2', 'fd00:db8:1::2', 'fd00:db8:1::2']);
    // routed per family
    expect(portIntent({ ...PORTS, routed6: 'mdbr-0123456789', ports: [port('', 8080, 80), port('', 8081, 80)] }).map((r) => r.kind)).toEqual(['dnat', 'dnat', 'routed-port']);
  });
});

describe('iptables backend, IPv6', () => {
  it('v6 rules are ip6tables ops: same chains, comments and order as v4, /128 and [addr]:port', () => {
    const ops = networkRuleOps(DUAL);
    const v4 = ops.filter((o) => !o.family);
    const v6 = ops.filter((o) => o.family === 6);
    expect(v4).toHaveLength(9);
    expect(v6).toHaveLength(9);
    // the same rules, with the v6 subnet for the v4 one
    expect(v6.map((o) => o.args.join(' '))).toEqual(v4.map((o) => o.args.join(' ').replaceAll('172.20.0.0/16', 'fd00:db8:1::/64')));
    expect(cmds(v6).slice(0, 2)).toEqual([
      "ip6tables -t raw -A MINIDOCK-RAW -d fd00:db8:1::/64 ! -i mdbr-0123456789 -m addrtype ! --dst-type LOCAL -m comment --comment 'minidock net web6: no direct access from outside (root abcdef012345)' -j DROP",
      "ip6tables -t nat -A MINIDOCK-POSTROUTING -s fd00:db8:1::/64 ! -o mdbr-0123456789 -m comment --comment 'minidock net web6: outbound (root abcdef012345)' -j MASQUERADE",
    ]);
    // undo stays ip6tables
    expect(cmds(undoPlanOf(v6)).every((l) => l.startsWith('ip6tables '))).toBe(true);
    // a v6-only network: nothing for iptables
    expect(networkRuleOps(V6ONLY).every((o) => o.family === 6)).toBe(true);
  });

  it('v6 hooks: the same jumps, the OUTPUT one without ::1', () => {
    const { chain, hook } = hookOps(6);
    expect(chain.every((o) => o.family === 6)).toBe(true);
    expect(cmds(hook).find((l) => l.includes(' OUTPUT '))).toBe("ip6tables -t nat -A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment 'minidock: published ports from the host' -j MINIDOCK-DNAT");
    expect(cmds(hookOps(4).hook).find((l) => l.includes(' OUTPUT '))).toBe("iptables -t nat -A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment 'minidock: published ports from the host' -j MINIDOCK-DNAT");
  });

  it('v6 ports: DNAT to [ip6]:port; one batch per tool; explain prints ip6tables', () => {
    const ops = iptablesBackend.portOps(PORTS) as IptOp[];
    const v6 = cmds(ops.filter((o) => o.family === 6));
    expect(v6).toEqual([
      "ip6tables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment 'minidock 0123456789ab web (root abcdef012345)' -j DNAT --to-destination '[fd00:db8:1::2]:80'",
      "ip6tables -t nat -A MINIDOCK-DNAT -d 2001:db8::1/128 -p tcp -m tcp --dport 8081 -m comment --comment 'minidock 0123456789ab web (root abcdef012345)' -j DNAT --to-destination '[fd00:db8:1::2]:80'",
      "ip6tables -t nat -A MINIDOCK-DNAT -p udp -m udp --dport 5353 -m comment --comment 'minidock 0123456789ab web (root abcdef012345)' -j DNAT --to-destination '[fd00:db8:1::2]:53'",
    ]);
    expect(toBatches(ops).map((b) => b.key)).toEqual(['iptables', 'ip6tables']);
    expect(explainOps(iptablesBackend.portUndoOps(PORTS)).filter((l) => l.startsWith('ip6tables'))).toHaveLength(3);
  });

  it('what is there is read per family: a v4 rule does not stand for its v6 twin', () => {
    const ops = networkRuleOps(DUAL);
    const v4text = `*nat\n:MINIDOCK-POSTROUTING - [0:0]\n-A MINIDOCK-POSTROUTING -s 172.20.0.0/16 ! -o mdbr-0123456789 -m comment --comment "minidock net web6: outbound (root abcdef012345)" -j MASQUERADE\nCOMMIT\n`;
    const saved = parseSave(v4text);
    const outbound = ops.filter((o) => o.args.includes('MASQUERADE') && o.args.includes('!'));
    expect(missingOps(saved, outbound).map((o) => o.family)).toEqual([6]);
    parseSave(v4text.replace('172.20.0.0/16', 'fd00:db8:1::/64'), 6, saved);
    expect(missingOps(saved, outbound)).toEqual([]);
  });

  it('network rules: ip6tables rules listed apart, typed as ip6tables commands', () => {
    const text = `*nat\n:MINIDOCK-DNAT - [0:0]\n[3:180] -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "minidock 0123456789ab web (root abcdef012345)" -j DNAT --to-destination [fd00:db8:1::2]:80\nCOMMIT\n`;
    const ctx = { prefix: 'MINIDOCK', networks: [{ name: 'web6', id: '', bridge: DUAL.bridge, subnet: DUAL.subnet, gateway: '' }], containers: [{ id: ID, name: 'web', status: '', mode: '' }], owner: { root: ROOT, ids: [ID] } };
    const rules = ownedRules(text, ctx, 6);
    expect(rules).toHaveLength(1);
    expect(rules[0].words).toBe('DNAT host port 8080 → web:80 ([fd00:db8:1::2]:80)');
    expect(ruleCommand(rules[0])).toBe("ip6tables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -j DNAT --to-destination '[fd00:db8:1::2]:80'");
    expect(renderRules(rules)).toContain('table nat (ip6tables)');
  });
});

describe('nftables backend, IPv6', () => {
  it('the twin table ip6 minidock: same base, maps of ipv6_addr, no @lo_only, nat_out without ::1', () => {
    const ops = lines(buildOps(DUAL, undefined, undefined, 6));
    expect(ops[0]).toBe('add table ip6 minidock');
    expect(ops.every((l) => / ip6 minidock( |$)/.test(l))).toBe(true);
    expect(ops).toContain('add map ip6 minidock pub { type inet_proto . inet_service : ipv6_addr . inet_service; counter; }');
    expect(ops.some((l) => l.includes('lo_only'))).toBe(false);
    expect(ops.find((l) => l.startsWith('add rule ip6 minidock nat_out'))).toBe(`add rule ip6 minidock nat_out ip6 daddr != ::1 fib daddr type local counter jump published comment "minidock: published ports from the host"`);
    expect(ops).toContain(`add rule ip6 minidock published counter dnat ip6 to meta l4proto . th dport map @pub comment "minidock: ports on every address"`);
    expect(ops).toContain(`add rule ip6 minidock ps_mdbr-0123456789 ip6 saddr fd00:db8:1::/64 oifname != "mdbr-0123456789" counter masquerade comment "minidock net web6: outbound (root abcdef012345)"`);
    expect(ops).toContain('add element ip6 minidock raw_dst { fd00:db8:1::/64 : jump rd_mdbr-0123456789 }');
    // the v4 table of the same network is today's, untouched by v6
    const v4 = lines(buildOps(DUAL, undefined));
    expect(v4.every((l) => / ip minidock( |$)/.test(l))).toBe(true);
    expect(v4.join('\n')).not.toContain('fd00');
  });

  it('a v6-only network has objects only in ip6; its routed mode has a set of ipv6_addr', () => {
    expect([...netObjects(V6ONLY, 4).chains.values()].flat()).toEqual([]);
    const o = netObjects({ ...V6ONLY, gatewayMode6: 'routed' }, 6);
    expect(o.sets).toEqual([['rt_mdbr-0123456789', 'type ipv6_addr . inet_proto . inet_service; counter;', expect.any(String)]]);
  });

  it('v6 ports: elements of the ip6 table\'s maps, undone by deleting them', () => {
    const ops = nftablesBackend.portOps(PORTS);
    expect(lines(ops).filter((l) => l.includes('ip6 minidock'))).toEqual([
      'add element ip6 minidock pub { tcp . 8080 comment "minidock 0123456789ab web (root abcdef012345)" : fd00:db8:1::2 . 80 }',
      'add element ip6 minidock pub_addr { 2001:db8::1 . tcp . 8081 comment "minidock 0123456789ab web (root abcdef012345)" : fd00:db8:1::2 . 80 }',
      'add element ip6 minidock pub { udp . 5353 comment "minidock 0123456789ab web (root abcdef012345)" : fd00:db8:1::2 . 53 }',
    ]);
    expect(lines(nftablesBackend.portUndoOps(PORTS)).filter((l) => l.includes('ip6 minidock'))).toEqual([
      'delete element ip6 minidock pub { udp . 5353 }',
      'delete element ip6 minidock pub_addr { 2001:db8::1 . tcp . 8081 }',
      'delete element ip6 minidock pub { tcp . 8080 }',
    ]);
  });

  it('a listing of the ip6 table is complete for the v6 part of a network', () => {
    // what `nft list table ip6 minidock` prints after buildOps, in short
    const script = lines(buildOps(DUAL, undefined, undefined, 6));
    const chains = new Map<string, string[]>();
    for (const l of script) {
      const m = /^add rule ip6 minidock (\S+) .*comment "([^"]*)"$/.exec(l);
      if (m) chains.set(m[1], [...(chains.get(m[1]) ?? []), m[2]]);
      const c = /^add chain ip6 minidock (\S+)/.exec(l);
      if (c && !chains.has(c[1])) chains.set(c[1], []);
    }
    const text = [...chains].map(([c, cms]) => `chain ${c} {\n${cms.map((x) => `  counter comment "${x}"`).join('\n')}\n}`).join('\n');
    const elements = ['table ip6 minidock {', '  set bridges {', '    elements = { "mdbr-0123456789" }', '  }',
      ...['fwd_in', 'fwd_out', 'post_out'].map((m) => `  map ${m} {\n    elements = { "mdbr-0123456789" : jump x }\n  }`),
      ...['post_src', 'raw_dst'].map((m) => `  map ${m} {\n    elements = { fd00:db8:1::/64 : jump x }\n  }`), '}'].join('\n');
    const have = parseListing(elements, parseListing(text));
    expect(listingComplete(have, DUAL, 6)).toBe(true);
    expect(listingComplete(have, { ...DUAL, subnet6: 'fd00:db8:2::/64' }, 6)).toBe(false);
  });
});
