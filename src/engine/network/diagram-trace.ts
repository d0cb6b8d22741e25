// The last `network trace` drawn over the SVG diagram (last-trace.ts has the file): a path
// through the interfaces the packet crossed, in order, a numbered dot where each step happened,
// and the steps in words below the diagram. Pure: adds to a layout from layoutSvg.
import { fit, textWidth, type Point, type SvgLayout } from './diagram-render.js';
import type { LastTrace, TraceStep } from './last-trace.js';

const M = 24;
const LH = 17;
const HOST_W = 160; // its step pill sits on its left edge

/** Where an interface of a step is drawn: a container's (netns/ifname) or the host's. */
function anchorOf(L: SvgLayout, ifname: string | undefined, netns: string | undefined): { key: string; at: Point } | undefined {
  if (!ifname) return undefined;
  const key = netns ? `${netns}/${ifname}` : ifname === 'lo' ? 'host' : `host:${ifname}`;
  const at = L.anchors[key];
  return at ? { key, at } : undefined;
}

const dropped = (s: TraceStep) => /^drop|reject/i.test(s.verdict ?? '');

/** "1–3, 5" */
function ranges(ns: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ns.length; i++) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j] + 1) j++;
    out.push(j > i ? `${ns[i]}–${ns[j]}` : `${ns[i]}`);
    i = j;
  }
  return out.join(', ');
}

/** One step in words: `3. FORWARD filter MINIDOCK-FORWARD: published ports → accept  (in minidock0, out md…)` */
export function stepWords(s: TraceStep, i: number): string {
  const where = [s.table, s.chain].filter(Boolean).join(' ');
  const ifs = [s.iif ? `in ${s.iif}` : '', s.oif ? `out ${s.oif}` : ''].filter(Boolean).join(', ');
  return `${i + 1}. ${s.hook}${where ? ` ${where}` : ''}${s.rule ? `: ${s.rule}` : ''}${s.verdict ? ` → ${s.verdict}` : ''}${ifs ? `  (${ifs}${s.netns ? ` in ${s.netns}` : ''})` : s.netns ? `  (in ${s.netns})` : ''}`;
}

/** The legend's head line: `last trace: host → 127.0.0.1:8080 (tcp) · delivered: web answered · TIME` */
export function traceHead(t: LastTrace): string {
  return `last trace: ${t.from ?? '?'} → ${t.to ?? '?'}${t.proto ? ` (${t.proto})` : ''}${t.outcome ? ` · ${t.outcome}` : ''}${t.time ? ` · ${t.time}` : ''}`;
}

/** Adds the trace to the layout: the path, its numbered stops, the host box if used, the legend. */
export function drawTrace(L: SvgLayout, t: LastTrace): void {
  // The stops: each interface a step names, in order, one stop per run of the same place.
  const stops: { key: string; at: Point; steps: number[]; bad: boolean }[] = [];
  t.steps.forEach((s, i) => {
    for (const a of [anchorOf(L, s.iif, s.netns), anchorOf(L, s.oif, s.netns)]) {
      if (!a) continue;
      const last = stops[stops.length - 1];
      if (last && last.key === a.key) {
        if (!last.steps.includes(i + 1)) last.steps.push(i + 1);
        last.bad ||= dropped(s);
      } else stops.push({ ...a, steps: [i + 1], bad: dropped(s) });
    }
  });
  if (stops.some((s) => s.key === 'host')) {
    const h = L.anchors.host;
    L.shapes.push(`<rect x="${h.x}" y="${h.y - 14}" width="${HOST_W}" height="28" rx="6" class="host"/>`);
    L.texts.push({ x: h.x + 26, y: h.y + 4, text: 'the host itself (lo)', size: 11, cls: 'tracetext' });
  }
  if (stops.length > 1) {
    const d = stops.map((s, i) => `${i ? 'L' : 'M'} ${s.at.x.toFixed(1)} ${s.at.y.toFixed(1)}`).join(' ');
    L.shapes.push(`<path d="${d}" class="trace" data-trace="path"/>`);
  }
  // each stop a pill with its step numbers (the numbers give the order)
  for (const s of stops) {
    const label = ranges(s.steps);
    const w = Math.max(18, textWidth(label, 10) + 8);
    L.shapes.push(`<rect x="${(s.at.x - w / 2).toFixed(1)}" y="${(s.at.y - 9).toFixed(1)}" width="${w.toFixed(1)}" height="18" rx="9" class="${s.bad ? 'trace bad' : 'trace'}"/>`);
    L.texts.push({ x: s.at.x, y: s.at.y + 4, text: label, size: 10, cls: 'step', anchor: 'middle' });
  }

  // The legend: the steps in words, under everything.
  let y = L.height - M + 8;
  const head = traceHead(t);
  L.texts.push({ x: M, y, text: fit(head, 13, L.width - 2 * M), size: 13, cls: 'bold tracetext', data: ['data-trace', 'head'] });
  y += LH + 2;
  t.steps.forEach((s, i) => {
    L.texts.push({ x: M + 12, y, text: fit(stepWords(s, i), 12, L.width - 2 * M - 12), size: 12, cls: dropped(s) ? 'drift' : 'mono', data: ['data-step', String(i + 1)] });
    y += LH;
  });
  if (!t.steps.length) {
    L.texts.push({ x: M + 12, y, text: '(no steps recorded)', size: 12, cls: 'small' });
    y += LH;
  }
  L.height = Math.ceil(y + M);
}
