// Host-side reads of a container's files (its /etc/passwd and /etc/group, to resolve -u) stay
// inside the container's root: `exec` (through /proc/PID/root), `start` (upper dir + layers)
// and `run -u` (layers). A symlink to a host path reads the container's own path (as a chroot
// would), `..` stops at the root, whiteouts and opaque directories hide what overlayfs hides,
// and a FIFO, a device, a directory or a huge file is one clear line, never a hang.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, type Result } from '../helpers/cli.js';
import { buildLayout, busyboxEntries, type LayerSpec } from '../helpers/registry.js';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';
import { hostPlatform } from '../../src/engine/image/platform.js';
import { opaqueByXattr, readInLayers, readInProcRoot } from '../../src/engine/container/rootfile.js';

let md: Minidock;
let tmp: string;
/** A host file that looks like a passwd file: any uid 4242 seen means the host's file was read. */
let marker: string;

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:777:777::/:/bin/sh\n';
const applets = ['sh', 'id', 'cat', 'sleep', 'rm', 'mkdir', 'ln', 'echo', 'true'];

function detached(name: string, flags: string[] = [], image = 'busybox'): void {
  md.ok(['run', '-d', '--network', 'none', '--name', name, ...flags, image, 'sleep', '1000']);
}

/** A shell script in the container as root (-u 0 even when it runs as another user; none: no lookup at all). */
function inside(name: string, script: string, user: string[] = ['-u', '0']): void {
  md.ok(['exec', ...user, name, 'sh', '-c', script]);
}

/** Uid and gid of the container's PID 1, read on the host (no lookup of the container's files). */
function pid1Ids(name: string): { uid: number; gid: number } {
  const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', name]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { uid: Number(/^Uid:\s+(\d+)/m.exec(status)![1]), gid: Number(/^Gid:\s+(\d+)/m.exec(status)![1]) };
}

/** Runs minidock and also measures how long it took (a hang is killed after 20 s). */
function timed(args: string[]): Result & { ms: number } {
  const t0 = Date.now();
  const r = md.run(args, { timeout: 20_000 });
  return { ...r, ms: Date.now() - t0 };
}

/** A one-layer image from tar entries (minidock import). */
function importImage(tag: string, entries: TarEntry[]): void {
  const f = join(tmp, `${tag.replace(/\W/g, '_')}.tar`);
  writeFileSync(f, buildTar([...busyboxEntries(applets), ...entries]));
  md.ok(['import', f, tag]);
}

/** A multi-layer image (an OCI layout archive through minidock load); busybox is added to the first layer. */
function loadImage(tag: string, layers: TarEntry[][]): void {
  const specs: LayerSpec[] = layers.map((entries, i) => ({ entries: i === 0 ? [...busyboxEntries(applets), ...entries] : entries }));
  const layout = buildLayout(tag, { layers: specs, architecture: hostPlatform().architecture }, mkdtempSync(join(tmp, 'oci-')));
  const f = join(tmp, `${tag.replace(/\W/g, '_')}.oci.tar`);
  const t = spawnSync('tar', ['-C', layout.dir, '-cf', f, '.'], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`tar: ${t.stderr}`);
  md.ok(['load', '-i', f]);
}

const file = (path: string, data: string): TarEntry => ({ path, type: 'file', mode: 0o644, data });
const dir = (path: string): TarEntry => ({ path, type: 'dir', mode: 0o755 });
const link = (path: string, linkname: string): TarEntry => ({ path, type: 'symlink', linkname });

beforeAll(() => {
  md = new Minidock();
  tmp = mkdtempSync(join(tmpdir(), 'mdtest-secfiles-'));
  marker = join(tmp, 'host-etc', 'passwd');
  mkdirSync(join(tmp, 'host-etc'));
  writeFileSync(marker, 'root:x:4242:4242::/:/bin/sh\napp:x:4242:4242::/:/bin/sh\n');
  writeFileSync(join(tmp, 'host-etc', 'group'), 'root:x:4242:\nwheel:x:4243:root,app\n');
});

afterAll(() => {
  md?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('exec -u reads the container\'s files inside its root', () => {
  it('a /etc/passwd symlink to a host path reads that path inside the container (absent here), never the host file', () => {
    detached('x-link');
    inside('x-link', `ln -sf ${marker} /etc/passwd`);
    const r = md.run(['exec', '-u', 'root', 'x-link', 'id', '-u']);
    expect(r.stdout).not.toContain('4242');
    expect(r.code).toBe(126); // Docker's exec code for a user it cannot find
    expect(r.stderr).toContain('unable to find user root: no matching entries in passwd file');
    // The same file does exist inside the container: then that one is read.
    inside('x-link', `mkdir -p ${join(tmp, 'host-etc')} && echo 'root:x:0:31::/:/bin/sh' > ${marker}`);
    expect(md.ok(['exec', '-u', 'root', 'x-link', 'id', '-g'])).toBe('31');
  });

  it('links to files of the container work, absolute or relative, and ".." never climbs above its root', () => {
    detached('x-inroot');
    inside('x-inroot', `printf '${PASSWD.replace(/\n/g, '\\n')}' > /etc/real-passwd && ln -sf /etc/real-passwd /etc/passwd`);
    expect(md.ok(['exec', '-u', 'app', 'x-inroot', 'id', '-u'])).toBe('777');
    inside('x-inroot', `ln -sf ${'../'.repeat(20)}etc/real-passwd /etc/passwd`);
    expect(md.ok(['exec', '-u', 'app', 'x-inroot', 'id', '-u'])).toBe('777');
    // A group file linked to the host's group marker: the container's own path, absent.
    inside('x-inroot', `rm /etc/group && ln -s ${'../'.repeat(20)}${join(tmp, 'host-etc', 'group').slice(1)} /etc/group`);
    expect(md.ok(['exec', '-u', 'root', 'x-inroot', 'id', '-G'])).toBe('0');
  });

  it('a FIFO at /etc/group is one clear line within seconds (it used to hang every exec), and exec without -u still works', () => {
    detached('x-fifo');
    inside('x-fifo', 'rm -f /etc/group && mkfifo /etc/group');
    const r = timed(['exec', '-u', 'root', 'x-fifo', 'id', '-u']);
    expect(r.ms).toBeLessThan(10_000);
    expect(r).toMatchObject({ code: 126, stdout: '' });
    expect(r.stderr).toBe('minidock: unable to find user root: /etc/group is a FIFO, not a regular file\n');
    expect(md.ok(['exec', 'x-fifo', 'id', '-u'])).toBe('0'); // no user: the files are not read at all
  });

  it('a device, a directory, a link loop or a file over 4 MiB at /etc/group is refused with one line', () => {
    detached('x-odd');
    const cases: [string, RegExp][] = [
      ['mknod /etc/group c 1 3', /\/etc\/group is a character device, not a regular file$/],
      ['mkdir /etc/group', /\/etc\/group is a directory, not a regular file$/],
      ['ln -s /etc/group /etc/group', /\/etc\/group: too many levels of symbolic links$/],
      ['dd if=/dev/zero of=/etc/group bs=1048576 count=5 2>/dev/null', /\/etc\/group is larger than 4 MiB$/],
    ];
    for (const [make, msg] of cases) {
      inside('x-odd', `rm -rf /etc/group && ${make}`, []); // -u would read the broken /etc/group
      const r = timed(['exec', '-u', 'root', 'x-odd', 'true']);
      expect(r.ms, make).toBeLessThan(10_000);
      expect(r.code, make).toBe(126);
      expect(r.stderr.trim(), make).toMatch(msg);
      expect(r.stderr.trim().split('\n'), make).toHaveLength(1);
    }
  });
});

describe('start resolves the user in the upper dir and layers, as the mounted root will show them', () => {
  it('a /etc/passwd made a relative link climbing out to a host file reads inside the root (absent), not the host file', () => {
    detached('s-link', ['-u', 'root']);
    inside('s-link', `ln -sf ${'../'.repeat(30)}${marker.slice(1)} /etc/passwd`);
    md.ok(['stop', '-t', '0', 's-link']);
    const r = md.run(['start', 's-link']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unable to find user root: no matching entries in passwd file');
    expect(md.ok(['inspect', '-f', '{{.State.Running}}', 's-link'])).toBe('false');
  });

  it('an absolute link to a file of the container is followed inside it', () => {
    detached('s-inroot', ['-u', 'root']);
    inside('s-inroot', "echo 'root:x:0:555::/:/bin/sh' > /etc/real-passwd && ln -sf /etc/real-passwd /etc/passwd");
    md.ok(['stop', '-t', '0', 's-inroot']);
    md.ok(['start', 's-inroot']);
    expect(pid1Ids('s-inroot')).toEqual({ uid: 0, gid: 555 });
  });

  it('a FIFO at /etc/group in the upper dir is one clear line within seconds, not a hang', () => {
    detached('s-fifo', ['-u', 'root']);
    inside('s-fifo', 'rm -f /etc/group && mkfifo /etc/group');
    md.ok(['stop', '-t', '0', 's-fifo']);
    const r = timed(['start', 's-fifo']);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unable to find user root: /etc/group is a FIFO, not a regular file');
  });

  it('honours what the container deleted: a whiteout, and a directory made opaque by rm -rf + mkdir', () => {
    // /etc/passwd -> ../data/passwd, both in the image's layer.
    importImage('sec-files/relink:1', [dir('etc'), link('etc/passwd', '../data/passwd'), dir('data'), file('data/passwd', PASSWD)]);
    detached('s-wh', ['-u', 'app'], 'sec-files/relink:1');
    expect(pid1Ids('s-wh').uid).toBe(777);
    inside('s-wh', 'rm /data/passwd'); // a whiteout (0/0) in the upper dir
    md.ok(['stop', '-t', '0', 's-wh']);
    const r = md.run(['start', 's-wh']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unable to find user app: no matching entries in passwd file');

    detached('s-opq', ['-u', 'app'], 'sec-files/relink:1');
    inside('s-opq', 'rm -rf /data && mkdir /data && echo x > /data/other'); // upper/data: trusted.overlay.opaque=y
    md.ok(['stop', '-t', '0', 's-opq']);
    const r2 = md.run(['start', 's-opq']);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain('unable to find user app: no matching entries in passwd file');
  });
});

describe('run -u checks the user in the image\'s layers, resolved inside them', () => {
  it('an image whose /etc/passwd links to a host path does not run as that file\'s uid', () => {
    importImage('sec-files/hostlink:1', [dir('etc'), link('etc/passwd', marker)]);
    const r = md.run(['run', '--rm', '--network', 'none', '-u', 'root', 'sec-files/hostlink:1', 'id', '-u']);
    expect(r.stdout).not.toContain('4242');
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("minidock: Error response from daemon: unable to find user root: no matching entries in passwd file\n\nRun 'minidock run --help' for more information\n");
  });

  it('an absolute link inside the image is followed inside it', () => {
    importImage('sec-files/inlink:1', [dir('etc'), link('etc/passwd', '/data/passwd'), dir('data'), file('data/passwd', PASSWD)]);
    expect(md.ok(['run', '--rm', '--network', 'none', '-u', 'app', 'sec-files/inlink:1', 'id', '-u'])).toBe('777');
  });

  it('a whiteout in an upper layer hides the lower /etc/passwd', () => {
    loadImage('sec-files/whiteout:1', [[dir('etc'), file('etc/passwd', PASSWD)], [dir('etc'), file('etc/.wh.passwd', '')]]);
    const r = md.run(['run', '--rm', '--network', 'none', '-u', 'app', 'sec-files/whiteout:1', 'id', '-u']);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("minidock: Error response from daemon: unable to find user app: no matching entries in passwd file\n\nRun 'minidock run --help' for more information\n");
    expect(md.ok(['run', '--rm', '--network', 'none', '-u', '777', 'sec-files/whiteout:1', 'id', '-u'])).toBe('777');
  });

  it('an opaque directory in an upper layer hides the lower one; a plain one merges with it', () => {
    loadImage('sec-files/opaque:1', [
      [dir('etc'), link('etc/passwd', '../data/passwd'), file('etc/group', 'root:x:0:\nstaff:x:50:\n'), dir('data'), file('data/passwd', PASSWD)],
      [dir('etc'), file('etc/motd', 'hi\n'), dir('data'), file('data/.wh..wh..opq', ''), file('data/other', 'x\n')],
    ]);
    const r = md.run(['run', '--rm', '--network', 'none', '-u', 'app', 'sec-files/opaque:1', 'id', '-u']);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe("minidock: Error response from daemon: unable to find user app: no matching entries in passwd file\n\nRun 'minidock run --help' for more information\n");
    // /etc of the top layer is not opaque: the lower layer's /etc/group shows through it.
    expect(md.ok(['run', '--rm', '--network', 'none', '-u', '0:staff', 'sec-files/opaque:1', 'id', '-g'])).toBe('50');
  });
});

describe('the resolver itself, on real trees', () => {
  it('reads trusted.overlay.opaque the same through getfattr and through the perl fallback', () => {
    const a = mkdtempSync(join(tmp, 'xattr-'));
    const b = mkdtempSync(join(tmp, 'xattr-'));
    expect(spawnSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', a]).status).toBe(0);
    const fds = [a, b].map((p) => openSync(p, 'r'));
    try {
      expect(opaqueByXattr(fds, 'getfattr')).toEqual([true, false]);
      expect(opaqueByXattr(fds, 'perl')).toEqual([true, false]);
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
  });

  it('never follows a layer\'s symlink out of the layers, however it is spelled', () => {
    const layer = mkdtempSync(join(tmp, 'layer-'));
    mkdirSync(join(layer, 'etc'));
    mkdirSync(join(layer, 'x'));
    for (const [name, target] of [['abs', marker], ['up', `../../../../../../../..${marker}`], ['dir', join(tmp, 'host-etc')]]) symlinkSync(target, join(layer, 'etc', name));
    symlinkSync('/etc/dir/passwd', join(layer, 'x', 'via-dir'));
    for (const p of ['etc/abs', 'etc/up', 'etc/dir/passwd', 'x/via-dir', `../../..${marker}`]) expect(readInLayers([layer], p), p).toBeUndefined();
  });

  it('does not block on a FIFO of a running process\'s root', () => {
    const fifo = join(tmp, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(() => readInProcRoot(process.pid, fifo)).toThrow(/is a FIFO, not a regular file/);
    expect(readInProcRoot(process.pid, marker)).toContain('4242'); // this process's root is the host's
  });
});
