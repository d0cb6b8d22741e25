// GET /containers/{id}/stats: Docker's stats JSON (what `docker stats` computes its columns
// from), read from the container's cgroup and netns as `minidock stats` reads them
// (runtime/cgroups.ts readUsage, readNetIO). `stream=false`: one answer, whose precpu_stats is a
// sample taken 1 s before (so a client can compute CPU %), none with `one-shot=true`; otherwise
// one line a second until the client goes or the container stops.
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { boolParam } from './http.js';
import type { Handler } from './routes.js';
import { loadRecord, mustFind, stateOf, type ContainerRecord } from '../engine/container/record.js';
import { readNetIO, readUsage, type Usage } from '../runtime/cgroups.js';

/** The host's CPU time, ns (Docker's system_cpu_usage: /proc/stat's cpu line, in USER_HZ ticks of 10 ms). */
function systemCpuNs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  return line.split(/\s+/).slice(1, 8).reduce((n, t) => n + Number(t), 0) * 1e7;
}

interface Sample {
  at: Date;
  usage?: Usage;
  system: number;
}

function sample(rec: ContainerRecord): Sample {
  const running = stateOf(rec).Running;
  return { at: new Date(), usage: running ? readUsage(rec.Id, totalmem()) : undefined, system: systemCpuNs() };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuStats(s: Sample | undefined) {
  return {
    cpu_usage: { total_usage: s?.usage?.cpuNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s?.usage ? s.system : 0,
    online_cpus: s?.usage ? availableParallelism() : 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** Docker's StatsJSON; memory_stats.usage is already without the inactive page cache (so no stats.inactive_file). */
export function statsJson(rec: ContainerRecord, cur: Sample, pre: Sample | undefined): Record<string, unknown> {
  const u = cur.usage;
  const pid = stateOf(rec).Pid;
  const networks: Record<string, unknown> = {};
  if (u && pid) {
    for (const [name, n] of Object.entries(readNetIO(pid))) {
      networks[name] = { rx_bytes: n.rx, rx_packets: n.rxPackets, rx_errors: 0, rx_dropped: 0, tx_bytes: n.tx, tx_packets: n.txPackets, tx_errors: 0, tx_dropped: 0 };
    }
  }
  return {
    read: u ? cur.at.toISOString() : ZERO_TIME,
    preread: pre?.usage ? pre.at.toISOString() : ZERO_TIME,
    pids_stats: u ? { current: u.pids } : {},
    blkio_stats: {
      io_service_bytes_recursive: u ? [{ major: 0, minor: 0, op: 'read', value: u.blkRead }, { major: 0, minor: 0, op: 'write', value: u.blkWrite }] : null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: cpuStats(pre),
    memory_stats: u ? { usage: u.memUsage, limit: u.memLimit, stats: {} } : {},
    name: `/${rec.Name}`,
    id: rec.Id,
    ...(u ? { networks } : {}),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const stats: Handler = async (c, [ref]) => {
  const rec = mustFind(ref);
  const stream = boolParam(c.query, 'stream', true);
  const oneShot = boolParam(c.query, 'one-shot');
  const res = c.res!;
  let gone = false;
  res.once('close', () => (gone = true));
  res.writeHead(200, { 'Content-Type': 'application/json' });
  let pre: Sample | undefined;
  if (!stream) {
    if (!oneShot && stateOf(rec).Running) {
      pre = sample(rec);
      await sleep(1000);
    }
    res.end(JSON.stringify(statsJson(rec, sample(loadRecord(rec.Id) ?? rec), pre)) + '\n');
    return 200;
  }
  res.flushHeaders();
  // as Docker's: a line a second while it runs (one more once it stopped, then the end)
  for (;;) {
    const cur = loadRecord(rec.Id);
    if (!cur || gone) break;
    const s = sample(cur);
    res.write(JSON.stringify(statsJson(cur, s, pre)) + '\n');
    if (!s.usage) break;
    pre = s;
    await sleep(1000);
  }
  res.end();
  return 200;
};
