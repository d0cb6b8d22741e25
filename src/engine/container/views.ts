// What `ps` and `inspect` show: Docker's field names and shapes.
import type { PortBinding } from '../network/types.js';
import { humanDuration, timeAgo } from '../../cli/template.js';
import { files, stateOf, type ContainerRecord, type ContainerState, type HostConfig } from './record.js';
import { oomKilled, resourcesOf } from '../../runtime/cgroups.js';
import { inspectRunFlags } from './runflags.js';

/** Docker's HostConfig fields for limits and privileges (defaults for older records). */
function inspectLimits(hc: HostConfig): Record<string, unknown> {
  const r = resourcesOf(hc);
  return {
    Memory: r.Memory, MemorySwap: r.MemorySwap, NanoCpus: r.NanoCpus, CpuShares: r.CpuShares, PidsLimit: r.PidsLimit,
    CapAdd: hc.CapAdd ?? null, CapDrop: hc.CapDrop ?? null, Privileged: !!hc.Privileged, SecurityOpt: hc.SecurityOpt ?? null,
  };
}

function portKey(p: PortBinding): string {
  return `${p.containerPort}/${p.proto}`;
}

/** Docker's ps PORTS column: 0.0.0.0:8080->80/tcp, ranges folded. */
export function formatPorts(ports: PortBinding[]): string {
  return ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${portKey(p)}`).join(', ');
}

export function statusText(st: ContainerState, now = Date.now()): string {
  switch (st.Status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(st.StartedAt))}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(st.StartedAt))} (Paused)`;
    case 'exited':
      return `Exited (${st.ExitCode}) ${timeAgo(st.FinishedAt, now)}`;
    case 'removing':
      return 'Removal In Progress';
    default:
      return 'Created';
  }
}

export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Ports: string;
  State: string;
  Status: string;
  Names: string;
  Labels: string;
  Networks: string;
  Mounts: string;
}

export function psRow(rec: ContainerRecord, noTrunc: boolean, now = Date.now()): PsRow {
  const st = stateOf(rec);
  let cmd = [rec.Path, ...rec.Args].join(' ');
  if (!noTrunc && cmd.length > 20) cmd = cmd.slice(0, 19) + '…';
  return {
    ID: noTrunc ? rec.Id : rec.Id.slice(0, 12),
    Image: rec.ImageRef,
    Command: JSON.stringify(cmd),
    CreatedAt: new Date(rec.Created).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC'),
    RunningFor: timeAgo(rec.Created, now),
    Ports: st.Running ? formatPorts(rec.HostConfig.PortBindings) : '',
    State: st.Status,
    Status: statusText(st, now),
    Names: rec.Name,
    Labels: Object.entries(rec.Config.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    Networks: rec.HostConfig.NetworkMode,
    Mounts: rec.HostConfig.Binds.map((b) => b.split(':')[0]).join(','),
  };
}

export function inspectContainer(rec: ContainerRecord): Record<string, unknown> {
  const st = stateOf(rec);
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const p of rec.HostConfig.PortBindings) {
    (ports[portKey(p)] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of rec.HostConfig.PortBindings) (portBindings[portKey(p)] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  const net = rec.NetworkSettings;
  const primary = net ? Object.values(net.Networks)[0] : undefined;
  const flags = inspectRunFlags(rec); // issue 13's run flags (runflags.ts)
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: {
      Status: st.Status,
      Running: st.Running,
      Paused: st.Paused,
      Restarting: false,
      OOMKilled: rec.OOMKilled ?? (st.Status === 'exited' && oomKilled(rec.Id)),
      Dead: false,
      Pid: st.Pid,
      ExitCode: st.ExitCode,
      Error: st.Error,
      StartedAt: st.StartedAt,
      FinishedAt: st.FinishedAt,
    },
    Image: rec.Image,
    ResolvConfPath: files.resolv(rec.Id),
    HostnamePath: files.hostname(rec.Id),
    HostsPath: files.hosts(rec.Id),
    LogPath: files.log(rec.Id),
    Name: `/${rec.Name}`,
    RestartCount: rec.RestartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    HostConfig: {
      Binds: rec.HostConfig.Binds.length ? rec.HostConfig.Binds : null,
      NetworkMode: rec.HostConfig.NetworkMode,
      PortBindings: portBindings,
      AutoRemove: rec.HostConfig.AutoRemove,
      ReadonlyRootfs: rec.HostConfig.ReadonlyRootfs,
      Tmpfs: Object.keys(rec.HostConfig.Tmpfs).length ? rec.HostConfig.Tmpfs : null,
      ...inspectLimits(rec.HostConfig),
      ...flags.hostConfig,
    },
    GraphDriver: {
      Name: 'overlay2',
      Data: {
        LowerDir: [...rec.LayerDirs].reverse().join(':'),
        UpperDir: files.upper(rec.Id),
        WorkDir: files.work(rec.Id),
        MergedDir: files.rootfs(rec.Id),
      },
    },
    Mounts: rec.HostConfig.Binds.map((b) => {
      const [src, dst, mode] = b.split(':');
      return { Type: 'bind', Source: src, Destination: dst, Mode: mode ?? '', RW: mode !== 'ro', Propagation: 'rprivate' };
    }),
    Config: {
      Hostname: rec.Config.Hostname,
      Domainname: rec.Config.Domainname,
      User: rec.Config.User,
      AttachStdin: rec.Config.AttachStdin,
      Tty: rec.Config.Tty,
      OpenStdin: rec.Config.OpenStdin,
      Env: rec.Config.Env,
      Cmd: rec.Config.Cmd,
      Image: rec.Config.Image,
      WorkingDir: rec.Config.WorkingDir,
      Entrypoint: rec.Config.Entrypoint,
      Labels: rec.Config.Labels,
      ...flags.config,
    },
    NetworkSettings: {
      SandboxKey: st.Running ? (net?.SandboxKey ?? '') : '',
      Ports: st.Running ? ports : {},
      Gateway: st.Running ? (primary?.Gateway ?? '') : '',
      IPAddress: st.Running ? (primary?.IPAddress ?? '') : '',
      IPPrefixLen: st.Running ? (primary?.IPPrefixLen ?? 0) : 0,
      MacAddress: st.Running ? (primary?.MacAddress ?? '') : '',
      Networks: st.Running ? (net?.Networks ?? {}) : {},
    },
  };
}
