// docs/networking.md's macvlan and ipvlan walk-throughs cannot rot: every ```sh block is run, in
// order, in a throwaway host netns (bash -e, a `minidock` on PATH), and the ```text block after
// it is checked loosely (test/helpers/docsteps.ts). ```sh-ipvlan blocks run only where the
// kernel has ipvlan links; elsewhere the test says, in its name and output, that they were NOT RUN.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, Minidock } from '../helpers/cli.js';
import { matchLoosely, stepsOf } from '../helpers/docsteps.js';
import { kernelHasLink } from '../../src/engine/network/drivers/lowerlink.js';

const DOC = fileURLToPath(new URL('../../docs/networking.md', import.meta.url));
const HAS_IPVLAN = await kernelHasLink('ipvlan');
const md = new Minidock();
const lab = mkdtempSync(join(tmpdir(), 'mdt-docnet-'));

describe('docs/networking.md (macvlan, ipvlan)', () => {
  const steps = stepsOf(readFileSync(DOC, 'utf8'));
  const ipvlanSteps = steps.filter((s) => s.lang === 'sh-ipvlan');

  afterAll(() => {
    md.cleanup();
    for (const ns of ['mdlab-lan', 'mdlab-m1', 'mdlab-m2', 'mdlab-i1']) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(lab, { recursive: true, force: true });
  });

  it(`every command runs and prints what the page says${HAS_IPVLAN ? '' : ` (the ${ipvlanSteps.length} sh-ipvlan blocks NOT RUN: this kernel has no ipvlan links)`}`, () => {
    expect(steps.filter((s) => s.lang === 'sh').length).toBeGreaterThanOrEqual(8);
    expect(ipvlanSteps.length).toBe(2);
    if (!HAS_IPVLAN) console.log(`NOT RUN: the ${ipvlanSteps.length} sh-ipvlan blocks of docs/networking.md (this kernel has no ipvlan links)`);
    const bin = join(lab, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'minidock'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`);
    chmodSync(join(bin, 'minidock'), 0o755);
    // the page's `ping` is iputils' or busybox's: the output blocks match either
    if (spawnSync('sh', ['-c', 'command -v ping']).status !== 0) {
      writeFileSync(join(bin, 'ping'), '#!/bin/sh\nexec busybox ping "$@"\n');
      chmodSync(join(bin, 'ping'), 0o755);
    }
    const env = { ...md.env, LAB: lab, PATH: `${bin}:${process.env.PATH}` };
    for (const s of steps) {
      if (s.lang === 'sh-ipvlan' && !HAS_IPVLAN) continue;
      const r = spawnSync('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'bash', '-eo', 'pipefail', '-c', s.script], { env, encoding: 'utf8', timeout: 60_000 });
      const where = `docs/networking.md:${s.line}\n${s.script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.status, where).toBe(0);
      if (s.expect) expect(matchLoosely(r.stdout, s.expect), `expected line not found — ${where}`).toBeUndefined();
    }
  });
});
