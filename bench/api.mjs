#!/usr/bin/env node
// The Engine API service (issue 17; not a test): `docker run --rm busybox true` through
// minidock's socket beside minidock's own CLI and, when bench/run.mjs started its dockerd
// (BENCH_DOCKER=1, DOCKER_HOST), Docker's engine; `docker ps` with N containers through the
// socket beside `minidock ps` and Docker's; the service's RSS idle and after the loops.
// Targets: through the socket ≤ 0.5× Docker's engine; idle RSS ≤ 60 MB. Run by bench/run.mjs
// (`npm run bench -- api`), or alone in a netns of your own:
//   MINIDOCK_ROOT=/tmp/x BENCH_RUNS=5 BENCH_API_N=50 node bench/api.mjs
// Containers use --network none on every side (the bench's Docker has no bridge).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'minidock');
const RUNS = Number(process.env.BENCH_RUNS || 11);
const N = Number(process.env.BENCH_API_N || 50);
const withDocker = process.env.BENCH_DOCKER === '1';
const DOCKER = process.env.BENCH_DOCKER_CLI || 'docker';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
function time(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}
function sh(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** rows timed round-robin in one loop (a busy machine slows them alike); ratios to the first */
function interleaved(rows) {
  const xs = rows.map(() => []);
  for (let i = 0; i <= RUNS; i++) rows.forEach(([, c, a, e], k) => {
    const ms = time(c, a, e);
    if (i > 0) xs[k].push(ms); // the first round warms caches
  });
  const ms = xs.map(median);
  rows.forEach(([label], k) => console.log(`${label.padEnd(58)} ${ms[k].toFixed(1).padStart(8)} ms  (median of ${RUNS}, min ${Math.min(...xs[k]).toFixed(1)})${k ? `  ${(ms[k] / ms[0]).toFixed(2)}x first` : ''}`));
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), 'mdbench-api-'));
const sock = join(dir, 'api.sock');
const mdEnv = { ...process.env };
const viaSock = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'docker-config'), DOCKER_CLI_HINTS: 'false' };
const engineEnv = withDocker ? { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config'), DOCKER_CLI_HINTS: 'false' } : undefined;
const svc = spawn(process.execPath, ['--', BIN, 'system', 'service', '--socket', `unix://${sock}`, '--time', '0'], { env: mdEnv, stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
svc.stderr.on('data', (d) => (log += d));
const made = { md: [], engine: [] };
try {
  for (let i = 0; i < 200 && !(existsSync(sock) && log.includes('serving')); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(sock)) throw new Error(`the service did not start: ${log}`);
  await new Promise((r) => setTimeout(r, 500));
  console.log(`\n# Engine API service (issue 17)\nservice RSS idle, just started: ${rssMb(svc.pid).toFixed(1)} MB (target <= 60 MB)`);
  sh(process.execPath, ['--', BIN, 'run', '--rm', '--network', 'none', 'busybox', 'true'], mdEnv); // the builtin busybox
  const runRows = [
    ['minidock run --rm --network none busybox true', process.execPath, ['--', BIN, 'run', '--rm', '--network', 'none', 'busybox', 'true'], mdEnv],
    ['docker run --rm --network none busybox true (minidock socket)', DOCKER, ['run', '--rm', '--network', 'none', 'busybox', 'true'], viaSock],
  ];
  if (engineEnv) runRows.push(["docker run --rm --network none busybox true (Docker's engine)", DOCKER, ['run', '--rm', '--network', 'none', 'busybox', 'true'], engineEnv]);
  const run = interleaved(runRows);
  if (engineEnv) console.log(`through the socket / Docker's engine: ${(run[1] / run[2]).toFixed(2)}x (target <= 0.5x)`);

  for (let i = 0; i < N; i++) {
    made.md.push(sh(DOCKER, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600'], viaSock));
    if (engineEnv) made.engine.push(sh(DOCKER, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600'], engineEnv));
  }
  const psRows = [
    [`minidock ps (${N} containers)`, process.execPath, ['--', BIN, 'ps'], mdEnv],
    [`docker ps (${N} containers, minidock socket)`, DOCKER, ['ps'], viaSock],
  ];
  if (engineEnv) psRows.push([`docker ps (${N} containers, Docker's engine)`, DOCKER, ['ps'], engineEnv]);
  const ps = interleaved(psRows);
  if (engineEnv) console.log(`docker ps through the socket / Docker's engine: ${(ps[1] / ps[2]).toFixed(2)}x`);
  console.log(`service RSS after the loops: ${rssMb(svc.pid).toFixed(1)} MB`);
  // V8 gives back what a burst of requests grew only after some idle seconds (docs/engine-api.md)
  await new Promise((r) => setTimeout(r, 8000));
  console.log(`service RSS 8 s after the loops: ${rssMb(svc.pid).toFixed(1)} MB`);
} finally {
  if (made.md.length) spawnSync(process.execPath, ['--', BIN, 'rm', '-f', ...made.md], { env: mdEnv, stdio: 'ignore' });
  if (made.engine.length) spawnSync(DOCKER, ['rm', '-f', ...made.engine], { env: engineEnv, stdio: 'ignore' });
  svc.kill('SIGTERM');
  await new Promise((r) => (svc.exitCode !== null ? r() : svc.once('exit', r)));
  rmSync(dir, { recursive: true, force: true });
}
