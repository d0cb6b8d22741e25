// Hostile images and containers must not reach the host through the paths the shim works on
// as root while it sets a container up (runc's CVE-2024-21626, CVE-2021-30465) or through
// /proc/self/exe (CVE-2019-5736). Images are crafted here (`import` of a tar this test builds)
// whose WorkingDir, /etc/hosts, /etc/hostname, /etc/resolv.conf, volume and tmpfs targets are
// symlinks (the three /etc files are covered by the init layer since, as in Docker) — absolute, relative, ".."-heavy, and through /proc/self/fd/N — and each case runs
// on cgroup v1 (this machine) and on a cgroup2 mount this test makes (there the shim used to
// hold the host's cgroup directory open: /proc/self/fd/15/../.. led to the host's /), each with
// openat2 and with the O_NOFOLLOW walk forced (MINIDOCK_SHIM_NO_OPENAT2=1, as on kernels
// without openat2). Nothing may appear on the host; the container either works with the path
// resolved inside its root or fails with one line and 125.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Minidock, sh, type Result } from '../helpers/cli.js';
import { busyboxEntries } from '../helpers/registry.js';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';

const SHIM = fileURLToPath(new URL('../../dist/minidock-shim', import.meta.url));
/** Every host path a hostile image aims at starts with this (all under /tmp). */
const U = `mdh-${process.pid}-${Math.random().toString(16).slice(2, 6)}`;
/** Far more ".." than any host directory the shim could hold open is deep. */
const UP = '/..'.repeat(10);
/** Through fd N of the shim's child, up to /, to /tmp. */
const viaFd = (n: number, name: string) => `/proc/self/fd/${n}${UP}/tmp/${U}-${name}`;
/** Where the shim's child used to hold the host's cgroup directory open on v2 (14 for
 * --network host, as here; it shifts with the configuration, hence a few around it). */
const FD = 14;
const FDS = [12, 13, 14, 15, 16];

const tmp = mkdtempSync(join(tmpdir(), 'mdhostile-'));
const cgMnt = mkdtempSync(join(tmpdir(), 'mdhostile-cg2-'));
let cgMounted = false;
const isV1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
/** Why a variant cannot run on this host (said by name in the skip, never silently). */
const cannotRun = (v2: boolean): string => (v2 ? 'cannot run here: mount -t cgroup2 fails on this kernel' : 'cannot run here: this host has no cgroup v1 memory hierarchy');

function leaked(): string[] {
  return readdirSync('/tmp').filter((n) => n.startsWith(U));
}

/** Fails with one clear line and 125, and nothing of U on the host. */
function expectRefused(r: Result, what: RegExp): void {
  expect(leaked()).toEqual([]);
  expect(r.code, r.stderr + r.stdout).toBe(125);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(what);
}

const base = (): TarEntry[] => [
  ...busyboxEntries(['sh', 'cat', 'ls', 'echo', 'pwd', 'readlink', 'test', 'grep', 'mount', 'sleep', 'ln', 'true']),
  { path: 'etc', type: 'dir', mode: 0o755 },
  { path: 'tmp', type: 'dir', mode: 0o1777 },
];
const link = (path: string, linkname: string): TarEntry => ({ path, type: 'symlink', linkname });

/** The images, by tag: what differs is where their symlinks point. */
const images: Record<string, TarEntry[]> = {
  // Symlinks that stay inside once resolved in the root: everything works. (A layer's relative
  // links may not climb out of it, so the ".."-heavy ones are absolute; relative ones that
  // climb come from a volume, below.)
  inside: [
    ...base(),
    link('etc/hosts', `${UP}/tmp/${U}-hosts-up`), // absolute, ".."-heavy, dangling
    link('etc/resolv.conf', `../tmp/${U}-resolv-rel`), // relative, dangling
    link('etc/hostname', `/nowhere/deep/${U}-hostname`), // dangling through missing directories
    link('app', `etc/../tmp/${U}-app`), // the WorkingDir's parent
    link('vol', `/tmp/${U}-vol`), // a -v target
    link('tm', `${UP}/tmp/${U}-tm`), // a --tmpfs target
  ],
  ...Object.fromEntries(FDS.map((n) => [`hosts-fd${n}`, [...base(), link('etc/hosts', viaFd(n, `hosts${n}`))]])),
  'hostname-fd': [...base(), link('etc/hostname', viaFd(FD, 'hostname'))],
  'resolv-fd': [...base(), link('etc/resolv.conf', viaFd(FD, 'resolv'))],
  'hosts-cwd': [...base(), link('etc/hosts', `/proc/self/cwd${UP}/tmp/${U}-hosts-cwd`)],
  'vol-fd': [...base(), link('data', viaFd(FD, 'vol'))],
  'tmpfs-fd': [...base(), link('tbad', viaFd(FD, 'tmpfs'))],
  'tmpfs-root': [...base(), link('tbad', `/proc/self/root${UP}/tmp/${U}-tmpfs-root`)],
};

function importImages(md: Minidock): void {
  for (const [tag, entries] of Object.entries(images)) {
    const file = join(tmp, `${tag}.tar`);
    if (!existsSync(file)) writeFileSync(file, buildTar(entries));
    md.ok(['import', '-c', 'CMD ["true"]', file, `hostile:${tag}`]);
  }
  for (const n of FDS) md.ok(['import', '-c', `WORKDIR ${viaFd(n, `workdir${n}`)}`, '-c', 'CMD ["pwd"]', join(tmp, 'inside.tar'), `hostile:workdir-fd${n}`]);
  md.ok(['import', '-c', 'WORKDIR /app/sub', '-c', 'CMD ["pwd"]', join(tmp, 'inside.tar'), 'hostile:workdir-inside']);
}

beforeAll(() => {
  cgMounted = sh('mount', ['-t', 'cgroup2', 'none', cgMnt]).code === 0 && statfsSync(cgMnt).type === 0x63677270;
});

afterAll(() => {
  for (const n of leaked()) rmSync(join('/tmp', n), { recursive: true, force: true });
  if (cgMounted) {
    try {
      rmdirSync(join(cgMnt, 'minidock'));
    } catch {
      /* not made, or still in use */
    }
    sh('umount', [cgMnt]);
  }
  rmSync(cgMnt, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

const variants = [
  { name: 'cgroup v1 (this machine), openat2', v2: false, env: {} },
  { name: 'cgroup v1, the O_NOFOLLOW walk forced', v2: false, env: { MINIDOCK_SHIM_NO_OPENAT2: '1' } },
  { name: 'cgroup2 mount, openat2', v2: true, env: {} },
  { name: 'cgroup2 mount, the O_NOFOLLOW walk forced', v2: true, env: { MINIDOCK_SHIM_NO_OPENAT2: '1' } },
];

describe.each(variants)('$name', ({ v2, env }) => {
  let md: Minidock | undefined;
  const volSrc = join(tmp, `vol-${Math.random().toString(16).slice(2, 8)}`);
  // --network host (this test's throwaway "host" netns): the network plays no part here.
  const run = (args: string[]) => md!.run(['run', '--rm', '--network', 'host', ...args]);

  beforeAll(() => {
    if (v2 ? !cgMounted : !isV1) return;
    md = new Minidock({ ...env, ...(v2 ? { MINIDOCK_CGROUP_ROOT: cgMnt } : {}) });
    importImages(md);
    mkdirSync(volSrc);
    writeFileSync(join(volSrc, 'in-volume'), 'v\n');
  });
  afterAll(() => md?.cleanup());

  it('WorkingDir through /proc/self/fd/N/..: refused, nothing made on the host; -w /proc/self/fd/N, /proc/self/cwd too', (ctx) => {
    if (!md) return ctx.skip(cannotRun(v2));
    for (const n of FDS) expectRefused(run([`hostile:workdir-fd${n}`]), new RegExp(`create cwd /proc/self/fd/${n}/`));
    // (-w is cleaned by the CLI, so its ".." never reach the shim.)
    for (let n = 3; n <= 20; n++) expectRefused(run(['-w', `/proc/self/fd/${n}`, 'busybox', 'pwd']), /cwd/);
    expectRefused(run(['-w', '/proc/self/cwd', 'busybox', 'pwd']), /cwd/);
  });

  it('/etc/hosts, /etc/hostname, /etc/resolv.conf through /proc (fd/N, cwd): the init layer covers them, nothing on the host', (ctx) => {
    if (!md) return ctx.skip(cannotRun(v2));
    // Docker's init layer (initlayer.ts), above the image's layers, has these three as plain
    // files: the image's symlinks are not seen at all, minidock's files are mounted on them
    const cases = [...FDS.map((n) => [`hosts-fd${n}`, 'hosts', /localhost/]), ['hostname-fd', 'hostname', /^hn$/m], ['resolv-fd', 'resolv.conf', /^nameserver /m], ['hosts-cwd', 'hosts', /localhost/]] as const;
    for (const [tag, file, says] of cases) {
      const r = run(['-h', 'hn', `hostile:${tag}`, 'sh', '-c', `test -L /etc/${file} && echo symlink; cat /etc/${file}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(says);
      expect(r.stdout).not.toMatch(/symlink/);
      expect(leaked()).toEqual([]);
    }
  });

  it('volume and tmpfs targets through /proc (fd/N, root): refused, nothing on the host', (ctx) => {
    if (!md) return ctx.skip(cannotRun(v2));
    expectRefused(run(['-v', `${volSrc}:/data`, 'hostile:vol-fd']), /mount point \/data: /);
    expectRefused(run(['--tmpfs', '/tbad', 'hostile:tmpfs-fd']), /mount point \/tbad: /);
    expectRefused(run(['--tmpfs', '/tbad', 'hostile:tmpfs-root']), /mount point \/tbad: /);
    expect(readdirSync(volSrc)).toEqual(['in-volume']);
  });

  it('symlinks that resolve inside the root (absolute, relative, "..", dangling) work, and land inside', (ctx) => {
    if (!md) return ctx.skip(cannotRun(v2));
    const script = [
      'pwd',
      // (the init layer covers the image's /etc/hosts, /etc/resolv.conf and /etc/hostname
      // symlinks: the files are minidock's, where Docker has them; their targets stay absent)
      `grep -q localhost /etc/hosts && test ! -e /tmp/${U}-hosts-up && echo hosts-at-etc`,
      `grep -q nameserver /etc/resolv.conf && test ! -e /tmp/${U}-resolv-rel && echo resolv-at-etc`,
      `cat /etc/hostname`,
      `cat /tmp/${U}-vol/in-volume`,
      `mount | grep -c " /tmp/${U}-tm type tmpfs"`,
      `mount | grep -c " /tmp/${U}-volup type tmpfs"`,
    ].join('; ');
    // A relative, ".."-heavy symlink in a volume: on the host it leads to the host's /tmp.
    sh('ln', ['-sfn', `../../../../../../../../tmp/${U}-volup`, join(volSrc, 'up')]);
    try {
      const r = run(['-h', 'hn', '-v', `${volSrc}:/vol`, '--tmpfs', '/tm', '--tmpfs', '/vol/up', '-w', '/app/sub', 'hostile:inside', 'sh', '-c', script]);
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n')).toEqual([`/tmp/${U}-app/sub`, 'hosts-at-etc', 'resolv-at-etc', 'hn', 'v', '1', '1', '']);
      expect(r.code).toBe(0);
    } finally {
      rmSync(join(volSrc, 'up'));
    }
    expect(run(['hostile:workdir-inside']).stdout).toBe(`/tmp/${U}-app/sub\n`);
    expect(leaked()).toEqual([]);
  });

  it('exec: -w and -t\'s /dev/ptmx through /proc are refused, and so is a FIFO planted as /dev/ptmx', (ctx) => {
    if (!md) return ctx.skip(cannotRun(v2));
    const name = `hp-${Math.random().toString(16).slice(2, 8)}`;
    md.ok(['run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '60']);
    try {
      for (const n of [3, 4, 5, 6, 7, 8]) expectRefused(md.run(['exec', '-w', viaFd(n, `xw${n}`), name, 'pwd']), /cwd/);
      expect(md.run(['exec', '-t', name, 'tty'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\/dev\/pts\/0\r?\n$/) });
      md.ok(['exec', name, 'ln', '-sf', viaFd(5, 'ptmx'), '/dev/ptmx']);
      expectRefused(md.run(['exec', '-t', name, 'tty']), /\/dev\/ptmx: /);
      md.ok(['exec', name, 'sh', '-c', 'rm /dev/ptmx && mkfifo /dev/ptmx || mknod /dev/ptmx p']);
      expectRefused(md.run(['exec', '-t', name, 'tty']), /\/dev\/ptmx is not a pty/);
    } finally {
      md.run(['rm', '-f', name]);
    }
  });
});

// CVE-2019-5736. The entrypoint "#!/proc/self/exe" makes the kernel run, as the container's
// process, whatever the shim's child is running from; LD_PRELOAD (the image's own libc and
// ld.so make the dynamically linked shim runnable inside) then runs the image's code inside
// that process, where /proc/self/exe is that binary. It must be the shim's sealed copy, never
// the host's dist/minidock-shim, and writing to it must fail.
describe.each([{ v2: false }, { v2: true }])('#!/proc/self/exe cannot reach the host shim (CVE-2019-5736), cgroup v2 $v2', ({ v2 }) => {
  let md: Minidock | undefined;
  let hash = '';
  const EVIL = `
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* Rewrites the first byte with itself: proves writability without changing the file. */
static const char *try_write(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return strerror(errno);
    unsigned char c;
    if (pread(fd, &c, 1, 0) == 1 && pwrite(fd, &c, 1, 0) == 1)
        return "WROTE";
    return strerror(errno);
}
__attribute__((constructor)) static void evil(void)
{
    char exe[256] = "", fdp[64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0)
        exe[n] = 0;
    struct stat st;
    int r = open("/proc/self/exe", O_RDONLY);
    if (r < 0 || fstat(r, &st) < 0) {
        printf("open /proc/self/exe: %s\\n", strerror(errno));
        _exit(3);
    }
    snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", r);
    printf("exe=%s ino=%lu:%lu write=%s", exe, (unsigned long)st.st_dev, (unsigned long)st.st_ino,
           try_write("/proc/self/exe", O_RDWR));
    printf(" reopen=%s\\n", try_write(fdp, O_RDWR));
    fflush(stdout);
    _exit(0);
}
`;

  beforeAll(() => {
    if (v2 ? !cgMounted : !isV1) return;
    writeFileSync(join(tmp, 'evil.c'), EVIL);
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', join(tmp, 'evil.so'), join(tmp, 'evil.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc: ${cc.stderr}`);
    const entries: TarEntry[] = [
      ...base(),
      { path: 'lib64', type: 'dir', mode: 0o755 },
      { path: 'lib64/ld-linux-x86-64.so.2', type: 'file', mode: 0o755, data: readFileSync('/lib64/ld-linux-x86-64.so.2') },
      { path: 'lib', type: 'dir', mode: 0o755 },
      { path: 'lib/x86_64-linux-gnu', type: 'dir', mode: 0o755 },
      { path: 'lib/x86_64-linux-gnu/libc.so.6', type: 'file', mode: 0o755, data: readFileSync('/lib/x86_64-linux-gnu/libc.so.6') },
      { path: 'evil.so', type: 'file', mode: 0o755, data: readFileSync(join(tmp, 'evil.so')) },
      { path: 'evil', type: 'file', mode: 0o755, data: '#!/proc/self/exe\n' },
    ];
    writeFileSync(join(tmp, 'exe.tar'), buildTar(entries));
    md = new Minidock(v2 ? { MINIDOCK_CGROUP_ROOT: cgMnt } : {});
    md.ok(['import', '-c', 'CMD ["/evil"]', '-c', 'ENV LD_PRELOAD=/evil.so', join(tmp, 'exe.tar'), 'hostile:exe']);
    hash = createHash('sha256').update(readFileSync(SHIM)).digest('hex');
  });
  afterAll(() => md?.cleanup());

  function expectSealed(out: string): void {
    const m = /^exe=(.*) ino=(\d+):(\d+) write=(.*) reopen=(.*)$/.exec(out.trim());
    expect(m, out).not.toBeNull();
    const st = statSync(SHIM);
    expect(`${m![2]}:${m![3]}`).not.toBe(`${st.dev}:${st.ino}`); // not the host's file
    expect(m![1]).toMatch(/^\/memfd:minidock-shim/);
    expect(m![4]).not.toBe('WROTE');
    expect(m![5]).not.toBe('WROTE');
    expect(createHash('sha256').update(readFileSync(SHIM)).digest('hex')).toBe(hash);
  }

  it('run: the process is the sealed copy; writes fail; the host binary is unchanged', (ctx) => {
    if (!md) return ctx.skip(cannotRun(v2));
    const r = md.run(['run', '--rm', '--network', 'none', 'hostile:exe']);
    expect(r.code, r.stderr).toBe(0);
    expectSealed(r.stdout);
  });

  it('exec: the same for a process started by exec', (ctx) => {
    if (!md) return ctx.skip(cannotRun(v2));
    const name = `hp-exe-${Math.random().toString(16).slice(2, 8)}`;
    md.ok(['run', '-d', '--name', name, '--network', 'none', 'hostile:exe', 'sleep', '60']);
    try {
      const r = md.run(['exec', '-e', 'LD_PRELOAD=/evil.so', name, '/evil']);
      expect(r.code, r.stderr).toBe(0);
      expectSealed(r.stdout);
    } finally {
      md.run(['rm', '-f', name]);
    }
  });
});
