// What makes the everyday commands start fast (issue 13, speed) changes nothing a user sees:
// - each top-level command, declared alone (main.ts REGISTRARS), has the whole tree's help;
// - output written straight to the descriptors: complete and in order into a pipe that is
//   non-blocking and full (EAGAIN: the stream takes over), quiet and exit 0 when the reader
//   goes away (EPIPE);
// - the V8 code cache of bin/minidock: made by the first run that succeeds; a corrupt, truncated
//   or stale cache is ignored (and made again), and a read-only install (no cache) works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock, sh } from '../helpers/cli.js';

let md: Minidock;
let work: string;
beforeAll(() => {
  md = new Minidock();
  work = mkdtempSync(join(tmpdir(), 'mdstart-'));
});
afterAll(() => {
  md?.cleanup();
  spawnUmount();
  rmSync(work, { recursive: true, force: true });
});

let mounted = '';
function spawnUmount(): void {
  if (mounted) sh('umount', [mounted]);
  mounted = '';
}

describe('commands declared alone', () => {
  it("each top-level command's --help is the one of the whole tree (help NAME)", () => {
    const all = md.ok(['--help']);
    // a command's line: its name, maybe its options and arguments, then the description after
    // the padding (a description's own further lines have single spaces)
    const lines = all.slice(all.indexOf('Commands:')).split('\n').slice(1);
    const names = lines.map((l) => /^ {2}([a-z][a-z-]*)(?: \S.*?)?\s{2,}\S/.exec(l)?.[1]).filter((n): n is string => !!n && n !== 'help');
    expect(names).toEqual(expect.arrayContaining(['ps', 'images', 'network', 'port', 'volume', 'system', 'info', 'cp', 'events', 'container', 'image', 'version']));
    for (const n of names) {
      const alone = md.run([n, '--help']);
      const whole = md.run(['help', n]);
      expect(alone.code, `${n}: ${alone.stderr}`).toBe(0);
      expect(alone.stdout, n).toBe(whole.stdout);
    }
  });

  it('a group declared alone still has every subcommand, and an unknown word is still refused', () => {
    expect(md.run(['network', 'ls', '-q']).code).toBe(0);
    expect(md.ok(['volume', 'ls', '-q'])).toBe('');
    const r = md.run(['nosuch']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^minidock: unknown command.*nosuch/); // main.ts's words (parse-errors.ts)
  });
});

describe('output straight to the descriptors', () => {
  let id = '';
  beforeAll(() => {
    id = md.ok(['create', '--network', 'none', '--name', 'fast-start-out', 'busybox', 'true']);
  });
  afterAll(() => {
    if (id) md.run(['rm', '-f', id]);
  });

  it('into a full non-blocking pipe: every byte, in order (the stream takes over at EAGAIN)', () => {
    // ~200 kB of inspect JSON into a 64 kB pipe set O_NONBLOCK, read only after a while
    const refs = Array.from({ length: 40 }, () => id);
    const want = md.ok(['inspect', ...refs]) + '\n';
    const py = [
      'import os, subprocess, sys, time',
      'r, w = os.pipe()',
      'os.set_blocking(w, False)',
      `p = subprocess.Popen(sys.argv[1:], stdout=w)`,
      'os.close(w)',
      'time.sleep(0.5)',
      'out = b""',
      'while True:',
      '    b = os.read(r, 65536)',
      '    if not b: break',
      '    out += b',
      'sys.stdout.buffer.write(out)',
      'sys.exit(p.wait())',
    ].join('\n');
    const r = sh('env', [`MINIDOCK_ROOT=${md.root}`, 'python3', '-c', py, ...md.prefix, process.execPath, '--', BIN, 'inspect', ...refs]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBe(want.length);
    expect(r.stdout).toBe(want);
  });

  it('a reader that goes away: exit 0, nothing on stderr (EPIPE)', () => {
    const refs = Array.from({ length: 40 }, () => id).join(' ');
    const r = sh('bash', ['-c', `set -o pipefail; ${md.commandLine(`inspect ${refs}`)} | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS[0]}" >&2`]);
    expect(r.stderr).toBe('rc=0\n');
    // ps too, through the default table
    const p = sh('bash', ['-c', `${md.commandLine('ps -a')} | head -c 0; echo "rc=\${PIPESTATUS[0]}" >&2`]);
    expect(p.stderr).toBe('rc=0\n');
  });
});

describe("bin/minidock's code cache", () => {
  // a copy of the install (bin/ and dist/: the bundle needs nothing else) to spoil its cache
  let bin = '';
  let cache = '';
  const version = () => sh(process.execPath, ['--', bin, 'version']);
  beforeAll(() => {
    const inst = join(work, 'inst');
    cpSync(join(BIN, '..', '..', 'bin'), join(inst, 'bin'), { recursive: true });
    cpSync(join(BIN, '..', '..', 'dist'), join(inst, 'dist'), { recursive: true, filter: (p) => !p.includes('/cache') });
    bin = join(inst, 'bin', 'minidock');
    cache = join(inst, 'dist', 'cache', 'version.v8');
  });
  const good = () => {
    const r = version();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^minidock version \S+\nNode\.js v/);
  };

  it('is made on first use that succeeds, then used', () => {
    // a refused command line compiled little of the command: it makes no cache
    expect(sh(process.execPath, ['--', bin, 'version', '--no-such-flag']).code).not.toBe(0);
    expect(existsSync(cache)).toBe(false);
    good();
    expect(statSync(cache).size).toBeGreaterThan(1000);
    const made = readFileSync(cache);
    good();
    expect(readFileSync(cache).equals(made)).toBe(true); // accepted: not written again
  });

  it.each([
    ['garbage', () => writeFileSync(cache, 'not a code cache')],
    ['truncated', () => writeFileSync(cache, readFileSync(cache).subarray(0, 1000))],
    ['empty', () => writeFileSync(cache, '')],
  ])('a %s cache is ignored and made again', (_what, spoil) => {
    good();
    spoil();
    good();
    expect(statSync(cache).size).toBeGreaterThan(1000);
    good();
  });

  it('a stale cache (the bundle changed since) is ignored and made again', () => {
    good();
    const before = readFileSync(cache);
    appendFileSync(join(bin, '..', '..', 'dist', 'minidock.cjs'), '\n// a newer build\n');
    good();
    expect(readFileSync(cache).equals(before)).toBe(false);
    good();
  });

  it('a read-only install works (no cache written, nothing on stderr)', () => {
    const dist = join(bin, '..', '..', 'dist');
    rmSync(join(dist, 'cache'), { recursive: true, force: true });
    // root writes through file modes: a read-only bind mount of dist/ (this run's mount namespace)
    expect(sh('mount', ['--bind', dist, dist]).code).toBe(0);
    mounted = dist;
    expect(sh('mount', ['-o', 'remount,bind,ro', dist]).code).toBe(0);
    good();
    good();
    expect(existsSync(join(dist, 'cache'))).toBe(false);
    const r = sh('env', [`MINIDOCK_ROOT=${md.root}`, process.execPath, '--', bin, 'ps', '-a']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^CONTAINER ID/);
    spawnUmount();
  });
});
