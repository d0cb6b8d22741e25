// The firewall backends against the real kernel, each in a throwaway host netns (the Minidock
// helper): nftables' explain = applied, its atomic transactions, FORWARD policy DROP, prune and
// `network rules`; records of today's format tearing down; switching backend.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';
import { portRuleOps } from '../../src/engine/network/firewall/iptables.js';

const helpers: Minidock[] = [];
const mk = (env: NodeJS.ProcessEnv = {}) => {
  const m = new Minidock(env);
  helpers.push(m);
  return m;
};
afterAll(() => {
  for (const m of helpers) m.cleanup();
});
const nftTable = (md: Minidock) => md.inHost('nft', ['list', 'table', 'ip', 'minidock']).stdout;
const idOf = (md: Minidock, name: string) => md.ok(['inspect', '-f', '{{.Id}}', name]);
const epFile = (md: Minidock, id: string) => join(md.root, 'networks', 'endpoints', `${id}.json`);

describe('nftables backend (real kernel)', () => {
  const md = mk({ MINIDOCK_FIREWALL: 'nftables' });

  it('--explain prints the nft script exactly as applied: one element per published port', () => {
    const r = md.run(['run', '-d', '--explain', '--name', 'web', '-p', '8080:80', '-p', '127.0.0.1:8082:80', 'busybox', 'sleep', '600']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const script = /nft -f - <<'EOF'\n([\s\S]*?)\nEOF/g;
    const applied = [...r.stderr.matchAll(script)].map((m) => m[1].split('\n').filter((l) => !l.startsWith('#'))).flat();
    const elems = applied.filter((l) => l.startsWith('add element ip minidock pub'));
    expect(elems).toEqual([
      expect.stringMatching(new RegExp(`^add element ip minidock pub \\{ tcp \\. 8080 comment "minidock ${id.slice(0, 12)} web \\(root [0-9a-f]{12}\\)" : 172\\.17\\.0\\.2 \\. 80 \\}$`)),
      expect.stringMatching(/^add element ip minidock pub_addr \{ 127\.0\.0\.1 \. tcp \. 8082 comment .* : 172\.17\.0\.2 \. 80 \}$/),
    ]);
    // what was explained is in the kernel
    const t = nftTable(md);
    expect(t).toMatch(new RegExp(`tcp \\. 8080 counter packets \\d+ bytes \\d+ comment "minidock ${id.slice(0, 12)} web`));
    expect(t).toContain('127.0.0.1 . tcp . 8082 counter packets');
    expect(md.inHost('iptables-save', []).stdout).not.toContain(id.slice(0, 12)); // nothing in iptables
    // a second container costs elements, not rules
    const rules = (t.match(/^\t\t.* counter packets \d+ bytes \d+ .*comment/gm) ?? []).filter((l) => !/ : | \. /.test(l.split('comment')[0]) || /^\t\t(?:iifname|oifname|ip |fib|ct |counter)/.test(l)).length;
    md.ok(['run', '-d', '--name', 'web2', '-p', '8090:80', 'busybox', 'sleep', '600']);
    const t2 = nftTable(md);
    const rules2 = (t2.match(/^\t\t.* counter packets \d+ bytes \d+ .*comment/gm) ?? []).filter((l) => !/ : | \. /.test(l.split('comment')[0]) || /^\t\t(?:iifname|oifname|ip |fib|ct |counter)/.test(l)).length;
    expect(rules2).toBe(rules);
    expect(t2).toContain('tcp . 8090 counter packets');
  });

  it('--dry-run prints what --explain prints and changes no rule', () => {
    const before = nftTable(md);
    const dry = md.run(['run', '--dry-run', '--name', 'dry', '-p', '9090:90', 'busybox', 'echo', 'hi']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(nftTable(md).replace(/packets \d+ bytes \d+/g, '')).toBe(before.replace(/packets \d+ bytes \d+/g, ''));
    expect(dry.stdout).toMatch(/^add element ip minidock pub \{ tcp \. 9090 comment .* : 172\.17\.0\.\d+ \. 90 \}$/m);
    const real = md.run(['run', '--rm', '--explain', '--name', 'dry', '-p', '9090:90', 'busybox', 'echo', 'hi']);
    expect(real.code).toBe(0);
    const norm = (s: string) => s.replace(/[0-9a-f]{64}/g, 'ID').replace(/(md|minidock-|\b)[0-9a-f]{12}\b/g, '$1ID12').split('\n').filter((l) => l.trim());
    const planned = norm(dry.stdout);
    let k = 0;
    for (const l of norm(real.stderr)) if (k < planned.length && l === planned[k]) k++;
    expect(planned.slice(k)).toEqual([]);
  });

  it('network rules and the diagram read the nft table (counters per port element)', () => {
    const rules = md.ok(['network', 'rules']);
    expect(rules).toContain('table ip minidock');
    expect(rules).toMatch(/DNAT host port 8080 → web:80/);
    expect(rules).toContain("nft add element ip minidock pub '{ tcp . 8080 : 172.17.0.2 . 80 }'");
    expect(rules).toMatch(/drop packets from outside minidock0 addressed to containers of bridge/);
    expect(md.ok(['network', 'rules', 'web2'])).not.toContain('8080');
    const d = md.ok(['network', 'diagram']);
    expect(d).toContain('⇨ 0.0.0.0:8080/tcp ──DNAT──▶ 172.17.0.2:80');
    expect(d).toContain("the kernel and minidock's state agree");
    // drift: an element deleted behind minidock's back is marked
    expect(md.inHost('nft', ['delete', 'element', 'ip', 'minidock', 'pub', '{ tcp . 8090 }']).code).toBe(0);
    expect(md.ok(['network', 'diagram'])).toContain('✗ no DNAT rule for 0.0.0.0:8090/tcp');
    md.ok(['rm', '-f', 'web2']); // its teardown tolerates the missing element
  });

  it("drift repair: a chain of minidock's emptied behind its back is written again by the next start", () => {
    expect(md.inHost('nft', ['flush', 'chain', 'ip', 'minidock', 'fo_minidock0']).code).toBe(0);
    const r = md.run(['run', '--rm', '--explain', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^add rule ip minidock fo_minidock0 counter accept comment "minidock net bridge: from containers/m);
    expect(nftTable(md)).toMatch(/chain fo_minidock0 \{\n\t\tcounter packets \d+ bytes \d+ accept comment "minidock net bridge: from containers/);
    expect(nftTable(md)).toContain('tcp . 8080 counter'); // the port elements were not touched
  });

  it('a failed change is one failed transaction: the previous ruleset stays, nothing is half-made', () => {
    // Something else already holds the network's subnet in minidock's map: the transaction fails.
    expect(md.inHost('nft', ['add', 'element', 'ip', 'minidock', 'raw_dst', '{ 10.77.0.0/24 : drop }']).code).toBe(0);
    const ruleset = () => md.inHost('nft', ['list', 'ruleset']).stdout.replace(/packets \d+ bytes \d+/g, ''); // counters move meanwhile
    const before = ruleset();
    const r = md.run(['network', 'create', '--explain', '--subnet', '10.77.0.0/24', 'clash']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/nft -f - <<< add element ip minidock raw_dst \{ 10\.77\.0\.0\/24 : jump rd_mdbr-[0-9a-f]+ \}.*File exists/);
    expect(ruleset()).toBe(before);
    expect(md.inHost('ip', ['-br', 'link']).stdout).not.toMatch(/mdbr-/); // the bridge was rolled back
    expect(md.ok(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('clash');
    md.inHost('nft', ['delete', 'element', 'ip', 'minidock', 'raw_dst', '{ 10.77.0.0/24 }']);
  });

  it('FORWARD policy DROP: the network gets ACCEPTs in the iptables FORWARD chain, owned and removed with it', () => {
    expect(md.inHost('iptables', ['-P', 'FORWARD', 'DROP']).code).toBe(0);
    md.ok(['network', 'create', '--subnet', '10.78.0.0/24', 'dropnet']);
    const fwd = md.inHost('iptables', ['-S', 'FORWARD']).stdout;
    expect(fwd).toContain('-P FORWARD DROP');
    expect(fwd).toMatch(/-A FORWARD -o mdbr-\S+ -m comment --comment "minidock net dropnet: FORWARD policy is DROP, into the bridge: ip minidock decides \(root [0-9a-f]{12}\)" -j ACCEPT/);
    expect(fwd).toMatch(/-A FORWARD -i mdbr-\S+ .* -j ACCEPT/);
    md.ok(['network', 'rm', 'dropnet']);
    expect(md.inHost('iptables', ['-S', 'FORWARD']).stdout).not.toContain('dropnet');
    expect(nftTable(md)).not.toMatch(/dropnet|10\.78\.0\.0/);
    md.inHost('iptables', ['-P', 'FORWARD', 'ACCEPT']);
  });

  it("prune removes this root's leftover elements and chains, nothing of another root's", () => {
    const root = readFileSync(join(md.root, 'networks', 'root-id'), 'utf8').trim().slice(0, 12);
    expect(md.inHost('nft', ['add', 'element', 'ip', 'minidock', 'pub', `{ tcp . 7777 comment "minidock aaaaaaaaaaaa gone (root ${root})" : 172.17.0.99 . 80 }`]).code).toBe(0);
    expect(md.inHost('nft', ['add', 'element', 'ip', 'minidock', 'pub', '{ tcp . 7778 comment "minidock bbbbbbbbbbbb other (root 0123456789ab)" : 172.17.0.98 . 80 }']).code).toBe(0);
    const r = md.run(['system', 'prune', '-f']);
    expect(r.code, r.stderr).toBe(0);
    const t = nftTable(md);
    expect(t).not.toContain('tcp . 7777');
    expect(t).toContain('tcp . 7778');
    expect(t).toContain('tcp . 8080'); // web runs: its element stays
  });
});

describe('records and switching backend', () => {
  it("a record written by today's code (iptables rule specs, no backend named) still tears down", () => {
    const md = mk();
    const id = md.ok(['run', '-d', '--name', 'old', '-p', '8181:80', 'busybox', 'sleep', '600']);
    const f = epFile(md, id);
    const ep = JSON.parse(readFileSync(f, 'utf8'));
    const root = readFileSync(join(md.root, 'networks', 'root-id'), 'utf8').trim().slice(0, 12);
    // today's format: `rules` = the container's iptables ops (with their undo), no `firewall`
    const { firewall, ...rest } = ep;
    expect(firewall.backend).toBe('iptables');
    const rules = portRuleOps({ name: 'bridge', bridge: 'minidock0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', root }, id, 'old', ep.ip, ep.ports);
    writeFileSync(f, JSON.stringify({ ...rest, rules }));
    expect(md.inHost('iptables-save', []).stdout).toContain(id.slice(0, 12));
    md.ok(['rm', '-f', 'old']);
    expect(md.inHost('iptables-save', []).stdout).not.toContain(id.slice(0, 12));
  });

  it('switching is refused (one line) while containers run; once none does, the rules move in one step', () => {
    const ipt = mk();
    // the same state root and host, with the other backend chosen
    const nft = new Minidock({ MINIDOCK_FIREWALL: 'nftables', MINIDOCK_ROOT: ipt.root }, { hostNs: ipt.hostNs });
    rmSync(nft.root, { recursive: true, force: true }); // its own (unused) root
    ipt.ok(['network', 'create', '--subnet', '10.79.0.0/24', 'movenet']);
    ipt.ok(['run', '-d', '--name', 'ca', '--network', 'movenet', '-p', '8282:80', 'busybox', 'sleep', '600']);
    const r = nft.run(['run', '-d', '--name', 'cb', 'busybox', 'sleep', '600']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^minidock: firewall backend nftables was chosen, but 1 container of this state root \(ca\) hold iptables rules: stop them first, or keep the iptables backend$/)]);
    expect(nft.inHost('nft', ['list', 'tables']).stdout).not.toContain('minidock');
    ipt.ok(['rm', '-f', 'ca']);
    const b = nft.run(['run', '-d', '--explain', '--name', 'cb', '--network', 'movenet', '-p', '8383:80', 'busybox', 'sleep', '600']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('# the firewall backend changes from iptables to nftables');
    expect(nft.inHost('iptables-save', []).stdout).not.toContain('minidock net movenet');
    expect(nftTable(nft)).toContain('minidock net movenet: outbound');
    // a container made with nftables tears down through nftables, whatever is chosen later
    const id = idOf(nft, 'cb');
    const rmRes = ipt.run(['rm', '-f', 'cb']);
    expect(rmRes.code).toBe(0);
    expect(nftTable(nft)).not.toContain(id.slice(0, 12));
    expect(readdirSync(join(ipt.root, 'networks', 'endpoints'))).toEqual([]);
  });
});
