#!/usr/bin/env node
// Everyday commands (issue 13; not a test) with N containers running: ps, inspect, logs,
// exec true, stop, rm — each timed in ONE loop with its floor (`node -e 0`) and, where a Docker
// daemon answers (DOCKER_HOST, see bench/docker.mjs), Docker's, so a busy shared machine slows
// all of them alike and the ratios hold. Run by bench/run.mjs, or alone:
//   MINIDOCK_ROOT=/tmp/x node bench/everyday.mjs          BENCH_EVERYDAY_N="30 100" BENCH_RUNS=11
// BENCH_BASE=/path/to/other/minidock/checkout adds its rows to the same loop (before/after a
// change), with a state root of its own.
// Containers use --network none on both sides (the bench's Docker has no bridge).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'minidock');
const RUNS = Number(process.env.BENCH_RUNS || 11);
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
function time(cmd, args, env = process.env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}
const md = (...a) => [process.execPath, ['--', BIN, ...a]];
const dk = (...a) => ['docker', a];
const base = process.env.BENCH_BASE;
const baseEnv = base && { ...process.env, MINIDOCK_ROOT: `${process.env.MINIDOCK_ROOT}-base` };
const bs = (...a) => [process.execPath, ['--', join(base, 'bin', 'minidock'), ...a], baseEnv];
// A container that ends on SIGTERM (PID 1 ignores signals it has no handler for), so `stop`
// measures the stop, not the 10 s grace period.
const TERMABLE = ['sh', '-c', 'echo started; trap "exit 0" TERM; sleep 600 & wait'];

const sides = [['minidock', md], ...(base ? [['base', bs]] : []), ...(docker ? [['docker', dk]] : [])];
const line = (label, ms, floor, extra = '') =>
  console.log(`${label.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / floor).toFixed(2)}x node -e 0${extra}`);

for (const n of COUNTS) {
  // n running containers on each side (the ones the commands act on are among them)
  const ids = {};
  for (const [name, f] of sides) {
    ids[name] = [];
    for (let i = 0; i < n; i++) ids[name].push(sh(...f('run', '-d', '--network', 'none', 'busybox', ...TERMABLE)));
  }
  const rows = ['ps', 'ps -a', 'inspect', 'logs', 'exec true', 'stop', 'rm'];
  const t = { floor: [] };
  for (const [name] of sides) for (const r of rows) t[`${name} ${r}`] = [];
  for (let i = 0; i <= RUNS; i++) {
    const keep = i > 0; // the first round warms caches
    const put = (k, ms) => keep && t[k].push(ms);
    put('floor', time(process.execPath, ['-e', '0']));
    for (const [name, f] of sides) {
      const target = ids[name][n >> 1];
      put(`${name} ps`, time(...f('ps')));
      put('floor', time(process.execPath, ['-e', '0']));
      put(`${name} ps -a`, time(...f('ps', '-a')));
      put(`${name} inspect`, time(...f('inspect', target)));
      put('floor', time(process.execPath, ['-e', '0']));
      put(`${name} logs`, time(...f('logs', target)));
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
  const floor = median(t.floor);
  console.log(`\n# everyday commands with ${n} containers running (median of ${RUNS}, one interleaved loop)`);
  console.log(`${'floor: node -e 0'.padEnd(40)} ${floor.toFixed(1).padStart(7)} ms  (target: each row <= 1.3x)`);
  for (const r of rows) {
    const m = median(t[`minidock ${r}`]);
    const d = docker ? median(t[`docker ${r}`]) : undefined;
    const b = base ? median(t[`base ${r}`]) : undefined;
    line(
      `minidock ${r}`, m, floor,
      (b === undefined ? '' : `   base ${b.toFixed(1)} ms (${(b / floor).toFixed(2)}x)`) +
        (d === undefined ? '' : `   docker ${d.toFixed(1)} ms (${(d / floor).toFixed(2)}x), minidock/docker ${(m / d).toFixed(2)}x`),
    );
  }
  for (const [name, f] of sides) {
    const [c, a, env] = f('rm', '-f', ...ids[name]);
    spawnSync(c, a, { stdio: 'ignore', env: env ?? process.env });
  }
}
