// Runnable documentation pages (docs/bridge-mode.md, docs/networking.md): their ```sh blocks,
// each with the ```text block that follows it, and a loose check of the output.

export interface Step {
  line: number;
  /** The block's tag: `sh`, or `sh-ipvlan` for one that needs a kernel feature. */
  lang: string;
  script: string;
  expect?: string[];
}

/** The blocks tagged `sh`/`sh-…` of a markdown page, each with the ```text block after it (if any). */
export function stepsOf(md: string): Step[] {
  const steps: Step[] = [];
  const re = /^```([\w-]*)[^\n]*\n([\s\S]*?)^```\s*$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md))) {
    const line = md.slice(0, m.index).split('\n').length;
    if (m[1] === 'sh' || m[1].startsWith('sh-')) steps.push({ line, lang: m[1], script: m[2] });
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
