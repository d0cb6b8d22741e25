// The diagram model (kernel snapshot + state → graph) and the rules describer, from fixtures.
import { describe, expect, it } from 'vitest';
import { buildDiagram, parseCountedSave, parseIpJson } from '../../src/engine/network/diagram.js';
import { filterRules, ownedRules, renderRules, ruleCommand } from '../../src/engine/network/rules.js';
import { fixture, ID, SAVE } from './diagram-fixture.js';

describe('diagram model', () => {
  it('a known setup: two networks, three containers, two published ports, no drift', () => {
    const d = buildDiagram(fixture());
    expect(d.drift).toEqual([]);
    expect(d.uplink).toEqual({ ifname: 'eth0', addrs: ['10.0.2.15/24'], gateway: '10.0.2.2', ifindex: 2 });
    expect(d.bridges.map((b) => [b.network, b.bridge, b.gateway, b.subnet, b.ifindex, b.masquerade])).toEqual([
      ['bridge', 'minidock0', '172.17.0.1', '172.17.0.0/16', 3, true],
      ['front', 'mdbr-front', '172.18.0.1', '172.18.0.0/16', 4, true],
    ]);
    const [b, f] = d.bridges;
    expect(b.containers.map((c) => c.name)).toEqual(['db', 'web']);
    const web = b.containers[1];
    expect(web.hostEnd).toEqual({ ifname: 'mda5c2194c28cc', ifindex: 7, peerIndex: 2 });
    expect(web.ctrEnd).toEqual({ ifname: 'eth0', ifindex: 2, peerIndex: 7 });
    expect(web).toMatchObject({ ip: '172.17.0.2', netns: 'minidock-a5c2194c28cc', netnsExists: true });
    expect(web.ports).toEqual([
      expect.objectContaining({ hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp', containerIp: '172.17.0.2', containerPort: 80, inKernel: true, packets: 3 }),
    ]);
    expect(f.containers[0].ports).toEqual([expect.objectContaining({ hostIp: '127.0.0.1', hostPort: 5353, proto: 'udp', containerIp: '172.18.0.2', containerPort: 53 })]);
    expect(b.masqueradePackets).toBe(2);
  });

  it('filters by network', () => {
    const d = buildDiagram(fixture(), ['front']);
    expect(d.bridges.map((b) => b.network)).toEqual(['front']);
  });

  it('marks a veth deleted behind minidock\'s back, and the stray left behind', () => {
    const s = fixture();
    s.host.links = s.host.links.filter((l) => l.ifname !== 'mda5c2194c28cc');
    s.host.links.push({ ifindex: 20, ifname: 'mdfeedfacecafe', kind: 'veth', master: 'minidock0', linkIndex: 5, up: true, addrs: [] });
    const d = buildDiagram(s);
    const web = d.bridges[0].containers.find((c) => c.name === 'web')!;
    expect(web.hostEnd).toBeUndefined();
    expect(web.drift).toContain('veth mda5c2194c28cc is gone from the host');
    expect(d.bridges[0].strays).toEqual([{ ifname: 'mdfeedfacecafe', ifindex: 20, peerIndex: 5 }]);
    expect(d.drift.map((x) => x.message)).toEqual(expect.arrayContaining([
      'web: veth mda5c2194c28cc is gone from the host',
      'veth mdfeedfacecafe on minidock0 belongs to no container',
    ]));
  });

  it('marks a gone netns, a missing DNAT rule, a missing MASQUERADE and a stray DNAT', () => {
    const s = fixture();
    s.netns['minidock-8442bef57fb6'] = null;
    s.iptablesSave = SAVE.replace(/^.*--dport 8080.*$/m, '').replace(/^.*front: outbound.*$/m, '') + '*nat\n[0:0] -A MINIDOCK-DNAT -p tcp -m tcp --dport 7000 -m comment --comment "minidock 0123456789ab gone" -j DNAT --to-destination 172.17.0.9:70\nCOMMIT\n';
    const d = buildDiagram(s);
    const msgs = d.drift.map((x) => x.message);
    expect(msgs).toContain('db: netns minidock-8442bef57fb6 is gone');
    expect(msgs).toContain('web: no DNAT rule for 0.0.0.0:8080/tcp');
    expect(msgs.some((m) => m.startsWith('network front: no MASQUERADE'))).toBe(true);
    expect(d.strayPorts).toEqual([expect.objectContaining({ hostPort: 7000, containerIp: '172.17.0.9', containerName: 'gone' })]);
  });

  it('parses ip -j -d addr and iptables-save -c', () => {
    const links = parseIpJson(JSON.stringify([
      { ifindex: 3, link_index: 2, ifname: 'mdx', flags: ['UP'], master: 'minidock0', link_netnsid: 0, linkinfo: { info_kind: 'veth' }, addr_info: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
    ]));
    expect(links).toEqual([{ ifindex: 3, ifname: 'mdx', kind: 'veth', master: 'minidock0', linkIndex: 2, linkNetnsid: 0, up: true, mac: undefined, addrs: [] }]);
    const { rules } = parseCountedSave(SAVE);
    const dnat = rules.find((r) => r.args[r.args.indexOf('-j') + 1] === 'DNAT')!;
    expect(dnat).toMatchObject({ table: 'nat', chain: 'MINIDOCK-DNAT', packets: 3, bytes: 180, comment: 'minidock a5c2194c28cc web' });
  });
});

describe('network rules', () => {
  const ctx = () => ({ prefix: 'MINIDOCK', networks: fixture().networks, containers: fixture().containers });

  it('lists only minidock\'s rules, in packet-path order, with plain words', () => {
    const rules = ownedRules(SAVE, ctx());
    expect(rules.some((r) => r.chain === 'DOCKER-USER' || r.args.includes('DOCKER-USER') || r.spec.includes('10.9.0.0/16'))).toBe(false);
    expect([...new Set(rules.map((r) => r.table))]).toEqual(['raw', 'nat', 'filter']);
    const words = rules.map((r) => r.words);
    expect(words).toContain('DNAT host port 8080 → web:80 (172.17.0.2:80)');
    expect(words).toContain('DNAT host 127.0.0.1 port 5353/udp → api:53 (172.18.0.2:53)');
    expect(words.some((w) => w.startsWith('SNAT: containers of bridge (172.17.0.0/16)'))).toBe(true);
    expect(words.some((w) => w.startsWith('hairpin'))).toBe(true);
    const text = renderRules(rules);
    expect(text).toMatch(/table nat[\s\S]*chain MINIDOCK-DNAT[\s\S]*\n\s+3\s+180\s+DNAT host port 8080 → web:80/);
    expect(ruleCommand(rules.find((r) => r.words.startsWith('DNAT host port 8080'))!)).toBe(
      'iptables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
    );
  });

  it('filters by network or container, hooks always kept', () => {
    const rules = ownedRules(SAVE, ctx());
    const front = filterRules(rules, { network: 'front' });
    expect(front.some((r) => r.words.includes('web:80'))).toBe(false);
    expect(front.some((r) => r.words.includes('api:53'))).toBe(true);
    expect(front.filter((r) => r.hook).length).toBe(rules.filter((r) => r.hook).length);
    const web = filterRules(rules, { container: ID.web, network: 'bridge' });
    expect(web.some((r) => r.words.includes('web:80'))).toBe(true);
    expect(web.some((r) => r.words.includes('api'))).toBe(false);
    expect(web.some((r) => r.words.startsWith('SNAT: containers of bridge'))).toBe(true);
  });

  it('marks counters that rose since the previous frame', () => {
    const rules = ownedRules(SAVE, ctx());
    const prev = new Map(rules.map((r) => [`${r.table} ${r.chain} ${r.spec}`, { packets: r.words.includes('web:80') ? 1 : r.packets, bytes: 0 }]));
    expect(renderRules(rules, { previous: prev })).toMatch(/DNAT host port 8080 → web:80 \(172\.17\.0\.2:80\) \+2/);
  });
});
