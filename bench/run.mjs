#!/usr/bin/env node
// minidock benchmarks (not tests): medians over repeated runs, printed beside their floors.
//   npm run bench            all
//   npm run bench -- start   only the container start figures
// Runs as root with its own MINIDOCK_ROOT and bridge, and cleans up after itself.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

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
const only = process.argv[2];

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

function bench(label, cmd, args, runs = RUNS) {
  timeOnce(cmd, args); // warm caches
  const xs = Array.from({ length: runs }, () => timeOnce(cmd, args));
  const m = median(xs);
  console.log(`${label.padEnd(52)} ${m.toFixed(1).padStart(8)} ms  (median of ${runs}, min ${Math.min(...xs).toFixed(1)})`);
  return m;
}

const md = (...a) => [inHost[0], [...inHost.slice(1), process.execPath, '--', BIN, ...a]];
const mdSync = (...a) => execFileSync(inHost[0], [...inHost.slice(1), process.execPath, '--', BIN, ...a], { env }).toString().trim();
const results = {};

function hasDocker() {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

try {
  console.log(`minidock bench — ${new Date().toISOString()} — ${process.version}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'cpu?'}`);
  if (!only || only === 'start') {
    console.log('\n# container start (issue 2)');
    results.nodeFloor = bench('floor: node -e 0', process.execPath, ['-e', '0']);
    results.unshareFloor = bench('floor: unshare --pid --mount --uts --ipc --net --fork true', 'unshare', ['--pid', '--mount', '--uts', '--ipc', '--net', '--fork', 'true']);
    results.runNone = bench('minidock run --rm --network none busybox true', ...md('run', '--rm', '--network', 'none', 'busybox', 'true'));
    results.run = bench('minidock run --rm busybox true (bridge)', ...md('run', '--rm', 'busybox', 'true'));
    if (hasDocker()) results.docker = bench('docker run --rm busybox true', 'docker', ['run', '--rm', 'busybox', 'true']);
    else console.log('docker run --rm busybox true                          (Docker not running here: skipped)');
    console.log(`network cost (bridge - none): ${(results.run - results.runNone).toFixed(1)} ms`);
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
    const r = spawnSync(process.execPath, [join(here, 'pull.mjs')], { env: process.env, stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
  if (!only || only === 'net') {
    const netBench = join(here, 'net.mjs');
    if (existsSync(netBench)) {
      const r = spawnSync(process.execPath, [netBench], { env: { ...env, MINIDOCK_BENCH_HOSTNS: hostNs }, stdio: 'inherit' });
      if (r.status !== 0) process.exitCode = 1;
    }
  }
} finally {
  const ids = spawnSync(md('ps', '-aq', '--no-trunc')[0], md('ps', '-aq', '--no-trunc')[1], { env }).stdout?.toString().split('\n').filter(Boolean) ?? [];
  if (ids.length) spawnSync(md('rm', '-f', ...ids)[0], md('rm', '-f', ...ids)[1], { env, stdio: 'ignore' });
  spawnSync('ip', ['netns', 'del', hostNs], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
}
