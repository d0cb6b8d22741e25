#!/usr/bin/env node
// Network benchmarks (issue 3), run by bench/run.mjs inside its throwaway host netns:
//   - start time of the 100th container with 99 running vs the 1st (Docker's grows with its rules)
//   - throughput through a published port on 127.0.0.1 vs straight to the container address
import { spawnSync, spawn, execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'minidock');
const hostNs = process.env.MINIDOCK_BENCH_HOSTNS;
if (!hostNs) throw new Error('run me through bench/run.mjs');
const inHost = ['nsenter', `--net=/run/netns/${hostNs}`, '--'];
const env = process.env;
const N = Number(process.env.BENCH_CONTAINERS || 100);

function md(...args) {
  const r = spawnSync(inHost[0], [...inHost.slice(1), process.execPath, '--', BIN, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`minidock ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
function timed(fn) {
  const t0 = process.hrtime.bigint();
  const v = fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, v];
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// --- start time vs number of running containers --------------------------------------------
function startCost(port, trials = 7) {
  const xs = [];
  for (let i = 0; i < trials; i++) {
    const [ms, id] = timed(() => md('run', '-d', '-p', `${port}:80`, 'busybox', 'sleep', '600'));
    xs.push(ms);
    md('rm', '-f', id);
  }
  return median(xs);
}

console.log(`\n# network (issue 3)`);
const first = startCost(20000);
console.log(`run -d -p with 0 running:   ${first.toFixed(1)} ms (median of 7)`);
const ids = [];
for (let i = 1; i < N; i++) ids.push(md('run', '-d', '-p', `${20000 + i}:80`, 'busybox', 'sleep', '600'));
const hundredth = startCost(20000 + N);
console.log(`run -d -p with ${N - 1} running:  ${hundredth.toFixed(1)} ms (median of 7) → ${(hundredth / first).toFixed(2)}× (target ≤ 1.2×)`);
md('rm', '-f', ...ids);

// --- throughput: published port on 127.0.0.1 vs the container address -----------------------
const BYTES = Number(process.env.BENCH_BYTES || 1_000_000_000);
const id = md('run', '-d', '-p', '127.0.0.1:18080:80', 'busybox', 'sleep', '600');
const ip = md('inspect', '-f', '{{.NetworkSettings.IPAddress}}', id);
const netns = md('inspect', '-f', '{{.NetworkSettings.SandboxKey}}', id);

function throughput(target) {
  // a sink inside the container's netns (host socat, so the server is not the bottleneck)
  const sink = spawn('nsenter', [`--net=${netns}`, '--', 'socat', '-u', 'TCP-LISTEN:80,reuseaddr', 'OPEN:/dev/null'], { stdio: 'ignore' });
  spawnSync('sleep', ['0.2']);
  const [ms] = timed(() =>
    execFileSync(inHost[0], [...inHost.slice(1), 'socat', '-u', `OPEN:/dev/zero,readbytes=${BYTES}`, `TCP:${target}`], { stdio: 'ignore' }),
  );
  sink.kill();
  spawnSync('sleep', ['0.1']);
  return (BYTES / 1e6 / (ms / 1000));
}
const direct = median([0, 1, 2].map(() => throughput(`${ip}:80`)));
const published = median([0, 1, 2].map(() => throughput('127.0.0.1:18080')));
console.log(`throughput straight to ${ip}:80:     ${direct.toFixed(0)} MB/s`);
console.log(`throughput via 127.0.0.1:18080 (DNAT): ${published.toFixed(0)} MB/s → ${(published / direct).toFixed(2)}× (target ≥ 0.9×; no proxy process)`);
md('rm', '-f', id);
