// `network trace` over IPv6, the pure parts: the v6 trace rules of both backends, reading
// `nft -a monitor trace` for the iptables backend (recorded from nft 1.0.6 on a real ip6tables
// trace) and mapping each rule to its ip6tables-save line by handle, nft's ip6 packet lines,
// the --to forms of an IPv6 address, and nft's v6 map keys.
import { describe, expect, it } from 'vitest';
import { asXtablesSegments, parseNftPacket, parseNftTrace, saveLinesByHandle } from '../../src/engine/network/trace/parse.js';
import { traceRuleOps } from '../../src/engine/network/trace/rules.js';
import { resolveTarget } from '../../src/engine/network/trace/resolve.js';
import { parseJsonElements } from '../../src/engine/network/firewall/nftables.js';

const TAG = 'minidock trace 77 (root b6426dff1549)';

// an ip6tables (iptables-nft) trace as nft -a prints it: iptables' comments are not shown
const NFT_IPT6 = `trace id 59002932 ip6 raw OUTPUT packet: oif "lo" ip6 saddr 2001:db8:67::1 ip6 daddr 2001:db8:67::1 ip6 dscp cs0 ip6 ecn not-ect ip6 hoplimit 64 ip6 flowlabel 369752 ip6 length 40 tcp sport 46152 tcp dport 8080 tcp flags == syn tcp window 65476
trace id 59002932 ip6 raw OUTPUT rule meta l4proto tcp tcp sport . tcp dport { 0-65535 . 46152, 46152 . 0-65535 } counter packets 0 bytes 0 meta nftrace set 1 # handle 9 (verdict continue)
trace id 59002932 ip6 raw OUTPUT policy accept
trace id 59002932 ip6 nat OUTPUT packet: oif "lo" ip6 saddr 2001:db8:67::1 ip6 daddr 2001:db8:67::1 ip6 length 40 tcp sport 46152 tcp dport 8080 tcp flags == syn
trace id 59002932 ip6 nat OUTPUT rule ip6 daddr != ::1 xt match "addrtype" counter packets 0 bytes 0 jump MINIDOCK-DNAT # handle 6 (verdict jump MINIDOCK-DNAT)
trace id 59002932 ip6 nat MINIDOCK-DNAT rule meta l4proto tcp tcp dport 8080 counter packets 0 bytes 0 dnat to [fd00:98::2]:80 # handle 12 (verdict accept)
`;

const NAT_LIST = `table ip6 nat { # handle 3
	chain OUTPUT { # handle 2
		type nat hook output priority -100; policy accept;
		ip6 daddr != ::1 xt match "addrtype" counter packets 1 bytes 80 jump MINIDOCK-DNAT # handle 6
	}

	chain MINIDOCK-DNAT { # handle 4
		meta l4proto tcp tcp dport 9090 counter packets 0 bytes 0 dnat to [fd00:98::3]:80 # handle 10
		meta l4proto tcp tcp dport 8080 counter packets 1 bytes 80 dnat to [fd00:98::2]:80 # handle 12
	}
}
`;
const NAT_SAVE = `*nat
:OUTPUT ACCEPT [0:0]
:MINIDOCK-DNAT - [0:0]
-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports from the host" -j MINIDOCK-DNAT
-A MINIDOCK-DNAT -p tcp -m tcp --dport 9090 -m comment --comment "minidock 1111 other (root b6426dff1549)" -j DNAT --to-destination [fd00:98::3]:80
-A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "minidock 2222 web (root b6426dff1549)" -j DNAT --to-destination [fd00:98::2]:80
COMMIT
`;

describe('the v6 trace rules', () => {
  it('iptables backend: ip6tables raw rules (ipv6-icmp and the whole packet length for a ping)', () => {
    const ops = traceRuleOps('iptables', { proto: 'icmp', length: 1200 }, 77, 'b6426dff1549', 'minidock', false, 6);
    expect(ops.add.map((o) => ({ ...o, why: undefined }))).toEqual([
      { kind: 'iptables', table: 'raw', family: 6, args: ['-I', 'PREROUTING', '1', '-p', 'ipv6-icmp', '-m', 'length', '--length', '1200', '-m', 'comment', '--comment', TAG, '-j', 'TRACE'], why: undefined },
      { kind: 'iptables', table: 'raw', family: 6, args: ['-I', 'OUTPUT', '1', '-p', 'ipv6-icmp', '-m', 'length', '--length', '1200', '-m', 'comment', '--comment', TAG, '-j', 'TRACE'], why: undefined },
    ]);
    expect(ops.remove.every((o) => o.kind === 'iptables' && o.family === 6 && o.args[0] === '-D')).toBe(true);
  });

  it('nftables backend: chains of the ip6 minidock table; IPv4 stays in ip minidock', () => {
    const six = traceRuleOps('nftables', { proto: 'tcp', port: 45000 }, 77, 'b6426dff1549', 'minidock', false, 6).add.map((o) => (o as { line: string }).line);
    expect(six[0]).toBe('add chain ip6 minidock trace_pre_77 { type filter hook prerouting priority -301; policy accept; }');
    expect(six).toContain(`add rule ip6 minidock trace_out_77 meta l4proto tcp th dport 45000 meta nftrace set 1 comment "${TAG}"`);
    const ping = traceRuleOps('nftables', { proto: 'icmp', length: 1200 }, 77, undefined, 'minidock', true, 6);
    expect((ping.add[0] as { line: string }).line).toBe('add table ip6 minidock');
    expect(ping.add.map((o) => (o as { line: string }).line)).toContain('add rule ip6 minidock trace_pre_77 meta l4proto ipv6-icmp meta length 1200 meta nftrace set 1 comment "minidock trace 77"');
    expect((ping.remove[ping.remove.length - 1] as { line: string }).line).toBe('delete table ip6 minidock');
    const four = traceRuleOps('nftables', { proto: 'tcp', port: 45000 }, 77, undefined, 'minidock').add.map((o) => (o as { line: string }).line);
    expect(four.every((l) => l.includes(' ip minidock '))).toBe(true);
  });
});

describe('reading an ip6tables trace from nft -a monitor trace', () => {
  it('the rule handles, and each rule mapped to its ip6tables-save line by its place in the chain', () => {
    const segs = parseNftTrace(NFT_IPT6);
    expect(segs.map((s) => [s.table, s.chain, s.hook])).toEqual([['ip6 raw', 'OUTPUT', 'OUTPUT'], ['ip6 nat', 'OUTPUT', 'OUTPUT']]);
    expect(segs[1].hits.map((h) => [h.handle, h.verdict])).toEqual([[6, 'jump MINIDOCK-DNAT'], [12, 'accept']]);
    expect(segs[0].pkt).toMatchObject({ saddr: '2001:db8:67::1', daddr: '2001:db8:67::1', sport: 46152, dport: 8080, proto: 'tcp', flags: 'SYN', oif: 'lo' });
    const byHandle = saveLinesByHandle(NAT_LIST, NAT_SAVE);
    expect(byHandle.get(10)).toMatch(/--dport 9090 /);
    expect(byHandle.get(12)).toMatch(/^-A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 .* --to-destination \[fd00:98::2\]:80$/);
    const xt = asXtablesSegments(segs, new Map([['nat', byHandle]]), TAG);
    expect(xt.map((s) => s.table)).toEqual(['raw', 'nat']);
    expect(xt[0].hits[0].comment).toBe(TAG); // the trace rule, gone from the listing by now
    expect(xt[1].hits[1]).toMatchObject({ rule: `-t nat ${byHandle.get(12)}`, comment: 'minidock 2222 web (root b6426dff1549)', verdict: 'accept' });
  });

  it("nft's ip6 packet lines: addresses, ICMPv6 type and id", () => {
    const p = parseNftPacket('iif "mdbr-1" ether saddr 02:42:0a:62:00:03 ether daddr 02:42:0a:62:00:02 ip6 saddr fd00:98::3 ip6 daddr fd00:98::2 ip6 length 1109 icmpv6 type echo-request icmpv6 code no-route icmpv6 id 19240 icmpv6 sequence 1');
    expect(p).toMatchObject({ iif: 'mdbr-1', saddr: 'fd00:98::3', daddr: 'fd00:98::2', proto: 'icmp', flags: 'echo-request', icmpId: 19240, macDst: '02:42:0a:62:00:02' });
  });
});

describe('--to an IPv6 address', () => {
  const src = { kind: 'host' as const, label: 'host' };
  it('[ADDR]:PORT and ADDR alone, in canonical form; the family 6', async () => {
    expect(await resolveTarget('[fd00:98:0::02]:80', src)).toEqual({ label: '[fd00:98:0::02]:80', ip: 'fd00:98::2', port: 80, family: 6 });
    expect(await resolveTarget('2001:db8::1', src)).toEqual({ label: '2001:db8::1', ip: '2001:db8::1', port: undefined, family: 6 });
    expect(await resolveTarget('[2001:db8::1]', src)).toMatchObject({ ip: '2001:db8::1', port: undefined });
    expect(await resolveTarget('10.0.0.1:80', src)).toEqual({ label: '10.0.0.1:80', ip: '10.0.0.1', port: 80, family: 4 });
  });
  it('refused: zone ids, v4-mapped, not an address, -6 with an IPv4 address', async () => {
    await expect(resolveTarget('[fe80::1%eth0]:80', src)).rejects.toThrow(/zone ids are not allowed/);
    await expect(resolveTarget('[::ffff:10.0.0.1]:80', src)).rejects.toThrow(/v4-mapped/);
    await expect(resolveTarget('[fd00::g]:80', src)).rejects.toThrow(/^invalid --to "\[fd00::g\]:80"/);
    await expect(resolveTarget('[fd00::1]:99999', src)).rejects.toThrow(/invalid port "99999"/);
    await expect(resolveTarget('10.0.0.1:80', src, true)).rejects.toThrow(/is an IPv4 address: -6/);
  });
});

describe("nft's v6 map keys", () => {
  it('an IPv6 address in a key or value is printed bare, even one that starts with a letter', () => {
    const els = parseJsonElements(JSON.stringify({ nftables: [{ map: { name: 'pub_addr', elem: [[{ concat: ['fd00:98::1', 'tcp', 8080] }, { concat: ['fd00:98::2', 80] }]] } }] }));
    expect(els.get('pub_addr')).toEqual([{ key: 'fd00:98::1 . tcp . 8080', value: 'fd00:98::2 . 80', comment: undefined, packets: 0, bytes: 0 }]);
  });
});
