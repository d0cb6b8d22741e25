// `network trace`: reading what the kernel reported about the probe. Pure.
//
// Two trace monitors, one shape: `xtables-monitor --trace` (the iptables backend: rules printed
// as iptables commands) and `nft monitor` (the nftables backend: nft rules). Each reports, for
// every base chain a traced packet enters, a "packet" line (its headers at that point: after a
// DNAT, the new address), then one line per rule that matched (with its verdict) and the
// policy when nothing decided. conntrack -E reports the connection's states and both tuples.

/** A packet's headers as a monitor printed them. */
export interface PacketInfo {
  iif?: string;
  oif?: string;
  saddr?: string;
  daddr?: string;
  sport?: number;
  dport?: number;
  proto?: string;
  /** TCP flags in words (SYN, SYN ACK, …), ICMP type (echo-request, echo-reply, …) */
  flags?: string;
  /** ICMP echo id */
  icmpId?: number;
  /** destination MAC (bridged traffic: which bridge port takes it) */
  macDst?: string;
}

export interface RuleHit {
  chain: string;
  /** The rule as the monitor printed it (iptables: `-t nat -A CHAIN …`; nft: the rule text). */
  rule: string;
  comment?: string;
  /** accept | drop | continue | jump X | goto X | return | queue | dnat … */
  verdict: string;
  /** The rule's handle (`nft -a monitor trace`), when the monitor printed it. */
  handle?: number;
}

/** One base chain the packet went through (one hook, one table / priority). */
export interface Segment {
  /** PREROUTING | INPUT | FORWARD | OUTPUT | POSTROUTING */
  hook: string;
  /** raw | nat | filter | mangle | security (iptables) or the nft table (`ip minidock`) */
  table: string;
  /** the base chain (PREROUTING, raw_pre, …) */
  chain: string;
  pkt: PacketInfo;
  hits: RuleHit[];
  /** How it left the base chain: the last rule's verdict, or `policy accept`. */
  verdict: string;
  /** The trace id the kernel gave the packet (shared by the segments of one packet). */
  id: string;
}

const HOOK_OF_CHAIN: Record<string, string> = {
  PREROUTING: 'PREROUTING',
  INPUT: 'INPUT',
  FORWARD: 'FORWARD',
  OUTPUT: 'OUTPUT',
  POSTROUTING: 'POSTROUTING',
  // minidock's nftables base chains (firewall/nftables.ts)
  raw_pre: 'PREROUTING',
  nat_pre: 'PREROUTING',
  nat_out: 'OUTPUT',
  nat_post: 'POSTROUTING',
  forward: 'FORWARD',
};

/** The hook of a base chain, by its name (iptables' built-in chains, minidock's nft chains, the trace chains). */
export function hookOfChain(chain: string): string | undefined {
  if (HOOK_OF_CHAIN[chain]) return HOOK_OF_CHAIN[chain];
  const t = /^trace_(pre|out)_/.exec(chain);
  if (t) return t[1] === 'pre' ? 'PREROUTING' : 'OUTPUT';
  // another table's nft base chains are often named after their hook (prerouting, input, …)
  const up = chain.toUpperCase();
  return HOOK_OF_CHAIN[up];
}

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];

function nftFlags(v: string): string {
  // `tcp flags == syn`, `== 0x12`, `== syn | ack`
  const m = /^0x([0-9a-f]+)$/.exec(v);
  if (m) {
    const n = parseInt(m[1], 16);
    return TCP_FLAGS.filter((_, i) => n & (1 << i)).join(' ');
  }
  return v.split(/\s*\|\s*/).map((f) => f.toUpperCase()).join(' ');
}

/** nft's packet line: `iif "x" oif "y" ether daddr … ip saddr … ip daddr … tcp sport N tcp dport N tcp flags == syn …` */
export function parseNftPacket(text: string): PacketInfo {
  const p: PacketInfo = {};
  const get = (re: RegExp) => re.exec(text)?.[1];
  p.iif = get(/\biif "([^"]+)"/);
  p.oif = get(/\boif "([^"]+)"/);
  p.saddr = get(/\bip6? saddr (\S+)/);
  p.daddr = get(/\bip6? daddr (\S+)/);
  p.macDst = get(/\bether daddr (\S+)/);
  const l4 = /\b(tcp|udp) sport (\d+) \1 dport (\d+)/.exec(text);
  if (l4) {
    p.proto = l4[1];
    p.sport = Number(l4[2]);
    p.dport = Number(l4[3]);
  }
  const fl = /\btcp flags == (0x[0-9a-f]+|[a-z]+(?: \| [a-z]+)*)/.exec(text);
  if (fl) p.flags = nftFlags(fl[1]);
  const icmp = /\bicmp(?:v6)? type (\S+)/.exec(text);
  if (icmp) {
    p.proto = 'icmp';
    p.flags = icmp[1];
    const id = /\bicmp(?:v6)? id (\d+)/.exec(text);
    if (id) p.icmpId = Number(id[1]);
  }
  if (!p.macDst) {
    // at postrouting nft prints the link layer raw: @ll,0,112 0x<dst 6 bytes><src 6 bytes><type>
    const ll = /@ll,0,112 0x([0-9a-f]+)/.exec(text);
    if (ll) p.macDst = macOf(ll[1].padStart(28, '0').slice(0, 12));
  }
  return p;
}

const macOf = (hex12: string) => hex12.match(/../g)!.join(':');

/** A MAC as `aa:bb:…` with two digits each (xtables-monitor prints `2:42:ac:…`). */
export function normMac(m: string | undefined): string | undefined {
  if (!m) return undefined;
  return m.split(':').map((x) => x.padStart(2, '0').toLowerCase()).join(':');
}

/** xtables-monitor's PACKET line: `IN=x OUT=y MACDST=… SRC=… DST=… … SPORT=N DPORT=N SYN ACK` */
export function parseXtPacket(text: string): PacketInfo {
  const kv = new Map<string, string>();
  const words: string[] = [];
  for (const w of text.trim().split(/\s+/)) {
    const i = w.indexOf('=');
    if (i > 0) kv.set(w.slice(0, i), w.slice(i + 1));
    else words.push(w);
  }
  const p: PacketInfo = { iif: kv.get('IN') || undefined, oif: kv.get('OUT') || undefined, saddr: kv.get('SRC'), daddr: kv.get('DST') };
  p.macDst = normMac(kv.get('MACDST'));
  if (kv.has('SPORT')) {
    p.sport = Number(kv.get('SPORT'));
    p.dport = Number(kv.get('DPORT'));
    p.proto = kv.get('PROTO')?.toLowerCase() ?? (words.some((w) => TCP_FLAGS.includes(w)) ? 'tcp' : 'udp');
    const f = words.filter((w) => TCP_FLAGS.includes(w));
    if (f.length) p.flags = f.join(' ');
  }
  if (kv.get('PROTO') === 'ICMP' || kv.has('TYPE')) {
    p.proto = 'icmp';
    const type = kv.get('TYPE');
    p.flags = type === '8' ? 'echo-request' : type === '0' ? 'echo-reply' : type === '3' ? 'destination-unreachable' : `type ${type}`;
    if (kv.has('ID') && kv.has('SEQ')) p.icmpId = Number(kv.get('ID'));
  }
  return p;
}

const commentIn = (rule: string) => /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(rule) ?? /comment "((?:[^"\\]|\\.)*)"/.exec(rule);

function comment(rule: string): string | undefined {
  const m = commentIn(rule);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * `xtables-monitor --trace` output → segments, in order. Lines:
 *   PACKET: 2 <id> IN=… OUT=… SRC=… …
 *    TRACE: 2 <id> raw:PREROUTING:rule:0x7:CONTINUE  -4 -t raw -A PREROUTING … -j TRACE
 *    TRACE: 2 <id> nat:MINIDOCK-DNAT:rule:0xc:ACCEPT  -4 -t nat -A MINIDOCK-DNAT … -j DNAT …
 *    TRACE: 2 <id> raw:PREROUTING:policy:ACCEPT
 *    TRACE: 2 <id> filter:MINIDOCK-RAW:return:
 */
export function parseXtablesTrace(text: string): Segment[] {
  const out: Segment[] = [];
  let cur: Segment | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^PACKET: \d+ ([0-9a-f]+) (.*)$/.exec(line))) {
      cur = { hook: '', table: '', chain: '', pkt: parseXtPacket(m[2]), hits: [], verdict: '', id: m[1] };
      out.push(cur);
      continue;
    }
    if (!cur || !(m = /^TRACE: \d+ ([0-9a-f]+) ([a-z]+):([^:\s]+):(rule|policy|return):?(\S*)\s*(.*)$/.exec(line))) continue;
    const [, , table, chain, kind, verdictRaw, rest] = m;
    if (!cur.table) {
      cur.table = table;
      cur.chain = chain;
      cur.hook = hookOfChain(chain) ?? chain;
    }
    if (kind === 'policy') {
      cur.verdict = `policy ${verdictRaw.toLowerCase()}`;
      continue;
    }
    if (kind === 'return') {
      cur.hits.push({ chain, rule: '', verdict: 'return' });
      continue;
    }
    // 0x7:CONTINUE | 0x5:JUMP:MINIDOCK-RAW | 0xc:ACCEPT | 0x3:DROP
    const parts = verdictRaw.split(':').slice(1);
    const verdict = parts[0] === 'JUMP' || parts[0] === 'GOTO' ? `${parts[0].toLowerCase()} ${parts[1]}` : (parts[0] ?? '').toLowerCase();
    const rule = rest.replace(/^-[46] /, '');
    cur.hits.push({ chain, rule, comment: comment(rule), verdict });
    if (verdict === 'accept' || verdict === 'drop') cur.verdict = verdict;
  }
  return out;
}

/**
 * `nft monitor` output → segments, in order (its ruleset events are ignored here). Lines:
 *   trace id <id> ip minidock raw_pre packet: iif "minidock0" … ip saddr … tcp sport N …
 *   trace id <id> ip minidock fi_minidock0 rule ct status dnat counter … accept comment "…" (verdict accept)
 *   trace id <id> ip minidock raw_pre policy accept
 *   trace id <id> ip minidock rd_x verdict continue
 */
export function parseNftTrace(text: string): Segment[] {
  const out: Segment[] = [];
  let cur: Segment | undefined;
  for (const raw of text.split('\n')) {
    const m = /^trace id ([0-9a-f]+) (\S+ \S+) (\S+) (packet:|rule|policy|verdict) ?(.*)$/.exec(raw.trim());
    if (!m) continue;
    const [, id, table, chain, kind, rest] = m;
    if (kind === 'packet:') {
      cur = { hook: hookOfChain(chain) ?? chain, table, chain, pkt: parseNftPacket(rest), hits: [], verdict: '', id };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (kind === 'policy') {
      cur.verdict = `policy ${rest.trim()}`;
      continue;
    }
    if (kind === 'verdict') {
      if (/^(accept|drop)/.test(rest.trim())) cur.verdict = rest.trim();
      continue;
    }
    const v = /^(.*) \(verdict ([^)]+)\)$/.exec(rest);
    const h = /^(.*?) # handle (\d+)$/.exec(v ? v[1] : rest);
    const rule = (h ? h[1] : v ? v[1] : rest).replace(/(^| )counter packets \d+ bytes \d+/, '$1counter');
    const verdict = v ? v[2] : 'continue';
    cur.hits.push({ chain, rule, comment: comment(rule), verdict, ...(h ? { handle: Number(h[2]) } : {}) });
    if (verdict === 'accept' || verdict === 'drop') cur.verdict = verdict;
  }
  return out;
}

/**
 * `nft -a list table ip6 T` and `ip6tables-save -t T` of one table → handle → the save line's
 * rule (`-A CHAIN …`): the n-th rule of a chain is the n-th in both. Pure.
 */
export function saveLinesByHandle(nftList: string, save: string): Map<number, string> {
  const handles = new Map<string, number[]>();
  let chain: string | undefined;
  for (const raw of nftList.split('\n')) {
    const line = raw.trim();
    const c = /^chain (\S+) \{/.exec(line);
    if (c) chain = c[1];
    else if (line === '}') chain = undefined;
    else if (chain && !/^type /.test(line)) {
      const h = / # handle (\d+)$/.exec(line);
      if (h) (handles.get(chain) ?? handles.set(chain, []).get(chain)!).push(Number(h[1]));
    }
  }
  const out = new Map<number, string>();
  const seen = new Map<string, number>();
  for (const line of save.split('\n')) {
    const m = /^-A (\S+) /.exec(line);
    if (!m) continue;
    const i = seen.get(m[1]) ?? 0;
    seen.set(m[1], i + 1);
    const h = handles.get(m[1])?.[i];
    if (h !== undefined) out.set(h, line);
  }
  return out;
}

/**
 * The iptables backend's IPv6 trace, read with `nft -a monitor trace` (xtables-monitor 1.8.9
 * cannot print an ip6tables nat rule: "unsupported layer 4 protocol value", and stops), as
 * xtables-monitor's segments would be: table `raw` (not `ip6 raw`), each rule as
 * `-t TABLE -A CHAIN …` from ip6tables-save by its handle, its comment; the trace rule (which is
 * gone from the listing by now) by its `meta nftrace set 1`. `saves`: table → saveLinesByHandle. Pure.
 */
export function asXtablesSegments(segments: Segment[], saves: Map<string, Map<number, string>>, traceTag: string): Segment[] {
  return segments.map((s) => {
    const table = s.table.replace(/^ip6? /, '');
    const hits = s.hits.map((h): RuleHit => {
      if (/\bmeta nftrace set 1\b/.test(h.rule)) return { ...h, comment: traceTag };
      const line = h.handle === undefined ? undefined : saves.get(table)?.get(h.handle);
      if (!line) return h;
      const rule = `-t ${table} ${line}`;
      return { ...h, rule, comment: comment(rule) };
    });
    return { ...s, table, hits };
  });
}

/** One traced packet: the segments it went through, in order. */
export interface TracedPacket {
  id: string;
  pkt: PacketInfo;
  segments: Segment[];
}

/**
 * Segments → packets. A packet starts where the trace rule switched tracing on (the segment
 * whose hits include the trace rule: each packet enters the namespace once, at PREROUTING or
 * OUTPUT, where the trace rules are); a later segment belongs to the latest packet that has not
 * been through that chain yet, else to the latest of its trace id that has not (the kernel may
 * give a forwarded packet a new id after routing, and reuse an id for a later packet: the id
 * alone tells neither). A segment going the other way (`dirOf`), or that no packet can take,
 * starts a packet of its own: the monitor may lose a line when the host is busy.
 */
export function packetsOf(segments: Segment[], isTraceRule: (h: RuleHit) => boolean, dirOf: (p: PacketInfo) => string | undefined = () => undefined): TracedPacket[] {
  const out: TracedPacket[] = [];
  for (const s of segments) {
    const fresh = (p: TracedPacket) => !p.segments.some((x) => x.table === s.table && x.chain === s.chain) && (dirOf(s.pkt) === undefined || dirOf(p.pkt) === dirOf(s.pkt));
    const last = out[out.length - 1];
    // a lost monitor line must not merge two packets: the other way, or a chain seen twice, is another packet
    const into = s.hits.some(isTraceRule) || !last ? undefined : fresh(last) ? last : [...out].reverse().find((p) => fresh(p) && p.segments.some((x) => x.id === s.id));
    if (into) into.segments.push(s);
    else out.push({ id: s.id, pkt: s.pkt, segments: [s] });
  }
  return out;
}

/** A conntrack event (`conntrack -E`). */
export interface CtEvent {
  type: string; // NEW | UPDATE | DESTROY
  proto: string;
  state?: string;
  orig: { src: string; dst: string; sport?: number; dport?: number; id?: number };
  reply: { src: string; dst: string; sport?: number; dport?: number; id?: number };
  assured: boolean;
  unreplied: boolean;
}

/** `[NEW] tcp 6 120 SYN_SENT src=… dst=… sport=… dport=… [UNREPLIED] src=… dst=… sport=… dport=…` */
export function parseConntrack(text: string): CtEvent[] {
  const out: CtEvent[] = [];
  for (const raw of text.split('\n')) {
    const m = /^\s*\[(\w+)\]\s+(\w+)\s+\d+\s+(?:\d+\s+)?(.*)$/.exec(raw);
    if (!m) continue;
    const rest = m[3];
    const st = /^([A-Z_]+)\s/.exec(rest)?.[1];
    const tuples: CtEvent['orig'][] = [];
    for (const t of rest.matchAll(/src=(\S+) dst=(\S+)((?: (?:sport|dport|type|code|id)=\d+)*)/g)) {
      const kv = Object.fromEntries([...t[3].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
      tuples.push({ src: t[1], dst: t[2], sport: kv.sport, dport: kv.dport, id: kv.id });
    }
    if (tuples.length < 2) continue;
    out.push({ type: m[1], proto: m[2], state: st, orig: tuples[0], reply: tuples[1], assured: rest.includes('[ASSURED]'), unreplied: rest.includes('[UNREPLIED]') });
  }
  return out;
}
