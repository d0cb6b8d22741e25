#!/usr/bin/env node
// Everyday commands (issue 13; not a test) with N containers running: ps, inspect, logs,
// version, images, network ls, port, exec true, stop, rm — each timed in ONE loop with its floor
// (`node -e 0`) and, where a Docker daemon answers (DOCKER_HOST, see bench/docker.mjs), Docker's,
// so a busy shared machine slows all of them alike and the ratios hold. Each row gives the wall
// time and the CPU time (user+sys of the command and the children it waited for: wait4, through
// bench/cputime.c), each beside the floor's: on a loaded machine the CPU time is the steadier
// figure (Docker's CPU time is its CLI's alone: the daemon's work is not counted).
// Run by bench/run.mjs, or alone:
//   MINIDOCK_ROOT=/tmp/x node bench/everyday.mjs          BENCH_EVERYDAY_N="30 100" BENCH_RUNS=21
// BENCH_BASE=/path/to/other/minidock/checkout adds its rows to the same loop (before/after a
// change), with a state root of its own.
// Containers use --network none on both sides (the bench's Docker has no bridge).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'bin', 'minidock');
const RUNS = Number(process.env.BENCH_RUNS || 21);
const tools = mkdtempSync(join(tmpdir(), 'mdbench-cputime-'));
const CPUTIME = join(tools, 'cputime');
execFileSync('cc', ['-O2', '-o', CPUTIME, join(here, 'cputime.c')]);
process.on('exit', () => rmSync(tools, { recursive: true, force: true }));
const COUNTS = (process.env.BENCH_EVERYDAY_N || '30 100').split(/\s+/).filter(Boolean).map(Number);
const docker = process.env.BENCH_DOCKER === '1'; // bench/run.mjs sets it once its daemon answers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
function sh(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
/** { wall, cpu } of one run, in ms (stdout into a pipe, as `$(minidock …)` or `| grep` has it). */
function time(cmd, args, env = process.env) {
  const r = spawnSync(CPUTIME, [cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env, maxBuffer: 1 << 26 });
  const [user, sys, wall, status] = String(r.output[3]).trim().split(' ').map(Number);
  if (r.status !== 0 || status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${status}): ${r.stderr}`);
  return { wall: wall / 1000, cpu: (user + sys) / 1000 };
}
const md = (...a) => [process.execPath, ['--', BIN, ...a]];
const dk = (...a) => ['docker', a];
const base = process.env.BENCH_BASE;
// a state root and a bridge name of its own (a bridge belongs to one root: `network ls` checks)
const baseEnv = base && { ...process.env, MINIDOCK_ROOT: `${process.env.MINIDOCK_ROOT}-base`, MINIDOCK_BRIDGE: 'mdbenchbase0' };
const bs = (...a) => [process.execPath, ['--', join(base, 'bin', 'minidock'), ...a], baseEnv];
// A container that ends on SIGTERM (PID 1 ignores signals it has no handler for), so `stop`
// measures the stop, not the 10 s grace period.
const TERMABLE = ['sh', '-c', 'echo started; trap "exit 0" TERM; sleep 600 & wait'];

// Node reads NODE_EXTRA_CA_CERTS at every start, before any script runs (~30 ms CPU for
// Debian's 140-certificate bundle): the floor and every row pay it, so it is told beside the floor.
const caEnv = process.env.NODE_EXTRA_CA_CERTS ? Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')) : undefined;

const sides = [['minidock', md], ...(base ? [['base', bs]] : []), ...(docker ? [['docker', dk]] : [])];
const fig = (m, floor) => `${m.wall.toFixed(1).padStart(6)} ms ${(m.wall / floor.wall).toFixed(2)}x  cpu ${m.cpu.toFixed(1).padStart(5)} ms ${(m.cpu / floor.cpu).toFixed(2)}x`;
const line = (label, m, floor, extra = '') => console.log(`${label.padEnd(26)} ${fig(m, floor)}${extra}`);

for (const n of COUNTS) {
  // n running containers on each side (the ones the commands act on are among them)
  const ids = {};
  for (const [name, f] of sides) {
    ids[name] = [];
    for (let i = 0; i < n; i++) ids[name].push(sh(...f('run', '-d', '--network', 'none', 'busybox', ...TERMABLE)));
  }
  const rows = ['ps', 'ps -a', 'inspect', 'logs', 'version', 'images', 'network ls', 'port', 'exec true', 'stop', 'rm'];
  const t = { floor: [], floorNoCa: [] };
  for (const [name] of sides) for (const r of rows) t[`${name} ${r}`] = [];
  for (let i = 0; i <= RUNS; i++) {
    const keep = i > 0; // the first round warms caches
    const put = (k, m) => keep && t[k].push(m);
    put('floor', time(process.execPath, ['-e', '0']));
    if (caEnv) put('floorNoCa', time(process.execPath, ['-e', '0'], caEnv));
    for (const [name, f] of sides) {
      const target = ids[name][n >> 1];
      put(`${name} ps`, time(...f('ps')));
      put('floor', time(process.execPath, ['-e', '0']));
      put(`${name} ps -a`, time(...f('ps', '-a')));
      put(`${name} inspect`, time(...f('inspect', target)));
      put('floor', time(process.execPath, ['-e', '0']));
      put(`${name} logs`, time(...f('logs', target)));
      put(`${name} version`, time(...f('version')));
      put('floor', time(process.execPath, ['-e', '0']));
      put(`${name} images`, time(...f('images')));
      put(`${name} network ls`, time(...f('network', 'ls')));
      put('floor', time(process.execPath, ['-e', '0']));
      put(`${name} port`, time(...f('port', target)));
      put(`${name} exec true`, time(...f('exec', target, 'true')));
      put('floor', time(process.execPath, ['-e', '0']));
      // stop and rm act on an extra container, so the n running stay n
      const extra = sh(...f('run', '-d', '--network', 'none', 'busybox', ...TERMABLE));
      put(`${name} stop`, time(...f('stop', extra)));
      put(`${name} rm`, time(...f('rm', extra)));
      // the stopped container's shim runs `minidock internal-cleanup` in the background (a Node
      // process): let it end before the next timed row, which it would otherwise slow down
      spawnSync('sleep', ['0.3']);
    }
  }
  // medians of wall and of CPU time, each over the runs
  const med = (xs) => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
  const floor = med(t.floor);
  console.log(`\n# everyday commands with ${n} containers running (median of ${RUNS}, one interleaved loop; wall, then CPU user+sys; ratios to node -e 0)`);
  console.log(`${'floor: node -e 0'.padEnd(26)} ${fig(floor, floor)}   (target: each row <= 1.3x)`);
  if (caEnv) {
    const bare = med(t.floorNoCa);
    console.log(`${''.padEnd(26)} NODE_EXTRA_CA_CERTS is set: node -e 0 without it ${bare.wall.toFixed(1)} ms, cpu ${bare.cpu.toFixed(1)} ms; the floor and every row below pay the difference`);
  }
  for (const r of rows) {
    const m = med(t[`minidock ${r}`]);
    const d = docker ? med(t[`docker ${r}`]) : undefined;
    const b = base ? med(t[`base ${r}`]) : undefined;
    line(
      `minidock ${r}`, m, floor,
      (b === undefined ? '' : `   base ${fig(b, floor)}`) +
        (d === undefined ? '' : `   docker ${fig(d, floor)}, minidock/docker wall ${(m.wall / d.wall).toFixed(2)}x`),
    );
  }
  for (const [name, f] of sides) {
    const [c, a, env] = f('rm', '-f', ...ids[name]);
    spawnSync(c, a, { stdio: 'ignore', env: env ?? process.env });
  }
}
// the base checkout's state root is this bench's own (bench/run.mjs removes only its own root)
if (baseEnv) rmSync(baseEnv.MINIDOCK_ROOT, { recursive: true, force: true });
