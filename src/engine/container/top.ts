// `top`: the host's ps, restricted to the container's processes, as Docker's daemon does it
// (moby daemon/top_unix.go): ps runs with the user's options (default -ef) plus -q PIDS, or,
// when those options cannot take -q (e.g. f), without it; its output is then filtered to the
// rows whose PID column is one of the container's. The container's processes are those of its
// cgroup (exec'd ones join it too), or, without a cgroup, those in its PID namespace.
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { readText } from '../../state/atomic.js';
import { existingCgroupDirs } from '../../runtime/cgroups.js';
import { childEnv } from '../../host/env.js';
import { mustFind, stateOf } from './record.js';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** Docker refuses `ps` options that would rename the PID column (it could not find it then). */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw new UserError(`Error response from daemon: specifying "${m[1]}=${m[2]}" is not allowed`, 1);
  }
}

/** Go's strings.FieldsFunc on ASCII white space (what moby splits ps output with). */
const fields = (s: string): string[] => s.split(/[\t\n\f\r ]+/).filter(Boolean);

/** moby's parsePSOutput: keeps the rows of `pids` (and the thread rows under them, PID "-"). */
export function parsePsOutput(output: string, pids: Set<number>): TopResult {
  const lines = output.split('\n');
  const titles = fields(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new UserError("Error response from daemon: Couldn't find PID field in ps output", 1);
  const out: TopResult = { Titles: titles, Processes: [] };
  // The last title takes the rest of the line (CMD has spaces).
  const add = (f: string[]) => out.Processes.push([...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')]);
  let inside = false;
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = fields(line);
    if (f[pidIndex] === '-') {
      if (inside) add(f);
      continue;
    }
    const p = Number(f[pidIndex]);
    if (!/^\d+$/.test(f[pidIndex] ?? '')) throw new UserError(`Error response from daemon: Unexpected pid '${f[pidIndex]}': not a number`, 1);
    inside = pids.has(p);
    if (inside) add(f);
  }
  return out;
}

/** The container's processes (host PIDs). */
function containerPids(id: string, pid1: number): Set<number> {
  for (const d of existingCgroupDirs(id)) {
    const text = readText(join(d, 'cgroup.procs'));
    if (text !== undefined) return new Set(text.split('\n').filter(Boolean).map(Number));
  }
  // No cgroup: the processes of its PID namespace.
  const ns = (p: number | string) => {
    try {
      return readlinkSync(`/proc/${p}/ns/pid`);
    } catch {
      return undefined;
    }
  };
  const want = ns(pid1);
  const out = new Set<number>();
  if (!want) return out;
  for (const n of readdirSync('/proc')) if (/^\d+$/.test(n) && ns(n) === want) out.add(Number(n));
  return out;
}

export function topContainer(ref: string, psArgv: string[]): TopResult {
  const rec = mustFind(ref);
  // Docker's CLI joins the options with spaces and its daemon splits them at spaces again.
  const psArgs = psArgv.length ? psArgv.join(' ') : '-ef';
  validatePsArgs(psArgs);
  const st = stateOf(rec);
  if (!st.Running) throw new UserError(`Error response from daemon: container ${rec.Id} is not running`, 1);
  const pids = containerPids(rec.Id, st.Pid);
  const args = psArgs.split(' ');
  const ps = (a: string[]) => spawnSync('ps', a, { encoding: 'utf8', env: childEnv(), maxBuffer: 64 << 20 });
  let r = ps([...args, `-q${[...pids].join(',')}`]);
  if (r.status !== 0) {
    // some ps options (such as f) cannot be used together with -q: again without it
    r = ps(args);
    if (r.error) throw new UserError(`Error response from daemon: ps: ${r.error.message}`, 1);
    if (r.status !== 0) {
      const first = (r.stderr ?? '').split('\n')[0];
      throw new UserError(`Error response from daemon: ps: ${first || `exit status ${r.status}`}`, 1);
    }
  }
  return parsePsOutput(r.stdout, pids);
}
