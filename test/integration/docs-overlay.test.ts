// docs/overlay.md cannot rot: every ```sh block in it is run, in order, on the host its fence
// names (`sh-host1`, `sh-host2`: two hosts of test/helpers/cluster.ts, etcd on host 1), with a
// `minidock` on PATH and H1/H2 set to the hosts' addresses; the ```text block after it is
// checked loosely (test/helpers/docsteps.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../helpers/cli.js';
import { Cluster } from '../helpers/cluster.js';
import { matchLoosely, stepsOf } from '../helpers/docsteps.js';

const DOC = fileURLToPath(new URL('../../docs/overlay.md', import.meta.url));
const c = new Cluster();
const lab = mkdtempSync(join(tmpdir(), 'mdt-ovdoc-'));

beforeAll(async () => {
  await c.start(2);
}, 60_000);
afterAll(() => {
  c.destroy();
  rmSync(lab, { recursive: true, force: true });
});

describe('docs/overlay.md', () => {
  const steps = stepsOf(readFileSync(DOC, 'utf8'));

  it('every command in it runs on its host, and prints what the page says', () => {
    expect(steps.length).toBeGreaterThan(10);
    expect(steps.every((s) => s.lang === 'sh-host1' || s.lang === 'sh-host2')).toBe(true);
    const bin = join(lab, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'minidock'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`);
    chmodSync(join(bin, 'minidock'), 0o755);
    for (const s of steps) {
      const h = c.hosts[s.lang === 'sh-host1' ? 0 : 1];
      h.env = { ...h.env, H1: c.hosts[0].addr, H2: c.hosts[1].addr, PATH: `${bin}:${process.env.PATH}` };
      const r = h.exec('bash', ['-eo', 'pipefail', '-c', s.script]);
      const where = `docs/overlay.md:${s.line} (${s.lang})\n${s.script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.code, where).toBe(0);
      if (s.expect) expect(matchLoosely(r.stdout, s.expect), `expected line not found — ${where}`).toBeUndefined();
    }
  }, 120_000);
});
