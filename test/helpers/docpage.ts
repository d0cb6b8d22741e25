// A runnable documentation page as a test suite: every ```sh block of the page is run, in order,
// in the test's throwaway host netns (bash -e, with a `minidock` on PATH and LAB/MINIDOCK_ROOT
// set, as the page tells the reader to do), and the ```text block after it is checked loosely
// (docsteps.ts). `labNetns`: the namespaces the page makes, removed in afterAll (their processes
// first: a page may start a server in one) even when a step failed.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, Minidock } from './cli.js';
import { matchLoosely, stepsOf } from './docsteps.js';

export function docPageSuite(page: string, labNetns: string[]): void {
  const doc = fileURLToPath(new URL(`../../${page}`, import.meta.url));
  const isRoot = process.getuid?.() === 0;
  const md = isRoot ? new Minidock() : (undefined as unknown as Minidock);
  const lab = mkdtempSync(join(tmpdir(), 'mdt-doc-'));

  describe(page, () => {
    const steps = stepsOf(readFileSync(doc, 'utf8'));

    it('has runnable blocks with expectations', () => {
      expect(steps.length).toBeGreaterThan(10);
      expect(steps.filter((s) => s.expect).length).toBeGreaterThan(8);
      expect(matchLoosely('a  b\nx 1 y\n', ['a b', 'x … y'])).toBeUndefined();
      expect(matchLoosely('x 1 y\na b\n', ['a b', 'x … y'])).toBe('x … y');
    });

    afterAll(() => {
      if (!isRoot) return;
      md.cleanup();
      for (const ns of labNetns) {
        for (const pid of spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) spawnSync('kill', [pid]);
        spawnSync('ip', ['netns', 'del', ns]);
      }
      rmSync(lab, { recursive: true, force: true });
    });

    it('every command in it runs, and prints what the page says', () => {
      const bin = join(lab, 'bin');
      spawnSync('mkdir', ['-p', bin]);
      writeFileSync(join(bin, 'minidock'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`);
      chmodSync(join(bin, 'minidock'), 0o755);
      const env = { ...md.env, LAB: lab, PATH: `${bin}:${process.env.PATH}` };
      for (const s of steps) {
        const r = spawnSync('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'bash', '-eo', 'pipefail', '-c', s.script], { env, encoding: 'utf8', timeout: 60_000 });
        const where = `${page}:${s.line}\n${s.script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
        expect(r.status, where).toBe(0);
        if (s.expect) expect(matchLoosely(r.stdout, s.expect), `expected line not found — ${where}`).toBeUndefined();
      }
    });
  });
}
