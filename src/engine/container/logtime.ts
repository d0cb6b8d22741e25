// Docker's time values for `logs --since/--until` (and `container prune --filter until=`): the
// rules of moby's api/types/time GetTimestamp, pure. A Go duration ("10m", "1h30m", "1.5h") is
// that long before now; an RFC 3339 date or time ("2026-12-01", "2026-12-01T09:30",
// "2026-12-01T09:30:00Z", with fractions or an offset) without a zone is local time; anything
// else must be a Unix timestamp ("1700000000", "1700000000.5"). Results in ns since the epoch.
import { BareError, type UserError } from '../../errors.js';
import { parseGoDuration } from '../../goparse.js';

/** The docker CLI's own words for it, as they are (no program name), exit 1. */
function bad(flag: string, why: string): UserError {
  return new BareError(`invalid value for "${flag}": ${why}`, 1);
}

/** Date.UTC of the fields, or undefined when one is out of range (Go refuses month 13, day 32, hour 24…). */
function fieldsToMs(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > days) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s) + Number(`0.${frac || '0'}`) * 1000;
}

/** ns since the epoch as a bigint, from ms (with sub-ms precision lost) plus the fraction's digits. */
function toNs(ms: number, frac: string): bigint {
  const whole = BigInt(Math.floor(ms / 1000)) * 1_000_000_000n;
  return whole + BigInt((frac + '000000000').slice(0, 9));
}

/**
 * The instant `value` names, in ns since the epoch, or throws Docker's error for `flag`.
 * `now` and the local zone (`offsetMin(ms)`, minutes east of UTC) are parameters for the tests.
 */
export function parseTimestamp(value: string, flag: string, now = Date.now(), offsetMin = (ms: number) => -new Date(ms).getTimezoneOffset()): bigint {
  const d = value !== '0' ? parseGoDuration(value) : undefined;
  if (d !== undefined) return BigInt(Math.floor((now - d / 1e6) / 1000)) * 1_000_000_000n; // Docker: whole seconds
  const inLocation = !(/[zZ+]/.test(value) || value.split('-').length - 1 === 3);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (m) {
    const [, y, mo, dd, hh = '0', mi = '0', ss = '0', frac = '', zone] = m;
    const utc = fieldsToMs(+y, +mo, +dd, +hh, +mi, +ss, '');
    if (utc === undefined) throw bad(flag, `parsing time ${JSON.stringify(value)}: value out of range`);
    if (inLocation === (zone !== undefined)) throw bad(flag, `parsing time ${JSON.stringify(value)}: cannot parse the zone`);
    let off = 0;
    if (zone && zone !== 'Z' && zone !== 'z') off = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    else if (!zone) off = offsetMin(utc - offsetMin(utc) * 60_000);
    return toNs(utc - off * 60_000, frac);
  }
  if (value.includes('-')) throw bad(flag, `parsing time ${JSON.stringify(value)} as RFC 3339: cannot parse`);
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (!unix) throw bad(flag, `failed to parse value as time or duration: ${JSON.stringify(value)}`);
  return BigInt(unix[1]) * 1_000_000_000n + BigInt(((unix[2] ?? '') + '000000000').slice(0, 9));
}

/** The ns since the epoch of a log entry's RFC 3339 time (nanosecond precision kept). */
export function logTimeNs(iso: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return toNs(ms, m[2] ?? '');
}
