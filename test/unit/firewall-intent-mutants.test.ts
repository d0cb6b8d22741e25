// The survivors of the first mutation runs of the firewall intent (backend.ts) and of the
// backends' intent → ops (iptables.ts, nftables.ts): issue 18, docs/mutation.md. Expectations
// are Docker's (its option names; the rules docs/bridge-mode.md and docs/nftables.md show),
// never a copy of the code under test.
import { describe, expect, it } from 'vitest';
import type { IptOp, NftOp, Op } from '../../src/host/plan.js';
import { GATEWAY_MODE6_OPT, GATEWAY_MODE_OPT, familiesOf, netOfFamily } from '../../src/engine/network/firewall/backend.js';

const DUAL = { name: 'web6', bridge: 'mdbr-0123456789', subnet: '172.20.0.0/16', gateway: '172.20.0.1', subnet6: 'fd00:db8:1::/64', gateway6: 'fd00:db8:1::1', root: 'abcdef012345' };

describe('firewall intent (backend.ts)', () => {
  it("the gateway-mode options are Docker 28's names", () => {
    expect(GATEWAY_MODE_OPT).toBe('com.docker.network.bridge.gateway_mode_ipv4');
    expect(GATEWAY_MODE6_OPT).toBe('com.docker.network.bridge.gateway_mode_ipv6');
  });

  it('familiesOf: 4 unless IPv6-only, 6 with --ipv6', () => {
    expect(familiesOf(DUAL)).toEqual([4, 6]);
    expect(familiesOf({ ...DUAL, subnet6: undefined, gateway6: undefined })).toEqual([4]);
    expect(familiesOf({ ...DUAL, subnet: '', gateway: '' })).toEqual([6]);
  });

  it("netOfFamily(6): the v6 subnet, gateway and mode in the v4 ones' places; '' when the network has none", () => {
    expect(netOfFamily({ ...DUAL, gatewayMode: 'routed', gatewayMode6: 'nat-unprotected' }, 6)).toEqual({
      name: 'web6', bridge: DUAL.bridge, subnet: 'fd00:db8:1::/64', gateway: 'fd00:db8:1::1', subnet6: 'fd00:db8:1::/64', gateway6: 'fd00:db8:1::1', gatewayMode: 'nat-unprotected', root: DUAL.root,
    });
    const v4only = netOfFamily({ ...DUAL, subnet6: undefined, gateway6: undefined }, 6);
    expect([v4only.subnet, v4only.gateway, v4only.gatewayMode]).toEqual(['', '', undefined]);
    const n4 = { ...DUAL, gatewayMode6: 'routed' as const };
    expect(netOfFamily(n4, 4)).toBe(n4);
  });
});

export const whys = (ops: Op[]): string[] => ops.flatMap((o) => [o.why, ...((o as IptOp | NftOp).undo ?? []).map((u) => u.why)]);

// ---------------------------------------------------------------- iptables: intent → ops

import { commandOf } from '../../src/host/plan.js';
import { containerTag, hookOps, hooksOf, iptablesBackend, networkRuleOps } from '../../src/engine/network/firewall/iptables.js';

/** The default network, as docs/networking.md shows its rules (no state root: no root mark). */
const BRIDGE = { name: 'bridge', bridge: 'minidock0', subnet: '172.17.0.0/16', gateway: '172.17.0.1' };
const uncommented = (cmd: string) => cmd.replace(/ -m comment --comment ('[^']*'|\S+)/, '').replace(/\s+/g, ' ');
/** Rules by chain, in the order they are evaluated. */
const byChain = (cmds: string[]) => {
  const m = new Map<string, string[]>();
  for (const l of cmds) {
    const w = l.split(' ');
    const t = w[1] === '-t' ? w[2] : 'filter';
    const i = w.findIndex((x) => x === '-A' || x === '-I' || x === '-N');
    const key = `${t} ${w[i] === '-N' ? '-N' : w[i + 1]}`;
    // `-I CHAIN 1` goes ahead of what the chain has: the evaluation order, whenever it was written
    m.set(key, w[i] === '-I' && w[i + 2] === '1' ? [l, ...(m.get(key) ?? [])] : [...(m.get(key) ?? []), l]);
  }
  return m;
};

describe('iptables: the rules docs/networking.md shows (Docker-shaped)', () => {
  // docs/networking.md "then minidock's chains…", "Isolation" (mdbr-X is minidock0 here) and the ports block
  const DOC = [
    'iptables -t raw -N MINIDOCK-RAW',
    "iptables -t raw -I PREROUTING 1 -j MINIDOCK-RAW",
    'iptables -t raw -A MINIDOCK-RAW -d 172.17.0.0/16 ! -i minidock0 -m addrtype ! --dst-type LOCAL -j DROP',
    'iptables -t nat -N MINIDOCK-DNAT',
    'iptables -t nat -N MINIDOCK-POSTROUTING',
    'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j MINIDOCK-DNAT',
    'iptables -t nat -A OUTPUT -m addrtype --dst-type LOCAL -j MINIDOCK-DNAT',
    'iptables -t nat -A POSTROUTING -j MINIDOCK-POSTROUTING',
    'iptables -t nat -A MINIDOCK-POSTROUTING -s 172.17.0.0/16 ! -o minidock0 -j MASQUERADE',
    'iptables -t nat -A MINIDOCK-POSTROUTING -o minidock0 -m addrtype --src-type LOCAL -j MASQUERADE',
    'iptables -t nat -A MINIDOCK-POSTROUTING -s 172.17.0.0/16 -o minidock0 -m conntrack --ctstate DNAT -j MASQUERADE',
    'iptables -N MINIDOCK-FORWARD',
    'iptables -I FORWARD 1 -j MINIDOCK-FORWARD',
    'iptables -A MINIDOCK-FORWARD -o minidock0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    'iptables -A MINIDOCK-FORWARD -o minidock0 -m conntrack --ctstate DNAT -j ACCEPT',
    'iptables -A MINIDOCK-FORWARD -i minidock0 -j ACCEPT',
    'iptables -N MINIDOCK-ISOLATION-1',
    'iptables -N MINIDOCK-ISOLATION-2',
    'iptables -I MINIDOCK-FORWARD 1 -j MINIDOCK-ISOLATION-1',
    'iptables -A MINIDOCK-ISOLATION-1 -i minidock0 ! -o minidock0 -j MINIDOCK-ISOLATION-2',
    'iptables -A MINIDOCK-ISOLATION-2 -o minidock0 -m conntrack ! --ctstate DNAT -j DROP',
  ];

  it('hooks, chains and a network: the same rules, each chain in the same order', () => {
    const h = hookOps(4);
    const ours = [...h.chain, ...h.hook, ...networkRuleOps(BRIDGE)].map((o) => uncommented(commandOf(o)));
    expect([...ours].sort()).toEqual([...DOC].sort());
    const want = byChain(DOC);
    for (const [k, rs] of byChain(ours)) expect(rs, k).toEqual(want.get(k));
  });

  it('--internal: the raw drop, then between containers accepted, nothing out, nothing in (docs/networking.md)', () => {
    expect(networkRuleOps({ ...BRIDGE, internal: true }).map((o) => uncommented(commandOf(o)))).toEqual([
      'iptables -t raw -A MINIDOCK-RAW -d 172.17.0.0/16 ! -i minidock0 -m addrtype ! --dst-type LOCAL -j DROP',
      'iptables -A MINIDOCK-FORWARD -i minidock0 -o minidock0 -j ACCEPT',
      'iptables -A MINIDOCK-ISOLATION-1 -i minidock0 ! -o minidock0 -j DROP',
      'iptables -A MINIDOCK-ISOLATION-1 ! -i minidock0 -o minidock0 -j DROP',
    ]);
  });

  it('a port and a loopback-only port: the rules of docs/networking.md, each undone with -D', () => {
    const p = { containerId: '0123456789ab'.repeat(5) + '0123', name: 'web', ip: '172.17.0.2', ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }, { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }] };
    const ops = iptablesBackend.portOps(p) as IptOp[];
    expect(ops.map((o) => uncommented(commandOf(o)))).toEqual([
      'iptables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      'iptables -t nat -A MINIDOCK-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
      'iptables -t raw -A MINIDOCK-RAW -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8080 -j DROP',
    ]);
    expect(ops.map((o) => o.undo!.map((u) => uncommented(commandOf(u))))).toEqual(ops.map((o) => [uncommented(commandOf(o)).replace(' -A ', ' -D ')]));
    // the comment a person (and prune) finds them by
    expect(ops.every((o) => o.args.join(' ').includes('-m comment --comment minidock 0123456789ab web -j'))).toBe(true);
  });
});

const DUAL0 = { ...BRIDGE, subnet6: 'fd00:96::/64', gateway6: 'fd00:96::1' };
const MODES = [BRIDGE, { ...BRIDGE, internal: true }, { ...BRIDGE, gatewayMode: 'routed' as const }, { ...BRIDGE, gatewayMode: 'nat-unprotected' as const }, DUAL0, { ...DUAL0, subnet: '', gateway: '' }, { ...DUAL0, internal: true }];
const PORTS0 = { containerId: '0123456789ab'.repeat(5) + '0123', name: 'web', ip: '172.17.0.2', ip6: 'fd00:96::2', ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }, { hostIp: '127.0.0.1', hostPort: 8082, containerPort: 80, proto: 'udp' as const }, { hostIp: 'fd00:1::5', hostPort: 8083, containerPort: 81, proto: 'tcp' as const }] };

describe('iptables: hooks of IPv6, the tag, and every op explained', () => {
  it('v6 hooks: the v4 ones with ip6tables, the nat OUTPUT one alone leaving ::1 (docs/networking.md)', () => {
    const v4 = [...hookOps(4).chain, ...hookOps(4).hook].map((o) => uncommented(commandOf(o)));
    const v6 = [...hookOps(6).chain, ...hookOps(6).hook].map((o) => uncommented(commandOf(o)));
    expect(v6).toEqual(v4.map((l) => l.replace(/^iptables/, 'ip6tables').replace('-A OUTPUT -m addrtype', '-A OUTPUT ! -d ::1/128 -m addrtype')));
    const out6 = hookOps(6).hook.find((o) => o.args[1] === 'OUTPUT')!;
    expect(out6.why).toContain('(not ::1: Linux drops the replies)');
    expect(out6.why).not.toContain('127.0.0.1');
  });

  it('hooksOf: the hooks of each family the network has rules in', () => {
    const cmds = (h: ReturnType<typeof hookOps>) => [...h.chain, ...h.hook].map(commandOf);
    const cat = (...hs: ReturnType<typeof hookOps>[]) => hs.flatMap(cmds);
    expect(cmds(hooksOf(BRIDGE))).toEqual(cat(hookOps(4)));
    expect([...hooksOf(DUAL0).chain, ...hooksOf(DUAL0).hook].map(commandOf).sort()).toEqual(cat(hookOps(4), hookOps(6)).sort());
    expect(hooksOf(DUAL0).chain.map(commandOf)).toEqual([...hookOps(4).chain, ...hookOps(6).chain].map(commandOf));
    expect(cmds(hooksOf({ ...DUAL0, subnet: '', gateway: '' }))).toEqual(cat(hookOps(6)));
  });

  it("a container's tag: minidock <id12> <name>, the name's odd characters as _, at most 64 of them", () => {
    expect(containerTag(PORTS0.containerId, 'web')).toBe('minidock 0123456789ab web');
    expect(containerTag(PORTS0.containerId, 'a b"c')).toBe('minidock 0123456789ab a_b_c');
    expect(containerTag(PORTS0.containerId, 'x'.repeat(70))).toBe(`minidock 0123456789ab ${'x'.repeat(64)}`);
    expect(containerTag(PORTS0.containerId, '')).toBe('minidock 0123456789ab');
  });

  it('every op says why, undo included (--explain and --dry-run print it above the command)', () => {
    const ops: IptOp[] = [...hookOps(4).chain, ...hookOps(4).hook, ...hookOps(6).chain, ...hookOps(6).hook, ...MODES.flatMap((n) => networkRuleOps(n)),
      ...(iptablesBackend.portOps(PORTS0) as IptOp[]), ...(iptablesBackend.portOps({ ...PORTS0, routed: 'minidock0', routed6: 'minidock0' }) as IptOp[])];
    expect(ops.length).toBeGreaterThan(60);
    for (const w of whys(ops)) expect(w.length, w).toBeGreaterThan(10);
    // every rule (a chain, a hook) has one undo, in the same family: what a rollback types
    for (const o of ops) expect([o.undo?.length, ['-D', '-X'].includes((o.undo![0] as IptOp).args[0]), (o.undo![0] as IptOp).family], commandOf(o)).toEqual([1, true, o.family]);
  });

  it('the why of a port names the address as a person types it: 0.0.0.0 / [::] / [addr] (docs/networking.md)', () => {
    const w = (iptablesBackend.portOps(PORTS0) as IptOp[]).map((o) => o.why);
    expect(w).toContain('publish 0.0.0.0:8080/tcp → container 172.17.0.2:80');
    expect(w).toContain('publish [::]:8080/tcp → container [fd00:96::2]:80');
    expect(w).toContain('publish 127.0.0.1:8082/udp → container 172.17.0.2:80');
    expect(w).toContain('publish [fd00:1::5]:8083/tcp → container [fd00:96::2]:81');
    expect(w).toContain('127.0.0.1:8082 is for this host only: drop packets for it arriving from any other interface');
  });

  it('--internal rules carry the same words as in nftables (network rules and prune find them by it)', () => {
    const comments = networkRuleOps({ ...BRIDGE, internal: true }).map((o) => o.args[o.args.indexOf('--comment') + 1]);
    expect(comments).toEqual(['no direct access from outside', 'between containers', 'internal, nothing out', 'internal, nothing in'].map((w) => `minidock net bridge: ${w}`));
  });

  it('a routed port: one filter-table -I MINIDOCK-FORWARD 2 … -j ACCEPT (docs/networking.md, gateway modes)', () => {
    const ops = iptablesBackend.portOps({ ...PORTS0, ip6: undefined, routed: 'minidock0', ports: [PORTS0.ports[0]] }) as IptOp[];
    expect(ops.map((o) => uncommented(commandOf(o)))).toEqual(['iptables -I MINIDOCK-FORWARD 2 -o minidock0 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT']);
  });

  it('the raw drop of an internal network does not promise published ports (it has none)', () => {
    const raw = (n: typeof BRIDGE & { internal?: boolean }) => networkRuleOps(n).find((o) => o.table === 'raw')!.why;
    expect(raw(BRIDGE)).toBe('hosts on the LAN cannot reach container addresses in 172.17.0.0/16 directly, only published ports');
    expect(raw({ ...BRIDGE, internal: true })).toBe('hosts on the LAN cannot reach container addresses in 172.17.0.0/16 directly');
  });
});

// ---------------------------------------------------------------- nftables: intent → ops

import { readFileSync } from 'node:fs';
import { buildOps, forwardAcceptOps, netRemoveOps, nftablesBackend, parseListing } from '../../src/engine/network/firewall/nftables.js';

/** The ruleset docs/nftables.md shows (`nft list table ip minidock`), object by object. */
function docRuleset(): Map<string, string[]> {
  const md = readFileSync(new URL('../../docs/nftables.md', import.meta.url), 'utf8');
  const block = /```\n(table ip minidock \{[\s\S]*?\n\})\n```/.exec(md)![1];
  const out = new Map<string, string[]>();
  let cur: string | undefined;
  for (const raw of block.split('\n').slice(1, -1)) {
    const l = raw.trim();
    if (!l) continue;
    const head = /^(chain|set|map) (\S+) \{$/.exec(l);
    if (head) { cur = `${head[1]} ${head[2]}`; out.set(cur, []); continue; }
    if (l === '}') { cur = undefined; continue; }
    out.get(cur!)!.push(l);
  }
  return out;
}

describe('nftables: the ruleset docs/nftables.md shows', () => {
  const ID = '0123456789ab'.repeat(5) + '0123';
  const ops = [
    ...(buildOps(BRIDGE, undefined, undefined, 4) as NftOp[]),
    ...(nftablesBackend.portOps({ containerId: ID, name: 'web', ip: '172.17.0.2', ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' }, { hostIp: '127.0.0.1', hostPort: 8082, containerPort: 80, proto: 'tcp' }] }) as NftOp[]),
    ...(nftablesBackend.portOps({ containerId: ID.replace('0', 'f'), name: 'web2', ip: '172.17.0.3', ports: [{ hostIp: '', hostPort: 8090, containerPort: 80, proto: 'tcp' }] }) as NftOp[]),
  ];
  /** What the transaction leaves, in the shape `nft list` prints it. */
  function listed(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const els = new Map<string, string[]>();
    for (const { line } of ops) {
      let m = /^add (chain|set|map) ip minidock (\S+)(?: \{ (.*) \})?$/.exec(line);
      if (m) {
        // `type …; flags …; counter;` is listed one statement a line
        out.set(`${m[1]} ${m[2]}`, m[3] ? (m[1] === 'chain' ? [m[3]] : m[3].split(/; ?/).filter(Boolean)) : []);
        continue;
      }
      m = /^add rule ip minidock (\S+) (.*)$/.exec(line);
      if (m) { out.get(`chain ${m[1]}`)!.push(m[2]); continue; }
      m = /^add element ip minidock (\S+) \{ (.*) \}$/.exec(line);
      if (m) els.set(m[1], [...(els.get(m[1]) ?? []), m[2]]);
    }
    for (const [name, es] of els) {
      const k = out.has(`set ${name}`) ? `set ${name}` : `map ${name}`;
      out.get(k)!.push(`elements = { ${es.join(', ')} }`);
    }
    return out;
  }
  /** How nft lists what it was given: `& dnat == 0` as `! dnat`; elements' counters and ids as the doc cuts them. */
  const asListed = (l: string) => l.replace('ct status & dnat == 0', 'ct status ! dnat').replace(/(minidock )[0-9a-f]{12}( web2?)/g, '$1<id12>$2').replace(/(tcp \. \d+) comment/g, '$1 counter comment');

  it('every chain, set and map, with its rules, types and elements', () => {
    const want = docRuleset();
    const have = listed();
    expect(have.size).toBe(20); // 6 base chains, 5 of the network, 9 sets and maps
    expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, ls] of have) {
      const doc = want.get(k)!.join(' ').replace(/,\s+/g, ', ');
      expect(ls.map(asListed).join(' '), k).toBe(doc);
    }
  });
});

describe('nftables: every family and mode, every op explained', () => {
  it('every op says why, undo included (--explain prints it as the # line above)', () => {
    const ops: Op[] = [
      ...MODES.flatMap((n) => familiesOf(n).flatMap((f) => buildOps(n, undefined, [], f))),
      ...nftablesBackend.portOps(PORTS0), ...nftablesBackend.portUndoOps(PORTS0),
      ...nftablesBackend.portOps({ ...PORTS0, routed: 'minidock0', routed6: 'minidock0' }),
    ];
    expect(ops.length).toBeGreaterThan(200);
    for (const w of whys(ops)) expect(w.length, w).toBeGreaterThan(10);
  });

  it('the why of a port names the address as a person types it: 0.0.0.0 / [::] / [addr]', () => {
    const w = nftablesBackend.portOps(PORTS0).map((o) => o.why);
    expect(w).toEqual([
      'publish 0.0.0.0:8080/tcp → container 172.17.0.2:80',
      'publish 127.0.0.1:8082/udp → container 172.17.0.2:80',
      '127.0.0.1:8082 is for this host only: drop packets for it arriving from any other interface',
      'publish [::]:8080/tcp → container [fd00:96::2]:80',
      'publish [fd00:1::5]:8083/tcp → container [fd00:96::2]:81',
    ]);
    expect(nftablesBackend.portOps({ ...PORTS0, routed6: 'minidock0' }).map((o) => o.why).slice(3)).toEqual(['gateway mode routed: [fd00:96::2]:80/tcp may be reached directly', 'gateway mode routed: [fd00:96::2]:81/tcp may be reached directly']);
  });
});

describe('nftables: comments fit the kernel', () => {
  it('a comment is cut to 127 bytes (nft refuses one over NFTNL_UDATA_COMMENT_MAXLEN, 128)', () => {
    const long = { ...BRIDGE, name: 'n'.repeat(120), root: 'abcdef012345' };
    const cs = (buildOps(long, undefined, undefined, 4) as NftOp[]).flatMap((o) => [...o.line.matchAll(/comment "([^"]*)"/g)].map((m) => m[1]));
    const net = cs.filter((c) => c.startsWith('minidock net '));
    expect(net.length).toBeGreaterThan(5);
    for (const c of net) expect(c).toBe(`minidock net ${'n'.repeat(120)}: `.slice(0, 127));
  });
});

describe('nftables: the rest of a network\'s intent → ops', () => {
  const ROUTED = { ...BRIDGE, gatewayMode: 'routed' as const };
  const rules = (n: typeof BRIDGE & { internal?: boolean; gatewayMode?: 'routed' }, chain: string) =>
    (buildOps(n, undefined, undefined, 4) as NftOp[]).map((o) => o.line).filter((l) => l.startsWith(`add rule ip minidock ${chain} `)).map((l) => l.slice(`add rule ip minidock ${chain} `.length));

  it('--internal and routed: the rules the table of docs/nftables.md names, with the words of the iptables rules', () => {
    expect(rules({ ...BRIDGE, internal: true }, 'fi_minidock0')).toEqual(['iifname != "minidock0" counter drop comment "minidock net bridge: internal, nothing in"', 'counter accept comment "minidock net bridge: between containers"']);
    expect(rules({ ...BRIDGE, internal: true }, 'fo_minidock0')).toEqual(['oifname != "minidock0" counter drop comment "minidock net bridge: internal, nothing out"']);
    expect(rules(ROUTED, 'fi_minidock0').slice(-2)).toEqual(['ip daddr . meta l4proto . th dport @rt_minidock0 counter accept comment "minidock net bridge: routed published ports"', 'iifname != "minidock0" counter drop comment "minidock net bridge: routed, only published ports"']);
    // isolation first in fi (a drop is final, the accepts after it are not)
    expect(rules(BRIDGE, 'fi_minidock0')[0]).toContain('iifname @bridges');
  });

  it('the base is rewritten (flush, then its rules) only when incomplete: each base chain and published flushed first', () => {
    const flushes = (buildOps(BRIDGE, undefined, undefined, 4) as NftOp[]).map((o) => o.line).filter((l) => l.startsWith('flush chain'));
    const fl = (cs: string[]) => cs.map((c) => `flush chain ip minidock ${c}`);
    expect(flushes.slice(0, 6)).toEqual(fl(['raw_pre', 'nat_pre', 'nat_out', 'nat_post', 'forward', 'published']));
    // then the network's own chains (their order is not the evaluation order: a map jumps to each)
    expect(flushes.slice(6).sort()).toEqual(fl(['fi_minidock0', 'fo_minidock0', 'po_minidock0', 'ps_minidock0', 'rd_minidock0']));
  });

  it('the why of the raw drop: published ports only when the network can have them', () => {
    const why = (n: typeof BRIDGE & { internal?: boolean }) => (buildOps(n, undefined, undefined, 4) as NftOp[]).find((o) => o.line.startsWith('add element ip minidock raw_dst'))!;
    const rd = (n: typeof BRIDGE & { internal?: boolean }) => (buildOps(n, undefined, undefined, 4) as NftOp[]).find((o) => o.line.startsWith('add rule ip minidock rd_minidock0'))!.why;
    expect(why(BRIDGE).why).toBe('packets to 172.17.0.0/16 go through rd_minidock0');
    expect(rd(BRIDGE)).toBe('hosts on the LAN cannot reach container addresses in 172.17.0.0/16 directly, only published ports');
    expect(rd({ ...BRIDGE, internal: true })).toBe('hosts on the LAN cannot reach container addresses in 172.17.0.0/16 directly');
    // a base chain's why says what it is for, beyond its name
    for (const o of buildOps(BRIDGE, undefined, undefined, 4) as NftOp[]) if (o.line.startsWith('add chain')) expect(o.why, o.line).not.toMatch(/: ?$/);
  });

  it('network rm: its elements deleted by key, its chains flushed and deleted, a routed network\'s set last; only what is listed', () => {
    expect(netRemoveOps(ROUTED).map((o) => o.line)).toEqual([
      'delete element ip minidock bridges { "minidock0" }',
      'delete element ip minidock fwd_in { "minidock0" }',
      'delete element ip minidock fwd_out { "minidock0" }',
      ...['fi_minidock0', 'fo_minidock0'].flatMap((c) => [`flush chain ip minidock ${c}`, `delete chain ip minidock ${c}`]),
      'delete set ip minidock rt_minidock0',
    ]);
    expect(netRemoveOps(BRIDGE).map((o) => o.line).filter((l) => l.startsWith('delete element')).sort()).toEqual(['bridges { "minidock0" }', 'fwd_in { "minidock0" }', 'fwd_out { "minidock0" }', 'post_out { "minidock0" }', 'post_src { 172.17.0.0/16 }', 'raw_dst { 172.17.0.0/16 }'].map((e) => `delete element ip minidock ${e}`));
    for (const o of netRemoveOps(ROUTED)) expect(o.why.length, o.line).toBeGreaterThan(10);
    // with a listing: only what it has (here: the fwd_in element and the fi chain)
    const have = parseListing('table ip minidock {\n\tmap fwd_in {\n\t\ttype ifname : verdict\n\t\telements = { "minidock0" : jump fi_minidock0 }\n\t}\n\tchain fi_minidock0 {\n\t}\n}\n');
    expect(netRemoveOps(ROUTED, have).map((o) => o.line)).toEqual(['delete element ip minidock fwd_in { "minidock0" }', 'flush chain ip minidock fi_minidock0', 'delete chain ip minidock fi_minidock0']);
  });

  it('FORWARD policy DROP: the two iptables accepts docs/nftables.md shows, ip6tables for the ip6 table', () => {
    const n = { ...BRIDGE, name: 'NAME', bridge: 'BR', root: 'abcdef012345' };
    expect(forwardAcceptOps(n).map(commandOf)).toEqual([
      "iptables -I FORWARD 1 -o BR -m comment --comment 'minidock net NAME: FORWARD policy is DROP, into the bridge: ip minidock decides (root abcdef012345)' -j ACCEPT",
      "iptables -I FORWARD 1 -i BR -m comment --comment 'minidock net NAME: FORWARD policy is DROP, out of the bridge: ip minidock decides (root abcdef012345)' -j ACCEPT",
    ]);
    const v6 = forwardAcceptOps(n, 6);
    expect(v6.map(commandOf)[0]).toBe("ip6tables -I FORWARD 1 -o BR -m comment --comment 'minidock net NAME: FORWARD policy is DROP, into the bridge: ip6 minidock decides (root abcdef012345)' -j ACCEPT");
    expect(v6.map((o) => o.why)).toEqual([
      'the ip6tables FORWARD policy is DROP and an nftables accept is not final: accept into BR there too (the drops in ip6 minidock still apply)',
      'the ip6tables FORWARD policy is DROP and an nftables accept is not final: accept out of BR there too (the drops in ip6 minidock still apply)',
    ]);
    expect(forwardAcceptOps(n)[0].why).toContain('the iptables FORWARD policy');
  });
});
