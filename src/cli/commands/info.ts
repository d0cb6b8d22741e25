// `info` / `system info [--format]`: Docker's layout, for what applies without a daemon, plus
// minidock's own lines (the firewall backend). --format takes Docker's field names
// ({{.Containers}}, {{.ContainersPaused}}, {{.CgroupVersion}}, {{.DockerRootDir}}, {{json .}}, …).
import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { parseTemplate } from '../template.js';
import { bytesSize } from '../../units.js';
import { paths } from '../../state/paths.js';
import { allRecords, stateOf } from '../../engine/container/record.js';
import { listImages } from '../../engine/image/store.js';
import { layout } from '../../runtime/cgroups.js';
import { VERSION } from '../version.js';
import { firewallName } from '../../engine/network/firewall/index.js';

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
    FirewallBackend: { Driver: firewallName() },
  };
}

export function info(o: { format?: string }): number {
  const i = gatherInfo();
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
    '  Network: bridge host ipvlan macvlan null', // Docker's names (null = --network none); drivers/index.ts
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
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
