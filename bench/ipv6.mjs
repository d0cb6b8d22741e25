#!/usr/bin/env node
// IPv6 benchmarks (issue 14), run by bench/run.mjs (`npm run bench -- ipv6`), in a throwaway host
// netns and state root of their own:
//   - `run --rm busybox true` on a dual-stack network vs an IPv4-only one (target ≤ 1.05×),
//     the rows interleaved so a busy machine slows both alike
//   - iperf3 throughput from the host through a v6 published port (the host's IPv6 address,
//     DNATed in nat OUTPUT) vs straight to the container's IPv6 address (target ≥ 0.9×)
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { BIN, labHost, timed } from './lab.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 15);
const SECS = Number(process.env.BENCH_IPERF_SECS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const ns = `mdb6-${process.pid}`;
const { root, inHost, md } = labHost(ns, 'mdbench-v6-');

/** One iperf3 run from the host to ADDR:PORT, a one-off server in the container's netns; Mbit/s received. */
function iperf(netnsPath, addr, port) {
  const server = spawn('nsenter', [`--net=${netnsPath}`, '--', 'iperf3', '-s', '-1', '-p', '5201'], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !spawnSync('nsenter', [`--net=${netnsPath}`, '--', 'ss', '-ltn'], { encoding: 'utf8' }).stdout.includes(':5201 '); i++) spawnSync('sleep', ['0.05']);
  const r = inHost('iperf3', ['-c', addr, '-p', String(port), '-t', String(SECS), '-J']);
  server.kill();
  if (r.status !== 0) throw new Error(`iperf3 -c ${addr} -p ${port}: ${r.stdout.slice(0, 400)} ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  if (!j.end?.sum_received) throw new Error(`iperf3 -c ${addr} -p ${port}: ${j.error ?? r.stdout.slice(0, 400)}`);
  return j.end.sum_received.bits_per_second / 1e6;
}

try {
  console.log(`\n# IPv6 (issue 14)`);
  md('network', 'create', '--subnet', '10.210.0.0/24', 'v4only');
  md('network', 'create', '--ipv6', '--subnet', '10.211.0.0/24', '--subnet', 'fd00:210::/64', 'dual');
  const rows = [['v4only', []], ['dual', []]];
  for (let i = 0; i <= RUNS; i++) {
    for (const [net, xs] of rows) {
      const ms = timed(() => md('run', '--rm', '--network', net, 'busybox', 'true'));
      if (i > 0) xs.push(ms); // the first round warms caches
    }
  }
  const [v4, dual] = rows.map(([, xs]) => median(xs));
  console.log(`run --rm busybox true, IPv4-only network:   ${v4.toFixed(1)} ms (median of ${RUNS})`);
  console.log(`run --rm busybox true, dual-stack network:  ${dual.toFixed(1)} ms (median of ${RUNS}) → ${(dual / v4).toFixed(3)}× (target ≤ 1.05×)`);

  // the host's own IPv6 address (on lo: nothing leaves the netns; not ::1, which no DNAT serves)
  const a = inHost('ip', ['-6', 'addr', 'add', '2001:db8:b6::1/128', 'dev', 'lo', 'nodad']);
  if (a.status !== 0) throw new Error(`ip -6 addr add: ${a.stderr}`);
  const id = md('run', '-d', '--network', 'dual', '-p', '18081:5201', 'busybox', 'sleep', '600');
  const ip6 = md('inspect', '-f', '{{(index .NetworkSettings.Networks "dual").GlobalIPv6Address}}', id);
  const netnsPath = md('inspect', '-f', '{{.NetworkSettings.SandboxKey}}', id);
  const direct = median([0, 1, 2].map(() => iperf(netnsPath, ip6, 5201)));
  const published = median([0, 1, 2].map(() => iperf(netnsPath, '2001:db8:b6::1', 18081)));
  console.log(`iperf3 straight to [${ip6}]:5201:          ${direct.toFixed(0)} Mbit/s (median of 3 × ${SECS} s)`);
  console.log(`iperf3 via [2001:db8:b6::1]:18081 (v6 DNAT): ${published.toFixed(0)} Mbit/s → ${(published / direct).toFixed(2)}× (target ≥ 0.9×; no proxy process)`);
  md('rm', '-f', id);
} finally {
  const ids = inHost(process.execPath, ['--', BIN, 'ps', '-aq']).stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length) inHost(process.execPath, ['--', BIN, 'rm', '-f', ...ids]);
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
}
