// `network trace`: what the monitors saw, as steps in plain words beside the real rule. Pure
// (the routing decisions are asked by index.ts and filled in afterwards).
import type { ListedRule } from '../firewall/backend.js';
import type { LastTrace, TraceStep } from '../last-trace.js';
import { type CtEvent, type PacketInfo, type RuleHit, type Segment, type TracedPacket, packetsOf } from './parse.js';
import { type ProbeMatch, type ProbeProto, tracePidOf } from './rules.js';
import { type Source, type Target, hostPort } from './resolve.js';

export interface TraceWorld {
  backend: string;
  /** minidock's rules with their words (the backend's listRules) */
  rules: ListedRule[];
  networks: { name: string; bridge: string; subnet: string; gateway: string; lower?: string }[];
  endpoints: { name: string; id: string; network: string; ip: string; ip6?: string; hostIf: string; mac?: string; netns?: string; ifname?: string }[];
  /** `bridge|MAC` → the bridge port it was learned on (bridge fdb) */
  fdb: Map<string, string>;
}

export interface Step {
  kind: 'hook' | 'routing' | 'bridge' | 'local' | 'unseen';
  hook?: string;
  table?: string;
  chain?: string;
  iif?: string;
  oif?: string;
  /** what happened, in plain words */
  words: string;
  /** the rule that decided, as a person would type it */
  rule?: string;
  /** accept | drop | dnat | masquerade | continue */
  verdict?: string;
  /** the chains of minidock's it went through in this hook */
  chains?: string[];
  /** the decisive rule's chain */
  ruleChain?: string;
  /** bridge: the container it was delivered to (its netns and interface inside) */
  toNetns?: string;
  toIf?: string;
}

export interface TraceInput {
  backend: string;
  src: Source;
  dst: Target;
  proto: ProbeProto;
  match: ProbeMatch;
  segments: Segment[];
  conntrack?: CtEvent[];
  answer: { answer: string; detail?: string };
  world: TraceWorld;
  tag: string;
  /** 6: an IPv6 probe (its trace rules, conntrack and routes are IPv6's); absent: IPv4 */
  family?: 4 | 6;
}

export interface TraceReport {
  input: TraceInput;
  probe: Step[];
  reply: Step[];
  replyPkt?: PacketInfo;
  reverseNat?: string;
  conntrack?: string;
  answer: string;
  verdict: string;
  dropped?: { table: string; chain: string; words: string; rule?: string };
  routeQueries: { netns?: string; args: string[] }[];
  fillRoutes(r: Map<string, string>): void;
  json(): object;
  /** The trace for the live diagram to draw (last-trace.ts's shape). */
  lastTrace(): LastTrace;
}

const isTraceHit = (h: RuleHit) => tracePidOf(h.comment) !== undefined;

function nameOf(w: TraceWorld, ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const e = w.endpoints.find((x) => x.ip === ip || x.ip6 === ip);
  if (e) return e.name;
  const n = w.networks.find((x) => x.gateway === ip);
  return n ? `the gateway of ${n.name}` : undefined;
}

const addr = (w: TraceWorld, ip?: string, port?: number) => `${hostPort(ip ?? '?', port)}${nameOf(w, ip) ? ` (${nameOf(w, ip)})` : ''}`;

/** The listed rule a hit is (by chain and rule text or comment), and for nft map lookups the element that matched. */
function listedOf(w: TraceWorld, seg: Segment, hit: RuleHit, proto: string, family?: 4 | 6): { words: string; command: string } | undefined {
  const p = seg.pkt;
  if (w.backend === 'iptables') {
    // the probe's family's rules (ip6tables' have the same tables and chains)
    const fam = (x: ListedRule) => (x.family ?? 4) === (family ?? 4);
    const spec = hit.rule.replace(/^-t \S+ -A \S+ /, '');
    const r = w.rules.find((x) => fam(x) && x.table === seg.table && x.chain === hit.chain && x.spec === spec) ?? w.rules.find((x) => fam(x) && x.table === seg.table && x.chain === hit.chain && x.comment === hit.comment && x.comment);
    return r && { words: r.words, command: r.command };
  }
  // an element of a map or set of this table (`ip minidock` or `ip6 minidock`: pub's keys are alike in both)
  const el = (set: string, key: string) => w.rules.find((x) => x.table === seg.table && x.chain.endsWith(` ${set}`) && x.spec === `${set} ${key}`);
  let e: ListedRule | undefined;
  if (hit.rule.includes('@pub_addr')) e = el('pub_addr', `${p.daddr} . ${proto} . ${p.dport}`);
  else if (hit.rule.includes('@pub ')) e = el('pub', `${proto} . ${p.dport}`);
  else if (hit.rule.includes('@lo_only')) e = el('lo_only', `${p.daddr} . ${proto} . ${p.dport}`);
  const r = w.rules.find((x) => x.table === seg.table && x.chain === hit.chain && x.comment === hit.comment && x.comment);
  if (e) return { words: e.words, command: `${e.command}   (looked up by: ${r?.command ?? hit.rule})` };
  return r && { words: r.words, command: r.command };
}

const commandOfHit = (w: TraceWorld, seg: Segment, hit: RuleHit, family?: 4 | 6) => (w.backend === 'iptables' ? `${family === 6 ? 'ip6tables' : 'iptables'} ${hit.rule}` : `nft add rule ${seg.table} ${hit.chain} '${hit.rule.replace(/ comment "(?:[^"\\]|\\.)*"$/, '')}'`);

const where = (p: PacketInfo) => [p.iif && `in ${p.iif}`, p.oif && `out ${p.oif}`].filter(Boolean).join(', ');

/** One hook: the chains it went through and what decided. */
function hookStep(w: TraceWorld, seg: Segment, proto: string, masqTo: string | undefined, family?: 4 | 6): Step {
  const hits = seg.hits.filter((h) => !isTraceHit(h));
  const chains = [...new Set(hits.filter((h) => /^(jump|goto) /.test(h.verdict)).map((h) => h.verdict.split(' ')[1]))];
  const decisive = [...hits].reverse().find((h) => h.verdict === 'accept' || h.verdict === 'drop');
  const step: Step = { kind: 'hook', hook: seg.hook, table: seg.table, chain: seg.chain, iif: seg.pkt.iif, oif: seg.pkt.oif, words: '', chains };
  if (!decisive) {
    const via = chains.length ? `through ${chains.join(', ')}: ` : '';
    step.words = `${via}nothing matched, ${seg.verdict || 'continue'}`;
    step.verdict = 'continue';
    return step;
  }
  const l = listedOf(w, seg, decisive, proto, family);
  const words = l?.words ?? decisive.comment ?? decisive.rule;
  step.rule = l?.command ?? commandOfHit(w, seg, decisive, family);
  step.ruleChain = decisive.chain;
  const r = decisive.rule;
  if (decisive.verdict === 'drop') {
    step.verdict = 'drop';
    step.words = `DROPPED by ${decisive.chain}: ${words}`;
  } else if (/\bDNAT\b|\bdnat\b/.test(r) && !/ct status dnat|--ctstate DNAT/.test(r.replace(/ (dnat ip to|-j DNAT).*/, ''))) {
    step.verdict = 'dnat';
    step.words = words;
  } else if (/MASQUERADE|masquerade/.test(r)) {
    step.verdict = 'masquerade';
    step.words = `masquerade${masqTo ? ` to ${masqTo}` : ''}: ${words}`;
  } else {
    step.verdict = 'accept';
    step.words = `accepted by ${decisive.chain}: ${words}`;
  }
  return step;
}

/** Whether a packet goes the probe's way (not a reply). `first`: the first packet traced. */
function origDir(p: PacketInfo, m: ProbeMatch, first: PacketInfo | undefined): boolean {
  if (m.proto !== 'icmp') return p.sport === m.port;
  if (p.flags) return p.flags === 'echo-request';
  // xtables-monitor prints no ICMP type: the ping is traced first, its reply comes from elsewhere
  return p === first || p.saddr === first?.saddr;
}

/** The steps of one packet: its hooks, the routing decision, the bridge port it left by. */
function packetSteps(w: TraceWorld, tp: TracedPacket, proto: string, masqTo: string | undefined, queries: TraceReport['routeQueries'], routeAt: Map<Step, string>, family?: 4 | 6): Step[] {
  const any = family === 6 ? '::' : '0.0.0.0';
  const out: Step[] = [];
  let routed = false;
  let first: PacketInfo | undefined;
  for (const seg of tp.segments) {
    first ??= seg.pkt;
    // the trace's own chains (nftables) switch tracing on; they are no step of the path
    if (/^trace_(pre|out)_\d+$/.test(seg.chain)) continue;
    if (!routed && ['FORWARD', 'INPUT', 'POSTROUTING'].includes(seg.hook)) {
      routed = true;
      const p = seg.pkt;
      const args = first.iif && p.daddr ? [p.daddr, 'from', first.saddr ?? any, 'iif', first.iif] : p.daddr ? [p.daddr] : [];
      if (args.length) {
        const s: Step = { kind: 'routing', words: '', iif: first.iif, oif: p.oif };
        queries.push({ args });
        routeAt.set(s, `|${args.join(' ')}`);
        out.push(s);
      }
    }
    out.push(hookStep(w, seg, proto, masqTo, family));
    if (seg.verdict === 'drop') return out;
  }
  const last = tp.segments[tp.segments.length - 1]?.pkt;
  if (!last) return out;
  if (!routed && first?.iif && last.daddr) {
    // only PREROUTING had minidock's chains: the routing decision says where it went (INPUT)
    const args = [last.daddr, 'from', first.saddr ?? any, 'iif', first.iif];
    const s: Step = { kind: 'routing', words: '', iif: first.iif };
    queries.push({ args });
    routeAt.set(s, `|${args.join(' ')}`);
    out.push(s);
    return out;
  }
  const net = w.networks.find((n) => n.bridge === last.oif);
  if (net && last.oif) {
    // the container of that address on that network, and the port the bridge learned its MAC on
    const ep = w.endpoints.find((e) => e.network === net.name && (e.ip === last.daddr || e.ip6 === last.daddr));
    const port = ep?.mac ? w.fdb.get(`${last.oif}|${ep.mac}`) : undefined;
    out.push({ kind: 'bridge', iif: last.oif, oif: port ?? ep?.hostIf, toNetns: ep?.netns, toIf: ep?.ifname ?? 'eth0', words: ep ? `bridge ${last.oif} (network ${net.name}): out of port ${port ?? ep.hostIf}, the veth of ${ep.name}, to its eth0 (${last.daddr})${port ? '' : ' (its MAC not yet learned by the bridge)'}` : `bridge ${last.oif} (network ${net.name}): to ${last.daddr}` });
  } else if (tp.segments.some((s) => s.hook === 'INPUT')) out.push({ kind: 'local', words: `delivered to this host (${last.daddr} is one of its addresses)` });
  else if (last.oif === 'lo') out.push({ kind: 'local', oif: 'lo', words: `looped back through lo to this host (${last.daddr})` });
  else if (last.oif) out.push({ kind: 'local', oif: last.oif, words: `left this host by ${last.oif}` });
  return out;
}

const ANSWERS: Record<string, string> = {
  'syn-ack': 'SYN-ACK (the connection was accepted)',
  reset: 'RST (nothing listens on that port: refused)',
  reply: 'a reply',
  unreachable: 'ICMP unreachable',
  none: 'nothing (no answer within 2 s)',
};

export function describeTrace(t: TraceInput): TraceReport {
  const w = t.world;
  const packets = packetsOf(t.segments, isTraceHit, (p) => (t.match.port && p.sport !== undefined ? String(p.sport === t.match.port) : undefined));
  const first = packets[0]?.pkt;
  const probePkt = packets.find((p) => origDir(p.pkt, t.match, first));
  const replyPkt = packets.find((p) => p !== probePkt && !origDir(p.pkt, t.match, first) && packets.indexOf(p) > packets.indexOf(probePkt!));
  // conntrack: the probe's connection (icmp: by its addresses)
  const ct = (t.conntrack ?? []).filter((e) => (t.proto === 'icmp' ? e.orig.src === probePkt?.pkt.saddr : e.orig.sport === t.match.port));
  const lastCt = [...ct].reverse().find((e) => e.type !== 'DESTROY') ?? ct[ct.length - 1];
  const masqTo = lastCt && lastCt.reply.dst !== lastCt.orig.src ? lastCt.reply.dst : undefined;
  const queries: TraceReport['routeQueries'] = [];
  const routeAt = new Map<Step, string>();
  const probe = probePkt ? packetSteps(w, probePkt, t.proto, masqTo, queries, routeAt, t.family) : [];
  const reply = replyPkt ? packetSteps(w, replyPkt, t.proto, undefined, queries, routeAt, t.family) : [];
  // the routing inside the sender's namespace (a container's default route, a LAN host's)
  const srcRoute: Step = { kind: 'routing', words: '' };
  if (t.src.netns) {
    queries.unshift({ netns: t.src.netns, args: [t.dst.ip] });
    routeAt.set(srcRoute, `${t.src.netns}|${t.dst.ip}`);
    probe.unshift(srcRoute);
  }
  if (!probePkt) {
    const net = t.dst.container ? w.networks.find((n) => n.name === t.dst.container!.network) : undefined;
    const why = net?.lower
      ? `${t.dst.container!.name} is on the ${net.lower} network ${net.name}: its interface is a link of ${net.bridge} with an address${net.lower === 'ipvlan' ? ` of its own (and ${net.bridge}'s MAC)` : ' and MAC of its own'} on that LAN, so the packet goes from the LAN to it directly, past this host's IP stack and firewall`
      : 'no hook of this host saw the probe: it did not pass through this host (or went by loopback without a trace rule seeing it)';
    probe.push({ kind: 'unseen', words: why });
  }
  let reverseNat: string | undefined;
  if (lastCt) {
    const r = lastCt.reply;
    const o = lastCt.orig;
    const parts: string[] = [];
    if (r.src !== o.dst || (r.sport && r.sport !== o.dport)) parts.push(`its source ${hostPort(r.src, r.sport)} back to ${hostPort(o.dst, o.dport)} (the DNAT undone)`);
    if (r.dst !== o.src || (r.dport && r.dport !== o.sport)) parts.push(`its destination ${hostPort(r.dst, r.dport)} back to ${hostPort(o.src, o.sport)} (the masquerade undone)`);
    reverseNat = parts.length ? `conntrack rewrites the reply: ${parts.join('; ')}` : 'no NAT: the reply goes back as it is';
  }
  // the states up to the first ASSURED one (the closing that follows is the probe hanging up)
  const upTo = ct.findIndex((e) => e.assured);
  const states = [...new Set(ct.slice(0, upTo < 0 ? ct.length : upTo + 1).filter((e) => e.type !== 'DESTROY').map((e) => `${e.state ?? e.type}${e.assured ? ' [ASSURED]' : ''}`))];
  const conntrack = ct.length ? `conntrack: ${states.join(' → ')}${ct.some((e) => !e.unreplied && e.type !== 'NEW') ? ' (the reply was seen)' : ''}` : t.conntrack ? 'conntrack: no entry (the probe never reached conntrack, or was not tracked)' : undefined;
  const dropStep = probe.find((s) => s.verdict === 'drop');
  const dropped = dropStep ? { table: dropStep.table!, chain: dropStep.ruleChain ?? dropStep.chain!, words: dropStep.words.replace(/^DROPPED by \S+: /, ''), rule: dropStep.rule } : undefined;
  const from = replyPkt ? addr(w, replyPkt.pkt.saddr, replyPkt.pkt.sport) : undefined;
  const answer = `${ANSWERS[t.answer.answer] ?? t.answer.answer}${from && t.answer.answer !== 'none' ? ` from ${from}` : ''}${t.answer.detail && t.answer.answer !== 'reply' ? ` — ${t.answer.detail}` : ''}`;
  const tableWord = (d: NonNullable<typeof dropped>) => (w.backend === 'iptables' ? `${d.table} ${d.chain}` : `${d.table} ${d.chain}`);
  const verdict = dropped
    ? `dropped in ${tableWord(dropped)}: ${dropped.words}`
    : t.answer.answer === 'syn-ack' || t.answer.answer === 'reply'
      ? `delivered: ${(replyPkt && nameOf(w, replyPkt.pkt.saddr)) ?? t.dst.container?.name ?? nameOf(w, t.dst.ip) ?? t.dst.ip} answered`
      : t.answer.answer === 'reset' || t.answer.answer === 'unreachable'
        ? `delivered, refused: ${ANSWERS[t.answer.answer]}`
        : 'no answer';
  const report: TraceReport = {
    input: t,
    probe,
    reply,
    replyPkt: replyPkt?.pkt,
    reverseNat,
    conntrack,
    answer,
    verdict,
    dropped,
    routeQueries: queries,
    fillRoutes(r) {
      for (const [s, key] of routeAt) {
        const got = r.get(key) ?? '';
        const dev = /\bdev (\S+)/.exec(got)?.[1];
        const via = /\bvia (\S+)/.exec(got)?.[1];
        const inNs = key.split('|')[0];
        const who = inNs ? `in ${t.src.label}'s namespace` : 'on this host';
        s.oif = dev;
        s.words = /^local /.test(got)
          ? `routing ${who}: ${got.split(' ')[1]} is one of this host's addresses → INPUT: delivered to this host   (${got})`
          : dev
            ? `routing ${who}: out ${dev}${via ? ` via ${via}` : ''}   (ip route get: ${got})`
            : `routing ${who}: ${got || 'no route'}`;
      }
    },
    lastTrace() {
      const srcNs = t.src.netns?.replace(/^\/run\/netns\//, '');
      const conv = (st: Step[]): TraceStep[] =>
        st.flatMap((x): TraceStep[] => {
          if (x.kind === 'routing') return [{ hook: 'routing', rule: x.words, ...(x === srcRoute ? { oif: x.oif, netns: srcNs } : { iif: x.iif, oif: x.oif }) }];
          if (x.kind === 'hook') return [{ hook: x.hook!, table: x.table, chain: x.ruleChain ?? x.chain, rule: x.words, verdict: x.verdict, iif: x.iif, oif: x.oif }];
          if (x.kind === 'bridge') return [{ hook: 'bridge', rule: x.words, iif: x.iif, oif: x.oif }, ...(x.toNetns ? [{ hook: 'delivered', iif: x.toIf, netns: x.toNetns }] : [])];
          return [{ hook: x.kind === 'unseen' ? 'unseen' : 'local', rule: x.words }];
        });
      const steps = [...conv(probe), { hook: 'answer', rule: answer }, ...conv(reply)];
      const clean = steps.map((x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined && v !== '')) as unknown as TraceStep);
      return { version: 1, from: t.src.label, to: t.dst.label, proto: t.proto, outcome: verdict, steps: clean };
    },
    json() {
      const strip = (s: Step) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length)));
      return {
        from: t.src.label,
        to: t.dst.label,
        proto: t.proto,
        backend: t.backend,
        probe: t.match.port ? { sourcePort: t.match.port } : { ipLength: t.match.length },
        destination: { ip: t.dst.ip, port: t.dst.port, container: t.dst.container?.name },
        steps: probe.map(strip),
        answer: { kind: t.answer.answer, words: answer, from: replyPkt ? { ip: replyPkt.pkt.saddr, port: replyPkt.pkt.sport } : undefined },
        reply: reply.map(strip),
        reverseNat,
        conntrack: ct,
        verdict,
        dropped,
      };
    },
  };
  return report;
}

const PROTO_WORD: Record<string, string> = { tcp: 'TCP SYN', udp: 'UDP datagram', icmp: 'ping (ICMP echo request)' };

export function renderTrace(r: TraceReport): string {
  const t = r.input;
  const w = t.world;
  const lines: string[] = [];
  const id = t.match.port ? `source port ${t.match.port}` : `IP length ${t.match.length}`;
  lines.push(`${PROTO_WORD[t.proto]} from ${t.src.label} to ${addr(w, t.dst.ip, t.dst.port)} (${id}; firewall backend ${t.backend})`);
  const list = (steps: Step[]) => {
    let n = 0;
    for (const s of steps) {
      n++;
      const head = s.kind === 'hook' ? `${s.table} ${s.hook}${s.chain && s.chain !== s.hook ? ` (${s.chain})` : ''}${where({ iif: s.iif, oif: s.oif }) ? ` [${where({ iif: s.iif, oif: s.oif })}]` : ''}: ` : '';
      lines.push(`  ${String(n).padStart(2)}. ${head}${s.words}`);
      if (s.rule) lines.push(`        ${s.rule}`);
    }
  };
  list(r.probe);
  lines.push(`answer: ${r.answer}`);
  if (r.reply.length) {
    const p = r.replyPkt!;
    const what = p.flags ?? (t.proto === 'icmp' ? 'ICMP' : undefined);
    lines.push(`reply (${what ? `${what} ` : ''}${hostPort(p.saddr ?? '?', p.sport)} → ${hostPort(p.daddr ?? '?', p.dport)}):`);
    list(r.reply);
  }
  if (r.reverseNat) lines.push(`reverse NAT: ${r.reverseNat}`);
  if (r.conntrack) lines.push(r.conntrack);
  lines.push(`verdict: ${r.verdict}`);
  return lines.join('\n') + '\n';
}
