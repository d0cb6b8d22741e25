// The last trace drawn on the SVG diagram, from a fixture file in last-trace.json's format
// (src/engine/network/last-trace.ts): the path through the interfaces in order, the numbered
// stops, the steps in words; a dropped probe in red; files not of the format draw nothing.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildDiagram } from '../../src/engine/network/diagram.js';
import { layoutSvg, renderSvg } from '../../src/engine/network/diagram-render.js';
import { parseLastTrace, type LastTrace } from '../../src/engine/network/last-trace.js';
import { fixture } from './diagram-fixture.js';

const FILE = new URL('../fixtures/last-trace.json', import.meta.url);
const trace = (): LastTrace => parseLastTrace(readFileSync(FILE, 'utf8'))!;
const pathPoints = (svg: string) =>
  [.../<path d="([^"]+)" class="trace"/.exec(svg)![1].matchAll(/[ML] ([\d.]+) ([\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
const near = (a: { x: number; y: number }) => ({ x: expect.closeTo(a.x, 0), y: expect.closeTo(a.y, 0) });

describe('last trace on the svg diagram', () => {
  it('reads the fixture file', () => {
    const t = trace();
    expect(t.steps).toHaveLength(6);
    expect(t.steps[5]).toEqual({ hook: 'PREROUTING', verdict: 'accept', iif: 'eth0', netns: 'minidock-a5c2194c28cc' });
  });

  it('draws a path host (lo) → bridge → web\'s host veth end → web\'s eth0, numbered, and the steps in words', () => {
    const d = buildDiagram(fixture());
    const L = layoutSvg(d);
    const svg = renderSvg(d, { trace: trace() });
    expect(pathPoints(svg)).toEqual([L.anchors.host, L.anchors['host:minidock0'], L.anchors['host:mda5c2194c28cc'], L.anchors['minidock-a5c2194c28cc/eth0']].map(near));
    // the stops: 1–2 on the host, 3–5 at the bridge, 5 at the veth, 6 inside web
    for (const label of ['>1–2<', '>3–5<', '>5<', '>6<']) expect(svg).toContain(label);
    expect(svg).toContain('>the host itself (lo)<');
    expect(svg).toContain('data-trace="head">last trace: host → 127.0.0.1:8080 (tcp) · answered (SYN-ACK from web) · 2026-12-01T15:04:05.000Z<');
    expect(svg).toContain('data-step="2">2. OUTPUT nat MINIDOCK-DNAT: DNAT host port 8080 → web:80 (172.17.0.2:80) → dnat 172.17.0.2:80  (out lo)<');
    expect(svg).toContain('data-step="6">6. PREROUTING → accept  (in eth0 in minidock-a5c2194c28cc)<');
    expect(svg).not.toContain('class="trace bad"');
  });

  it('adds to the diagram and takes nothing away; the canvas grows for the legend', () => {
    const d = buildDiagram(fixture());
    const plain = renderSvg(d).split('\n');
    const traced = renderSvg(d, { trace: trace() });
    const lines = new Set(traced.split('\n'));
    expect(plain.filter((l) => !l.startsWith('<svg ') && !l.startsWith('<rect x="0" y="0"') && !lines.has(l))).toEqual([]);
    const h = (s: string) => Number(/<svg [^>]*height="(\d+)"/.exec(s)![1]);
    expect(h(traced)).toBeGreaterThan(h(plain.join('\n')) + 6 * 17);
  });

  it('a dropped probe: its stop and its step in red; an interface the diagram does not show is left off the path', () => {
    const t: LastTrace = {
      version: 1,
      from: 'lan',
      to: '172.17.0.2:80',
      outcome: 'dropped',
      steps: [
        { hook: 'PREROUTING', iif: 'eth9' },
        { hook: 'PREROUTING', table: 'raw', chain: 'MINIDOCK-RAW', rule: 'no direct access from outside', verdict: 'drop', iif: 'eth0' },
      ],
    };
    const d = buildDiagram(fixture());
    const svg = renderSvg(d, { trace: t });
    expect(svg).not.toContain('data-trace="path"'); // one stop: no path
    expect(svg.match(/class="trace bad"/g)).toHaveLength(1);
    expect(svg).toMatch(/class="drift" data-step="2">2\. PREROUTING raw MINIDOCK-RAW: no direct access from outside → drop {2}\(in eth0\)</);
  });

  it('a file not of the format is no trace', () => {
    for (const raw of ['', 'nope', '[]', '{"version":2,"steps":[]}', '{"version":1}', '{"version":1,"steps":[{"chain":"x"}]}', '{"version":1,"steps":[{"hook":7}]}']) {
      expect(parseLastTrace(raw), raw).toBeUndefined();
    }
    const long = parseLastTrace(JSON.stringify({ version: 1, steps: [{ hook: 'x', rule: 'r'.repeat(2000), extra: 1 }] }))!;
    expect(long.steps[0].rule!.length).toBe(501);
    expect(long.steps[0]).not.toHaveProperty('extra');
  });
});
