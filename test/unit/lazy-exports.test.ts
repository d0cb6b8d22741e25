// scripts/lazy-exports.mjs: the build moves each lazily initialised module's export object fill
// into the module's init. A bundle made by esbuild the way scripts/build.mjs makes the CLI's
// (CommonJS, dynamic imports inside the bundle) runs the same after the move: live bindings,
// a module imported twice, one imported both statically and dynamically, strict mode kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a build script without types
import { exportsIntoInits } from '../../scripts/lazy-exports.mjs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mdtest-lazyexp-'));
  writeFileSync(join(dir, 'a.ts'), `export let count = 0;\nexport function inc() { count++; }\nexport const strict = (function () { return this === undefined; })();\nexport { b as fromB } from './b.js';\n`);
  writeFileSync(join(dir, 'b.ts'), `export const b = 'b';\nexport class K { static n = 2 }\n`);
  writeFileSync(join(dir, 'c.ts'), `import { b } from './b.js';\nexport const c = b + 'c';\n`);
  writeFileSync(
    join(dir, 'main.ts'),
    `export async function main() {\n  const a = await import('./a.js');\n  const again = await import('./a.js');\n  a.inc(); a.inc();\n  const { c } = await import('./c.js');\n  const { K } = await import('./b.js');\n  console.log(JSON.stringify({ count: a.count, same: a === again, strict: a.strict, fromB: a.fromB, c, k: K.n, keys: Object.keys(a).sort() }));\n}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(): Promise<string> {
  const out = join(dir, 'out.cjs');
  // as scripts/build.mjs: CommonJS, whitespace and syntax minified, strict (tsconfig.json)
  writeFileSync(join(dir, 'entry.ts'), `void import('./main.js').then((m) => m.main());\n`);
  await build({ entryPoints: [join(dir, 'entry.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', supported: { 'dynamic-import': false }, minifyWhitespace: true, minifySyntax: true, logLevel: 'silent', absWorkingDir: dir, tsconfigRaw: { compilerOptions: { strict: true } } });
  return readFileSync(out, 'utf8');
}

describe('exportsIntoInits', () => {
  it('moves every fill into its init; the bundle runs as before', async () => {
    const src = await bundle();
    const run = (code: string) => {
      const f = join(dir, `run-${process.hrtime.bigint()}.cjs`);
      writeFileSync(f, code);
      return execFileSync(process.execPath, [f], { encoding: 'utf8' });
    };
    const before = run(src);
    const { out, moved } = exportsIntoInits(src);
    expect(moved).toBe(4); // a, b, c, main: each reached by a dynamic import
    expect(out).not.toBe(src);
    // no fill left at the top level: each __export call now follows an init's "use strict"
    for (const m of out.matchAll(/__export\(/g)) expect(out.slice(m.index - 40, m.index)).toMatch(/\(\)\{("use strict";)?$/);
    expect(run(out)).toBe(before);
    expect(JSON.parse(before)).toEqual({ count: 2, same: true, strict: true, fromB: 'b', c: 'bc', k: 2, keys: ['count', 'fromB', 'inc', 'strict'] });
  });

  it("pairs a fill with the init that follows it, not with the one its name's number suggests", () => {
    const src = 'var exec_exports2={};__export(exec_exports2,{run:()=>run});function run(){}var init_exec3=__esm({"src/e.ts"(){"use strict";}});f=()=>(init_exec3(),exec_exports2);';
    const { out, moved } = exportsIntoInits(src);
    expect(moved).toBe(1);
    expect(out).toBe('var exec_exports2={};function run(){}var init_exec3=__esm({"src/e.ts"(){"use strict";__export(exec_exports2,{run:()=>run});}});f=()=>(init_exec3(),exec_exports2);');
  });

  it('fails when the bundle reads an export object after another init than the one it would move into', () => {
    const src = 'var a_exports={};__export(a_exports,{x:()=>x});var x,init_a=__esm({"a.ts"(){x=1}});g=()=>(init_b(),a_exports);';
    expect(() => exportsIntoInits(src)).toThrow(/a_exports is read after init_b, but its fill would move into init_a/);
  });

  it('leaves a call of another shape where it is', () => {
    const odd = 'var x_exports={};__export(x_exports,{a:()=>{return a}});var a,init_x=__esm({"x.ts"(){"use strict";a=1}});';
    expect(exportsIntoInits(odd)).toEqual({ out: odd, moved: 0 });
  });
});
