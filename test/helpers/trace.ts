// What the `network trace` tests share (network-trace.test.ts for IPv4, network-trace-v6.test.ts):
// running a trace as JSON with the check that it left no trace rule, the order of its hooks, the
// prune of a dead trace's rules, and one-line refusals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Minidock } from './cli.js';
import { traceRulesLeft } from './firewall.js';

export interface TraceStep {
  kind: string;
  hook?: string;
  table?: string;
  chain?: string;
  words: string;
  verdict?: string;
  rule?: string;
}

export interface TraceJson {
  destination: { ip: string; port?: number; container?: string };
  steps: TraceStep[];
  reply: TraceStep[];
  answer: { kind: string; words: string };
  verdict: string;
  reverseNat?: string;
  dropped?: { table: string; chain: string; words: string };
}

/** `actual` holds `expected` in this order (other items may come between). */
export function inOrder(actual: string[], expected: string[]): boolean {
  let i = 0;
  for (const a of actual) if (a === expected[i]) i++;
  return i === expected.length;
}

/** The hooks a trace's probe went through, in order. */
export const hooksOf = (t: TraceJson): string[] => t.steps.filter((s) => s.kind === 'hook').map((s) => s.hook!);

/** The trace rules left in md's host netns, and a trace run as JSON that must leave none (TRACE_DEBUG=1 prints it in words too). */
export function tracer(md: Minidock): { left: () => string[]; trace: (...args: string[]) => TraceJson } {
  const left = () => traceRulesLeft((c, a) => md.inHost(c, a));
  const trace = (...args: string[]): TraceJson => {
    const r = md.run(['network', 'trace', ...args, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(left()).toEqual([]);
    if (process.env.TRACE_DEBUG) process.stderr.write(md.run(['network', 'trace', ...args]).stdout);
    return JSON.parse(r.stdout) as TraceJson;
  };
  return { left, trace };
}

/**
 * Puts a trace rule of this root whose pid is gone (`dead`) and one of another root (`other`)
 * in the family's place (iptables/ip6tables raw, or the `ip`/`ip6 minidock` table), runs
 * `system prune -f`, checks that only the dead one went, and removes the other one.
 */
export function checkPruneOfDeadTraces(md: Minidock, backend: 'iptables' | 'nftables', family: 4 | 6, dead: number, other: number): void {
  const must = (cmd: string, args: string[], input = '') => {
    const r = md.inHost(cmd, args, input);
    expect(r.code, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  const { left } = tracer(md);
  const root = readFileSync(join(md.root, 'networks', 'root-id'), 'utf8').trim();
  const tool = family === 6 ? 'ip6tables' : 'iptables';
  const fam = family === 6 ? 'ip6' : 'ip';
  const rule = (pid: number, r: string) => ['-p', 'tcp', '-m', 'multiport', '--ports', '1', '-m', 'comment', '--comment', `minidock trace ${pid} (root ${r})`, '-j', 'TRACE'];
  const put = (pid: number, r: string) => {
    if (backend === 'iptables') must(tool, ['-t', 'raw', '-I', 'PREROUTING', '1', ...rule(pid, r)]);
    else must('nft', ['-f', '-'], `add chain ${fam} minidock trace_pre_${pid} { type filter hook prerouting priority -301; }\nadd rule ${fam} minidock trace_pre_${pid} meta l4proto tcp th sport 1 meta nftrace set 1 comment "minidock trace ${pid} (root ${r})"\n`);
  };
  put(dead, root); // no such pid: its trace is gone
  put(other, '000000000000'); // another root's
  expect(left().length).toBeGreaterThan(0);
  const r = md.run(['system', 'prune', '-f']);
  expect(r.code, r.stderr).toBe(0);
  const rest = left().join('\n');
  expect(rest).not.toContain(String(dead));
  expect(rest).toContain(String(other));
  if (backend === 'iptables') must(tool, ['-t', 'raw', '-D', 'PREROUTING', ...rule(other, '000000000000')]);
  else {
    must('nft', ['flush', 'chain', fam, 'minidock', `trace_pre_${other}`]);
    must('nft', ['delete', 'chain', fam, 'minidock', `trace_pre_${other}`]);
  }
  expect(left()).toEqual([]);
}

/** Each trace is refused with one line matching its message, exit 125, and no trace rule is left. */
export function expectRefusedTraces(md: Minidock, cases: [string[], RegExp][]): void {
  for (const [args, msg] of cases) {
    const r = md.run(['network', 'trace', ...args]);
    expect(r.code, r.stderr).toBe(125);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }
  expect(tracer(md).left()).toEqual([]);
}
