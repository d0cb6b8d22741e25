// A multi-host test bed in the style of moby's L3 segment: a "switch" netns with a bridge and
// three "host" netns on it by veth (10.231.N.0/24 of their own), each host with its own mount
// namespace (so its /run/netns, where its containers' netns are named, is its own), its own
// state root and minidock; and an etcd member started in host 1's netns on its address (or a
// 3-member etcd cluster, one member in each of the first three hosts). Nothing
// leaves the namespaces made here. Everything is removed by `destroy` (afterAll), even on failure.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, type Result, cgroupDirsOf, containerIdsOf, failOnLeakedCgroups, removeEmptyCgroups, sh } from './cli.js';

export const ETCD_PORT = 2379;

export class Host {
  readonly root = mkdtempSync(join(tmpdir(), 'mdov-'));
  /** The process that holds this host's mount namespace (a `sleep` in it). */
  holder!: ChildProcess;
  env: NodeJS.ProcessEnv;

  constructor(
    readonly index: number,
    readonly ns: string,
    readonly addr: string,
    store: string,
  ) {
    this.env = { ...process.env, MINIDOCK_ROOT: this.root, MINIDOCK_CLUSTER: store, MINIDOCK_CLUSTER_ADVERTISE: addr };
  }

  /** Starts the holder: in the host netns, a private mount namespace with a /run/netns of its own. */
  async start(): Promise<void> {
    this.holder = spawn('nsenter', [`--net=/run/netns/${this.ns}`, '--', 'unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs tmpfs /run/netns && echo ready && exec sleep infinity'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res, rej) => {
      this.holder.stdout!.once('data', () => res());
      this.holder.once('exit', (c) => rej(new Error(`host ${this.ns} holder exited ${c}`)));
    });
  }

  private argv(cmd: string, args: string[]): string[] {
    // the sleep is the holder's child (sh exec'd it): its pid is the holder's
    return ['-t', String(this.holder.pid), '-m', '-n', '--', cmd, ...args];
  }

  /** Runs any command inside this host (its netns and mount namespace). */
  exec(cmd: string, args: string[], input = ''): Result {
    const r = spawnSync('nsenter', this.argv(cmd, args), { encoding: 'utf8', input, env: this.env, timeout: 60_000 });
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  run(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Result {
    const r = spawnSync('nsenter', this.argv(process.execPath, ['--', BIN, ...args]), { encoding: 'utf8', input: '', env: { ...this.env, ...opts.env }, timeout: 60_000 });
    return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  runAsync(args: string[]): Promise<Result> {
    return this.execAsync(process.execPath, ['--', BIN, ...args]);
  }

  /** Like exec, without waiting: the command runs beside the test (a server). */
  execAsync(cmd: string, args: string[]): Promise<Result> {
    return new Promise((res) => {
      const c = spawn('nsenter', this.argv(cmd, args), { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.on('close', (code) => res({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** Runs minidock paused at kill point `step` (src/state/pause.ts) and SIGKILLs it there; whether the step was reached. */
  async killAt(step: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<boolean> {
    const marker = join(this.root, '..', `${this.root.split('/').pop()}.paused`);
    rmSync(marker, { force: true });
    const c = spawn('nsenter', this.argv(process.execPath, ['--', BIN, ...args]), { env: { ...this.env, ...env, MINIDOCK_PAUSE_AT: step, MINIDOCK_PAUSE_FILE: marker }, stdio: 'ignore' });
    const closed = new Promise<void>((res) => c.on('close', () => res()));
    let exited = false;
    void closed.then(() => (exited = true));
    for (let i = 0; i < 3000 && !exited && !existsSync(marker); i++) await new Promise((res) => setTimeout(res, 10));
    const reached = existsSync(marker);
    if (!exited) c.kill('SIGKILL'); // nsenter execs node: this is the CLI itself
    await closed;
    rmSync(marker, { force: true });
    return reached;
  }

  ok(args: string[]): string {
    const r = this.run(args);
    if (r.code !== 0) throw new Error(`host ${this.index}: minidock ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** The processes of this host: in its netns or mount namespace, or in a netns named in its /run/netns. */
  pids(): number[] {
    const ids = new Set<string>();
    const nsOf = (pid: string | number, kind: string) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/${kind}`);
      } catch {
        return undefined;
      }
    };
    const mnt = nsOf(this.holder.pid!, 'mnt');
    const net = nsOf(this.holder.pid!, 'net');
    const r = this.exec('sh', ['-c', 'for f in /run/netns/*; do [ -e "$f" ] && stat -L -c %i "$f"; done']);
    for (const i of r.stdout.split('\n').filter(Boolean)) ids.add(`net:[${i}]`);
    const out: number[] = [];
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      if (Number(p) === process.pid) continue;
      const m = nsOf(p, 'mnt');
      const n = nsOf(p, 'net');
      if ((m && m === mnt) || (n && (n === net || ids.has(n)))) out.push(Number(p));
    }
    return out;
  }

  /**
   * The host dies: every process of it killed (containers, shims, watcher, DNS), its netns gone,
   * and its containers' cgroups with them (a real host loses them with its kernel; these are on
   * the test machine's cgroup tree, where nothing of this host is left to remove them).
   */
  kill(): void {
    const ids = containerIdsOf(this.root);
    for (let i = 0; i < 3; i++) {
      const pids = this.pids();
      if (!pids.length) break;
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      spawnSync('sleep', ['0.2']);
    }
    sh('ip', ['netns', 'del', this.ns]);
    const left = removeEmptyCgroups(cgroupDirsOf(ids), 2000);
    if (left.length) throw new Error(`host ${this.index} killed, but its containers' cgroups still hold processes:\n${left.join('\n')}`);
  }

  /** Removes the containers (when the host is alive), then the host; the cgroup leak check of cli.ts on a live host's teardown. */
  cleanup(): void {
    const known = containerIdsOf(this.root);
    const alive = this.holder?.exitCode === null;
    if (alive) {
      let ids: string[] = [];
      try {
        ids = readdirSync(join(this.root, 'containers'));
      } catch {
        /* none */
      }
      if (ids.length) this.run(['rm', '-f', ...ids]);
      this.run(['network', 'prune', '-f']);
    }
    // a live host's rm -f must have removed them: seen before kill(), which drops whatever is left (as a dying host does)
    const leaked = alive ? cgroupDirsOf(known) : [];
    this.kill();
    rmSync(this.root, { recursive: true, force: true });
    failOnLeakedCgroups(known); // what kill() did not drop
    if (leaked.length) throw new Error(`leaked cgroups of host ${this.index}'s containers (removed now):\n${leaked.join('\n')}`);
  }
}

export class Cluster {
  readonly tag = Math.random().toString(16).slice(2, 8);
  readonly switchNs = `mdsw-${this.tag}`;
  readonly hosts: Host[] = [];
  /** 10.231.X.0/24: X from the tag, so concurrent runs do not share addresses (their netns are apart anyway). */
  readonly net = `10.231.${parseInt(this.tag.slice(0, 2), 16)}`;
  etcd?: ChildProcess;
  readonly etcdDir = mkdtempSync(join(tmpdir(), 'mdetcd-'));

  get etcdAddr(): string {
    return `${this.net}.1`;
  }

  /** etcd members: one on host 1, or one on each of the first three hosts. */
  members = 1;
  private readonly etcds: ChildProcess[] = [];
  private readonly etcdDirs: string[] = [];

  get etcdAddrs(): string[] {
    return Array.from({ length: this.members }, (_, i) => `${this.net}.${i + 1}`);
  }

  /** etcd serves its clients over TLS (and asks for a client certificate): the files etcdctl uses too. */
  tls?: { ca: string; server: { cert: string; key: string }; client: { cert: string; key: string } };
  /** etcd's auth enabled: a user with read/write on /minidock/ only (etcdctl acts as root). */
  auth?: { user: string; password: string; rootPassword: string };

  private get scheme(): string {
    return this.tls ? 'https' : 'http';
  }

  async start(n = 3, opts: { members?: 1 | 3; tls?: Cluster['tls']; auth?: Cluster['auth'] } = {}): Promise<void> {
    this.members = opts.members ?? 1;
    this.tls = opts.tls;
    const must = (cmd: string, args: string[]) => {
      const r = sh(cmd, args);
      if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    };
    must('ip', ['netns', 'add', this.switchNs]);
    must('ip', ['-n', this.switchNs, 'link', 'add', 'sw0', 'type', 'bridge']);
    must('ip', ['-n', this.switchNs, 'link', 'set', 'sw0', 'up']);
    const store = `etcd://${this.etcdAddrs.map((a) => `${a}:${ETCD_PORT}`).join(',')}`;
    for (let i = 1; i <= n; i++) {
      const ns = `mdh${i}-${this.tag}`;
      must('ip', ['netns', 'add', ns]);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', this.switchNs, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      must('ip', ['-n', this.switchNs, 'link', 'set', `p${i}`, 'master', 'sw0', 'up']);
      must('ip', ['-n', ns, 'addr', 'add', `${this.net}.${i}/24`, 'dev', 'eth0']);
      must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      const h = new Host(i, ns, `${this.net}.${i}`, store);
      await h.start();
      this.hosts.push(h);
    }
    await this.startEtcd();
    if (opts.auth) this.enableAuth(opts.auth);
  }

  private enableAuth(a: NonNullable<Cluster['auth']>): void {
    const must = (args: string[]) => {
      const r = this.etcdctl(args);
      if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
    };
    must(['user', 'add', `root:${a.rootPassword}`, '--interactive=false']);
    must(['role', 'add', 'minidock']);
    must(['role', 'grant-permission', 'minidock', '--prefix=true', 'readwrite', '/minidock/']);
    must(['user', 'add', `${a.user}:${a.password}`, '--interactive=false']);
    must(['user', 'grant-role', a.user, 'minidock']);
    must(['auth', 'enable']);
    this.auth = a;
  }

  private async startEtcd(): Promise<void> {
    const initial = this.etcdAddrs.map((a, i) => `m${i + 1}=http://${a}:2380`).join(',');
    const logs: string[] = [];
    this.etcdAddrs.forEach((a, i) => {
      const dir = i === 0 ? this.etcdDir : mkdtempSync(join(tmpdir(), 'mdetcd-'));
      if (i > 0) this.etcdDirs.push(dir);
      const tls = this.tls ? ['--cert-file', this.tls.server.cert, '--key-file', this.tls.server.key, '--trusted-ca-file', this.tls.ca, '--client-cert-auth'] : [];
      const p = spawn('nsenter', [`--net=/run/netns/${this.hosts[i].ns}`, '--', 'etcd', '--name', `m${i + 1}`, '--data-dir', dir, ...tls,
        '--listen-client-urls', `${this.scheme}://${a}:${ETCD_PORT}`, '--advertise-client-urls', `${this.scheme}://${a}:${ETCD_PORT}`,
        '--listen-peer-urls', `http://${a}:2380`, '--initial-advertise-peer-urls', `http://${a}:2380`, '--initial-cluster', initial,
        '--initial-cluster-token', `mdt-${this.tag}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      logs.push('');
      p.stderr!.on('data', (d) => (logs[i] += d));
      this.etcds.push(p);
    });
    this.etcd = this.etcds[0];
    for (let i = 0; i < 150; i++) {
      const r = this.etcdctl(['endpoint', 'health', '--cluster']);
      if (r.code === 0) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`etcd did not start: ${logs.map((l) => l.slice(-1500)).join('\n---\n')}`);
  }

  /** An address on the switch itself: "the outside" for the hosts (no route back to any container subnet). */
  get outside(): string {
    return `${this.net}.254`;
  }

  switchAddr(): void {
    sh('ip', ['-n', this.switchNs, 'addr', 'replace', `${this.outside}/24`, 'dev', 'sw0']);
  }

  inSwitch(cmd: string, args: string[]): Result {
    return sh('nsenter', [`--net=/run/netns/${this.switchNs}`, '--', cmd, ...args]);
  }

  /** The store goes away (its member killed; its data dir stays). */
  stopEtcd(): void {
    this.etcd?.kill('SIGKILL');
  }

  /** etcdctl (v3) against the members, run from the first host still alive. */
  etcdctl(args: string[]): Result {
    const eps = this.etcdAddrs.map((a) => `${this.scheme}://${a}:${ETCD_PORT}`).join(',');
    const from = this.hosts.find((h) => existsSync(`/run/netns/${h.ns}`)) ?? this.hosts[0];
    const tls = this.tls ? [`--cacert=${this.tls.ca}`, `--cert=${this.tls.client.cert}`, `--key=${this.tls.client.key}`] : [];
    const auth = this.auth ? [`--user=root:${this.auth.rootPassword}`] : [];
    return sh('nsenter', [`--net=/run/netns/${from.ns}`, '--', 'env', 'ETCDCTL_API=3', 'etcdctl', `--endpoints=${eps}`, ...tls, ...auth, ...args]);
  }

  /** Every key under /minidock/ (keys only). */
  keys(): string[] {
    return this.etcdctl(['get', '--prefix', '--keys-only', '/minidock/']).stdout.split('\n').filter(Boolean);
  }

  destroy(): void {
    const errors: unknown[] = [];
    for (const h of [...this.hosts].reverse()) {
      try {
        h.cleanup();
      } catch (e) {
        errors.push(e); // the rest is torn down first; the leak checks' reports fail the file after
      }
    }
    for (const p of this.etcds) p.kill('SIGKILL');
    sh('ip', ['netns', 'del', this.switchNs]);
    for (const d of [this.etcdDir, ...this.etcdDirs]) rmSync(d, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  }
}

/** Polls `f` every 100 ms until it holds or `ms` have passed; its last answer. */
export async function until(f: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return f();
}

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}
