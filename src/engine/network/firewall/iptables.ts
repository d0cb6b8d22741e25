// The iptables backend: which rules a bridge network and a published port need, as plan ops.
//
// Design (see docs/networking.md):
// - minidock's rules live in its own chains, hooked once from the built-in chains:
//     raw    PREROUTING  → MINIDOCK-RAW          drops LAN traffic to container addresses
//     nat    PREROUTING  → MINIDOCK-DNAT         (dst-type LOCAL) published ports
//     nat    OUTPUT      → MINIDOCK-DNAT         (dst-type LOCAL) published ports from the host itself
//     nat    POSTROUTING → MINIDOCK-POSTROUTING  masquerade
//     filter FORWARD     → MINIDOCK-FORWARD      accepts of its own (works with policy DROP)
// - Per network there is a constant handful of rules. The only per-container rules are one DNAT
//   per published port (and one raw DROP per loopback-only port). Hairpin, neighbour and
//   localhost access need no per-port masquerade: a conntrack `--ctstate DNAT` match does it
//   for every port at once. So the cost of starting a container does not grow with the number
//   of containers already running (Docker's does, moby#53466).
// - Every rule carries `-m comment --comment "minidock …"`; presence is checked by chain and
//   comment, so the check does not depend on how iptables-save spells a rule. A network's and a
//   container's rules name the state root that made them (`(root <id>)`, tags.ts), so two roots
//   sharing a network namespace and a prefix never take each other's rule for their own. A hook
//   is found by its built-in chain and its target chain (which carries the prefix), so each
//   prefix gets its own hooks.
// - IPv6 (a network with --ipv6): the same chains, hooks, comments and order in ip6tables's
//   tables (ops with family 6), made only for networks that have a v6 subnet; a v6-only network
//   has no IPv4 rules. The v6 OUTPUT hook leaves ::1 alone: Linux drops the replies of a
//   connection DNATed away from ::1 (ports.ts), so [::1]:port is refused, not left to hang.
import { run } from '../../../host/exec.js';
import { type IptOp, type Op, type Table, deleteRuleOf, iptTool, restoreLine, undoPlanOf } from '../../../host/plan.js';
import type { PortBinding } from '../types.js';
import { withRoot } from '../tags.js';
import { type Family, type FirewallBackend, type NetIntent, type NetRule, type OwnContext, type Orphan, type PortRule, type PortsIntent, familiesOf, familyOf, netOfFamily, networkIntent, portIntent } from './backend.js';

export function chainPrefix(): string {
  const p = process.env.MINIDOCK_CHAIN_PREFIX || 'MINIDOCK';
  if (!/^[A-Z][A-Z0-9_-]{0,15}$/.test(p)) throw new Error(`invalid MINIDOCK_CHAIN_PREFIX ${p}`);
  return p;
}

export function chains() {
  return chainsOf(chainPrefix());
}

/** The chain names of a prefix. */
export function chainsOf(p: string) {
  return { raw: `${p}-RAW`, dnat: `${p}-DNAT`, post: `${p}-POSTROUTING`, forward: `${p}-FORWARD`, iso1: `${p}-ISOLATION-1`, iso2: `${p}-ISOLATION-2` };
}

/** A bridge network as the firewall sees it (backend.ts). */
export type BridgeNet = NetIntent;

function op(table: Table, args: string[], why: string, undo = true, family: Family = 4): IptOp {
  const o: IptOp = { kind: 'iptables', table, args, why, ...(family === 6 ? { family } : {}) };
  if (undo) o.undo = [deleteRuleOf(o)];
  return o;
}

const c = (text: string) => ['-m', 'comment', '--comment', text];

/** The ops of one family: ip6tables for 6. */
const inFamily = (ops: IptOp[], f: Family): IptOp[] => (f === 6 ? ops.map((o) => ({ ...o, family: 6, ...(o.undo ? { undo: o.undo.map((u) => ({ ...u, family: 6 })) } : {}) })) : ops);

/** The chains and the jumps into them from the built-in chains, of one family. Never removed. */
export function hookOps(f: Family = 4): { chain: IptOp[]; hook: IptOp[] } {
  const { chain, hook } = hookOps4();
  if (f === 4) return { chain, hook };
  // ::1 is not DNATed (see the top of this file): a connection to [::1]:port is refused at once
  const noLo = (o: IptOp): IptOp => (o.table === 'nat' && o.args[1] === 'OUTPUT' ? { ...o, args: [...o.args.slice(0, 2), '!', '-d', '::1/128', ...o.args.slice(2)], why: o.why.replace('(127.0.0.1 too)', '(not ::1: Linux drops the replies)') } : o);
  return { chain: inFamily(chain, 6), hook: inFamily(hook.map(noLo), 6) };
}

function hookOps4(): { chain: IptOp[]; hook: IptOp[] } {
  const ch = chains();
  const chain: IptOp[] = [
    op('raw', ['-N', ch.raw], `minidock's own raw chain: drops traffic from outside to container addresses, before conntrack sees it`),
    op('nat', ['-N', ch.dnat], `minidock's own nat chain for published ports (one DNAT per port)`),
    op('nat', ['-N', ch.post], `minidock's own nat chain for masquerading`),
    op('filter', ['-N', ch.forward], `minidock's own filter chain: lets container traffic through FORWARD even when its policy is DROP`),
    op('filter', ['-N', ch.iso1], `isolation, stage 1: traffic leaving a minidock bridge for another interface`),
    op('filter', ['-N', ch.iso2], `isolation, stage 2: …is dropped when that interface is another minidock bridge`),
  ];
  const hook: IptOp[] = [
    op('raw', ['-I', 'PREROUTING', '1', ...c('minidock: raw'), '-j', ch.raw], `send every incoming packet through ${ch.raw} first`),
    op('nat', ['-A', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', ...c('minidock: published ports'), '-j', ch.dnat], `packets from other hosts or containers to one of this host's addresses may be for a published port`),
    op('nat', ['-A', 'OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', ...c('minidock: published ports from the host'), '-j', ch.dnat], `the host's own connections to its addresses (127.0.0.1 too) may be for a published port: no userland proxy needed`),
    op('nat', ['-A', 'POSTROUTING', ...c('minidock: masquerade'), '-j', ch.post], `send every outgoing packet through ${ch.post}`),
    op('filter', ['-I', 'FORWARD', '1', ...c('minidock: forward'), '-j', ch.forward], `send forwarded packets through ${ch.forward} first, ahead of any DROP`),
    op('filter', ['-I', ch.forward, '1', ...c('minidock: isolation'), '-j', ch.iso1], `first of all, keep networks apart: two bridge networks never talk to each other directly`),
  ];
  return { chain, hook };
}

/** The per-network rules of a bridge network (constant count, whatever the number of containers): IPv4's, then IPv6's. */
export function networkRuleOps(n: BridgeNet): IptOp[] {
  return networkIntent(n).flatMap((r) => inFamily(netRuleOps(netOfFamily(n, r.family ?? 4), r), r.family ?? 4));
}

/** The hooks (chains and jumps) of the families a network has rules in. */
export function hooksOf(n: BridgeNet): { chain: IptOp[]; hook: IptOp[] } {
  const hs = familiesOf(n).map((f) => hookOps(f));
  return { chain: hs.flatMap((h) => h.chain), hook: hs.flatMap((h) => h.hook) };
}

/** One item of a network's intent as iptables rules (the order within is the evaluation order). */
function netRuleOps(n: BridgeNet, r: NetRule): IptOp[] {
  const ch = chains();
  const tag = (what: string) => c(withRoot(`minidock net ${n.name}: ${what}`, n.root));
  switch (r.kind) {
    case 'no-direct-access':
      return [
        op('raw', ['-A', ch.raw, '-d', n.subnet, '!', '-i', n.bridge, '-m', 'addrtype', '!', '--dst-type', 'LOCAL', ...tag('no direct access from outside'), '-j', 'DROP'],
          `hosts on the LAN cannot reach container addresses in ${n.subnet} directly${n.internal ? '' : ', only published ports'}`),
      ];
    case 'internal':
      // An --internal network drops everything between its bridge and any other interface.
      return [
        op('filter', ['-A', ch.forward, '-i', n.bridge, '-o', n.bridge, ...tag('between containers'), '-j', 'ACCEPT'],
          `containers of the internal network reach each other (bridged traffic may pass FORWARD with br_netfilter)`),
        op('filter', ['-A', ch.iso1, '-i', n.bridge, '!', '-o', n.bridge, ...tag('internal, nothing out'), '-j', 'DROP'],
          `--internal: nothing from ${n.bridge} is forwarded to any other interface (no way out)`),
        op('filter', ['-A', ch.iso1, '!', '-i', n.bridge, '-o', n.bridge, ...tag('internal, nothing in'), '-j', 'DROP'],
          `--internal: nothing from any other interface is forwarded into ${n.bridge}`),
      ];
    case 'masquerade':
      return [
        op('nat', ['-A', ch.post, '-s', n.subnet, '!', '-o', n.bridge, ...tag('outbound'), '-j', 'MASQUERADE'],
          `traffic from containers leaving through any other interface gets the host's address (SNAT)`),
        op('nat', ['-A', ch.post, '-o', n.bridge, '-m', 'addrtype', '--src-type', 'LOCAL', ...tag('from the host'), '-j', 'MASQUERADE'],
          `connections from the host (127.0.0.1 included) to a published port reach the container from the gateway address`),
        op('nat', ['-A', ch.post, '-s', n.subnet, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'DNAT', ...tag('hairpin'), '-j', 'MASQUERADE'],
          `a container reaching a published port (its own: hairpin, or a neighbour's) is masqueraded so replies come back the same way`),
      ];
    case 'forward':
      return [
        op('filter', ['-A', ch.forward, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...tag('replies'), '-j', 'ACCEPT'],
          `let replies to containers' own connections back in`),
        op('filter', ['-A', ch.forward, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'DNAT', ...tag('published ports'), '-j', 'ACCEPT'],
          `let connections to published ports (DNATed by ${ch.dnat}) through to the container`),
        op('filter', ['-A', ch.forward, '-i', n.bridge, ...tag('from containers'), '-j', 'ACCEPT'],
          `let containers' own traffic out (to the world and to each other)`),
      ];
    case 'isolate':
      // Like Docker's DOCKER-ISOLATION-STAGE-1/2 (two rules per network, not one per pair):
      // stage 1 catches what leaves this bridge for another interface, stage 2 drops it when
      // that interface is another minidock bridge — except connections to a published port
      // (DNAT), which reach a container of another network through the host's address.
      return [
        op('filter', ['-A', ch.iso1, '-i', n.bridge, '!', '-o', n.bridge, ...tag('isolation 1'), '-j', ch.iso2],
          `traffic from ${n.bridge} to another interface goes through the second stage`),
        op('filter', ['-A', ch.iso2, '-o', n.bridge, '-m', 'conntrack', '!', '--ctstate', 'DNAT', ...tag('isolation 2'), '-j', 'DROP'],
          `…and is dropped if it would enter ${n.bridge} from another minidock bridge (published ports excepted)`),
      ];
    case 'routed-only':
      // after the replies accept; each published port's accept is inserted ahead of it
      return [
        op('filter', ['-A', ch.forward, '!', '-i', n.bridge, '-o', n.bridge, ...tag('routed, only published ports'), '-j', 'DROP'],
          `gateway mode routed: from outside, only replies and published container ports reach ${n.subnet}`),
      ];
    case 'unprotected':
      return [
        op('filter', ['-A', ch.forward, '!', '-i', n.bridge, '-o', n.bridge, ...tag('unprotected'), '-j', 'ACCEPT'],
          `gateway mode nat-unprotected: anything routed to a container address in ${n.subnet} gets through, every port`),
      ];
  }
}

/** The comment a container's rules carry, so they can be found again (and whose they are). */
export function containerTag(containerId: string, name: string, root?: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return withRoot(`minidock ${containerId.slice(0, 12)} ${safe}`.trim(), root);
}

/** The rules for published ports of one container: a DNAT each, plus a raw DROP for loopback-only ones. */
export function portRuleOps(n: BridgeNet, containerId: string, name: string, ip: string, ports: PortBinding[]): IptOp[] {
  return portOpsOf({ containerId, name, ip, ports, root: n.root });
}

function portOpsOf(p: PortsIntent): IptOp[] {
  const ch = chains();
  const tag = c(containerTag(p.containerId, p.name, p.root));
  return portIntent(p).map((r) => {
    if (r.kind === 'routed-port') return routedPortOps(r, tag, ch);
    const dport = ['-p', r.proto, '-m', r.proto, '--dport', String(r.hostPort)];
    if (r.kind === 'dnat') {
      const f = familyOf(r.toIp);
      const dst = r.hostIp ? ['-d', hostCidr(r.hostIp)] : [];
      return [op('nat', ['-A', ch.dnat, ...dst, ...dport, ...tag, '-j', 'DNAT', '--to-destination', `${bracket(r.toIp)}:${r.toPort}`],
        `publish ${r.hostIp ? bracket(r.hostIp) : f === 6 ? '[::]' : '0.0.0.0'}:${r.hostPort}/${r.proto} → container ${bracket(r.toIp)}:${r.toPort}`, true, f)];
    }
    return [op('raw', ['-A', ch.raw, '-d', hostCidr(r.hostIp), '!', '-i', 'lo', ...dport, ...tag, '-j', 'DROP'],
      `${r.hostIp}:${r.hostPort} is for this host only: drop packets for it arriving from any other interface`, true, familyOf(r.hostIp))];
  }).flat();
}

/** A routed network's published port: its FORWARD accept, ahead of the network's routed-only drop. */
function routedPortOps(r: Extract<PortRule, { kind: 'routed-port' }>, tag: string[], ch: ReturnType<typeof chains>): IptOp[] {
  const to = ['-d', hostCidr(r.toIp), '-p', r.proto, '-m', r.proto, '--dport', String(r.toPort)];
  return [
    op('filter', ['-I', ch.forward, '2', '-o', r.bridge, ...to, ...tag, '-j', 'ACCEPT'],
      `gateway mode routed: ${bracket(r.toIp)}:${r.toPort}/${r.proto} is published, so it may be reached directly (after isolation, ahead of the network's drop)`, true, familyOf(r.toIp)),
  ];
}

/** One address as iptables-save prints it: /32 or /128. */
const hostCidr = (ip: string) => `${ip}/${familyOf(ip) === 6 ? 128 : 32}`;
/** An address before `:port`: IPv6 in brackets. */
export const bracket = (ip: string) => (familyOf(ip) === 6 ? `[${ip}]` : ip);

// ---------------------------------------------------------------- what is already there

/**
 * What iptables-save (and ip6tables-save) show. Tables are keyed by tableKey: `nat` for IPv4,
 * `ip6:nat` for IPv6, so one SavedRules holds both families.
 */
export interface SavedRules {
  /** table → chain names */
  chains: Map<string, Set<string>>;
  /** `table chain comment` of every commented rule */
  comments: Set<string>;
  /** table → raw `-A …` lines */
  rules: Map<string, string[]>;
  /** `table chain target` of every jump of minidock's (a rule with a minidock comment and -j) */
  jumps: Set<string>;
}

/** The key of an op's table in SavedRules. */
export const tableKey = (o: { table: string; family?: Family | 6 }): string => (o.family === 6 ? `ip6:${o.table}` : o.table);
/** A SavedRules table key as table and family. */
export function fromTableKey(k: string): { table: Table; family?: 6 } {
  return k.startsWith('ip6:') ? { table: k.slice(4) as Table, family: 6 } : { table: k as Table };
}

/** Parses iptables-save output (ip6tables-save's with family 6). */
export function parseSave(text: string, family: Family = 4, into?: SavedRules): SavedRules {
  const chains = into?.chains ?? new Map<string, Set<string>>();
  const comments = into?.comments ?? new Set<string>();
  const rules = into?.rules ?? new Map<string, string[]>();
  const jumps = into?.jumps ?? new Set<string>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      table = tableKey({ table: line.slice(1).trim(), family });
      chains.set(table, new Set());
      rules.set(table, []);
    } else if (line.startsWith(':')) {
      chains.get(table)?.add(line.slice(1).split(' ')[0]);
    } else if (line.startsWith('-A ')) {
      rules.get(table)?.push(line);
      const chain = line.split(' ')[1];
      const m = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
      if (m) comments.add(`${table} ${chain} ${(m[1] ?? m[2]).replace(/\\(.)/g, '$1')}`);
      const j = / -j (\S+)/.exec(line);
      if (m && j && (m[1] ?? m[2]).startsWith('minidock')) jumps.add(`${table} ${chain} ${j[1]}`);
    }
  }
  return { chains, comments, rules, jumps };
}

function commentOf(o: IptOp): string | undefined {
  const i = o.args.indexOf('--comment');
  return i >= 0 ? o.args[i + 1] : undefined;
}

/**
 * Which of the wanted ops are missing from what iptables-save shows. Pure. A hook (`minidock: …`)
 * is there when a minidock jump from its chain to its target is: the target names the prefix, so
 * another prefix's hook in the same built-in chain does not count (its comment is the same).
 */
export function missingOps(saved: SavedRules, wanted: IptOp[]): IptOp[] {
  return wanted.filter((o) => {
    const t = tableKey(o);
    if (o.args[0] === '-N') return !saved.chains.get(t)?.has(o.args[1]);
    const cm = commentOf(o);
    const chain = o.args[1];
    if (cm?.startsWith('minidock: ')) {
      const target = o.args[o.args.indexOf('-j') + 1];
      return !saved.jumps.has(`${t} ${chain} ${target}`);
    }
    return cm === undefined || !saved.comments.has(`${t} ${chain} ${cm}`);
  });
}

/**
 * What iptables-save shows, and ip6tables-save's too when 6 is asked for (the two run at once).
 * A host without ip6tables reads as having no v6 rules.
 */
export async function iptablesSave(families: readonly Family[] = [4]): Promise<SavedRules> {
  const [v4, v6] = await Promise.all([
    families.includes(4) ? run('iptables-save', []) : undefined,
    families.includes(6) ? run('ip6tables-save', [], { allowFail: true }) : undefined,
  ]);
  const saved = parseSave(v4?.stdout ?? '');
  return v6 && v6.code === 0 ? parseSave(v6.stdout, 6, saved) : saved;
}

/**
 * The ops that make the hooks, a network's rules and the given container rules complete: only
 * what is missing. Hooks and network rules outlive containers: no undo for them here.
 */
export async function ensureFirewallOps(n: BridgeNet, containerRules: IptOp[] = []): Promise<IptOp[]> {
  const saved = await iptablesSave(familiesOf(n));
  const { chain, hook } = hooksOf(n);
  const base = [...missingOps(saved, chain), ...missingOps(saved, hook), ...missingOps(saved, networkRuleOps(n))];
  return [...base.map((o) => ({ ...o, undo: undefined })), ...missingOps(saved, containerRules)];
}

/** `-A/-I CHAIN [n] rule…` as the `-C CHAIN rule…` that checks it; undefined for chain ops. */
export function checkLineOf(o: IptOp): string | undefined {
  const [verb, chain, ...rest] = o.args;
  if (verb !== '-A' && verb !== '-I') return undefined;
  const rule = verb === '-I' && /^\d+$/.test(rest[0] ?? '') ? rest.slice(1) : rest;
  return restoreLine({ ...o, args: ['-C', chain, ...rule] });
}

/** iptables-restore input that only checks (`-C`) that every rule is there; changes nothing. One family's ops. */
export function checkText(ops: IptOp[]): string {
  const byTable = new Map<Table, string[]>();
  for (const o of ops) {
    const line = checkLineOf(o);
    if (line) byTable.set(o.table, [...(byTable.get(o.table) ?? []), line]);
  }
  return [...byTable].map(([t, lines]) => `*${t}\n${lines.join('\n')}\nCOMMIT\n`).join('');
}

/**
 * Are the hooks, the network's rules and these container rules all in place? One
 * `iptables-restore --noflush` of `-C` lines (~2 ms, whatever the number of other rules), so every
 * container start can afford it: rules flushed by another tool are noticed and put back by the
 * next `run`, without paying for an iptables-save.
 */
export async function firewallIntact(n: BridgeNet, containerRules: IptOp[] = []): Promise<boolean> {
  const all = [...hooksOf(n).hook, ...networkRuleOps(n), ...containerRules];
  // one restore per family, at once (a v4-only network runs no ip6tables)
  const checks = ([4, 6] as const).map((f) => all.filter((o) => (o.family ?? 4) === f)).filter((ops) => ops.length).map(async (ops) => {
    const r = await run(`${iptTool(ops[0])}-restore`, ['-w', '--noflush'], { input: checkText(ops), allowFail: true });
    return r.code === 0;
  });
  return (await Promise.all(checks)).every(Boolean);
}

/** Ops deleting rules found by their comment (fallback when a container's record is lost). */
export function deleteByCommentOps(saved: SavedRules, commentPrefix: string): IptOp[] {
  const out: IptOp[] = [];
  const ch = chains();
  const ours = new Set(Object.values(ch));
  for (const [key, lines] of saved.rules) {
    for (const line of lines) {
      const chain = line.split(' ')[1];
      if (!ours.has(chain)) continue;
      const m = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
      const cm = m ? (m[1] ?? m[2]) : undefined;
      if (!cm || !cm.startsWith(commentPrefix)) continue;
      out.push({ kind: 'iptables', ...fromTableKey(key), args: splitSaveLine(line.replace(/^-A /, '-D ')), why: `remove a leftover rule of ${commentPrefix}` });
    }
  }
  return out;
}

/** Splits an iptables-save line into arguments (double quotes group words). */
export function splitSaveLine(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

// ---------------------------------------------------------------- the backend

/** The ops that create a network's rules (with their undo, so a failed create rolls back); the missing base without. */
async function createOps(n: BridgeNet): Promise<Op[]> {
  const saved = await iptablesSave(familiesOf(n));
  const { chain, hook } = hooksOf(n);
  // chains and hooks stay once made (shared by every network); the network's own rules are undone on failure
  return [...[...missingOps(saved, chain), ...missingOps(saved, hook)].map((o) => ({ ...o, undo: undefined })), ...missingOps(saved, networkRuleOps(n))];
}

/**
 * The ops that remove a network's rules (those of root `n.root`). With `saved` (what
 * iptables-save shows), only the rules that are there, including those a network made before
 * root marks has without one.
 */
export function removeRuleOps(n: BridgeNet, saved?: SavedRules): IptOp[] {
  let wanted = networkRuleOps(n);
  if (saved) {
    const unmarked = n.root ? networkRuleOps({ ...n, root: undefined }) : [];
    wanted = [...wanted, ...unmarked].filter((o) => missingOps(saved, [o]).length === 0);
  }
  return wanted.reverse().map((o) => deleteRuleOf(o, `remove: ${o.why}`));
}

interface TaggedLine {
  /** tableKey: `nat`, `ip6:nat` */
  table: string;
  chain: string;
  args: string[];
  cm: string;
  tag: NonNullable<ReturnType<typeof import('../tags.js').parseTag>>;
  line: string;
}

async function taggedLines(saved: SavedRules): Promise<TaggedLine[]> {
  const { parseTag } = await import('../tags.js');
  const rules: TaggedLine[] = [];
  for (const [table, lines] of saved.rules) {
    for (const line of lines) {
      const chain = line.split(' ')[1];
      const m = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
      const cm = m ? (m[1] ?? m[2]).replace(/\\(.)/g, '$1') : '';
      const tag = parseTag(cm);
      if (!tag) continue;
      rules.push({ table, chain, args: splitSaveLine(line).slice(2), cm, tag, line });
    }
  }
  return rules;
}

/**
 * Rules in this prefix's chains that this root made (its root id in the comment, or, for rules
 * made before root marks, its records prove it: tags.ts) and nothing owns now. Hooks (in the
 * built-in chains) are the prefix's, shared by every root using it: never removed.
 */
async function orphans(own: OwnContext): Promise<Orphan[]> {
  let saved: SavedRules;
  try {
    saved = await iptablesSave([4, 6]);
  } catch {
    return [];
  }
  const { ownershipOf, specKey } = await import('../tags.js');
  const ours = new Set(Object.values(chains()) as string[]);
  const nets = new Map(own.networks.map((n) => [n.name, n.bridge]));
  const o = { root: own.root, ids: own.ids, nets };
  const wired = own.wiredIds ?? [];
  const rules = await taggedLines(saved);
  // Rules this root re-made with its root mark: an unmarked copy of its own is superseded.
  const marked = new Set(rules.filter((x) => x.tag.root && x.tag.root === own.root && ours.has(x.chain)).map((x) => specKey(x.table, [x.chain, ...x.args])));
  const opt = (args: string[], k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const out: Orphan[] = [];
  for (const x of rules) {
    if (!ours.has(x.chain)) continue;
    if (ownershipOf(x.tag, x.args, o) !== 'mine') continue;
    let reason: string | undefined;
    if (x.tag.container) {
      if (!wired.some((id) => id.startsWith(x.tag.container!))) reason = 'no container or network owns it';
    } else if (x.tag.net) {
      const br = nets.get(x.tag.net);
      const onBridge = br !== undefined && (opt(x.args, '-i') === br || opt(x.args, '-o') === br);
      if (!onBridge) reason = 'no container or network owns it';
      else if (!x.tag.root && marked.has(specKey(x.table, [x.chain, ...x.args]))) reason = 'superseded by the same rule with its root mark';
    }
    if (!reason) continue;
    out.unshift({
      op: { kind: 'iptables', ...fromTableKey(x.table), args: splitSaveLine(x.line.replace(/^-A /, '-D ')), why: `remove a leftover rule (${x.cm}): ${reason}` },
      why: `removed rule in ${x.table}/${x.chain} (${x.cm})${x.tag.root ? '' : `: ${reason}`}`,
    });
  }
  return out;
}

/** The network of another root whose rules name this bridge (`-i`/`-o`), if any. */
async function bridgeOwner(dev: string): Promise<{ net: string; root: string } | undefined> {
  const saved = await iptablesSave([4, 6]).catch(() => undefined);
  if (!saved) return undefined;
  const { rootIdIfAny } = await import('../../../state/rootid.js');
  const mine = rootIdIfAny();
  for (const x of await taggedLines(saved)) {
    if (!x.line.includes(dev) || !x.tag.net || !x.tag.root || x.tag.root === mine) continue;
    const a = splitSaveLine(x.line);
    if (a[a.indexOf('-o') + 1] !== dev && a[a.indexOf('-i') + 1] !== dev) continue;
    return { net: x.tag.net, root: x.tag.root };
  }
  return undefined;
}

async function countedSave(): Promise<string> {
  const r = await run('iptables-save', ['-c'], { allowFail: true });
  if (r.code !== 0) throw new Error(`iptables-save failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** ip6tables-save -c ('' where the host has no ip6tables). */
async function countedSave6(): Promise<string> {
  const r = await run('ip6tables-save', ['-c'], { allowFail: true });
  return r.code === 0 ? r.stdout : '';
}

function ruleContext(own: OwnContext) {
  return {
    prefix: chainPrefix(),
    networks: own.networks.map((n) => ({ ...n, id: '', gateway: '' })),
    containers: own.containers.map((c) => ({ id: c.id, name: c.name, status: '', mode: '', endpoint: c.network ? { network: c.network, ip: '', prefixLen: 0, netns: '', hostIf: '', ports: [] } : undefined })),
    owner: { root: own.root, ids: own.ids },
  };
}

export const iptablesBackend: FirewallBackend = {
  name: 'iptables',
  ensureOps: (n) => ensureFirewallOps(n),
  createOps,
  removeOps: async (n) => removeRuleOps(n, await iptablesSave(familiesOf(n))),
  intact: (n) => firewallIntact(n),
  portOps: portOpsOf,
  portUndoOps: (p) => undoPlanOf(portOpsOf(p)),
  async listRules(own) {
    const { ownedRules, ruleCommand } = await import('../rules.js');
    const [v4, v6] = await Promise.all([countedSave(), countedSave6()]);
    const ctx = ruleContext(own);
    return [...ownedRules(v4, ctx), ...ownedRules(v6, ctx, 6)].map((r) => ({ ...r, command: ruleCommand(r) }));
  },
  async view(own) {
    const { iptablesView } = await import('../diagram.js');
    const [r, v6] = await Promise.all([run('iptables-save', ['-c'], { allowFail: true }), countedSave6()]);
    return iptablesView(r.code === 0 ? r.stdout : '', chainPrefix(), { root: own.root, ids: own.ids, nets: new Map(own.networks.map((n) => [n.name, n.bridge])) }, v6);
  },
  orphans,
  bridgeOwner,
};
