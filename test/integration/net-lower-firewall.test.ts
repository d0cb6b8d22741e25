// macvlan networks and the firewall backends (the driver and firewall halves of issue #12 together):
// a macvlan network has no firewall rules in either backend, its containers' starts make no
// firewall call, and a change of backend is neither settled by nor refused because of them.
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { Minidock } from '../helpers/cli.js';

const helpers: Minidock[] = [];
afterAll(() => {
  for (const m of helpers.reverse()) m.cleanup();
});

describe('macvlan networks make no firewall calls, whichever backend', () => {
  it('nftables chosen: a macvlan container makes no rules; a bridge container then switches backend while it runs', () => {
    const ipt = new Minidock({ MINIDOCK_FIREWALL: 'iptables' });
    helpers.push(ipt);
    // the same state root and host, with nftables chosen
    const nft = new Minidock({ MINIDOCK_FIREWALL: 'nftables', MINIDOCK_ROOT: ipt.root }, { hostNs: ipt.hostNs });
    rmSync(nft.root, { recursive: true, force: true }); // its own (unused) root
    ipt.inHost('ip', ['link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lanp0']);
    ipt.inHost('ip', ['link', 'set', 'lan0', 'up']);
    nft.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.88.0.0/24', '-o', 'parent=lan0', 'mv']);
    const r = nft.run(['run', '-d', '--explain', '--name', 'ma', '--network', 'mv', 'busybox', 'sleep', '600']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/^(nft|iptables)/m);
    expect(r.stderr).not.toContain('firewall backend changes');
    expect(nft.inHost('nft', ['list', 'tables']).stdout).not.toContain('minidock');
    expect(nft.inHost('iptables-save', []).stdout).not.toContain('minidock');
    // the running macvlan container holds no rules: the switch to nftables is not refused for it
    const b = nft.run(['run', '-d', '--explain', '--name', 'cb', '-p', '8484:80', 'busybox', 'sleep', '600']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('# the firewall backend changes from iptables to nftables');
    expect(nft.inHost('nft', ['list', 'table', 'ip', 'minidock']).stdout).toContain('tcp . 8484');
    // and now that bridge rules are nftables', iptables is refused because of cb only
    const back = ipt.run(['run', '-d', '--name', 'cc', 'busybox', 'sleep', '600']);
    expect(back.code).toBe(125);
    expect(back.stderr.trim()).toMatch(/^minidock: firewall backend iptables was chosen, but 1 container of this state root \(cb\) hold nftables rules/);
    nft.ok(['rm', '-f', 'ma', 'cb']);
    nft.ok(['network', 'rm', 'mv']);
  });
});
