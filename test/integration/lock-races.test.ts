// A lock whose holder died while its pid number went to a live, unrelated process must be taken
// over at once (pid + start time + boot id name the holder, not the pid alone). The reuse is
// real: in a fresh pid namespace (root), ns_last_pid hands the dead holder's pid to `sleep`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRacer } from '../helpers/lock-racer.js';

let dir: string;
let racer: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mdlockreuse-'));
  racer = buildRacer(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lock of a dead holder whose pid was reused', () => {
  it('is taken over promptly, not after the 60 s timeout', () => {
    for (let t = 0; t < 3; t++) {
      const root = join(dir, `root-${t}`);
      const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, racer, join(dir, `log-${t}`), 'reuse', 'reuse'], {
        env: { ...process.env, MINIDOCK_ROOT: root },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout) as { holderSignal: string; holderPid: number; squatterPid: number; waiterStatus: number | null; waiterStderr: string; waitedMs: number };
      expect(rep.holderSignal).toBe('SIGKILL');
      expect(rep.squatterPid, 'the dead holder\'s pid went to a live sleep').toBe(rep.holderPid);
      expect(rep.waiterStatus, rep.waiterStderr).toBe(0);
      expect(rep.waitedMs).toBeLessThan(3_000);
    }
  });
});
