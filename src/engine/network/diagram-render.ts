// Renderers of the network diagram (model in diagram.ts): ascii for a terminal, svg for a
// browser (self-contained, computed layout, labels checked not to overlap), dot for Graphviz.
// All pure: a Diagram in, a string out.
import { bracket6, type BridgeNode, type ContainerNode, type Diagram, type OverlayHost, type OverlayNode, type PortArrow, type VethEnd } from './diagram.js';
import { drawTrace } from './diagram-trace.js';
import type { LastTrace } from './last-trace.js';

const vethName = (v: VethEnd) => `${v.ifindex}: ${v.ifname}${v.peerIndex !== undefined ? `@if${v.peerIndex}` : ''}`;
const portFrom = (p: PortArrow) => `${bracket6(p.hostIp)}:${p.hostPort}/${p.proto}`;
const portTo = (p: PortArrow) => `${bracket6(p.containerIp)}:${p.containerPort}`;
/** An overlay network's VXLAN, its hosts and tunnels, as text lines (ascii; dot labels). */
export function overlayLines(ov: OverlayNode): { text: string; bad: boolean }[] {
  const out: { text: string; bad: boolean }[] = [];
  out.push({ text: `VXLAN ${ov.vni} on ${ov.vxlan}${ov.exists ? '' : ' (not on this host: no container of it here)'}, UDP 4789, this host's VTEP ${ov.local || '?'}`, bad: false });
  if (ov.storeError) out.push({ text: `✗ cluster store not read: ${ov.storeError}`, bad: true });
  for (const h of ov.hosts) {
    const ctrs = h.containers.length ? h.containers.map((c) => `${c.name} ${both(c.ip, c.ip6)} ${c.mac}`).join(', ') : 'no container of this network';
    if (h.self) out.push({ text: `host ${h.name || h.id.slice(0, 12)} ${h.vtep} (this host): ${ctrs}`, bad: false });
    else out.push({ text: `${h.tunnel ? '⇄' : ' '} host ${h.name || h.id.slice(0, 12)} ${h.vtep}: ${h.tunnel ? `tunnel VNI ${ov.vni} to ${h.vtep}` : 'no tunnel'}: ${ctrs}`, bad: false });
  }
  for (const m of ov.drift) out.push({ text: `✗ ${m}`, bad: true });
  return out;
}

const pk = (n: number | undefined) => (n === undefined ? '' : `${n} pkt${n === 1 ? '' : 's'}`);

// ================================================================= ascii

export interface AsciiOptions {
  /** ANSI colours (drift in red, names in bold). */
  color?: boolean;
}

/** Both families where the network has IPv6 (IPv4 first; an IPv6-only network has no IPv4 part). */
const both = (a: string, b?: string) => [a, b].filter(Boolean).join(' ');
const gatewaysOf = (b: BridgeNode) => both(b.gateway, b.gateway6);
const subnetsOf = (b: BridgeNode) => both(b.subnet, b.subnet6);
/** The subnets whose outbound MASQUERADE is in place (IPv4 first), and its packets (both families'). */
const masqOf = (b: BridgeNode) => {
  const on = [b.masquerade && b.subnet, b.masquerade6 && b.subnet6].filter((x): x is string => !!x);
  const counts = [b.masquerade ? b.masqueradePackets : undefined, b.masquerade6 ? b.masquerade6Packets : undefined].filter((x): x is number => x !== undefined);
  return { any: on.length > 0, subnets: on.join(' and '), packets: counts.length ? counts.reduce((a, x) => a + x, 0) : undefined };
};
const addrsOf = (c: ContainerNode) => both(c.ip ? `${c.ip}/${c.prefixLen}` : '', c.ip6 && `${c.ip6}/${c.prefixLen6}`);

function padEnd(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - [...s].length));
}

export function renderAscii(d: Diagram, o: AsciiOptions = {}): string {
  const red = (s: string) => (o.color ? `\x1b[31m${s}\x1b[0m` : s);
  const bold = (s: string) => (o.color ? `\x1b[1m${s}\x1b[0m` : s);
  const dim = (s: string) => (o.color ? `\x1b[2m${s}\x1b[0m` : s);
  const out: string[] = [];
  const up = d.uplink;
  if (up) {
    out.push(`${bold('uplink')}  ${up.ifindex ?? '?'}: ${up.ifname}  ${up.addrs.join(' ') || '(no IPv4 address)'}${up.gateway ? `  default via ${up.gateway}` : ''}`);
  } else out.push(`${bold('uplink')}  (none: this host has no default route)`);
  const out_ = up ? up.ifname : 'the uplink';
  if (d.bridges.length) {
    out.push('  ▲');
    for (const b of d.bridges) {
      const m = masqOf(b);
      const line = b.lower
        ? `  ╎ (${b.network} is ${b.lower.kind}: no NAT, its containers have addresses of their own on ${b.bridge}'s LAN${b.internal ? '; internal: no way out' : ''})`
        : b.internal && !m.any
        ? `  ╎ (${b.network} is --internal: no way out, no MASQUERADE${b.gatewayMode === 'isolated' ? '; gateway mode isolated: no address on the bridge' : ''})`
        : (b.gatewayMode === 'routed' || (!b.subnet && b.gatewayMode6 === 'routed')) && !m.any
        ? `  ╎ (${b.network} is gateway mode routed: no NAT, its containers keep their addresses; from outside only published container ports)`
        : m.any
        ? `  ╎ MASQUERADE (SNAT): traffic from ${m.subnets} leaving by any interface but ${b.bridge} takes ${out_}'s address${m.packets !== undefined ? dim(`  [${pk(m.packets)}]`) : ''}${b.gatewayMode === 'nat-unprotected' ? ' (gateway mode nat-unprotected: every container port reachable directly)' : ''}`
        : red(`  ╎ ✗ no MASQUERADE for ${subnetsOf(b)}: containers of ${b.network} cannot reach the outside`);
      out.push(line);
    }
    out.push('  ╎');
  }
  for (const b of d.bridges) {
    const dev = `${b.ifindex !== undefined ? `${b.ifindex}: ` : ''}${b.bridge}`;
    const head = `┌ network ${bold(JSON.stringify(b.network))}   ${b.lower ? `${b.lower.label}   parent ${dev}` : `bridge ${dev}`}   gateway ${gatewaysOf(b)}   subnet ${subnetsOf(b)}${b.gatewayMode6 ? `   IPv6 gateway mode ${b.gatewayMode6}` : ''}`;
    out.push(b.drift.length && !b.exists ? red(head) : head);
    for (const m of b.drift) out.push(red(`│ ✗ ${m}`));
    const rows: { left: string; right: string; extra: string[]; bad: boolean; link?: string }[] = [];
    for (const c of b.containers) {
      const left = b.lower ? b.bridge : c.hostEnd ? vethName(c.hostEnd) : `✗ (gone)`;
      const ctr = c.ctrEnd ? vethName(c.ctrEnd) : `✗ ${c.ifname} (gone)`;
      const extra: string[] = [];
      for (const p of c.ports) {
        extra.push(`⇨ ${portFrom(p)} ──DNAT──▶ ${portTo(p)}${p.packets !== undefined ? dim(`  [${pk(p.packets)}]`) : ''}${p.inKernel ? '' : red('  ✗ no DNAT rule')}`);
      }
      for (const m of c.drift) extra.push(red(`✗ ${m}`));
      rows.push({ left, right: `${ctr}  ${bold(c.name)}  ${addrsOf(c)}  netns ${c.netns}`, extra, bad: c.drift.length > 0, link: b.lower?.kind });
    }
    for (const s of b.strays) rows.push({ left: vethName(s), right: '', extra: [red('✗ veth with no container (its peer is gone or not minidock\'s)')], bad: true });
    const w = Math.max(0, ...rows.map((r) => [...r.left].length));
    if (b.overlay) for (const l of overlayLines(b.overlay)) out.push(`│ ${l.bad ? red(l.text) : l.text}`);
    if (rows.length === 0) out.push('│ (no containers)');
    else out.push('│');
    rows.forEach((r, i) => {
      const last = i === rows.length - 1;
      const veth = r.right ? ` ═══${r.link ?? 'veth'}═══ ${r.right}` : '';
      out.push(`${last ? '└' : '├'}── ${padEnd(r.left, w)}${veth}`);
      for (const e of r.extra) out.push(`${last ? ' ' : '│'}      ${e}`);
    });
    out.push('');
  }
  if (d.bridges.length === 0) out.push('', '(no minidock bridge networks yet)', '');
  if (d.strays.length) {
    out.push(red('veths of minidock on no bridge, with no container:'));
    for (const s of d.strays) out.push(red(`  ✗ ${vethName(s)}`));
    out.push('');
  }
  if (d.strayPorts.length) {
    out.push(red('DNAT rules with no running container:'));
    for (const p of d.strayPorts) out.push(red(`  ✗ ${portFrom(p)} ──DNAT──▶ ${portTo(p)}${p.containerName ? ` (was ${p.containerName})` : ''}`));
    out.push('');
  }
  if (d.others.length) {
    out.push('containers without a bridge:');
    for (const c of d.others) out.push(`  ${c.name}  --network ${c.mode}`);
    out.push('');
  }
  if (d.drift.length) out.push(red(`${d.drift.length} disagreement${d.drift.length === 1 ? '' : 's'} between the kernel and minidock's state (marked ✗)`));
  else out.push(dim('the kernel and minidock\'s state agree'));
  return out.join('\n') + '\n';
}

// ================================================================= svg

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface SvgText {
  x: number;
  y: number;
  text: string;
  size: number;
  cls: string;
  anchor?: 'start' | 'middle';
  /** A data-* attribute naming what the text shows (data-container, data-port): for the live page. */
  data?: [string, string];
}

export interface Point {
  x: number;
  y: number;
}

export interface SvgLayout {
  width: number;
  height: number;
  texts: SvgText[];
  /** Everything but text: rects, lines, paths, already as SVG elements. */
  shapes: string[];
  /**
   * Where each interface is drawn, for a path through them (the last trace): `host:IFNAME` for
   * the uplink, a bridge (or macvlan parent), a host veth end; `NETNS/IFNAME` for a container's
   * interface; `host` for a free spot beside the uplink (the host itself: lo, its processes).
   */
  anchors: Record<string, Point>;
}

export const FONT = `'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace`;
/** Advance of one character as a fraction of the font size (monospace ≈ 0.6; a little more for safety). */
const CHAR = 0.62;

function cells(s: string): number {
  let n = 0;
  for (const ch of s) n += ch.charCodeAt(0) < 0x2000 ? 1 : 2; // arrows and symbols may fall back to a wider font
  return n;
}

/** Width a text takes, in px (an upper bound for a monospace font). */
export function textWidth(s: string, size: number): number {
  return cells(s) * size * CHAR;
}

/** The box a text label covers (for overlap checks). */
export function textBox(t: { x: number; y: number; text: string; size: number; anchor?: string }): Box {
  const w = textWidth(t.text, t.size);
  const x = t.anchor === 'middle' ? t.x - w / 2 : t.x;
  return { x, y: t.y - t.size * 0.85, w, h: t.size * 1.1 };
}

export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Shortens a text with … so it fits maxW px. */
export function fit(s: string, size: number, maxW: number): string {
  if (textWidth(s, size) <= maxW) return s;
  let out = s;
  while (out.length > 1 && textWidth(out + '…', size) > maxW) out = out.slice(0, -1);
  return out + '…';
}

/** Breaks a text into lines of at most maxW px at spaces (a word too long for a line is shortened with …). */
export function wrap(s: string, size: number, maxW: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of s.split(' ')) {
    const next = cur ? `${cur} ${w}` : w;
    if (!cur || textWidth(next, size) <= maxW) cur = next;
    else {
      out.push(cur);
      cur = w;
    }
  }
  if (cur) out.push(cur);
  return out.map((l) => fit(l, size, maxW));
}

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const M = 24; // outer margin
const LANE = 16; // spacing of the MASQUERADE lanes on the left
const CW = 370; // card width
const GAP = 28; // between cards
const PAD = 10; // inside cards
const LH = 17; // line height in cards
const VETH_GAP = 44; // between a row's bus line and its cards (holds the host veth end)
const MAX_COLS = 4;

interface Card {
  kind: 'container' | 'stray';
  c?: ContainerNode;
  stray?: VethEnd;
  lines: { text: string; cls: string; size: number; port?: PortArrow; data?: [string, string] }[];
  bad: boolean;
  hostLabel: string;
  /** What joins the card to the bar: a veth pair, or (macvlan, ipvlan) a link of the parent. */
  linkLabel: string;
}

function cardsOf(b: BridgeNode): Card[] {
  const cards: Card[] = [];
  for (const c of b.containers) {
    const lines: Card['lines'] = [];
    lines.push({ text: c.name, cls: 'name', size: 14, data: ['data-container', c.name] });
    lines.push({ text: `${c.ctrEnd ? vethName(c.ctrEnd) : `${c.ifname} (gone)`}  ${addrsOf(c)}`, cls: 'mono', size: 12 });
    lines.push({ text: `netns ${c.netns}${c.netnsExists ? '' : ' (gone)'}`, cls: 'small', size: 11 });
    if (c.ports.length) lines.push({ text: 'published (DNAT on the host):', cls: 'small', size: 11 });
    for (const p of c.ports) lines.push({ text: '', cls: 'port', size: 12, port: p });
    for (const m of c.drift) lines.push({ text: `✗ ${m}`, cls: 'drift', size: 11 });
    cards.push({ kind: 'container', c, lines, bad: c.drift.length > 0, hostLabel: b.lower ? `${b.lower.kind} of ${b.bridge}` : c.hostEnd ? vethName(c.hostEnd) : '✗ host end gone', linkLabel: b.lower ? 'no host end' : 'veth pair' });
  }
  for (const s of b.strays) {
    cards.push({
      kind: 'stray',
      stray: s,
      lines: [
        { text: '✗ veth with no container', cls: 'drift', size: 12 },
        { text: `peer ${s.peerIndex !== undefined ? `if${s.peerIndex}` : 'unknown'} is not a minidock container`, cls: 'small', size: 11 },
      ],
      bad: true,
      hostLabel: vethName(s),
      linkLabel: 'veth pair',
    });
  }
  return cards;
}

const cardHeight = (c: Card) => c.lines.length * LH + 2 * PAD + 10;

/** The words of a drift message (addresses, MACs), split at spaces and parentheses. */
const tokens = (m: string) => new Set(m.split(/[\s()]+/));
/** A drift message is about this host: it names its VTEP or one of its containers' addresses or MACs. */
const driftNames = (m: string, h: OverlayHost) => {
  const t = tokens(m);
  return t.has(h.vtep) || h.containers.some((c) => t.has(c.ip) || (!!c.ip6 && t.has(c.ip6)) || t.has(c.mac));
};

/** Computes the whole layout: every text with its position, every shape. Pure. */
export function layoutSvg(d: Diagram): SvgLayout {
  const texts: SvgText[] = [];
  const shapes: string[] = [];
  const anchors: Record<string, Point> = {};
  const T = (x: number, y: number, text: string, size: number, cls: string, anchor?: 'start' | 'middle', data?: [string, string]) => texts.push({ x, y, text, size, cls, anchor, ...(data ? { data } : {}) });
  const rect = (x: number, y: number, w: number, h: number, cls: string, rx = 6) =>
    shapes.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${rx}" class="${cls}"/>`);
  const line = (x1: number, y1: number, x2: number, y2: number, cls: string, marker = false) =>
    shapes.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" class="${cls}"${marker ? ' marker-end="url(#arrow)"' : ''}/>`);

  const nets = d.bridges.map((b) => ({ b, cards: cardsOf(b) }));
  const remotes = (b: BridgeNode) => b.overlay?.hosts.filter((h) => !h.self) ?? [];
  const maxCards = Math.max(1, ...nets.map((n) => Math.max(n.cards.length, remotes(n.b).length)), d.strays.length);
  const cols = Math.min(MAX_COLS, maxCards);
  const left = M + Math.max(1, d.bridges.length) * LANE + 12; // x where bars and cards start
  const gridW = cols * CW + (cols - 1) * GAP;
  const width = Math.max(left + gridW + M, 720);
  const innerW = width - left - M;

  /**
   * An overlay network's part, under its local containers: the VXLAN device as a bar plugged
   * into the bridge's trunk (from trunkTop), then every other host of the cluster as a card with
   * the network's containers there, each joined to the VXLAN bar by its tunnel. Drift the
   * renderer can pin on a host (its VTEP, a container's address or MAC) is drawn in that host's
   * card; the rest under the VXLAN bar. Returns the y below it.
   */
  const drawOverlay = (ov: OverlayNode, trunkTop: number, top: number): number => {
    const trunkX = left - 6;
    const hosts = ov.hosts.filter((h) => !h.self);
    const self = ov.hosts.find((h) => h.self);
    const pinned = new Map(hosts.map((h) => [h, ov.drift.filter((m) => driftNames(m, h))]));
    const loose = ov.drift.filter((m) => !hosts.some((h) => driftNames(m, h)));
    const head = [
      { text: `VXLAN ${ov.vni} · ${ov.vxlan} · UDP 4789${ov.exists ? '' : ' · not on this host: no container of it here'}`, cls: 'bold', size: 13, data: ['data-vxlan', ov.vxlan] as [string, string] },
      { text: `this host${self ? ` ${self.name || self.id.slice(0, 12)}` : ''} · VTEP ${ov.local || '?'}${self ? ` · ${self.containers.length} container${self.containers.length === 1 ? '' : 's'} of it here (above)` : ''}`, cls: 'mono', size: 12 },
      ...(ov.storeError ? [{ text: `✗ cluster store not read: ${ov.storeError}`, cls: 'drift', size: 11 }] : []),
      ...loose.flatMap((m) => wrap(`✗ ${m}`, 11, innerW - 2 * PAD).map((text) => ({ text, cls: 'drift', size: 11 }))),
    ];
    const vxH = PAD + head.length * LH + 4;
    rect(left, top, innerW, vxH, ov.drift.length || ov.storeError ? 'vxlan bad' : 'vxlan');
    head.forEach((l, i) => T(left + PAD, top + PAD + 12 + i * LH, fit(l.text, l.size, innerW - 2 * PAD), l.size, l.cls, undefined, 'data' in l ? l.data : undefined));
    line(trunkX, trunkTop, trunkX, top + vxH / 2, 'bus');
    line(trunkX, top + vxH / 2, left, top + vxH / 2, 'bus');
    anchors[`host:${ov.vxlan}`] = { x: left, y: top + vxH / 2 };
    let rowTop = top + vxH;
    if (!hosts.length) {
      T(left + PAD, rowTop + LH + 4, '(no other host in the cluster)', 12, 'small');
      return rowTop + LH + 44;
    }
    const barBottom = rowTop;
    for (let r = 0; r * cols < hosts.length; r++) {
      const row = hosts.slice(r * cols, r * cols + cols);
      const cardY = rowTop + VETH_GAP;
      const cardsH = row.map((h) => {
        const lines: { text: string; cls: string; size: number; data?: [string, string] }[] = [
          { text: `host ${h.name ? `${h.name} · ` : ''}${h.id.slice(0, 12)}`, cls: 'name', size: 14, data: ['data-host', h.vtep] },
          { text: `VTEP ${h.vtep}`, cls: 'mono', size: 12 },
          h.tunnel
            ? { text: `⇄ tunnel VNI ${ov.vni} to ${h.vtep}`, cls: 'tunneltext', size: 11, data: ['data-tunnel', h.vtep] }
            : { text: h.containers.length && ov.exists ? `✗ no tunnel: no broadcast FDB entry to ${h.vtep}` : 'no tunnel (none needed yet)', cls: h.containers.length && ov.exists ? 'drift' : 'small', size: 11 },
          ...(h.containers.length ? h.containers : [undefined]).map((c) =>
            c
              ? { text: `${c.name}  ${both(c.ip, c.ip6)}  ${c.mac}`, cls: pinned.get(h)!.some((m) => tokens(m).has(c.ip) || (!!c.ip6 && tokens(m).has(c.ip6)) || tokens(m).has(c.mac)) ? 'drift' : 'mono', size: 12, data: ['data-remote-container', `${h.vtep}/${c.name}`] as [string, string] }
              : { text: 'no container of this network', cls: 'small', size: 11 },
          ),
          ...pinned.get(h)!.flatMap((m) => wrap(`✗ ${m}`, 11, CW - 2 * PAD).map((text) => ({ text, cls: 'drift', size: 11 }))),
        ];
        return lines;
      });
      const h = Math.max(...cardsH.map((ls) => ls.length * LH + 2 * PAD + 10));
      row.forEach((host, i) => {
        const cx = left + i * (CW + GAP);
        // the tunnel near the card's left edge: its label (both VTEPs) has the card's width to the right
        const mid = cx + 40;
        const bad = pinned.get(host)!.length > 0 || (!host.tunnel && host.containers.length > 0 && ov.exists);
        const cls = `tunnel${bad ? ' bad' : host.tunnel ? '' : ' none'}`;
        if (r === 0) {
          line(mid, barBottom, mid, cardY, cls);
          T(mid + 8, barBottom + 17, fit(host.tunnel ? `VNI ${ov.vni} · UDP 4789` : 'no tunnel', 12, i < row.length - 1 ? CW + GAP - 20 : width - 6 - (mid + 8)), 12, bad ? 'drift' : host.tunnel ? 'tunneltext' : 'small');
          T(mid + 8, barBottom + 32, fit(`VTEP ${ov.local || '?'} ⇄ ${host.vtep}`, 10, i < row.length - 1 ? CW + GAP - 20 : width - 6 - (mid + 8)), 10, 'small');
        } else {
          // later rows: down the gap left of the column (one lane per row), into the card's side
          const gx = cx - GAP / 2 + (r - 1) * 4;
          // (the first column's gap is left of the VXLAN bar: leave the bar by its side)
          const from = gx < left ? `M ${left} ${barBottom - 8} H ${gx}` : `M ${gx} ${barBottom}`;
          shapes.push(`<path d="${from} V ${cardY + 24} H ${cx}" class="${cls}"/>`);
        }
        rect(cx, cardY, CW, h, bad ? 'rhost bad' : 'rhost');
        let ly = cardY + PAD + 2;
        for (const l of cardsH[i]) {
          ly += LH;
          T(cx + PAD, ly, fit(l.text, l.size, CW - 2 * PAD), l.size, l.cls, undefined, l.data);
        }
      });
      rowTop = cardY + h + 12;
    }
    return rowTop + 40;
  };

  // Title.
  let y = M + 16;
  T(M, y, 'minidock network diagram', 16, 'title');
  y += 18;
  T(M, y, 'read from the kernel (ip, iptables) and minidock\'s state; ✗ marks where they disagree', 11, 'small');
  y += 18;

  // Uplink.
  const up = d.uplink;
  const upLines = up
    ? [`uplink  ${up.ifindex ?? '?'}: ${up.ifname}`, `${up.addrs.join('  ') || '(no IPv4 address)'}`, up.gateway ? `default via ${up.gateway}` : 'default route']
    : ['uplink: none', 'this host has no default route'];
  const upW = Math.max(280, ...upLines.map((l) => textWidth(l, 13) + 2 * PAD));
  const upH = PAD + upLines.length * LH + 4;
  const upY = y;
  rect(M, upY, upW, upH, 'uplink');
  upLines.forEach((l, i) => T(M + PAD, upY + PAD + 12 + i * LH, l, 13, i === 0 ? 'bold' : 'mono'));
  if (up) anchors[`host:${up.ifname}`] = { x: M + upW / 2, y: upY + upH };
  anchors.host = { x: M + upW + 60, y: upY + upH / 2 };
  y = upY + upH + 40;

  // Networks.
  nets.forEach(({ b, cards }, k) => {
    const barY = y;
    const barH = 46;
    const lane = M + 8 + k * LANE;
    // MASQUERADE path: from the bar's left end up its own lane to the uplink.
    const barX = left - 14;
    const m = masqOf(b);
    shapes.push(`<path d="M ${barX} ${barY + barH / 2} H ${lane} V ${upY + upH + 2}" class="${m.any ? 'masq' : 'masq bad'}"${(b.internal && !m.any) || b.lower ? ' visibility="hidden"' : ''} marker-end="url(#arrow)"/>`);
    rect(barX, barY, innerW + 14, barH, b.drift.length ? 'bridge bad' : 'bridge');
    T(left + PAD, barY + 19, fit(`${b.lower ? `${b.lower.label} · parent ` : 'bridge '}${b.ifindex !== undefined ? `${b.ifindex}: ` : ''}${b.bridge} · network ${b.network}`, 14, innerW / 2 - 2 * PAD), 14, 'bold');
    T(left + PAD, barY + 37, fit(`gateway ${gatewaysOf(b)} · subnet ${subnetsOf(b)}`, 12, innerW / 2 - 2 * PAD), 12, 'mono');
    const masqText = b.lower
      ? `no NAT: addresses of their own on ${b.bridge}'s LAN${b.internal ? ' (internal)' : ''}`
      : b.internal && !m.any
      ? `internal network: no way out`
      : m.any
      ? `MASQUERADE → uplink: ${m.subnets} ! -o ${b.bridge}${m.packets !== undefined ? `  [${pk(m.packets)}]` : ''}`
      : `✗ no MASQUERADE for ${subnetsOf(b)}`;
    anchors[`host:${b.bridge}`] = { x: left - 6, y: barY + barH };
    const masqFit = fit(masqText, 11, innerW / 2 - 2 * PAD);
    T(left + innerW - PAD - textWidth(masqFit, 11), barY + 19, masqFit, 11, m.any ? 'masqtext' : b.internal || b.lower ? 'small' : 'drift');
    let by = barY + barH;
    if (b.drift.length) {
      for (const m of b.drift) {
        by += LH;
        T(left + PAD, by, fit(`✗ ${m}`, 11, innerW - 2 * PAD), 11, 'drift');
      }
      by += 6;
    }
    if (cards.length === 0) {
      by += LH + 4;
      T(left + PAD, by, '(no containers)', 12, 'small');
      if (b.overlay) y = drawOverlay(b.overlay, barY + barH, by + 20);
      else y = by + 40;
      return;
    }
    // Rows of cards, each under a bus line branching off a trunk from the bar.
    const trunkX = left - 6; // between the MASQUERADE lanes and the cards: crosses nothing
    let rowTop = by + 16;
    const rowsN = Math.ceil(cards.length / cols);
    let lastBusY = by;
    for (let r = 0; r < rowsN; r++) {
      const row = cards.slice(r * cols, r * cols + cols);
      const busY = rowTop;
      const cardY = busY + VETH_GAP;
      const lastCx = left + (row.length - 1) * (CW + GAP) + CW / 2;
      line(trunkX, busY, Math.max(lastCx, trunkX), busY, 'bus');
      lastBusY = busY;
      const h = Math.max(...row.map(cardHeight));
      row.forEach((c, i) => {
        const cx = left + i * (CW + GAP);
        const mid = cx + CW / 2;
        line(mid, busY, mid, cardY, c.bad ? 'veth bad' : 'veth');
        const hostEnd = c.c?.hostEnd ?? c.stray;
        if (hostEnd) anchors[`host:${hostEnd.ifname}`] = { x: mid, y: busY };
        if (c.c) anchors[`${c.c.netns}/${c.c.ifname}`] = { x: mid, y: cardY };
        shapes.push(`<circle cx="${mid}" cy="${busY}" r="3" class="port"/>`);
        // The host end's label may run right up to the next card's veth line (or the canvas edge).
        const room = i < row.length - 1 ? CW + GAP - 20 : width - 6 - (mid + 8);
        T(mid + 8, busY + 17, fit(c.hostLabel, 12, room), 12, c.bad && c.kind === 'stray' ? 'drift' : 'mono');
        T(mid + 8, busY + 32, c.linkLabel, 10, 'small');
        rect(cx, cardY, CW, h, c.bad ? 'card bad' : 'card');
        let ly = cardY + PAD + 2;
        for (const l of c.lines) {
          ly += LH;
          if (l.port) {
            const p = l.port;
            const from = fit(portFrom(p), 11, 185);
            const fw = textWidth(from, 11) + 10;
            shapes.push(`<rect x="${cx + PAD}" y="${ly - 13}" width="${fw}" height="17" rx="8" class="${p.inKernel ? 'pill' : 'pill bad'}"/>`);
            T(cx + PAD + 5, ly - 1, from, 11, 'mono');
            const ax = cx + PAD + fw + 4;
            line(ax, ly - 4, ax + 26, ly - 4, p.inKernel ? 'dnat' : 'dnat bad', true);
            const toX = ax + 34;
            const roomTo = cx + CW - PAD - toX;
            const withPk = `${portTo(p)}${p.packets !== undefined ? ` [${pk(p.packets)}]` : ''}`;
            T(toX, ly, fit(textWidth(withPk, 12) <= roomTo ? withPk : portTo(p), 12, roomTo), 12, 'mono', undefined, ['data-port', portFrom(p)]);
          } else {
            T(cx + PAD, ly, fit(l.text, l.size, CW - 2 * PAD), l.size, l.cls, undefined, l.data);
          }
        }
      });
      rowTop = cardY + h + 28;
    }
    // Trunk from the bar down to the last row's bus (and on to the VXLAN device: a port too).
    if (b.overlay) y = drawOverlay(b.overlay, barY + barH, rowTop);
    else {
      line(trunkX, barY + barH, trunkX, lastBusY, 'bus');
      y = rowTop + 24;
    }
  });
  if (nets.length === 0) {
    T(left, y, '(no minidock bridge networks yet)', 12, 'small');
    y += 40;
  }

  // Host-wide leftovers and drift.
  const section = (title: string, lines: string[], cls: string, always = false) => {
    if (!lines.length && !always) return;
    T(M, y, title, 13, 'bold');
    y += LH + 2;
    for (const l of lines) {
      T(M + 12, y, fit(l, 12, width - 2 * M - 12), 12, cls);
      y += LH;
    }
    y += 14;
  };
  section('veths of minidock on no bridge, with no container', d.strays.map((s) => `✗ ${vethName(s)}`), 'drift');
  section('DNAT rules with no running container', d.strayPorts.map((p) => `✗ ${portFrom(p)} → ${portTo(p)}${p.containerName ? ` (was ${p.containerName})` : ''}`), 'drift');
  section('containers without a bridge', d.others.map((c) => `${c.name}  --network ${c.mode}`), 'mono');
  section(
    d.drift.length ? `${d.drift.length} disagreement${d.drift.length === 1 ? '' : 's'} between the kernel and minidock's state` : "the kernel and minidock's state agree",
    d.drift.map((x) => `✗ ${x.message}`),
    'drift',
    true, // "agree" is worth saying too
  );
  return { width: Math.ceil(width), height: Math.ceil(y + M), texts, shapes, anchors };
}

export interface SvgOptions {
  /** The last `network trace`, drawn over the diagram as a path (the live page). */
  trace?: LastTrace;
}

export function renderSvg(d: Diagram, o: SvgOptions = {}): string {
  const L = layoutSvg(d);
  if (o.trace) drawTrace(L, o.trace);
  const style = `
    text { font-family: ${FONT}; fill: #1f2933; }
    .title { font-weight: bold; }
    .bold, .name { font-weight: bold; }
    .small { fill: #52606d; }
    .drift { fill: #c62828; }
    .masqtext { fill: #1565c0; }
    rect.uplink { fill: #e3f2fd; stroke: #1565c0; stroke-width: 1.5; }
    rect.bridge { fill: #e8f5e9; stroke: #2e7d32; stroke-width: 1.5; }
    rect.card { fill: #fffdf5; stroke: #8d6e63; stroke-width: 1.2; }
    rect.pill { fill: #fff3e0; stroke: #ef6c00; stroke-width: 1; }
    .bad { stroke: #c62828 !important; stroke-dasharray: 5 3; }
    line.bus { stroke: #2e7d32; stroke-width: 3; }
    line.veth { stroke: #6d4c41; stroke-width: 2.5; }
    circle.port { fill: #2e7d32; }
    line.dnat { stroke: #ef6c00; stroke-width: 1.6; }
    path.masq { fill: none; stroke: #1565c0; stroke-width: 1.6; stroke-dasharray: 6 3; }
    path.trace { fill: none; stroke: #8e24aa; stroke-width: 3; stroke-opacity: 0.8; }
    rect.trace { fill: #8e24aa; } rect.trace.bad { fill: #c62828; stroke-dasharray: none; }
    rect.host { fill: #f3e5f5; stroke: #8e24aa; stroke-width: 1.2; }
    rect.vxlan { fill: #f3e5f5; stroke: #6a1b9a; stroke-width: 1.5; }
    rect.rhost { fill: #ede7f6; stroke: #6a1b9a; stroke-width: 1.2; }
    .tunnel { fill: none; stroke: #6a1b9a; stroke-width: 3; stroke-dasharray: 10 3; }
    .tunnel.none { stroke: #b39ddb; stroke-width: 1.5; stroke-dasharray: 2 4; }
    .tunneltext { fill: #6a1b9a; }
    .tracetext { fill: #6a1b9a; } text.step { fill: #ffffff; font-weight: bold; }
  `;
  const texts = L.texts.map(
    (t) => `<text x="${t.x.toFixed(1)}" y="${t.y.toFixed(1)}" font-size="${t.size}" class="${t.cls}"${t.anchor === 'middle' ? ' text-anchor="middle"' : ''}${t.data ? ` ${t.data[0]}="${esc(t.data[1])}"` : ''}>${esc(t.text)}</text>`,
  );
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}">`,
    `<title>minidock network diagram</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#37474f"/></marker></defs>`,
    `<style>${style}</style>`,
    `<rect x="0" y="0" width="${L.width}" height="${L.height}" fill="#ffffff"/>`,
    ...L.shapes,
    ...texts,
    `</svg>`,
    '',
  ].join('\n');
}

// ================================================================= dot

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function renderDot(d: Diagram): string {
  const o: string[] = [];
  o.push('digraph minidock {');
  o.push('  rankdir=TB; compound=true;');
  o.push(`  node [shape=box, style="rounded,filled", fillcolor=white, fontname="monospace", fontsize=11];`);
  o.push(`  edge [fontname="monospace", fontsize=10];`);
  const up = d.uplink;
  o.push(`  uplink [label=${q(up ? `uplink ${up.ifindex ?? '?'}: ${up.ifname}\n${up.addrs.join(' ')}${up.gateway ? `\ndefault via ${up.gateway}` : ''}` : 'uplink: none\n(no default route)')}, fillcolor="#e3f2fd"];`);
  d.bridges.forEach((b) => {
    const bid = `bridge:${b.bridge}`;
    o.push(`  subgraph ${q(`cluster_net_${b.network}`)} {`);
    o.push(`    label=${q(`network ${b.network}`)}; style=rounded; color="#2e7d32";`);
    o.push(`    ${q(bid)} [label=${q(`${b.lower ? `${b.lower.label}\nparent ` : 'bridge '}${b.ifindex !== undefined ? `${b.ifindex}: ` : ''}${b.bridge}\ngateway ${gatewaysOf(b)}\nsubnet ${subnetsOf(b)}`)}, fillcolor="#e8f5e9"${b.drift.length ? ', color=red, style="rounded,filled,dashed"' : ''}];`);
    for (const c of b.lower ? [] : b.containers) {
      const hid = `veth:${c.hostEnd?.ifname ?? `gone-${c.id.slice(0, 12)}-${c.ifname}`}`;
      o.push(`    ${q(hid)} [label=${q(c.hostEnd ? vethName(c.hostEnd) : '✗ host veth gone')}${c.hostEnd ? '' : ', color=red, style="rounded,dashed"'}];`);
    }
    for (const s of b.strays) o.push(`    ${q(`veth:${s.ifname}`)} [label=${q(`${vethName(s)}\n✗ no container`)}, color=red, style="rounded,dashed"];`);
    if (b.overlay) {
      const vid = `vxlan:${b.overlay.vxlan}`;
      o.push(`    ${q(vid)} [label=${q(`VXLAN ${b.overlay.vni} ${b.overlay.vxlan}\nlocal ${b.overlay.local}`)}, fillcolor="#f3e5f5"${b.overlay.drift.length ? ', color=red' : ''}];`);
      o.push(`    ${q(bid)} -> ${q(vid)} [dir=none, color="#6a1b9a"];`);
    }
    o.push('  }');
    for (const h of b.overlay?.hosts.filter((x) => !x.self) ?? []) {
      const hid = `host:${h.vtep}`;
      o.push(`  ${q(hid)} [shape=box3d, label=${q(`host ${h.name || h.id.slice(0, 12)}\nVTEP ${h.vtep}${h.containers.map((c) => `\n${c.name} ${both(c.ip, c.ip6)}`).join('')}`)}, fillcolor="#ede7f6"];`);
      o.push(`  ${q(`vxlan:${b.overlay!.vxlan}`)} -> ${q(hid)} [dir=both, label=${q(h.tunnel ? `VNI ${b.overlay!.vni} UDP 4789` : 'no tunnel')}, color="#6a1b9a"${h.tunnel ? '' : ', style=dotted'}];`);
    }
    if (b.overlay?.drift.length) o.push(`  ${q(`drift:${b.overlay.vxlan}`)} [shape=note, color=red, fontcolor=red, label=${q(b.overlay.drift.map((m) => `✗ ${m}`).join('\n'))}];`);
    const m = masqOf(b);
    if ((!b.internal || m.any) && !b.lower) o.push(`  ${q(bid)} -> uplink [label=${q(m.any ? `MASQUERADE ${m.subnets}${m.packets !== undefined ? ` [${pk(m.packets)}]` : ''}` : '✗ no MASQUERADE')}, color="#1565c0", style=dashed${m.any ? '' : ', fontcolor=red'}];`);
    for (const s of b.strays) o.push(`  ${q(bid)} -> ${q(`veth:${s.ifname}`)} [dir=none, color=red];`);
    for (const c of b.containers) {
      const hid = `veth:${c.hostEnd?.ifname ?? `gone-${c.id.slice(0, 12)}-${c.ifname}`}`;
      const eid = `${c.ifname}:${c.netns}`; // a connected container has one per network, in one netns cluster
      const bad = c.drift.length > 0;
      if (!b.lower) o.push(`  ${q(bid)} -> ${q(hid)} [dir=none, color="#2e7d32"];`);
      o.push(`  subgraph ${q(`cluster_ns_${c.netns}`)} {`);
      o.push(`    label=${q(`netns ${c.netns}${c.netnsExists ? '' : ' (gone)'}`)}; style=${bad ? 'dashed' : 'rounded'}; color=${bad ? 'red' : '"#8d6e63"'};`);
      o.push(`    ${q(eid)} [label=${q(`${c.ctrEnd ? vethName(c.ctrEnd) : `✗ ${c.ifname} gone`}\n${addrsOf(c)}\n${c.name}`)}, fillcolor="#fffdf5"${bad ? ', color=red' : ''}];`);
      o.push('  }');
      if (b.lower) o.push(`  ${q(bid)} -> ${q(eid)} [dir=both, label=${q(b.lower.kind)}, color="#6d4c41"${c.ctrEnd ? '' : ', style=dashed, color=red'}];`);
      else o.push(`  ${q(hid)} -> ${q(eid)} [dir=both, label="veth", color="#6d4c41"${c.hostEnd && c.ctrEnd ? '' : ', style=dashed, color=red'}];`);
      for (const p of c.ports) {
        const pid = `port:${portFrom(p)}`;
        o.push(`  ${q(pid)} [shape=cds, label=${q(portFrom(p))}, fillcolor="#fff3e0"${p.inKernel ? '' : ', color=red'}];`);
        o.push(`  ${q(pid)} -> ${q(eid)} [label=${q(`DNAT → ${portTo(p)}${p.packets !== undefined ? ` [${pk(p.packets)}]` : ''}`)}, color="#ef6c00"${p.inKernel ? '' : ', style=dashed'}];`);
      }
      if (bad) o.push(`  ${q(`drift:${c.id}`)} [shape=note, color=red, fontcolor=red, label=${q(c.drift.map((m) => `✗ ${m}`).join('\n'))}];`, `  ${q(`drift:${c.id}`)} -> ${q(eid)} [style=dotted, color=red, arrowhead=none];`);
    }
  });
  for (const s of d.strays) o.push(`  ${q(`veth:${s.ifname}`)} [label=${q(`${vethName(s)}\n✗ no container, on no bridge`)}, color=red, style="rounded,dashed"];`);
  for (const p of d.strayPorts) o.push(`  ${q(`port:${portFrom(p)}`)} [shape=cds, color=red, label=${q(`${portFrom(p)} → ${portTo(p)}\n✗ no running container`)}];`);
  for (const c of d.others) o.push(`  ${q(`other:${c.id}`)} [label=${q(`${c.name}\n--network ${c.mode}`)}, style="rounded,dotted"];`);
  o.push('}');
  return o.join('\n') + '\n';
}
