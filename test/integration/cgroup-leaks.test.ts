// Container cgroups that outlive their container (cgroup v1 here: minidock/<id> in every
// hierarchy). Two ways they were left, and the leak check that now sees them:
//   - a container sharing a PID namespace (--pid host) whose PID 1 leaves a child behind: the
//     child stayed in the cgroup, rm could not rmdir it, and it stayed empty once the child ended;
//   - the overlay tests' "a host dies" (test/helpers/cluster.ts Host.kill): every process of the
//     host SIGKILLed, its root then thrown away, nothing left to remove its containers' cgroups;
//     kill() now drops them as a dying host does, and Host.cleanup checks.
// The leak check of Minidock.cleanup (test/helpers/cli.ts) is held to a positive control here.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, cgroupDirsOf, cgroupMounts, containerIdsOf, sleep } from '../helpers/cli.js';

/** Whether pid is alive (not a zombie). */
function alive(pid: number): boolean {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX]/.test(st);
  } catch {
    return false;
  }
}

describe('--pid host: what PID 1 leaves in the cgroup is killed, and the cgroup removed', () => {
  const md = new Minidock();
  afterAll(() => md.cleanup());

  it('run -d, its PID 1 exits leaving a child: after the exit the cgroup and the child are gone; rm leaves nothing', async () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--pid', 'host', 'busybox', 'sh', '-c', 'sleep 30 & echo $!; exit 0']);
    let st = '';
    for (let i = 0; i < 100 && st !== 'exited'; i++, await sleep(50)) st = md.ok(['inspect', '-f', '{{.State.Status}}', id]);
    expect(st).toBe('exited');
    const child = Number(md.ok(['logs', id])); // a host pid: the container shares the host's PID namespace
    // the end of the container (its cleanup) removes the cgroup: the child is killed with it
    let left = cgroupDirsOf([id]);
    for (let i = 0; i < 40 && left.length; i++, await sleep(50)) left = cgroupDirsOf([id]);
    expect(left).toEqual([]);
    expect(child).toBeGreaterThan(1);
    expect(alive(child)).toBe(false);
    md.ok(['rm', id]);
    expect(cgroupDirsOf([id])).toEqual([]);
  });

  it('run --rm in the foreground: nothing of it is left when it returns', () => {
    const before = new Set(containerIdsOf(md.root));
    expect(md.run(['run', '--rm', '--network', 'none', '--pid', 'host', 'busybox', 'sh', '-c', 'sleep 30 & exit 3']).code).toBe(3);
    const ids = containerIdsOf(md.root).filter((i) => !before.has(i));
    expect(ids).toHaveLength(1);
    expect(cgroupDirsOf(ids)).toEqual([]);
  });

  it('rm -f of a running one whose PID 1 has a child: no cgroup left', () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--pid', 'host', 'busybox', 'sh', '-c', 'sleep 30 & exec sleep 60']);
    expect(cgroupDirsOf([id]).length).toBeGreaterThan(0);
    md.ok(['rm', '-f', id]);
    expect(cgroupDirsOf([id])).toEqual([]);
  });
});

describe('the leak check of Minidock.cleanup sees a cgroup left behind', () => {
  it('a cgroup of a removed container of the root (run --rm: known from the events journal) fails cleanup, and is removed', () => {
    const md = new Minidock();
    let leaked = '';
    try {
      expect(md.run(['run', '--rm', '--network', 'none', 'busybox', 'true']).code).toBe(0);
      const [id] = containerIdsOf(md.root);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(cgroupDirsOf([id!])).toEqual([]);
      // what a leak looks like: an empty minidock/<id> in one hierarchy
      const mount = cgroupMounts().find((m) => existsSync(join(m, 'minidock')));
      expect(mount).toBeDefined();
      leaked = join(mount!, 'minidock', id!);
      mkdirSync(leaked);
    } catch (e) {
      md.cleanup();
      throw e;
    }
    expect(() => md.cleanup()).toThrow(/leaked cgroups of this test's containers/);
    expect(existsSync(leaked)).toBe(false);
  });
});
