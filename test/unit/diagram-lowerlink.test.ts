// The diagram's model of a macvlan network (pure): the parent, each container's eth0 as a link
// of it, no NAT, and the drift marks, from a written-out kernel snapshot.
import { describe, expect, it } from 'vitest';
import { buildDiagram, type KLink, type Snapshot } from '../../src/engine/network/diagram.js';
import { renderAscii } from '../../src/engine/network/diagram-render.js';

const A = 'a1a1a1a1a1a1' + '0'.repeat(52);
const B = 'b2b2b2b2b2b2' + '0'.repeat(52);
const link = (ifindex: number, ifname: string, o: Partial<KLink> = {}): KLink => ({ ifindex, ifname, up: true, addrs: [], ...o });

function snap(): Snapshot {
  return {
    host: { links: [link(1, 'lo'), link(7, 'lan0', { kind: 'veth' })] },
    netns: {
      'minidock-a1a1a1a1a1a1': [link(1, 'lo'), link(2, 'eth0', { kind: 'macvlan', linkIndex: 7, linkNetnsid: 0, addrs: ['10.77.0.2/24'] })],
      'minidock-b2b2b2b2b2b2': [link(1, 'lo'), link(2, 'eth0', { kind: 'macvlan', linkIndex: 7, linkNetnsid: 0, addrs: ['10.77.0.3/24'] })],
    },
    iptablesSave: '',
    chainPrefix: 'MINIDOCK',
    networks: [{ name: 'mv', id: 'f'.repeat(64), bridge: 'lan0', subnet: '10.77.0.0/24', gateway: '10.77.0.1', lower: { kind: 'macvlan', label: 'macvlan mode bridge on lan0' } }],
    containers: [
      { id: A, name: 'ma', status: 'running', mode: 'mv', endpoint: { network: 'mv', ip: '10.77.0.2', prefixLen: 24, netns: 'minidock-a1a1a1a1a1a1', hostIf: '', ports: [] } },
      { id: B, name: 'mb', status: 'running', mode: 'mv', endpoint: { network: 'mv', ip: '10.77.0.3', prefixLen: 24, netns: 'minidock-b2b2b2b2b2b2', hostIf: '', ports: [] } },
    ],
  };
}

describe('diagram of a macvlan network', () => {
  it('agrees with the kernel: no MASQUERADE expected, no host ends, eth0@if<parent>', () => {
    const d = buildDiagram(snap());
    expect(d.drift).toEqual([]);
    expect(d.bridges[0]).toMatchObject({ network: 'mv', bridge: 'lan0', ifindex: 7, exists: true, lower: { kind: 'macvlan' } });
    expect(d.bridges[0].containers.map((c) => [c.name, c.hostEnd, c.ctrEnd?.peerIndex])).toEqual([['ma', undefined, 7], ['mb', undefined, 7]]);
    expect(d.strays).toEqual([]);
    const text = renderAscii(d);
    expect(text).toContain('┌ network "mv"   macvlan mode bridge on lan0   parent 7: lan0   gateway 10.77.0.1   subnet 10.77.0.0/24');
    expect(text).toContain('├── lan0 ═══macvlan═══ 2: eth0@if7  ma  10.77.0.2/24  netns minidock-a1a1a1a1a1a1');
    expect(text).toContain("(mv is macvlan: no NAT, its containers have addresses of their own on lan0's LAN)");
  });

  it('marks drift: parent down or gone, eth0 of another kind, on another link, without its address', () => {
    const s = snap();
    s.host.links[1].up = false;
    s.netns['minidock-a1a1a1a1a1a1']![1] = link(2, 'eth0', { kind: 'veth', linkIndex: 9, addrs: ['10.77.0.2/24'] });
    s.netns['minidock-b2b2b2b2b2b2']![1] = link(2, 'eth0', { kind: 'macvlan', linkIndex: 8, addrs: [] });
    expect(buildDiagram(s).drift.map((x) => x.message)).toEqual([
      'ma: eth0 in minidock-a1a1a1a1a1a1 is a veth, not a macvlan link',
      'mb: eth0 lacks 10.77.0.3/24',
      'mb: eth0 in minidock-b2b2b2b2b2b2 is not a link of lan0',
      'network mv: parent lan0 is down',
    ]);
    s.host.links.splice(1, 1);
    expect(buildDiagram(s).drift.map((x) => x.message)).toContain('network mv: parent lan0 is missing from the kernel');
  });
});
