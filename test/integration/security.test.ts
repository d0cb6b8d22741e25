// The container process, checked against the real kernel: capabilities, seccomp,
// no_new_privs, masked and read-only paths, --read-only, -u, no leaked fds, a non-dumpable
// monitor, the working directory kept inside the container. Syscalls that busybox cannot
// make are tried by a small static probe (test/fixtures/security-probe.c) bind-mounted in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, Minidock, errorLines, sh } from '../helpers/cli.js';

const PROBE_SRC = fileURLToPath(new URL('../fixtures/security-probe.c', import.meta.url));
const DEFAULT_CAPS = '00000000a80425fb';

let md: Minidock;
let probeDir: string;
let vol: string[];

/** Runs the probe in a fresh container: NAME → result (OK, EPERM, ENOSYS…). */
function probe(flags: string[], calls: string[]): Record<string, string> {
  const r = md.run(['run', '--rm', '--network', 'none', ...vol, ...flags, 'busybox', '/probe/probe', ...calls]);
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

function status(flags: string[], field: string, user: string[] = []): string {
  const out = md.ok(['run', '--rm', '--network', 'none', ...user, ...flags, 'busybox', 'grep', `^${field}:`, '/proc/self/status']);
  return out.split(/\s+/)[1];
}

beforeAll(() => {
  md = new Minidock();
  probeDir = mkdtempSync(join(tmpdir(), 'mdprobe-'));
  const cc = sh('cc', ['-static', '-O2', '-o', join(probeDir, 'probe'), PROBE_SRC]);
  if (cc.code !== 0) throw new Error(`cc: ${cc.stderr}`);
  vol = ['-v', `${probeDir}:/probe:ro`];
});

afterAll(() => {
  md?.cleanup();
  if (probeDir) rmSync(probeDir, { recursive: true, force: true });
});

describe('capabilities', () => {
  it("root gets exactly Docker's 14 in bounding, permitted and effective; nothing inheritable or ambient", () => {
    const out = md.ok(['run', '--rm', '--network', 'none', 'busybox', 'grep', '^Cap', '/proc/self/status']);
    const caps = Object.fromEntries(out.split('\n').map((l) => l.split(/:\s+/) as [string, string]));
    expect(caps).toEqual({ CapInh: '0000000000000000', CapPrm: DEFAULT_CAPS, CapEff: DEFAULT_CAPS, CapBnd: DEFAULT_CAPS, CapAmb: '0000000000000000' });
  });

  it('--cap-add and --cap-drop change the set (with or without CAP_, any case), ALL works both ways', () => {
    expect(status(['--cap-add', 'NET_ADMIN'], 'CapEff')).toBe('00000000a80435fb'); // + bit 12
    expect(status(['--cap-add', 'cap_sys_time', '--cap-drop', 'CAP_CHOWN'], 'CapEff')).toBe('00000000aa0425fa');
    expect(status(['--cap-drop', 'ALL'], 'CapEff')).toBe('0000000000000000');
    expect(status(['--cap-drop', 'ALL'], 'CapBnd')).toBe('0000000000000000');
    expect(status(['--cap-drop', 'all', '--cap-add', 'KILL'], 'CapEff')).toBe('0000000000000020');
    // ALL = every capability the kernel knows (cap_last_cap), as far as minidock itself holds them.
    const hostBnd = /^CapBnd:\s+(\w+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    const all = ((1n << BigInt(last + 1)) - 1n) & BigInt(`0x${hostBnd}`);
    expect(status(['--cap-add', 'ALL'], 'CapEff')).toBe(all.toString(16).padStart(16, '0'));
    expect(status(['--privileged'], 'CapBnd')).toBe(all.toString(16).padStart(16, '0'));
  });

  it('a non-root user has no effective capabilities, and the bounding set stays Docker\'s (-u uid:gid)', () => {
    const out = md.ok(['run', '--rm', '--network', 'none', '-u', '1000:1001', 'busybox', 'sh', '-c', 'id; grep -e ^CapEff -e ^CapBnd /proc/self/status']);
    expect(out).toContain('uid=1000 gid=1001');
    expect(out).toMatch(/CapEff:\s+0000000000000000/);
    expect(out).toMatch(new RegExp(`CapBnd:\\s+${DEFAULT_CAPS}`));
  });

  it('bad capabilities are refused with exit 125 before anything is created', () => {
    const before = md.ok(['ps', '-aq']);
    const r = md.run(['run', '--rm', '--cap-add', 'FLY', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(errorLines(r.stderr)).toHaveLength(1); // (and Docker's help line)
    expect(r.stderr).toContain('FLY');
    expect(md.ok(['ps', '-aq'])).toBe(before);
  });
});

describe('seccomp and no_new_privs', () => {
  const denied = ['mount', 'unshare', 'clone-newns', 'keyctl', 'add_key', 'setns', 'pivot_root', 'bpf', 'perf_event_open', 'kexec_load', 'init_module', 'userfaultfd', 'personality-bad'];

  it("the default filter denies what Docker's profile denies (EPERM; clone3 ENOSYS) and allows the rest", () => {
    const r = probe([], [...denied, 'clone3', 'ptrace', 'personality-query', 'getpid']);
    for (const c of denied) expect(r[c], c).toBe('EPERM');
    expect(r.clone3).toBe('ENOSYS'); // so the C library falls back to clone
    expect(r.ptrace).toBe('OK'); // Docker allows ptrace on kernels >= 4.8
    expect(r['personality-query']).toBe('OK');
    expect(r.getpid).toBe('OK');
    expect(status([], 'Seccomp')).toBe('2');
  });

  it('--cap-add SYS_ADMIN unlocks what the capability gates (mount, unshare), not keyctl', () => {
    const r = probe(['--cap-add', 'SYS_ADMIN'], ['mount', 'unshare', 'clone-newns', 'keyctl']);
    expect(r).toEqual({ mount: 'OK', unshare: 'OK', 'clone-newns': 'OK', keyctl: 'EPERM' });
  });

  it('seccomp=unconfined lifts the filter (capabilities still apply); --privileged allows mount and unshare', () => {
    expect(status(['--security-opt', 'seccomp=unconfined'], 'Seccomp')).toBe('0');
    const u = probe(['--security-opt', 'seccomp=unconfined'], ['keyctl', 'mount']);
    expect(u.keyctl).toBe('OK');
    expect(u.mount).toBe('EPERM'); // no CAP_SYS_ADMIN: the kernel says no
    const p = probe(['--privileged'], ['mount', 'unshare', 'keyctl']);
    expect(p).toEqual({ mount: 'OK', unshare: 'OK', keyctl: 'OK' });
    expect(status(['--privileged'], 'Seccomp')).toBe('0');
  });

  it('--security-opt no-new-privileges sets NoNewPrivs (default: not set)', () => {
    expect(status([], 'NoNewPrivs')).toBe('0');
    expect(status(['--security-opt', 'no-new-privileges'], 'NoNewPrivs')).toBe('1');
    expect(status(['--security-opt', 'no-new-privileges=true'], 'Seccomp')).toBe('2'); // still filtered
    const r = md.run(['run', '--rm', '--security-opt', 'apparmor=profile-x', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('apparmor=profile-x');
  });

  it('exec gets the container\'s capabilities, filter and no_new_privs', () => {
    const name = 'sec-exec';
    md.ok(['run', '-d', '--name', name, '--network', 'none', '--cap-add', 'NET_ADMIN', '--security-opt', 'no-new-privileges', 'busybox', 'sleep', '60']);
    try {
      const out = md.ok(['exec', name, 'grep', '-e', '^CapEff', '-e', '^Seccomp:', '-e', '^NoNewPrivs', '/proc/self/status']);
      expect(out).toMatch(/CapEff:\s+00000000a80435fb/);
      expect(out).toMatch(/NoNewPrivs:\s+1/);
      expect(out).toMatch(/Seccomp:\s+2/);
      const insp = JSON.parse(md.ok(['inspect', '-f', '{{json .HostConfig}}', name]));
      expect(insp).toMatchObject({ CapAdd: ['CAP_NET_ADMIN'], CapDrop: null, Privileged: false, SecurityOpt: ['no-new-privileges'] });
    } finally {
      md.run(['rm', '-f', name]);
    }
  });
});

describe('masked and read-only paths', () => {
  const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/interrupts', '/proc/acpi', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap', '/proc/latency_stats', '/proc/timer_stats', '/proc/asound'];
  // Checking only what this host has (a kernel without /proc/sched_debug has nothing to hide).
  const present = masked.filter((p) => existsSync(p));

  it('masked paths are empty inside (and non-empty on the host)', () => {
    expect(present.length).toBeGreaterThanOrEqual(3);
    const script = present.map((p) => `if [ -d ${p} ]; then echo ${p}=$(ls -A ${p} | wc -l); else echo ${p}=$(cat ${p} | wc -c); fi`).join('; ');
    const out = md.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', script]);
    for (const p of present) expect(out, p).toContain(`${p}=0`);
    const hostNonEmpty = present.filter((p) => (statSync(p).isDirectory() ? sh('ls', ['-A', p]).stdout.trim() !== '' : readFileSync(p).length > 0));
    expect(hostNonEmpty.length).toBeGreaterThanOrEqual(2);
    // --privileged masks nothing (as Docker).
    const priv = md.ok(['run', '--rm', '--network', 'none', '--privileged', 'busybox', 'sh', '-c', script]);
    expect(hostNonEmpty.some((p) => !priv.includes(`${p}=0`))).toBe(true);
  });

  it('/proc/sys, /proc/irq, /proc/sysrq-trigger and /sys are read-only; --privileged makes /proc/sys writable', () => {
    // Each would be writable by root with these capabilities; sysrq-trigger only where the kernel has it.
    const paths = ['/proc/sys/kernel/hostname', '/proc/irq/default_smp_affinity', '/sys/class/net/lo/mtu', '/proc/sysrq-trigger'].filter((p) => existsSync(p));
    expect(paths.length).toBeGreaterThanOrEqual(3);
    const r = probe([], paths.map((p) => `write:${p}`));
    for (const p of paths) expect(r[`write:${p}`], p).toBe('EROFS');
    // The UTS namespace's own host name: harmless to open for writing.
    expect(probe(['--privileged'], ['write:/proc/sys/kernel/hostname'])['write:/proc/sys/kernel/hostname']).toBe('OK');
  });

  it('--read-only makes / read-only; /dev/shm and --tmpfs stay writable', () => {
    const out = md.run(['run', '--rm', '--network', 'none', '--read-only', '--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'touch /x 2>&1; touch /dev/shm/x && touch /scratch/x && echo writable']);
    expect(out.stdout).toContain('Read-only file system');
    expect(out.stdout).toContain('writable');
    expect(md.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'touch /x && echo ok'])).toBe('ok');
    expect(md.ok(['create', '--read-only', 'busybox', 'true']).length).toBe(64);
  });
});

describe('nothing of the host reachable from inside', () => {
  it('fds the CLI inherited (3 and 9) never reach the container', () => {
    const file = join(probeDir, 'secret');
    sh('sh', ['-c', `echo secret > ${file}`]);
    const fd = openSync(file, 'r');
    try {
      const [cmd, ...pre] = md.prefix;
      const r = spawnSync(cmd, [...pre, process.execPath, '--', BIN, 'run', '--rm', '--network', 'none', ...vol, 'busybox', '/probe/probe', 'fds'], {
        env: md.env,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe', fd, 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', fd],
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('0 1 2 fds=OK');
    } finally {
      closeSync(fd);
    }
  });

  it('no host binary is reachable from inside: every exe is the container\'s, PID 1\'s cannot be written', () => {
    const name = 'sec-exe';
    md.ok(['run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '60']);
    try {
      const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', name]);
      // The watcher (the shim) lives outside the container's PID namespace.
      const monitor = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1];
      expect(readFileSync(`/proc/${monitor}/cmdline`, 'utf8')).toContain('minidock-shim');
      const inside = md.ok(['exec', name, 'sh', '-c', 'for p in /proc/[0-9]*; do readlink $p/exe; done']);
      expect(inside.split('\n').filter((l) => !/^\/(usr\/)?s?bin\/\w+$/.test(l))).toEqual([]); // busybox applets
      expect(inside).not.toContain('minidock-shim');
      const w = md.run(['exec', name, 'sh', '-c', 'echo x >> /proc/1/exe']);
      expect(w.code).not.toBe(0);
      expect(w.stderr).toMatch(/busy|denied|read-only/i);
    } finally {
      md.run(['rm', '-f', name]);
    }
  });

  it('the working directory stays inside: .. is clamped, /proc/self/fd/N refused, a symlink resolves inside', () => {
    expect(md.ok(['run', '--rm', '--network', 'none', '-w', '/../../../tmp/../..', 'busybox', 'pwd'])).toBe('/');
    const bad = md.run(['run', '--rm', '--network', 'none', '-w', '/proc/self/fd/3', 'busybox', 'pwd']);
    expect(bad.code).toBe(125);
    const name = 'sec-cwd';
    md.ok(['run', '-d', '--name', name, '--network', 'none', '-h', 'inside-host', 'busybox', 'sh', '-c', 'ln -s ../../../../../../ /esc; sleep 60']);
    try {
      for (let i = 0; i < 50 && md.run(['exec', name, 'test', '-L', '/esc']).code !== 0; i++) spawnSync('sleep', ['0.05']);
      expect(md.ok(['exec', '-w', '/esc', name, 'cat', 'etc/hostname'])).toBe('inside-host');
      for (const fd of ['3', '4', '7']) {
        const r = md.run(['exec', '-w', `/proc/self/fd/${fd}`, name, 'pwd']);
        expect(r.code, `fd ${fd}: ${r.stdout}`).toBe(125);
      }
    } finally {
      md.run(['rm', '-f', name]);
    }
  });
});
