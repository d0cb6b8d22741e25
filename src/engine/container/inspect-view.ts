// What `inspect` shows for a container: Docker 20.10's keys in its order (apart from views.ts,
// so `ps` does not load or compile any of it).
import type { EndpointSettings } from '../network/types.js';
import { files, stateOf, type ContainerRecord } from './record.js';
import { oomKilled, resourcesOf } from '../../runtime/cgroups.js';
import { inspectRunFlags } from './runflags.js';
import { exposedPorts, inspectHealth, networkPorts, networksOf, portKey, restartCountOf, type ContainerSize, type PortMap } from './views.js';
import { inspectMount, pointsOfRecord } from '../volume/mounts.js';

/** HostConfig.PortBindings as Docker prints them: the host IP and port as typed ("" when not given). */
function portBindings(rec: ContainerRecord): PortMap {
  const out: PortMap = {};
  for (const p of rec.HostConfig.PortBindings) {
    const port = p.hostPort === 0 ? '' : p.hostPortEnd !== undefined && p.hostPortEnd !== p.hostPort ? `${p.hostPort}-${p.hostPortEnd}` : String(p.hostPort);
    (out[portKey(p)] ??= []).push({ HostIp: p.hostIp, HostPort: port });
  }
  return out;
}

/** Docker's EndpointSettings keys (api/types/network), minidock's own (HostInterface, Interface) after them. */
function endpoint(ep: Partial<EndpointSettings>, running: boolean): Record<string, unknown> {
  const live = running;
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: ep.Aliases ?? null,
    NetworkID: ep.NetworkID ?? '',
    EndpointID: live ? (ep.EndpointID ?? '') : '',
    Gateway: live ? (ep.Gateway ?? '') : '',
    IPAddress: live ? (ep.IPAddress ?? '') : '',
    IPPrefixLen: live ? (ep.IPPrefixLen ?? 0) : 0,
    IPv6Gateway: live ? (ep.IPv6Gateway ?? '') : '',
    GlobalIPv6Address: live ? (ep.GlobalIPv6Address ?? '') : '',
    GlobalIPv6PrefixLen: live ? (ep.GlobalIPv6PrefixLen ?? 0) : 0,
    MacAddress: live ? (ep.MacAddress ?? '') : '',
    DriverOpts: null,
    ...(live && ep.HostInterface !== undefined ? { HostInterface: ep.HostInterface } : {}),
    ...(live && ep.Interface !== undefined ? { Interface: ep.Interface } : {}),
  };
}

/**
 * minidock has no libnetwork sandbox: its "id" is 64 hex digits derived from the netns path
 * (FNV-1a, four seeds), stable while the container runs. Not node:crypto: loading it costs ~2 ms.
 */
function sandboxId(key: string): string {
  let out = '';
  for (let seed = 0; seed < 4; seed++) {
    let h = 0xcbf29ce484222325n ^ BigInt(seed);
    for (const c of key) h = ((h ^ BigInt(c.codePointAt(0)!)) * 0x100000001b3n) & 0xffffffffffffffffn;
    out += h.toString(16).padStart(16, '0');
  }
  return out;
}

/** Docker's 18 NetworkSettings keys (api/types v20.10 NetworkSettingsBase + DefaultNetworkSettings + Networks). */
function networkSettings(rec: ContainerRecord, running: boolean): Record<string, unknown> {
  const net = rec.NetworkSettings;
  const networks: Record<string, unknown> = {};
  for (const name of Object.keys(networksOf(rec))) networks[name] = endpoint(net?.Networks[name] ?? {}, running && !!net?.Networks[name]);
  // The top-level address fields are the default bridge's only, as Docker's (empty on a user network)
  const bridge = running ? net?.Networks.bridge : undefined;
  const sandboxKey = running ? (net?.SandboxKey ?? '') : '';
  return {
    Bridge: '',
    SandboxID: sandboxKey ? sandboxId(sandboxKey) : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: networkPorts(rec, running),
    SandboxKey: sandboxKey,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.EndpointID ?? '',
    Gateway: bridge?.Gateway ?? '',
    GlobalIPv6Address: bridge?.GlobalIPv6Address ?? '',
    GlobalIPv6PrefixLen: bridge?.GlobalIPv6PrefixLen ?? 0,
    IPAddress: bridge?.IPAddress ?? '',
    IPPrefixLen: bridge?.IPPrefixLen ?? 0,
    IPv6Gateway: bridge?.IPv6Gateway ?? '',
    MacAddress: bridge?.MacAddress ?? '',
    Networks: networks,
  };
}

/** The paths of /proc and /sys the shim hides and makes read-only: shim.c's masked_paths and readonly_paths, in their order. */
const MASKED_PATHS = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap', '/proc/interrupts'];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Docker's HostConfig (api/types/container v20.10), in its key order; what minidock does not set has Docker's default. */
function hostConfig(rec: ContainerRecord): Record<string, unknown> {
  const hc = rec.HostConfig;
  const r = resourcesOf(hc);
  const f = inspectRunFlags(rec).hostConfig; // the issue-13 run flags, Docker's defaults when unset
  return {
    Binds: hc.Binds.length ? hc.Binds : null,
    ContainerIDFile: f.ContainerIDFile,
    LogConfig: hc.LogConfig ?? { Type: 'json-file', Config: {} },
    NetworkMode: hc.DefaultNetwork ? 'default' : hc.NetworkMode,
    PortBindings: portBindings(rec),
    RestartPolicy: hc.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: hc.AutoRemove,
    VolumeDriver: '',
    VolumesFrom: hc.VolumesFrom ?? null,
    CapAdd: hc.CapAdd ?? null,
    CapDrop: hc.CapDrop ?? null,
    CgroupnsMode: 'host', // minidock makes no cgroup namespace (Docker's default on cgroup v1)
    Dns: f.Dns,
    DnsOptions: f.DnsOptions,
    DnsSearch: f.DnsSearch,
    ExtraHosts: f.ExtraHosts,
    GroupAdd: f.GroupAdd,
    IpcMode: f.IpcMode,
    Cgroup: '',
    Links: hc.Links?.length ? hc.Links.map((l) => { const [n, a] = l.split(':'); return `/${n}:/${rec.Name}/${a}`; }) : null,
    OomScoreAdj: 0,
    PidMode: f.PidMode,
    Privileged: !!hc.Privileged,
    PublishAllPorts: !!hc.PublishAllPorts,
    ReadonlyRootfs: hc.ReadonlyRootfs,
    SecurityOpt: hc.SecurityOpt ?? null,
    ...(Object.keys(hc.Tmpfs).length ? { Tmpfs: hc.Tmpfs } : {}),
    UTSMode: f.UTSMode,
    UsernsMode: '',
    ShmSize: f.ShmSize,
    ...(f.Sysctls ? { Sysctls: f.Sysctls } : {}),
    ConsoleSize: hc.ConsoleSize ?? [0, 0],
    Isolation: '',
    CpuShares: r.CpuShares,
    Memory: r.Memory,
    NanoCpus: r.NanoCpus,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: f.CpusetCpus,
    CpusetMems: f.CpusetMems,
    Devices: f.Devices,
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: f.MemoryReservation,
    // Docker's daemon stores twice the memory when only -m is given (adaptContainerSettings)
    MemorySwap: r.Memory > 0 && r.MemorySwap === 0 ? 2 * r.Memory : r.MemorySwap,
    MemorySwappiness: null,
    OomKillDisable: false,
    PidsLimit: r.PidsLimit,
    Ulimits: hc.Ulimits ?? [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    // --mount's specs, after the resources as in Docker's HostConfig (omitted when none)
    ...(hc.Mounts?.length ? { Mounts: hc.Mounts } : {}),
    // what the shim masks and makes read-only (shim.c masked_paths/readonly_paths); none when privileged
    MaskedPaths: hc.Privileged ? null : MASKED_PATHS,
    ReadonlyPaths: hc.Privileged ? null : READONLY_PATHS,
    ...(hc.Init ? { Init: true } : {}), // (Docker: omitted unless --init)
  };
}

export function inspectContainer(rec: ContainerRecord, o: { size?: ContainerSize } = {}): Record<string, unknown> {
  const st = stateOf(rec);
  const c = rec.Config;
  const exposed = exposedPorts(rec);
  const { ExposedPorts: _exposed, ...flagsConfig } = inspectRunFlags(rec).config; // MacAddress, StopSignal, StopTimeout
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: {
      Status: st.Status,
      Running: st.Running,
      Paused: st.Paused,
      Restarting: !!st.Restarting,
      OOMKilled: rec.OOMKilled ?? (st.Status === 'exited' && oomKilled(rec.Id)),
      Dead: false,
      Pid: st.Pid,
      ExitCode: st.ExitCode,
      Error: st.Error,
      StartedAt: st.StartedAt,
      FinishedAt: st.FinishedAt,
      ...inspectHealth(rec),
    },
    Image: rec.Image,
    ResolvConfPath: files.resolv(rec.Id),
    HostnamePath: files.hostname(rec.Id),
    HostsPath: files.hosts(rec.Id),
    LogPath: rec.HostConfig.LogConfig?.Type === 'none' ? '' : files.log(rec.Id),
    Name: `/${rec.Name}`,
    RestartCount: restartCountOf(rec),
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfig(rec),
    // GraphDriverData's order (Data, then Name); Data is a map (its keys sorted)
    GraphDriver: {
      Data: {
        LowerDir: [...rec.LayerDirs].reverse().join(':'),
        MergedDir: files.rootfs(rec.Id),
        UpperDir: files.upper(rec.Id),
        WorkDir: files.work(rec.Id),
      },
      Name: 'overlay2',
    },
    ...(o.size ? { SizeRw: o.size.rw, SizeRootFs: o.size.rootFs } : {}),
    Mounts: pointsOfRecord(rec).map(inspectMount),
    Config: {
      Hostname: c.Hostname,
      Domainname: c.Domainname,
      User: c.User,
      AttachStdin: c.AttachStdin,
      AttachStdout: c.AttachStdout ?? false,
      AttachStderr: c.AttachStderr ?? false,
      ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
      Tty: c.Tty,
      OpenStdin: c.OpenStdin,
      StdinOnce: c.StdinOnce ?? false,
      Env: c.Env,
      Cmd: c.Cmd,
      // HealthConfig's members are all omitempty in Docker's JSON
      ...(c.Healthcheck ? { Healthcheck: Object.fromEntries(Object.entries(c.Healthcheck).filter(([, v]) => v !== 0 && v !== undefined && !(Array.isArray(v) && !v.length))) } : {}),
      Image: c.Image,
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir,
      Entrypoint: c.Entrypoint,
      OnBuild: null,
      Labels: c.Labels,
      ...flagsConfig,
    },
    NetworkSettings: networkSettings(rec, st.Running),
  };
}
