// Bulk TCP traffic across the test cluster's hosts (test/helpers/cluster.ts) with iperf3 — the
// host's binary, run in a network namespace of that host (a container's, `minidock-<id12>`, or
// the host's own): the data path is the namespace's, whatever binary drives it. Used by
// test/integration/overlay-bulk.test.ts and by bench/overlay.mjs (bundled by esbuild there).
import { spawnSync } from 'node:child_process';
import type { Host } from './cluster.js';

export { Cluster, Host } from './cluster.js';

export interface Iperf {
  /** bytes the receiver got */
  received: number;
  sent: number;
  /** receiver's throughput, bits per second */
  bps: number;
  /** the sender's TCP MSS */
  mss: number;
  retransmits: number;
  /**
   * CPU seconds per GB received: iperf3's own measure of its client's and server's process time
   * (user + system, which holds the softirq work the kernel runs in their context: most of a
   * veth/bridge/VXLAN path) over the bytes. Steadier than the throughput on a loaded machine.
   */
  cpuPerGB: number;
}

/** argv prefix that runs a command in netns `ns` of host `h` ('' = the host's own). */
const inNs = (ns: string, cmd: string[]) => (ns ? ['ip', 'netns', 'exec', ns, ...cmd] : cmd);

let port = 5201;

/**
 * One iperf3 TCP run from `client` (netns `cNs`) to `to` on `server` (netns `sNs`): a one-off
 * daemonized server, then the client with `args` (`-n 20M`, `-t 3`…). Throws on any failure.
 */
export function iperf(server: Host, sNs: string, client: Host, cNs: string, to: string, args: string[]): Iperf {
  const p = String(port++);
  const [scmd, ...sargs] = inNs(sNs, ['iperf3', '-s', '-1', '-D', '-p', p]);
  const s = server.exec(scmd, sargs);
  if (s.code !== 0) throw new Error(`iperf3 server: ${s.stderr}`);
  let r = { code: 1, stdout: '', stderr: '' };
  // the daemon listens a moment after it forks (later on a loaded machine); iperf3 -J may exit 0
  // with its "Connection refused" in the JSON: retried on the message, whatever the exit code
  for (let i = 0; i < 50; i++) {
    const [ccmd, ...cargs] = inNs(cNs, ['iperf3', '-c', to, '-p', p, '-J', ...args]);
    r = client.exec(ccmd, cargs);
    if (!/refused/.test(r.stdout + r.stderr)) break;
    spawnSync('sleep', ['0.1']);
  }
  if (r.code !== 0) throw new Error(`iperf3 -c ${to}: ${r.stdout.slice(0, 400)} ${r.stderr}`);
  const j = JSON.parse(r.stdout) as {
    start: { tcp_mss_default?: number; tcp_mss?: number };
    end: {
      sum_sent?: { bytes: number; retransmits?: number };
      sum_received?: { bytes: number; bits_per_second: number; seconds: number };
      cpu_utilization_percent?: { host_total: number; remote_total: number };
    };
    error?: string;
  };
  if (!j.end.sum_sent || !j.end.sum_received) throw new Error(`iperf3 -c ${to}: no totals: ${j.error ?? r.stdout.slice(-400)}`);
  return {
    received: j.end.sum_received.bytes,
    sent: j.end.sum_sent.bytes,
    bps: j.end.sum_received.bits_per_second,
    mss: j.start.tcp_mss_default ?? j.start.tcp_mss ?? 0,
    retransmits: j.end.sum_sent.retransmits ?? 0,
    cpuPerGB: cpuPerGB(j.end.cpu_utilization_percent, j.end.sum_received.seconds, j.end.sum_received.bytes),
  };
}

const cpuPerGB = (c: { host_total: number; remote_total: number } | undefined, secs: number, bytes: number) =>
  c && bytes ? (((c.host_total + c.remote_total) / 100) * secs) / (bytes / 1e9) : NaN;

/** The IPv4 fragmentation counters of a host's own netns (/proc/net/snmp: Ip FragCreates, ReasmReqds). */
export function fragCounters(h: Host): { fragCreates: number; reasmReqds: number } {
  const lines = h.exec('cat', ['/proc/net/snmp']).stdout.split('\n').filter((l) => l.startsWith('Ip:'));
  const names = lines[0].split(/\s+/);
  const vals = lines[1].split(/\s+/).map(Number);
  return { fragCreates: vals[names.indexOf('FragCreates')], reasmReqds: vals[names.indexOf('ReasmReqds')] };
}
