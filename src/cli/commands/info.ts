// `info` / `system info [--format]`: Docker's layout, for what applies without a daemon, plus
// minidock's own lines (the firewall backend, the overlay cluster). --format takes Docker's field names
// ({{.Containers}}, {{.ContainersPaused}}, {{.CgroupVersion}}, {{.DockerRootDir}}, {{json .}}, …).
// The facts come from src/engine/system/info.ts (shared with the Engine API's /info).
import { parseTemplate } from '../template.js';
import { bytesSize } from '../../units.js';
import { clusterInfo, gatherInfo, type Info } from '../../engine/system/info.js';
import { VERSION } from '../../version.js';
import { writeOut } from '../output.js';

export { gatherInfo, type Info };

export async function info(o: { format?: string }): Promise<number> {
  const i = { ...gatherInfo(), ...(await clusterInfo()) };
  if (o.format) {
    writeOut(parseTemplate(o.format).render(i) + '\n');
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
    `  Network: ${i.Plugins.Network.join(' ')}`,
    `  Log: ${i.Plugins.Log.join(' ')}`,
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
  writeOut(lines.join('\n') + '\n');
  return 0;
}
