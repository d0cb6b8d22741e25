// docs/bridge-mode.md cannot rot: every ```sh block in it is run, in order, in a throwaway host
// netns (bash -e, with a `minidock` on PATH and LAB/MINIDOCK_ROOT set, as the page tells the
// reader to do), and the ```text block after it is checked loosely: each of its lines must
// appear in the output, in order, `…` matching anything. ```console blocks are shown only (the
// test does their equivalent itself).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, Minidock } from '../helpers/cli.js';

const DOC = fileURLToPath(new URL('../../docs/bridge-mode.md', import.meta.url));
const isRoot = process.getuid?.() === 0;

interface Step {
  line: number;
  script: string;
  expect?: string[];
}

/** The ```sh blocks of a markdown page, each with the ```text block that follows it (if any). */
export function stepsOf(md: string): Step[] {
  const steps: Step[] = [];
  const re = /^```(\w*)[^\n]*\n([\s\S]*?)^```\s*$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md))) {
    const line = md.slice(0, m.index).split('\n').length;
    if (m[1] === 'sh') steps.push({ line, script: m[2] });
    else if (m[1] === 'text' && steps.length && !steps[steps.length - 1].expect) steps[steps.length - 1].expect = m[2].split('\n').filter((l) => l.trim());
  }
  return steps;
}

/** Each expected line, in order, somewhere in the output (whitespace runs are one space, … is anything). */
export function matchLoosely(output: string, expected: string[]): string | undefined {
  const lines = output.split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
  let k = 0;
  for (const e of expected) {
    const parts = e.replace(/\s+/g, ' ').trim().split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const re = new RegExp(parts.join('.*'));
    while (k < lines.length && !re.test(lines[k])) k++;
    if (k === lines.length) return e;
    k++;
  }
  return undefined;
}

const md = isRoot ? new Minidock() : (undefined as unknown as Minidock);
const lab = mkdtempSync(join(tmpdir(), 'mdt-doc-'));

describe('docs/bridge-mode.md', () => {
  const steps = stepsOf(readFileSync(DOC, 'utf8'));

  it('has runnable blocks with expectations', () => {
    expect(steps.length).toBeGreaterThan(10);
    expect(steps.filter((s) => s.expect).length).toBeGreaterThan(8);
    expect(matchLoosely('a  b\nx 1 y\n', ['a b', 'x … y'])).toBeUndefined();
    expect(matchLoosely('x 1 y\na b\n', ['a b', 'x … y'])).toBe('x … y');
  });

  afterAll(() => {
    if (!isRoot) return;
    md.cleanup();
    for (const ns of ['mdlab-c1', 'mdlab-c2', 'mdlab-out']) spawnSync('ip', ['netns', 'del', ns]);
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
      const where = `docs/bridge-mode.md:${s.line}\n${s.script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.status, where).toBe(0);
      if (s.expect) expect(matchLoosely(r.stdout, s.expect), `expected line not found — ${where}`).toBeUndefined();
    }
  });
});
