// cli/tabwriter.ts against outcomes recorded from Go's text/tabwriter
// (test/unit/tabwriter-golden.json, kept true by test/integration/template-go.test.ts, which
// runs the Go oracle): column blocks that start, end and nest, at several minimum widths and
// paddings. No Go needed here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tabwriteText } from '../../src/cli/tabwriter.js';

interface Golden {
  text: string;
  minwidth: number;
  padding: number;
  out: string;
}

const golden = JSON.parse(readFileSync(new URL('./tabwriter-golden.json', import.meta.url), 'utf8')) as Golden[];

describe('tabwriter = Go text/tabwriter (recorded)', () => {
  it('has the cases', () => expect(golden.length).toBeGreaterThan(100));
  it.each(golden.map((g) => [`${g.minwidth}/${g.padding} ${JSON.stringify(g.text)}`, g] as const))('%s', (_name, g) => {
    expect(tabwriteText(g.text, g.minwidth, g.padding)).toBe(g.out);
  });
});
