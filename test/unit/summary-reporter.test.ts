// The closing line of test/summary-reporter.ts tells the truth: vitest is run as a subprocess
// on throwaway test files (a throwing afterAll, an unhandled error, a throwing beforeAll, a
// file that fails to load, skips), with only this reporter, and the line is read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const REPORTER = join(ROOT, 'test/summary-reporter.ts');
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'minidock-reporter-'));
  // globals: the fixtures live outside the project and cannot import 'vitest'.
  writeFileSync(join(dir, 'vitest.config.mjs'),
    `export default { test: { globals: true, include: ['*.test.mjs'], reporters: [${JSON.stringify(REPORTER)}], pool: 'forks' } };\n`);
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function run(file: string, body: string): { code: number | null; out: string; line: string } {
  writeFileSync(join(dir, file), body);
  const r = spawnSync(process.execPath, [VITEST, 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs'), file],
    { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, out: r.stdout, line: lines[lines.length - 1]! };
}

describe('summary reporter', () => {
  it('all passing: N passed, 0 failed, exit 0 (the control)', () => {
    const r = run('ok.test.mjs', `it('a', () => {}); it('b', () => {});\n`);
    expect(r.line).toBe('2 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it('an afterAll that throws is a failure', () => {
    const r = run('afterall.test.mjs', `afterAll(() => { throw new Error('cleanup broke'); }); it('a', () => {});\n`);
    expect(r.line).toBe('1 passed, 1 failed');
    expect(r.out).toContain('failed outside a test: afterall.test.mjs: Error: cleanup broke');
    expect(r.code).toBe(1);
  });

  it('an afterAll of a describe that throws is a failure, named by its suite', () => {
    const r = run('suite-afterall.test.mjs', `describe('box', () => { afterAll(() => { throw new Error('inner'); }); it('a', () => {}); });\n`);
    expect(r.line).toBe('1 passed, 1 failed');
    expect(r.out).toContain('failed outside a test: suite-afterall.test.mjs > box: Error: inner');
    expect(r.code).toBe(1);
  });

  it('an error thrown outside any test is a failure', () => {
    const r = run('unhandled.test.mjs', `
it('a', () => { setTimeout(() => { throw new Error('late throw'); }, 0); });
it('b', async () => { await new Promise((r) => setTimeout(r, 200)); });
`);
    expect(r.line).toBe('2 passed, 1 failed');
    expect(r.out).toContain('failed outside a test: outside any test (unhandled): Error: late throw');
    expect(r.code).toBe(1);
  });

  it('a beforeAll that throws is a failure; its tests are listed as skipped, saying why', () => {
    const r = run('beforeall.test.mjs', `describe('group', () => { beforeAll(() => { throw new Error('setup broke'); }); it('a', () => {}); it('b', () => {}); });\n`);
    expect(r.line).toBe('0 passed, 1 failed, 2 skipped');
    expect(r.out).toContain('failed outside a test: beforeall.test.mjs > group: Error: setup broke');
    expect(r.out).toContain('skipped: beforeall.test.mjs > group > a (not run: suite "group" failed outside a test)');
    expect(r.out).toContain('skipped: beforeall.test.mjs > group > b (not run: suite "group" failed outside a test)');
    expect(r.code).toBe(1);
  });

  it('a file that fails to load is a failure', () => {
    const r = run('load.test.mjs', `throw new Error('cannot load'); it('a', () => {});\n`);
    expect(r.line).toBe('0 passed, 1 failed');
    expect(r.out).toContain('failed outside a test: load.test.mjs: Error: cannot load');
    expect(r.code).toBe(1);
  });

  it('a file with a syntax error is a failure', () => {
    const r = run('syntax.test.mjs', `it('a', () => { ;\n`);
    expect(r.line).toBe('0 passed, 1 failed');
    expect(r.out).toMatch(/failed outside a test: syntax\.test\.mjs: /);
    expect(r.code).toBe(1);
  });

  it('skips are named with their reason, before the line', () => {
    const r = run('skips.test.mjs', `
it('runs', () => {});
it.skipIf(true)('needs a v2 kernel (skipIf: this host has v1)', () => {});
it('decides at run time', (ctx) => { ctx.skip('cgroup v2 is not mounted here'); });
it.skip('silent', () => {});
it.todo('later');
`);
    expect(r.line).toBe('1 passed, 0 failed, 4 skipped');
    const lines = r.out.trim().split('\n');
    const skips = lines.filter((l) => l.startsWith('skipped: '));
    expect(skips).toEqual([
      'skipped: skips.test.mjs > needs a v2 kernel (skipIf: this host has v1) (no reason given)',
      'skipped: skips.test.mjs > decides at run time (cgroup v2 is not mounted here)',
      'skipped: skips.test.mjs > silent (no reason given)',
      'skipped: skips.test.mjs > later (todo: no reason given)',
    ]);
    expect(lines.indexOf(skips[3]!)).toBe(lines.length - 2); // printed just before the closing line
    expect(r.code).toBe(0);
  });
});
