// Go's fmt for the values a template sees: Sprint, Sprintln and Sprintf with the verbs, flags,
// widths and precisions Docker users write (%s %v %d %q %x %t %f %e %g %c %T, -+#0 and space,
// %[n] indexes, * widths), and Go's error forms (%!d(string=x), %!s(MISSING), %!(EXTRA …)).
import { goQuote, isPrint } from './lex.js';
import { GO_EMPTY_STRUCT } from './docker-types.js';
import { GoByte, GoFloat, GoStruct, STRUCT, kindOf, num, sortedKeys, typeName } from './value.js';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid?: number;
  prec?: number;
}

export const noFlags = (): Flags => ({ plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false });
const runeLen = (s: string): number => [...s].length;

function pad(s: string, f: Flags): string {
  if (f.wid === undefined) return s;
  const n = f.wid - runeLen(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  return (f.zero ? '0' : ' ').repeat(n) + s;
}

/** Pads a number: zeros go after the sign. */
function padNumber(s: string, f: Flags): string {
  if (f.wid === undefined || !f.zero || f.minus) return pad(s, { ...f, zero: false });
  const sign = /^[+\- ]/.test(s) ? s[0] : '';
  const body = s.slice(sign.length);
  const n = f.wid - runeLen(s);
  return n > 0 ? sign + '0'.repeat(n) + body : s;
}

// ---- floats (strconv.FormatFloat) ----

/** The exact decimal value of a double: digits (no leading/trailing zeros) and point position. */
function exactDecimal(x: number): { d: string; dp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  if (mant === 0n) return { d: '', dp: 0 };
  let digs: string;
  let dp: number;
  if (e >= 0) {
    digs = (mant << BigInt(e)).toString();
    dp = digs.length;
  } else {
    digs = (mant * 5n ** BigInt(-e)).toString();
    dp = digs.length + e;
  }
  const lead = /^0*/.exec(digs)![0].length;
  digs = digs.slice(lead);
  return { d: digs.replace(/0+$/, ''), dp };
}

/** Rounds decimal digits to n digits, half to even on the exact value, as strconv does. */
function roundDigits(d: string, dp: number, n: number): { d: string; dp: number } {
  if (n < 0) return { d: '', dp };
  if (d.length <= n) return { d, dp };
  const rest = d.slice(n);
  // (n = 0 keeps nothing, so an exact half rounds down to 0: d[-1] is no odd digit)
  const up = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || (n > 0 && Number(d[n - 1]) % 2 === 1)));
  let kept = d.slice(0, n);
  if (up) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === '9') i--;
    if (i < 0) return { d: '1', dp: dp + 1 };
    kept = kept.slice(0, i) + String(Number(kept[i]) + 1);
  }
  return { d: kept.replace(/0+$/, ''), dp };
}

/** Decimal digits (no trailing zeros) and the decimal point's position, shortest or to `sig` digits. */
function digits(x: number, sig?: number): { d: string; dp: number } {
  if (x === 0) return { d: '', dp: 0 };
  if (sig === undefined) {
    const [m, ex] = Math.abs(x).toExponential().split('e');
    return { d: m.replace('.', '').replace(/0+$/, ''), dp: Number(ex) + 1 };
  }
  const ex = exactDecimal(x);
  return roundDigits(ex.d, ex.dp, Math.max(sig, 1));
}

/** Digits rounded to `prec` places after the point (for %f). */
function fixedDigits(x: number, prec: number): { d: string; dp: number } {
  if (x === 0) return { d: '', dp: 0 };
  const ex = exactDecimal(x);
  return roundDigits(ex.d, ex.dp, ex.dp + prec);
}

/** %b of a float: the binary exponent form, mantissa in decimal (strconv's 'b'). */
function binaryFloat(x: number): string {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp = -1074;
  if (expBits !== 0) {
    mant |= 1n << 52n;
    exp = expBits - 1075;
  }
  return `${neg ? '-' : ''}${mant}p${exp >= 0 ? '+' : ''}${exp}`;
}

/** %x of a float: strconv's 'x' format (-1: the shortest exact form). */
function hexFloat(x: number, prec: number, upper: boolean): string {
  const neg = x < 0 || Object.is(x, -0);
  let out: string;
  if (x === 0) out = '0x0' + (prec > 0 ? '.' + '0'.repeat(prec) : '') + 'p+00';
  else {
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, Math.abs(x));
    const bits = buf.getBigUint64(0);
    let exp = Number((bits >> 52n) & 0x7ffn);
    let mant = bits & ((1n << 52n) - 1n);
    if (exp === 0) {
      // subnormal: normalise so that the leading digit is 1
      exp = -1022;
      while (!(mant & (1n << 52n))) {
        mant <<= 1n;
        exp--;
      }
      mant &= (1n << 52n) - 1n;
    } else exp -= 1023;
    let lead = 1n;
    let frac = mant; // 52 bits = 13 hex digits
    if (prec >= 0 && prec < 13) {
      const shift = BigInt((13 - prec) * 4);
      const full = (lead << 52n) | frac;
      const half = 1n << (shift - 1n);
      const rem = full & ((1n << shift) - 1n);
      let q = full >> shift;
      if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
      if (q >> BigInt(prec * 4) >= 2n) {
        q >>= 1n;
        exp++;
      }
      lead = q >> BigInt(prec * 4);
      frac = q & ((1n << BigInt(prec * 4)) - 1n);
      const hx = prec > 0 ? frac.toString(16).padStart(prec, '0') : '';
      out = `0x${lead}${hx ? '.' + hx : ''}`;
    } else {
      let hx = frac.toString(16).padStart(13, '0');
      if (prec < 0) hx = hx.replace(/0+$/, '');
      else hx = hx + '0'.repeat(prec - 13);
      out = `0x1${hx ? '.' + hx : ''}`;
    }
    out += 'p' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  }
  if (upper) out = out.toUpperCase();
  return (neg ? '-' : '') + out;
}

function fmtE(neg: boolean, d: string, dp: number, prec: number, upper: boolean): string {
  let s = neg ? '-' : '';
  const first = d[0] ?? '0';
  s += first;
  if (prec > 0) {
    s += '.';
    s += (d.slice(1) + '0'.repeat(prec)).slice(0, prec);
  }
  const exp = d === '' ? 0 : dp - 1;
  const es = Math.abs(exp) < 10 ? '0' + Math.abs(exp) : String(Math.abs(exp));
  return s + (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + es;
}

function fmtF(neg: boolean, d: string, dp: number, prec: number): string {
  let s = neg ? '-' : '';
  if (dp > 0) s += (d.slice(0, dp) + '0'.repeat(Math.max(0, dp - d.length))) || '0';
  else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      const j = dp + i;
      s += j < 0 || j >= d.length ? '0' : d[j];
    }
  }
  return s;
}

/**
 * strconv.FormatFloat(x, verb, prec, 64) for e, E, f and g, G; prec < 0 (the shortest form) only
 * for g (fmtFloatVerb gives %e and %f a precision of 6). x is finite: no template value is NaN
 * or an infinity (constants out of range are refused, JSON has neither).
 */
function formatFloat(x: number, verb: string, prec: number): string {
  const neg = x < 0 || Object.is(x, -0);
  switch (verb) {
    case 'e':
    case 'E': {
      const { d, dp } = digits(x, prec + 1);
      return fmtE(neg, d, dp, prec, verb === 'E');
    }
    case 'f': {
      const { d, dp } = fixedDigits(x, prec);
      return fmtF(neg, d, dp, prec);
    }
    default: {
      // g, G. Go's `eprec = digs.nd` (when the precision is above the digits and they reach the
      // point) is left out: exp = dp-1 is below dp <= nd then, so it never changes the choice
      const shortest = prec < 0;
      const { d, dp } = shortest ? digits(x) : digits(x, prec);
      const eprec = shortest ? 6 : Math.max(prec, 1);
      const exp = dp - 1;
      // the digits are rounded to the precision, so Go's min(prec, nd) is nd (for 0, '': %f)
      if (exp < -4 || exp >= eprec) return fmtE(neg, d, dp, d.length - 1, verb === 'G');
      return fmtF(neg, d, dp, Math.max(d.length - dp, 0));
    }
  }
}

/**
 * The # flag on a float (fmt/format.go): always a decimal point, and for %g and %x (not %X,
 * as in Go) trailing zeros up to the precision (6 when none is given).
 */
function sharpFloat(s: string, verb: string, prec: number): string {
  const sign = /^[+-]/.test(s) ? s[0] : '';
  let num = s.slice(sign.length);
  let digits = verb === 'g' || verb === 'G' || verb === 'x' ? (prec === -1 ? 6 : prec) : 0;
  let tail = '';
  let point = false;
  let sawNonzero = false;
  for (let i = 0; i < num.length; i++) {
    const c = num[i];
    if (c === '.') point = true;
    else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
      tail = num.slice(i);
      num = num.slice(0, i);
      break;
    } else {
      // Go counts from the first non-zero character, the x of 0x included
      if (c !== '0') sawNonzero = true;
      if (sawNonzero) digits--;
    }
  }
  if (!point) {
    // a lone leading 0 counts once
    if (num === '0') digits--;
    num += '.';
  }
  return sign + num + '0'.repeat(Math.max(0, digits)) + tail;
}

function fmtFloatVerb(x: number, verb: string, f: Flags): string {
  const v = verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb;
  let prec = f.prec ?? -1;
  if (prec < 0 && (v === 'e' || v === 'E' || v === 'f')) prec = 6;
  const sign = x < 0 || Object.is(x, -0) ? '' : f.plus ? '+' : f.space ? ' ' : '';
  // NaN and the infinities (no template makes one; a caller's computed value might) as Go
  // prints them: a sign only when asked for, never zero padded
  if (!Number.isFinite(x)) return pad(sign + (Number.isNaN(x) ? 'NaN' : x > 0 ? 'Inf' : '-Inf'), { ...f, zero: false });
  let s = v === 'x' || v === 'X' ? hexFloat(x, prec, v === 'X') : v === 'b' ? binaryFloat(x) : formatFloat(x, v, prec);
  if (f.sharp && v !== 'b') s = sharpFloat(s, v, prec);
  return padNumber(sign + s, f);
}

// ---- integers ----

function fmtInteger(n: number, verb: string, f: Flags): string {
  // fmt/format.go's fmtInteger: zero padding (%.3d, or %03d without a precision) counts the
  // sign but not the 0x/0b/0o prefix, which goes in front of the zeros
  const neg = n < 0;
  // a number past 2^53 is printed with the digits of its shortest decimal form, which is what the
  // JSON text holds and Go parses exactly (2^62 is 4611686018427388000 in the JSON and in Go)
  const abs = BigInt(String(Math.abs(n)));
  const base = { d: 10, v: 10, b: 2, o: 8, O: 8, x: 16, X: 16 }[verb as 'd'] ?? 10;
  let digs = abs.toString(base);
  if (verb === 'X') digs = digs.toUpperCase();
  let prec = 0;
  if (f.prec !== undefined) {
    // precision 0 and value 0: nothing but the padding
    if (f.prec === 0 && abs === 0n) return pad('', { ...f, zero: false });
    prec = f.prec;
  } else if (f.zero && f.wid !== undefined && !f.minus) {
    prec = f.wid;
    if (neg || f.plus || f.space) prec--;
  }
  digs = digs.padStart(prec, '0');
  if (f.sharp) {
    if (base === 2) digs = '0b' + digs;
    else if (base === 8 && !digs.startsWith('0')) digs = '0' + digs;
    else if (base === 16) digs = (verb === 'X' ? '0X' : '0x') + digs;
  }
  if (verb === 'O') digs = '0o' + digs;
  if (neg) digs = '-' + digs;
  else if (f.plus) digs = '+' + digs;
  else if (f.space) digs = ' ' + digs;
  return pad(digs, { ...f, zero: false });
}

function quoteRune(c: number, ascii: boolean): string {
  const ch = c > 0x10ffff || (c >= 0xd800 && c < 0xe000) ? '\ufffd' : String.fromCodePoint(c);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return "'" + goQuote(ch, ascii).slice(1, -1) + "'";
}

// ---- strings ----

function fmtString(s: string, verb: string, f: Flags): string {
  let str = s;
  switch (verb) {
    case 'v': // (%#v of a string is printArg's goSyntax)
    case 's':
      if (f.prec !== undefined) str = [...str].slice(0, f.prec).join('');
      return pad(str, f);
    case 'q': {
      if (f.prec !== undefined) str = [...str].slice(0, f.prec).join('');
      if (f.sharp && !/[`\x00-\x08\x0a-\x1f\x7f\ufeff]/.test(str)) return pad('`' + str + '`', f);
      return pad(goQuote(str, f.plus), f);
    }
    case 'x':
    case 'X': {
      let b = Buffer.from(str);
      if (f.prec !== undefined) b = b.subarray(0, f.prec);
      const parts = [...b].map((x) => x.toString(16).padStart(2, '0'));
      const pre = verb === 'x' ? '0x' : '0X';
      let out: string;
      if (f.space) out = parts.map((p) => (f.sharp ? pre + p : p)).join(' ');
      else out = (f.sharp && parts.length ? pre : '') + parts.join('');
      if (verb === 'X') out = out.toUpperCase();
      return pad(out, f);
    }
  }
  return badVerb(s, verb, f);
}

// ---- any value ----

/** %!verb(type=value): the value printed with %v and the same flags, as Go's badVerb does. */
function badVerb(v: unknown, verb: string, f: Flags = noFlags()): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${printArg(v, 'v', f, 0)})`;
}

/** %#v: Go syntax. Width and flags apply to each string, number and bool, not to a slice or map. */
function goSyntax(v: unknown, f: Flags): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      // only an element reaches here (printArg prints a nil operand), and only an interface{}
      // slice or map element can be nil
      return 'interface {}(nil)';
    case 'string':
      return pad(goQuote(f.prec === undefined ? (v as string) : [...(v as string)].slice(0, f.prec).join('')), f);
    case 'int':
      // a byte (uint8) is printed as %#x, a signed integer as %d
      return v instanceof GoByte ? fmtInteger(v.b, 'x', { ...f, sharp: true }) : fmtInteger(num(v), 'd', f);
    case 'slice': {
      const a = v as unknown[];
      return `${typeName(a)}{${a.map((x) => goSyntax(x, f)).join(', ')}}`;
    }
    case 'map': {
      const m = v as Record<string, unknown>;
      return `${typeName(m)}{${sortedKeys(m).map((k) => `${goSyntax(k, f)}:${goSyntax(m[k], f)}`).join(', ')}}`;
    }
    case 'struct':
      // a typed struct{} member (ExposedPorts' values); Docker's formatter contexts print their fields
      if (GO_EMPTY_STRUCT in (v as object)) return 'struct {}{}';
      return printArg(v, 'v', { ...f, sharpV: false }, 1);
    default:
      // a bool or float (printed as %v), or a func (never nil here)
      return printArg(v, 'v', { ...f, sharpV: false }, 1);
  }
}

export function printArg(v: unknown, verb: string, f: Flags, depth: number): string {
  const k = kindOf(v);
  if (k === 'invalid' || k === 'nil') {
    // inside a slice or map, Go writes a nil interface as it is, unpadded
    if (depth > 0) return '<nil>';
    if (verb === 'v' || verb === 'T') return pad('<nil>', f);
    return badVerb(v, verb, f);
  }
  if (verb === 'T') return pad(typeName(v), f);
  if (verb === 'v' && f.sharpV) return goSyntax(v, f);
  switch (k) {
    case 'bool':
      return verb === 't' || verb === 'v' ? pad(String(v), f) : badVerb(v, verb, f);
    case 'float':
      return 'vbgGxXfFeE'.includes(verb) ? fmtFloatVerb(num(v), verb, f) : badVerb(v, verb, f);
    case 'int': {
      const n = num(v);
      switch (verb) {
        case 'v':
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          return fmtInteger(n, verb, f);
        case 'c':
          return pad(n > 0x10ffff || n < 0 || (n >= 0xd800 && n < 0xe000) ? '\ufffd' : String.fromCodePoint(n), f);
        case 'q':
          return pad(quoteRune(n < 0 ? 0x110000 : n, f.plus), f);
        case 'U': {
          // fmtUnicode: at least 4 digits, or the precision; padded with spaces, never zeros
          const digs = (n < 0 ? (2n ** 64n + BigInt(n)).toString(16) : n.toString(16)).toUpperCase();
          let s = 'U+' + digs.padStart(Math.max(4, f.prec ?? 0), '0');
          if (f.sharp && n >= 0 && n <= 0x10ffff && isPrint(String.fromCodePoint(n))) s += ` '${String.fromCodePoint(n)}'`;
          return pad(s, { ...f, zero: false });
        }
      }
      return badVerb(v, verb, f);
    }
    case 'string':
      return fmtString(v as string, verb, f);
    case 'slice': {
      const a = v as unknown[];
      return '[' + a.map((x) => printArg(x, verb, f, depth + 1)).join(' ') + ']';
    }
    case 'map': {
      const m = v as Record<string, unknown>;
      return 'map[' + sortedKeys(m).map((key) => printArg(key, verb, f, depth + 1) + ':' + printArg(m[key], verb, f, depth + 1)).join(' ') + ']';
    }
    case 'struct': {
      if (GO_EMPTY_STRUCT in (v as object)) return '{}'; // %#v of it is goSyntax's
      const s = v as GoStruct;
      const fields = Object.keys(s).filter((key) => typeof s[key] !== 'function');
      return '&{' + fields.map((key) => (f.plusV ? key + ':' : '') + printArg(s[key], verb, f, depth + 1)).join(' ') + '}';
    }
    case 'func':
      return pad('0x' + '0'.repeat(6), f);
  }
  return '';
}

const isStr = (v: unknown): boolean => typeof v === 'string';

/** fmt.Sprint: operands printed with %v, a space between two that are not strings. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && !isStr(a) && !isStr(args[i - 1])) out += ' ';
    out += printArg(a, 'v', noFlags(), 0);
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return args.map((a) => printArg(a, 'v', noFlags(), 0)).join(' ') + '\n';
}

/** fmt.Sprintf, following fmt/print.go's doPrintf. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const end = format.length;
  /** parsenum: a decimal number at i (at most 1e6), or none */
  const parsenum = (i: number, stop: number): { num: number; ok: boolean; i: number } => {
    let num = 0;
    let ok = false;
    let j = i;
    for (; j < stop && format[j] >= '0' && format[j] <= '9'; j++) {
      if (num > 1e6) return { num: 0, ok: false, i: stop };
      num = num * 10 + Number(format[j]);
      ok = true;
    }
    return { num, ok, i: j };
  };
  /** argNumber: an explicit [n] index at i */
  const argNumber = (i: number): { found: boolean; i: number } => {
    if (i >= end || format[i] !== '[') return { found: false, i };
    reordered = true;
    let index = 0;
    let wid = 1;
    let ok = false;
    if (end - i >= 3) {
      for (let j = i + 1; j < end; j++) {
        if (format[j] === ']') {
          const n = parsenum(i + 1, j);
          if (!n.ok || n.i !== j) {
            wid = j - i + 1;
            ok = false;
          } else {
            index = n.num - 1;
            wid = j - i + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < args.length) {
      argNum = index;
      return { found: true, i: i + wid };
    }
    goodArgNum = false;
    return { found: ok, i: i + wid };
  };
  /** intFromArg: a * width or precision */
  const intFromArg = (): { num: number; isInt: boolean } => {
    let num = 0;
    let isInt = false;
    if (argNum < args.length) {
      const a = args[argNum];
      if (kindOf(a) === 'int') {
        num = num_(a);
        isInt = true;
        if (num > 1e6 || num < -1e6) (num = 0), (isInt = false);
      }
      argNum++;
    }
    return { num, isInt };
  };
  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) out += format.slice(lasti, i);
    if (i >= end) break;
    i++; // the %
    const f = noFlags();
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    let r = argNumber(i);
    i = r.i;
    let afterIndex = r.found;
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg();
      if (!w.isInt) out += '%!(BADWIDTH)';
      else {
        f.wid = w.num;
        if (f.wid < 0) {
          f.wid = -f.wid;
          f.minus = true;
          f.zero = false;
        }
      }
      afterIndex = false;
    } else {
      const n = parsenum(i, end);
      if (n.ok) f.wid = n.num;
      i = n.i;
      if (afterIndex && n.ok) goodArgNum = false; // "%[3]2d"
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false; // "%[3].2d"
      r = argNumber(i);
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const p = intFromArg();
        // a negative precision is none, and as bad as a missing one
        if (p.isInt && p.num >= 0) f.prec = p.num;
        else {
          out += '%!(BADPREC)';
          f.prec = undefined;
        }
        afterIndex = false;
      } else {
        const n = parsenum(i, end);
        f.prec = n.ok ? n.num : 0;
        i = n.i;
      }
    }
    if (!afterIndex) {
      r = argNumber(i);
      i = r.i;
      afterIndex = r.found;
    }
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (!goodArgNum) out += `%!${verb}(BADINDEX)`;
    else if (argNum >= args.length) out += `%!${verb}(MISSING)`;
    else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      const a = args[argNum++];
      out += verb === 'w' ? badVerb(a, verb, f) : printArg(a, verb, f, 0);
    }
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${printArg(a, 'v', noFlags(), 0)}`)).join(', ') + ')';
  }
  return out;
}

const num_ = num;

export { GoFloat, STRUCT };
