// Go's parsers as the docker CLI's flags use them (pflag: strconv.ParseBool, strconv.ParseInt with
// base 0, time.ParseDuration; docker/cli's NanoCPUs: big.Rat), with Go's own error words. Pure;
// each throws an Error whose message is what Go's error prints.

const q = (s: string) => JSON.stringify(s);

/** strconv.ParseBool. */
export function goParseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${q(s)}: invalid syntax`);
}

// base 0: 0x/0o/0b prefixes, a leading 0 is octal, `_` between digits (Go's integer literals)
const INT_FORMS: [RegExp, number][] = [
  [/^0[xX](_?[0-9a-fA-F])+$/, 16],
  [/^0[bB](_?[01])+$/, 2],
  [/^0[oO](_?[0-7])+$/, 8],
  [/^0(_?[0-7])+$/, 8],
  [/^[1-9](_?[0-9])*$|^0$/, 10],
];

/** A Go integer literal as base 0 reads it (sign, prefix, `_`), or undefined. */
function intBase0(s: string): bigint | undefined {
  const body = /^[+-]/.test(s) ? s.slice(1) : s;
  const form = INT_FORMS.find(([re]) => re.test(body));
  if (!form) return undefined;
  const digits = body.replace(/_/g, '').replace(/^0[xXbBoO]?(?=.)/, form[1] === 10 ? '' : '0');
  let n = 0n;
  for (const c of digits) n = n * BigInt(form[1]) + BigInt(parseInt(c, form[1]));
  return s.startsWith('-') ? -n : n;
}

/** strconv.ParseInt(s, 0, bits) (pflag's Int and Int64 flags). */
export function goParseInt(s: string, bits = 64): bigint {
  const bad = (why: string) => new Error(`strconv.ParseInt: parsing ${q(s)}: ${why}`);
  const n = intBase0(s);
  if (n === undefined) throw bad('invalid syntax');
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (n > max || n < -max - 1n) throw bad('value out of range');
  return n;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, '\u00b5s': 1e3, '\u03bcs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration, in nanoseconds (each part's fraction truncated, as Go's). */
export function goParseDuration(orig: string): number {
  const invalid = () => new Error(`time: invalid duration ${q(orig)}`);
  let s = orig;
  const neg = s.startsWith('-');
  if (/^[-+]/.test(s)) s = s.slice(1);
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (!/^[0-9.]/.test(s) || (m[1] === '' && !m[2])) throw invalid();
    s = s.slice(m[0].length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${q(orig)}`);
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${q(unit)} in duration ${q(orig)}`);
    s = s.slice(unit.length);
    total += BigInt(m[1] || '0') * BigInt(scale) + BigInt(Math.trunc(Number(`0.${m[2] ?? ''}0`) * scale));
    if (total > (1n << 63n) - (neg ? 0n : 1n)) throw invalid();
  }
  return Number(neg ? -total : total);
}

/**
 * time.ParseDuration where a value that is not a duration is something else to the caller
 * (`logs --since 2026-12-01`, a timestamp): the duration in ns, or undefined. The one duration
 * parser of `logs`, `events` and --health-* (goParseDuration).
 */
export function parseGoDuration(s: string): number | undefined {
  try {
    return goParseDuration(s);
  } catch {
    return undefined;
  }
}

/**
 * docker/cli's --cpus (opts.NanoCPUs): a rational number (big.Rat's SetString: `1.5`, `1e-1`,
 * `3/2`, signed) in nanoseconds of CPU per second, which must come out whole. The range is the
 * daemon's to check.
 */
export function goParseNanoCpus(s: string): bigint {
  const fail = () => new Error(`failed to parse ${s} as a rational number`);
  let num: bigint;
  let den: bigint;
  const slash = s.indexOf('/');
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (slash >= 0) {
    // a/b, each a Go integer literal (base 0), b unsigned and not 0
    const [a, b] = [intBase0(s.slice(0, slash)), /^[+-]/.test(s.slice(slash + 1)) ? undefined : intBase0(s.slice(slash + 1))];
    if (a === undefined || b === undefined || b === 0n) throw fail();
    [num, den] = [a, b];
  } else if (intBase0(s) !== undefined && !/^[+-]?0[0-9_]/.test(s)) {
    // 0x10, 0b11, 1_000 (big.Rat takes Go's prefixes; a leading 0 is decimal there, not octal)
    [num, den] = [intBase0(s)!, 1n];
  } else if (dec && (dec[2] || dec[3])) {
    const exp = Number(dec[4] ?? 0) - (dec[3] ?? '').length;
    if (Math.abs(exp) > 10000) throw fail();
    num = BigInt((dec[2] || '0') + (dec[3] ?? ''));
    den = 1n;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den = 10n ** BigInt(-exp);
    if (dec[1] === '-') num = -num;
  } else throw fail();
  const nano = num * 1_000_000_000n;
  if (nano % den !== 0n) throw new Error('value is too precise');
  return nano / den;
}
