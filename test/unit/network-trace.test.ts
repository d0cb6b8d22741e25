// `network trace`: reading the monitors' output (recorded from xtables-monitor 1.8.9, nft 1.0.6
// and conntrack 1.4.7 on a real trace), the trace rules, and the packets' grouping. Pure.
import { describe, expect, it } from 'vitest';
import { packetsOf, parseConntrack, parseNftTrace, parseXtablesTrace } from '../../src/engine/network/trace/parse.js';
import { traceRuleOps, tracePidOf, traceTag } from '../../src/engine/network/trace/rules.js';

const XT = `PACKET: 2 dc315a0e IN=minidock0 MACSRC=2:42:ac:11:0:3 MACDST=a2:f0:4a:fd:c3:b0 MACPROTO=0800 SRC=172.17.0.3 DST=172.17.0.1 LEN=60 TOS=0x0 TTL=64 ID=52215 DF SPORT=45556 DPORT=8080 SYN
 TRACE: 2 dc315a0e raw:PREROUTING:rule:0x7:CONTINUE  -4 -t raw -A PREROUTING -p tcp -m multiport --ports 45556 -m comment --comment "minidock trace 77 (root b6426dff1549)" -j TRACE
 TRACE: 2 dc315a0e raw:PREROUTING:rule:0x5:JUMP:MINIDOCK-RAW  -4 -t raw -A PREROUTING -m comment --comment "minidock: raw" -j MINIDOCK-RAW
 TRACE: 2 dc315a0e raw:PREROUTING:policy:ACCEPT
PACKET: 2 dc315a0e IN=minidock0 MACSRC=2:42:ac:11:0:3 MACDST=a2:f0:4a:fd:c3:b0 MACPROTO=0800 SRC=172.17.0.3 DST=172.17.0.1 LEN=60 TOS=0x0 TTL=64 ID=52215 DF SPORT=45556 DPORT=8080 SYN
 TRACE: 2 dc315a0e nat:PREROUTING:rule:0x4:JUMP:MINIDOCK-DNAT  -4 -t nat -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports" -j MINIDOCK-DNAT
 TRACE: 2 dc315a0e nat:MINIDOCK-DNAT:rule:0xc:ACCEPT  -4 -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "minidock 72116f18aeb0 web (root b6426dff1549)" -j DNAT --to-destination 172.17.0.2:80
PACKET: 2 0a0b0c0d IN=minidock0 OUT=minidock0 MACSRC=2:42:ac:11:0:3 MACDST=2:42:ac:11:0:2 MACPROTO=0800 SRC=172.17.0.3 DST=172.17.0.2 LEN=60 TOS=0x0 TTL=64 ID=52215 DF SPORT=45556 DPORT=80 SYN
 TRACE: 2 0a0b0c0d filter:FORWARD:rule:0x5:JUMP:MINIDOCK-FORWARD  -4 -t filter -A FORWARD -m comment --comment "minidock: forward" -j MINIDOCK-FORWARD
 TRACE: 2 0a0b0c0d filter:MINIDOCK-FORWARD:rule:0x8:ACCEPT  -4 -t filter -A MINIDOCK-FORWARD -o minidock0 -m conntrack --ctstate DNAT -m comment --comment "minidock net bridge: published ports (root b6426dff1549)" -j ACCEPT
PACKET: 2 dc315a0e IN=minidock0 MACSRC=2:42:ac:11:0:2 MACDST=a2:f0:4a:fd:c3:b0 MACPROTO=0800 SRC=172.17.0.2 DST=172.17.0.1 LEN=60 TOS=0x0 TTL=64 ID=0 DF SPORT=80 DPORT=45556 SYN ACK
 TRACE: 2 dc315a0e raw:PREROUTING:rule:0x7:CONTINUE  -4 -t raw -A PREROUTING -p tcp -m multiport --ports 45556 -m comment --comment "minidock trace 77 (root b6426dff1549)" -j TRACE
 TRACE: 2 dc315a0e raw:PREROUTING:policy:ACCEPT
`;

const NFT = `trace id caf078ac ip minidock trace_pre_77 packet: iif "minidock0" ether saddr 02:42:ac:11:00:03 ether daddr 16:57:61:bf:ea:9e ip saddr 172.17.0.3 ip daddr 172.17.0.1 ip length 60 tcp sport 45557 tcp dport 8080 tcp flags == syn tcp window 64240
trace id caf078ac ip minidock trace_pre_77 rule meta l4proto tcp th sport 45557 meta nftrace set 1 comment "minidock trace 77 (root 009fb244a86b)" (verdict continue)
trace id caf078ac ip minidock trace_pre_77 policy accept
trace id caf078ac ip minidock nat_pre packet: iif "minidock0" ip saddr 172.17.0.3 ip daddr 172.17.0.1 tcp sport 45557 tcp dport 8080 tcp flags == syn
trace id caf078ac ip minidock nat_pre rule fib daddr type local counter packets 0 bytes 0 jump published comment "minidock: published ports" (verdict jump published)
trace id caf078ac ip minidock published rule counter packets 0 bytes 0 dnat ip to meta l4proto . th dport map @pub comment "minidock: ports on every address" (verdict accept)
add rule ip minidock x counter
trace id caf078ac ip minidock nat_post packet: oif "minidock0" @ll,0,112 0x242ac1100020242ac1100030800 ip saddr 172.17.0.3 ip daddr 172.17.0.2 tcp sport 45557 tcp dport 80 tcp flags == syn
trace id caf078ac ip minidock po_minidock0 rule ip saddr 172.17.0.0/16 ct status dnat counter packets 0 bytes 0 masquerade comment "minidock net bridge: hairpin (root 009fb244a86b)" (verdict accept)
trace id 9b86e4c8 ip minidock raw_pre packet: iif "minidock0" ip saddr 172.17.0.2 ip daddr 172.17.0.1 tcp sport 80 tcp dport 45557 tcp flags == 0x12
trace id 9b86e4c8 ip minidock raw_pre policy accept
`;

const CT = `    [NEW] tcp      6 120 SYN_SENT src=172.17.0.3 dst=172.17.0.1 sport=45556 dport=8080 [UNREPLIED] src=172.17.0.2 dst=172.17.0.1 sport=80 dport=45556
 [UPDATE] tcp      6 432000 ESTABLISHED src=172.17.0.3 dst=172.17.0.1 sport=45556 dport=8080 src=172.17.0.2 dst=172.17.0.1 sport=80 dport=45556 [ASSURED]
    [NEW] icmp     1 30 src=172.17.0.3 dst=172.17.0.1 type=8 code=0 id=29119 [UNREPLIED] src=172.17.0.1 dst=172.17.0.3 type=0 code=0 id=29119
`;

const isTrace = (h: { comment?: string }) => tracePidOf(h.comment) !== undefined;

describe('network trace: the monitors', () => {
  it('xtables-monitor --trace: segments per hook, rules with their verdicts, packets by trace rule (not by id)', () => {
    const segs = parseXtablesTrace(XT);
    expect(segs.map((s) => `${s.table} ${s.hook} ${s.verdict}`)).toEqual(['raw PREROUTING policy accept', 'nat PREROUTING accept', 'filter FORWARD accept', 'raw PREROUTING policy accept']);
    expect(segs[1].hits[1]).toMatchObject({ chain: 'MINIDOCK-DNAT', verdict: 'accept', comment: 'minidock 72116f18aeb0 web (root b6426dff1549)' });
    expect(segs[1].hits[0].verdict).toBe('jump MINIDOCK-DNAT');
    expect(segs[2].pkt).toMatchObject({ iif: 'minidock0', oif: 'minidock0', daddr: '172.17.0.2', dport: 80, macDst: '02:42:ac:11:00:02', flags: 'SYN' });
    const pk = packetsOf(segs, isTrace, (p) => String(p.sport === 45556));
    expect(pk.map((p) => p.segments.length)).toEqual([3, 1]); // the FORWARD segment's new id stays with its packet
    expect(pk[1].pkt.flags).toBe('SYN ACK');
  });

  it('nft monitor: segments, the map lookup rule, flags in hex, ruleset events ignored', () => {
    const segs = parseNftTrace(NFT);
    expect(segs.map((s) => `${s.chain} ${s.hook}`)).toEqual(['trace_pre_77 PREROUTING', 'nat_pre PREROUTING', 'nat_post POSTROUTING', 'raw_pre PREROUTING']);
    expect(segs[1].hits.map((h) => h.verdict)).toEqual(['jump published', 'accept']);
    expect(segs[1].hits[1].rule).toBe('counter dnat ip to meta l4proto . th dport map @pub comment "minidock: ports on every address"');
    expect(segs[2].pkt.macDst).toBe('02:42:ac:11:00:02');
    expect(segs[3].pkt).toMatchObject({ sport: 80, dport: 45557, flags: 'SYN ACK' });
    // the reply lost its trace chain line: its other direction still makes it a packet of its own
    const pk = packetsOf(segs, isTrace, (p) => String(p.sport === 45557));
    expect(pk.map((p) => p.segments.map((s) => s.chain))).toEqual([['trace_pre_77', 'nat_pre', 'nat_post'], ['raw_pre']]);
  });

  it('conntrack -E: both tuples, states, ASSURED and UNREPLIED, icmp ids', () => {
    const ev = parseConntrack(CT);
    expect(ev).toHaveLength(3);
    expect(ev[0]).toMatchObject({ type: 'NEW', proto: 'tcp', state: 'SYN_SENT', unreplied: true, assured: false, orig: { src: '172.17.0.3', sport: 45556, dport: 8080 }, reply: { src: '172.17.0.2', sport: 80 } });
    expect(ev[1]).toMatchObject({ state: 'ESTABLISHED', assured: true, unreplied: false });
    expect(ev[2]).toMatchObject({ proto: 'icmp', orig: { id: 29119 }, reply: { src: '172.17.0.1' } });
  });
});

describe('network trace: the trace rules', () => {
  it('match the probe alone, carry the pid and the root, and undo exactly what they add', () => {
    const tag = traceTag(4242, 'abcdefabcdef');
    expect(tag).toBe('minidock trace 4242 (root abcdefabcdef)');
    expect(tracePidOf(tag)).toBe(4242);
    expect(tracePidOf('minidock trace x')).toBeUndefined();
    const ipt = traceRuleOps('iptables', { proto: 'udp', port: 45000 }, 4242, 'abcdefabcdef', 'minidock');
    expect(ipt.add.map((o) => (o as { args: string[] }).args.join(' '))).toEqual([
      `-I PREROUTING 1 -p udp -m multiport --ports 45000 -m comment --comment ${tag} -j TRACE`,
      `-I OUTPUT 1 -p udp -m multiport --ports 45000 -m comment --comment ${tag} -j TRACE`,
    ]);
    expect(ipt.remove.map((o) => (o as { args: string[] }).args.slice(0, 2).join(' '))).toEqual(['-D PREROUTING', '-D OUTPUT']);
    const nft = traceRuleOps('nftables', { proto: 'icmp', length: 1200 }, 4242, undefined, 'md');
    const lines = nft.add.map((o) => (o as { line: string }).line);
    expect(lines).toContain('add chain ip md trace_pre_4242 { type filter hook prerouting priority -301; policy accept; }');
    expect(lines).toContain('add rule ip md trace_out_4242 meta l4proto icmp ip length 1200 meta nftrace set 1 comment "minidock trace 4242"');
    expect(nft.remove.map((o) => (o as { line: string }).line)).toEqual(['flush chain ip md trace_pre_4242', 'delete chain ip md trace_pre_4242', 'flush chain ip md trace_out_4242', 'delete chain ip md trace_out_4242']);
  });
});

describe('network trace: the steps in words', () => {
  it('names the DNAT by the rule the backend lists, the FORWARD accept, the bridge port, the answer and the reverse NAT', async () => {
    const { describeTrace, renderTrace } = await import('../../src/engine/network/trace/describe.js');
    const spec = (r: string) => r.replace(/^-t \S+ -A \S+ /, '');
    const dnat = '-t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "minidock 72116f18aeb0 web (root b6426dff1549)" -j DNAT --to-destination 172.17.0.2:80';
    const fwd = '-t filter -A MINIDOCK-FORWARD -o minidock0 -m conntrack --ctstate DNAT -m comment --comment "minidock net bridge: published ports (root b6426dff1549)" -j ACCEPT';
    const listed = (table: string, chain: string, rule: string, words: string) => ({ table, chain, spec: spec(rule), packets: 0, bytes: 0, args: [], hook: false, words, command: `iptables ${rule}` });
    const r = describeTrace({
      backend: 'iptables',
      src: { kind: 'container', label: 'c2', netns: '/run/netns/minidock-29d2cc24ccda' },
      dst: { label: '172.17.0.1:8080', ip: '172.17.0.1', port: 8080 },
      proto: 'tcp',
      match: { proto: 'tcp', port: 45556 },
      segments: parseXtablesTrace(XT),
      conntrack: parseConntrack(CT),
      answer: { answer: 'syn-ack' },
      tag: 'minidock trace 77 (root b6426dff1549)',
      world: {
        backend: 'iptables',
        rules: [listed('nat', 'MINIDOCK-DNAT', dnat, 'DNAT host port 8080 → web:80 (172.17.0.2:80)'), listed('filter', 'MINIDOCK-FORWARD', fwd, 'let connections to published ports of bridge through to the container')],
        networks: [{ name: 'bridge', bridge: 'minidock0', subnet: '172.17.0.0/16', gateway: '172.17.0.1' }],
        endpoints: [{ name: 'web', id: '72116f18aeb0', network: 'bridge', ip: '172.17.0.2', hostIf: 'md72116f18aeb0', mac: '02:42:ac:11:00:02', netns: 'minidock-72116f18aeb0', ifname: 'eth0' }],
        fdb: new Map([['minidock0|02:42:ac:11:00:02', 'md72116f18aeb0']]),
      },
    });
    r.fillRoutes(new Map([['/run/netns/minidock-29d2cc24ccda|172.17.0.1', '172.17.0.1 dev eth0 src 172.17.0.3 uid 0'], ['|172.17.0.2 from 172.17.0.3 iif minidock0', '172.17.0.2 from 172.17.0.3 dev minidock0 iif minidock0']]));
    const hooks = r.probe.map((s) => `${s.kind} ${s.hook ?? ''} ${s.verdict ?? ''}`.trim());
    expect(hooks).toEqual(['routing', 'hook PREROUTING continue', 'hook PREROUTING dnat', 'routing', 'hook FORWARD accept', 'bridge']);
    expect(r.probe[2].words).toBe('DNAT host port 8080 → web:80 (172.17.0.2:80)');
    expect(r.probe[2].rule).toBe(`iptables ${dnat}`);
    expect(r.probe[4].words).toBe('accepted by MINIDOCK-FORWARD: let connections to published ports of bridge through to the container');
    expect(r.probe[5].words).toBe('bridge minidock0 (network bridge): out of port md72116f18aeb0, the veth of web, to its eth0 (172.17.0.2)');
    expect(r.probe[0].words).toBe("routing in c2's namespace: out eth0   (ip route get: 172.17.0.1 dev eth0 src 172.17.0.3 uid 0)");
    expect(r.answer).toBe('SYN-ACK (the connection was accepted) from 172.17.0.2:80 (web)');
    expect(r.reverseNat).toBe('conntrack rewrites the reply: its source 172.17.0.2:80 back to 172.17.0.1:8080 (the DNAT undone); its destination 172.17.0.1:45556 back to 172.17.0.3:45556 (the masquerade undone)');
    expect(r.conntrack).toBe('conntrack: SYN_SENT → ESTABLISHED [ASSURED] (the reply was seen)');
    expect(r.verdict).toBe('delivered: web answered');
    expect(renderTrace(r)).toMatch(/^TCP SYN from c2 to 172\.17\.0\.1:8080 \(the gateway of bridge\) \(source port 45556; firewall backend iptables\)\n/);
    const last = r.lastTrace();
    expect(last.steps.map((s) => s.hook)).toEqual(['routing', 'PREROUTING', 'PREROUTING', 'routing', 'FORWARD', 'bridge', 'delivered', 'answer', 'PREROUTING', 'routing']);
    expect(last.steps[6]).toEqual({ hook: 'delivered', iif: 'eth0', netns: 'minidock-72116f18aeb0' });
  });
});
