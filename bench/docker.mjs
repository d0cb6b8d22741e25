// The bench's own Docker daemon, for side-by-side figures (issue 13). Never the host's: a
// dockerd of its own started inside the bench's throwaway netns and a private mount namespace,
// on its own socket, data and exec roots, without a bridge or iptables rules, and removed at the
// end. Its busybox is made from the same static busybox as minidock's builtin one (`docker
// import` of a rootfs of /bin/busybox and its applet links), since Docker has none offline.
// Needs Debian's docker.io (dockerd, containerd, runc) and a docker CLI; otherwise the bench
// prints why and goes on without Docker.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The daemon's socket, data and exec roots and pidfile, by a name (the bench's, or a test's own). */
const pathsOf = (name) => ({ SOCK: `/run/${name}.sock`, DATA: `/var/lib/${name}`, EXEC: `/run/${name}`, PIDFILE: `/run/${name}.pid` });
export const DOCKER_HOST = `unix://${pathsOf('mdbench-docker').SOCK}`;

const onPath = (bin) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { stdio: 'ignore' }).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the daemon in netns `hostNs`; resolves to { env, stop } or { skipped: reason }.
 * `opts.ownBridge`: let dockerd make its default bridge (docker0, inside `hostNs` only, still
 * without iptables rules), for outputs that show the `bridge` network (the differential corpus).
 * `opts.name`: the paths' name (default mdbench-docker), so a test's daemon and the bench's differ.
 */
export async function startDocker(hostNs, opts = {}) {
  const { SOCK, DATA, EXEC, PIDFILE } = pathsOf(opts.name ?? 'mdbench-docker');
  const DOCKER_HOST = `unix://${SOCK}`;
  for (const bin of ['dockerd', 'containerd', 'runc', 'docker']) {
    if (!onPath(bin)) return { skipped: `${bin} not found (apt-get install docker.io)` };
  }
  if (existsSync(SOCK) || existsSync(PIDFILE)) return { skipped: `${SOCK} or ${PIDFILE} exists (another bench running, or a leftover: remove it)` };
  const env = { ...process.env, DOCKER_HOST };
  const log = join(mkdtempSync(join(tmpdir(), 'mdbench-dockerd-')), 'dockerd.log');
  const daemon = spawn(
    'sh',
    ['-c', 'ns=$1; shift; exec nsenter --net=/run/netns/"$ns" -- unshare -m --propagation private "$@" >"$0" 2>&1', log, hostNs,
      'dockerd', '--host', DOCKER_HOST, '--data-root', DATA, '--exec-root', EXEC, '--pidfile', PIDFILE,
      ...(opts.ownBridge ? [] : ['--bridge', 'none']), '--iptables=false', '--ip6tables=false', '--storage-driver', 'overlay2'],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    // dockerd stops its containerd and containers on SIGTERM; then its directories go
    let pid = daemon.pid; // sh, nsenter and unshare each exec the next: this is dockerd
    try {
      pid = Number(readFileSync(PIDFILE, 'utf8'));
    } catch {
      /* never came up */
    }
    if (pid > 1) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      for (let i = 0; i < 200 && existsSync(`/proc/${pid}`); i++) await sleep(50);
      if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
    }
    for (const p of [DATA, EXEC, SOCK, PIDFILE]) rmSync(p, { recursive: true, force: true });
    rmSync(join(log, '..'), { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (spawnSync('docker', ['version'], { env, stdio: 'ignore', timeout: 5000 }).status === 0) break;
    if (i > 120 || daemon.exitCode !== null) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
      await stop();
      return { skipped: `dockerd did not come up (${tail})` };
    }
    await sleep(250);
  }
  // busybox:latest from the same binary: bin/busybox and a link per applet, PATH and CMD as
  // minidock's builtin image has them (rootfs/busybox.json).
  const dir = mkdtempSync(join(tmpdir(), 'mdbench-bb-'));
  try {
    mkdirSync(join(dir, 'rootfs/bin'), { recursive: true });
    for (const d of ['dev', 'etc', 'proc', 'sys', 'tmp', 'root']) mkdirSync(join(dir, 'rootfs', d));
    copyFileSync('/bin/busybox', join(dir, 'rootfs/bin/busybox'));
    const applets = spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', join(dir, 'rootfs/bin', a));
    const tar = join(dir, 'busybox.tar');
    spawnSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', join(dir, 'rootfs'), '-cf', tar, '.']);
    const r = spawnSync(
      'docker',
      ['import', '-c', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '-c', 'CMD ["sh"]', tar, 'busybox:latest'],
      { env, encoding: 'utf8' },
    );
    if (r.status !== 0) {
      await stop();
      return { skipped: `docker import of busybox failed: ${r.stderr.trim()}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { env, stop };
}
