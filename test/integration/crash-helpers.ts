// Shared by the crash / leak / concurrency tests: what minidock holds on the host for a set of
// container ids, decoys that must survive, and a paused-then-SIGKILLed CLI.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Minidock, cgroupDirsOf, sleep } from '../helpers/cli.js';

export interface Held {
  netns: string[];
  links: string[];
  rules: string[];
  addresses: string[];
  ports: string[];
  endpoints: string[];
  cgroups: string[];
  dirs: string[];
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

function readJson<T>(f: string): T | undefined {
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Where a container's cgroup can be: minidock/<id> under every cgroup mount of the host, v1
 * (one per hierarchy) and v2 (/sys/fs/cgroup on most hosts), and under MINIDOCK_CGROUP_ROOT
 * when the test points minidock at a cgroup2 mount of its own.
 */
export function cgroupsOf(md: Minidock, id: string): string[] {
  return cgroupDirsOf([id], md.env.MINIDOCK_CGROUP_ROOT);
}

/** Everything the host and the state hold for container `id`, by name. */
export function heldBy(md: Minidock, id: string, links: string[], save: string): Held {
  const id12 = id.slice(0, 12);
  const net = join(md.root, 'networks');
  const addresses: string[] = [];
  for (const f of safeReaddir(join(net, 'ipam'))) {
    const st = readJson<{ allocated: Record<string, string> }>(join(net, 'ipam', f));
    for (const [ip, owner] of Object.entries(st?.allocated ?? {})) if (owner === id) addresses.push(ip);
  }
  const ports = (readJson<{ hostPort: number; containerId: string }[]>(join(net, 'ports.json')) ?? []).filter((p) => p.containerId === id).map((p) => String(p.hostPort));
  return {
    netns: safeReaddir('/run/netns').filter((n) => n === `minidock-${id12}`),
    links: links.filter((l) => l === `md${id12}` || l.startsWith(`md${id.slice(0, 10)}x`)),
    rules: save.split('\n').filter((l) => l.includes(`minidock ${id12}`)),
    addresses,
    ports,
    endpoints: safeReaddir(join(net, 'endpoints')).filter((f) => f.startsWith(id)),
    cgroups: cgroupsOf(md, id),
    dirs: existsSync(join(md.root, 'containers', id)) ? [id] : [],
  };
}

export function hostLinks(md: Minidock): string[] {
  const r = md.inHost('ip', ['-j', 'link', 'show']);
  return (JSON.parse(r.stdout || '[]') as { ifname: string }[]).map((l) => l.ifname);
}

export function iptablesSave(md: Minidock): string {
  return md.inHost('iptables-save', []).stdout;
}

export function containerIds(md: Minidock): string[] {
  return safeReaddir(join(md.root, 'containers')).filter((n) => /^[0-9a-f]{64}$/.test(n));
}

/** Leftover lock directories and temporary files of atomic writes. */
export function stateDebris(md: Minidock): string[] {
  const out = safeReaddir(join(md.root, 'locks')).map((l) => `lock ${l}`);
  const walk = (d: string, depth: number): void => {
    for (const n of safeReaddir(d)) {
      if (/\.tmp-\d+-\d+$/.test(n)) out.push(`tmp ${join(d, n)}`);
      else if (depth > 0 && !['upper', 'work', 'rootfs', 'images'].includes(n)) walk(join(d, n), depth - 1);
    }
  };
  walk(md.root, 3);
  return out;
}

export interface State {
  running: boolean;
  pid: number;
}

/** Docker's view of the container, as the CLI reports it. */
export function inspectState(md: Minidock, id: string): State | undefined {
  const r = md.run(['inspect', '-f', '{{.State.Running}} {{.State.Pid}}', id]);
  if (r.code !== 0) return undefined;
  const [running, pid] = r.stdout.trim().split(' ');
  return { running: running === 'true', pid: Number(pid) };
}

export function alive(pid: number): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Live shim monitors working for this root's containers. */
export function liveShims(md: Minidock): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of safeReaddir('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const m = new RegExp(`minidock-shim\\0run\\0${md.root}/containers/([0-9a-f]{64})/`).exec(cmd);
    if (m) out.set(m[1], Number(pid));
  }
  return out;
}

/**
 * Waits (≤ 15 s) until no shim of this root and no exit command (`internal-cleanup ID`) of these
 * containers runs: `rm -f` returns once the container is gone, while its shim's exit command may
 * still be finishing (it takes the container's lock, finds no record, and lets go) — a lock held
 * by a live process at that moment is not debris.
 */
export async function untilQuiet(md: Minidock, ids: string[]): Promise<void> {
  const busy = () =>
    safeReaddir('/proc').some((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return false;
      }
      return cmd.includes(`minidock-shim\0run\0${md.root}/containers/`) || ids.some((id) => cmd.includes(`internal-cleanup\0${id}`));
    });
  for (let i = 0; i < 1500 && busy(); i++) await sleep(10);
}

/**
 * A shim that was started just before the CLI died reports to nobody; wait until each one has
 * either written its pid file (the container runs) or its exit file — so `ps` is read at a
 * moment where the truth is decided, not mid-start.
 */
export async function settle(md: Minidock): Promise<void> {
  // A shim that was waiting for the killed CLI's "go" ends without either file: wait for its end.
  const running = (pid: number) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  for (const [id, pid] of liveShims(md)) {
    const dir = join(md.root, 'containers', id);
    for (let i = 0; i < 500 && running(pid) && !existsSync(join(dir, 'pid')) && !existsSync(join(dir, 'exit')); i++) await sleep(10);
  }
}

/** Runs minidock paused at `step`, SIGKILLs it there. Returns whether the step was reached. */
export async function killAt(md: Minidock, step: string, args: string[], marker: string): Promise<{ reached: boolean; out: string }> {
  rmSync(marker, { force: true });
  const env = { ...md.env, MINIDOCK_PAUSE_AT: step, MINIDOCK_PAUSE_FILE: marker };
  const [cmd, ...pre] = md.prefix;
  const child = spawn(cmd, [...pre, process.execPath, '--', BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const closed = new Promise<void>((res) => child.on('close', () => res()));
  let exited = false;
  void closed.then(() => (exited = true));
  for (let i = 0; i < 3000 && !exited && !existsSync(marker); i++) await sleep(10);
  const reached = existsSync(marker);
  if (!exited) child.kill('SIGKILL'); // nsenter execs node: this is the CLI itself
  await closed;
  return { reached, out };
}

/** Objects a test creates that minidock must never touch. */
export class Decoys {
  readonly tag = Math.random().toString(16).slice(2, 8);
  readonly globalNs = [`decoy-${this.tag}`, `minidock-${this.tag}dec0de`];
  constructor(readonly md: Minidock) {}

  create(): void {
    const h = (args: string[]) => {
      const r = this.md.inHost(args[0], args.slice(1));
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    };
    h(['ip', 'link', 'add', 'decoy0', 'type', 'veth', 'peer', 'name', 'decoy1']);
    h(['ip', 'link', 'add', 'decoybr', 'type', 'bridge']);
    h(['ip', 'link', 'set', 'decoy0', 'master', 'decoybr']);
    h(['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.254.0.0/24', '-m', 'comment', '--comment', 'decoy rule', '-j', 'MASQUERADE']);
    h(['iptables', '-t', 'filter', '-N', 'DECOY']);
    h(['iptables', '-t', 'filter', '-A', 'DECOY', '-m', 'comment', '--comment', 'minidock-lookalike', '-j', 'ACCEPT']);
    // global: one plain netns and one whose name looks like minidock's but that no container of
    // the test's state root owns (as a second state root's would)
    for (const n of this.globalNs) spawnSync('ip', ['netns', 'add', n]);
  }

  /** What is missing of the decoys (empty = all there). */
  missing(): string[] {
    const out: string[] = [];
    const links = hostLinks(this.md);
    for (const l of ['decoy0', 'decoy1', 'decoybr']) if (!links.includes(l)) out.push(`link ${l}`);
    const save = iptablesSave(this.md);
    if (!save.includes('decoy rule')) out.push('nat rule');
    if (!save.includes('minidock-lookalike')) out.push('DECOY chain rule');
    for (const n of this.globalNs) if (!existsSync(`/run/netns/${n}`)) out.push(`netns ${n}`);
    return out;
  }

  remove(): void {
    for (const n of this.globalNs) spawnSync('ip', ['netns', 'del', n]);
  }
}

export function emptyHeld(h: Held): boolean {
  return Object.values(h).every((v) => (v as string[]).length === 0);
}
