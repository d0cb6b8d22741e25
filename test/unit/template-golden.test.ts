// minidock's template engine against outcomes recorded from Go's own text/template (with
// Docker's functions): test/unit/template-golden.json, kept true by the differential test
// test/integration/template-go.test.ts, which runs the Go oracle. No Go and no root needed here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GoTemplate } from '../../src/cli/template.js';
import { HEADER_FUNCS } from '../../src/cli/template/funcs.js';
import { DATA } from '../template-corpus.js';

interface Golden {
  data: string;
  tpl: string;
  mk: 'error' | 'default' | 'inspect' | 'header';
  out?: string;
  err?: string;
}

const golden = JSON.parse(readFileSync(new URL('./template-golden.json', import.meta.url), 'utf8')) as Golden[];

function ours(g: Golden): { out?: string; err?: string } {
  try {
    if (g.mk === 'header') return { out: GoTemplate.parse(g.tpl).run(structuredClone(DATA[g.data]), HEADER_FUNCS) };
    if (g.mk === 'inspect') return { out: GoTemplate.parse(g.tpl, 'error').runInspect(structuredClone(DATA[g.data]) as never) };
    return { out: GoTemplate.parse(g.tpl, g.mk).run(structuredClone(DATA[g.data])) };
  } catch (e) {
    return { err: (e as Error).message };
  }
}

describe('templates = Go text/template (recorded)', () => {
  it('has the corpus', () => expect(golden.length).toBeGreaterThan(400));
  it.each(golden.map((g) => [`${g.data} ${g.mk} ${JSON.stringify(g.tpl)}`, g] as const))('%s', (_name, g) => {
    const want = g.err !== undefined ? { err: g.err } : { out: g.out };
    expect(ours(g)).toEqual(want);
  });
});
