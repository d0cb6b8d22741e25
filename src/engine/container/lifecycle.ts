// Container lifecycle: create → start → (running) → exited → removed.
//
// The CLI never holds a lock across a container's life: locks cover the short steps that
// read-modify-write shared state (names, the record, network allocations).
import { randomHex } from '../../state/random.js';
import { mkdirSync, rmSync, writeFileSync, existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { DaemonError, UserError } from '../../errors.js';
import { trace } from '../../state/trace.js';
import { pausePoint } from '../../state/pause.js';
import { withLock } from '../../state/lock.js';
import { removeTree } from '../../state/atomic.js';
import { ShimStart, exitCommand, initPath, restartCommand, writeShimConfig, type ShimConfig } from '../../runtime/shim.js';
import { createCgroup, layout as cgroupLayout, releaseCgroup, removeCgroup, resourcesOf, v2DeviceRules } from '../../runtime/cgroups.js';
import { securityShimConfig } from '../../runtime/security.js';
import { clearStaleNetwork, netnsPathOf, ownsNetns, setupContainerNetwork, teardownContainerNetwork } from '../network/index.js';
import type { ContainerRef, PortBinding } from '../network/types.js';
import { readNetwork } from '../network/networks.js';
import {
  files, findContainer, loadRecord, mustFind, processEnv, readExit, readRestarting, restarterSleeping, saveRecord, stateOf,
  type ContainerConfig, type ContainerRecord, type HostConfig,
} from './record.js';
import { claimName, nameHolder, releaseName } from './names.js';
import { lowerDirs } from './initlayer.js';
import { SIGNALS, linuxSignal, parseKillSignal, logRotation, generateName, resolveUserIn, parseUser, sortedGroups, validateName, type BindMount, type ResolvedUser } from './options.js';
import { layerFiles } from './rootfile.js';
import { thawAfterSignal } from './pause.js';
import { claimCleanup, claimedCleanupDone } from './claim.js';
import { containerAttrs, journal } from '../events.js';
import { deviceSetup, resolveGroupAdd, runFlagsShimConfig } from './runflags.js';
import { takeRecordedUpdates } from './update.js';
import { materialize, mountOrder, pointsOfRecord, shimMounts, type MountPlan, type ShimMount } from '../volume/mounts.js';

export interface CreateOptions {
  image: string; // image reference as typed
  imageId: string;
  imageDisplay: string;
  layerDirs: string[];
  name?: string;
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: string[];
  workdir: string;
  hostname?: string;
  user: string;
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  binds: BindMount[];
  tmpfs: Record<string, string>;
  network: string;
  ports: PortBinding[];
  ip?: string;
  ip6?: string;
  aliases?: string[];
  readonly: boolean;
  labels: Record<string, string>;
  /** `run -d` (create: false): Docker then attaches nothing (Config.Attach*). */
  detach?: boolean;
  exposedPorts?: Record<string, Record<string, never>>;
  /** Limits and privileges (HostConfig fields), validated by the CLI. */
  hostConfig?: Partial<HostConfig>;
  /** --health-* merged with the image's HEALTHCHECK. */
  healthcheck?: import('./health.js').HealthConfig;
  /** -a, or -d (nothing attached); absent: stdout and stderr, as Docker's default. */
  attachStreams?: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** Volumes and --mount (src/engine/volume/mounts.ts); absent: the binds only. */
  mountPlan?: MountPlan;
  /** Config fields of the issue-13 run flags (runflags.ts). */
  config?: Partial<ContainerConfig>;
}

function exposedField(ports: Record<string, Record<string, never>>): { ExposedPorts?: Record<string, Record<string, never>> } {
  return Object.keys(ports).length ? { ExposedPorts: ports } : {};
}

export function newId(): string {
  return randomHex(32);
}

export async function createContainer(o: CreateOptions): Promise<ContainerRecord> {
  const id = newId();
  const argv = [...(o.entrypoint ?? []), ...(o.cmd ?? [])];
  if (argv.length === 0) throw new UserError('No command specified');
  return withLock('containers', () => {
    // names.ts: one record read per name asked, not one per container there is
    let name: string;
    if (o.name) {
      name = validateName(o.name);
      const other = nameHolder(name);
      if (other) {
        throw new DaemonError(
          `Conflict. The container name "/${name}" is already in use by container "${other.Id}". You have to remove (or rename) that container to be able to reuse that name.`,
          1, // `create`'s code; main.ts makes it 125 for run, as Docker's run
        );
      }
    } else name = generateName((n) => nameHolder(n) !== undefined);
    const hostname = o.hostname ?? id.slice(0, 12);
    const mp = o.mountPlan;
    if (mp) materialize(mp.points); // under the containers lock: `volume rm` cannot race it
    const rec: ContainerRecord = {
      Id: id,
      Name: name,
      Created: new Date().toISOString(),
      Path: argv[0],
      Args: argv.slice(1),
      Image: o.imageId,
      ImageRef: o.imageDisplay,
      LayerDirs: o.layerDirs,
      Config: {
        Hostname: hostname,
        Domainname: '',
        User: o.user,
        // HOSTNAME is added when the process starts (processEnv), as Docker: not in Config.Env
        Env: o.env,
        Cmd: o.cmd,
        Entrypoint: o.entrypoint,
        Image: o.imageDisplay,
        WorkingDir: o.workdir,
        Tty: o.tty,
        OpenStdin: o.interactive,
        // Docker's CLI: stdout/stderr attached unless -d (or not named by -a); stdin with -i; StdinOnce = -i attached
        AttachStdin: o.attachStreams ? o.attachStreams.stdin : o.interactive && !o.detach,
        AttachStdout: o.attachStreams ? o.attachStreams.stdout : !o.detach,
        AttachStderr: o.attachStreams ? o.attachStreams.stderr : !o.detach,
        StdinOnce: o.interactive && !o.detach,
        Labels: o.labels,
        ...o.config,
        // the image's EXPOSE, -p's ports (o.exposedPorts) and --expose's (o.config)
        ...exposedField({ ...o.config?.ExposedPorts, ...o.exposedPorts }),
        ...(o.healthcheck ? { Healthcheck: o.healthcheck } : {}),
        ...(mp && Object.keys(mp.configVolumes).length ? { Volumes: mp.configVolumes } : {}),
      },
      HostConfig: {
        AutoRemove: o.autoRemove,
        Binds: mp ? mp.binds : o.binds.map((b) => `${b.source}:${b.target}${b.readonly ? ':ro' : ''}`),
        Tmpfs: o.tmpfs,
        NetworkMode: o.network,
        PortBindings: o.ports,
        ReadonlyRootfs: o.readonly,
        IPAddress: o.ip,
        ...(o.ip6 ? { IPv6Address: o.ip6 } : {}),
        Aliases: o.aliases,
        ...o.hostConfig,
        ...(mp?.mounts.length ? { Mounts: mp.mounts } : {}),
        ...(mp?.volumesFrom.length ? { VolumesFrom: mp.volumesFrom } : {}),
      },
      NetworkSettings: null,
      StartedAt: '',
      Wired: false,
      RestartCount: 0,
      ...(mp ? { MountPoints: mp.points } : {}),
    };
    // The upper dir's mode becomes the mode of the container's "/": 0755, or non-root users
    // could not even traverse it.
    mkdirSync(files.dir(id), { recursive: true, mode: 0o710 });
    for (const d of [files.upper(id), files.work(id), files.rootfs(id)]) mkdirSync(d, { mode: 0o755 });
    pausePoint('create:dir');
    if (rec.HostConfig.AutoRemove) writeFileSync(files.autoRemove(id), '');
    claimName(name, id); // before the record: a crash between leaves a stale entry, which names.ts ignores
    saveRecord(rec, 'create');
    journal({ Type: 'container', Action: 'create', ID: id, Attributes: containerAttrs(rec) });
    return rec;
  });
}

function containerRef(nameOrId: string): ContainerRef | undefined {
  const r = findContainer(nameOrId);
  if (!r) return undefined;
  const st = stateOf(r);
  return { id: r.Id, name: r.Name, running: st.Running, netnsPath: r.NetworkSettings?.SandboxKey ?? '' };
}

/** -u against the container's root before it is mounted: its upper dir, then layers top-down, resolved inside them. */
function containerUser(rec: ContainerRecord): ResolvedUser {
  const root = layerFiles([files.upper(rec.Id), ...[...rec.LayerDirs].reverse()]);
  try {
    const u = resolveUserIn(rec.Config.User ? parseUser(rec.Config.User) : undefined, root.read);
    if (rec.HostConfig.GroupAdd?.length) {
      const extra = resolveGroupAdd(rec.HostConfig.GroupAdd, root.read('/etc/group') ?? '');
      u.groups = sortedGroups([...u.groups, ...extra]);
    }
    return u;
  } finally {
    root.close();
  }
}

const HOSTS_HEADER = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

export interface StartOptions {
  detach: boolean;
  explain?: (line: string) => void;
  /** The start a restart policy asked for (restart.ts), not a user's. */
  byPolicy?: boolean;
  /** Foreground only: -a (which of stdout/stderr the CLI shows; default both) and --sig-proxy. */
  attach?: { stdout: boolean; stderr: boolean };
  sigProxy?: boolean;
  /**
   * Detached only: the shim relays nothing until a client has attached (attach.ts) — `start -a`
   * and the Engine API's attach-then-start see the first byte. Gives up after this many ms.
   */
  attachWaitMs?: number;
  /** A tty's first size, [rows, cols], when the record has no ConsoleSize (`run -it` at a terminal). */
  winsize?: [number, number];
}

/** A restart policy's start found the container stopped meanwhile (stop, kill, rm). */
export class RestartCanceled extends Error {}

/**
 * Wires the container (network, /etc files) and starts its process through the shim.
 * Detached: resolves once the process runs. Foreground: resolves with its exit code once it ends.
 *
 * When the container has a netns of its own, the shim starts first and creates it with the
 * process (which sets up its mounts meanwhile); the network is wired while the shim waits, and
 * go() lets the process run. A failure on either side undoes both.
 */
export async function startContainer(rec: ContainerRecord, opts: StartOptions): Promise<number> {
  const id = rec.Id;
  const user = containerUser(rec);
  let shim: ShimStart | undefined;
  // A bind source gone since create (or a volume): refused (not made), before anything, the
  // lock included. The first start copies the image's content into empty volumes (Docker
  // does it at create; minidock's root is mounted only in the shim).
  const mounts = shimMounts(pointsOfRecord(rec), !rec.StartedAt);

  await withLock(`c-${id}`, async () => {
    takeRecordedUpdates(rec); // an `update` since rec was read
    const st = stateOf(rec);
    if (st.Running && !(opts.byPolicy && st.Restarting)) throw new UserError(`container ${rec.Name} is already running`);
    if (opts.byPolicy) {
      if (existsSync(files.stopped(id)) || !existsSync(files.restarting(id))) throw new RestartCanceled();
    } else {
      // Docker: a user's start forgets the manual stop and resets the restart count and backoff.
      rmSync(files.stopped(id), { force: true });
      rmSync(files.restarting(id), { force: true });
      rec.RestartCount = 0;
      delete rec.RestartTimeoutMs;
    }
    if (rec.Wired) await unwire(rec); // left over from a crash, or a run a restart policy ends
    rmSync(files.pid(id), { force: true });
    rmSync(files.exit(id), { force: true });
    rmSync(files.paused(id), { force: true });
    rmSync(files.cleanupClaim(id), { force: true }); // an earlier run's: not this run's exit
    pausePoint('start:locked');
    // disconnected from its own network (network disconnect): a netns with only lo, as
    // --network none, which the networks it was connected to join after the start
    const mode = rec.HostConfig.PrimaryDisconnected ? 'none' : rec.HostConfig.NetworkMode || 'bridge';
    const ownNetns = ownsNetns(mode);
    if (ownNetns) await clearStaleNetwork(id);
    const links = await linksOf(rec); // before anything is made: a link to a stopped container is refused
    // --device: the host node's numbers, read now (runflags.ts); the cgroup lets it be used.
    const devices = rec.HostConfig.Devices?.length ? deviceSetup(rec.HostConfig.Devices) : undefined;
    const cgroups = createCgroup(id, devices ? { ...resourcesOf(rec.HostConfig), DeviceRules: devices.rules } : resourcesOf(rec.HostConfig), !!rec.HostConfig.Privileged);
    // From here on, everything made is found and undone by cleanupContainer (Wired), even
    // after a crash of this process.
    const etcFiles = [files.hosts(id), files.hostname(id), files.resolv(id)];
    for (const f of etcFiles) if (!existsSync(f)) writeFileSync(f, ''); // the shim binds them; filled in place below
    delete rec.OOMKilled;
    rec.Wired = true;
    rec.StartedAt = new Date().toISOString();
    saveRecord(rec, 'state');
    trace('record saved');
    let health: ShimConfig = [];
    const attached: ShimConfig = opts.detach ? [['attachwait', opts.attachWaitMs], ...firstWinsize(rec, opts.winsize)] : attachShimConfig(opts);
    const shimConfig = (net: ShimConfig) => writeShimConfig(files.shimConfig(id), [...net, ...processShimConfig(rec, user, cgroups, opts.detach, mounts, devices, links.env), ...health, ...attached]);
    try {
      health = await healthShimConfig(rec, user, cgroups);
      if (ownNetns) {
        shimConfig([['netnsnew', netnsPathOf(id)], ['waitgo', true]]);
        pausePoint('start:shim-config');
        trace('shim config');
        shim = new ShimStart(files.shimConfig(id), { detach: opts.detach, waitgo: true });
        pausePoint('start:shim-spawned');
      }
      trace('network setup');
      const net = await setupContainerNetwork({
        containerId: id,
        containerName: rec.Name,
        hostname: rec.Config.Hostname,
        mode,
        ip: rec.HostConfig.IPAddress,
        ip6: rec.HostConfig.IPv6Address,
        aliases: rec.HostConfig.Aliases,
        ports: rec.HostConfig.PortBindings,
        mac: rec.Config.MacAddress,
        dns: rec.HostConfig.Dns?.length ? rec.HostConfig.Dns : undefined,
        lookup: containerRef,
        explain: opts.explain,
        netnsReady: shim?.netnsReady,
      });
      for (const w of net.warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
      pausePoint('start:network-ready');
      // In place: the shim has bound these very files into the container already.
      // the links' lines (Docker: after the standard ones, before the container's own)
      const etc = needsEtcFlags(rec.HostConfig) ? await (await import('./runflags.js')).etcFiles(rec.HostConfig, net, usesEmbeddedDns(mode)) : net;
      writeFileSync(files.hosts(id), HOSTS_HEADER + [...links.hosts, ...etc.hosts].map((l) => l + '\n').join(''));
      writeFileSync(files.hostname(id), rec.Config.Hostname + '\n');
      writeFileSync(files.resolv(id), etc.resolvConf);
      rec.NetworkSettings = net.settings;
      saveRecord(rec, 'state');
      journalNetworks(rec, 'connect');
      pausePoint('start:record-saved');
      opts.explain?.(explainProcess(rec, net.netnsPath));
      if (shim) {
        shim.go(net.inside ?? '');
      } else {
        shimConfig([['netns', net.netnsPath || undefined]]);
        pausePoint('start:shim-config');
        shim = new ShimStart(files.shimConfig(id), { detach: opts.detach, waitgo: false });
        pausePoint('start:shim-spawned');
      }
      trace('shim started');
    } catch (e) {
      await shim?.abort(); // the shim kills the half-made process and removes the netns it made
      removeCgroup(id);
      await unwire(rec).catch(() => undefined);
      throw e;
    }
  });

  if (!opts.detach) {
    journal({ Type: 'container', Action: 'attach', ID: id, Attributes: containerAttrs(rec) });
    journal({ Type: 'container', Action: 'start', ID: id, Attributes: containerAttrs(rec) });
    return runForeground(rec, shim!, opts.sigProxy ?? true);
  }
  const code = await startedDetached(rec, shim!);
  journal({ Type: 'container', Action: 'start', ID: id, Attributes: containerAttrs(rec) });
  return code;
}

/** network connect/disconnect events for the networks a container is wired to (Docker's Actor is the network). */
function journalNetworks(rec: ContainerRecord, action: 'connect' | 'disconnect'): void {
  for (const [name, ep] of Object.entries(rec.NetworkSettings?.Networks ?? {})) {
    journal({ Type: 'network', Action: action, ID: ep.NetworkID, Attributes: { container: rec.Id, name, type: readNetwork(name)?.Driver ?? 'bridge' } });
  }
}

const cgroupVersion = () => cgroupLayout().version;

/** A user-defined network: its resolv.conf names the embedded DNS (127.0.0.11). */
function usesEmbeddedDns(mode: string): boolean {
  return !['bridge', 'host', 'none', 'default'].includes(mode) && !mode.startsWith('container:');
}

/** --add-host / --dns… given: /etc/hosts and resolv.conf are made by runflags.ts. */
function needsEtcFlags(hc: HostConfig): boolean {
  return !!(hc.ExtraHosts?.length || hc.Dns || hc.DnsSearch || hc.DnsOptions);
}

function needsShimFlags(hc: HostConfig): boolean {
  return !!(hc.Sysctls || hc.Ulimits || hc.ShmSize || hc.PidMode || hc.IpcMode || hc.UTSMode);
}

/** --ipc/--pid container:NAME: the donor, if it runs (its PID checked alive by stateOf). */
function ipcDonor(ref: string): { id: string; name: string; pid: number; ipcMode?: string } | undefined {
  const r = findContainer(ref);
  if (!r) return undefined;
  const st = stateOf(r);
  return { id: r.Id, name: r.Name, pid: st.Running && !st.Restarting ? st.Pid : 0, ipcMode: r.HostConfig.IpcMode };
}

/** The shim's config for the process itself (everything but the network namespace keys). */
function processShimConfig(rec: ContainerRecord, user: ResolvedUser, cgroups: string[], detach: boolean, mounts: ShimMount[], devices?: { records: string[][]; rules: string[] }, linkEnv: string[] = []): ShimConfig {
  const id = rec.Id;
  return [
    ['id', id],
    ...lowerDirs(rec.LayerDirs).map((d): [string, string] => ['lower', d]),
    ['upper', files.upper(id)],
    ['work', files.work(id)],
    ['rootfs', files.rootfs(id)],
    ['hostname', rec.Config.Hostname],
    ['cwd', rec.Config.WorkingDir || '/'],
    ['uid', user.uid],
    ['gid', user.gid],
    ...user.groups.map((g): [string, number] => ['group', g]),
    ...processEnv(rec, linkEnv).map((e): [string, string] => ['env', e]),
    ...[rec.Path, ...rec.Args].map((a): [string, string] => ['arg', a]),
    ['bind', [files.hosts(id), '/etc/hosts', 'rw']],
    ['bind', [files.hostname(id), '/etc/hostname', 'rw']],
    ['bind', [files.resolv(id), '/etc/resolv.conf', 'rw']],
    ...mountOrder([...mounts, ...Object.entries(rec.HostConfig.Tmpfs).map(([p, o]): ShimMount => ['tmpfs', o ? [p, o] : [p]])]),
    ['tty', rec.Config.Tty],
    ...(rec.Config.Tty && rec.HostConfig.ConsoleSize ? [['winsize', rec.HostConfig.ConsoleSize.join('x')] as [string, string]] : []),
    ['stdin', rec.Config.OpenStdin],
    ['attachsock', files.attachSock(id)],
    ['stdinonce', !!rec.Config.StdinOnce && rec.Config.OpenStdin],
    ['detach', detach],
    ['readonly', rec.HostConfig.ReadonlyRootfs],
    ...cgroups.map((d): [string, string] => ['cgroup', d]),
    ...(cgroups.length ? v2DeviceRules(!!rec.HostConfig.Privileged, devices?.rules) : []).map((r): [string, string] => ['devallow', r]),
    ...(devices?.records ?? []).map((d): [string, string[]] => ['device', d]),
    // /sys/fs/cgroup inside: the container's own cgroup, read-only (as Docker's)
    ...cgroups.map((d): [string, string | string[]] => ['cgroupfs', cgroupVersion() === 2 ? d : [d, basename(dirname(dirname(d)))]]),
    ...securityShimConfig(rec.HostConfig),
    ...(needsShimFlags(rec.HostConfig) ? runFlagsShimConfig(rec.HostConfig, ipcDonor) : []),
    ...logShimConfig(rec),
    ['pidfile', files.pid(id)],
    ['exitfile', files.exit(id)],
    ...exitCommand(id, rec.StartedAt).map((a): [string, string] => ['exitcmd', a]),
    ['claimfile', files.cleanupClaim(id)],
    ['init', rec.HostConfig.Init ? initPath() : undefined],
    ...restartShimConfig(rec),
  ];
}

/** The pty's size from the start (the shim's `winsize`), unless the record's ConsoleSize sets it. */
function firstWinsize(rec: ContainerRecord, size?: [number, number]): ShimConfig {
  return rec.Config.Tty && size && !rec.HostConfig.ConsoleSize && size[0] > 0 && size[1] > 0 ? [['winsize', size.join('x')]] : [];
}

/** A foreground run's -a and --sig-proxy=false (nothing for the defaults). */
function attachShimConfig(opts: StartOptions): ShimConfig {
  const a = opts.attach;
  const streams = a && !(a.stdout && a.stderr) ? [a.stdout ? 'out' : '', a.stderr ? 'err' : ''].filter(Boolean).join(',') || ',' : undefined;
  return [['attach', streams], ['sigproxy', opts.sigProxy === false ? '0' : undefined]];
}

/** --link: hosts lines and variables, checked against the linked containers now (links.ts). */
async function linksOf(rec: ContainerRecord): Promise<{ hosts: string[]; env: string[] }> {
  if (!rec.HostConfig.Links?.length) return { hosts: [], env: [] };
  return (await import('./links.js')).resolveLinks(rec);
}

/**
 * Health checks: the probes' exec config (exactly what `exec` would run: the container's user,
 * env, cwd, cgroups and restrictions) and the watcher's timing keys. Nothing without a check.
 */
async function healthShimConfig(rec: ContainerRecord, user: ResolvedUser, cgroups: string[]): Promise<ShimConfig> {
  rmSync(files.health(rec.Id), { force: true }); // a new run starts "starting"
  if (!rec.Config.Healthcheck) return [];
  const { probeArgv, probeTiming } = await import('./health.js');
  const argv = probeArgv(rec.Config.Healthcheck);
  if (!argv) return [];
  writeShimConfig(files.healthConfig(rec.Id), [
    ['id', rec.Id],
    ['cwd', rec.Config.WorkingDir || '/'],
    ['uid', user.uid],
    ['gid', user.gid],
    ...user.groups.map((g): [string, number] => ['group', g]),
    ...processEnv(rec).map((e): [string, string] => ['env', e]),
    ...argv.map((a): [string, string] => ['arg', a]),
    ...cgroups.map((d): [string, string] => ['cgroup', d]),
    ...securityShimConfig(rec.HostConfig, 'exec'),
  ]);
  const t = probeTiming(rec.Config.Healthcheck);
  return [
    ['healthconfig', files.healthConfig(rec.Id)],
    ['healthfile', files.health(rec.Id)],
    ['healthinterval', t.interval],
    ['healthtimeout', t.timeout],
    ['healthstart', t.start],
    ['healthstartinterval', t.startInterval || undefined],
    ['healthretries', t.retries],
  ];
}

/** The json-file log (none: no log at all), rotated by the shim with --log-opt max-size/max-file. */
function logShimConfig(rec: ContainerRecord): ShimConfig {
  const c = rec.HostConfig.LogConfig;
  if (c?.Type === 'none') return [];
  const r = logRotation(c);
  return [['log', files.log(rec.Id)], ['logmaxsize', r.maxSize], ['logmaxfile', r.maxFile]];
}

/** --restart: the shim decides and waits out the backoff, then runs `internal-restart` (restart.ts). */
function restartShimConfig(rec: ContainerRecord): ShimConfig {
  const p = rec.HostConfig.RestartPolicy;
  if (!p || p.Name === 'no') return [];
  return [
    ['restart', p.Name],
    ['restartmax', p.MaximumRetryCount],
    ['restartcount', rec.RestartCount],
    ['restarttimeout', rec.RestartTimeoutMs ?? 0],
    ['restartfile', files.restarting(rec.Id)],
    ['norestartfile', files.stopped(rec.Id)],
    ...restartCommand(rec.Id, rec.StartedAt).map((a): [string, string] => ['restartcmd', a]),
  ];
}

export function explainProcess(rec: ContainerRecord, netns: string): string {
  const lower = lowerDirs(rec.LayerDirs, false).join(':');
  return [
    '# the container process: new PID, mount, UTS and IPC namespaces' + (netns ? `, inside netns ${netns.split('/').pop()}` : ', on the host network'),
    '# (minidock-shim does this with clone/setns/mount/pivot_root; the mounts exist only inside the container)',
    `cd ${files.dir(rec.Id)}`,
    `${netns ? `ip netns exec ${netns.split('/').pop()} ` : ''}unshare --pid --mount --uts --ipc --fork --propagation private sh -c '`,
    `  mount -t overlay overlay -o lowerdir=${lower},upperdir=upper,workdir=work rootfs`,
    '  mount -t proc proc rootfs/proc; mount -t tmpfs tmpfs rootfs/dev; mount -t sysfs -o ro sysfs rootfs/sys',
    `  hostname ${rec.Config.Hostname}; cd rootfs; pivot_root . .; umount -l .`,
    `  exec ${[rec.Path, ...rec.Args].map(shellQuote).join(' ')}'`,
  ].join('\n');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

async function startedDetached(rec: ContainerRecord, shim: ShimStart): Promise<number> {
  try {
    await shim.started;
  } catch (e) {
    await cleanupContainer(rec.Id).catch(() => undefined);
    throw e instanceof UserError ? e : new UserError(`container ${rec.Name} failed to start`);
  }
  shim.child.unref();
  pausePoint('start:shim-ok');
  return 0;
}

async function runForeground(rec: ContainerRecord, shim: ShimStart, sigProxy = true): Promise<number> {
  // The shim forwards signals to the container (Docker's sig-proxy), the CLI's too.
  // --sig-proxy=false: a signal detaches: the shim stops showing output (it goes on watching
  // and cleans up at the end), and the CLI dies of the signal, as Docker's does.
  const ignore = sigProxy
    ? (sig: NodeJS.Signals) => void shim.child.kill(sig) // the shim forwards it (once: see shim.c)
    : (sig: NodeJS.Signals) => {
        shim.child.kill('SIGHUP'); // (with sigproxy=0 the shim takes any such signal as "detach")
        for (const s of sigs) process.removeAllListeners(s);
        process.kill(process.pid, sig);
      };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']; // (a USR1 listener also keeps Node's inspector off)
  for (const s of sigs) process.on(s, ignore);
  const code = await shim.exited;
  trace('shim exited');
  pausePoint('start:fg-exited');
  for (const s of sigs) process.off(s, ignore);
  try {
    await cleanupContainer(rec.Id);
    trace('cleaned up');
  } catch (e) {
    process.stderr.write(`minidock: cleanup of ${rec.Name}: ${(e as Error).message}\n`);
  }
  if (shim.spawnError) throw shim.spawnError;
  return code;
}

/** --network none and never connected elsewhere: its start made only a netns (TeardownOptions). */
const netnsOnly = (rec: ContainerRecord) => (rec.HostConfig.NetworkMode === 'none' || !!rec.HostConfig.PrimaryDisconnected) && !rec.HostConfig.ExtraNetworks?.length;

async function unwire(rec: ContainerRecord): Promise<void> {
  await teardownContainerNetwork(rec.Id, rec.NetworkSettings ?? undefined, { netnsRemoved: readExit(rec.Id)?.netnsRemoved, netnsOnly: netnsOnly(rec) });
  rec.Wired = false;
  saveRecord(rec, 'state');
  journalNetworks(rec, 'disconnect');
}

/**
 * After a container's process ended: release its network, and remove it when --rm.
 * Idempotent, and safe to race with itself (the shim's exit command, `stop`, a foreground run).
 */
export async function cleanupContainer(id: string, startedAt?: string): Promise<void> {
  // Already removed (and maybe its whole state root with it): nothing to do, and taking the
  // lock would create the root's locks/ directory again.
  if (!existsSync(files.dir(id))) return;
  let remove = false;
  await withLock(`c-${id}`, async () => {
    const rec = loadRecord(id);
    if (!rec) return;
    // The shim's exit command comes late: if the container was started again meanwhile (a
    // restart), what is wired now belongs to that start, not to the one that ended.
    if (startedAt !== undefined && rec.StartedAt !== startedAt) return;
    const st = stateOf(rec);
    if (st.Running && !st.Restarting) return; // (restarting: the run that ended is released, as Docker's Cleanup)
    trace('cleanup locked');
    const oom = releaseCgroup(id);
    trace('cgroup released');
    if (oom !== undefined) {
      rec.OOMKilled = oom;
      if (!rec.Wired) saveRecord(rec, 'state'); // else with unwire's save, below
    }
    if (rec.Wired) {
      // The one cleanup that unwires a start is the one that records its end (cleanups race).
      journal({ Type: 'container', Action: 'die', ID: id, Attributes: containerAttrs(rec, { exitCode: readExit(id)?.code ?? st.ExitCode }) });
      await unwire(rec);
    }
    trace('network released');
    pausePoint('cleanup:unwired');
    remove = rec.HostConfig.AutoRemove;
  });
  if (remove) await removeContainer(id, { force: false, volumes: true }); // --rm: anonymous volumes too, as Docker
}

export async function killContainer(ref: string, sigArg: number | string): Promise<ContainerRecord> {
  // moby's kill route words every refusal "cannot kill container: REF: why" (lower-case since
  // 23.0); the signal (moby/sys/signal's ParseSignal, then the Linux map) is checked before the
  // container is looked up
  const refused = (why: string) => new DaemonError(`cannot kill container: ${ref}: ${why}`, 1);
  const signal = typeof sigArg === 'number' ? sigArg : parseKillSignal(sigArg);
  if (signal === undefined) throw refused(`invalid signal: ${sigArg}`);
  if (!linuxSignal(signal)) throw refused(`the linux daemon does not support signal ${signal}`);
  let rec: ContainerRecord;
  try {
    rec = mustFind(ref);
  } catch (e) {
    throw e instanceof UserError ? refused(e.message.replace(/^Error response from daemon: /, '')) : e;
  }
  let st = stateOf(rec);
  if (!st.Running) throw refused(`container ${rec.Id} is not running`);
  if (rec.HostConfig.RestartPolicy && killEndsRestarts(rec, signal)) {
    // Docker's ExitOnNext: no restart after this; a restarting one just stays stopped.
    await cancelRestarts(rec);
    st = stateOf(rec);
    if (!st.Running || st.Restarting) return rec;
  }
  try {
    killPid(st.Pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
  if (st.Paused) thawAfterSignal(rec.Id); // Docker: the signal is delivered once thawed
  journal({ Type: 'container', Action: 'kill', ID: rec.Id, Attributes: containerAttrs(rec, { signal }) });
  return rec;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** moby's killWithSignal: any signal without a --stop-signal; with one, that signal or SIGKILL. */
function killEndsRestarts(rec: ContainerRecord, signal: number): boolean {
  const stopSignal = (rec.Config as { StopSignal?: string }).StopSignal;
  if (!stopSignal || signal === 9) return true;
  const name = stopSignal.toUpperCase().replace(/^SIG/, '');
  return /^\d+$/.test(name) ? Number(name) === signal : SIGNALS[name] === signal;
}

/**
 * stop, kill, rm -f: the container is not to be restarted by its policy (the `stopped` marker,
 * Docker's HasBeenManuallyStopped, which the shim reads when the process ends), and a restart
 * waiting out its backoff is ended. A restart already in minidock's start path sees the marker
 * under the container's lock, or has started the process by then (the caller stops it).
 */
async function cancelRestarts(rec: ContainerRecord): Promise<void> {
  if (!rec.HostConfig.RestartPolicy || !existsSync(files.dir(rec.Id))) return;
  writeFileSync(files.stopped(rec.Id), '');
  for (let i = 0; i < 400; i++) {
    const r = readRestarting(rec.Id);
    if (!r) return;
    if (restarterSleeping(r.holder)) {
      try {
        process.kill(r.holder, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await sleep(25);
  }
}

/** process.kill for a container's PID; 0 or 1 would mean our own process group or init. */
function killPid(pid: number, signal: number | NodeJS.Signals): void {
  if (!(pid > 1)) throw Object.assign(new Error(`refusing to signal pid ${pid}`), { code: 'ESRCH' });
  process.kill(pid, signal);
}

/** Waits until the container is no longer running; returns its exit code. */
export async function waitExit(id: string, timeoutMs = Infinity, opts: { signalled?: boolean } = {}): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  if (opts.signalled && exitFileSoon(id, Math.min(5, timeoutMs))) {
    const end = exitNow(id);
    if (end) return end.code;
  }
  // The shim renames the exit file (the restart plan before it) into the container's
  // directory when the process has ended: inotify wakes this at that moment, where looking
  // after 1, 2, 4 … ms found it up to twice as late as it came (`stop` waited for that).
  // A look every 100 ms stays for what no file announces (a process that vanished with its
  // shim, the record removed); without inotify, the looks after 1, 2, 4 … 100 ms.
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(files.dir(id), { persistent: false }, (_event, name) => {
      if (name === 'exit' || name === 'restarting') wake?.();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    /* no directory (removed meanwhile) or no inotify: the looks alone */
  }
  try {
    for (let delay = watcher ? 100 : 1; ; delay = Math.min(delay * 2, 100)) {
      const end = exitNow(id);
      if (end) return end.code;
      if (Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now())));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
  }
}

/**
 * Right after a signal most processes are gone within a few ms (stop's SIGTERM to a shell that
 * traps it, rm -f's SIGKILL). Looking for the exit file every 0.25 ms for that long, without a
 * timer or a watcher (this path would load and compile both: ~1.5 ms of a `stop`), sees those;
 * what takes longer, waitExit's watcher waits for. Blocks at most `ms`.
 */
function exitFileSoon(id: string, ms: number): boolean {
  const file = files.exit(id);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (const end = performance.now() + ms; performance.now() < end; Atomics.wait(cell, 0, 0, 0.25)) if (existsSync(file)) return true;
  return existsSync(file);
}

/**
 * One look of waitExit: undefined while the run goes on; once it has ended, its exit code
 * (undefined: the container is gone, or was never started). The service's wait looks on each
 * change of the container's directory instead of on a timer (api/exits.ts).
 */
export function exitNow(id: string): { code: number | undefined } | undefined {
  const rec = loadRecord(id);
  if (!rec) return { code: undefined };
  const st = stateOf(rec);
  // Restarting: this run has ended (Docker's SetRestarting wakes its waiters too). Being
  // removed (rm -f): it has ended, and its exit file, until removed too, has the code.
  if ((!st.Running || st.Restarting) && st.Status !== 'created') return { code: st.Status === 'removing' ? (readExit(id)?.code ?? st.ExitCode) : st.ExitCode };
  if (st.Status === 'created' && !rec.StartedAt) return { code: undefined };
  return undefined;
}

export async function stopContainer(ref: string, timeoutSec: number, signal = 15): Promise<ContainerRecord> {
  const rec = mustFind(ref);
  await cancelRestarts(rec);
  const st = stateOf(rec);
  trace('stop: signalling');
  if (st.Running) {
    claimCleanup(rec.Id); // done below, right after the exit: the shim need not start its exit command
    try {
      killPid(st.Pid, signal);
      journal({ Type: 'container', Action: 'kill', ID: rec.Id, Attributes: containerAttrs(rec, { signal }) });
    } catch {
      /* already gone */
    }
    if (st.Paused) thawAfterSignal(rec.Id);
    if ((await waitExit(rec.Id, timeoutSec * 1000, { signalled: true })) === undefined && stateOf(rec).Running) {
      try {
        killPid(st.Pid, 'SIGKILL');
        journal({ Type: 'container', Action: 'kill', ID: rec.Id, Attributes: containerAttrs(rec, { signal: 9 }) });
      } catch {
        /* already gone */
      }
      await waitExit(rec.Id, 10_000, { signalled: true });
    }
    trace('stop: exited');
  }
  await cleanupContainer(rec.Id);
  if (st.Running) {
    claimedCleanupDone(rec.Id);
    journal({ Type: 'container', Action: 'stop', ID: rec.Id, Attributes: containerAttrs(rec) });
  }
  return rec;
}

/** The container `rm` would remove, or the error it gives (shared by rm and rm --dry-run). */
function removable(ref: string, force: boolean): { rec: ContainerRecord; st: ReturnType<typeof stateOf> } {
  const rec = findContainer(ref);
  if (!rec) throw new UserError(`Error response from daemon: No such container: ${ref}`, 1);
  const st = stateOf(rec);
  if (st.Paused && !force) {
    throw new UserError(`Error response from daemon: cannot remove container "/${rec.Name}": container is paused and must be unpaused first`, 1);
  }
  if (st.Running && !force) {
    throw new UserError(
      `Error response from daemon: cannot remove container "/${rec.Name}": container is ${st.Restarting ? 'restarting' : 'running'}: stop the container before removing or force remove`,
      1,
    );
  }
  return { rec, st };
}

/**
 * `rm --dry-run`: what removeContainer would do, as --explain would print it, changing nothing
 * (the network teardown runs under withDryRun, so its plan is the real one).
 */
export async function explainRemoveContainer(ref: string, opts: { force: boolean; explain: (line: string) => void }): Promise<ContainerRecord> {
  const { rec, st } = removable(ref, opts.force);
  const out = opts.explain;
  if (st.Running) out(`# stop ${rec.Name}: its process ${st.Pid} gets SIGKILL\nkill -KILL ${st.Pid}`);
  if (rec.Wired) {
    const { withDryRun } = await import('../network/dryrun.js');
    await withDryRun(() => teardownContainerNetwork(rec.Id, rec.NetworkSettings ?? undefined, { explain: out, netnsRemoved: readExit(rec.Id)?.netnsRemoved, netnsOnly: netnsOnly(rec) }), { containers: [rec.Id] });
  }
  out(`# remove the container's cgroup (if any) and its state: records, logs, upper layer\nrm -rf ${files.dir(rec.Id)}`);
  return rec;
}

export async function removeContainer(ref: string, opts: { force: boolean; volumes?: boolean; explain?: (line: string) => void }): Promise<ContainerRecord | undefined> {
  const { rec } = removable(ref, opts.force);
  await cancelRestarts(rec);
  const st = stateOf(rec);
  if (st.Running) {
    claimCleanup(rec.Id); // the removal below cleans up: the shim need not start its exit command
    try {
      killPid(st.Pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (st.Paused) thawAfterSignal(rec.Id);
    await waitExit(rec.Id, 10_000, { signalled: true });
    pausePoint('rm:killed');
  }
  await withLock(`c-${rec.Id}`, async () => {
    const cur = loadRecord(rec.Id);
    if (!cur) return; // removed by someone else meanwhile
    writeFileSync(files.removing(rec.Id), '');
    pausePoint('rm:marked');
    if (cur.Wired) await teardownContainerNetwork(cur.Id, cur.NetworkSettings ?? undefined, { explain: opts.explain, netnsRemoved: readExit(cur.Id)?.netnsRemoved, netnsOnly: netnsOnly(cur) });
    removeCgroup(cur.Id);
    pausePoint('rm:unwired');
    trace('removing files');
    removeTree(files.dir(rec.Id));
    await withLock('containers', () => releaseName(cur.Name, cur.Id));
    trace('files removed');
    journal({ Type: 'container', Action: 'destroy', ID: cur.Id, Attributes: containerAttrs(cur) });
  });
  // rm -v (and --rm): the container's anonymous volumes, unless another container uses one.
  if (opts.volumes && rec.MountPoints?.some((p) => p.Anonymous)) await (await import('../volume/use.js')).removeAnonymousVolumes(rec);
  return rec;
}

/**
 * After a start: joins again the networks the container was connected to with `network
 * connect` (Docker keeps those across restarts). A network that has gone since is reported, not
 * fatal: the container runs on the others.
 */
export async function reconnectExtraNetworks(id: string): Promise<void> {
  const rec = loadRecord(id);
  const extra = rec?.HostConfig.ExtraNetworks ?? [];
  if (!extra.length) return;
  const { connectContainer } = await import('./connect.js');
  for (const x of extra) {
    try {
      await connectContainer(x.Name, id, { aliases: x.Aliases, ip: x.IPAddress, ip6: x.IPv6Address, restoring: true });
    } catch (e) {
      process.stderr.write(`WARNING: ${rec!.Name} could not join network ${x.Name} again: ${(e as Error).message}\n`);
    }
  }
}
