#!/usr/bin/env node
// minidock benchmarks (not tests): medians over repeated runs, printed beside their floors.
//   npm run bench            all
//   npm run bench -- start   only the container start figures (also: pull, net, everyday, api, firewall, ipv6)
//   npm run bench -- overlay  an overlay network: throughput vs hand-made VXLAN and plain veth, time from
//                             run -d to the first ping across hosts, etcd writes per run -d / rm -f (etcd, iperf3, ping)
//   npm run bench -- --docker          the same beside Docker: a dockerd of the bench's own, in
//                                      its throwaway netns (bench/docker.mjs), stopped at the end
// Runs as root with its own MINIDOCK_ROOT and bridge, and cleans up after itself.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDocker } from './docker.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'bin', 'minidock');
const root = mkdtempSync(join(tmpdir(), 'mdbench-'));
const env = { ...process.env, MINIDOCK_ROOT: root };
// The bench's "host" is a throwaway netns: its bridge and firewall rules vanish with it.
const hostNs = `mdbench-${process.pid}`;
execFileSync('ip', ['netns', 'add', hostNs]);
execFileSync('ip', ['-n', hostNs, 'link', 'set', 'lo', 'up']);
const inHost = ['nsenter', `--net=/run/netns/${hostNs}`, '--'];
const RUNS = Number(process.env.BENCH_RUNS || 15);
const args = process.argv.slice(2);
const compareDocker = args.includes('--docker');
const only = args.find((a) => !a.startsWith('--'));

function timeOnce(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const md = (...a) => [inHost[0], [...inHost.slice(1), process.execPath, '--', BIN, ...a]];
const mdSync = (...a) => execFileSync(inHost[0], [...inHost.slice(1), process.execPath, '--', BIN, ...a], { env }).toString().trim();
const results = {};
let docker; // { env, stop } once the bench's own dockerd answers (--docker)
// Ctrl-C reaches the timed child too (one process group): it fails, and the `finally` below
// then removes the containers, the netns and the bench's dockerd instead of leaving them.
process.on('SIGINT', () => console.log('\ninterrupted: cleaning up'));

/**
 * Times the rows round-robin in one loop (a busy shared machine then slows them all alike, and
 * their ratios hold), prints each median with its ratio to the first row (the floor).
 */
function interleaved(rows, runs = RUNS) {
  const xs = rows.map(() => []);
  for (let i = 0; i <= runs; i++) {
    rows.forEach(([, cmd, a, opts], k) => {
      const ms = timeOnce(cmd, a, opts);
      if (i > 0) xs[k].push(ms); // the first round warms caches
    });
  }
  const ms = xs.map(median);
  rows.forEach(([label], k) => {
    const ratio = k === 0 ? '' : `  ${(ms[k] / ms[0]).toFixed(2)}x floor`;
    console.log(`${label.padEnd(52)} ${ms[k].toFixed(1).padStart(8)} ms  (median of ${runs}, min ${Math.min(...xs[k]).toFixed(1)})${ratio}`);
  });
  return ms;
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

try {
  console.log(`minidock bench — ${new Date().toISOString()} — ${process.version}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'cpu?'}`);
  if (compareDocker) {
    docker = await startDocker(hostNs);
    if (docker.skipped) console.log(`Docker: not compared: ${docker.skipped}`);
    else console.log(`Docker: a dockerd of the bench's own (${docker.env.DOCKER_HOST}), busybox imported from /bin/busybox`);
  } else {
    console.log('Docker: not compared (npm run bench -- --docker starts a dockerd of the bench\'s own)');
  }
  const dockerEnv = docker?.env;
  if (!only || only === 'start') {
    console.log('\n# container start (issue 2)');
    const rows = [
      ['floor: node -e 0', process.execPath, ['-e', '0']],
      ['floor: unshare --pid --mount --uts --ipc --net --fork true', 'unshare', ['--pid', '--mount', '--uts', '--ipc', '--net', '--fork', 'true']],
      ['minidock run --rm --network none busybox true', ...md('run', '--rm', '--network', 'none', 'busybox', 'true')],
      ['minidock run --rm busybox true (bridge)', ...md('run', '--rm', 'busybox', 'true')],
    ];
    // The bench's dockerd has no bridge (--bridge none): its containers have no network.
    if (dockerEnv) rows.push(['docker run --rm --network none busybox true', 'docker', ['run', '--rm', '--network', 'none', 'busybox', 'true'], { env: dockerEnv }]);
    [results.nodeFloor, results.unshareFloor, results.runNone, results.run, results.docker] = interleaved(rows);
    console.log(`network cost (bridge - none): ${(results.run - results.runNone).toFixed(1)} ms`);
    if (dockerEnv) console.log(`minidock / docker, run --rm --network none busybox true: ${(results.runNone / results.docker).toFixed(2)}x`);
    // On a cgroup v1 host, the same with cgroup v2 (a cgroup2 mount of the bench's own): there the
    // shim creates the process right in its cgroup (clone3 CLONE_INTO_CGROUP), without a migration.
    const v1 = spawnSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup']).stdout?.toString().trim() !== 'cgroup2fs';
    const cg2 = join(root, 'cgroup2');
    if (v1 && spawnSync('mkdir', ['-p', cg2]).status === 0 && spawnSync('mount', ['-t', 'cgroup2', 'none', cg2]).status === 0) {
      try {
        const v2env = { env: { ...env, MINIDOCK_CGROUP_ROOT: cg2 } };
        const [c, a] = md('run', '--rm', '--network', 'none', 'busybox', 'true');
        timeOnce(c, a, v2env);
        const xs = Array.from({ length: RUNS }, () => timeOnce(c, a, v2env));
        results.runNoneV2 = median(xs);
        console.log(`${'… the same on cgroup v2 (a cgroup2 mount)'.padEnd(52)} ${results.runNoneV2.toFixed(1).padStart(8)} ms  (median of ${RUNS}, min ${Math.min(...xs).toFixed(1)})`);
      } finally {
        spawnSync('rmdir', [join(cg2, 'minidock')]);
        spawnSync('umount', [cg2]);
      }
    }

    // What watches a detached container: the shim's RSS, outside the container's own processes.
    const id = mdSync('run', '-d', '--network', 'none', 'busybox', 'sleep', '60');
    const pid = Number(mdSync('inspect', '-f', '{{.State.Pid}}', id));
    const shim = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    results.shimRssKb = rssKb(shim);
    console.log(`watcher (minidock-shim) RSS per detached container: ${results.shimRssKb} kB (target <= 5120 kB)`);
    mdSync('rm', '-f', id);
  }
  if (!only || only === 'pull') {
    // image pull vs skopeo, and disk use of 10 containers (issue 5); needs docker-registry + skopeo
    // in the bench's netns, where its dockerd is: both pull from the same registry on its loopback
    const r = spawnSync(inHost[0], [...inHost.slice(1), process.execPath, join(here, 'pull.mjs')], {
      env: { ...process.env, ...(dockerEnv ? { DOCKER_HOST: dockerEnv.DOCKER_HOST, BENCH_DOCKER: '1' } : {}) },
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exitCode = 1;
  }
  if (!only || only === 'everyday') {
    // ps, inspect, logs, version, images, network ls, port, exec, stop, rm with 30 and 100
    // containers (issue 13), in the bench's netns (`network ls` reads the bridge)
    const r = spawnSync(inHost[0], [...inHost.slice(1), process.execPath, join(here, 'everyday.mjs')], {
      env: { ...env, ...(dockerEnv ? { DOCKER_HOST: dockerEnv.DOCKER_HOST, BENCH_DOCKER: '1' } : {}) },
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exitCode = 1;
  }
  if (!only || only === 'api') {
    // the Engine API service: docker run / docker ps through its socket (issue 17), in the bench's netns
    const r = spawnSync(inHost[0], [...inHost.slice(1), process.execPath, join(here, 'api.mjs')], {
      env: { ...env, ...(dockerEnv ? { DOCKER_HOST: dockerEnv.DOCKER_HOST, BENCH_DOCKER: '1' } : {}) },
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exitCode = 1;
  }
  if (!only || only === 'net') {
    const netBench = join(here, 'net.mjs');
    if (existsSync(netBench)) {
      const r = spawnSync(process.execPath, [netBench], { env: { ...env, MINIDOCK_BENCH_HOSTNS: hostNs }, stdio: 'inherit' });
      if (r.status !== 0) process.exitCode = 1;
    }
  }
  if (only === 'overlay') {
    // a cluster of netns hosts of its own (bench/overlay.mjs); not in the default set: it needs etcd and iperf3
    const r = spawnSync(process.execPath, [join(here, 'overlay.mjs')], { env, stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
  if (!only || only === 'ipv6') {
    // dual stack vs IPv4-only start, v6 published-port throughput (bench/ipv6.mjs: a netns and root of its own)
    const r = spawnSync(process.execPath, [join(here, 'ipv6.mjs')], { env, stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
  if (!only || only === 'firewall') {
    // each backend in a throwaway netns and state root of its own (bench/firewall.mjs)
    const r = spawnSync(process.execPath, [join(here, 'firewall.mjs')], { env, stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
} finally {
  const ids = spawnSync(md('ps', '-aq', '--no-trunc')[0], md('ps', '-aq', '--no-trunc')[1], { env }).stdout?.toString().split('\n').filter(Boolean) ?? [];
  if (ids.length) spawnSync(md('rm', '-f', ...ids)[0], md('rm', '-f', ...ids)[1], { env, stdio: 'ignore' });
  spawnSync('ip', ['netns', 'del', hostNs], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
  if (docker?.stop) await docker.stop();
}
