// `cp` both ways, running and stopped containers, Docker's path rules, `-` tar streams, -a, -L
// — and above all hostile containers: a symlink the container planted never takes a read or a
// write out of its root (neither to the host's files nor into the host's directories), `..`
// stops at the container's root, a tar stream cannot climb out, FIFOs do not hang, device nodes
// are never made on the host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, BIN } from '../helpers/cli.js';
import { buildTar } from '../../src/engine/image/tarwriter.js';

let md: Minidock;
let tmp: string;
/** A host directory and file that a hostile container points its links at. */
let hostDir: string;
let hostSecret: string;

function inside(name: string, script: string): string {
  return md.ok(['exec', name, 'sh', '-c', script]);
}

/** minidock with binary stdin/stdout (tar streams). */
function raw(args: string[], input?: Buffer): { code: number; stdout: Buffer; stderr: string } {
  const [cmd, ...pre] = md.prefix;
  const r = spawnSync(cmd!, [...pre, process.execPath, '--', BIN, ...args], { env: md.env, input: input ?? Buffer.alloc(0), timeout: 30_000 });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr.toString() };
}

function tarList(buf: Buffer): string[] {
  const r = spawnSync('tar', ['-tvf', '-'], { input: buf, encoding: 'utf8' });
  return r.stdout.trim().split('\n');
}

const out = (name: string) => {
  const d = join(tmp, 'out', name);
  mkdirSync(d, { recursive: true });
  return d;
};

beforeAll(() => {
  md = new Minidock();
  tmp = mkdtempSync(join(tmpdir(), 'md-cp-'));
  hostDir = join(tmp, 'hostdir');
  mkdirSync(hostDir);
  hostSecret = join(hostDir, 'secret');
  writeFileSync(hostSecret, 'HOST-SECRET\n');
  md.ok(['run', '-d', '--network', 'none', '--name', 'box', 'busybox', 'sleep', '1000']);
  inside('box', [
    'mkdir -p /data/sub /data/empty',
    'echo hello > /data/a.txt',
    'echo deep > /data/sub/b',
    'chown 123:456 /data/sub/b',
    'chmod 4755 /data/a.txt',
    'ln -s a.txt /data/alink',
    // hostile links: absolute host paths that exist on the host, not in the container
    `ln -s ${hostDir} /evil-dir`,
    `ln -s ${hostSecret} /evil-file`,
    `ln -s ../../../../../../../..${hostDir} /evil-rel`,
    'mkfifo /data/fifo',
  ].join(' && '));
}, 60_000);

afterAll(() => {
  md?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('cp from a running container', () => {
  it('copies a directory into an existing directory, and its contents with /.', () => {
    const d = out('dir1');
    md.ok(['cp', 'box:/data/sub', d]);
    expect(readFileSync(join(d, 'sub', 'b'), 'utf8')).toBe('deep\n');
    const d2 = out('dir2');
    md.ok(['cp', 'box:/data/sub/.', d2]);
    expect(readdirSync(d2)).toEqual(['b']);
  });

  it('a directory to a new path takes that name; a file to a new path too; a file into a directory keeps its name', () => {
    const d = out('dir3');
    md.ok(['cp', 'box:/data/sub', join(d, 'renamed')]);
    expect(readFileSync(join(d, 'renamed', 'b'), 'utf8')).toBe('deep\n');
    md.ok(['cp', 'box:/data/a.txt', join(d, 'file.txt')]);
    expect(readFileSync(join(d, 'file.txt'), 'utf8')).toBe('hello\n');
    md.ok(['cp', 'box:data/a.txt', d]); // container paths are relative to its /
    expect(readFileSync(join(d, 'a.txt'), 'utf8')).toBe('hello\n');
  });

  it("Docker's errors: missing source, directory onto a file, file to a missing directory", () => {
    const d = out('err');
    writeFileSync(join(d, 'f'), 'x');
    let r = md.run(['cp', 'box:/nosuch', d]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error response from daemon: Could not find the file /nosuch in container box\n');
    r = md.run(['cp', 'box:/data/sub', join(d, 'f')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot copy directory');
    r = md.run(['cp', 'box:/data/a.txt', join(d, 'missing') + '/']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no such directory');
    r = md.run(['cp', 'box:/a', 'box:/b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('copying between containers is not supported');
    r = md.run(['cp', join(d, 'f'), join(d, 'g')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must specify at least one container source');
    r = md.run(['cp', 'nosuchbox:/x', d]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No such container: nosuchbox');
  });

  it('owners: the invoking user without -a, the container\'s with -a; setuid dropped without -a', () => {
    const d = out('owners');
    md.ok(['cp', 'box:/data', join(d, 'plain')]);
    expect(statSync(join(d, 'plain', 'sub', 'b')).uid).toBe(process.getuid!());
    expect(statSync(join(d, 'plain', 'a.txt')).mode & 0o7777).toBe(0o755);
    md.ok(['cp', '-a', 'box:/data', join(d, 'archive')]);
    const st = statSync(join(d, 'archive', 'sub', 'b'));
    expect([st.uid, st.gid]).toEqual([123, 456]);
    expect(statSync(join(d, 'archive', 'a.txt')).mode & 0o7777).toBe(0o4755);
  });

  it('a symlink is copied as a link; -L copies what it points to', () => {
    const d = out('links');
    md.ok(['cp', 'box:/data/alink', join(d, 'l1')]);
    expect(readlinkSync(join(d, 'l1'))).toBe('a.txt');
    md.ok(['cp', '-L', 'box:/data/alink', join(d, 'l2')]);
    expect(lstatSync(join(d, 'l2')).isFile()).toBe(true);
    expect(readFileSync(join(d, 'l2'), 'utf8')).toBe('hello\n');
  });

  it('`-` writes a tar stream of the source', () => {
    const r = raw(['cp', 'box:/data/sub', '-']);
    expect(r.code).toBe(0);
    const names = tarList(r.stdout).map((l) => l.split(/\s+/).pop());
    expect(names).toEqual(['sub/', 'sub/b']);
    const one = tarList(raw(['cp', 'box:/data/sub/.', '-']).stdout).map((l) => l.split(/\s+/).pop());
    expect(one).toEqual(['./', 'b']);
  });

  it('a FIFO is copied as a FIFO, never opened (no hang)', () => {
    const d = out('fifo');
    const t0 = Date.now();
    md.ok(['cp', 'box:/data/fifo', join(d, 'p')]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(lstatSync(join(d, 'p')).isFIFO()).toBe(true);
  });

  it('hostile: a link to a host file or directory reads the container\'s own path, never the host\'s', () => {
    const d = out('hostile-read');
    // the link itself is copied (as Docker does), never what the host has there
    md.ok(['cp', 'box:/evil-file', join(d, 'x')]);
    expect(lstatSync(join(d, 'x')).isSymbolicLink()).toBe(true);
    // followed: resolved inside the container, where that path does not exist
    for (const src of ['box:/evil-file/', 'box:/evil-dir/secret', 'box:/evil-rel/secret', 'box:/evil-dir/.']) {
      const r = md.run(['cp', src, join(d, 'y')]);
      expect(r.code, src).toBe(1);
      expect(r.stderr, src).toContain('Could not find the file');
    }
    const r = md.run(['cp', '-L', 'box:/evil-file', join(d, 'z')]);
    expect(r.code).toBe(1);
    expect(existsSync(join(d, 'z'))).toBe(false);
    expect(existsSync(join(d, 'y'))).toBe(false);
  });

  it('hostile: `..` stops at the container\'s root', () => {
    const d = out('dotdot');
    md.ok(['cp', 'box:/../../../../../../etc/hostname', join(d, 'h')]);
    expect(readFileSync(join(d, 'h'), 'utf8')).toBe(inside('box', 'cat /etc/hostname') + '\n');
  });

  it('hostile: a device node in the container is never made on the host', () => {
    inside('box', 'mkdir -p /devs && mknod /devs/sda b 8 0 && echo ok > /devs/ok');
    const d = out('devs');
    const r = md.run(['cp', 'box:/devs', d]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('a device node is not made on the host');
    expect(readdirSync(join(d, 'devs'))).toEqual(['ok']);
  });

  it('kernel filesystems of the container read as empty (no /proc files through the container)', () => {
    const r = raw(['cp', 'box:/proc', '-']);
    expect(r.code).toBe(0);
    expect(tarList(r.stdout).map((l) => l.split(/\s+/).pop())).toEqual(['proc/']);
  });
});

describe('cp into a running container', () => {
  it('a file into a directory, to a new name, over a file; root owns it without -a, the source\'s owner with -a', () => {
    const src = join(tmp, 'in.txt');
    writeFileSync(src, 'from host\n');
    chownSync(src, 321, 654);
    md.ok(['cp', src, 'box:/data/sub/']);
    expect(inside('box', 'cat /data/sub/in.txt; stat -c %u:%g /data/sub/in.txt')).toBe('from host\n0:0');
    md.ok(['cp', src, 'box:/data/new.txt']);
    expect(inside('box', 'cat /data/new.txt')).toBe('from host');
    md.ok(['cp', '-a', src, 'box:/data/new.txt']);
    expect(inside('box', 'stat -c %u:%g /data/new.txt')).toBe('321:654');
  });

  it('a directory: into an existing one, or as a new name; its contents with /.', () => {
    const d = join(tmp, 'srcdir');
    mkdirSync(join(d, 'x'), { recursive: true });
    writeFileSync(join(d, 'x', 'f'), 'F');
    md.ok(['cp', d, 'box:/data/empty']);
    expect(inside('box', 'cat /data/empty/srcdir/x/f')).toBe('F');
    md.ok(['cp', d, 'box:/data/fresh']);
    expect(inside('box', 'cat /data/fresh/x/f')).toBe('F');
    md.ok(['cp', `${d}/.`, 'box:/data/sub']);
    expect(inside('box', 'cat /data/sub/x/f')).toBe('F');
    const r = md.run(['cp', d, 'box:/data/a.txt']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot copy directory');
    const r2 = md.run(['cp', d, 'box:/nosuchdir/deeper']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('Could not find the file /nosuchdir in container box');
  });

  it('hostile: writing through a link to a host directory lands inside the container', () => {
    const src = join(tmp, 'payload');
    writeFileSync(src, 'PAYLOAD\n');
    for (const dst of ['box:/evil-dir/x', 'box:/evil-rel/y', 'box:/evil-dir/']) {
      const r = md.run(['cp', src, dst]);
      // the container has no such directory: Docker's refusals, never a write on the host
      expect(r.code, dst).toBe(1);
      expect(r.stderr, dst).toMatch(/Could not find the file|no such directory/);
      expect(readdirSync(hostDir)).toEqual(['secret']);
    }
    inside('box', `mkdir -p ${hostDir}`); // the same path exists in the container now
    md.ok(['cp', src, 'box:/evil-dir/x']);
    md.ok(['cp', src, 'box:/evil-rel/']);
    expect(inside('box', `cat ${hostDir}/x ${hostDir}/payload`)).toBe('PAYLOAD\nPAYLOAD');
    expect(readdirSync(hostDir)).toEqual(['secret']);
    expect(readFileSync(hostSecret, 'utf8')).toBe('HOST-SECRET\n');
    // a file whose name is a planted link to a host file: replaced in the container, the host's untouched
    md.ok(['cp', src, 'box:/evil-file']);
    expect(inside('box', 'cat /evil-file')).toBe('PAYLOAD');
    expect(readFileSync(hostSecret, 'utf8')).toBe('HOST-SECRET\n');
  });

  it('hostile: `..` in the destination stays inside the container', () => {
    const src = join(tmp, 'dd.txt');
    writeFileSync(src, 'DD\n');
    md.ok(['cp', src, 'box:/../../../../../tmp/dd.txt']);
    expect(inside('box', 'cat /tmp/dd.txt')).toBe('DD');
  });

  it('`-` extracts a tar stream into a directory; entries that climb out are refused; links in it stay inside', () => {
    inside('box', `mkdir -p ${hostDir}`); // the link's target exists in the container (and on the host)
    const good = buildTar([
      { path: 't', type: 'dir' },
      { path: 't/one', type: 'file', data: 'one\n', uid: 7, gid: 8 },
      { path: 't/l', type: 'symlink', linkname: hostDir },
      { path: 't/l/planted', type: 'file', data: 'planted\n' },
    ]);
    const r = raw(['cp', '-', 'box:/data'], good);
    expect(r.code, r.stderr).toBe(0);
    expect(inside('box', 'cat /data/t/one; stat -c %u:%g /data/t/one')).toBe('one\n7:8');
    expect(inside('box', `cat ${hostDir}/planted`)).toBe('planted');
    expect(readdirSync(hostDir)).toEqual(['secret']);
    const bad = buildTar([{ path: '../../../../escape', type: 'file', data: 'x' }]);
    const r2 = raw(['cp', '-', 'box:/data'], bad);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('outside of the destination');
    const r3 = raw(['cp', '-', 'box:/data/a.txt'], good);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('must be a directory');
  });
});

describe('cp with a stopped container', () => {
  beforeAll(() => {
    md.ok(['run', '-d', '--network', 'none', '--name', 'stopped', 'busybox', 'sleep', '1000']);
    inside('stopped', `echo kept > /kept.txt && rm /bin/ls && ln -s ${hostDir} /evil && mkdir /d && ln -s ${hostSecret} /d/s`);
    md.ok(['stop', '-t', '0', 'stopped']);
  }, 60_000);

  it('reads the merged view: upper over the layers, whiteouts honoured', () => {
    const d = out('stopped-read');
    md.ok(['cp', 'stopped:/kept.txt', d]);
    expect(readFileSync(join(d, 'kept.txt'), 'utf8')).toBe('kept\n');
    md.ok(['cp', 'stopped:/bin/sh', join(d, 'sh')]);
    expect(statSync(join(d, 'sh')).size).toBeGreaterThan(1000); // from the image's layer
    const r = md.run(['cp', 'stopped:/bin/ls', d]);
    expect(r.code).toBe(1); // removed in the container: the whiteout hides the layer's
    expect(r.stderr).toContain('Could not find the file /bin/ls');
  });

  it('writes into the upper dir; the container sees it when it runs; nothing is left mounted', () => {
    const src = join(tmp, 'cold.txt');
    writeFileSync(src, 'cold\n');
    md.ok(['cp', src, 'stopped:/etc/']);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(md.root);
    md.ok(['start', 'stopped']);
    expect(inside('stopped', 'cat /etc/cold.txt')).toBe('cold');
    md.ok(['stop', '-t', '0', 'stopped']);
  });

  it('hostile links stay inside the stopped container too', () => {
    const src = join(tmp, 'p2');
    writeFileSync(src, 'P2\n');
    const r = md.run(['cp', src, 'stopped:/evil/x']);
    expect(r.code).toBe(1);
    expect(readdirSync(hostDir)).toEqual(['secret']);
    const d = out('stopped-hostile');
    const r2 = md.run(['cp', '-L', 'stopped:/d/s', join(d, 's')]);
    expect(r2.code).toBe(1);
    expect(existsSync(join(d, 's'))).toBe(false);
  });
});
