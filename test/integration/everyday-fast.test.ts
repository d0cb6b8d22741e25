// The everyday commands' fast paths (issue 13, Benchmark) keep their behaviour:
// - ps / inspect / logs load neither child_process (nor what it pulls in) nor the lifecycle code;
// - exec joins every cgroup of the container (v1: through `tasks`, v2: cgroup.procs);
// - a full id reads that one record: another container's damaged record does not get in the way;
// - stop of a container that ends on SIGTERM returns as soon as it ended, and leaves no netns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock, sh } from '../helpers/cli.js';
import { useCgroup2 } from '../helpers/cgroup2.js';

let md: Minidock;
let work: string;
beforeAll(() => {
  md = new Minidock();
  work = mkdtempSync(join(tmpdir(), 'mdfast-'));
});
afterAll(() => {
  md?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** The builtin modules one minidock command loaded (Node's process.moduleLoadList at exit). */
function modulesOf(args: string[]): string[] {
  const out = join(work, `modules-${args[0]}.txt`);
  const pre = join(work, 'preload.cjs');
  writeFileSync(pre, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));\n`);
  const r = sh('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'env', `MINIDOCK_ROOT=${md.root}`, process.execPath, '--require', pre, '--', BIN, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n');
}

const TERMABLE = ['sh', '-c', 'echo up; trap "exit 0" TERM; sleep 600 & wait'];

describe('everyday commands', () => {
  it('ps, inspect and logs do not load child_process (nor net/dgram behind it)', () => {
    const id = md.ok(['run', '-d', '--network', 'none', 'busybox', ...TERMABLE]);
    try {
      for (const args of [['ps'], ['ps', '-a'], ['inspect', id], ['logs', id], ['version']]) {
        const mods = modulesOf(args);
        expect(mods, args.join(' ')).not.toContain('NativeModule child_process');
        expect(mods, args.join(' ')).not.toContain('NativeModule dgram');
      }
      // nor exec, where the spawn addon is built (test/integration/exec-spawn.test.ts)
      expect(modulesOf(['exec', id, 'true'])).not.toContain('NativeModule child_process');
    } finally {
      md.ok(['rm', '-f', id]);
    }
  });

  it('a full id reads that record alone: a damaged record of another container does not break it', () => {
    const good = md.ok(['run', '-d', '--network', 'none', 'busybox', ...TERMABLE]);
    const bad = md.ok(['create', '--network', 'none', 'busybox', 'true']);
    const badRecord = join(md.root, 'containers', bad, 'container.json');
    const saved = readFileSync(badRecord);
    try {
      writeFileSync(badRecord, '{"Id": "trunc');
      expect(md.ok(['inspect', '-f', '{{.State.Running}}', good])).toBe('true');
      expect(md.ok(['exec', good, 'echo', 'in'])).toBe('in');
      expect(md.ok(['logs', good])).toBe('up');
      // by name the records are all read, and the damaged one is reported (exit 125, one line)
      const r = md.run(['inspect', 'no-such-name']);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(badRecord);
    } finally {
      writeFileSync(badRecord, saved);
      md.ok(['rm', '-f', good, bad]);
    }
  });

  it('stop of a container that ends on SIGTERM returns once it ended; no netns is left', () => {
    const id = md.ok(['run', '-d', '--network', 'none', 'busybox', ...TERMABLE]);
    const ns = `/run/netns/minidock-${id.slice(0, 12)}`;
    expect(existsSync(ns)).toBe(true);
    const t0 = Date.now();
    expect(md.ok(['stop', id])).toBe(id);
    expect(Date.now() - t0).toBeLessThan(5000); // not the 10 s grace period
    expect(md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 0');
    expect(existsSync(ns)).toBe(false);
    md.ok(['rm', id]);
    expect(existsSync(join(md.root, 'containers', id))).toBe(false);
  });
});

/** "controller:path" lines of /proc/PID/cgroup, for the hierarchies minidock puts containers in. */
function minidockCgroups(text: string): string[] {
  return text.split('\n').filter((l) => l.includes('/minidock/')).map((l) => l.split(':').slice(1).join(':')).sort();
}

describe('exec joins the container cgroups', () => {
  it('on this host: every hierarchy of PID 1, the exec process listed in each', () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--pids-limit', '50', 'busybox', 'sleep', '600']);
    try {
      const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', id]);
      const want = minidockCgroups(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
      expect(want.length).toBeGreaterThan(0);
      // the exec'd shell prints its own cgroups (its /proc is the container's: same cgroup paths)
      const got = minidockCgroups(md.ok(['exec', id, 'cat', '/proc/self/cgroup']));
      expect(got).toEqual(want);
      // a background process of an exec stays in the cgroup: the pids controller counts it
      md.ok(['exec', '-d', id, 'sleep', '300']);
      const pids = md.ok(['exec', id, 'sh', '-c', 'cat /sys/fs/cgroup/pids/pids.current 2>/dev/null || cat /sys/fs/cgroup/pids.current 2>/dev/null || echo none']);
      if (pids !== 'none') expect(Number(pids)).toBeGreaterThanOrEqual(3); // sleep 600, sleep 300, this sh (+ cat)
    } finally {
      md.ok(['rm', '-f', id]);
    }
  });

  describe('cgroup v2 (a cgroup2 mount of this test: no `tasks` file there)', () => {
    let mnt = '';
    let v2: Minidock | undefined;
    useCgroup2('mdcg2-', (cg) => ({ mnt, md: v2 } = cg));

    it('the exec process is in the container cgroup (cgroup.procs)', (ctx) => {
      if (!v2) return ctx.skip();
      const id = v2.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '600']);
      try {
        v2.ok(['exec', '-d', id, 'sleep', '300']);
        const procs = readFileSync(join(mnt, 'minidock', id, 'cgroup.procs'), 'utf8').trim().split('\n');
        expect(procs.length).toBe(2); // sleep 600 and the exec's sleep 300
        for (const p of procs) expect(readFileSync(`/proc/${p}/cgroup`, 'utf8')).toMatch(new RegExp(`^0::/minidock/${id}$`, 'm'));
      } finally {
        v2.ok(['rm', '-f', id]);
      }
    });
  });
});
