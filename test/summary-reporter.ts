// Prints one plain closing line, "N passed, N failed[, N skipped]", that any CI can read, and
// makes it tell the truth: a failed test counts, and so does every error outside a test (a
// beforeAll/afterAll that throws, a file that fails to load, an error thrown after the tests
// resolved). Skips are loud: each skipped test is named with its reason before the line.
//
// Which skips may exist: a test that cannot run here says why in its note,
// `ctx.skip('needs cgroup v2: this host mounts v1')`, or in its name for `it.skipIf`. A skip
// without either is listed as "no reason given", so it cannot pass unnoticed.
import type { Reporter, SerializedError, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';

interface Outside { where: string; error: SerializedError }

export interface Summary {
  passed: number;
  failed: number;
  skipped: { name: string; reason: string }[];
  outside: Outside[]; // errors that belong to no test, each one a failure
}

function firstLine(e: SerializedError): string {
  const msg = `${e.name ?? 'Error'}: ${e.message ?? String(e)}`;
  return msg.split('\n')[0]!;
}

function fileOf(t: TestCase | TestSuite | TestModule): string {
  return t.type === 'module' ? t.relativeModuleId : t.module.relativeModuleId;
}

// Why a test did not run: its note, else what a failed hook above it says, else its mode.
function skipReason(t: TestCase, failedAbove: Set<TestSuite | TestModule>, filtered: boolean): string {
  const note = t.result().state === 'skipped' ? (t.result() as { note?: string }).note : undefined;
  if (note) return note;
  for (let p: TestSuite | TestModule = t.parent; ; p = p.parent) {
    if (failedAbove.has(p)) return `not run: ${p.type === 'module' ? 'its file' : `suite "${p.name}"`} failed outside a test`;
    if (p.type === 'module') break;
  }
  if (t.options.mode === 'todo') return 'todo: no reason given';
  return filtered ? 'not selected by -t, or no reason given' : 'no reason given';
}

export function summarize(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>, filtered = false): Summary {
  const s: Summary = { passed: 0, failed: 0, skipped: [], outside: [] };
  const failedAbove = new Set<TestSuite | TestModule>();
  for (const m of modules) {
    const before = s.outside.length;
    // errors() of a module or suite: load and collection errors, and beforeAll/afterAll throws.
    for (const e of m.errors()) s.outside.push({ where: m.relativeModuleId, error: e });
    if (m.errors().length) failedAbove.add(m);
    for (const suite of m.children.allSuites()) {
      for (const e of suite.errors()) s.outside.push({ where: `${fileOf(suite)} > ${suite.fullName}`, error: e });
      if (suite.errors().length) failedAbove.add(suite);
    }
    // A file that failed with no failed test and no recorded error (a crashed worker): a failure.
    if (m.state() === 'failed' && s.outside.length === before && [...m.children.allTests('failed')].length === 0) {
      s.outside.push({ where: m.relativeModuleId, error: { name: 'Error', message: 'the file failed without a reported error' } as SerializedError });
    }
  }
  for (const e of unhandled) s.outside.push({ where: 'outside any test (unhandled)', error: e });
  for (const m of modules) {
    for (const t of m.children.allTests()) {
      const st = t.result().state;
      if (st === 'passed') s.passed++;
      else if (st === 'failed') s.failed++;
      else s.skipped.push({ name: `${fileOf(t)} > ${t.fullName}`, reason: st === 'pending' ? 'never finished' : skipReason(t, failedAbove, filtered) });
    }
  }
  s.failed += s.outside.length;
  return s;
}

export function closingLine(s: Summary): string {
  return `${s.passed} passed, ${s.failed} failed${s.skipped.length ? `, ${s.skipped.length} skipped` : ''}`;
}

export default class SummaryReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = vitest.config.testNamePattern !== undefined; // -t: the others are skipped by choice
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    const s = summarize(modules, unhandled, this.filtered);
    let out = '\n';
    for (const o of s.outside) out += `failed outside a test: ${o.where}: ${firstLine(o.error)}\n`;
    for (const k of s.skipped) out += `skipped: ${k.name} (${k.reason})\n`;
    process.stdout.write(`${out}${closingLine(s)}\n`);
  }
}
