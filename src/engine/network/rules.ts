// `minidock network rules`: every firewall rule minidock owns, with its live counters and what
// it is for in plain words. Pure parsing/describing/rendering here; the rules come from the
// firewall backend in use (iptables: `iptables-save -c` through ownedRules; nftables: its table);
// the CLI (src/cli/diagram.ts) collects and refreshes.
import { argOf, negated, ownRecordsOf, parseCountedSave, ruleShown, type SavedRule, type Snapshot, type SnapContainer, type SnapNetwork } from './diagram.js';
import { chainsOf } from './firewall/iptables.js';
import { parseTag } from './tags.js';

export interface RuleContext {
  prefix: string;
  networks: SnapNetwork[];
  containers: SnapContainer[];
  /** This root's id and container ids: another root's rules in the same chains are not shown. */
  owner?: Snapshot['owner'];
}

export interface OwnedRule extends SavedRule {
  /** 6: an ip6tables rule (iptables backend with --ipv6 networks). */
  family?: 6;
  /** A jump from a built-in chain into one of minidock's chains. */
  hook: boolean;
  /** Network this rule belongs to (by its comment, bridge or address), if any. */
  network?: string;
  /** 12-hex id of the container this rule belongs to, if any. */
  container?: string;
  words: string;
  /** The rule as a person would type it, when the backend says (else the iptables command). */
  command?: string;
}

const TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter'];

const chainSets = new Map<string, Set<string>>();
/** One of the prefix's own chains (exactly: prefix MD must not claim MD-X's chains). */
function ownChain(prefix: string, chain: string): boolean {
  let set = chainSets.get(prefix);
  if (!set) chainSets.set(prefix, (set = new Set(Object.values(chainsOf(prefix)))));
  return set.has(chain);
}

function inSubnet(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const toN = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const bits = Number(len);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || Number.isNaN(bits)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(toN(ip) / size) === Math.floor(toN(base) / size);
}

/**
 * The rules this root owns: everything in its prefix's chains that is not another root's (a
 * shared prefix's chains hold every root's rules, tags.ts), and the prefix's hooks in the
 * built-in chains. Other prefixes' chains and hooks are other minidocks'.
 */
export function ownedRules(saveText: string, ctx: RuleContext, family?: 6): OwnedRule[] {
  const { rules } = parseCountedSave(saveText);
  const own = ownRecordsOf({ owner: ctx.owner, networks: ctx.networks });
  const out: OwnedRule[] = [];
  for (const r of rules) {
    const target = argOf(r.args, '-j') ?? '';
    const hook = !ownChain(ctx.prefix, r.chain) && ownChain(ctx.prefix, target);
    const ours = (ownChain(ctx.prefix, r.chain) || hook) && ruleShown(r, own);
    if (!ours) continue;
    const { network, container } = ownerOf(r, ctx);
    out.push({ ...r, ...(family ? { family } : {}), hook, network, container, words: describeRule(r, ctx) });
  }
  return out.sort((a, b) => {
    const ta = TABLE_ORDER.indexOf(a.table);
    const tb = TABLE_ORDER.indexOf(b.table);
    if (ta !== tb) return (ta < 0 ? 9 : ta) - (tb < 0 ? 9 : tb);
    if (a.hook !== b.hook) return a.hook ? -1 : 1;
    return 0; // stable: iptables-save order (= evaluation order) inside a chain
  });
}

function ownerOf(r: SavedRule, ctx: RuleContext): { network?: string; container?: string } {
  const tag = parseTag(r.comment);
  if (tag?.net) return { network: tag.net };
  const id12 = tag?.container;
  if (id12) {
    const c = ctx.containers.find((x) => x.id.startsWith(id12));
    let network = c?.endpoint?.network;
    if (!network) {
      const to = argOf(r.args, '--to-destination')?.split(':')[0];
      network = to ? ctx.networks.find((n) => inSubnet(to, n.subnet))?.name : undefined;
    }
    return { container: id12, network };
  }
  const dev = argOf(r.args, '-o') ?? argOf(r.args, '-i');
  const n = ctx.networks.find((x) => x.bridge === dev || argOf(r.args, '-s') === x.subnet || argOf(r.args, '-d') === x.subnet);
  return { network: n?.name };
}

/** A rule in plain words ("DNAT host port 8080 → web:80"). */
export function describeRule(r: SavedRule, ctx: RuleContext): string {
  const a = r.args;
  const target = argOf(a, '-j') ?? '';
  const P = ctx.prefix;
  const netOf = (dev?: string, cidr?: string) => ctx.networks.find((n) => (dev && n.bridge === dev) || (cidr && n.subnet === cidr));
  const name12 = (id12?: string) => {
    if (!id12) return undefined;
    return ctx.containers.find((c) => c.id.startsWith(id12))?.name;
  };
  const tag = parseTag(r.comment);
  const cname = tag?.container ? (name12(tag.container) ?? tag.name ?? tag.container) : undefined;
  // hooks
  if (!ownChain(P, r.chain) && ownChain(P, target)) {
    if (r.table === 'raw') return `every packet arriving on this host goes through ${target} first (before conntrack)`;
    if (r.table === 'nat' && r.chain === 'PREROUTING') return `packets from other hosts or containers to one of this host's addresses: check the published ports in ${target}`;
    if (r.table === 'nat' && r.chain === 'OUTPUT') return `the host's own connections to its addresses (127.0.0.1 too): check the published ports in ${target}`;
    if (r.table === 'nat' && r.chain === 'POSTROUTING') return `every packet leaving this host: check masquerading in ${target}`;
    if (r.table === 'filter' && r.chain === 'FORWARD') return `forwarded packets go through ${target} first, ahead of any DROP`;
    return `jump to ${target}`;
  }
  const proto = argOf(a, '-p');
  const dport = argOf(a, '--dport');
  const o = argOf(a, '-o');
  const i = argOf(a, '-i');
  const s = argOf(a, '-s');
  const d = argOf(a, '-d');
  const ct = argOf(a, '--ctstate');
  if (target === 'DNAT') {
    const to = argOf(a, '--to-destination') ?? '?';
    const [, ip, port] = /^\[?(.*?)\]?(?::(\d+))?$/.exec(to) ?? [];
    const where = d ? `host ${d.replace(/\/(?:32|128)$/, '')} port ${dport}` : `host port ${dport}`;
    return `DNAT ${where}${proto && proto !== 'tcp' ? `/${proto}` : ''} → ${cname ?? ip}:${port ?? dport}${cname ? ` (${to})` : ''}`;
  }
  if (target === 'DROP' && r.table === 'raw') {
    if (i === 'lo' && negated(a, '-i') && d) return `drop packets for ${d.replace(/\/32$/, '')}:${dport} arriving from anywhere but lo (loopback-only port${cname ? ` of ${cname}` : ''})`;
    const n = netOf(i, d);
    if (n) return `drop packets from outside ${n.bridge} addressed to containers of ${n.name} (${d ?? n.subnet}): only published ports reach them`;
  }
  if (target === 'MASQUERADE') {
    const n = netOf(o, s);
    const nn = n ? n.name : (o ?? s ?? '');
    if (s && o && negated(a, '-o')) return `SNAT: containers of ${nn} (${s}) going out by any interface but ${o} take that interface's address`;
    if (o && a.includes('--src-type')) return `connections from the host (127.0.0.1 included) into ${nn} come from the gateway address, so replies come back`;
    if (ct === 'DNAT') return `hairpin: a container of ${nn} reaching a published port (its own or a neighbour's) is masqueraded so replies come back the same way`;
    return `masquerade ${s ?? ''} ${o ? `out of ${o}` : ''}`.trim();
  }
  if (ownChain(P, target)) {
    const n = netOf(i);
    if (n) return `traffic from ${n.name} (${n.bridge}) to another interface: ${target} checks it does not enter another network`;
    return `first of all: ${target}`+ (/isolation/i.test(target) ? ' keeps bridge networks apart' : '');
  }
  if (target === 'DROP' && r.table === 'filter') {
    const n = netOf(o ?? i);
    const nn = n ? n.name : (o ?? i ?? '');
    if (o && ct === 'DNAT' && negated(a, '--ctstate')) return `drop traffic entering ${nn} from another minidock network (published ports excepted)`;
    if (i && o && negated(a, '-o')) return `--internal ${nn}: nothing from ${i} is forwarded anywhere else`;
    if (i && o && negated(a, '-i')) return `--internal ${nn}: nothing from elsewhere is forwarded into ${o}`;
  }
  if (target === 'ACCEPT' && r.table === 'filter') {
    const n = netOf(o ?? i);
    const nn = n ? n.name : (o ?? i ?? '');
    if (i && o && i === o) return `containers of ${nn} reach each other`;
    if (o && ct === 'RELATED,ESTABLISHED') return `let replies to the own connections of ${nn}'s containers back in`;
    if (o && ct === 'DNAT') return `let connections to published ports of ${nn} through to the container`;
    if (i && !o) return `let traffic of ${nn}'s containers out (to the world and to each other)`;
  }
  const cm = r.comment?.replace(/^minidock(?: net [^:]+)?:?\s*/, '').replace(/ \(root [0-9a-f]{12}\)$/, '');
  return cm || `${target || 'rule'}`;
}

/** The rule as a person would type it (without minidock's comment). */
export function ruleCommand(r: SavedRule): string {
  const a = [...r.args];
  const ci = a.indexOf('--comment');
  if (ci >= 2 && a[ci - 2] === '-m' && a[ci - 1] === 'comment') a.splice(ci - 2, 4);
  const t = r.table === 'filter' ? '' : `-t ${r.table} `;
  const quote = (s: string) => (/^[A-Za-z0-9_./:=@%+,!-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `${(r as OwnedRule).family === 6 ? 'ip6tables' : 'iptables'} ${t}-A ${r.chain} ${a.map(quote).join(' ')}`;
}

/** A network; or a container and the networks it is on (`networks`, or the one `network`). */
export type RuleFilter = { network?: string; networks?: string[]; container?: string } | undefined;

/** Rules relevant to a network (its own, its containers') or a container (each of its networks' and its own). Hooks always. */
export function filterRules(rules: OwnedRule[], f: RuleFilter): OwnedRule[] {
  if (!f || (!f.network && !f.container)) return rules;
  const nets = new Set(f.networks ?? (f.network ? [f.network] : []));
  return rules.filter((r) => {
    if (r.hook) return true;
    if (f.container) return r.container ? r.container === f.container.slice(0, 12) : r.network !== undefined && nets.has(r.network);
    return r.network === f.network;
  });
}

export interface RenderRulesOptions {
  color?: boolean;
  /** Counters of the previous frame (watch mode), by key: the changes are marked. */
  previous?: Map<string, { packets: number; bytes: number }>;
}

export function ruleKey(r: SavedRule): string {
  return `${(r as OwnedRule).family === 6 ? 'ip6:' : ''}${r.table} ${r.chain} ${r.spec}`;
}

function human(n: number): string {
  if (n < 10_000) return String(n);
  const u = ['K', 'M', 'G', 'T'];
  let v = n;
  let k = -1;
  while (v >= 1000 && k < u.length - 1) {
    v /= 1000;
    k++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${u[k]}`;
}

export function renderRules(rules: OwnedRule[], o: RenderRulesOptions = {}): string {
  const bold = (s: string) => (o.color ? `\x1b[1m${s}\x1b[0m` : s);
  const dim = (s: string) => (o.color ? `\x1b[2m${s}\x1b[0m` : s);
  const hi = (s: string) => (o.color ? `\x1b[1;33m${s}\x1b[0m` : s);
  if (rules.length === 0) return 'minidock has no firewall rules here yet (they appear with the first container on a bridge network)\n';
  const out: string[] = [];
  let table = '';
  let chain = '';
  for (const r of rules) {
    const t = r.family === 6 ? `${r.table} (ip6tables)` : r.table;
    if (t !== table) {
      if (table) out.push('');
      table = t;
      chain = '';
      out.push(bold(`table ${table}`));
    }
    if (r.chain !== chain) {
      chain = r.chain;
      const what = /^(?:map|set) /.test(chain) ? chain : `chain ${chain}`;
      out.push(`  ${what}${r.hook ? ' (built-in: minidock\'s hook)' : ''}`);
      out.push(dim(`    ${'pkts'.padStart(8)} ${'bytes'.padStart(8)}  rule`));
    }
    const prev = o.previous?.get(ruleKey(r));
    const dp = prev ? r.packets - prev.packets : 0;
    const counters = `${human(r.packets).padStart(8)} ${human(r.bytes).padStart(8)}`;
    const delta = dp > 0 ? hi(` +${dp}`) : '';
    out.push(`    ${dp > 0 ? hi(counters) : counters}  ${r.words}${delta}`);
    out.push(dim(`    ${' '.repeat(17)}  ${r.command ?? ruleCommand(r)}`));
  }
  return out.join('\n') + '\n';
}
