// Issue 13: `diff` and `export` against real containers. diff: A/C/D from the upper dir as
// Docker prints them (whiteouts and opaque directories as D, the directory holding an A or D as
// C, the runtime's own mount points never), exit 1 for a missing container. export: a tar of
// the merged filesystem to stdout or -o FILE, of a running or a stopped container, whiteouts
// honoured, and the container's symlinks archived as symlinks — never followed on the host,
// even when they point at the host's files or a directory was swapped for one.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock } from '../helpers/cli.js';

const md = new Minidock();
const scratch = mkdtempSync(join(tmpdir(), 'mdexp-'));
// A file only the host has: the container links to it and to its directory.
const secretDir = mkdtempSync(join(tmpdir(), 'mdsecret-'));
const SECRET = `host-only-${Math.random().toString(16).slice(2)}`;
writeFileSync(join(secretDir, 'secret'), SECRET);
afterAll(() => {
  md.cleanup();
  rmSync(scratch, { recursive: true, force: true });
  rmSync(secretDir, { recursive: true, force: true });
});

/** `minidock export` piped into `tar` (binary-safe), returning tar's listing. */
function exportList(ref: string, tarArgs = ['-tf', '-']): { code: number; list: string[]; stderr: string } {
  const [cmd, ...pre] = md.prefix;
  const r = spawnSync(cmd, [...pre, process.execPath, '--', BIN, 'export', ref], { env: md.env, maxBuffer: 256 << 20 });
  const t = spawnSync('tar', tarArgs, { input: r.stdout, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? 1, list: t.stdout.split('\n').filter(Boolean), stderr: r.stderr.toString() };
}

const SCRIPT = [
  'mkdir -p /newdir/sub && echo hello > /newdir/sub/file',
  'rm /bin/ls',
  'echo extra >> /etc/passwd',
  'rm -rf /home && mkdir /home && touch /home/fresh', // an opaque directory
  'ln -s /etc/shadow /link-to-host-file',
  'ln -s / /root-link',
  `ln -s ${secretDir}/secret /host-secret && ln -s ${secretDir} /host-dir`,
  'mkfifo /fifo',
].join(' && ');

describe('diff', () => {
  it("prints Docker's A/C/D lines in walk order, hiding the runtime's mount points", () => {
    md.ok(['run', '--network', 'none', '--name', 'd1', 'busybox', 'sh', '-c', SCRIPT]);
    const lines = md.ok(['diff', 'd1']).split('\n');
    expect(lines).toEqual([
      'C /bin',
      'D /bin/ls',
      'C /etc/passwd',
      'A /fifo',
      'D /home',
      'A /home/fresh',
      'A /host-dir',
      'A /host-secret',
      'A /link-to-host-file',
      'A /newdir',
      'A /newdir/sub',
      'A /newdir/sub/file',
      'A /root-link',
    ]);
    // /etc/hosts, /etc/hostname, /etc/resolv.conf are bind targets the shim made: not changes
    expect(lines.some((l) => / \/etc\/(hosts|hostname|resolv\.conf)$/.test(l))).toBe(false);
  });

  it('a fresh container has no changes; a missing one is exit 1', () => {
    md.ok(['run', '--network', 'none', '--name', 'd0', 'busybox', 'true']);
    expect(md.ok(['diff', 'd0'])).toBe('');
    const r = md.run(['diff', 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error response from daemon: No such container: nosuch');
  });
});

describe('export', () => {
  it("is the merged filesystem: the image's files, the container's changes, no deleted files", () => {
    const r = exportList('d1');
    expect(r.code).toBe(0);
    expect(r.list).toContain('bin/');
    expect(r.list).toContain('bin/sh');
    expect(r.list).not.toContain('bin/ls');
    expect(r.list).toContain('newdir/sub/file');
    expect(r.list).toContain('home/fresh');
    expect(r.list).toContain('fifo');
    expect(r.list.every((p) => !p.startsWith('/') && !p.startsWith('./'))).toBe(true);
    // a file's content comes through
    const x = exportList('d1', ['-xOf', '-', 'newdir/sub/file']);
    expect(x.list).toEqual(['hello']);
  });

  it("archives the container's symlinks as symlinks: nothing of the host is read through them", () => {
    const v = exportList('d1', ['-tvf', '-']);
    expect(v.list.find((l) => l.endsWith('link-to-host-file -> /etc/shadow'))).toMatch(/^l/);
    expect(v.list.find((l) => l.endsWith('root-link -> /'))).toMatch(/^l/);
    // nothing under the links: no host file was walked into
    const r = exportList('d1');
    expect(r.list.filter((p) => p.startsWith('root-link/') || p.startsWith('link-to-host-file/'))).toEqual([]);
    expect(r.list.filter((p) => p.startsWith('host-dir/'))).toEqual([]);
    const [cmd, ...pre] = md.prefix;
    const raw = spawnSync(cmd, [...pre, process.execPath, '--', BIN, 'export', 'd1'], { env: md.env, maxBuffer: 256 << 20 }).stdout;
    expect(raw.includes(Buffer.from(SECRET))).toBe(false);
    expect(raw.includes(Buffer.from(`${secretDir}/secret`))).toBe(true); // the link's text is there
  });

  it('of a running container, also while it swaps a directory for a symlink to /', () => {
    const id = md.ok([
      'run', '-d', '--network', 'none', 'busybox', 'sh', '-c',
      'mkdir -p /swap/d && touch /swap/d/inside; while true; do mv /swap/d /swap/x; ln -s / /swap/d; rm /swap/d; mv /swap/x /swap/d; done',
    ]);
    try {
      for (let i = 0; i < 5; i++) {
        const r = exportList(id);
        expect(r.code).toBe(0);
        // whatever moment it caught, /swap/d/ holds only the container's own file
        expect(r.list.filter((p) => p.startsWith('swap/d/') || p.startsWith('swap/x/')).every((p) => /^swap\/[dx]\/(inside)?$/.test(p))).toBe(true);
        expect(r.list).not.toContain('swap/d/etc/');
      }
    } finally {
      md.ok(['rm', '-f', id]);
    }
  });

  it('an opaque directory hides everything the image had in it', () => {
    md.ok(['run', '--network', 'none', '--name', 'op', 'busybox', 'sh', '-c', 'cp -a /bin /keep && rm -rf /bin && /keep/mkdir /bin && /keep/cp /keep/sh /bin/sh']);
    const r = exportList('op');
    expect(r.list.filter((p) => p.startsWith('bin/'))).toEqual(['bin/', 'bin/sh']);
    expect(r.list).toContain('keep/ls');
    // moby's rule: the opaque directory is D, what is in it again C (it exists in the image)
    const d = md.ok(['diff', 'op']).split('\n');
    expect(d.slice(0, 2)).toEqual(['D /bin', 'C /bin/sh']);
    expect(d).toContain('A /keep/ls');
  });

  it('-o FILE writes the same archive (no temporary file left); a terminal is refused; a missing container is exit 1', () => {
    const out = join(scratch, 'd1.tar');
    md.ok(['export', '-o', out, 'd1']);
    const t = spawnSync('tar', ['-tf', out], { encoding: 'utf8' });
    expect(t.stdout.split('\n').filter(Boolean)).toEqual(exportList('d1').list);
    expect(readdirSync(scratch)).toEqual(['d1.tar']);
    const tty = spawnSync('script', ['-qec', md.commandLine('export d1'), '/dev/null'], { encoding: 'utf8' });
    expect(tty.stdout).toContain('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const r = md.run(['export', '-o', join(scratch, 'none.tar'), 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error response from daemon: No such container: nosuch');
    expect(existsSync(join(scratch, 'none.tar'))).toBe(false);
  });
});
