// The container record on disk, and how its true state is read.
//
// container.json holds what minidock decided (config, network settings). What actually
// happened to the process is written by the shim, not by the CLI: `pid` once the process
// runs and `exit` when it ends. The state is computed from those files and /proc on every
// read, so `ps` tells the truth even when a CLI, the shim or the whole host died.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { CorruptStateError, fsyncPath, parseState, readState, readText, writeJsonAtomic } from '../../state/atomic.js';
import { readIn, type Reads } from '../../state/readmany.js';
import { paths, under } from '../../state/paths.js';
import { bootTimeMs, startTicksOf } from '../../state/process.js';
import { UserError } from '../../errors.js';
import type { NetworkSettings, PortBinding } from '../network/types.js';
import type { MountPoint, MountSpec } from '../volume/mounts.js';

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'removing';

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Image: string;
  WorkingDir: string;
  Tty: boolean;
  OpenStdin: boolean;
  AttachStdin: boolean;
  Labels: Record<string, string>;
  /** Docker's attach fields (absent in records written before them: shown false). */
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  StdinOnce?: boolean;
  /** Issue 13 run flags (runflags.ts); absent = not given. */
  MacAddress?: string;
  StopSignal?: string;
  StopTimeout?: number;
  /** The image's EXPOSE ports, -p's and --expose's container ports, Docker's "80/tcp" keys. */
  ExposedPorts?: Record<string, Record<string, never>>;
  /** --health-* merged with the image's HEALTHCHECK (Docker's field); absent: none. */
  Healthcheck?: import('./health.js').HealthConfig;
  /** The image's VOLUMEs and -v /path (anonymous volumes), as Docker's Config.Volumes. */
  Volumes?: Record<string, Record<string, never>>;
}

export interface HostConfig {
  AutoRemove: boolean;
  Binds: string[];
  Tmpfs: Record<string, string>;
  NetworkMode: string;
  PortBindings: PortBinding[];
  ReadonlyRootfs: boolean;
  /** minidock's own: --ip, --ip6 and --network-alias, kept so `start` wires the same way. */
  IPAddress?: string;
  IPv6Address?: string;
  /** Limits and privileges (issue 7); absent in older records = Docker's defaults. */
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  PidsLimit?: number | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean;
  SecurityOpt?: string[] | null;
  Aliases?: string[];
  /** -P was given (older records: absent = false). */
  PublishAllPorts?: boolean;
  /** No --network was given: Docker shows NetworkMode "default" (the default bridge). */
  DefaultNetwork?: boolean;
  /** --log-driver/--log-opt (Docker's field); absent = json-file, no rotation. */
  LogConfig?: { Type: 'json-file' | 'none'; Config: Record<string, string> };
  /** --link, as "name:alias" (resolved at each start: links.ts). */
  Links?: string[];
  /** --init: a tiny init as PID 1 (the shim's, as Docker's tini). */
  Init?: boolean;
  /** --restart (Docker's field); absent = "no". */
  RestartPolicy?: RestartPolicy;
  /**
   * `network disconnect` from the NetworkMode network (Docker keeps NetworkMode, but the
   * container no longer joins it at start); a `network connect` to it clears this. Absent = joined.
   */
  PrimaryDisconnected?: boolean;
  /** A TTY container's pty size at start, [rows, cols] (the Engine API's ConsoleSize; absent: the CLI's terminal's) */
  ConsoleSize?: [number, number];
  /** Networks joined with `network connect`, joined again on every start (Docker keeps them too). */
  ExtraNetworks?: { Name: string; Aliases?: string[]; IPAddress?: string; IPv6Address?: string }[];
  /** Issue 13 run flags (runflags.ts); absent = not given. */
  ExtraHosts?: string[];
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  Sysctls?: Record<string, string>;
  Ulimits?: { Name: string; Hard: number; Soft: number }[];
  ContainerIDFile?: string;
  ShmSize?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  MemoryReservation?: number;
  GroupAdd?: string[];
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  /** --mount specs as given (Docker's HostConfig.Mounts) and --volumes-from. */
  Mounts?: MountSpec[];
  VolumesFrom?: string[];
}

export interface RestartPolicy {
  Name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

export interface ContainerRecord {
  Id: string;
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  Image: string; // image id (sha256:…)
  ImageRef: string; // what the user typed, normalised for display
  LayerDirs: string[]; // bottom-most first
  Config: ContainerConfig;
  HostConfig: HostConfig;
  NetworkSettings: NetworkSettings | null;
  /** Set by start; the truth about the process comes from the pid/exit files. */
  StartedAt: string;
  /** True while network/mounts set up for a run are still held (teardown pending). */
  Wired: boolean;
  RestartCount: number;
  /** minidock's own: the restart backoff reached so far (moby's restartmanager timeout), in ms. */
  RestartTimeoutMs?: number;
  /** Read from the cgroup when the process ended (runtime/cgroups.ts); unset while it runs. */
  OOMKilled?: boolean;
  /** Every mount of the container, resolved at create (Docker's MountPoints); absent in older records (binds only). */
  MountPoints?: MountPoint[];
}

export interface ContainerState {
  Status: Status;
  Running: boolean;
  /** Frozen by `pause` (Status "paused"; Running stays true, as in Docker). */
  Paused: boolean;
  /** Between a run that ended and the restart its policy asked for (Running stays true, as in Docker). */
  Restarting?: boolean;
  Pid: number;
  ExitCode: number;
  StartedAt: string;
  FinishedAt: string;
  Error: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Names of the files in a container's directory that `ps` reads for every container. */
const names = { record: 'container.json', pid: 'pid', exit: 'exit', removing: 'removing', paused: 'paused' };

export const files = {
  dir: (id: string) => paths.container(id),
  record: (id: string) => under(paths.container(id), names.record),
  pid: (id: string) => under(paths.container(id), names.pid),
  exit: (id: string) => under(paths.container(id), names.exit),
  log: (id: string) => under(paths.container(id), 'json.log'),
  shimConfig: (id: string) => under(paths.container(id), 'shim.config'),
  upper: (id: string) => under(paths.container(id), 'upper'),
  work: (id: string) => under(paths.container(id), 'work'),
  rootfs: (id: string) => under(paths.container(id), 'rootfs'),
  hosts: (id: string) => under(paths.container(id), 'hosts'),
  hostname: (id: string) => under(paths.container(id), 'hostname'),
  resolv: (id: string) => under(paths.container(id), 'resolv.conf'),
  removing: (id: string) => under(paths.container(id), names.removing),
  /** Made (empty) at create for a --rm container, whose record is never fsynced. */
  autoRemove: (id: string) => under(paths.container(id), 'autoremove'),
  /** Written by `pause` once the freezer says frozen, removed by `unpause`, kill, stop and start. */
  paused: (id: string) => under(paths.container(id), names.paused),
  /** Written by the shim when a restart policy restarts the container (readRestarting). */
  restarting: (id: string) => under(paths.container(id), 'restarting'),
  /** Docker's HasBeenManuallyStopped: stop/kill made it; the shim then does not restart. */
  stopped: (id: string) => under(paths.container(id), 'stopped'),
  /** State.Health as the watcher writes it after each probe (--health-*). */
  health: (id: string) => under(paths.container(id), 'health'),
  /** The exec config of the health probes (the PID is given apart). */
  healthConfig: (id: string) => under(paths.container(id), 'health.config'),
  /** `stop`/`rm -f` will clean up after the exit, not the shim's exit command (claim.ts). */
  cleanupClaim: (id: string) => under(paths.container(id), 'cleanup.claim'),
  /** The shim's attach socket while the container runs (attach.ts, docs/shim.md "Attaching"). */
  attachSock: (id: string) => under(paths.container(id), 'attach.sock'),
};

/** The record of container `id` (`text`: its container.json, when read already). */
export function loadRecord(id: string, text?: string): ContainerRecord | undefined {
  // No container.json: a create killed half-way, not a container (system prune finishes it).
  // Nor is a --rm container's record damaged by a power loss: it was never fsynced, and the
  // container is gone with the boot (system prune removes the rest, as Docker removes it).
  const recover = `remove the directory ${files.dir(id)} to drop that container`;
  try {
    return text === undefined ? readState<ContainerRecord>(files.record(id), recover) : parseState<ContainerRecord>(files.record(id), text, recover);
  } catch (e) {
    if (e instanceof CorruptStateError && existsSync(files.autoRemove(id)) && statSync(files.record(id)).mtimeMs < bootTimeMs()) return undefined;
    throw e;
  }
}

/**
 * What a write of the record changes, which decides whether it must survive a power loss
 * (docs/architecture.md, "Durability"): `create` and `config` (the container and what it was
 * told: create, network connect/disconnect) are fsynced, except for a --rm container, which is
 * removed when it exits anyway. `state` (StartedAt, Wired, NetworkSettings, OOMKilled: facts of
 * one run, moot after a power loss, written four times on `run`'s clock) is not.
 */
export type RecordChange = 'create' | 'config' | 'state';

export function saveRecord(rec: ContainerRecord, change: RecordChange): void {
  const durable = change !== 'state' && !rec.HostConfig.AutoRemove;
  writeJsonAtomic(files.record(rec.Id), rec, durable);
  if (durable && change === 'create') fsyncPath(paths.containers()); // the new directory's name
}

export function allIds(): string[] {
  try {
    return readdirSync(paths.containers()).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}

export function allRecords(): ContainerRecord[] {
  const ids = allIds();
  const reads = readIn(ids.map(files.dir), [names.record]);
  const out: ContainerRecord[] = [];
  ids.forEach((id, i) => {
    const text = reads.text(i);
    // a record that could not be read (other than missing) is read again alone, to fail as that does
    const rec = text !== undefined ? loadRecord(id, text) : reads.code(i) === 'ENOENT' ? undefined : loadRecord(id);
    if (rec) out.push(rec);
  });
  return out;
}

/** Docker's lookup order: full id, exact name, then unique id prefix. */
export function findContainer(ref: string): ContainerRecord | undefined {
  // A full id comes first in Docker's order: read that one record, not all of them (scripts
  // pass the id `run -d` printed; with 100 containers the scan is most of the command's time).
  if (/^[0-9a-f]{64}$/.test(ref)) {
    const rec = loadRecord(ref);
    if (rec) return rec;
  }
  const name = ref.startsWith('/') ? ref.slice(1) : ref;
  const recs = allRecords();
  const byId = recs.find((r) => r.Id === ref);
  if (byId) return byId;
  const byName = recs.find((r) => r.Name === name);
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref)) {
    const matches = recs.filter((r) => r.Id.startsWith(ref));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw new UserError(`Error response from daemon: multiple IDs found with provided prefix: ${ref}`);
  }
  return undefined;
}

export function mustFind(ref: string): ContainerRecord {
  const r = findContainer(ref);
  if (!r) throw new UserError(`Error response from daemon: No such container: ${ref}`, 1);
  return r;
}

/** Start time in ms since the epoch of the live process whose /proc/PID/stat `stat` is. */
function startMsOf(stat: string | undefined): number | undefined {
  const ticks = stat === undefined ? undefined : startTicksOf(stat);
  if (ticks === undefined) return undefined;
  return bootTimeMs() + (Number(ticks) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The shim's pid file: "CONTAINER_PID SHIM_PID", and when it was written. */
interface PidFile {
  pid: number;
  shim: number;
  writtenMs: number;
}

/** The pid file read as reads' entry i (none, or removed meanwhile: a new start). */
function pidFileOf(reads: Reads, i: number): PidFile | undefined {
  const text = reads.text(i);
  if (text === undefined) return undefined;
  const [pid, shim] = text.trim().split(/\s+/).map(Number);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, shim, writtenMs: reads.mtimeMs(i) };
}

/** The container's PID, if that very process (its /proc/PID/stat `stat`) is still alive. */
function liveOf(pf: PidFile | undefined, stat: string | undefined): number | undefined {
  if (!pf) return undefined;
  const started = startMsOf(stat);
  if (started === undefined) return undefined;
  // Guard against PID reuse (after a reboot, or a long time): the process must have started
  // around when the shim wrote the pid file.
  return Math.abs(pf.writtenMs - started) > 5_000 ? undefined : pf.pid;
}

/** /proc/PID/stat of each of `pids`, read together. */
const procStats = (pids: number[]) => readIn(pids.map((p) => `/proc/${p}`), ['stat']);

/** The PID in the pid file, if that very process is still alive. */
export function livePid(id: string): number | undefined {
  const pf = pidFileOf(readIn([files.dir(id)], [names.pid]), 0);
  return pf && liveOf(pf, procStats([pf.pid]).text(0));
}

/** The shim watching the container is still alive. */
function watcherAlive(pf: PidFile): boolean {
  if (!Number.isInteger(pf.shim) || pf.shim <= 0) return false;
  return (readText(`/proc/${pf.shim}/cmdline`) ?? '').includes('minidock-shim');
}

export interface ExitInfo {
  code: number;
  finishedAt: string;
  /** The shim removed the netns it had created (see teardownContainerNetwork). */
  netnsRemoved: boolean;
}

export function readExit(id: string): ExitInfo | undefined {
  return exitOf(readText(files.exit(id)));
}

function exitOf(text: string | undefined): ExitInfo | undefined {
  if (!text) return undefined;
  const [code, nanos, flag] = text.trim().split(/\s+/);
  const ms = Number(BigInt(nanos ?? '0') / 1_000_000n);
  return { code: Number(code), finishedAt: new Date(ms).toISOString(), netnsRemoved: flag === 'netns-removed' };
}

/**
 * The process's environment, as Docker's CreateDaemonEnvironment: PATH, then HOSTNAME (which
 * Config.Env does not hold), then Config.Env over them. Records written before this kept
 * HOSTNAME in Config.Env: the merge gives the same result for them.
 */
export function processEnv(rec: ContainerRecord, linkEnv: string[] = []): string[] {
  const env = rec.Config.Env;
  const out = new Map<string, string>();
  // Docker's CreateDaemonEnvironment: PATH, HOSTNAME, TERM=xterm with -t, the --link
  // variables, then Config.Env (replacing in place, else appended)
  const term = rec.Config.Tty ? ['TERM=xterm'] : [];
  for (const e of [...env.filter((x) => x.startsWith('PATH=')), `HOSTNAME=${rec.Config.Hostname}`, ...term, ...linkEnv, ...env]) {
    const eq = e.indexOf('=');
    out.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  return [...out.values()];
}

export interface RestartingInfo {
  /** The shim's restarter (sleeping its backoff), then the `minidock internal-restart` it became. */
  holder: number;
  count: number;
  timeoutMs: number;
  code: number;
  finishedAt: string;
}

/** The restart the shim planned, while its restarter still lives. */
export function readRestarting(id: string): RestartingInfo | undefined {
  const text = readText(files.restarting(id));
  if (!text) return undefined;
  const [holder, count, timeoutMs, code, nanos] = text.trim().split(/\s+/);
  const pid = Number(holder);
  if (!(pid > 1) || !/minidock/.test(readText(`/proc/${pid}/cmdline`) ?? '')) return undefined;
  const ms = Number(BigInt(nanos ?? '0') / 1_000_000n);
  return { holder: pid, count: Number(count), timeoutMs: Number(timeoutMs), code: Number(code), finishedAt: new Date(ms).toISOString() };
}

/** The restarter is still the shim's sleeping child (not yet minidock's start). */
export function restarterSleeping(pid: number): boolean {
  return (readText(`/proc/${pid}/cmdline`) ?? '').includes('minidock-shim');
}

export function stateOf(rec: ContainerRecord): ContainerState {
  return statesOf([rec])[0];
}

/** Each record's state; the files that tell it read together (`ps` asks for all of them). */
export function statesOf(recs: ContainerRecord[]): ContainerState[] {
  const asked = [names.removing, names.exit, names.pid, names.paused];
  const reads = readIn(recs.map((r) => files.dir(r.Id)), asked);
  const facts = recs.map((_, i): StateFiles => {
    const at = i * asked.length;
    return { removing: reads.text(at) !== undefined, exit: exitOf(reads.text(at + 1)), pf: pidFileOf(reads, at + 2), paused: reads.text(at + 3) !== undefined };
  });
  // the liveness of those that may run, in a second round: their pids are known now
  const mayRun = facts.filter((f) => !f.removing && !f.exit && f.pf);
  const stats = procStats(mayRun.map((f) => f.pf!.pid));
  mayRun.forEach((f, i) => (f.stat = stats.text(i)));
  return recs.map((rec, i) => {
    const st = processStateOf(rec, facts[i]);
    if (st.Running || st.Status === 'removing' || !rec.HostConfig.RestartPolicy) return st;
    const r = readRestarting(rec.Id);
    if (!r) return st;
    // Docker's SetRestarting: Running and Restarting, no PID, the last run's exit code and end.
    return { ...st, Status: 'restarting', Running: true, Restarting: true, Pid: 0, ExitCode: r.code, FinishedAt: r.finishedAt };
  });
}

/** A container's state files as read (in this order: a marker, then the exit, pid, process). */
interface StateFiles {
  removing: boolean;
  exit: ExitInfo | undefined;
  pf: PidFile | undefined;
  paused: boolean;
  /** /proc/PID/stat of the pid file's process, read when it may still run */
  stat?: string;
}

function processStateOf(rec: ContainerRecord, f: StateFiles): ContainerState {
  const base: ContainerState = {
    Status: 'created',
    Running: false,
    Paused: false,
    Pid: 0,
    ExitCode: 0,
    StartedAt: rec.StartedAt || ZERO_TIME,
    FinishedAt: ZERO_TIME,
    Error: '',
  };
  if (f.removing) return { ...base, Status: 'removing' };
  if (!rec.StartedAt) return base;
  if (f.exit) return { ...base, Status: 'exited', ExitCode: f.exit.code, FinishedAt: f.exit.finishedAt };
  const pf = f.pf;
  const pid = liveOf(pf, f.stat);
  if (pid) {
    // Only a live process can be paused; the marker of one that ended meanwhile means nothing.
    if (f.paused) return { ...base, Status: 'paused', Running: true, Paused: true, Pid: pid };
    return { ...base, Status: 'running', Running: true, Pid: pid };
  }
  // No pid file at all: it never got as far as running (Docker leaves such a one "created").
  if (!pf) return base;
  // The process is gone but its watcher still lives: the exit is being recorded right now.
  // (Pid stays the dead one: never 0, which process.kill would take as "my process group".)
  if (watcherAlive(pf)) return { ...base, Status: 'running', Running: true, Pid: pf.pid };
  // The watcher writes the exit record, then ends: one that ended since the first look above
  // has written it by now (else a wait that looked at that moment said 255, "vanished").
  const late = readExit(rec.Id);
  if (late) return { ...base, Status: 'exited', ExitCode: late.code, FinishedAt: late.finishedAt };
  // A pid file but neither an exit record nor a live process or watcher: the shim was killed
  // together with the container, or the host rebooted. Exited, code unknown — never a ghost.
  return { ...base, Status: 'exited', ExitCode: 255, FinishedAt: rec.StartedAt, Error: 'container process vanished' };
}
