// Intent → ops of both firewall backends (pure), the nft plan ops, and the endpoint records'
// firewall part (new records: intent + backend; records of older minidocks: iptables specs).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IptOp, type NftOp, type Op, commandOf, explainOps, toBatches, undoPlanOf } from '../../src/host/plan.js';
import { networkIntent, portIntent } from '../../src/engine/network/firewall/backend.js';
import { iptablesBackend, networkRuleOps, portRuleOps } from '../../src/engine/network/firewall/iptables.js';
import { buildOps, listingComplete, nftablesBackend, parseJsonElements, parseListing, parseTextRules } from '../../src/engine/network/firewall/nftables.js';
import { endpointUndoOps, firewallChoice } from '../../src/engine/network/firewall/index.js';

const NET = { name: 'bridge', bridge: 'minidock0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', root: 'abcdef012345' };
const ID = '0123456789ab'.repeat(5) + '0123';
const PORTS = {
  containerId: ID,
  name: 'web',
  ip: '172.17.0.2',
  root: 'abcdef012345',
  ports: [
    { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' as const },
    { hostIp: '127.0.0.1', hostPort: 8082, containerPort: 80, proto: 'tcp' as const },
  ],
};
const lines = (ops: Op[]) => ops.map((o) => (o as NftOp).line);

describe('intent', () => {
  it('a network: no direct access, masquerade, forward, isolate; an internal one: no direct access, internal', () => {
    expect(networkIntent(NET).map((r) => r.kind)).toEqual(['no-direct-access', 'masquerade', 'forward', 'isolate']);
    expect(networkIntent({ ...NET, internal: true }).map((r) => r.kind)).toEqual(['no-direct-access', 'internal']);
  });

  it('a port: one DNAT each, plus loopback-only for 127.x', () => {
    expect(portIntent(PORTS)).toEqual([
      { kind: 'dnat', hostIp: '', hostPort: 8080, proto: 'tcp', toIp: '172.17.0.2', toPort: 80 },
      { kind: 'dnat', hostIp: '127.0.0.1', hostPort: 8082, proto: 'tcp', toIp: '172.17.0.2', toPort: 80 },
      { kind: 'loopback-only', hostIp: '127.0.0.1', hostPort: 8082, proto: 'tcp' },
    ]);
  });
});

describe('iptables backend', () => {
  it('renders the intent as the rules minidock always made (portOps = portRuleOps; undo = -D in reverse)', () => {
    const ops = iptablesBackend.portOps(PORTS);
    expect(ops).toEqual(portRuleOps(NET, ID, 'web', '172.17.0.2', PORTS.ports));
    expect(ops.map(commandOf)).toEqual([
      "iptables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment 'minidock 0123456789ab web (root abcdef012345)' -j DNAT --to-destination 172.17.0.2:80",
      "iptables -t nat -A MINIDOCK-DNAT -d 127.0.0.1/32 -p tcp -m tcp --dport 8082 -m comment --comment 'minidock 0123456789ab web (root abcdef012345)' -j DNAT --to-destination 172.17.0.2:80",
      "iptables -t raw -A MINIDOCK-RAW -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8082 -m comment --comment 'minidock 0123456789ab web (root abcdef012345)' -j DROP",
    ]);
    expect(iptablesBackend.portUndoOps(PORTS).map(commandOf)).toEqual(ops.map(commandOf).reverse().map((l) => l.replace(' -A ', ' -D ')));
    // a network is a constant handful of rules: 9, or 4 when internal
    expect(networkRuleOps(NET)).toHaveLength(9);
    expect(networkRuleOps({ ...NET, internal: true })).toHaveLength(4);
  });
});

describe('nftables backend', () => {
  it('a published port is one element (with a counter and its owner\'s comment), undone by deleting it', () => {
    const ops = nftablesBackend.portOps(PORTS);
    expect(lines(ops)).toEqual([
      'add element ip minidock pub { tcp . 8080 comment "minidock 0123456789ab web (root abcdef012345)" : 172.17.0.2 . 80 }',
      'add element ip minidock pub_addr { 127.0.0.1 . tcp . 8082 comment "minidock 0123456789ab web (root abcdef012345)" : 172.17.0.2 . 80 }',
      'add element ip minidock lo_only { 127.0.0.1 . tcp . 8082 comment "minidock 0123456789ab web (root abcdef012345)" }',
    ]);
    expect(lines(undoPlanOf(ops))).toEqual(lines(nftablesBackend.portUndoOps(PORTS)));
    expect(lines(nftablesBackend.portUndoOps(PORTS))).toEqual([
      'delete element ip minidock lo_only { 127.0.0.1 . tcp . 8082 }',
      'delete element ip minidock pub_addr { 127.0.0.1 . tcp . 8082 }',
      'delete element ip minidock pub { tcp . 8080 }',
    ]);
    // one batch: one `nft -f -` transaction
    expect(toBatches(ops)).toHaveLength(1);
  });

  it('the rule count does not grow with containers: 100 containers add elements only', () => {
    const many = Array.from({ length: 100 }, (_, i) => nftablesBackend.portOps({ ...PORTS, containerId: ID.replace(/^../, i.toString(16).padStart(2, '0')), ip: `172.17.1.${i}`, ports: [{ hostIp: '', hostPort: 9000 + i, containerPort: 80, proto: 'tcp' }] })).flat();
    expect(many).toHaveLength(100);
    for (const l of lines(many)) expect(l).toMatch(/^add element ip minidock pub \{/);
  });

  it('a network: its own chains, chains made before maps, every rule with a counter and a comment', () => {
    const ops = buildOps(NET, undefined);
    const l = lines(ops);
    const lastChain = Math.max(...l.map((x, i) => (x.startsWith('add chain') ? i : -1)));
    const firstMap = l.findIndex((x) => /^add (map|set) /.test(x));
    expect(lastChain).toBeLessThan(firstMap);
    const rules = l.filter((x) => x.startsWith('add rule'));
    for (const r of rules) {
      expect(r).toMatch(/ counter /);
      expect(r).toMatch(/ comment "minidock[ :]/);
    }
    expect(l.every((x) => x.includes(' ip minidock'))).toBe(true); // nothing outside minidock's table
    expect(l).toContain('add rule ip minidock fi_minidock0 iifname != "minidock0" iifname @bridges ct status & dnat == 0 counter drop comment "minidock net bridge: isolation (root abcdef012345)"');
    expect(l).toContain('add rule ip minidock ps_minidock0 ip saddr 172.17.0.0/16 oifname != "minidock0" counter masquerade comment "minidock net bridge: outbound (root abcdef012345)"');
    expect(l).toContain('add element ip minidock raw_dst { 172.17.0.0/16 : jump rd_minidock0 }');
    expect(l).toContain('add element ip minidock fwd_in { "minidock0" : jump fi_minidock0 }');
    // isolation first in the chain into the network (a drop is final, the accepts are not)
    const fi = rules.filter((x) => x.includes(' fi_minidock0 '));
    expect(fi[0]).toMatch(/isolation/);
    // internal: no masquerade, drops in and out, and no way out
    const internal = lines(buildOps({ ...NET, internal: true }, undefined));
    expect(internal.some((x) => x.includes('masquerade'))).toBe(false);
    expect(internal).toContain('add rule ip minidock fo_minidock0 oifname != "minidock0" counter drop comment "minidock net bridge: internal, nothing out (root abcdef012345)"');
  });

  it('a complete listing needs no ops; the base is not rewritten when only the network is missing', () => {
    const want = lines(buildOps(NET, undefined));
    // the listing nft prints of what buildOps makes (rules by comment, elements by key)
    const text = fakeListing(want);
    const have = parseListing(text);
    expect(listingComplete(have, NET)).toBe(true);
    expect(listingComplete(have, { ...NET, name: 'other', bridge: 'mdbr-x', subnet: '10.9.0.0/24' })).toBe(false);
    const second = lines(buildOps({ ...NET, name: 'other', bridge: 'mdbr-x', subnet: '10.9.0.0/24' }, have));
    expect(second.some((x) => x.startsWith('flush chain ip minidock forward'))).toBe(false);
    expect(second).toContain('flush chain ip minidock fi_mdbr-x');
  });

  it('explains a transaction as the nft script it is (a here-document), each line after its why', () => {
    const ops = nftablesBackend.portOps({ ...PORTS, ports: [PORTS.ports[0]] });
    expect(explainOps(ops)).toEqual([
      "nft -f - <<'EOF'",
      '# publish 0.0.0.0:8080/tcp → container 172.17.0.2:80',
      'add element ip minidock pub { tcp . 8080 comment "minidock 0123456789ab web (root abcdef012345)" : 172.17.0.2 . 80 }',
      'EOF',
    ]);
  });

  it('reads counters and comments of rules and elements from nft output', () => {
    const rules = parseTextRules('table ip minidock {\n\tchain rd_br0 {\n\t\tiifname != "br0" fib daddr type != local counter packets 7 bytes 420 drop comment "minidock net n: no direct access from outside"\n\t}\n}\n');
    expect(rules).toEqual([{ chain: 'rd_br0', text: 'iifname != "br0" fib daddr type != local counter drop comment "minidock net n: no direct access from outside"', comment: 'minidock net n: no direct access from outside', packets: 7, bytes: 420 }]);
    const json = JSON.stringify({ nftables: [{ map: { name: 'pub', elem: [[{ elem: { val: { concat: ['tcp', 8080] }, comment: 'minidock 0123456789ab web', counter: { packets: 3, bytes: 180 } } }, { concat: ['172.17.0.2', 80] }]] } }] });
    expect(parseJsonElements(json).get('pub')).toEqual([{ key: 'tcp . 8080', value: '172.17.0.2 . 80', comment: 'minidock 0123456789ab web', packets: 3, bytes: 180 }]);
  });
});

describe('endpoint records', () => {
  it("a record of today's format (iptables rule specs) tears down with exactly those rules deleted", async () => {
    const rules = portRuleOps(NET, ID, 'web', '172.17.0.2', PORTS.ports);
    const old = JSON.parse(JSON.stringify({ rules })) as { rules: IptOp[] }; // as read from disk
    expect((await endpointUndoOps(old)).map(commandOf)).toEqual(rules.map(commandOf).reverse().map((l) => l.replace(' -A ', ' -D ')));
  });

  it('a new record names its backend: teardown goes through that backend, whichever is chosen now', async () => {
    process.env.MINIDOCK_FIREWALL = 'iptables';
    const ops = await endpointUndoOps({ firewall: { backend: 'nftables', ports: PORTS } });
    expect(ops.every((o) => o.kind === 'nft')).toBe(true);
    const ipt = await endpointUndoOps({ firewall: { backend: 'iptables', ports: PORTS } });
    expect(ipt.every((o) => o.kind === 'iptables')).toBe(true);
  });
});

describe('choosing the backend', () => {
  const saved = { env: process.env.MINIDOCK_FIREWALL, root: process.env.MINIDOCK_ROOT };
  let dir = '';
  afterEach(() => {
    process.env.MINIDOCK_FIREWALL = saved.env;
    if (saved.env === undefined) delete process.env.MINIDOCK_FIREWALL;
    process.env.MINIDOCK_ROOT = saved.root;
    if (saved.root === undefined) delete process.env.MINIDOCK_ROOT;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('MINIDOCK_FIREWALL, else config.json "firewall-backend", else iptables; a bad value is one clear error', () => {
    dir = mkdtempSync(join(tmpdir(), 'mdfw-'));
    process.env.MINIDOCK_ROOT = dir;
    delete process.env.MINIDOCK_FIREWALL;
    expect(firewallChoice()).toEqual({ name: 'iptables', from: 'default' });
    writeFileSync(join(dir, 'config.json'), '{"firewall-backend": "nftables"}');
    expect(firewallChoice()).toEqual({ name: 'nftables', from: join(dir, 'config.json') });
    process.env.MINIDOCK_FIREWALL = 'iptables';
    expect(firewallChoice().name).toBe('iptables');
    process.env.MINIDOCK_FIREWALL = 'pf';
    expect(() => firewallChoice()).toThrow('invalid MINIDOCK_FIREWALL "pf": iptables or nftables');
    delete process.env.MINIDOCK_FIREWALL;
    writeFileSync(join(dir, 'config.json'), '{"firewall-backend": "ipfw"}');
    expect(() => firewallChoice()).toThrow(/invalid "firewall-backend" "ipfw"/);
  });
});

/** What `nft list` prints for objects made by these script lines (enough for parseListing). */
function fakeListing(script: string[]): string {
  const chains = new Map<string, string[]>();
  const els = new Map<string, string[]>();
  for (const l of script) {
    let m: RegExpExecArray | null;
    if ((m = /^add chain ip minidock (\S+)/.exec(l))) chains.set(m[1], chains.get(m[1]) ?? []);
    else if ((m = /^add rule ip minidock (\S+) (.*)$/.exec(l))) chains.get(m[1])!.push(m[2].replace(' counter ', ' counter packets 0 bytes 0 '));
    else if ((m = /^add (?:map|set) ip minidock (\S+)/.exec(l))) els.set(m[1], els.get(m[1]) ?? []);
    else if ((m = /^add element ip minidock (\S+) \{ (.*) \}$/.exec(l))) els.get(m[1])!.push(m[2]);
  }
  const out = ['table ip minidock {'];
  for (const [s, e] of els) out.push(`\tmap ${s} {`, '\t\ttype x', ...(e.length ? [`\t\telements = { ${e.join(',\n\t\t\t     ')} }`] : []), '\t}');
  for (const [c, rs] of chains) out.push(`\tchain ${c} {`, ...rs.map((r) => `\t\t${r}`), '\t}');
  out.push('}');
  return out.join('\n') + '\n';
}
