// The SVG diagram's overlay part from a fixture: the VXLAN bar, every other host as a card with
// its containers, a tunnel line to each, drift pinned on the host it names (else under the
// VXLAN bar) in red — and, with 5 hosts × 6 containers, no label overlapping another or
// leaving the canvas. (On the real 3-host harness: test/integration/overlay-diagram-svg.test.ts.)
import { describe, expect, it } from 'vitest';
import { buildDiagram, type OverlayNode } from '../../src/engine/network/diagram.js';
import { boxesOverlap, layoutSvg, renderSvg, textBox } from '../../src/engine/network/diagram-render.js';
import { fixture } from './diagram-fixture.js';

const VX = 'mdvx-0123456789';
function withOverlay(nHosts: number, perHost: number, drift: string[] = [], net = '10.231.7') {
  const d = buildDiagram(fixture());
  const hosts: OverlayNode['hosts'] = Array.from({ length: nHosts }, (_, i) => ({
    id: `${i + 1}`.repeat(32),
    name: 'box',
    vtep: `${net}.${i + 1}`,
    self: i === 0,
    tunnel: i > 0,
    containers: Array.from({ length: perHost }, (_, j) => ({ name: `c${i + 1}-${j}`, ip: `10.97.0.${10 * i + j + 2}`, mac: `02:42:0a:61:00:${(10 * i + j + 2).toString(16).padStart(2, '0')}` })),
  }));
  d.bridges[1].overlay = { vni: 4097, vxlan: VX, local: `${net}.1`, exists: true, hosts, drift };
  return d;
}

describe('svg diagram: overlay part', () => {
  it('draws the VXLAN, the other hosts with their containers and a tunnel to each; not this host as a card', () => {
    const svg = renderSvg(withOverlay(3, 2));
    expect(svg).toContain(`data-vxlan="${VX}">VXLAN 4097 · ${VX} · UDP 4789</text>`);
    expect(svg).toContain('this host box · VTEP 10.231.7.1 · 2 containers of it here (above)');
    for (const h of [2, 3]) {
      expect(svg).toContain(`data-host="10.231.7.${h}"`);
      expect(svg).toContain(`data-tunnel="10.231.7.${h}">⇄ tunnel VNI 4097 to 10.231.7.${h}</text>`);
      expect(svg).toContain(`data-remote-container="10.231.7.${h}/c${h}-1"`);
    }
    expect(svg).not.toContain('data-host="10.231.7.1"');
    expect(svg.match(/class="tunnel"/g)).toHaveLength(2);
    expect(svg).not.toMatch(/class="[^"]*bad/);
  });

  it('pins drift on the host it names, in red; drift naming no host goes under the VXLAN bar', () => {
    const missing = `the store has what the kernel lacks (ip neigh replace 10.97.0.12 lladdr 02:42:0a:61:00:0c dev ${VX} nud permanent)`;
    const stray = `the kernel has what the store does not (bridge fdb 02:42:de:ad:be:ef dev ${VX} dst 10.231.7.99 self)`;
    const L = layoutSvg(withOverlay(3, 2, [missing, stray]));
    const red = L.texts.filter((t) => t.cls === 'drift').map((t) => t.text);
    expect(red.join(' ')).toContain('✗ the store has what the kernel lacks');
    expect(red.join(' ')).toContain('dst 10.231.7.99');
    const card = L.texts.find((t) => t.data?.[1] === '10.231.7.2')!; // host 2's card
    const pinned = L.texts.find((t) => t.text.startsWith('✗ the store has'))!;
    const looseAt = L.texts.find((t) => t.text.startsWith('✗ the kernel has'))!;
    expect(pinned.y).toBeGreaterThan(card.y); // in host 2's card
    expect(pinned.x).toBe(card.x);
    expect(looseAt.y).toBeLessThan(card.y); // under the VXLAN bar, above the hosts
    expect(L.texts.find((t) => t.text.startsWith('c2-0'))!.cls).toBe('drift'); // its container in red
    expect(L.texts.find((t) => t.text.startsWith('c2-1'))!.cls).toBe('mono');
    expect(L.shapes.filter((s) => s.includes('class="rhost bad"'))).toHaveLength(1);
    expect(L.shapes.some((s) => s.includes('class="vxlan bad"'))).toBe(true);
  });

  for (const [n, per] of [[3, 4], [6, 6]] as const) {
    it(`${n} hosts × ${per} containers: no label overlaps another, all on the canvas, VTEPs of the longest kind in full`, () => {
      const L = layoutSvg(withOverlay(n, per, [`the kernel has what the store does not (bridge fdb 00:00:00:00:00:00 dev ${VX} dst 255.255.255.2 self)`], '255.255.255'));
      const tunnels = L.texts.filter((t) => t.text.startsWith('VTEP 255.255.255.1 ⇄'));
      expect(tunnels.map((t) => t.text)).toEqual(Array.from({ length: Math.min(n - 1, 4) }, (_, i) => `VTEP 255.255.255.1 ⇄ 255.255.255.${i + 2}`));
      const boxes = L.texts.map((t) => ({ t: t.text, b: textBox(t) }));
      const bad: string[] = [];
      for (let a = 0; a < boxes.length; a++) {
        const A = boxes[a].b;
        if (A.x < 0 || A.y < 0 || A.x + A.w > L.width || A.y + A.h > L.height) bad.push(`off canvas: ${boxes[a].t}`);
        for (let b = a + 1; b < boxes.length; b++) if (boxesOverlap(A, boxes[b].b)) bad.push(`${boxes[a].t} ⟷ ${boxes[b].t}`);
      }
      expect(bad).toEqual([]);
      expect(L.texts.filter((t) => t.data?.[0] === 'data-remote-container')).toHaveLength((n - 1) * per);
    });
  }
});
