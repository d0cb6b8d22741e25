// esbuild gives each lazily initialised module (one a dynamic import() reaches: its body is
// wrapped as `init_x = __esm({...})`) an export object, and fills it at the bundle's top level:
//
//   var x_exports = {}; __export(x_exports, { a: () => a, b: () => b }); function f() {…}
//   var a, b, init_x = __esm({ "src/x.ts"() { "use strict"; … } });
//
// so every start of the CLI defines all ~800 getters of ~100 modules (a closure and a hidden-class
// transition each, ~10 M instructions: ~1 ms) whatever the command uses. Nothing reads an export
// object before its module's init has run (esbuild writes `(init_x(), x_exports)`), so the fill
// moves into the init, after its "use strict": a module's getters are made when it is first
// imported. The init is the first one after the fill (esbuild writes the module's own functions
// between them; the names' numbering does not tell: exec_exports2 can be init_exec3's). Every
// `(init_x(), y_exports)` in the bundle is checked against that pairing; a mismatch fails the build.
const CALL = /__export\(([\w$]+),\{(?:[\w$]+:\(\)=>[\w$]+,?)*\}\);/g;
const INIT = /(init_[\w$]+)=__esm\(\{"[^"\\]+"\(\)\{(?:"use strict";)?/g;
const USE = /\((init_[\w$]+)\(\),([\w$]+)\)/g;

/** The bundle with each lazily initialised module's export object filled by its init; and how many moved. */
export function exportsIntoInits(src) {
  const moves = [];
  const initOf = new Map();
  for (const m of src.matchAll(CALL)) {
    INIT.lastIndex = m.index + m[0].length;
    const init = INIT.exec(src);
    if (!init) continue;
    moves.push({ from: m.index, to: m.index + m[0].length, at: init.index + init[0].length, text: m[0] });
    initOf.set(m[1], init[1]);
  }
  for (const [, init, exports] of src.matchAll(USE)) {
    if (initOf.has(exports) && initOf.get(exports) !== init) throw new Error(`lazy-exports: ${exports} is read after ${init}, but its fill would move into ${initOf.get(exports)}`);
  }
  // apply in order of position: each removal, each insertion (an insertion never falls inside a removal)
  const edits = [...moves.map((m) => ({ pos: m.from, end: m.to })), ...moves.map((m) => ({ pos: m.at, text: m.text }))].sort((a, b) => a.pos - b.pos);
  let out = '';
  let pos = 0;
  for (const e of edits) {
    out += src.slice(pos, e.pos);
    if (e.text === undefined) pos = e.end;
    else {
      out += e.text;
      pos = e.pos;
    }
  }
  return { out: out + src.slice(pos), moved: moves.length };
}
