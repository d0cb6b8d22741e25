// Runs the real minidock CLI against a state root of the test's own.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/minidock', import.meta.url));

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export class Minidock {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;

  /** The throwaway network namespace that plays "the host" for this test file. */
  readonly hostNs: string;
  readonly prefix: string[];
  /** The host netns was made by this helper (and is removed by cleanup), not shared with another. */
  private readonly ownsNs: boolean;

  /**
   * Every minidock call runs with its network namespace switched to a fresh "host" netns
   * (nsenter --net, keeping the real mount namespace so /run/netns stays shared): the bridge,
   * the firewall rules and the sysctls minidock sets never touch the real host.
   * `opts.hostNs`: share that helper's "host" netns instead (two state roots on one host); it
   * stays until its own helper's cleanup.
   */
  constructor(extraEnv: NodeJS.ProcessEnv = {}, opts: { hostNs?: string } = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'mdtest-'));
    this.env = { ...process.env, MINIDOCK_ROOT: this.root, ...extraEnv };
    this.ownsNs = !opts.hostNs;
    this.hostNs = opts.hostNs ?? `mdt-${Math.random().toString(16).slice(2, 10)}`;
    if (this.ownsNs) {
      const add = spawnSync('ip', ['netns', 'add', this.hostNs], { encoding: 'utf8' });
      if (add.status !== 0) throw new Error(`ip netns add ${this.hostNs}: ${add.stderr}`);
      spawnSync('ip', ['-n', this.hostNs, 'link', 'set', 'lo', 'up']);
    }
    this.prefix = ['nsenter', `--net=/run/netns/${this.hostNs}`, '--'];
  }

  /** A shell command line that runs minidock in this test's host netns (for `script -c`). */
  commandLine(args: string): string {
    return `MINIDOCK_ROOT=${this.root} ${this.prefix.join(' ')} ${process.execPath} -- ${BIN} ${args}`;
  }

  /** Runs any command inside this test's host netns. */
  inHost(cmd: string, args: string[], input = ''): Result {
    return sh('nsenter', [`--net=/run/netns/${this.hostNs}`, '--', cmd, ...args], input);
  }

  /** Runs minidock synchronously. */
  run(args: string[], opts: { input?: string; timeout?: number } = {}): Result {
    const [cmd, ...pre] = this.prefix;
    const argv = [...pre, process.execPath, '--', BIN, ...args];
    const r = spawnSync(cmd, argv, {
      env: this.env,
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: opts.timeout ?? 60_000,
    });
    return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Runs minidock asynchronously (for parallel runs and followers). */
  runAsync(args: string[], opts: { input?: string } = {}): Promise<Result> {
    return new Promise((res) => {
      const [cmd, ...pre] = this.prefix;
      const argv = [...pre, process.execPath, '--', BIN, ...args];
      const c = spawn(cmd, argv, { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.stdin.end(opts.input ?? '');
      c.on('close', (code) => res({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** Runs and expects success; returns trimmed stdout. */
  ok(args: string[], opts: { input?: string } = {}): string {
    const r = this.run(args, opts);
    if (r.code !== 0) throw new Error(`minidock ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /**
   * Removes every container of this root, then the root itself. Then the leak check for
   * cgroups: no minidock/<id> cgroup of any container this root ever had may be left (the
   * ids of its containers/ and of its events journal; a cgroup is named by the container's
   * random id only, so another run's cannot be taken for ours). A leftover is removed
   * (empty ones: proven ours) and reported by throwing, so the test file fails.
   */
  cleanup(): void {
    let ids: string[] = [];
    try {
      ids = readdirSync(join(this.root, 'containers'));
    } catch {
      /* none */
    }
    const known = containerIdsOf(this.root);
    if (ids.length) this.run(['rm', '-f', ...ids]);
    if (this.ownsNs) spawnSync('ip', ['netns', 'del', this.hostNs]);
    rmSync(this.root, { recursive: true, force: true });
    failOnLeakedCgroups(known, this.env.MINIDOCK_CGROUP_ROOT);
  }
}

/**
 * Every container id a state root has had: the directories of containers/ and every id in its
 * events journal (a `run --rm` container is gone from containers/ but not from the journal).
 */
export function containerIdsOf(root: string): string[] {
  const ids = new Set<string>();
  try {
    for (const n of readdirSync(join(root, 'containers'))) if (/^[0-9a-f]{64}$/.test(n)) ids.add(n);
  } catch {
    /* none */
  }
  for (const f of ['events.log', 'events.log.1']) {
    let text = '';
    try {
      text = readFileSync(join(root, f), 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/"(?:id|ID)":"([0-9a-f]{64})"/g)) ids.add(m[1]!);
  }
  return [...ids];
}

/** The minidock/<id> cgroup directories that exist for these ids: under every cgroup mount of the host, and under a cgroup2 root of the test's own. */
export function cgroupDirsOf(ids: string[], cgroupRoot?: string): string[] {
  const roots = [...cgroupMounts(), ...(cgroupRoot ? [cgroupRoot] : [])];
  return [...new Set(ids.flatMap((id) => roots.map((r) => join(r, 'minidock', id))))].filter((d) => existsSync(d));
}

/**
 * Removes those of `dirs` that hold no process, trying for up to `waitMs` while processes just
 * killed finish dying; returns the ones still there.
 */
export function removeEmptyCgroups(dirs: string[], waitMs = 0): string[] {
  const until = Date.now() + waitMs;
  let left = dirs.filter((d) => existsSync(d));
  for (;;) {
    for (const d of left) {
      try {
        if (readFileSync(join(d, 'cgroup.procs'), 'utf8').trim() === '') rmdirSync(d);
      } catch {
        /* busy, or gone already */
      }
    }
    left = left.filter((d) => existsSync(d));
    if (!left.length || Date.now() >= until) return left;
    spawnSync('sleep', ['0.05']);
  }
}

/**
 * The leak check: throws naming the cgroups of `ids` still there, after removing those that are
 * empty (no process: the container is gone, they are nothing but a leak).
 */
export function failOnLeakedCgroups(ids: string[], cgroupRoot?: string): void {
  const left = cgroupDirsOf(ids, cgroupRoot);
  if (!left.length) return;
  removeEmptyCgroups(left);
  throw new Error(`leaked cgroups of this test's containers (the empty ones are removed now):\n${left.join('\n')}`);
}

export function sh(cmd: string, args: string[], input = ''): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An error's own lines: stderr without the usage block and help line Docker prints after some
 * refusals (`Usage:  minidock …`, `Run 'minidock run --help' for more information`, blanks).
 */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l && !/^(Usage:  minidock |(Run|See) 'minidock [a-z ]+ --help'( for more information)?\.?$)/.test(l));
}

/**
 * The minidock-* network namespaces mounted in this test's mount namespace. /run/netns is a
 * directory other runs (other mount namespaces) also create names in; a name is this run's
 * only when its nsfs mount is in our /proc/self/mountinfo. A leak check built on this sees a
 * namespace a bad command or a --rm container left behind, whatever its id.
 */
export function minidockNetns(): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const m = /^\/run\/netns\/(minidock-[^/]+)$/.exec(f[4] ?? '');
    if (m && line.includes(' - nsfs ')) out.push(m[1]!);
  }
  return [...new Set(out)].sort();
}

/** The cgroup mount points of this host (every v1 hierarchy and any cgroup2 mount), from mountinfo. */
export function cgroupMounts(): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.push(line.split(' ')[4]!.replace(/\\040/g, ' '));
  }
  return [...new Set(out)];
}
