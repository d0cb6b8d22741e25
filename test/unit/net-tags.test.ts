// Whose firewall rule is it (tags.ts), and which hooks a prefix has (iptables.ts missingOps):
// the pure decisions behind "state roots stay apart".
import { describe, expect, it } from 'vitest';
import { ownershipOf, parseTag, specKey, withRoot } from '../../src/engine/network/tags.js';
import { chainsOf, hookOps, missingOps, networkRuleOps, parseSave, portRuleOps, splitSaveLine } from '../../src/engine/network/firewall/iptables.js';
import { ownedRules } from '../../src/engine/network/rules.js';
import type { IptOp } from '../../src/host/plan.js';

const ME = '0123456789ab';
const OTHER = 'ba9876543210';
const ID = 'abcdef012345'.padEnd(64, '7');
const own = { root: ME, ids: [ID], nets: new Map([['bridge', 'minidock0']]) };
const commentOf = (o: IptOp) => o.args[o.args.indexOf('--comment') + 1];

describe('rule tags', () => {
  it('network and port rules carry the root that made them', () => {
    const n = { name: 'bridge', bridge: 'minidock0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', root: ME };
    for (const o of networkRuleOps(n)) expect(commentOf(o)).toMatch(new RegExp(`^minidock net bridge: .* \\(root ${ME}\\)$`));
    const [dnat] = portRuleOps(n, ID, 'web', '172.17.0.2', [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' }]);
    expect(commentOf(dnat)).toBe(`minidock abcdef012345 web (root ${ME})`);
    expect(parseTag(commentOf(dnat))).toEqual({ root: ME, container: 'abcdef012345', name: 'web' });
    expect(parseTag(`minidock net bridge: outbound (root ${ME})`)).toEqual({ root: ME, net: 'bridge' });
    expect(parseTag('minidock net bridge: outbound')).toEqual({ root: undefined, net: 'bridge' });
    expect(parseTag('minidock: raw')).toEqual({ root: undefined, shared: true });
    expect(parseTag('decoy rule')).toBeUndefined();
    expect(parseTag('minidock-lookalike')).toBeUndefined();
    expect(withRoot('x', undefined)).toBe('x');
  });

  it('marked rules are their root\'s; unmarked ones only when the records prove it', () => {
    const args = (s: string) => splitSaveLine(s);
    const out = args('-s 172.17.0.0/16 ! -o minidock0 -j MASQUERADE');
    expect(ownershipOf({ root: ME, net: 'bridge' }, out, own)).toBe('mine');
    expect(ownershipOf({ root: OTHER, net: 'bridge' }, out, own)).toBe('foreign');
    expect(ownershipOf({ root: OTHER, container: 'abcdef012345' }, [], own)).toBe('foreign');
    // a fresh root (no id yet, no records) owns nothing at all
    const fresh = { root: undefined, ids: [], nets: new Map<string, string>() };
    expect(ownershipOf({ root: ME, net: 'bridge' }, out, fresh)).toBe('foreign');
    expect(ownershipOf({ container: 'abcdef012345' }, [], fresh)).toBe('foreign');
    expect(ownershipOf({ net: 'bridge' }, out, fresh)).toBe('foreign');
    // unmarked (made before root marks): the container id, or the network name on its own bridge
    expect(ownershipOf({ container: 'abcdef012345' }, [], own)).toBe('mine');
    expect(ownershipOf({ container: 'ffffff012345' }, [], own)).toBe('foreign');
    expect(ownershipOf({ net: 'bridge' }, out, own)).toBe('mine');
    expect(ownershipOf({ net: 'bridge' }, args('-s 172.18.0.0/16 ! -o mdtb0 -j MASQUERADE'), own)).toBe('foreign');
    expect(ownershipOf({ shared: true }, [], fresh)).toBe('shared');
    expect(specKey('nat', args(`-A X -s 1 -m comment --comment "minidock net a: b (root ${ME})" -j Y`))).toBe(specKey('nat', args('-A X -s 1 -m comment --comment "minidock net a: b" -j Y')));
  });
});

describe('hooks are found by built-in chain and target', () => {
  it("another prefix's hook (same comment) does not count as this prefix's", () => {
    const save = [
      '*raw', ':PREROUTING ACCEPT [0:0]', ':MINIDOCK-RAW - [0:0]',
      '-A PREROUTING -m comment --comment "minidock: raw" -j MINIDOCK-RAW', 'COMMIT',
      '*nat', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports" -j MINIDOCK-DNAT',
      '-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports from the host" -j MINIDOCK-DNAT',
      '-A POSTROUTING -m comment --comment "minidock: masquerade" -j MINIDOCK-POSTROUTING', 'COMMIT',
      '*filter', ':FORWARD ACCEPT [0:0]', '-A FORWARD -m comment --comment "minidock: forward" -j MINIDOCK-FORWARD',
      '-A MINIDOCK-FORWARD -m comment --comment "minidock: isolation" -j MINIDOCK-ISOLATION-1', 'COMMIT', '',
    ].join('\n');
    const saved = parseSave(save);
    expect(missingOps(saved, hookOps().hook)).toEqual([]);
    const prev = process.env.MINIDOCK_CHAIN_PREFIX;
    process.env.MINIDOCK_CHAIN_PREFIX = 'MD2';
    try {
      const missing = missingOps(saved, hookOps().hook);
      expect(missing.map((o) => `${o.table} ${o.args[1]} ${o.args[o.args.length - 1]}`)).toEqual([
        'raw PREROUTING MD2-RAW', 'nat PREROUTING MD2-DNAT', 'nat OUTPUT MD2-DNAT', 'nat POSTROUTING MD2-POSTROUTING',
        'filter FORWARD MD2-FORWARD', 'filter MD2-FORWARD MD2-ISOLATION-1',
      ]);
    } finally {
      if (prev === undefined) delete process.env.MINIDOCK_CHAIN_PREFIX;
      else process.env.MINIDOCK_CHAIN_PREFIX = prev;
    }
  });

  it('network rules: only this prefix\'s chains and this root\'s rules', () => {
    const save = [
      '*nat', ':PREROUTING ACCEPT [0:0]', ':MINIDOCK-DNAT - [0:0]', ':MINIDOCK-X-DNAT - [0:0]',
      '[0:0] -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports" -j MINIDOCK-DNAT',
      '[0:0] -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports" -j MINIDOCK-X-DNAT',
      `[0:0] -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "minidock abcdef012345 web (root ${ME})" -j DNAT --to-destination 172.17.0.2:80`,
      `[0:0] -A MINIDOCK-DNAT -p tcp -m tcp --dport 8081 -m comment --comment "minidock 999999012345 theirs (root ${OTHER})" -j DNAT --to-destination 172.18.0.2:80`,
      '[0:0] -A MINIDOCK-DNAT -p tcp -m tcp --dport 8082 -m comment --comment "minidock 888888012345 old" -j DNAT --to-destination 172.18.0.3:80',
      '[0:0] -A MINIDOCK-X-DNAT -p tcp -m tcp --dport 8083 -m comment --comment "minidock 777777012345 other" -j DNAT --to-destination 172.19.0.3:80',
      'COMMIT', '',
    ].join('\n');
    const ctx = { prefix: 'MINIDOCK', networks: [], containers: [], owner: { root: ME, ids: [ID] } };
    const rules = ownedRules(save, ctx);
    expect(rules.map((r) => r.args[argIdx(r.args, '-j')])).toEqual(['MINIDOCK-DNAT', 'DNAT']);
    expect(rules[1].words).toContain('web');
    expect(chainsOf('MINIDOCK-X').dnat).toBe('MINIDOCK-X-DNAT');
  });
});

function argIdx(args: string[], o: string): number {
  return args.indexOf(o) + 1;
}
