// The diagram's model of a connected container (pure): web on `bridge` (eth0) and, after
// `network connect front web`, on `front` (eth1, host end md<id10>x1): both interfaces its own.
import { describe, expect, it } from 'vitest';
import { buildDiagram, type Snapshot } from '../../src/engine/network/diagram.js';
import { renderAscii, renderDot } from '../../src/engine/network/diagram-render.js';
import { fixture, ID } from './diagram-fixture.js';

const X1 = `md${ID.web.slice(0, 10)}x1`;
const NS = 'minidock-a5c2194c28cc';

function connected(): Snapshot {
  const s = fixture();
  s.containers.push({ id: ID.web, name: 'web', status: 'running', mode: 'bridge', endpoint: { network: 'front', ifname: 'eth1', ip: '172.18.0.3', prefixLen: 16, netns: NS, hostIf: X1, ports: [] } });
  s.host.links.push({ ifindex: 13, ifname: X1, kind: 'veth', master: 'mdbr-front', linkIndex: 3, linkNetnsid: 0, up: true, addrs: [] });
  s.netns[NS]!.push({ ifindex: 3, ifname: 'eth1', kind: 'veth', linkIndex: 13, linkNetnsid: 0, up: true, addrs: ['172.18.0.3/16'] });
  return s;
}

describe('diagram of a connected container', () => {
  it('eth1 and its host end are web\'s, on front; no stray, no drift', () => {
    const d = buildDiagram(connected());
    expect(d.drift).toEqual([]);
    expect(d.bridges.flatMap((b) => b.strays)).toEqual([]);
    const front = d.bridges.find((b) => b.network === 'front')!;
    expect(front.containers.map((c) => [c.name, c.ifname, c.hostEnd?.ifname, c.ctrEnd?.ifindex])).toEqual([['api', 'eth0', 'mdc0ffee000001', 2], ['web', 'eth1', X1, 3]]);
    expect(renderAscii(d)).toContain(`13: ${X1}@if3 ═══veth═══ 3: eth1@if13  web  172.18.0.3/16  netns ${NS}`);
    const dot = renderDot(d);
    expect(dot).toContain(`"eth1:${NS}" [label=`);
    expect(dot).toContain(`"eth0:${NS}" [label=`);
  });

  it('drift names the interface: eth1 gone, or without its address', () => {
    const s = connected();
    s.netns[NS]![2].addrs = [];
    expect(buildDiagram(s).drift.map((x) => x.message)).toEqual(['web: eth1 lacks 172.18.0.3/16']);
    s.netns[NS]!.pop();
    expect(buildDiagram(s).drift.map((x) => x.message)).toEqual([`web: eth1 is gone from ${NS}`]);
  });
});
