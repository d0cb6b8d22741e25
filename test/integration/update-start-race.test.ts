// `update` racing a `start` of the same container (#17): whichever comes first, the limit the
// update set is the one on the cgroup of the process that runs, and the one recorded. Real
// concurrent CLI processes, 20 rounds, the update sent at a varying moment of the start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const MiB = 1024 * 1024;

/** The memory limit of the cgroup the process is in (read through /proc, v1 or v2). */
function memoryLimitOf(pid: number): number {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  const file = v1 ? join('/sys/fs/cgroup/memory', v1.split(':')[2]!, 'memory.limit_in_bytes') : join('/sys/fs/cgroup', lines.find((l) => l.startsWith('0::'))!.slice(3), 'memory.max');
  expect(existsSync(file), file).toBe(true);
  return Number(readFileSync(file, 'utf8').trim());
}

describe('update || start of the same container', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
    md.ok(['create', '--name', 'racer', '--network', 'none', '--memory', '32m', 'busybox', 'sleep', '1000']);
  });
  afterAll(() => md?.cleanup());

  it('20 rounds: the running process\'s cgroup and the record both have the update\'s limit', async () => {
    const wrong: string[] = [];
    for (let round = 0; round < 20; round++) {
      const limit = (40 + round) * MiB;
      // the update lands anywhere from before the start's lock to after its process runs
      const delay = (round % 5) * 25;
      const [start, update] = await Promise.all([
        md.runAsync(['start', 'racer']),
        new Promise((r) => setTimeout(r, delay)).then(() => md.runAsync(['update', '--memory', String(limit), 'racer'])),
      ]);
      expect(start.code, start.stderr).toBe(0);
      expect(update.code, update.stderr).toBe(0);
      const [pid, recorded] = md.ok(['inspect', '-f', '{{.State.Pid}} {{.HostConfig.Memory}}', 'racer']).split(' ').map(Number);
      expect(pid).toBeGreaterThan(0);
      const applied = memoryLimitOf(pid!);
      if (applied !== limit || recorded !== limit) wrong.push(`round ${round} (update after ${delay} ms): cgroup ${applied / MiB} MiB, recorded ${recorded! / MiB} MiB, wanted ${limit / MiB} MiB`);
      md.ok(['kill', 'racer']);
      md.ok(['wait', 'racer']);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
