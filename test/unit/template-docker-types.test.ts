// `inspect -f`'s typed pass (src/cli/template/docker-types.ts) against what the docker CLI printed
// for the same documents and templates: test/unit/docker-types-golden.json, recorded by
// test/integration/template-docker-cli.test.ts from the docker CLI's own typed structs (a fake
// daemon served the documents of test/docker-types-cases.ts). No docker and no root needed here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GoTemplate } from '../../src/cli/template.js';
import { CASES, DOCS, type TypedCase } from '../docker-types-cases.js';

interface Recorded extends TypedCase {
  out?: string;
  err?: string;
}

const golden = JSON.parse(readFileSync(new URL('./docker-types-golden.json', import.meta.url), 'utf8')) as Recorded[];

function ours(c: TypedCase): { out?: string; err?: string } {
  try {
    return { out: GoTemplate.parse(c.tpl, 'error').runInspect(structuredClone(DOCS[c.kind][c.doc]) as never) };
  } catch (e) {
    return { err: (e as Error).message };
  }
}

describe("inspect -f's typed pass = the docker CLI's (recorded)", () => {
  it('the recording is of the cases as they are now', () => {
    expect(golden.map(({ kind, doc, tpl }) => ({ kind, doc, tpl }))).toEqual(CASES);
  });
  it.each(golden.map((g) => [`${g.kind} ${g.doc} ${g.tpl}`, g] as const))('%s', (_name, g) => {
    // the CLI puts "template parsing error: " before the engine's message (as printInspect does)
    const want = g.err !== undefined ? { err: g.err.replace(/^template parsing error: /, '') } : { out: g.out };
    expect(ours(g)).toEqual(want);
  });
});
