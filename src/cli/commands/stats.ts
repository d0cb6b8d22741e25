// `stats`: Docker's columns (CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS), read
// from each container's cgroup and its network namespace. CPU % needs two samples: like
// `docker stats --no-stream`, the usage over one interval (1 s).
import { totalmem } from 'node:os';
import { columns, writeFormatted } from '../template.js';
import { bytesSize, humanSize } from '../../units.js';
export { bytesSize, humanSize };
import { allRecords, mustFind, statesOf, type ContainerRecord } from '../../engine/container/record.js';
import { readNetIO, readUsage, type Usage } from '../../runtime/cgroups.js';

/** A row of `stats`: Docker's fields, in the order its `{{json .}}` prints them (alphabetical). */
export interface StatsRow {
  BlockIO: string;
  CPUPerc: string;
  /** The name or id as the user typed it; the short id when none was given (docker/cli). */
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs: string;
}

/** The column titles of a `table` format: the template rendered with these (docker/cli's header context). */
const HEADER: StatsRow = {
  BlockIO: 'BLOCK I/O', CPUPerc: 'CPU %', Container: 'CONTAINER', ID: 'CONTAINER ID', MemPerc: 'MEM %',
  MemUsage: 'MEM USAGE / LIMIT', Name: 'NAME', NetIO: 'NET I/O', PIDs: 'PIDS',
};

/** Bytes received and sent by the container's interfaces (not lo), from its netns. */
function netIO(pid: number): [number, number] {
  const ifs = Object.values(readNetIO(pid));
  return [ifs.reduce((n, i) => n + i.rx, 0), ifs.reduce((n, i) => n + i.tx, 0)];
}

export function statsRow(rec: ContainerRecord, a: Usage | undefined, b: Usage | undefined, intervalNs: number, pid: number): StatsRow {
  const running = !!b;
  const cpu = a && b && intervalNs > 0 ? ((b.cpuNs - a.cpuNs) / intervalNs) * 100 : 0;
  const mem = b?.memUsage ?? 0;
  const limit = b?.memLimit ?? 0;
  const [rx, tx] = running ? netIO(pid) : [0, 0];
  return {
    BlockIO: `${humanSize(b?.blkRead ?? 0)} / ${humanSize(b?.blkWrite ?? 0)}`,
    CPUPerc: `${Math.max(0, cpu).toFixed(2)}%`,
    Container: rec.Id.slice(0, 12),
    ID: rec.Id.slice(0, 12),
    MemPerc: `${(limit > 0 ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    MemUsage: `${bytesSize(mem)} / ${bytesSize(limit)}`,
    Name: rec.Name,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    PIDs: String(b?.pids ?? 0),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function stats(refs: string[], o: { all?: boolean; stream?: boolean; format?: string; trunc?: boolean }): Promise<number> {
  if (o.stream !== false) {
    // Streaming: a fresh table every second until interrupted, like `docker stats`.
    for (;;) {
      const out: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => (out.push(chunk), true)) as typeof process.stdout.write;
      try {
        await stats(refs, { ...o, stream: false });
      } finally {
        process.stdout.write = write;
      }
      process.stdout.write('\x1b[2J\x1b[H' + out.join(''));
    }
  }
  const listed = refs.length ? refs.map(mustFind) : allRecords();
  const states = statesOf(listed);
  const shown = listed.map((_, i) => i).filter((i) => refs.length || o.all || states[i].Running);
  const recs = shown.map((i) => listed[i]);
  const hostMem = totalmem();
  const pids = shown.map((i) => states[i].Pid);
  const sample = () => recs.map((r, i) => (pids[i] ? readUsage(r.Id, hostMem) : undefined));
  const t0 = process.hrtime.bigint();
  const first = sample();
  const interval = Number(process.env.MINIDOCK_STATS_INTERVAL_MS ?? 1000);
  if (recs.some((_, i) => pids[i])) await sleep(interval);
  const second = sample();
  const ns = Number(process.hrtime.bigint() - t0);
  const rows = recs.map((r, i) => statsRow(r, first[i], second[i], ns, pids[i]));
  if (o.trunc === false) rows.forEach((row, i) => (row.ID = row.Container = recs[i].Id));
  if (refs.length) rows.forEach((row, i) => (row.Container = refs[i]));
  if (o.format) {
    writeFormatted(o.format, rows, { type: 'container.statsContext', headers: { ...HEADER } });
    return 0;
  }
  const table = [
    ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
    ...rows.map((r) => [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs]),
  ];
  process.stdout.write(columns(table) + '\n');
  return 0;
}
