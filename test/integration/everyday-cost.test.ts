// What the everyday commands cost (issue 13, speed), pinned by counts, never by times:
// - the CLI's bundle is stored ASCII and as the very function bin/minidock calls, so a start
//   compiles it as read (a two-byte string and a wrapped copy of it were ~2.6 MB of the young
//   generation: `version` ran a scavenge for that alone);
// - `ps` with N running containers opens, per container, its record, its pid file and its
//   process's stat, and nothing else; it spawns no child;
// - `stop` is woken by the exit file (inotify): while it waits it looks at the record at most
//   once per 100 ms, not after 1, 2, 4 … ms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Minidock, sh } from '../helpers/cli.js';

const BUNDLE = join(BIN, '..', '..', 'dist', 'minidock.cjs');
const TERMABLE = (ms: number) => ['sh', '-c', `trap "${ms ? `sleep ${ms / 1000}; ` : ''}exit 0" TERM; echo started; sleep 600 & wait`];

let md: Minidock;
beforeAll(() => {
  // strace is how these tests count; a missing one must fail them, not skip them
  expect(sh('strace', ['-V']).code).toBe(0);
  md = new Minidock();
});
afterAll(() => md?.cleanup());

/** The syscalls of one minidock run (strace -f), as lines "PID TIME call(...) = result". */
function traced(args: string[], calls: string): { code: number; lines: string[] } {
  const out = join(md.root, `strace-${process.hrtime.bigint()}`);
  const r = sh('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'env', `MINIDOCK_ROOT=${md.root}`, 'strace', '-f', '-ttt', '-qq', '-e', `trace=${calls}`, '-o', out, process.execPath, '--', BIN, ...args]);
  return { code: r.code, lines: readFileSync(out, 'utf8').split('\n').filter(Boolean) };
}

describe('the bundle', () => {
  it('is ASCII and the function the launcher calls (compiled as read, no copy made)', () => {
    const bytes = readFileSync(BUNDLE);
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
    expect(bytes.subarray(0, 80).toString('latin1')).toMatch(/^\(function \(exports, require, module, __filename, __dirname\) \{/);
  });

  it('`version` runs without a single scavenge (with the code cache a first run made)', () => {
    // the first run makes the cache (V8 takes --trace-gc into its flag hash: the cache of a run
    // without it would be refused), the second one is counted
    const traceGc = () => sh('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'env', `MINIDOCK_ROOT=${md.root}`, process.execPath, '--trace-gc', '--', BIN, 'version']);
    expect(traceGc().code).toBe(0);
    const r = traceGc();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('minidock version');
    expect(r.stdout.match(/Scavenge|Mark-Compact/g) ?? []).toEqual([]);
  });
});

describe('ps', () => {
  const N = 12;
  let ids: string[] = [];
  beforeAll(() => {
    for (let i = 0; i < N; i++) ids.push(md.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '600']));
  });
  afterAll(() => {
    if (ids.length) md.run(['rm', '-f', ...ids]);
    ids = [];
  });

  it(`with ${N} running containers: 3 files a container (record, pid file, /proc/PID/stat), no child`, () => {
    const t = traced(['ps'], 'openat,execve,clone,fork,vfork');
    expect(t.code).toBe(0);
    // no process but this one: one execve (node itself), no clone without CLONE_THREAD
    expect(t.lines.filter((l) => / execve\(/.test(l))).toHaveLength(1);
    expect(t.lines.filter((l) => / (clone|fork|vfork)\(/.test(l) && !/CLONE_THREAD/.test(l))).toEqual([]);
    const opened = t.lines.map((l) => /openat\(AT_FDCWD, "([^"]+)".*= \d+$/.exec(l)?.[1]).filter((p): p is string => !!p);
    const containers = join(md.root, 'containers');
    for (const id of ids) {
      const mine = opened.filter((p) => p.startsWith(join(containers, id)));
      expect(mine.sort()).toEqual([join(containers, id, 'container.json'), join(containers, id, 'pid')]);
    }
    expect(opened.filter((p) => /^\/proc\/\d+\/stat$/.test(p))).toHaveLength(N);
    // nothing else of the state root: no image store, no network, no lock
    expect(opened.filter((p) => p.startsWith(md.root) && p !== containers && !p.startsWith(containers + '/'))).toEqual([]);
  });
});

describe('stop', () => {
  it('looks at the record at most once per 100 ms while the container takes 1 s to end', () => {
    const id = md.ok(['run', '-d', '--network', 'none', 'busybox', ...TERMABLE(1000)]);
    for (let i = 0; i < 50 && !md.ok(['logs', id]).includes('started'); i++) sh('sleep', ['0.1']);
    const t = traced(['stop', id], 'openat,kill');
    expect(t.code).toBe(0);
    const at = (l: string) => Number(l.split(/\s+/)[1]);
    const kill = t.lines.findIndex((l) => / kill\(\d+, SIGTERM\)/.test(l));
    const exitRead = t.lines.findIndex((l, i) => i > kill && l.includes(`${id}/exit"`) && /= \d+$/.test(l));
    expect(kill).toBeGreaterThan(-1);
    expect(exitRead).toBeGreaterThan(kill);
    const looks = t.lines.slice(kill, exitRead).filter((l) => l.includes(`${id}/container.json"`) && /O_RDONLY/.test(l)).length;
    const waitedMs = (at(t.lines[exitRead]!) - at(t.lines[kill]!)) * 1000;
    expect(waitedMs).toBeGreaterThan(900); // it did wait for the trap's second
    // one look right after the signal, one per 100 ms, the one the exit file woke
    expect(looks).toBeLessThanOrEqual(Math.floor(waitedMs / 100) + 2);
    md.ok(['rm', id]);
  });
});
