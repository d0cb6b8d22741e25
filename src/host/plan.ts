// Every change minidock makes to the host's network is an operation in a plan first.
//
// An operation knows three things: how it goes into a batch (a line for `ip -batch -`, a line for
// `iptables-restore --noflush`, a value for a /proc/sys file), what undoes it, and how a person
// would type it (the `--explain` text, with a one-line `#` comment saying what it is for).
// applyPlan() groups consecutive operations of the same kind into one process each, reports every
// operation it really applied to `explain`, and when a batch fails it rolls back, in reverse,
// everything the plan already did — so a failure half-way leaves the host as it was. Because the
// explain text is rendered from the same objects that are applied, the two cannot drift apart.
import { writeFileSync } from 'node:fs';
import { run, start, CommandError, CommandTimeout, type Started } from './exec.js';
import { pauseArmed, pausePoint } from '../state/pause.js';

export type Table = 'raw' | 'mangle' | 'nat' | 'filter';

/**
 * One `ip` command, run inside netns `netns` when given (`ip -n NETNS …`). `by: 'shim'`: the
 * container's netns itself and what is done inside it when the container starts; minidock-shim
 * does that with the container process (clone(CLONE_NEWNET), ioctls), so applyPlan only
 * explains it — the command is what a person would type for the same effect.
 */
export interface IpOp {
  kind: 'ip';
  netns?: string;
  args: string[];
  why: string;
  undo?: Op[];
  by?: 'shim';
  /** iproute2's `bridge` instead of `ip` (FDB entries of overlay networks); same batch syntax. */
  tool?: 'bridge';
}

/**
 * One iptables command: args start with the action, e.g. ['-A', 'MINIDOCK-DNAT', '-p', 'tcp', …],
 * ['-I', 'FORWARD', '1', …], ['-D', …] or ['-N', 'CHAIN'] (create a chain).
 */
export interface IptOp {
  kind: 'iptables';
  table: Table;
  args: string[];
  why: string;
  undo?: Op[];
  /** 6: an ip6tables command (same tables, chains and syntax; applied by ip6tables-restore). */
  family?: 6;
}

/** `iptables` or `ip6tables`: the tool of an op's family. */
export const iptTool = (op: Pick<IptOp, 'family'>): string => (op.family === 6 ? 'ip6tables' : 'iptables');

/** A sysctl, written straight to /proc/sys. `key` uses dots: net.ipv4.ip_forward. */
export interface SysctlOp {
  kind: 'sysctl';
  key: string;
  value: string;
  why: string;
  undo?: Op[];
}

/**
 * One line of an `nft -f` script (`add element ip minidock pub { tcp . 8080 : 172.17.0.2 . 80 }`).
 * Consecutive nft ops are one batch, applied as one `nft -f -` transaction: all or nothing.
 */
export interface NftOp {
  kind: 'nft';
  line: string;
  why: string;
  undo?: Op[];
}

export type Op = IpOp | IptOp | SysctlOp | NftOp;

// ---------------------------------------------------------------- building

/** A small builder so drivers read like the tutorials: plan.ip([...], 'why'). */
export class Plan {
  readonly ops: Op[] = [];

  ip(args: string[], why: string, undo?: Op[]): this {
    this.ops.push({ kind: 'ip', args, why, undo });
    return this;
  }

  ipIn(netns: string, args: string[], why: string, undo?: Op[]): this {
    this.ops.push({ kind: 'ip', netns, args, why, undo });
    return this;
  }

  iptables(table: Table, args: string[], why: string, undo?: Op[]): this {
    this.ops.push({ kind: 'iptables', table, args, why, undo });
    return this;
  }

  sysctl(key: string, value: string, why: string): this {
    this.ops.push({ kind: 'sysctl', key, value, why });
    return this;
  }

  add(...ops: Op[]): this {
    this.ops.push(...ops);
    return this;
  }

  get empty(): boolean {
    return this.ops.length === 0;
  }
}

/** The same `ip` op, to be done by minidock-shim (see IpOp.by); other ops unchanged. */
export function byShim(op: Op): Op {
  return op.kind === 'ip' ? { ...op, by: 'shim' } : op;
}

/** The undo of an appended/inserted rule: the same spec with -D. */
export function deleteRuleOf(op: IptOp, why?: string): IptOp {
  const [action, chain, ...rest] = op.args;
  const fam = op.family ? { family: op.family } : {};
  if (action === '-A') return { kind: 'iptables', table: op.table, args: ['-D', chain, ...rest], why: why ?? `remove: ${op.why}`, ...fam };
  if (action === '-I') {
    // -I CHAIN [pos] spec…
    const spec = /^\d+$/.test(rest[0] ?? '') ? rest.slice(1) : rest;
    return { kind: 'iptables', table: op.table, args: ['-D', chain, ...spec], why: why ?? `remove: ${op.why}`, ...fam };
  }
  if (action === '-N') return { kind: 'iptables', table: op.table, args: ['-X', chain], why: why ?? `remove: ${op.why}`, ...fam };
  throw new Error(`no undo for iptables ${op.args.join(' ')}`);
}

// ---------------------------------------------------------------- explain

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,^-]+$/;

/** Quotes one argument for a POSIX shell, only when it needs it. */
export function shellQuote(arg: string): string {
  if ((arg !== '' && SAFE_WORD.test(arg)) || arg === '!') return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command a person would type for this operation. */
export function commandOf(op: Op): string {
  switch (op.kind) {
    case 'ip': {
      const ip = [op.tool ?? 'ip', ...op.args].map(shellQuote).join(' ');
      return op.netns ? `ip netns exec ${shellQuote(op.netns)} ${ip}` : ip;
    }
    case 'iptables': {
      const t = op.table === 'filter' ? [] : ['-t', op.table];
      return [iptTool(op), ...t, ...op.args].map(shellQuote).join(' ');
    }
    case 'sysctl':
      return `sysctl -w ${shellQuote(`${op.key}=${op.value}`)}`;
    case 'nft':
      return `nft ${shellQuote(op.line)}`;
  }
}

/** Two lines per operation: `# what it is for`, then the command. */
export function explainOp(op: Op): string[] {
  const by = op.kind === 'ip' && op.by === 'shim' ? ' (minidock-shim does this, with the container process)' : '';
  return [`# ${op.why}${by}`, commandOf(op)];
}

/**
 * An nft batch is one `nft -f -` transaction: it is explained as that script (a here-document a
 * person can paste), each line after its `# why` comment (nft reads `#` as a comment too).
 */
export function explainNftScript(ops: NftOp[]): string[] {
  return [`nft -f - <<'EOF'`, ...ops.flatMap((o) => [`# ${o.why}`, o.line]), 'EOF'];
}

/** The explain lines of ops in the order given: consecutive nft ops as one script. */
export function explainOps(ops: Op[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ops.length; ) {
    if (ops[i].kind !== 'nft') {
      out.push(...explainOp(ops[i++]));
      continue;
    }
    const run: NftOp[] = [];
    while (i < ops.length && ops[i].kind === 'nft') run.push(ops[i++] as NftOp);
    out.push(...explainNftScript(run));
  }
  return out;
}

// ---------------------------------------------------------------- batches

export interface Batch {
  key: string;
  ops: Op[];
}

function batchKey(op: Op): string {
  if (op.kind === 'ip' && op.by === 'shim') return 'shim';
  if (op.kind === 'ip') return `${op.tool ?? 'ip'}:${op.netns ?? ''}`;
  if (op.kind === 'iptables') return iptTool(op); // iptables-restore and ip6tables-restore batches apart
  return op.kind;
}

/**
 * Groups consecutive operations of the same kind (and, for `ip`, the same netns) into batches.
 * Inside an nft batch, table and chain declarations go first (see below). Inside an iptables
 * batch, operations are regrouped per table (stable), because
 * iptables-restore commits one table at a time; rules of different tables never depend on
 * each other, and the explain output shows the order actually applied.
 */
export function toBatches(ops: Op[]): Batch[] {
  const out: Batch[] = [];
  for (const op of ops) {
    const key = batchKey(op);
    const last = out[out.length - 1];
    if (last && last.key === key) last.ops.push(op);
    else out.push({ key, ops: [op] });
  }
  for (const b of out) {
    // nft 1.0.6 fails an element that jumps to a chain made later in the same transaction than
    // its map: the transaction's table and chain declarations go first (stable otherwise).
    if (b.key === 'nft') {
      const decl = (o: Op) => /^add (?:table|chain) /.test((o as NftOp).line);
      b.ops = [...b.ops.filter(decl), ...b.ops.filter((o) => !decl(o))];
    }
    if (b.ops[0].kind !== 'iptables') continue;
    const order: Table[] = [];
    for (const op of b.ops as IptOp[]) if (!order.includes(op.table)) order.push(op.table);
    b.ops = order.flatMap((t) => (b.ops as IptOp[]).filter((o) => o.table === t));
  }
  return out;
}

/**
 * One `ip -batch` line. A batch line takes no global options, so an IPv6 op written as a person
 * types it (`-6 addr add …`, `-6 route add default …`) drops the `-6`: the address says the
 * family, and `default` becomes `::/0` (alone it would mean IPv4's).
 */
export function ipBatchLine(op: IpOp): string {
  for (const a of op.args) if (/[\s"'\\#]/.test(a) || a === '') throw new Error(`unsafe ip argument ${JSON.stringify(a)}`);
  if (op.args[0] !== '-6') return op.args.join(' ');
  const rest = op.args.slice(1);
  if (rest[0] === 'route') return rest.map((a, i) => (i === 2 && a === 'default' ? '::/0' : a)).join(' ');
  return rest.join(' ');
}

function restoreArg(a: string): string {
  if (/["\\\n]/.test(a)) throw new Error(`unsafe iptables argument ${JSON.stringify(a)}`);
  return /\s/.test(a) || a === '' ? `"${a}"` : a;
}

/** One iptables-restore line for an operation (`-N X` becomes a chain declaration). */
export function restoreLine(op: IptOp): string {
  if (op.args[0] === '-N') return `:${op.args[1]} - [0:0]`;
  return op.args.map(restoreArg).join(' ');
}

/**
 * The iptables-restore input for a batch (already grouped per table); for each op the line it
 * is on and the line of the COMMIT that makes it real (iptables-restore commits table by table).
 */
export function restoreScript(ops: IptOp[]): { text: string; line: number[]; commitLine: number[] } {
  const lines: string[] = [];
  const line: number[] = new Array(ops.length).fill(0);
  const commitLine: number[] = new Array(ops.length).fill(0);
  let i = 0;
  while (i < ops.length) {
    const table = ops[i].table;
    lines.push(`*${table}`);
    const start = i;
    while (i < ops.length && ops[i].table === table) {
      lines.push(restoreLine(ops[i]));
      line[i++] = lines.length;
    }
    lines.push('COMMIT');
    for (let j = start; j < i; j++) commitLine[j] = lines.length;
  }
  return { text: lines.join('\n') + '\n', line, commitLine };
}

/** sysctl(8)'s rule: dots separate the levels, a '/' stands for a dot inside one (net.ipv6.conf.eth0/60.forwarding). */
export function sysctlPath(key: string): string {
  return '/proc/sys/' + key.split('.').map((p) => p.replace(/\//g, '.')).join('/');
}

// ---------------------------------------------------------------- applying

export interface ApplyOptions {
  /** Receives each applied host change as explain lines. */
  explain?: (line: string) => void;
  /** Tolerant mode (teardown, rollback): keep going past failures, never throw. */
  tolerant?: boolean;
}

export class PlanError extends Error {
  constructor(
    message: string,
    readonly failedOp: Op | undefined,
    readonly cause: unknown,
  ) {
    super(message);
  }
}

/** An `ip -batch -` started ahead of time (warmIpBatch) for the next ip batch in this netns. */
let warm: Started | undefined;

/**
 * Starts the process of the next host-netns `ip` batch now, while the caller still waits for
 * something else (a container start waits for its netns): the batch then only has to be written.
 * Pair with coolIpBatch() in a finally, so an unused one ends (an empty batch).
 */
export function warmIpBatch(): void {
  if (!dryRun.active && !warm) warm = start('ip', ['-batch', '-']);
}

export async function coolIpBatch(): Promise<void> {
  const w = warm;
  warm = undefined;
  await w?.finish('', { allowFail: true });
}

/**
 * Runs a batch; returns how many of its ops were applied and the error if it stopped early. A
 * batch whose command ran out of time (CommandTimeout) counts as applying none of its ops.
 */
async function runBatch(b: Batch): Promise<{ applied: number; failedAt?: number; error?: unknown }> {
  try {
    return await runBatchOnce(b);
  } catch (e) {
    if (e instanceof CommandTimeout) return { applied: 0, error: e };
    throw e;
  }
}

async function runBatchOnce(b: Batch): Promise<{ applied: number; failedAt?: number; error?: unknown }> {
  const first = b.ops[0];
  if (b.key === 'shim') return { applied: b.ops.length }; // the shim's, see IpOp
  if (first.kind === 'ip') {
    const args = first.netns ? ['-n', first.netns, '-batch', '-'] : ['-batch', '-'];
    const input = (b.ops as IpOp[]).map(ipBatchLine).join('\n') + '\n';
    const tool = first.tool ?? 'ip';
    const ready = first.netns || tool !== 'ip' ? undefined : warm;
    if (ready) warm = undefined;
    const r = ready ? await ready.finish(input, { allowFail: true }) : await run(tool, args, { input, allowFail: true });
    if (r.code === 0) return { applied: b.ops.length };
    const m = /Command failed -:(\d+)/.exec(r.stderr);
    const applied = m ? Math.max(0, Number(m[1]) - 1) : 0;
    const failed = b.ops[applied];
    return { applied, error: new CommandError([tool, ...args, `<<< ${failed ? ipBatchLine(failed as IpOp) : ''}`], r.code, r.stderr) };
  }
  if (first.kind === 'iptables') {
    const { text, line, commitLine } = restoreScript(b.ops as IptOp[]);
    const restore = `${iptTool(first)}-restore`;
    const r = await run(restore, ['-w', '--noflush'], { input: text, allowFail: true });
    if (r.code === 0) return { applied: b.ops.length };
    const m = /line:? (\d+)/.exec(r.stderr);
    const bad = m ? Number(m[1]) : 0;
    let applied = 0;
    while (applied < b.ops.length && commitLine[applied] < bad) applied++;
    let failedAt = line.findIndex((l, i) => l === bad || (commitLine[i] === bad && i >= applied));
    if (failedAt < 0) failedAt = applied;
    const lines = text.split('\n');
    return {
      applied,
      failedAt,
      error: new CommandError([restore, '--noflush', `<<< ${lines[bad - 1] ?? ''}`], r.code, r.stderr),
    };
  }
  if (first.kind === 'nft') {
    // One transaction: on any error the kernel keeps the previous ruleset, nothing is applied.
    const lines = (b.ops as NftOp[]).map((o) => o.line);
    for (const l of lines) if (/[\n\r]/.test(l)) throw new Error(`unsafe nft line ${JSON.stringify(l)}`);
    const r = await run('nft', ['-f', '-'], { input: lines.join('\n') + '\n', allowFail: true });
    if (r.code === 0) return { applied: b.ops.length };
    const m = /(?:stdin|-):(\d+):/.exec(r.stderr);
    const failedAt = m ? Math.min(lines.length - 1, Math.max(0, Number(m[1]) - 1)) : 0;
    const msg = r.stderr.split('\n').find((l) => /Error:/.test(l)) ?? r.stderr;
    return { applied: 0, failedAt, error: new CommandError(['nft', '-f', '-', `<<< ${lines[failedAt] ?? ''}`], r.code, msg) };
  }
  let applied = 0;
  for (const op of b.ops as SysctlOp[]) {
    try {
      writeFileSync(sysctlPath(op.key), op.value + '\n');
    } catch (e) {
      return { applied, error: new Error(`sysctl ${op.key}=${op.value}: ${(e as Error).message}`) };
    }
    applied++;
  }
  return { applied };
}

/**
 * Applies a plan in batches. On failure, rolls back (in reverse) what it applied and throws a
 * PlanError. Returns the applied operations (so a caller can undo them later with undoOps).
 * In tolerant mode a failing op is skipped (batch by batch, op by op) and nothing throws.
 */
/**
 * --dry-run: while active, applyPlan only explains — every op is reported in the order it would
 * be applied, none is run (see src/engine/network/dryrun.ts, which also sandboxes the state).
 */
export const dryRun = { active: false };

export async function applyPlan(ops: Op[] | Plan, opts: ApplyOptions = {}): Promise<Op[]> {
  const list = ops instanceof Plan ? ops.ops : ops;
  if (dryRun.active) {
    for (const b of toBatches(list)) opts.explain && explainOps(b.ops).forEach((l) => opts.explain!(l));
    return [...list];
  }
  const applied: Op[] = [];
  // Kill points armed (crash tests): one op per batch, a pause point after each (state/pause.ts).
  const batches = pauseArmed() ? list.map((op) => ({ key: batchKey(op), ops: [op] })) : toBatches(list);
  for (const b of batches) {
    const r = await runBatch(b);
    if (pauseArmed() && r.applied) pausePoint(`op:${opStep(b.ops[0])}`);
    const done = b.ops.slice(0, r.applied);
    if (done.length) opts.explain && explainOps(done).forEach((l) => opts.explain!(l));
    applied.push(...done);
    if (r.error === undefined) continue;
    const failed = b.ops[r.failedAt ?? r.applied];
    const timedOut = r.error instanceof CommandTimeout;
    // A tool that hangs would hang again for every op tried one at a time: stop here.
    if (opts.tolerant && timedOut) throw new PlanError(`${failed ? commandOf(failed) : 'host change'} failed: ${(r.error as Error).message}`, failed, r.error);
    if (opts.tolerant) {
      // Go on with the rest of this batch one op at a time, skipping what fails (already gone).
      // For ip, ops before the failing line were applied; for iptables-restore, nothing of the
      // failing table was, so those ops are retried too.
      // An nft transaction applied nothing: all its ops are retried one by one too.
      const rest = b.ops.slice(b.ops[0].kind === 'iptables' || b.key === 'nft' ? r.applied : r.applied + 1);
      for (const op of rest) {
        const one = await runBatch({ key: b.key, ops: [op] });
        if (one.applied === 1) {
          opts.explain && explainOps([op]).forEach((l) => opts.explain!(l));
          applied.push(op);
        }
      }
      continue;
    }
    let undoFailed = '';
    try {
      await undoOps(applied, { explain: opts.explain });
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      undoFailed = `; rolling back failed too: ${e.message}`;
    }
    const msg = r.error instanceof Error ? r.error.message : String(r.error);
    throw new PlanError(`${failed ? commandOf(failed) : 'host change'} failed: ${msg.trim()}${undoFailed}`, failed, r.error);
  }
  return applied;
}

/** A short stable name of an op for kill points: `netns-add`, `link-add-veth`, `ns-addr-add`, `iptables-nat-A`. */
export function opStep(op: Op): string {
  if (op.kind === 'sysctl') return 'sysctl';
  if (op.kind === 'iptables') return `${iptTool(op)}-${op.table}-${op.args[0].replace(/^-/, '')}`;
  if (op.kind === 'nft') return `nft-${op.line.split(' ')[0]}`;
  const t = op.args[0] === 'link' && op.args[1] === 'add' ? op.args[op.args.indexOf('type') + 1] : undefined;
  return [op.netns ? 'ns' : '', op.args[0], op.args[1], t].filter(Boolean).join('-');
}

/** The undo operations for applied ops, latest first. */
export function undoPlanOf(applied: Op[]): Op[] {
  const out: Op[] = [];
  for (let i = applied.length - 1; i >= 0; i--) {
    const u = applied[i].undo;
    if (u) out.push(...u);
  }
  return out;
}

/** Undoes applied ops in reverse, tolerating what is already gone. */
export async function undoOps(applied: Op[], opts: { explain?: (line: string) => void } = {}): Promise<void> {
  const undo = undoPlanOf(applied);
  if (undo.length === 0) return;
  await applyPlan(undo, { explain: opts.explain, tolerant: true });
}
