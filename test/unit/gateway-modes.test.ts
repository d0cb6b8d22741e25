// Gateway modes (-o com.docker.network.bridge.gateway_mode_ipv4): the intent of each mode and
// what both backends make of it. Pure: no kernel.
import { describe, expect, it } from 'vitest';
import type { IptOp, NftOp } from '../../src/host/plan.js';
import { type NetIntent, networkIntent, portIntent } from '../../src/engine/network/firewall/backend.js';
import { iptablesBackend, networkRuleOps } from '../../src/engine/network/firewall/iptables.js';
import { buildOps, nftablesBackend } from '../../src/engine/network/firewall/nftables.js';
import { bridgeOps, bridgeNetOf, gatewayModeOf } from '../../src/engine/network/drivers/bridge.js';
import type { NetworkRecord } from '../../src/engine/network/networks.js';

const NET: NetIntent = { name: 'web', bridge: 'mdbr-1', subnet: '10.9.0.0/24', gateway: '10.9.0.1' };
const ID = 'a'.repeat(64);
const PORTS = [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }, { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 80, proto: 'tcp' as const }];
const kinds = (n: NetIntent) => networkIntent(n).map((r) => r.kind);
const ipt = (n: NetIntent) => networkRuleOps(n).map((o) => `${o.table} ${o.args.join(' ')}`);
const nftLines = (n: NetIntent) => (buildOps(n, undefined) as NftOp[]).map((o) => o.line);

describe('gateway modes: intent', () => {
  it('nat (default) is today\'s intent', () => {
    expect(kinds(NET)).toEqual(['no-direct-access', 'masquerade', 'forward', 'isolate']);
  });
  it('nat-unprotected: masquerade, no no-direct-access, anything may be routed in', () => {
    expect(kinds({ ...NET, gatewayMode: 'nat-unprotected' })).toEqual(['masquerade', 'forward', 'isolate', 'unprotected']);
  });
  it('routed: no masquerade, no raw drop, only replies and published ports from outside', () => {
    expect(kinds({ ...NET, gatewayMode: 'routed' })).toEqual(['forward', 'isolate', 'routed-only']);
  });
  it('isolated is internal (the difference is the bridge address)', () => {
    expect(kinds({ ...NET, internal: true, gatewayMode: 'isolated' })).toEqual(kinds({ ...NET, internal: true }));
  });
  it('routed ports: one routed-port per container port/proto, no DNAT, no loopback-only', () => {
    expect(portIntent({ containerId: ID, name: 'c', ip: '10.9.0.2', ports: PORTS, routed: 'mdbr-1' })).toEqual([
      { kind: 'routed-port', bridge: 'mdbr-1', proto: 'tcp', toIp: '10.9.0.2', toPort: 80 },
    ]);
    expect(portIntent({ containerId: ID, name: 'c', ip: '10.9.0.2', ports: PORTS }).map((r) => r.kind)).toEqual(['dnat', 'dnat', 'loopback-only']);
  });
});

describe('gateway modes: iptables', () => {
  it('nat-unprotected: no raw drop, a FORWARD accept into the bridge, masquerade kept', () => {
    const r = ipt({ ...NET, gatewayMode: 'nat-unprotected' });
    expect(r.some((l) => l.startsWith('raw '))).toBe(false);
    expect(r).toContain('filter -A MINIDOCK-FORWARD ! -i mdbr-1 -o mdbr-1 -m comment --comment minidock net web: unprotected -j ACCEPT');
    expect(r.filter((l) => l.includes('MASQUERADE'))).toHaveLength(3);
  });
  it('routed: no raw drop, no masquerade, a FORWARD drop after the replies accept', () => {
    const r = ipt({ ...NET, gatewayMode: 'routed' });
    expect(r.some((l) => l.startsWith('raw ') || l.includes('MASQUERADE'))).toBe(false);
    const drop = r.indexOf('filter -A MINIDOCK-FORWARD ! -i mdbr-1 -o mdbr-1 -m comment --comment minidock net web: routed, only published ports -j DROP');
    expect(drop).toBeGreaterThan(r.findIndex((l) => l.includes('replies')));
  });
  it('routed port: an ACCEPT inserted after isolation, ahead of the drop; undone with -D', () => {
    const p = { containerId: ID, name: 'c', ip: '10.9.0.2', ports: PORTS, routed: 'mdbr-1' };
    const ops = iptablesBackend.portOps(p) as IptOp[];
    expect(ops.map((o) => o.args.join(' '))).toEqual([`-I MINIDOCK-FORWARD 2 -o mdbr-1 -d 10.9.0.2/32 -p tcp -m tcp --dport 80 -m comment --comment minidock ${ID.slice(0, 12)} c -j ACCEPT`]);
    expect((iptablesBackend.portUndoOps(p) as IptOp[]).map((o) => o.args[0])).toEqual(['-D']);
  });
});

describe('gateway modes: nftables', () => {
  it('nat-unprotected: no raw_dst element, an accept into the bridge', () => {
    const l = nftLines({ ...NET, gatewayMode: 'nat-unprotected' });
    expect(l.some((x) => x.includes('raw_dst { 10.9.0.0/24'))).toBe(false);
    expect(nftLines(NET).some((x) => x.includes('raw_dst { 10.9.0.0/24'))).toBe(true);
    expect(l.some((x) => x.includes('add rule ip minidock fi_mdbr-1 iifname != "mdbr-1" counter accept comment "minidock net web: unprotected"'))).toBe(true);
    expect(l.some((x) => x.includes('masquerade'))).toBe(true);
  });
  it('routed: its set of published ports, accepted ahead of the drop; no masquerade, no raw drop', () => {
    const l = nftLines({ ...NET, gatewayMode: 'routed' });
    expect(l).toContain('add set ip minidock rt_mdbr-1 { type ipv4_addr . inet_proto . inet_service; counter; }');
    const mine = l.filter((x) => x.includes('mdbr-1') || x.includes('10.9.0.0/24'));
    expect(mine.some((x) => x.includes('masquerade') || x.includes('raw_dst') || x.includes('post_') || x.includes('rd_mdbr-1'))).toBe(false);
    const acc = l.findIndex((x) => x.includes('@rt_mdbr-1 counter accept'));
    const drop = l.findIndex((x) => x.includes('routed, only published ports'));
    expect(acc).toBeGreaterThan(l.findIndex((x) => x.includes('"minidock net web: replies"')));
    expect(drop).toBeGreaterThan(acc);
  });
  it('routed port: one element of the network\'s set, undone by deleting it', () => {
    const p = { containerId: ID, name: 'c', ip: '10.9.0.2', ports: PORTS, routed: 'mdbr-1' };
    expect((nftablesBackend.portOps(p) as NftOp[]).map((o) => o.line)).toEqual([`add element ip minidock rt_mdbr-1 { 10.9.0.2 . tcp . 80 comment "minidock ${ID.slice(0, 12)} c" }`]);
    expect((nftablesBackend.portUndoOps(p) as NftOp[]).map((o) => o.line)).toEqual(['delete element ip minidock rt_mdbr-1 { 10.9.0.2 . tcp . 80 }']);
  });
});

describe('gateway modes: the bridge', () => {
  const rec = (opts: Record<string, string>): NetworkRecord => ({ Name: 'web', Id: 'b'.repeat(64), Created: '', Driver: 'bridge', Subnet: NET.subnet, Gateway: NET.gateway, Bridge: 'mdbr-1', Internal: true, Options: opts });
  it('the record\'s option is the mode; nat leaves the intent as it was', () => {
    expect(gatewayModeOf(rec({}))).toBe('nat');
    expect('gatewayMode' in bridgeNetOf(rec({ 'com.docker.network.bridge.gateway_mode_ipv4': 'nat' }))).toBe(false);
    expect(bridgeNetOf(rec({ 'com.docker.network.bridge.gateway_mode_ipv4': 'isolated' })).gatewayMode).toBe('isolated');
  });
  it('isolated: no address on the bridge', () => {
    const probe = { exists: false, up: false, addrs: [] };
    const addr = (n: NetIntent) => bridgeOps(n, probe).some((o) => o.kind === 'ip' && o.args[0] === 'addr');
    expect(addr({ ...NET, internal: true })).toBe(true);
    expect(addr({ ...NET, internal: true, gatewayMode: 'isolated' })).toBe(false);
  });
});
