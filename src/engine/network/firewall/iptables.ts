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
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../host/exec.js';
import { type IptOp, type Table, deleteRuleOf, restoreLine } from '../../../host/plan.js';
import { readState, writeJsonAtomic } from '../../../state/atomic.js';
import { paths } from '../../../state/paths.js';
import { hostAddr } from '../ports.js';
import type { PortBinding } from '../types.js';
import { withRoot } from '../tags.js';

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

export interface BridgeNet {
  name: string;
  bridge: string;
  subnet: string; // CIDR
  gateway: string;
  /** --internal: no masquerade, nothing forwarded in or out of the bridge. */
  internal?: boolean;
  /** The state root whose network this is (rootid.ts): its rules carry it. */
  root?: string;
}

function op(table: Table, args: string[], why: string, undo = true): IptOp {
  const o: IptOp = { kind: 'iptables', table, args, why };
  if (undo) o.undo = [deleteRuleOf(o)];
  return o;
}

const c = (text: string) => ['-m', 'comment', '--comment', text];

/** The chains and the jumps into them from the built-in chains. Never removed. */
export function hookOps(): { chain: IptOp[]; hook: IptOp[] } {
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

/** The per-network rules of a bridge network (constant count, whatever the number of containers). */
export function networkRuleOps(n: BridgeNet): IptOp[] {
  const ch = chains();
  const tag = (what: string) => c(withRoot(`minidock net ${n.name}: ${what}`, n.root));
  // Isolation, like Docker's DOCKER-ISOLATION-STAGE-1/2 (two rules per network, not one per
  // pair): stage 1 catches what leaves this bridge for another interface, stage 2 drops it when
  // that interface is another minidock bridge — except connections to a published port (DNAT),
  // which reach a container of another network through the host's address, as with Docker.
  // An --internal network instead drops everything between its bridge and any other interface.
  const isolation: IptOp[] = n.internal
    ? [
        op('filter', ['-A', ch.iso1, '-i', n.bridge, '!', '-o', n.bridge, ...tag('internal, nothing out'), '-j', 'DROP'],
          `--internal: nothing from ${n.bridge} is forwarded to any other interface (no way out)`),
        op('filter', ['-A', ch.iso1, '!', '-i', n.bridge, '-o', n.bridge, ...tag('internal, nothing in'), '-j', 'DROP'],
          `--internal: nothing from any other interface is forwarded into ${n.bridge}`),
      ]
    : [
        op('filter', ['-A', ch.iso1, '-i', n.bridge, '!', '-o', n.bridge, ...tag('isolation 1'), '-j', ch.iso2],
          `traffic from ${n.bridge} to another interface goes through the second stage`),
        op('filter', ['-A', ch.iso2, '-o', n.bridge, '-m', 'conntrack', '!', '--ctstate', 'DNAT', ...tag('isolation 2'), '-j', 'DROP'],
          `…and is dropped if it would enter ${n.bridge} from another minidock bridge (published ports excepted)`),
      ];
  if (n.internal) {
    return [
      op('raw', ['-A', ch.raw, '-d', n.subnet, '!', '-i', n.bridge, '-m', 'addrtype', '!', '--dst-type', 'LOCAL', ...tag('no direct access from outside'), '-j', 'DROP'],
        `hosts on the LAN cannot reach container addresses in ${n.subnet} directly`),
      op('filter', ['-A', ch.forward, '-i', n.bridge, '-o', n.bridge, ...tag('between containers'), '-j', 'ACCEPT'],
        `containers of the internal network reach each other (bridged traffic may pass FORWARD with br_netfilter)`),
      ...isolation,
    ];
  }
  return [
    op('raw', ['-A', ch.raw, '-d', n.subnet, '!', '-i', n.bridge, '-m', 'addrtype', '!', '--dst-type', 'LOCAL', ...tag('no direct access from outside'), '-j', 'DROP'],
      `hosts on the LAN cannot reach container addresses in ${n.subnet} directly, only published ports`),
    op('nat', ['-A', ch.post, '-s', n.subnet, '!', '-o', n.bridge, ...tag('outbound'), '-j', 'MASQUERADE'],
      `traffic from containers leaving through any other interface gets the host's address (SNAT)`),
    op('nat', ['-A', ch.post, '-o', n.bridge, '-m', 'addrtype', '--src-type', 'LOCAL', ...tag('from the host'), '-j', 'MASQUERADE'],
      `connections from the host (127.0.0.1 included) to a published port reach the container from the gateway address`),
    op('nat', ['-A', ch.post, '-s', n.subnet, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'DNAT', ...tag('hairpin'), '-j', 'MASQUERADE'],
      `a container reaching a published port (its own: hairpin, or a neighbour's) is masqueraded so replies come back the same way`),
    op('filter', ['-A', ch.forward, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...tag('replies'), '-j', 'ACCEPT'],
      `let replies to containers' own connections back in`),
    op('filter', ['-A', ch.forward, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'DNAT', ...tag('published ports'), '-j', 'ACCEPT'],
      `let connections to published ports (DNATed by ${ch.dnat}) through to the container`),
    op('filter', ['-A', ch.forward, '-i', n.bridge, ...tag('from containers'), '-j', 'ACCEPT'],
      `let containers' own traffic out (to the world and to each other)`),
    ...isolation,
  ];
}

/** The comment a container's rules carry, so they can be found again (and whose they are). */
export function containerTag(containerId: string, name: string, root?: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return withRoot(`minidock ${containerId.slice(0, 12)} ${safe}`.trim(), root);
}

/** The rules for published ports of one container: a DNAT each, plus a raw DROP for loopback-only ones. */
export function portRuleOps(n: BridgeNet, containerId: string, name: string, ip: string, ports: PortBinding[]): IptOp[] {
  const ch = chains();
  const tag = c(containerTag(containerId, name, n.root));
  const out: IptOp[] = [];
  for (const p of ports) {
    const dst = p.hostIp ? ['-d', `${p.hostIp}/32`] : [];
    out.push(
      op('nat', ['-A', ch.dnat, ...dst, '-p', p.proto, '-m', p.proto, '--dport', String(p.hostPort), ...tag, '-j', 'DNAT', '--to-destination', `${ip}:${p.containerPort}`],
        `publish ${hostAddr(p)}:${p.hostPort}/${p.proto} → container ${ip}:${p.containerPort}`),
    );
    if (p.hostIp.startsWith('127.')) {
      out.push(
        op('raw', ['-A', ch.raw, '-d', `${p.hostIp}/32`, '!', '-i', 'lo', '-p', p.proto, '-m', p.proto, '--dport', String(p.hostPort), ...tag, '-j', 'DROP'],
          `${p.hostIp}:${p.hostPort} is for this host only: drop packets for it arriving from any other interface`),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------- what is already there

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

/** Parses iptables-save output. */
export function parseSave(text: string): SavedRules {
  const chains = new Map<string, Set<string>>();
  const comments = new Set<string>();
  const rules = new Map<string, string[]>();
  const jumps = new Set<string>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
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
    if (o.args[0] === '-N') return !saved.chains.get(o.table)?.has(o.args[1]);
    const cm = commentOf(o);
    const chain = o.args[1];
    if (cm?.startsWith('minidock: ')) {
      const target = o.args[o.args.indexOf('-j') + 1];
      return !saved.jumps.has(`${o.table} ${chain} ${target}`);
    }
    return cm === undefined || !saved.comments.has(`${o.table} ${chain} ${cm}`);
  });
}

export async function iptablesSave(): Promise<SavedRules> {
  const r = await run('iptables-save', []);
  return parseSave(r.stdout);
}

// ---------------------------------------------------------------- "already done" marker

// Checking the rules costs an iptables-save, whose time grows with the host's rule count. It is
// done once per boot and network namespace (and whenever the bridge had to be repaired), then
// remembered here, so starting a container does not pay for it.
function markerFile(): string {
  return join(paths.networks(), 'firewall.json');
}

export function hostKey(): string {
  let boot = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    /* not Linux? */
  }
  let ns = 0;
  try {
    ns = statSync('/proc/self/ns/net').ino;
  } catch {
    /* ignore */
  }
  return `${boot}:${ns}:${chainPrefix()}`;
}

interface Marker {
  key: string;
  networks: Record<string, string>;
}

// A per-boot cache ("base rules checked"): not durable; a damaged one reads as absent, so the
// rules are simply checked again.
const readMarker = (): Marker | undefined => readState<Marker>(markerFile(), 'cache');

export function firewallKnownGood(n: BridgeNet): boolean {
  const m = readMarker();
  return !!m && m.key === hostKey() && m.networks[n.name] === JSON.stringify(n);
}

export function markFirewallGood(n: BridgeNet): void {
  const m = readMarker();
  const key = hostKey();
  const next: Marker = m && m.key === key ? m : { key, networks: {} };
  next.networks[n.name] = JSON.stringify(n);
  writeJsonAtomic(markerFile(), next);
}

export function forgetFirewall(name?: string): void {
  const m = readMarker();
  if (!m) return;
  if (name) delete m.networks[name];
  else m.networks = {};
  writeJsonAtomic(markerFile(), m);
}

/**
 * The ops that make the hooks, a network's rules and the given container rules complete: only
 * what is missing. Hooks and network rules outlive containers: no undo for them here.
 */
export async function ensureFirewallOps(n: BridgeNet, containerRules: IptOp[] = []): Promise<IptOp[]> {
  const saved = await iptablesSave();
  const { chain, hook } = hookOps();
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

/** iptables-restore input that only checks (`-C`) that every rule is there; changes nothing. */
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
  const { hook } = hookOps();
  const text = checkText([...hook, ...networkRuleOps(n), ...containerRules]);
  const r = await run('iptables-restore', ['-w', '--noflush'], { input: text, allowFail: true });
  return r.code === 0;
}

/** Ops deleting rules found by their comment (fallback when a container's record is lost). */
export function deleteByCommentOps(saved: SavedRules, commentPrefix: string): IptOp[] {
  const out: IptOp[] = [];
  const ch = chains();
  const ours = new Set(Object.values(ch));
  for (const [table, lines] of saved.rules) {
    for (const line of lines) {
      const chain = line.split(' ')[1];
      if (!ours.has(chain)) continue;
      const m = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
      const cm = m ? (m[1] ?? m[2]) : undefined;
      if (!cm || !cm.startsWith(commentPrefix)) continue;
      out.push({ kind: 'iptables', table: table as Table, args: splitSaveLine(line.replace(/^-A /, '-D ')), why: `remove a leftover rule of ${commentPrefix}` });
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
