// Renderers from fixtures: ascii, svg (well-formed XML, labels that do not overlap, 1 to 30
// containers), dot.
import { describe, expect, it } from 'vitest';
import { buildDiagram } from '../../src/engine/network/diagram.js';
import { boxesOverlap, renderAscii, renderDot, renderSvg, textBox, type Box } from '../../src/engine/network/diagram-render.js';
import { fixture, many } from './diagram-fixture.js';

// ---------------------------------------------------------------- a tiny XML checker

interface El {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: El[];
}

/** Parses well-formed XML (no DTD); throws on anything malformed. Enough to check our SVG. */
function parseXml(src: string): El {
  let i = 0;
  const fail = (m: string): never => {
    throw new Error(`${m} at ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const decode = (s: string) => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(s)) fail(`bad entity in ${JSON.stringify(s)}`);
    if (/</.test(s)) fail('< in text');
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  if (src.startsWith('<?xml')) i = src.indexOf('?>') + 2;
  const stack: El[] = [];
  let root: El | undefined;
  while (i < src.length) {
    if (src[i] === '<') {
      if (src.startsWith('</', i)) {
        const m = /^<\/([A-Za-z][\w:.-]*)\s*>/.exec(src.slice(i)) ?? fail('bad end tag');
        const top = stack.pop() ?? fail('end tag without start');
        if (top.name !== m[1]) fail(`</${m[1]}> closes <${top.name}>`);
        i += m[0].length;
        continue;
      }
      const m = /^<([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/.exec(src.slice(i)) ?? fail('bad start tag');
      const attrs: Record<string, string> = {};
      for (const a of m[2].matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*"([^"]*)"/g)) {
        if (a[1] in attrs) fail(`duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2]);
      }
      const el: El = { name: m[1], attrs, text: '', children: [] };
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) fail('two root elements');
      else root = el;
      if (!m[3]) stack.push(el);
      i += m[0].length;
    } else {
      const j = src.indexOf('<', i);
      const t = src.slice(i, j < 0 ? src.length : j);
      if (stack.length) stack[stack.length - 1].text += decode(t);
      else if (t.trim()) fail('text outside the root');
      i = j < 0 ? src.length : j;
    }
  }
  if (stack.length) fail(`unclosed <${stack[stack.length - 1].name}>`);
  return root ?? fail('empty document');
}

function all(el: El, name: string): El[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
}

function labelBoxes(svg: El): { text: string; box: Box }[] {
  return all(svg, 'text').map((t) => ({
    text: t.text,
    box: textBox({ x: Number(t.attrs.x), y: Number(t.attrs.y), text: t.text, size: Number(t.attrs['font-size']), anchor: t.attrs['text-anchor'] }),
  }));
}

function overlaps(labels: { text: string; box: Box }[]): string[] {
  const out: string[] = [];
  for (let a = 0; a < labels.length; a++)
    for (let b = a + 1; b < labels.length; b++) if (boxesOverlap(labels[a].box, labels[b].box)) out.push(`${labels[a].text} ⟷ ${labels[b].text}`);
  return out;
}

describe('svg', () => {
  it('the checker itself rejects malformed XML', () => {
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
    expect(() => parseXml('<a>R&D</a>')).toThrow();
    expect(parseXml('<a x="&lt;1"><b/>t &amp; u</a>')).toMatchObject({ name: 'a', attrs: { x: '<1' }, text: 't & u' });
  });

  it('a known setup: valid XML, every element with its addresses, no overlapping labels, all on the canvas', () => {
    const svg = renderSvg(buildDiagram(fixture()));
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(svg).not.toMatch(/(href|src)=|url\((?!#)/); // no external assets
    const labels = labelBoxes(root);
    const text = labels.map((l) => l.text).join('\n');
    for (const s of ['uplink  2: eth0', '10.0.2.15/24', 'default via 10.0.2.2', 'bridge 3: minidock0 · network bridge', 'gateway 172.17.0.1 · subnet 172.17.0.0/16',
      'bridge 4: mdbr-front · network front', '7: mda5c2194c28cc@if2', '9: md8442bef57fb6@if2', '11: mdc0ffee000001@if2', '2: eth0@if7  172.17.0.2/16',
      'netns minidock-a5c2194c28cc', '0.0.0.0:8080/tcp', '172.17.0.2:80', '127.0.0.1:5353/udp', '172.18.0.2:53', 'MASQUERADE → uplink: 172.17.0.0/16 ! -o minidock0']) {
      expect(text).toContain(s);
    }
    for (const n of ['web', 'db', 'api']) expect(labels.some((l) => l.text === n)).toBe(true);
    expect(overlaps(labels)).toEqual([]);
    const W = Number(root.attrs.width);
    const H = Number(root.attrs.height);
    for (const l of labels) {
      expect(l.box.x).toBeGreaterThanOrEqual(0);
      expect(l.box.x + l.box.w).toBeLessThanOrEqual(W);
      expect(l.box.y + l.box.h).toBeLessThanOrEqual(H);
    }
    // published ports are arrows (a line with an arrowhead) from the host pill to the container address
    expect(all(root, 'line').filter((l) => l.attrs.class?.startsWith('dnat') && l.attrs['marker-end']).length).toBe(2);
  });

  for (const n of [1, 2, 5, 13, 30]) {
    it(`${n} container(s): valid, no overlapping labels, a sensible size`, () => {
      const svg = renderSvg(buildDiagram(many(n)));
      const root = parseXml(svg);
      const labels = labelBoxes(root);
      expect(overlaps(labels)).toEqual([]);
      expect(Number(root.attrs.width)).toBeLessThanOrEqual(1800);
      expect(labels.filter((l) => /^svc-|^a-very-long/.test(l.text)).length).toBe(n);
    });
  }

  it('drift is drawn in red and listed', () => {
    const s = fixture();
    s.host.links = s.host.links.filter((l) => l.ifname !== 'mda5c2194c28cc');
    const svg = renderSvg(buildDiagram(s));
    const root = parseXml(svg);
    expect(all(root, 'text').filter((t) => t.attrs.class === 'drift').map((t) => t.text)).toEqual(
      expect.arrayContaining(['✗ veth mda5c2194c28cc is gone from the host', '✗ web: veth mda5c2194c28cc is gone from the host']),
    );
    expect(all(root, 'rect').some((r) => r.attrs.class === 'card bad')).toBe(true);
    expect(overlaps(labelBoxes(root))).toEqual([]);
  });
});

describe('ascii', () => {
  it('shows uplink, bridges, veth pairs with ifindexes, containers, ports and MASQUERADE', () => {
    const t = renderAscii(buildDiagram(fixture()));
    expect(t).toContain('uplink  2: eth0  10.0.2.15/24  default via 10.0.2.2');
    expect(t).toMatch(/MASQUERADE \(SNAT\): traffic from 172\.17\.0\.0\/16 leaving by any interface but minidock0 takes eth0's address/);
    expect(t).toContain('network "bridge"   bridge 3: minidock0   gateway 172.17.0.1   subnet 172.17.0.0/16');
    expect(t).toMatch(/7: mda5c2194c28cc@if2\s+═══veth═══ 2: eth0@if7  web  172\.17\.0\.2\/16  netns minidock-a5c2194c28cc/);
    expect(t).toMatch(/11: mdc0ffee000001@if2\s+═══veth═══ 2: eth0@if11  api  172\.18\.0\.2\/16/);
    expect(t).toContain('⇨ 0.0.0.0:8080/tcp ──DNAT──▶ 172.17.0.2:80');
    expect(t).toContain('⇨ 127.0.0.1:5353/udp ──DNAT──▶ 172.18.0.2:53');
    expect(t).toContain("the kernel and minidock's state agree");
    expect(t).not.toContain('\x1b[');
  });

  it('marks drift', () => {
    const s = fixture();
    s.netns['minidock-a5c2194c28cc'] = null;
    const t = renderAscii(buildDiagram(s));
    expect(t).toContain('✗ netns minidock-a5c2194c28cc is gone');
    expect(t).toContain('✗ eth0 (gone)');
  });
});

describe('dot', () => {
  it('has every element and link', () => {
    const t = renderDot(buildDiagram(fixture()));
    expect(t.startsWith('digraph minidock {')).toBe(true);
    expect(t.trim().endsWith('}')).toBe(true);
    expect(t).toContain('"bridge:minidock0" -> uplink [label="MASQUERADE 172.17.0.0/16 [2 pkts]"');
    expect(t).toContain('"bridge:minidock0" -> "veth:mda5c2194c28cc"');
    expect(t).toContain('"veth:mda5c2194c28cc" -> "eth0:minidock-a5c2194c28cc" [dir=both, label="veth"');
    expect(t).toContain('"port:0.0.0.0:8080/tcp" -> "eth0:minidock-a5c2194c28cc" [label="DNAT → 172.17.0.2:80 [3 pkts]"');
    expect(t).toContain('"port:127.0.0.1:5353/udp" -> "eth0:minidock-c0ffee000001"');
    expect(t).toContain('label="7: mda5c2194c28cc@if2"');
    expect(t).toContain('2: eth0@if7\\n172.17.0.2/16\\nweb');
    expect((t.match(/{/g) ?? []).length).toBe((t.match(/}/g) ?? []).length);
  });
});
