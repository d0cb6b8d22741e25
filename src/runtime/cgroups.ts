// Resource limits through cgroups: one cgroup per container under `minidock/<id>` in every
// hierarchy minidock uses (cgroup v1: memory, cpu, cpuacct, pids, blkio, devices, each its
// own mount) or in the one unified hierarchy (cgroup v2). Created before the container
// starts (the shim joins it with its `cgroup` keys), read for OOM kills and `stats`, and
// removed once the container's process is gone.
//
// Parsers are pure and unit-tested; the file writes for each version come from pure
// functions (v1Writes, v2Writes) so both versions are tested even where the kernel only
// offers one of them.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { readText } from '../state/atomic.js';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DaemonError, FlagValueError, UserError } from '../errors.js';
import { ramInBytes } from '../units.js';

// ---------------------------------------------------------------------------------------
// Parsing what the user typed (Docker's rules and messages)
// ---------------------------------------------------------------------------------------

/** Docker's units.RAMInBytes (units.ts): `512m`, `1g`, `1.5g`, `100`, `64k`, `2GiB`, `10 MB`. */
export function parseMemorySize(s: string, flag = '--memory'): number {
  let n: number;
  try {
    n = ramInBytes(s);
  } catch (e) {
    throw new FlagValueError(s, flag, (e as Error).message);
  }
  if (!Number.isSafeInteger(n)) throw new UserError(`invalid ${flag}: size too large: '${s}'`);
  return n;
}

/** Docker's minimum for --memory. */
export const MIN_MEMORY = 6 * 1024 * 1024;

/** --cpus 1.5 → NanoCpus 1500000000 (Docker: 0.01 … number of CPUs). */
export function parseCpus(s: string, ncpu = cpus().length): number {
  // a negative count passes the CLI's parse (goparse.ts) and is the range check's to refuse
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(s)) throw new UserError(`invalid argument "${s}" for "--cpus" flag: failed to parse ${s} as a rational number`);
  const nano = Math.round(Number(s) * 1e9);
  if (nano === 0) return 0;
  if (nano < 1e7 || nano > ncpu * 1e9) {
    throw new DaemonError(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  }
  return nano;
}

function parseInteger(s: string, flag: string): number {
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UserError(`invalid argument "${s}" for "${flag}" flag: not an integer`);
  return Number(s);
}

/** --cpu-shares: a relative weight, 2 … 262144 (0: the default, 1024). */
export function parseCpuShares(s: string): number {
  const n = parseInteger(s, '--cpu-shares');
  // moby's verifyPlatformContainerResources refuses a negative weight in these words
  if (n < 0) throw new DaemonError('shares: invalid argument');
  if (n !== 0 && (n < 2 || n > 262144)) throw new UserError(`invalid --cpu-shares ${s}: must be between 2 and 262144`);
  return n;
}

/** --pids-limit: positive; 0 or any negative number mean unlimited (stored as null, like Docker). */
export function parsePidsLimit(s: string): number | null {
  const n = parseInteger(s, '--pids-limit');
  return n <= 0 ? null : n;
}

/** The HostConfig fields of the limits (Docker's names; 0 / null = not set). */
export interface Resources {
  Memory: number;
  MemorySwap: number; // memory + swap; -1 unlimited swap; 0 unset (Docker then uses 2 × Memory)
  NanoCpus: number;
  CpuShares: number;
  PidsLimit: number | null;
  /** Issue 13 (runflags.ts): absent = not set. */
  CpusetCpus?: string;
  CpusetMems?: string;
  MemoryReservation?: number;
  /** --device: extra devices-cgroup rules ("c 1:11 rw"), computed at start. */
  DeviceRules?: string[];
}

export const NO_LIMITS: Resources = { Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: null };

export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
}

/** Validates every limit flag (before anything is created). */
export function parseResources(f: ResourceFlags, ncpu = cpus().length): Resources {
  const r: Resources = { ...NO_LIMITS };
  if (f.memory !== undefined) {
    r.Memory = parseMemorySize(f.memory, '--memory');
    if (r.Memory > 0 && r.Memory < MIN_MEMORY) throw new DaemonError('Minimum memory limit allowed is 6MB');
  }
  if (f.memorySwap !== undefined) {
    r.MemorySwap = f.memorySwap === '-1' ? -1 : parseMemorySize(f.memorySwap, '--memory-swap');
    if (r.MemorySwap !== 0 && r.Memory === 0) throw new DaemonError('You should always set the Memory limit when using Memoryswap limit, see usage');
    if (r.MemorySwap > 0 && r.MemorySwap < r.Memory) throw new DaemonError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (f.cpus !== undefined) r.NanoCpus = parseCpus(f.cpus, ncpu);
  if (f.cpuShares !== undefined) r.CpuShares = parseCpuShares(f.cpuShares);
  if (f.pidsLimit !== undefined) r.PidsLimit = parsePidsLimit(f.pidsLimit);
  return r;
}

/** Resources of a record written before limits existed. */
export function resourcesOf(hc: Partial<Resources>): Resources {
  return {
    Memory: hc.Memory ?? 0,
    MemorySwap: hc.MemorySwap ?? 0,
    NanoCpus: hc.NanoCpus ?? 0,
    CpuShares: hc.CpuShares ?? 0,
    PidsLimit: hc.PidsLimit ?? null,
    ...(hc.CpusetCpus ? { CpusetCpus: hc.CpusetCpus } : {}),
    ...(hc.CpusetMems ? { CpusetMems: hc.CpusetMems } : {}),
    ...(hc.MemoryReservation ? { MemoryReservation: hc.MemoryReservation } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// What to write, per version (pure)
// ---------------------------------------------------------------------------------------

export const CFS_PERIOD_US = 100_000;

/** Docker's device allowlist (moby oci/defaults.go DefaultLinuxSpec + runc's defaults). */
export const DEVICE_ALLOW = [
  'c *:* m', 'b *:* m', // mknod is allowed, using the node is not
  'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', // null zero full random urandom
  'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', // tty console ptmx pts
  'c 10:200 rwm', // tun
];

/**
 * cgroup v2 has no devices controller file: there the shim attaches these rules to the
 * container's cgroup as a BPF device program (docs/shim.md, `devallow`). None for --privileged.
 */
export function v2DeviceRules(privileged: boolean, extra: string[] = []): string[] {
  return layout().version === 2 && !privileged ? [...DEVICE_ALLOW, ...extra] : [];
}

export type Write = [controller: string, file: string, value: string];

/** cgroup v1: files in each controller's hierarchy, in the order they must be written. */
export function v1Writes(r: Resources, privileged = false): Write[] {
  const w: Write[] = [];
  if (r.Memory > 0) {
    w.push(['memory', 'memory.limit_in_bytes', String(r.Memory)]);
    // memsw = memory + swap; Docker's default when only --memory is given: as much swap again.
    const memsw = r.MemorySwap === 0 ? 2 * r.Memory : r.MemorySwap;
    w.push(['memory', 'memory.memsw.limit_in_bytes', String(memsw)]);
  }
  if (r.NanoCpus > 0) {
    w.push(['cpu', 'cpu.cfs_period_us', String(CFS_PERIOD_US)]);
    w.push(['cpu', 'cpu.cfs_quota_us', String(Math.round((r.NanoCpus * CFS_PERIOD_US) / 1e9))]);
  }
  if (r.CpuShares > 0) w.push(['cpu', 'cpu.shares', String(r.CpuShares)]);
  if (r.PidsLimit !== null) w.push(['pids', 'pids.max', String(r.PidsLimit)]);
  if (r.MemoryReservation) w.push(['memory', 'memory.soft_limit_in_bytes', String(r.MemoryReservation)]);
  if (r.CpusetMems) w.push(['cpuset', 'cpuset.mems', r.CpusetMems]);
  if (r.CpusetCpus) w.push(['cpuset', 'cpuset.cpus', r.CpusetCpus]);
  if (!privileged) {
    w.push(['devices', 'devices.deny', 'a']);
    for (const d of [...DEVICE_ALLOW, ...(r.DeviceRules ?? [])]) w.push(['devices', 'devices.allow', d]);
  }
  return w;
}

/** cgroup v1 shares (2…262144) to v2 weight (1…10000), as runc/crun convert them. */
export function sharesToWeight(shares: number): number {
  return shares === 0 ? 0 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** cgroup v2: files in the container's cgroup (the controller is the file's prefix). */
export function v2Writes(r: Resources): Write[] {
  const w: Write[] = [];
  if (r.Memory > 0) {
    w.push(['memory', 'memory.max', String(r.Memory)]);
    // v2 limits swap alone: memory.swap.max = (memory + swap) - memory.
    const memsw = r.MemorySwap === 0 ? 2 * r.Memory : r.MemorySwap;
    w.push(['memory', 'memory.swap.max', memsw === -1 ? 'max' : String(memsw - r.Memory)]);
  }
  if (r.NanoCpus > 0) w.push(['cpu', 'cpu.max', `${Math.round((r.NanoCpus * CFS_PERIOD_US) / 1e9)} ${CFS_PERIOD_US}`]);
  if (r.CpuShares > 0) w.push(['cpu', 'cpu.weight', String(sharesToWeight(r.CpuShares))]);
  if (r.PidsLimit !== null) w.push(['pids', 'pids.max', String(r.PidsLimit)]);
  if (r.MemoryReservation) w.push(['memory', 'memory.low', String(r.MemoryReservation)]);
  if (r.CpusetMems) w.push(['cpuset', 'cpuset.mems', r.CpusetMems]);
  if (r.CpusetCpus) w.push(['cpuset', 'cpuset.cpus', r.CpusetCpus]);
  return w;
}

/** Which controllers a set of limits needs. */
function neededControllers(writes: Write[]): string[] {
  return [...new Set(writes.map((w) => w[0]))];
}

// ---------------------------------------------------------------------------------------
// The host's cgroup layout
// ---------------------------------------------------------------------------------------

const CGROUP2_SUPER_MAGIC = 0x63677270;
/** v1 controllers minidock puts containers in (cpuacct and blkio for `stats`, freezer for `pause`). */
const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices', 'freezer'];

export type Layout =
  | { version: 1; mounts: Map<string, string> } // controller → mount point
  | { version: 2; root: string };

/** Parses /proc/self/mountinfo for the cgroup v1 mounts: controller → mount point. */
export function v1Mounts(mountinfo: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup') continue;
    const mountPoint = line.split(' ')[4].replace(/\\040/g, ' ');
    for (const opt of superOpts.split(',')) if ((V1_CONTROLLERS.includes(opt) || opt === 'cpuset') && !out.has(opt)) out.set(opt, mountPoint);
  }
  return out;
}

const CGROUP_SUPER_MAGIC = 0x27e0eb;

/**
 * The v1 hierarchies this process is in (/proc/self/cgroup, "ID:CONTROLLERS:PATH": a few hundred
 * bytes) at their usual mount points, /sys/fs/cgroup/CONTROLLERS (systemd's layout, and
 * Docker's), each checked to be a cgroup v1 mount; undefined when one is not (another layout:
 * mountinfo tells). mountinfo itself grows with every mount, a netns bind mount per container:
 * ~0.5 ms to read with 100 containers, in every run, stop and rm.
 */
export function v1UsualMounts(procCgroup: string, isV1Mount: (dir: string) => boolean): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const controllers = line.split(':')[1];
    if (!controllers || controllers.startsWith('name=')) continue;
    const dir = `/sys/fs/cgroup/${controllers}`;
    for (const c of controllers.split(',')) {
      if (!V1_CONTROLLERS.includes(c) && c !== 'cpuset') continue;
      if (!isV1Mount(dir)) return undefined;
      if (!out.has(c)) out.set(c, dir);
    }
  }
  return out;
}

const isV1Mount = (dir: string): boolean => fsTypeIs(dir, CGROUP_SUPER_MAGIC);

let cachedLayout: Layout | undefined;

/**
 * cgroup v2 when /sys/fs/cgroup is cgroup2 (most current distributions), else v1 (this
 * machine). MINIDOCK_CGROUP_ROOT names another cgroup2 mount to use instead (tests).
 */
export function layout(): Layout {
  if (cachedLayout) return cachedLayout;
  const override = process.env.MINIDOCK_CGROUP_ROOT;
  if (override) {
    if (!isCgroup2(override)) throw new UserError(`MINIDOCK_CGROUP_ROOT=${override} is not a cgroup2 mount`);
    return (cachedLayout = { version: 2, root: override });
  }
  if (isCgroup2('/sys/fs/cgroup')) return (cachedLayout = { version: 2, root: '/sys/fs/cgroup' });
  const usual = v1UsualMounts(readText('/proc/self/cgroup') ?? '', isV1Mount);
  if (usual) return (cachedLayout = { version: 1, mounts: usual });
  let info = '';
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    /* no /proc: no cgroups */
  }
  return (cachedLayout = { version: 1, mounts: v1Mounts(info) });
}

const isCgroup2 = (path: string): boolean => fsTypeIs(path, CGROUP2_SUPER_MAGIC);

function fsTypeIs(path: string, magic: number): boolean {
  try {
    return statfsSync(path).type === magic;
  } catch {
    return false;
  }
}

/** The controllers offered to minidock's cgroups on v2 (the root's cgroup.controllers). */
function v2Available(root: string): Set<string> {
  return new Set((readText(join(root, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean));
}

/** The flags the user gave that need controller c (named in a refusal). */
function flagsOf(c: string, r: Resources): string {
  const given: [boolean, string][] =
    c === 'memory' ? [[r.Memory > 0, '--memory'], [(r.MemoryReservation ?? 0) > 0, '--memory-reservation']]
    : c === 'cpu' ? [[r.NanoCpus > 0, '--cpus'], [r.CpuShares > 0, '--cpu-shares']]
    : c === 'pids' ? [[true, '--pids-limit']]
    : c === 'cpuset' ? [[!!r.CpusetCpus, '--cpuset-cpus'], [!!r.CpusetMems, '--cpuset-mems']]
    : [];
  return given.filter(([on]) => on).map(([, f]) => f).join('/') || c;
}

/** Refuses limits this host cannot enforce (before anything is created): a limit never silently lapses. */
export function checkResourcesSupported(r: Resources): void {
  const l = layout();
  if (l.version === 1) {
    for (const c of neededControllers(v1Writes(r, true))) {
      if (!l.mounts.has(c)) throw new UserError(`${flagsOf(c, r)}: the cgroup v1 ${c} controller is not mounted on this host`);
    }
    if (r.Memory > 0 && !existsSync(join(l.mounts.get('memory')!, 'memory.memsw.limit_in_bytes')) && r.MemorySwap !== 0 && r.MemorySwap !== -1) {
      throw new UserError('--memory-swap: this kernel does not account swap (boot with swapaccount=1)');
    }
    return;
  }
  const avail = v2Available(l.root);
  for (const c of neededControllers(v2Writes(r))) {
    if (!avail.has(c)) throw new UserError(`${flagsOf(c, r)}: the cgroup v2 ${c} controller is not available in ${l.root}`);
  }
}

/** The container's cgroup directories (one per v1 hierarchy, one on v2), existing or not. */
export function cgroupDirs(id: string): string[] {
  const l = layout();
  if (l.version === 2) return [join(l.root, 'minidock', id)];
  const dirs = V1_CONTROLLERS.filter((c) => l.mounts.has(c)).map((c) => join(l.mounts.get(c)!, 'minidock', id));
  // cpuset only for --cpuset-cpus/--cpuset-mems (a v1 cpuset cgroup starts empty: nothing can join it)
  const cs = l.mounts.get('cpuset');
  if (cs && existsSync(join(cs, 'minidock', id))) dirs.push(join(cs, 'minidock', id));
  return [...new Set(dirs)];
}

export function dirOf(id: string, controller: string): string | undefined {
  const l = layout();
  if (l.version === 2) return join(l.root, 'minidock', id);
  const m = l.mounts.get(controller);
  return m ? join(m, 'minidock', id) : undefined;
}

function write(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch (e) {
    throw new UserError(`cgroup: write ${value} to ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Creates the container's cgroup with its limits; returns the directories for the shim's
 * `cgroup` keys. On failure nothing is left behind.
 */
export function createCgroup(id: string, r: Resources, privileged = false): string[] {
  const l = layout();
  const dirs = cgroupDirs(id);
  try {
    if (l.version === 2) {
      // Controllers must be enabled top-down: the root's and minidock/'s subtree_control.
      const wanted = ['memory', 'cpu', 'pids', 'io', ...(r.CpusetCpus || r.CpusetMems ? ['cpuset'] : [])];
      const want = [...v2Available(l.root)].filter((c) => wanted.includes(c));
      mkdirSync(join(l.root, 'minidock'), { recursive: true });
      for (const parent of [l.root, join(l.root, 'minidock')]) {
        const enabled = new Set((readText(join(parent, 'cgroup.subtree_control')) ?? '').split(/\s+/));
        const missing = want.filter((c) => !enabled.has(c));
        if (missing.length) write(join(parent, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
      }
      mkdirSync(dirs[0], { recursive: true });
      for (const [, file, value] of v2Writes(r)) write(join(dirs[0], file), value);
    } else {
      for (const d of dirs) mkdirSync(d, { recursive: true });
      if (r.CpusetCpus || r.CpusetMems) dirs.push(v1CpusetDir(l.mounts.get('cpuset')!, id));
      for (const [c, file, value] of v1Writes(r, privileged)) {
        const d = dirOf(id, c);
        if (!d) continue; // checked by checkResourcesSupported for limits; devices is best effort
        // Without swap accounting there is no memsw file: fine unless a swap limit was asked.
        if (file === 'memory.memsw.limit_in_bytes' && r.MemorySwap <= 0 && !existsSync(join(d, file))) continue;
        write(join(d, file), value);
      }
    }
  } catch (e) {
    removeCgroup(id);
    throw e;
  }
  return dirs;
}

/**
 * `update`: the new limits into the container's existing cgroup (devices untouched). v1 holds
 * memory ≤ memory+swap at every instant, so when the memory limit rises past the current
 * memory+swap limit that one is written first.
 */
export function updateCgroup(id: string, r: Resources, unlimitPids = false): void {
  const l = layout();
  // (the write lists leave an unset limit alone: a pids limit lifted is written as such)
  const lift: Write[] = unlimitPids ? [['pids', 'pids.max', 'max']] : [];
  if (l.version === 2) {
    const dir = cgroupDirs(id)[0]!;
    for (const [, file, value] of [...v2Writes(r), ...lift]) write(join(dir, file), value);
    return;
  }
  const writes = [...v1Writes(r, true), ...lift];
  const memDir = dirOf(id, 'memory');
  const memsw = memDir ? Number(readText(join(memDir, 'memory.memsw.limit_in_bytes')) ?? NaN) : NaN;
  if (r.Memory > memsw) writes.sort((a, b) => Number(b[1] === 'memory.memsw.limit_in_bytes') - Number(a[1] === 'memory.memsw.limit_in_bytes'));
  for (const [c, file, value] of writes) {
    const d = dirOf(id, c);
    if (!d) continue;
    if (file === 'memory.memsw.limit_in_bytes' && r.MemorySwap <= 0 && !existsSync(join(d, file))) continue;
    write(join(d, file), value);
  }
}

/**
 * v1: the container's cpuset cgroup, with cpus and mems first copied from its parent (a new v1
 * cpuset cgroup has none, and minidock/ gets the root's), so a flag that sets one leaves the
 * other as the host's.
 */
function v1CpusetDir(mount: string, id: string): string {
  const parent = join(mount, 'minidock');
  const dir = join(parent, id);
  mkdirSync(dir, { recursive: true });
  for (const [from, to] of [[mount, parent], [parent, dir]]) {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if ((readText(join(to, f)) ?? '').trim() === '') write(join(to, f), (readText(join(from, f)) ?? '').trim() || '0');
    }
  }
  return dir;
}

/** The existing directories (for `exec`, which joins the container's cgroups). */
export function existingCgroupDirs(id: string): string[] {
  try {
    return cgroupDirs(id).filter((d) => existsSync(d));
  } catch {
    return [];
  }
}

/** Whether the kernel's OOM killer killed a process of the container's cgroup. */
export function oomKilled(id: string): boolean {
  const d = dirOf(id, 'memory');
  if (!d) return false;
  const text = readText(join(d, layout().version === 2 ? 'memory.events' : 'memory.oom_control')) ?? '';
  const m = /^oom_kill (\d+)$/m.exec(text);
  return !!m && Number(m[1]) > 0;
}

/**
 * Removes the container's cgroup (every hierarchy). With a PID namespace of its own its
 * processes are gone once the shim reaped PID 1 (the kernel kills the rest of the namespace
 * first), but the kernel may take a moment to let go of the last one: a few retries on EBUSY.
 * A container sharing a PID namespace (--pid host, --pid container:) can leave PID 1's
 * children behind in its cgroup, which would then outlive `rm` with it: on the first EBUSY
 * what is left is killed (as runc does for such containers). Never throws.
 */
export function removeCgroup(id: string): void {
  let dirs: string[] = [];
  try {
    dirs = cgroupDirs(id);
  } catch {
    return;
  }
  let killed = false;
  for (const d of dirs) {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(d);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || i === 49) break;
        if (!killed) killLeftovers(id, dirs);
        killed = true;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
  }
}

function tryWrite(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    /* gone meanwhile, or an older kernel without the file */
  }
}

/**
 * SIGKILLs every process still in the container's cgroup: v2's cgroup.kill where the kernel has
 * it (5.14+: one atomic write), else frozen first, so that none of the pids read can exit and be
 * reused before its signal arrives, then killed and thawed (runc's signalAllProcesses).
 */
function killLeftovers(id: string, dirs: string[]): void {
  const l = layout();
  const v2 = l.version === 2 ? join(l.root, 'minidock', id) : undefined;
  if (v2 && existsSync(join(v2, 'cgroup.kill'))) return tryWrite(join(v2, 'cgroup.kill'), '1');
  const freeze = v2 ? join(v2, 'cgroup.freeze') : join(dirOf(id, 'freezer') ?? '/nonexistent', 'freezer.state');
  const [frozen, thawed] = v2 ? ['1', '0'] : ['FROZEN', 'THAWED'];
  if (existsSync(freeze)) tryWrite(freeze, frozen);
  const pids = new Set(dirs.flatMap((d) => (readText(join(d, 'cgroup.procs')) ?? '').split(/\s+/).map(Number).filter((p) => p > 0)));
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (existsSync(freeze)) tryWrite(freeze, thawed);
}

/**
 * After the container's process ended: whether it was OOM-killed (undefined when it had no
 * cgroup), then the cgroup is removed.
 */
export function releaseCgroup(id: string): boolean | undefined {
  if (existingCgroupDirs(id).length === 0) return undefined;
  const oom = oomKilled(id);
  removeCgroup(id);
  return oom;
}

/** Container ids that have a cgroup under minidock/ (for `system prune`). */
export function listCgroupIds(): string[] {
  const l = layout();
  const parents = l.version === 2 ? [join(l.root, 'minidock')] : [...new Set([...l.mounts.values()])].map((m) => join(m, 'minidock'));
  const ids = new Set<string>();
  for (const p of parents) {
    try {
      for (const n of readdirSync(p)) if (/^[0-9a-f]{64}$/.test(n)) ids.add(n);
    } catch {
      /* none */
    }
  }
  return [...ids];
}

// ---------------------------------------------------------------------------------------
// Reading usage (stats)
// ---------------------------------------------------------------------------------------

export interface Usage {
  cpuNs: number; // total CPU time used, ns
  memUsage: number; // bytes, without the inactive page cache (as Docker shows it)
  memLimit: number; // bytes (the host's memory when unlimited)
  pids: number;
  blkRead: number;
  blkWrite: number;
}

function num(text: string | undefined): number {
  const n = Number((text ?? '').trim());
  return Number.isFinite(n) ? n : 0;
}

function statField(text: string | undefined, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '');
  return m ? Number(m[1]) : 0;
}

/** Bytes received and sent on each of a process's network interfaces but lo (its netns's /proc/PID/net/dev). */
export function readNetIO(pid: number): Record<string, { rx: number; tx: number; rxPackets: number; txPackets: number }> {
  const out: Record<string, { rx: number; tx: number; rxPackets: number; txPackets: number }> = {};
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return out; // gone
  }
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    out[name.trim()] = { rx: f[0], rxPackets: f[1], tx: f[8], txPackets: f[9] };
  }
  return out;
}

export function readUsage(id: string, hostMem: number): Usage {
  const l = layout();
  const u: Usage = { cpuNs: 0, memUsage: 0, memLimit: hostMem, pids: 0, blkRead: 0, blkWrite: 0 };
  if (l.version === 2) {
    const d = join(l.root, 'minidock', id);
    u.cpuNs = statField(readText(join(d, 'cpu.stat')), 'usage_usec') * 1000;
    u.memUsage = Math.max(0, num(readText(join(d, 'memory.current'))) - statField(readText(join(d, 'memory.stat')), 'inactive_file'));
    const max = readText(join(d, 'memory.max'))?.trim();
    if (max && max !== 'max') u.memLimit = Math.min(Number(max), hostMem);
    u.pids = num(readText(join(d, 'pids.current')));
    for (const line of (readText(join(d, 'io.stat')) ?? '').split('\n')) {
      u.blkRead += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
      u.blkWrite += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
    }
    return u;
  }
  const at = (c: string, f: string) => {
    const d = dirOf(id, c);
    return d ? readText(join(d, f)) : undefined;
  };
  u.cpuNs = num(at('cpuacct', 'cpuacct.usage'));
  u.memUsage = Math.max(0, num(at('memory', 'memory.usage_in_bytes')) - statField(at('memory', 'memory.stat'), 'total_inactive_file'));
  const lim = num(at('memory', 'memory.limit_in_bytes'));
  if (lim > 0) u.memLimit = Math.min(lim, hostMem);
  u.pids = num(at('pids', 'pids.current'));
  for (const line of (at('blkio', 'blkio.throttle.io_service_bytes_recursive') ?? '').split('\n')) {
    const m = /^\S+ (Read|Write) (\d+)$/.exec(line);
    if (m) m[1] === 'Read' ? (u.blkRead += Number(m[2])) : (u.blkWrite += Number(m[2]));
  }
  return u;
}
