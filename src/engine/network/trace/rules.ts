// `network trace`: the rules that switch tracing on for the probe alone, and their leftovers.
//
// One trace = one transaction that adds them, one that removes them (--explain shows both):
//   iptables  raw PREROUTING and raw OUTPUT, first: `-j TRACE` for the probe's port (either
//             direction: `-m multiport --ports`) or, for a ping, its unusual length
//   nftables  two base chains of minidock's own table, hooked just before raw (priority -301):
//             `meta nftrace set 1` for the same match
// in the probe's family: an IPv6 probe's are ip6tables rules, or chains of `ip6 minidock`.
// Each carries `minidock trace <pid> (root <id>)`: the CLI's pid, so a prune (and a leak check)
// knows a trace rule whose CLI is gone and removes it, and never one of a trace still running.
import { existsSync, readFileSync } from 'node:fs';
import type { IptOp, NftOp, Op } from '../../../host/plan.js';
import type { FirewallName, Orphan } from '../firewall/backend.js';
import { withRoot } from '../tags.js';

export type ProbeProto = 'tcp' | 'udp' | 'icmp';

/** What the trace rules match: the probe's own port (tcp/udp) or its IP length (icmp). */
export interface ProbeMatch {
  proto: ProbeProto;
  /** the probe's source port (its replies have it as destination) */
  port?: number;
  /** the IP total length of the ping and of its reply */
  length?: number;
}

export const TRACE_PRIORITY = -301;

export function traceTag(pid: number, root: string | undefined): string {
  return withRoot(`minidock trace ${pid}`, root);
}

/** The pid a trace rule's comment names, if it is one. */
export function tracePidOf(comment: string | undefined): number | undefined {
  const m = /^minidock trace (\d+)(?: \(root [0-9a-f]{12}\))?$/.exec(comment ?? '');
  return m ? Number(m[1]) : undefined;
}

// a ping's length is the whole IP packet's in both families (ip6tables' -m length counts the
// IPv6 header too; nft's `ip length` is IPv4's total length, `meta length` the packet's)
function iptMatch(m: ProbeMatch, f: 4 | 6): string[] {
  if (m.proto === 'icmp') return ['-p', f === 6 ? 'ipv6-icmp' : 'icmp', '-m', 'length', '--length', String(m.length)];
  return ['-p', m.proto, '-m', 'multiport', '--ports', String(m.port)];
}

function nftMatches(m: ProbeMatch, f: 4 | 6): string[] {
  if (m.proto === 'icmp') return [f === 6 ? `meta l4proto ipv6-icmp meta length ${m.length}` : `meta l4proto icmp ip length ${m.length}`];
  return [`meta l4proto ${m.proto} th sport ${m.port}`, `meta l4proto ${m.proto} th dport ${m.port}`];
}

export const traceChains = (pid: number) => ({ pre: `trace_pre_${pid}`, out: `trace_out_${pid}` });

/**
 * The ops that switch tracing on for the probe (one transaction) and those that switch it off
 * (another), in the probe's family: iptables or ip6tables, the table `ip minidock` or `ip6 minidock`.
 */
export function traceRuleOps(backend: FirewallName, m: ProbeMatch, pid: number, root: string | undefined, table: string, tableMissing = false, family: 4 | 6 = 4): { add: Op[]; remove: Op[] } {
  const tag = traceTag(pid, root);
  if (backend === 'iptables') {
    const rule = (chain: string, verb: string[]): IptOp => ({
      kind: 'iptables',
      table: 'raw',
      ...(family === 6 ? { family: 6 as const } : {}),
      args: [...verb, ...iptMatch(m, family), '-m', 'comment', '--comment', tag, '-j', 'TRACE'],
      why: verb[0] === '-D'
        ? `stop tracing: remove the trace rule from raw ${chain}`
        : `trace the probe (and its replies) from the first hook on: raw ${chain} ${chain === 'PREROUTING' ? 'sees what arrives from a container or the LAN' : 'sees what the host itself sends'}`,
    });
    return {
      add: [rule('PREROUTING', ['-I', 'PREROUTING', '1']), rule('OUTPUT', ['-I', 'OUTPUT', '1'])],
      remove: [rule('PREROUTING', ['-D', 'PREROUTING']), rule('OUTPUT', ['-D', 'OUTPUT'])],
    };
  }
  const t = `${family === 6 ? 'ip6' : 'ip'} ${table}`;
  const ch = traceChains(pid);
  const nft = (line: string, why: string): NftOp => ({ kind: 'nft', line, why });
  // no network made minidock's table yet: the trace makes it, and removes it with its chains
  const add: Op[] = tableMissing ? [nft(`add table ${t}`, `minidock's own table (no network has made it yet): only for this trace`)] : [];
  for (const [c, hook] of [[ch.pre, 'prerouting'], [ch.out, 'output']] as const) {
    add.push(nft(`add chain ${t} ${c} { type filter hook ${hook} priority ${TRACE_PRIORITY}; policy accept; }`, `a chain of the trace's own on the ${hook} hook, just before raw`));
    for (const x of nftMatches(m, family)) add.push(nft(`add rule ${t} ${c} ${x} meta nftrace set 1 comment "${tag}"`, `trace the probe${x.includes('dport') ? "'s replies" : ''} from ${hook} on`));
  }
  const remove: Op[] = [ch.pre, ch.out].flatMap((c) => [nft(`flush chain ${t} ${c}`, `stop tracing: empty ${c}`), nft(`delete chain ${t} ${c}`, `remove ${c}`)]);
  if (tableMissing) remove.push(nft(`delete table ${t}`, `remove the table this trace made`));
  return { add, remove };
}

/** Whether the trace of this pid is still running (a minidock process of that pid). */
export function traceAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  const f = `/proc/${pid}/cmdline`;
  if (!existsSync(f)) return false;
  try {
    return readFileSync(f, 'utf8').includes('minidock');
  } catch {
    return false;
  }
}

/**
 * This root's trace rules whose CLI is gone (killed mid-trace), in both backends, with the ops
 * that remove them. Read-only. A trace is found by its comment: in iptables' raw PREROUTING and
 * OUTPUT, in nft by its chains `trace_pre_<pid>`/`trace_out_<pid>` of minidock's table.
 */
export async function traceOrphans(root: string | undefined, table: string): Promise<Orphan[]> {
  const { run } = await import('../../../host/exec.js');
  const { splitSaveLine } = await import('../firewall/iptables.js');
  const out: Orphan[] = [];
  const mine = (c: string | undefined) => {
    const pid = tracePidOf(c);
    return pid !== undefined && c === traceTag(pid, root) && !traceAlive(pid) ? pid : undefined;
  };
  for (const family of [4, 6] as const) {
    const save = await run(family === 6 ? 'ip6tables-save' : 'iptables-save', ['-t', 'raw'], { allowFail: true });
    for (const line of save.code === 0 ? save.stdout.split('\n') : []) {
      if (!/^-A (PREROUTING|OUTPUT) .*-j TRACE/.test(line)) continue;
      const a = splitSaveLine(line);
      const c = a[a.indexOf('--comment') + 1];
      const pid = mine(c);
      if (pid === undefined) continue;
      const tool = family === 6 ? 'ip6tables ' : '';
      out.push({ op: { kind: 'iptables', table: 'raw', ...(family === 6 ? { family } : {}), args: ['-D', ...a.slice(1)], why: `remove a leftover ${tool}trace rule (${c}): its trace was killed` }, why: `removed ${tool}trace rule in raw/${a[1]} (${c})` });
    }
  }
  for (const fam of ['ip', 'ip6']) {
    const list = await run('nft', ['list', 'table', fam, table], { allowFail: true });
    if (list.code !== 0) continue;
    let chain: string | undefined;
    const found = new Set<string>();
    for (const raw of list.stdout.split('\n')) {
      const line = raw.trim();
      const m = /^chain (trace_(?:pre|out)_\d+) \{$/.exec(line);
      if (m) chain = m[1];
      else if (line === '}') chain = undefined;
      else if (chain) {
        const c = /comment "([^"]*)"/.exec(line)?.[1];
        if (mine(c) !== undefined) found.add(chain);
      }
    }
    for (const c of found) {
      out.push({ op: { kind: 'nft', line: `flush chain ${fam} ${table} ${c}`, why: `empty the leftover trace chain ${c}` }, why: `emptied trace chain ${c} of ${fam} ${table}` });
      out.push({ op: { kind: 'nft', line: `delete chain ${fam} ${table} ${c}`, why: `remove the leftover trace chain ${c}: its trace was killed` }, why: `removed trace chain ${c} of ${fam} ${table} (its trace was killed)` });
    }
  }
  return out;
}
