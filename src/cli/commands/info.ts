// `info` / `system info [--format]`: Docker's layout, for what applies without a daemon, plus
// minidock's own lines (the firewall backend). --format takes Docker's field names
// ({{.Containers}}, {{.ContainersPaused}}, {{.CgroupVersion}}, {{.DockerRootDir}}, {{json .}}, …).
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { parseTemplate } from '../template.js';
import { bytesSize } from '../../units.js';
import { paths } from '../../state/paths.js';
import { allRecords, stateOf } from '../../engine/container/record.js';
import { listImages } from '../../engine/image/store.js';
import { layout } from '../../runtime/cgroups.js';
import { VERSION } from '../version.js';

const FS_NAMES: Record<number, string> = { 0xef53: 'extfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x01021994: 'tmpfs', 0x794c7630: 'overlayfs', 0x2fc12fc1: 'zfs', 0xf2f52010: 'f2fs' };

function backingFs(dir: string): string {
  try {
    const t = statfsSync(dir).type;
    return FS_NAMES[t] ?? `<unknown> (0x${t.toString(16)})`;
  } catch {
    return '<unknown>';
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  } catch {
    /* none */
  }
  return 'Linux';
}

const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ia32: 'i686', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };

export interface Info {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][];
  LoggingDriver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  DockerRootDir: string;
  Name: string;
  ServerVersion: string;
  SecurityOptions: string[];
  FirewallBackend: { Driver: string };
  /** Docker's (pre-swarm) cluster fields; set only with a cluster configured (docs/overlay.md). */
  ClusterStore?: string;
  ClusterAdvertise?: string;
  /** minidock's: this host's id in the cluster and the hosts registered there now. */
  ClusterHostID?: string;
  ClusterPeers?: { ID: string; Address: string; Name: string }[];
  ClusterError?: string;
}

/** The cluster part of info (only loaded with a cluster configured). */
async function clusterInfo(): Promise<Partial<Info>> {
  if (!process.env.MINIDOCK_CLUSTER && !existsSync(join(paths.root(), 'config.json'))) return {};
  const { clusterConfig } = await import('../../engine/cluster/config.js');
  const cfg = clusterConfig();
  if (!cfg) return {};
  const { hostId } = await import('../../engine/cluster/host.js');
  const { Etcd } = await import('../../engine/cluster/etcd.js');
  const { HOSTS } = await import('../../engine/cluster/keys.js');
  const out: Partial<Info> = { ClusterStore: `etcd://${cfg.endpoints.map((e) => e.replace(/^http:\/\//, '')).join(',')}`, ClusterAdvertise: cfg.advertise, ClusterHostID: hostId() };
  try {
    const { kvs } = await new Etcd(cfg.endpoints).range(HOSTS);
    out.ClusterPeers = kvs.map((kv) => {
      const v = JSON.parse(kv.value) as { vtep?: string; name?: string };
      return { ID: kv.key.slice(HOSTS.length), Address: v.vtep ?? '', Name: v.name ?? '' };
    });
  } catch (e) {
    out.ClusterError = (e as Error).message;
  }
  return out;
}

export function gatherInfo(): Info {
  const states = allRecords().map((r) => stateOf(r));
  const running = states.filter((s) => s.Running && !s.Paused).length;
  const paused = states.filter((s) => s.Paused).length;
  return {
    ID: '',
    Containers: states.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: states.length - running - paused,
    Images: listImages().length,
    Driver: 'overlay2',
    DriverStatus: [
      ['Backing Filesystem', backingFs(paths.root())],
      ['Supports d_type', 'true'],
      ['Using metacopy', 'false'],
      ['Native Overlay Diff', 'true'],
      ['userxattr', 'false'],
    ],
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: String(layout().version),
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSType: 'linux',
    Architecture: ARCH[arch()] ?? arch(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: paths.root(),
    Name: hostname(),
    ServerVersion: VERSION,
    SecurityOptions: ['name=seccomp,profile=builtin'],
    FirewallBackend: { Driver: 'iptables' },
  };
}

export async function info(o: { format?: string }): Promise<number> {
  const i = { ...gatherInfo(), ...(await clusterInfo()) };
  if (o.format) {
    process.stdout.write(parseTemplate(o.format).render(i) + '\n');
    return 0;
  }
  const lines = [
    'Client:',
    ` Version:    ${VERSION}`,
    ' Context:    default',
    ' Debug Mode: false',
    '',
    'Server:',
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion} (minidock, no daemon)`,
    ` Storage Driver: ${i.Driver}`,
    ...i.DriverStatus.map(([k, v]) => `  ${k}: ${v}`),
    ` Logging Driver: ${i.LoggingDriver}`,
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    ' Plugins:',
    '  Network: bridge host ipvlan macvlan null overlay', // Docker's names (null = --network none); drivers/index.ts
    '  Log: json-file',
    ' Security Options:',
    '  seccomp',
    '   Profile: builtin',
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` OSType: ${i.OSType}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    ` Total Memory: ${bytesSize(i.MemTotal)}`,
    ` Name: ${i.Name}`,
    ` Docker Root Dir: ${i.DockerRootDir}`,
    ' Debug Mode: false',
    ` Firewall Backend: ${i.FirewallBackend.Driver}`,
    ...(i.ClusterStore
      ? [
          ` Cluster Store: ${i.ClusterStore}`,
          ` Cluster Advertise: ${i.ClusterAdvertise}`,
          ` Cluster Host ID: ${i.ClusterHostID}`,
          i.ClusterError ? ` Cluster Peers: unknown (${i.ClusterError})` : ` Cluster Peers: ${i.ClusterPeers!.length} (hosts using an overlay network now)`,
          ...(i.ClusterPeers ?? []).map((p) => `  ${p.ID} ${p.Address} ${p.Name}${p.ID === i.ClusterHostID ? ' (this host)' : ''}`),
        ]
      : []),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
