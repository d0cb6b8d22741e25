// `minidock network trace`: one real probe, followed through the kernel. Loaded only by that
// command (dist/trace.cjs, a bundle of its own: no other command reads a byte of it).
//
//   1. the ends: --from (host, a container's netns, remote:NETNS), --to (an address or a container)
//   2. the monitors start: the firewall's own trace monitor (xtables-monitor --trace for the
//      iptables backend, nft monitor for nftables) and conntrack -E, in this host's netns
//   3. a guard process (trace-helper reap) learns what removes the trace rules: if the CLI is
//      killed, it removes them itself
//   4. once both monitors' netlink sockets have joined their groups (/proc/net/netlink), one
//      transaction adds the trace rules (rules.ts)
//   5. the probe goes out (trace-helper probe under nsenter --net, or ping)
//   6. one transaction removes the trace rules; the monitors end
//   7. what they saw, with the routing decision (ip route get) and the bridge port (bridge fdb),
//      becomes the steps (describe.ts)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../../host/exec.js';
import { childEnv } from '../../../host/env.js';
import { UserError } from '../../../errors.js';
import { writeLastTrace } from '../last-trace.js';
import { type ProbeMatch, type ProbeProto, traceRuleOps, traceTag } from './rules.js';
import { type Family, parseProto, resolveSource, resolveTarget } from './resolve.js';
import { asXtablesSegments, parseConntrack, parseNftTrace, parseXtablesTrace, saveLinesByHandle } from './parse.js';
import { describeTrace, renderTrace, type TraceReport, type TraceWorld } from './describe.js';

export interface TraceOptions {
  from: string;
  to: string;
  proto?: string;
  format?: string;
  /** -6: to a container's IPv6 address (an address given says its family itself) */
  ipv6?: boolean;
  explain?: (line: string) => void;
}

/** Where dist/trace-helper.cjs is (beside this bundle; from the sources: dist/ of the checkout). */
function helperPath(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(new URL(import.meta.url).pathname);
  for (const p of [join(here, 'trace-helper.cjs'), join(here, '../../../../dist/trace-helper.cjs')]) if (existsSync(p)) return p;
  throw new UserError('dist/trace-helper.cjs is missing: run npm run build');
}

/** A command in a network namespace (undefined: this one). */
const inNs = (netns: string | undefined, cmd: string, args: string[]): [string, string[]] => (netns ? ['nsenter', [`--net=${netns}`, '--', cmd, ...args]] : [cmd, args]);

interface Monitor {
  child: ChildProcess;
  out: () => string;
  /** When it last printed (ms since the epoch). */
  lastOutput: () => number;
  /** Resolves when the monitor's netlink socket has joined these multicast groups (or the time is up). */
  subscribed: (groups: number, ms: number) => Promise<boolean>;
}

/** A process and its descendants (the monitor runs under timeout and stdbuf). */
function treeOf(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const c of readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      /* ended */
    }
  }
  return out;
}

/**
 * Whether one of these processes holds a netfilter netlink socket (/proc/net/netlink: Eth 12)
 * that joined all of `groups` (a bit per multicast group: NFNLGRP_NFTRACE is 0x100, conntrack's
 * NEW|UPDATE|DESTROY 0x7). Then the monitor hears every event from now on: nothing is missed
 * because it started late.
 */
function holdsSubscription(pids: number[], groups: number): boolean {
  const inodes = new Set<string>();
  for (const p of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  for (const line of readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === '12' && (parseInt(f[3], 16) & groups) === groups && inodes.has(f[9])) return true;
  }
  return false;
}

function monitor(cmd: string, args: string[]): Monitor {
  // bounded: a monitor outlives no trace, even one whose CLI and guard are both gone; line
  // buffered (stdbuf): the monitors print to a pipe
  const child = spawn('timeout', ['60', 'stdbuf', '-oL', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  let text = '';
  let last = 0;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    text += d;
    last = Date.now();
  });
  child.stderr!.on('data', () => undefined);
  child.on('error', () => undefined);
  return {
    child,
    out: () => text,
    lastOutput: () => last,
    subscribed: async (groups, ms) => {
      const end = Date.now() + ms;
      while (Date.now() < end && child.exitCode === null) {
        if (child.pid && holdsSubscription(treeOf(child.pid), groups)) return true;
        await sleep(10);
      }
      return false;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** netlink multicast groups, as bits (linux/netfilter/nfnetlink.h: group n is bit n-1). */
const NFNLGRP_NFTRACE = 1 << 8;
const CONNTRACK_GROUPS = 0x7; // NEW, UPDATE, DESTROY

/** Whether a command is on PATH. */
async function which(cmd: string): Promise<boolean> {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && existsSync(join(d, cmd)));
}

/** The tools a trace needs for this backend and family, checked before anything changes. */
async function checkTools(backend: string, family: Family): Promise<void> {
  if (backend === 'iptables') {
    const tool = family === 6 ? 'ip6tables' : 'iptables';
    const v = await run(tool, ['--version'], { allowFail: true });
    if (!/nf_tables/.test(v.stdout)) throw new UserError(`network trace needs ${tool}-nft (this host's ${tool} is ${v.stdout.trim() || 'missing'}): its TRACE target is read through the nf_tables trace monitor`);
    if (family === 4 && !(await which('xtables-monitor'))) throw new UserError('network trace needs xtables-monitor (Debian package iptables)');
    if (family === 6 && !(await which('nft'))) throw new UserError('network trace over IPv6 needs nft (Debian package nftables): it reads the ip6tables trace');
  } else if (!(await which('nft'))) throw new UserError('network trace needs nft (Debian package nftables)');
}

function randomIn(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

interface ProbeResult {
  answer: string;
  detail?: string;
}

async function sendProbe(netns: string | undefined, proto: ProbeProto, ip: string, port: number | undefined, m: ProbeMatch): Promise<ProbeResult> {
  if (proto === 'icmp') {
    const ping = (await which('ping')) ? ['ping'] : ['busybox', 'ping'];
    // -s: the payload that makes the IP length the trace rules match (IPv4: 20 IP + 8 ICMP
    // header; IPv6: 40 + 8)
    const [cmd, args] = inNs(netns, ping[0], [...ping.slice(1), '-c', '1', '-W', '2', '-s', String(m.length! - (ip.includes(':') ? 48 : 28)), ip]);
    const r = await run(cmd, args, { allowFail: true });
    return r.code === 0 ? { answer: 'reply' } : { answer: 'none', detail: (r.stderr || r.stdout).trim().split('\n').pop() };
  }
  const [cmd, args] = inNs(netns, process.execPath, [helperPath(), 'probe', proto, ip, String(port), String(m.port), '2000']);
  const r = await run(cmd, args, { allowFail: true });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    return { answer: 'error', detail: (r.stderr || r.stdout).trim() };
  }
}

/** The routing decisions the report needs (`ip route get …`), each asked once. */
async function routes(queries: { netns?: string; args: string[] }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const q of queries) {
    const key = `${q.netns ?? ''}|${q.args.join(' ')}`;
    if (out.has(key)) continue;
    const [cmd, args] = inNs(q.netns, 'ip', ['-o', ...(q.args[0].includes(':') ? ['-6'] : []), 'route', 'get', ...q.args]);
    const r = await run(cmd, args, { allowFail: true });
    out.set(key, (r.code === 0 ? r.stdout : r.stderr).trim().replace(/\\\s*/g, ' ').replace(/\s+/g, ' '));
  }
  return out;
}

export async function networkTrace(o: TraceOptions): Promise<{ text: string; code: number }> {
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UserError(`invalid --format ${JSON.stringify(format)}: text or json`);
  let proto = parseProto(o.proto);
  const src = await resolveSource(o.from);
  const dst = await resolveTarget(o.to, src, o.ipv6);
  const family = dst.family ?? 4;
  proto ??= dst.port === undefined ? 'icmp' : 'tcp';
  if (proto !== 'icmp' && dst.port === undefined) throw new UserError(`--to ${o.to}: a ${proto} probe needs a port (ADDR:PORT or CONTAINER:PORT)`);
  if (proto === 'icmp' && dst.port !== undefined) throw new UserError(`--to ${o.to}: an icmp probe has no port`);

  const { firewallName } = await import('../firewall/index.js');
  const { tableName } = await import('../firewall/nftables.js');
  const { rootId } = await import('../../../state/rootid.js');
  const backend = firewallName();
  await checkTools(backend, family);
  const root = rootId(); // made now if this root has none yet: the trace rules name their root, as every rule does
  const match: ProbeMatch = proto === 'icmp' ? { proto, length: randomIn(1100, 1399) } : { proto, port: randomIn(40000, 59999) };
  const tableMissing = backend === 'nftables' && (await run('nft', ['list', 'table', family === 6 ? 'ip6' : 'ip', tableName()], { allowFail: true })).code !== 0;
  const ops = traceRuleOps(backend, match, process.pid, root, tableName(), tableMissing, family);
  const tag = traceTag(process.pid, root);
  const { applyPlan, restoreScript } = await import('../../../host/plan.js');
  const removal = backend === 'iptables'
    ? { [family === 6 ? 'restore6' : 'restore']: restoreScript(ops.remove as import('../../../host/plan.js').IptOp[]).text }
    : { nft: ops.remove.map((x) => (x as { line: string }).line).join('\n') + '\n' };

  // the monitors first: the one of the trace sees the rules being added, which says it listens
  // ip6tables' TRACE is read with nft -a (xtables-monitor cannot print an ip6tables nat rule; the
  // handles say which ip6tables rule each was: asXtablesSegments)
  const xt = backend === 'iptables' && family === 4;
  const v6ipt = backend === 'iptables' && family === 6;
  const tracer = xt ? monitor('xtables-monitor', ['--trace', '-4']) : monitor('nft', [...(v6ipt ? ['-a'] : []), 'monitor', 'trace']);
  const haveCt = await which('conntrack');
  const ctProto = proto === 'icmp' && family === 6 ? 'icmpv6' : proto;
  const ct = haveCt ? monitor('conntrack', ['-E', '-f', family === 6 ? 'ipv6' : 'ipv4', '-p', ctProto, ...(proto === 'icmp' ? [] : ['--orig-port-src', String(match.port)])]) : undefined;
  const guard = spawn(process.execPath, [helperPath(), 'reap'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: childEnv() });
  guard.unref();
  guard.on('error', () => undefined); // no guard (node gone?): the trace still removes its rules itself
  guard.stdin!.on('error', () => undefined);
  const pids = [tracer.child.pid, ct?.child.pid].filter((p): p is number => !!p);
  guard.stdin!.write(JSON.stringify({ ...removal, pids }) + '\n');

  let removed = false;
  const stop = async () => {
    if (removed) return;
    removed = true;
    try {
      await applyPlan(ops.remove, { explain: o.explain, tolerant: true });
    } finally {
      guard.stdin!.end('done\n');
      for (const p of pids) {
        try {
          process.kill(p, 'SIGTERM');
        } catch {
          /* ended */
        }
      }
    }
  };
  const onSig = (sig: NodeJS.Signals) => {
    void stop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  let result: ProbeResult;
  let sentAt = '';
  try {
    // the monitors listen before the probe exists: nothing of it can be missed
    if (!(await tracer.subscribed(NFNLGRP_NFTRACE, 5000))) throw new UserError(`the trace monitor (${backend === 'iptables' ? 'xtables-monitor --trace' : 'nft monitor trace'}) did not start listening`);
    if (ct && !(await ct.subscribed(CONNTRACK_GROUPS, 5000))) throw new UserError('conntrack -E did not start listening');
    await applyPlan(ops.add, { explain: o.explain });
    if (process.env.MINIDOCK_TRACE_PAUSE) await sleep(Number(process.env.MINIDOCK_TRACE_PAUSE)); // tests: a moment to kill the CLI mid-trace
    sentAt = new Date().toISOString();
    result = await sendProbe(src.netns, proto, dst.ip, dst.port, match);
    // the replies' last events: until the monitors have been quiet for 200 ms (at most 2 s)
    const end = Date.now() + 2000;
    do await sleep(100);
    while (Date.now() < end && Date.now() - Math.max(tracer.lastOutput(), ct?.lastOutput() ?? 0) < 200);
  } finally {
    await stop();
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }

  let segments = xt ? parseXtablesTrace(tracer.out()) : parseNftTrace(tracer.out());
  if (v6ipt) segments = asXtablesSegments(segments, await ip6tablesByHandle(segments), tag);
  const conntrack = ct ? parseConntrack(ct.out()) : undefined;
  const world = await worldOf(backend);
  const report: TraceReport = describeTrace({ backend, src, dst, proto, match, segments, conntrack, answer: result, world, tag, family });
  const r = await routes(report.routeQueries);
  report.fillRoutes(r);
  saveLastTrace({ ...report.lastTrace(), time: sentAt });
  return { text: format === 'json' ? JSON.stringify(report.json(), null, 2) + '\n' : renderTrace(report), code: 0 };
}

/** For each ip6tables table the trace went through: rule handle → its ip6tables-save line. */
async function ip6tablesByHandle(segments: import('./parse.js').Segment[]): Promise<Map<string, Map<number, string>>> {
  const out = new Map<string, Map<number, string>>();
  for (const t of new Set(segments.map((s) => s.table).filter((t) => /^ip6 (raw|mangle|nat|filter|security)$/.test(t)))) {
    const name = t.slice(4);
    const [list, save] = await Promise.all([run('nft', ['-a', 'list', 'table', 'ip6', name], { allowFail: true }), run('ip6tables-save', ['-t', name], { allowFail: true })]);
    out.set(name, saveLinesByHandle(list.stdout, save.stdout));
  }
  return out;
}

/** The trace, for the live diagram to draw (last-trace.ts). A cache: losing it loses nothing. */
function saveLastTrace(t: import('../last-trace.js').LastTrace): void {
  try {
    writeLastTrace(t);
  } catch {
    /* a read-only or missing root: the trace was printed all the same */
  }
}

/** What the words need: minidock's rules (with their words), its networks, containers, bridge ports. */
async function worldOf(backend: string): Promise<TraceWorld> {
  const { collectState, ownContextOf } = await import('../diagram.js');
  const { firewall } = await import('../firewall/index.js');
  const { listEndpoints } = await import('../networks.js');
  const state = await collectState();
  const rules = await (await firewall()).listRules(ownContextOf(state)).catch(() => []);
  const eps = listEndpoints();
  const fdb = new Map<string, string>();
  for (const n of state.networks.filter((x) => !x.lower)) {
    const r = await run('bridge', ['-j', 'fdb', 'show', 'br', n.bridge], { allowFail: true });
    for (const e of JSON.parse(r.stdout.trim() || '[]') as { mac: string; ifname: string }[]) if (e.ifname !== n.bridge) fdb.set(`${n.bridge}|${e.mac.toLowerCase()}`, e.ifname);
  }
  return {
    backend,
    rules,
    networks: state.networks.map((n) => ({ name: n.name, bridge: n.bridge, subnet: n.subnet, gateway: n.gateway, lower: n.lower?.kind })),
    endpoints: eps.map((e) => ({ name: e.containerName, id: e.containerId, network: e.network, ip: e.ip, ip6: e.ip6, hostIf: e.hostIf, mac: e.mac?.toLowerCase(), netns: e.netns, ifname: e.ifname })),
    fdb,
  };
}
