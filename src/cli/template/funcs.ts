// The functions a template can call: Go's builtins (text/template/funcs.go) and Docker's
// (docker/cli templates/templates.go), each with its Go signature, which exec.ts checks the way
// Go's reflection does ("wrong type for value; expected string; got int").
import { noFlags, printArg, sprint, sprintf, sprintln } from './fmt.js';
import { GoByte, GoFloat, kindOf, num, typeName, zeroElem } from './value.js';
import { jsonEncode } from './json.js';
import { GO_NIL, GO_PORT_KEYS } from './docker-types.js';

/** A Go parameter type: `value` is reflect.Value (anything, unchecked), `any` is interface{}. */
export type Param = 'value' | 'any' | 'string' | 'int' | '[]string';

/** A value as exec.ts passes it: iface marks a value held in an interface{} (a JSON element). */
export interface RV {
  v: unknown;
  iface?: boolean;
}

export interface Func {
  params: Param[];
  variadic?: Param;
  /** Returns the result, or throws FuncError (Go's "error calling NAME: …"). */
  fn: (...args: unknown[]) => unknown;
  /** fn returns an RV (Go's reflect.Value result: index, slice). */
  rv?: true;
}

export class FuncError extends Error {}

const unwrap = (a: unknown): unknown => (a as RV).v;
const indirectI = (a: unknown): RV => {
  const r = a as RV;
  return r.v === null ? { v: undefined } : { v: r.v };
};

/** Go's isTrue: the zero value of its type is false. undefined: not ok (Go's "can't use"). */
export function isTrue(v: unknown): boolean | undefined {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return num(v) !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return Object.keys(v as object).length > 0;
    case 'struct':
    case 'func':
      return true;
  }
}

type BasicKind = 'invalid' | 'bool' | 'int' | 'float' | 'string';
function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}
const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';

const isNil = (v: unknown): boolean => v === undefined || (typeof v === 'object' && v !== null && GO_NIL in v);

function eq(a1: unknown, ...rest: unknown[]): boolean {
  const x = indirectI(a1).v;
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(x);
  for (const a of rest) {
    const y = indirectI(a).v;
    const k2 = basicKind(y);
    let truth = false;
    if (k1 !== k2) {
      if (x !== undefined && y !== undefined) throw new FuncError(errBadComparison);
    } else if (k1 === 'invalid') {
      const kx = kindOf(x);
      const ky = kindOf(y);
      if (kx !== ky && kx !== 'invalid' && ky !== 'invalid') throw new FuncError(`non-comparable types ${printArg(x, 's', noFlags(), 0)}: ${typeName(x)}, ${typeName(y)}: ${printArg(y, 'v', noFlags(), 0)}`);
      // Go's isNil: no value, or a nil slice or map (Docker's typed pass has those)
      if (isNil(x) || isNil(y)) truth = isNil(x) === isNil(y);
      else throw new FuncError(`non-comparable type ${printArg(y, 's', noFlags(), 0)}: ${typeName(y)}`);
    } else truth = k1 === 'int' || k1 === 'float' ? num(x) === num(y) : x === y;
    if (truth) return true;
  }
  return false;
}

function lt(a1: unknown, a2: unknown): boolean {
  const x = indirectI(a1).v;
  const y = indirectI(a2).v;
  const k1 = basicKind(x);
  if (k1 === 'invalid') throw new FuncError(errBadComparisonType);
  const k2 = basicKind(y);
  if (k2 === 'invalid') throw new FuncError(errBadComparisonType);
  if (k1 !== k2) throw new FuncError(errBadComparison);
  if (k1 === 'bool') throw new FuncError(errBadComparisonType);
  if (k1 === 'string') return Buffer.compare(Buffer.from(x as string), Buffer.from(y as string)) < 0;
  return num(x) < num(y);
}
const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

function indexArg(v: unknown, cap: number): number {
  const k = kindOf(v);
  if (k === 'invalid') throw new FuncError('cannot index slice/array with nil');
  if (k !== 'int') throw new FuncError(`cannot index slice/array with type ${typeName(v)}`);
  const x = num(v);
  if (x < 0 || x > cap) throw new FuncError(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): RV {
  let cur = indirectI(item);
  if (cur.v === undefined) throw new FuncError('index of untyped nil');
  for (const i of indexes) {
    const ix = indirectI(i).v;
    if (cur.v === null) throw new FuncError('index of nil pointer');
    const k = kindOf(cur.v);
    if (k === 'slice' || k === 'string') {
      const len = k === 'string' ? Buffer.byteLength(cur.v as string) : (cur.v as unknown[]).length;
      const x = indexArg(ix, len);
      if (x >= len) throw new FuncError(`reflect: ${k === 'string' ? 'string' : 'slice'} index out of range`);
      if (k === 'string') cur = { v: new GoByte(Buffer.from(cur.v as string)[x]) };
      else {
        const a = cur.v as unknown[];
        cur = { v: a[x], iface: typeName(a) !== '[]string' };
      }
    } else if (k === 'map') {
      const m = cur.v as Record<string, unknown>;
      // Docker's typed pass: a string is not assignable to nat.Port (docker-types.ts)
      if (GO_PORT_KEYS in m) throw new FuncError(`value has type ${typeName(ix)}; should be nat.Port`);
      if (typeof ix !== 'string') {
        if (ix === undefined) throw new FuncError('value is nil; should be of type string');
        throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      }
      const str = typeName(m) === 'map[string]string';
      cur = Object.hasOwn(m, ix) ? { v: m[ix], iface: !str } : { v: zeroElem(m), iface: !str };
    } else throw new FuncError(`can't index item of type ${typeName(cur.v)}`);
  }
  return cur;
}

function slice(item: unknown, ...indexes: unknown[]): RV {
  const it = indirectI(item).v;
  if (it === undefined) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(it);
  let len: number;
  if (k === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    len = Buffer.byteLength(it as string);
  } else if (k === 'slice') len = (it as unknown[]).length;
  else throw new FuncError(`can't slice item of type ${typeName(it)}`);
  const idx = [0, len, len];
  indexes.forEach((i, n) => {
    // Go's slice, unlike index, does not look inside an interface{} index
    if ((i as RV).iface) throw new FuncError(`cannot index slice/array with type interface {}`);
    idx[n] = indexArg((i as RV).v, len);
  });
  if (idx[0] > idx[1]) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (k === 'string') return { v: Buffer.from(it as string).subarray(idx[0], idx[1]).toString() };
  return { v: (it as unknown[]).slice(idx[0], idx[1]) };
}

function length(item: unknown): number {
  const r = item as RV;
  if (r.v === null) throw new FuncError('len of nil pointer');
  switch (kindOf(r.v)) {
    case 'string':
      return Buffer.byteLength(r.v as string);
    case 'slice':
      return (r.v as unknown[]).length;
    case 'map':
      return Object.keys(r.v as object).length;
    case 'invalid':
      throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  }
  throw new FuncError(`len of type ${typeName(r.v)}`);
}

/** evalArgs: the one string as it is, else fmt.Sprint of them all. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  // printableValue: a nil argument is the string "<no value>"
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\ufffd', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (c === '\\') out += '\\\\';
    else if (c === "'") out += "\\'";
    else if (c === '"') out += '\\"';
    else if (c === '<') out += '\\u003C';
    else if (c === '>') out += '\\u003E';
    else if (c === '&') out += '\\u0026';
    else if (c === '=') out += '\\u003D';
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c)) out += c;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** strings.Title: the first letter of each word upper-cased (Go's isSeparator). */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    const sep = /[A-Za-z0-9_]/.test(prev) ? false : prev.codePointAt(0)! < 0x80 ? true : /^[\p{L}\p{Nd}]$/u.test(prev) ? false : /^\s$/u.test(prev);
    out += sep ? toTitleRune(c) : c;
    prev = c;
  }
  return out;
}

/** strings.Repeat: a negative count panics, which Go's call reports as the error. */
function repeat(s: string, n: number): string {
  if (n < 0) throw new FuncError('strings: negative Repeat count');
  return s.repeat(n);
}

// Go maps case rune by rune (unicode.ToUpper): no "ß" → "SS" as JS's special casing does.
const toUpperRune = (c: string): string => {
  const u = c.toUpperCase();
  return [...u].length === 1 ? u : c;
};
// unicode.ToTitle, which strings.Title uses: the upper case but for the digraphs (ǆ → ǅ) and
// Georgian, whose letters are their own title case
const TITLE_DIGRAPHS: Record<string, string> = { Ǆ: 'ǅ', ǅ: 'ǅ', ǆ: 'ǅ', Ǉ: 'ǈ', ǈ: 'ǈ', ǉ: 'ǈ', Ǌ: 'ǋ', ǋ: 'ǋ', ǌ: 'ǋ', Ǳ: 'ǲ', ǲ: 'ǲ', ǳ: 'ǲ' };
const toTitleRune = (c: string): string => TITLE_DIGRAPHS[c] ?? (c >= '\u10d0' && c <= '\u10ff' ? c : toUpperRune(c));
const toLowerRune = (c: string): string => {
  if (c === '\u0130') return 'i';
  const l = c.toLowerCase();
  return [...l].length === 1 ? l : c;
};
const mapRunes = (s: string, f: (c: string) => string): string => {
  let out = '';
  for (const c of s) out += f(c);
  return out;
};

/** strings.Split. */
function split(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

export const FUNCS: Record<string, Func> = {
  and: { params: ['value'], variadic: 'value', fn: () => undefined }, // exec.ts short-circuits
  or: { params: ['value'], variadic: 'value', fn: () => undefined },
  not: { params: ['value'], fn: (a) => !isTrue(indirectI(a).v) },
  call: {
    params: ['value'],
    variadic: 'value',
    fn: (f, ...args) => {
      const fv = indirectI(f).v;
      if (fv === undefined) throw new FuncError('call of nil');
      if (typeof fv !== 'function') throw new FuncError(`non-function of type ${typeName(fv)}`);
      return (fv as (...a: unknown[]) => unknown)(...args.map(unwrap));
    },
  },
  html: { params: [], variadic: 'any', fn: (...a) => htmlEscape(evalArgs(a)) },
  js: { params: [], variadic: 'any', fn: (...a) => jsEscape(evalArgs(a)) },
  urlquery: { params: [], variadic: 'any', fn: (...a) => queryEscape(evalArgs(a)) },
  index: { params: ['value'], variadic: 'value', fn: index, rv: true },
  slice: { params: ['value'], variadic: 'value', fn: slice, rv: true },
  len: { params: ['value'], fn: length },
  print: { params: [], variadic: 'any', fn: (...a) => sprint(a) },
  printf: { params: ['string'], variadic: 'any', fn: (f, ...a) => sprintf(f as string, a) },
  println: { params: [], variadic: 'any', fn: (...a) => sprintln(a) },
  eq: { params: ['value'], variadic: 'value', fn: eq },
  ne: { params: ['value', 'value'], fn: (a, b) => !eq(a, b) },
  lt: { params: ['value', 'value'], fn: lt },
  le: { params: ['value', 'value'], fn: le },
  gt: { params: ['value', 'value'], fn: (a, b) => !le(a, b) },
  ge: { params: ['value', 'value'], fn: (a, b) => !lt(a, b) },

  // Docker's (templates.go basicFunctions)
  json: { params: ['any'], fn: (v) => jsonEncode(v) },
  split: { params: ['string', 'string'], fn: (s, sep) => split(s as string, sep as string) },
  join: { params: ['[]string', 'string'], fn: (a, sep) => ((a as string[] | null) ?? []).join(sep as string) },
  title: { params: ['string'], fn: (s) => title(s as string) },
  lower: { params: ['string'], fn: (s) => mapRunes(s as string, toLowerRune) },
  upper: { params: ['string'], fn: (s) => mapRunes(s as string, toUpperRune) },
  pad: { params: ['string', 'int', 'int'], fn: (s, p, q) => (s === '' ? '' : repeat(' ', p as number) + (s as string) + repeat(' ', q as number)) },
  truncate: {
    params: ['string', 'int'],
    fn: (s, n) => {
      const b = Buffer.from(s as string);
      const len = n as number;
      if (b.length < len) return s;
      if (len < 0) throw new FuncError(`runtime error: slice bounds out of range [:${len}]`);
      return b.subarray(0, len).toString();
    },
  },
};

/** Docker's HeaderFunctions: a table header keeps the column names as they are. */
export const HEADER_FUNCS: Record<string, Func> = {
  ...FUNCS,
  json: { params: ['string'], fn: (v) => v },
  split: { params: ['string', 'string'], fn: (v) => v },
  join: { params: ['string', 'string'], fn: (v) => v },
  title: { params: ['string'], fn: (v) => v },
  lower: { params: ['string'], fn: (v) => v },
  upper: { params: ['string'], fn: (v) => v },
  truncate: { params: ['string', 'int'], fn: (v) => v },
};

export { GoFloat };
