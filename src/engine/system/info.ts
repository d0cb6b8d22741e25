// What `info` reports (Docker's field names): the CLI's `info` and the Engine API's /info.
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { paths } from '../../state/paths.js';
import { allRecords, statesOf } from '../container/record.js';
import { listImages } from '../image/store.js';
import { layout } from '../../runtime/cgroups.js';
import { VERSION } from '../../version.js';
import { firewallName } from '../network/firewall/index.js';
import { configPath } from '../../state/config.js';

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
  /** Docker's plugin names for what minidock has (null = --network none; drivers/index.ts) */
  Plugins: { Volume: string[]; Network: string[]; Authorization: null; Log: string[] };
  /** Docker's (pre-swarm) cluster fields; set only with a cluster configured (docs/overlay.md). */
  ClusterStore?: string;
  ClusterAdvertise?: string;
  /** minidock's: this host's id in the cluster and the hosts registered there now. */
  ClusterHostID?: string;
  ClusterPeers?: { ID: string; Address: string; Name: string }[];
  ClusterError?: string;
}

/** The cluster part of info (only loaded with a cluster configured). */
export async function clusterInfo(): Promise<Partial<Info>> {
  if (!process.env.MINIDOCK_CLUSTER && !existsSync(configPath())) return {};
  const { clusterConfig } = await import('../cluster/config.js');
  const cfg = clusterConfig();
  if (!cfg) return {};
  const { hostId } = await import('../cluster/host.js');
  const { Etcd } = await import('../cluster/etcd.js');
  const { HOSTS } = await import('../cluster/keys.js');
  const out: Partial<Info> = { ClusterStore: `etcd://${cfg.endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(',')}`, ClusterAdvertise: cfg.advertise, ClusterHostID: hostId() };
  try {
    const { kvs } = await new Etcd(cfg.endpoints, cfg).range(HOSTS);
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
  const states = statesOf(allRecords());
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
    FirewallBackend: { Driver: firewallName() },
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'ipvlan', 'macvlan', 'null', 'overlay'], Authorization: null, Log: ['json-file'] },
  };
}

