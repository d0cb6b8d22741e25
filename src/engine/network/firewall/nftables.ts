// The nftables backend: minidock's rules in one table of its own, `ip minidock` (the chain prefix
// in lower case, so a test with its own MINIDOCK_CHAIN_PREFIX gets its own table), changed only
// by `nft -f -` transactions (one per plan batch: all or nothing, the previous ruleset stays when
// one fails). Shape (docs/nftables.md):
//
//   base chains (one per hook, constant rules)      per network (chains named after the bridge)
//   raw_pre   ip daddr vmap @raw_dst ─────────────→ rd_BR  drop direct access from outside
//             loopback-only ports: @lo_only drop
//   nat_pre / nat_out  fib daddr type local → published: dnat via @pub_addr, then @pub
//   nat_post  oifname vmap @post_out ─────────────→ po_BR  masquerade from the host, hairpin
//             ip saddr vmap @post_src ────────────→ ps_BR  masquerade outbound
//   forward   oifname vmap @fwd_in ───────────────→ fi_BR  isolation, replies, published ports
//             iifname vmap @fwd_out ──────────────→ fo_BR  the containers' own traffic
//
// A published port is one element of @pub (or @pub_addr, and @lo_only for 127.x), with its own
// counter and comment: the rule count does not grow with containers. A network is a handful of
// chains and one element in each verdict map. Every rule has a counter and a comment.
//
// An nftables accept is not final: a packet accepted here still goes through every other base
// chain of the hook, and the iptables FORWARD chain (of iptables-nft or legacy) with policy DROP,
// as on a host where Docker runs, drops it. As Docker 29's docs advise, the backend then adds
// ACCEPT rules for its bridges to that chain (iptables -I FORWARD, with its comment), owned and
// removed with the network; drops in this table stay final, so isolation holds.
//
// IPv6 (a network with --ipv6) has a twin table, `ip6 minidock`, of the same shape: the same
// chains, maps (of ipv6_addr), comments and elements, made only when a network has a v6
// subnet. A twin rather than one `inet` table: the `ip` table of every existing host keeps its
// exact shape (no migration of a live table, records and leak checks unchanged), a v4-only host
// never gets v6 objects, and an inet table would need a map per family anyway (a map's key type
// is one address type) plus a `meta nfproto` dispatch in every base chain. The v6 nat_out leaves
// ::1 alone (Linux drops the replies of a connection DNATed away from ::1: ports.ts), and there is
// no @lo_only in it, for the same reason.
import { run } from '../../../host/exec.js';
import type { IptOp, NftOp, Op } from '../../../host/plan.js';
import { iptablesSave, bracket, chainPrefix, containerTag, fromTableKey, missingOps, splitSaveLine } from './iptables.js';
import { type Family, type FirewallBackend, type ListedRule, type NetIntent, type OwnContext, type Orphan, type PortsIntent, familiesOf, familyOf, netOfFamily, networkIntent as networkIntentOf, portIntent } from './backend.js';
import { parseTag, withRoot } from '../tags.js';
import { join } from 'node:path';
import { paths } from '../../../state/paths.js';
import { readState, writeJsonAtomic } from '../../../state/atomic.js';
import { hostKeyOf } from './hostkey.js';

export function tableName(): string {
  return chainPrefix().toLowerCase();
}
/** The table of a family: `ip minidock`, `ip6 minidock`. */
const T = (f: Family = 4) => `${f === 6 ? 'ip6' : 'ip'} ${tableName()}`;
const FAMILIES = [4, 6] as const;
/** The words of a family in nft rules: its address match and its address type. */
const ipOf = (f: Family) => (f === 6 ? 'ip6' : 'ip');
const addrOf = (f: Family) => (f === 6 ? 'ipv6_addr' : 'ipv4_addr');

const nft = (line: string, why: string, undo?: Op[]): NftOp => ({ kind: 'nft', line, why, ...(undo ? { undo } : {}) });
const q = (s: string) => `"${s.replace(/["\\]/g, '')}"`;
/** nft comments are at most 128 bytes. */
const cm = (s: string) => `comment ${q(s.length > 127 ? s.slice(0, 127) : s)}`;

// ---------------------------------------------------------------- the base (shared by every network)

const BASE_CHAINS: [string, string, string][] = [
  ['raw_pre', 'type filter hook prerouting priority raw; policy accept;', `drops traffic from outside to container addresses, before conntrack sees it`],
  ['nat_pre', 'type nat hook prerouting priority dstnat; policy accept;', `published ports, for packets from other hosts and containers`],
  ['nat_out', 'type nat hook output priority -100; policy accept;', `published ports, for the host's own connections (127.0.0.1 too): no userland proxy`],
  ['nat_post', 'type nat hook postrouting priority srcnat; policy accept;', `masquerading`],
  ['forward', 'type filter hook forward priority filter; policy accept;', `forwarding to and from the networks`],
];

const MAPS = (f: Family): [string, string, string][] => [
  ['set bridges', 'type ifname;', `every minidock bridge (isolation: traffic from one to another is dropped)`],
  ['map fwd_in', 'type ifname : verdict;', `bridge → the chain for traffic forwarded into that network`],
  ['map fwd_out', 'type ifname : verdict;', `bridge → the chain for traffic forwarded out of that network`],
  ['map post_out', 'type ifname : verdict;', `bridge → the chain masquerading what enters that network from the host or a published port`],
  ['map post_src', `type ${addrOf(f)} : verdict; flags interval;`, `subnet → the chain masquerading that network's traffic out`],
  ['map raw_dst', `type ${addrOf(f)} : verdict; flags interval;`, `subnet → the chain dropping direct access to that network from outside`],
  ['map pub', `type inet_proto . inet_service : ${addrOf(f)} . inet_service; counter;`, `published ports on every host address: proto . port → container address . port (one element each)`],
  ['map pub_addr', `type ${addrOf(f)} . inet_proto . inet_service : ${addrOf(f)} . inet_service; counter;`, `published ports on one host address: address . proto . port → container address . port`],
  ...(f === 4 ? [['set lo_only', 'type ipv4_addr . inet_proto . inet_service; counter;', `ports published on a loopback address: only lo may reach them`] as [string, string, string]] : []),
];

/** The base chains' rules: [chain, rule, why]. */
function baseRules(f: Family = 4): [string, string, string][] {
  const ip = ipOf(f);
  return [
    ['raw_pre', `counter ${ip} daddr vmap @raw_dst ${cm('minidock: no direct access')}`, `packets to a container network's addresses go through that network's raw chain`],
    ...(f === 4 ? [['raw_pre', `iifname != "lo" ip daddr . meta l4proto . th dport @lo_only counter drop ${cm('minidock: loopback-only ports')}`, `a port published on 127.x is for this host only: drop it arriving from any other interface`] as [string, string, string]] : []),
    ['nat_pre', `fib daddr type local counter jump published ${cm('minidock: published ports')}`, `packets from other hosts or containers to one of this host's addresses may be for a published port`],
    f === 4
      ? ['nat_out', `fib daddr type local counter jump published ${cm('minidock: published ports from the host')}`, `the host's own connections to its addresses (127.0.0.1 too) may be for a published port`]
      : ['nat_out', `ip6 daddr != ::1 fib daddr type local counter jump published ${cm('minidock: published ports from the host')}`, `the host's own connections to its addresses (not ::1: Linux drops the replies) may be for a published port`],
    ['published', `counter dnat ${ip} to ${ip} daddr . meta l4proto . th dport map @pub_addr ${cm('minidock: ports on one address')}`, `DNAT a port published on one host address (one element of @pub_addr each)`],
    ['published', `counter dnat ${ip} to meta l4proto . th dport map @pub ${cm('minidock: ports on every address')}`, `DNAT a port published on every host address (one element of @pub each)`],
    ['nat_post', `counter oifname vmap @post_out ${cm('minidock: into a network')}`, `packets entering a network's bridge go through its masquerade chain`],
    ['nat_post', `counter ${ip} saddr vmap @post_src ${cm('minidock: out of a network')}`, `packets from a network's subnet go through its outbound masquerade chain`],
    ['forward', `counter oifname vmap @fwd_in ${cm('minidock: into a network')}`, `forwarded packets entering a network's bridge go through its chain (isolation first)`],
    ['forward', `counter iifname vmap @fwd_out ${cm('minidock: out of a network')}`, `forwarded packets leaving a network's bridge go through its chain`],
  ];
}

function baseOps(f: Family = 4): { chains: NftOp[]; maps: NftOp[]; rules: NftOp[] } {
  const t = T(f);
  const chains = [
    nft(`add table ${t}`, `minidock's own table: nothing else is changed in any other table`),
    ...BASE_CHAINS.map(([name, spec, why]) => nft(`add chain ${t} ${name} { ${spec} }`, `base chain ${name}: ${why}`)),
    nft(`add chain ${t} published`, `the published ports: two map lookups, whatever their number`),
  ];
  const maps = MAPS(f).map(([name, spec, why]) => nft(`add ${name.split(' ')[0]} ${t} ${name.split(' ')[1]} { ${spec} }`, why));
  const rules = [
    ...[...BASE_CHAINS.map((b) => b[0]), 'published'].map((c) => nft(`flush chain ${t} ${c}`, `(re)write the rules of ${c} (its elements stay)`)),
    ...baseRules(f).map(([c, r, why]) => nft(`add rule ${t} ${c} ${r}`, why)),
  ];
  return { chains, maps, rules };
}

// ---------------------------------------------------------------- a network

const NET_CHAINS = ['rd', 'ps', 'po', 'fi', 'fo'] as const;
const chainOf = (kind: (typeof NET_CHAINS)[number], bridge: string) => `${kind}_${bridge}`;

/** A routed network's set of published container ports (ip . proto . port, one element each). */
export const routedSetOf = (bridge: string) => `rt_${bridge}`;
/** The sets and maps whose elements are containers' (one per published port, tagged with the container). */
const isPortSet = (set: string) => set === 'pub' || set === 'pub_addr' || set === 'lo_only' || set.startsWith('rt_');

interface NetObjects {
  /** chain → its rules [rule, why] */
  chains: Map<string, [string, string][]>;
  /** [set, spec, why]: sets of the network's own (a routed network's published ports) */
  sets: [string, string, string][];
  /** [map, element, why] */
  elements: [string, string, string][];
}

/** The network's chains and elements in the table of family f (its v4 ones by default), from its intent. Pure. */
export function netObjects(whole: NetIntent, f: Family = 4): NetObjects {
  const n = netOfFamily(whole, f);
  const ip = ipOf(f);
  const tag = (what: string) => cm(withRoot(`minidock net ${n.name}: ${what}`, n.root));
  const br = q(n.bridge);
  const chains = new Map<string, [string, string][]>();
  const elements: [string, string, string][] = [];
  const sets: [string, string, string][] = [];
  const add = (c: string, rule: string, why: string) => chains.set(c, [...(chains.get(c) ?? []), [rule, why]]);
  const rd = chainOf('rd', n.bridge);
  const fi = chainOf('fi', n.bridge);
  const fo = chainOf('fo', n.bridge);
  // isolation first in fi (a drop is final; the accepts after it are not)
  const intent = networkIntentOf(whole).filter((r) => (r.family ?? 4) === f).sort((a, b) => (a.kind === 'isolate' ? -1 : b.kind === 'isolate' ? 1 : 0));
  for (const r of intent) {
    switch (r.kind) {
      case 'no-direct-access':
        add(rd, `iifname != ${br} fib daddr type != local counter drop ${tag('no direct access from outside')}`, `hosts on the LAN cannot reach container addresses in ${n.subnet} directly${n.internal ? '' : ', only published ports'}`);
        elements.push(['raw_dst', `${n.subnet} : jump ${rd}`, `packets to ${n.subnet} go through ${rd}`]);
        break;
      case 'masquerade': {
        const ps = chainOf('ps', n.bridge);
        const po = chainOf('po', n.bridge);
        add(ps, `${ip} saddr ${n.subnet} oifname != ${br} counter masquerade ${tag('outbound')}`, `traffic from containers leaving through any other interface gets the host's address (SNAT)`);
        add(po, `fib saddr type local counter masquerade ${tag('from the host')}`, `connections from the host (127.0.0.1 included) to a published port reach the container from the gateway address`);
        add(po, `${ip} saddr ${n.subnet} ct status dnat counter masquerade ${tag('hairpin')}`, `a container reaching a published port (its own: hairpin, or a neighbour's) is masqueraded so replies come back the same way`);
        elements.push(['post_src', `${n.subnet} : jump ${ps}`, `packets from ${n.subnet} go through ${ps}`], ['post_out', `${br} : jump ${po}`, `packets into ${n.bridge} go through ${po}`]);
        break;
      }
      case 'isolate':
        add(fi, `iifname != ${br} iifname @bridges ct status & dnat == 0 counter drop ${tag('isolation')}`, `traffic entering ${n.bridge} from another minidock bridge is dropped (published ports excepted)`);
        elements.push(['bridges', br, `${n.bridge} is a minidock bridge`]);
        break;
      case 'forward':
        add(fi, `ct state established,related counter accept ${tag('replies')}`, `let replies to containers' own connections back in`);
        add(fi, `ct status dnat counter accept ${tag('published ports')}`, `let connections to published ports through to the container`);
        add(fo, `counter accept ${tag('from containers')}`, `let containers' own traffic out (to the world and to each other)`);
        break;
      case 'internal':
        add(fi, `iifname != ${br} counter drop ${tag('internal, nothing in')}`, `--internal: nothing from any other interface is forwarded into ${n.bridge}`);
        add(fi, `counter accept ${tag('between containers')}`, `containers of the internal network reach each other (bridged traffic may pass FORWARD with br_netfilter)`);
        add(fo, `oifname != ${br} counter drop ${tag('internal, nothing out')}`, `--internal: nothing from ${n.bridge} is forwarded to any other interface (no way out)`);
        break;
      case 'routed-only': {
        const rt = routedSetOf(n.bridge);
        sets.push([rt, `type ${addrOf(f)} . inet_proto . inet_service; counter;`, `gateway mode routed: the published ports of ${n.name}'s containers (container address . proto . port)`]);
        add(fi, `${ip} daddr . meta l4proto . th dport @${rt} counter accept ${tag('routed published ports')}`, `gateway mode routed: a published container port may be reached directly at the container's address`);
        add(fi, `iifname != ${br} counter drop ${tag('routed, only published ports')}`, `gateway mode routed: from outside, only replies and published container ports reach ${n.subnet}`);
        break;
      }
      case 'unprotected':
        add(fi, `iifname != ${br} counter accept ${tag('unprotected')}`, `gateway mode nat-unprotected: anything routed to a container address in ${n.subnet} gets through, every port`);
        break;
    }
  }
  elements.push(['fwd_in', `${br} : jump ${fi}`, `traffic into ${n.bridge} goes through ${fi}`], ['fwd_out', `${br} : jump ${fo}`, `traffic out of ${n.bridge} goes through ${fo}`]);
  return { chains, sets, elements };
}

/** The ops that (re)make a network's objects; chains before maps (nft 1.0.6 wants a chain a new map's element jumps to made first). */
function netOps(n: NetIntent, f: Family = 4): { chains: NftOp[]; rules: NftOp[]; elements: NftOp[] } {
  const t = T(f);
  const o = netObjects(n, f);
  const chains = [
    ...o.sets.map(([name, spec, why]) => nft(`add set ${t} ${name} { ${spec} }`, why)),
    ...[...o.chains.keys()].map((c) => nft(`add chain ${t} ${c}`, `network ${n.name}: its chain ${c}`)),
  ];
  const rules = [...o.chains].flatMap(([c, rs]) => [nft(`flush chain ${t} ${c}`, `(re)write the rules of ${c}`), ...rs.map(([r, why]) => nft(`add rule ${t} ${c} ${r}`, why))]);
  const elements = o.elements.map(([m, e, why]) => nft(`add element ${t} ${m} { ${e} }`, why));
  return { chains, rules, elements };
}

/** Removing a network's objects that `have` lists (all of them when not given). */
export function netRemoveOps(n: NetIntent, have?: Listing, f: Family = 4): NftOp[] {
  const t = T(f);
  const o = netObjects(n, f);
  const els = o.elements.filter(([m, e]) => !have || have.elements.get(m)?.has(keyOf(e)));
  const chs = [...o.chains.keys()].filter((c) => !have || have.chains.has(c));
  return [
    ...els.map(([m, e]) => nft(`delete element ${t} ${m} { ${keyOf(e)} }`, `remove network ${n.name} from @${m}`)),
    ...chs.flatMap((c) => [nft(`flush chain ${t} ${c}`, `empty ${c}`), nft(`delete chain ${t} ${c}`, `remove ${c} of network ${n.name}`)]),
    // after the chains whose rules refer to it
    ...o.sets.filter(([s]) => !have || have.elements.has(s)).map(([s]) => nft(`delete set ${t} ${s}`, `remove the set ${s} of network ${n.name}`)),
  ];
}

/** The key part of an element (`"br0" : jump fi_br0` → `"br0"`). */
const keyOf = (e: string) => e.split(' : ')[0].replace(/ comment ".*"$/, '');

// ---------------------------------------------------------------- FORWARD policy DROP (iptables)

const acceptTag = (n: NetIntent, dir: 'in' | 'out', f: Family = 4) => withRoot(`minidock net ${n.name}: FORWARD policy is DROP, ${dir === 'in' ? 'into' : 'out of'} the bridge: ${T(f)} decides`, n.root);

/** The FORWARD accepts of a network in family f (ip6tables for 6). */
export function forwardAcceptOps(n: NetIntent, f: Family = 4): IptOp[] {
  const tool = f === 6 ? 'ip6tables' : 'iptables';
  const mk = (dir: 'in' | 'out'): IptOp => {
    const o: IptOp = {
      kind: 'iptables',
      table: 'filter',
      args: ['-I', 'FORWARD', '1', dir === 'in' ? '-o' : '-i', n.bridge, '-m', 'comment', '--comment', acceptTag(n, dir, f), '-j', 'ACCEPT'],
      why: `the ${tool} FORWARD policy is DROP and an nftables accept is not final: accept ${dir === 'in' ? 'into' : 'out of'} ${n.bridge} there too (the drops in ${T(f)} still apply)`,
      ...(f === 6 ? { family: 6 as const } : {}),
    };
    return o;
  };
  return [mk('in'), mk('out')];
}

/** The families of a network whose iptables/ip6tables FORWARD policy is DROP. */
async function forwardPolicyDrop(n: NetIntent): Promise<Family[]> {
  const fams = familiesOf(n);
  const drop = await Promise.all(fams.map(async (f) => {
    const r = await run(f === 6 ? 'ip6tables' : 'iptables', ['-w', '-S', 'FORWARD'], { allowFail: true });
    return r.code === 0 && /^-P FORWARD DROP$/m.test(r.stdout);
  }));
  return fams.filter((_, i) => drop[i]);
}

/** The FORWARD accepts of a network that are missing (none when the policy is not DROP). */
async function missingForwardAccepts(n: NetIntent): Promise<IptOp[]> {
  const fams = await forwardPolicyDrop(n);
  if (!fams.length) return [];
  return missingOps(await iptablesSave(fams), fams.flatMap((f) => forwardAcceptOps(n, f)));
}

/** The deletes of a network's FORWARD accepts that are there. */
async function presentForwardAccepts(n: NetIntent): Promise<IptOp[]> {
  const saved = await iptablesSave(FAMILIES).catch(() => undefined);
  if (!saved) return [];
  const out: IptOp[] = [];
  for (const o of FAMILIES.flatMap((f) => forwardAcceptOps(n, f))) {
    if (missingOps(saved, [o]).length) continue;
    const [, chain, , ...rest] = o.args;
    out.push({ ...o, args: ['-D', chain, ...rest], why: `remove: ${o.why}` });
  }
  return out;
}

// ---------------------------------------------------------------- reading the table

export interface Listing {
  /** chain → comments of its rules */
  chains: Map<string, string[]>;
  /** set/map → element keys */
  elements: Map<string, Set<string>>;
  /** chain → [comment, handle] of its rules (from `nft -a list`) */
  handles?: Map<string, [string, number][]>;
}

/**
 * What of the base and of the networks is there: one `nft list table` (nft 1.0.6 cannot list
 * several objects in one `nft -f` script: its cache loses chains). The port maps' elements come
 * with it: a short line each, which parseListing reads past. Undefined when the table is missing.
 */
async function listFor(f: Family = 4): Promise<Listing | undefined> {
  const r = await run('nft', ['-a', 'list', 'table', ...T(f).split(' ')], { allowFail: true });
  return r.code === 0 ? parseListing(r.stdout) : undefined;
}

/** Parses `nft list` text: chains with their rules' comments, sets/maps with their element keys. Pure. */
export function parseListing(text: string, out: Listing = { chains: new Map(), elements: new Map(), handles: new Map() }): Listing {
  let chain: string | undefined;
  let set: string | undefined;
  let inElements = false;
  let buf = '';
  const flush = () => {
    if (!set) return;
    const keys = out.elements.get(set) ?? new Set<string>();
    for (const e of splitElements(buf)) keys.add(keyOf(e.replace(/ counter packets \d+ bytes \d+/, '')));
    out.elements.set(set, keys);
    buf = '';
  };
  for (const raw of text.split('\n')) {
    // `nft -a` ends chain, set and rule lines with their handle
    const h = / # handle (\d+)$/.exec(raw);
    const line = (h ? raw.slice(0, h.index) : raw).trim();
    let m: RegExpExecArray | null;
    if ((m = /^chain (\S+) \{$/.exec(line))) {
      chain = m[1];
      if (!out.chains.has(chain)) out.chains.set(chain, []);
      continue;
    }
    if ((m = /^(?:set|map) (\S+) \{$/.exec(line))) {
      set = m[1];
      if (!out.elements.has(set)) out.elements.set(set, new Set());
      chain = undefined;
      continue;
    }
    if (set && /^elements = \{/.test(line)) {
      inElements = true;
      buf = line.replace(/^elements = \{\s*/, '');
    } else if (set && inElements) buf += ' ' + line;
    if (set && inElements && /\}$/.test(buf.trim())) {
      buf = buf.trim().replace(/\s*\}$/, '');
      flush();
      inElements = false;
      continue;
    }
    if (line === '}') {
      chain = undefined;
      if (!inElements) set = undefined;
      continue;
    }
    if (chain && !/^type |^policy /.test(line)) {
      const c = /comment "((?:[^"\\]|\\.)*)"/.exec(line);
      out.chains.get(chain)!.push(c ? c[1] : '');
      if (h && out.handles) out.handles.set(chain, [...(out.handles.get(chain) ?? []), [c ? c[1] : '', Number(h[1])]]);
    }
  }
  return out;
}

/** Splits `a : b, c : d` at the top-level commas. */
function splitElements(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inQ = false;
  let cur = '';
  for (const ch of s) {
    if (ch === '"') inQ = !inQ;
    if (!inQ && (ch === '{' || ch === '(')) depth++;
    if (!inQ && (ch === '}' || ch === ')')) depth--;
    if (!inQ && depth === 0 && ch === ',') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const commentOfRule = (r: string) => /comment "((?:[^"\\]|\\.)*)"/.exec(r)?.[1] ?? '';

/** Whether `have` holds the base and this network (rules by their comment, elements by key). Pure. */
export function listingComplete(have: Listing, n: NetIntent, f: Family = 4): boolean {
  for (const [c, r] of baseRules(f)) if (!have.chains.get(c)?.includes(commentOfRule(r))) return false;
  const o = netObjects(n, f);
  for (const [c, rs] of o.chains) {
    const got = have.chains.get(c);
    if (!got || rs.some(([r]) => !got.includes(commentOfRule(r)))) return false;
  }
  return o.elements.every(([m, e]) => have.elements.get(m)?.has(keyOf(e)));
}

// ---------------------------------------------------------------- the backend

function baseComplete(have: Listing | undefined, f: Family = 4): boolean {
  return !!have && baseRules(f).every(([c, r]) => have.chains.get(c)?.includes(commentOfRule(r)));
}

/**
 * One transaction that makes the base (when incomplete: its chains are rewritten, their
 * counters start again) and the network: its chains rewritten, its elements added (adding an
 * element that is there changes nothing). Chains before maps: nft 1.0.6 wants the chain a new
 * map's element jumps to made first in a transaction.
 */
export function buildOps(n: NetIntent, have: Listing | undefined, netUndo?: Op[], f: Family = 4): Op[] {
  const b = baseOps(f);
  const net = netOps(n, f);
  const withBase = !baseComplete(have, f);
  const [first, ...rest] = net.chains;
  return [
    ...b.chains,
    netUndo ? { ...first, undo: netUndo } : first,
    ...rest,
    ...b.maps,
    ...(withBase ? b.rules : []),
    ...net.rules,
    ...net.elements,
  ];
}

/** The listings of the tables of a network's families (read at once), by family. */
async function listingsOf(n: NetIntent, fams: readonly Family[] = familiesOf(n)): Promise<[Family, Listing | undefined][]> {
  const ls = await Promise.all(fams.map((f) => listFor(f)));
  return fams.map((f, i) => [f, ls[i]]);
}

async function ensureOps(n: NetIntent): Promise<Op[]> {
  const [have, accepts] = await Promise.all([listingsOf(n), missingForwardAccepts(n)]);
  const ops = have.flatMap(([f, l]) => (l && listingComplete(l, n, f) ? [] : buildOps(n, l, undefined, f)));
  return [...ops, ...accepts];
}

/** Like ensureOps, but the network's part is undone if the create fails later (each table's first op carries that undo). */
async function createOps(n: NetIntent): Promise<Op[]> {
  const [have, accepts] = await Promise.all([listingsOf(n), missingForwardAccepts(n)]);
  const undoAccepts = accepts.map((o): IptOp => ({ ...o, args: ['-D', 'FORWARD', ...o.args.slice(3)], why: `remove: ${o.why}` }));
  const ops = have.flatMap(([f, l], i) => buildOps(n, l, [...(i === 0 ? undoAccepts : []), ...netRemoveOps(n, undefined, f)], f));
  return [...ops, ...accepts];
}

/** Both tables are looked at, whatever the network's families now: a network whose v6 was dropped leaves none behind. */
async function removeOps(n: NetIntent): Promise<Op[]> {
  const [have, accepts] = await Promise.all([listingsOf(n, FAMILIES), presentForwardAccepts(n)]);
  return [...accepts, ...have.flatMap(([f, l]) => (l ? netRemoveOps(n, l, f) : []))];
}

// ---------------------------------------------------------------- the check on every start

// `intact` runs on every container start. A listing of the table costs time that grows with the
// published ports: in nft 1.0.6 any listing that shows a rule (`list table`, `-t`, `list chain`)
// fetches every set's elements first, one per port (measured: `list chain` of a 1-rule chain,
// 2.7 ms of CPU with 1 element in @pub, 32 ms with 5000). So the start checks with one
// `nft -c -f -` instead: a check-mode transaction (the kernel validates it, then aborts it:
// nothing changes) that "deletes" each rule of the base and the network by the handle a complete
// listing gave it, and each of the network's map elements by key. Any of them gone (a flushed
// chain, a deleted table or element) fails it with ENOENT; a rule rewritten since (repair) has
// a new handle and fails it too. Deleting elements of a set without `interval` needs none of its
// elements fetched, so its cost does not depend on the number of containers. When it fails, the
// full listing decides, as before, and a complete listing gives the next check script. A network
// with IPv6 has its part in the `ip6` twin table too: the one script proves both tables (each
// table's own handles), and is kept only when both listings were complete.

/**
 * The check-mode script proving the base and the network as `have` (the listing of family f's
 * table: ip, or ip6 for a network's IPv6 part) lists them; undefined when incomplete. Pure.
 */
export function checkScript(have: Listing, n: NetIntent, f: Family = 4): string | undefined {
  if (!listingComplete(have, n, f)) return undefined;
  const t = T(f);
  const o = netObjects(n, f);
  const wanted: [string, string][] = [...baseRules(f).map(([c, r]): [string, string] => [c, commentOfRule(r)]), ...[...o.chains].flatMap(([c, rs]) => rs.map(([r]): [string, string] => [c, commentOfRule(r)]))];
  const lines: string[] = [];
  for (const [c, comment] of wanted) {
    const h = have.handles?.get(c)?.find(([x]) => x === comment)?.[1];
    if (h === undefined) return undefined;
    lines.push(`delete rule ${t} ${c} handle ${h}`);
  }
  for (const [m, e] of o.elements) lines.push(`delete element ${t} ${m} { ${keyOf(e)} }`);
  return lines.join('\n') + '\n';
}

interface CheckCache {
  key: string;
  /** network name → its intent (JSON) and the check script of its last complete listing */
  nets: Record<string, { intent: string; script: string }>;
}

const checkFile = () => join(paths.networks(), 'nft-check.json');
const checkKey = () => `${hostKeyOf('nftables')}:${tableName()}`;

function savedCheck(n: NetIntent): string | undefined {
  const c = readState<CheckCache>(checkFile(), 'cache');
  const e = c?.key === checkKey() ? c.nets[n.name] : undefined;
  return e && e.intent === JSON.stringify(n) ? e.script : undefined;
}

function saveCheck(n: NetIntent, script: string | undefined): void {
  const c = readState<CheckCache>(checkFile(), 'cache');
  const next: CheckCache = c?.key === checkKey() ? c : { key: checkKey(), nets: {} };
  if (script) next.nets[n.name] = { intent: JSON.stringify(n), script };
  else if (next.nets[n.name]) delete next.nets[n.name];
  else return;
  writeJsonAtomic(checkFile(), next);
}

async function intact(n: NetIntent): Promise<boolean> {
  const script = savedCheck(n);
  if (script && (await run('nft', ['-c', '-f', '-'], { input: script, allowFail: true })).code === 0) return true;
  // each family's table (ip, ip6) proves its part; the script covers all of them or is not kept
  const parts = (await listingsOf(n)).map(([f, l]) => l && checkScript(l, n, f));
  const next = parts.length && parts.every((x) => !!x) ? parts.join('') : undefined;
  saveCheck(n, next);
  return !!next;
}

/** A container's published ports as elements, each in the table of its address's family. */
function portElements(p: PortsIntent): { t: string; map: string; key: string; value?: string; why: string }[] {
  return portIntent(p).map((r) => {
    if (r.kind === 'dnat') {
      const any = r.hostIp === '';
      const f = familyOf(r.toIp);
      return {
        t: T(f),
        map: any ? 'pub' : 'pub_addr',
        key: any ? `${r.proto} . ${r.hostPort}` : `${r.hostIp} . ${r.proto} . ${r.hostPort}`,
        value: `${r.toIp} . ${r.toPort}`,
        why: `publish ${any ? (f === 6 ? '[::]' : '0.0.0.0') : bracket(r.hostIp)}:${r.hostPort}/${r.proto} → container ${bracket(r.toIp)}:${r.toPort}`,
      };
    }
    if (r.kind === 'routed-port') {
      return { t: T(familyOf(r.toIp)), map: routedSetOf(r.bridge), key: `${r.toIp} . ${r.proto} . ${r.toPort}`, why: `gateway mode routed: ${bracket(r.toIp)}:${r.toPort}/${r.proto} may be reached directly` };
    }
    return { t: T(), map: 'lo_only', key: `${r.hostIp} . ${r.proto} . ${r.hostPort}`, why: `${r.hostIp}:${r.hostPort} is for this host only: drop packets for it arriving from any other interface` };
  });
}

function portOps(p: PortsIntent): Op[] {
  const tag = cm(containerTag(p.containerId, p.name, p.root));
  return portElements(p).map(({ t, ...e }) => {
    const undo = nft(`delete element ${t} ${e.map} { ${e.key} }`, `remove: ${e.why}`);
    return nft(`add element ${t} ${e.map} { ${e.key} ${tag}${e.value ? ` : ${e.value}` : ''} }`, e.why, [undo]);
  });
}

function portUndoOps(p: PortsIntent): Op[] {
  return portElements(p).reverse().map(({ t, ...e }) => nft(`delete element ${t} ${e.map} { ${e.key} }`, `remove: ${e.why}`));
}

// ---------------------------------------------------------------- listing everything (rules, diagram, prune)

interface JsonElem {
  key: string;
  value?: string;
  comment?: string;
  packets: number;
  bytes: number;
}

type JVal = string | number | { concat?: JVal[]; prefix?: { addr: string; len: number }; jump?: { target: string }; goto?: { target: string }; elem?: { val: JVal; comment?: string; counter?: { packets: number; bytes: number } } };

function jtext(v: JVal | undefined): string {
  if (v === undefined) return '';
  // bare words, numbers and addresses (an IPv6 one may start with a letter: fd00::2) as nft prints them
  if (typeof v === 'string') return /^[a-z_]+$|^\d|^[0-9a-f]*:[0-9a-f:.]*$/i.test(v) ? v : `"${v}"`;
  if (typeof v === 'number') return String(v);
  if (v.concat) return v.concat.map(jtext).join(' . ');
  if (v.prefix) return `${v.prefix.addr}/${v.prefix.len}`;
  if (v.jump) return `jump ${v.jump.target}`;
  if (v.goto) return `goto ${v.goto.target}`;
  if (v.elem) return jtext(v.elem.val);
  return JSON.stringify(v);
}

/** Sets and maps with their elements, from `nft -j list table`. Pure. */
export function parseJsonElements(text: string): Map<string, JsonElem[]> {
  const out = new Map<string, JsonElem[]>();
  let doc: { nftables?: Record<string, { name: string; elem?: (JVal | [JVal, JVal])[] }>[] };
  try {
    doc = JSON.parse(text || '{}');
  } catch {
    return out;
  }
  for (const o of doc.nftables ?? []) {
    const s = o.set ?? o.map;
    if (!s) continue;
    const list: JsonElem[] = [];
    for (const e of s.elem ?? []) {
      const [k, v] = Array.isArray(e) ? e : [e, undefined];
      const meta = typeof k === 'object' && k !== null && 'elem' in k ? k.elem : undefined;
      list.push({ key: jtext(k), value: v === undefined ? undefined : jtext(v), comment: meta?.comment, packets: meta?.counter?.packets ?? 0, bytes: meta?.counter?.bytes ?? 0 });
    }
    out.set(s.name, list);
  }
  return out;
}

interface TextRule {
  chain: string;
  text: string;
  comment: string;
  packets: number;
  bytes: number;
}

/** Rules per chain from `nft list table` text. Pure. */
export function parseTextRules(text: string): TextRule[] {
  const out: TextRule[] = [];
  let chain: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^chain (\S+) \{$/.exec(line);
    if (m) {
      chain = m[1];
      continue;
    }
    if (line === '}' || /^(?:set|map) /.test(line)) {
      chain = undefined;
      continue;
    }
    if (!chain || !line || /^type |^policy /.test(line)) continue;
    const c = /counter packets (\d+) bytes (\d+)/.exec(line);
    out.push({ chain, text: line.replace(/counter packets \d+ bytes \d+/, 'counter'), comment: commentOfRule(line), packets: c ? Number(c[1]) : 0, bytes: c ? Number(c[2]) : 0 });
  }
  return out;
}

async function readAll(f: Family = 4): Promise<{ rules: TextRule[]; elements: Map<string, JsonElem[]> } | undefined> {
  const t = T(f).split(' ');
  const [text, json] = await Promise.all([run('nft', ['list', 'table', ...t], { allowFail: true }), run('nft', ['-j', 'list', 'table', ...t], { allowFail: true })]);
  if (text.code !== 0 || json.code !== 0) return undefined;
  return { rules: parseTextRules(text.stdout), elements: parseJsonElements(json.stdout) };
}

const BASE = new Set([...BASE_CHAINS.map((b) => b[0])]);
const bridgeOfChain = (c: string) => /^(?:rd|ps|po|fi|fo)_(.+)$/.exec(c)?.[1];

/** Whose is it: this root's, shared (the base), or another's. */
function mine(comment: string | undefined, own: OwnContext): boolean {
  const tag = parseTag(comment);
  if (!tag) return false;
  if (tag.shared) return true;
  if (tag.root) return tag.root === own.root;
  return false;
}

const WORDS: Record<string, (n: string, br: string, subnet: string) => string> = {
  'no direct access from outside': (n, br, s) => `drop packets from outside ${br} addressed to containers of ${n} (${s}): only published ports reach them`,
  outbound: (n, br, s) => `SNAT: containers of ${n} (${s}) going out by any interface but ${br} take that interface's address`,
  'from the host': (n) => `connections from the host (127.0.0.1 included) into ${n} come from the gateway address, so replies come back`,
  hairpin: (n) => `hairpin: a container of ${n} reaching a published port (its own or a neighbour's) is masqueraded so replies come back the same way`,
  isolation: (n) => `drop traffic entering ${n} from another minidock network (published ports excepted)`,
  replies: (n) => `let replies to the own connections of ${n}'s containers back in`,
  'published ports': (n) => `let connections to published ports of ${n} through to the container`,
  'from containers': (n) => `let traffic of ${n}'s containers out (to the world and to each other)`,
  'internal, nothing in': (n, br) => `--internal ${n}: nothing from elsewhere is forwarded into ${br}`,
  'internal, nothing out': (n, br) => `--internal ${n}: nothing from ${br} is forwarded anywhere else`,
  'between containers': (n) => `containers of ${n} reach each other`,
};

async function listRules(own: OwnContext): Promise<ListedRule[]> {
  const tables = await Promise.all(FAMILIES.map((f) => readAll(f)));
  return FAMILIES.flatMap((f, i) => listTable(tables[i], f, own));
}

function listTable(all: Awaited<ReturnType<typeof readAll>>, f: Family, own: OwnContext): ListedRule[] {
  if (!all) return [];
  const t = T(f);
  const out: ListedRule[] = [];
  for (const r of all.rules) {
    if (!mine(r.comment, own)) continue;
    const br = bridgeOfChain(r.chain);
    const net = own.networks.find((n) => n.bridge === br);
    const what = r.comment.replace(/^minidock(?: net [^:]+)?:\s*/, '').replace(/ \(root [0-9a-f]{12}\)$/, '');
    const hook = BASE.has(r.chain);
    const words = net && WORDS[what] ? WORDS[what](net.name, net.bridge, (f === 6 ? net.subnet6 : net.subnet) ?? '') : (baseRules(f).find(([c, x]) => c === r.chain && commentOfRule(x) === r.comment)?.[2] ?? what);
    const rule = r.text.replace(/ comment "(?:[^"\\]|\\.)*"$/, '');
    out.push({ table: t, chain: r.chain, packets: r.packets, bytes: r.bytes, args: [], comment: r.comment, spec: r.text, hook, network: net?.name, words, command: `nft add rule ${t} ${r.chain} '${rule}'` });
  }
  for (const [set, els] of all.elements) {
    const routed = set.startsWith('rt_');
    if (!isPortSet(set)) continue;
    for (const e of els) {
      if (!mine(e.comment, own)) continue;
      const tag = parseTag(e.comment);
      const c = own.containers.find((x) => tag?.container && x.id.startsWith(tag.container));
      const who = c?.name ?? tag?.name ?? tag?.container ?? '?';
      const k = e.key.split(' . ');
      const words = routed
        ? `gateway mode routed: ${k[0]}:${k[2]}${k[1] !== 'tcp' ? `/${k[1]}` : ''} of ${who} may be reached directly`
        : set === 'lo_only'
        ? `drop packets for ${k[0]}:${k[2]} arriving from anywhere but lo (loopback-only port of ${who})`
        : `DNAT host ${set === 'pub' ? `port ${k[1]}` : `${k[0]} port ${k[2]}`}${(set === 'pub' ? k[0] : k[1]) !== 'tcp' ? `/${set === 'pub' ? k[0] : k[1]}` : ''} → ${who}:${e.value?.split(' . ')[1]} (${bracket(e.value?.split(' . ')[0] ?? '')}:${e.value?.split(' . ')[1]})`;
      out.push({
        table: t,
        chain: `${set === 'lo_only' || routed ? 'set' : 'map'} ${set}`,
        packets: e.packets,
        bytes: e.bytes,
        args: [],
        comment: e.comment,
        spec: `${set} ${e.key}`,
        hook: false,
        network: c?.network,
        container: tag?.container,
        words,
        command: `nft add element ${t} ${set} '{ ${e.key}${e.value ? ` : ${e.value}` : ''} }'`,
      });
    }
  }
  return out;
}

async function view(own: OwnContext) {
  const tables = await Promise.all(FAMILIES.map((f) => readAll(f)));
  const ports = [];
  const masquerade = [];
  for (const [i, all] of tables.entries()) {
    const f = FAMILIES[i];
    if (!all) continue;
    for (const set of ['pub_addr', 'pub']) {
      for (const e of all.elements.get(set) ?? []) {
        if (!mine(e.comment, own)) continue;
        const k = e.key.split(' . ');
        const [ip, port] = (e.value ?? '').split(' . ');
        const tag = parseTag(e.comment);
        ports.push({
          hostIp: set === 'pub' ? (f === 6 ? '::' : '0.0.0.0') : k[0],
          hostPort: Number(set === 'pub' ? k[1] : k[2]),
          proto: (set === 'pub' ? k[0] : k[1]) as 'tcp' | 'udp',
          containerIp: ip.replace(/"/g, ''), // nft quotes an ipv6_addr in a concatenation's value
          containerPort: Number(port),
          packets: e.packets,
          id12: tag?.container,
          tagName: tag?.container ? tag.name : undefined,
        });
      }
    }
    const src = all.elements.get('post_src') ?? [];
    for (const n of own.networks) {
      const subnet = f === 6 ? n.subnet6 : n.subnet;
      const ps = chainOf('ps', n.bridge);
      const rule = all.rules.find((r) => r.chain === ps && / masquerade /.test(r.text) && mine(r.comment, own));
      if (subnet && rule && src.some((e) => e.key === subnet && e.value === `jump ${ps}`)) masquerade.push({ bridge: n.bridge, subnet, packets: rule.packets });
    }
  }
  return { backend: 'nftables' as const, ports, masquerade };
}

async function orphans(own: OwnContext): Promise<Orphan[]> {
  const tables = await Promise.all(FAMILIES.map((f) => readAll(f)));
  const out = FAMILIES.flatMap((f, i) => tableOrphans(tables[i], f, own));
  out.push(...(await forwardAcceptOrphans(own)));
  return out;
}

/** The leftovers in the table of one family. */
function tableOrphans(all: Awaited<ReturnType<typeof readAll>>, f: Family, own: OwnContext): Orphan[] {
  if (!all) return [];
  const t = T(f);
  const out: Orphan[] = [];
  const wired = own.wiredIds ?? [];
  // a container's elements: its published ports, and on a routed network its set's (rt_BR)
  for (const set of [...all.elements.keys()].filter(isPortSet)) {
    for (const e of all.elements.get(set) ?? []) {
      const tag = parseTag(e.comment);
      if (!tag?.container || !mine(e.comment, own) || wired.some((id) => id.startsWith(tag.container!))) continue;
      out.push({ op: nft(`delete element ${t} ${set} { ${e.key} }`, `remove a leftover element (${e.comment}): no container owns it`), why: `removed element ${e.key} of ${t} @${set} (${e.comment})` });
    }
  }
  // networks' chains of this root whose network is gone: their elements first, then the chains
  const gone = new Set<string>();
  for (const r of all.rules) {
    const br = bridgeOfChain(r.chain);
    if (br && mine(r.comment, own) && !own.networks.some((n) => n.bridge === br)) gone.add(br);
  }
  for (const br of gone) {
    for (const [set, els] of all.elements) {
      for (const e of els) {
        if (e.key === q(br) || (e.value && bridgeOfChain(e.value.replace(/^(?:jump|goto) /, '')) === br)) {
          out.push({ op: nft(`delete element ${t} ${set} { ${e.key} }`, `remove a leftover element of bridge ${br}: no network owns it`), why: `removed element ${e.key} of ${t} @${set}` });
        }
      }
    }
    for (const k of NET_CHAINS) {
      const c = chainOf(k, br);
      if (!all.rules.some((r) => r.chain === c)) continue;
      out.push({ op: nft(`flush chain ${t} ${c}`, `empty the leftover chain ${c}`), why: `emptied chain ${c}` });
      out.push({ op: nft(`delete chain ${t} ${c}`, `remove the leftover chain ${c}: no network owns it`), why: `removed chain ${c} of ${t} (no network owns it)` });
    }
    // a routed network's set, after the chain whose rule refers to it
    const rt = routedSetOf(br);
    if (all.elements.has(rt)) out.push({ op: nft(`delete set ${t} ${rt}`, `remove the leftover set ${rt}: no network owns it`), why: `removed set ${rt} of ${t} (no network owns it)` });
  }
  return out;
}

/** FORWARD accepts (iptables and ip6tables) made for this root's networks that are gone. */
async function forwardAcceptOrphans(own: OwnContext): Promise<Orphan[]> {
  const out: Orphan[] = [];
  const saved = await iptablesSave(FAMILIES).catch(() => undefined);
  for (const [key, lines] of saved?.rules ?? []) {
    const { table, family } = fromTableKey(key);
    if (table !== 'filter') continue;
    for (const line of lines) {
      const a = splitSaveLine(line);
      const c = a[a.indexOf('--comment') + 1];
      const tag = parseTag(c);
      if (a[1] !== 'FORWARD' || !tag?.net || !c.includes(`: ${T(family ?? 4)} decides`) || !mine(c, own) || own.networks.some((n) => n.name === tag.net)) continue;
      out.push({ op: { kind: 'iptables', table: 'filter', args: ['-D', ...a.slice(1)], why: `remove a leftover FORWARD accept (${c})`, ...(family ? { family } : {}) }, why: `removed ${family ? 'ip6tables ' : ''}FORWARD accept (${c})` });
    }
  }
  return out;
}

async function bridgeOwner(dev: string): Promise<{ net: string; root: string } | undefined> {
  const { rootIdIfAny } = await import('../../../state/rootid.js');
  for (const f of FAMILIES) {
    const r = await run('nft', ['list', 'chain', ...T(f).split(' '), chainOf('fi', dev)], { allowFail: true });
    if (r.code !== 0) continue;
    for (const x of parseTextRules(r.stdout)) {
      const tag = parseTag(x.comment);
      if (tag?.net && tag.root && tag.root !== rootIdIfAny()) return { net: tag.net, root: tag.root };
    }
  }
  return undefined;
}

export const nftablesBackend: FirewallBackend = {
  name: 'nftables',
  ensureOps,
  createOps,
  removeOps,
  intact,
  portOps,
  portUndoOps,
  listRules,
  view,
  orphans,
  bridgeOwner,
};
