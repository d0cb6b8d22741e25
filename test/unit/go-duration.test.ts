// The one Go duration parser (src/goparse.ts goParseDuration; parseGoDuration: undefined for
// what is not one): `logs --since/--until`, `events --since/--until` and the --health-* flags
// all read durations through it, with the answers of Go's time.ParseDuration (its test table, in part).
import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../../src/goparse.js';
import { parseTimestamp as logsTimestamp } from '../../src/engine/container/logtime.js';
import { parseTimestamp as eventsTimestamp } from '../../src/engine/events-query.js';
import { parseHealthFlags } from '../../src/engine/container/health.js';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['+0', 0],
    ['5s', 5e9],
    ['30s', 30e9],
    ['1478s', 1478e9],
    ['-5s', -5e9],
    ['+5s', 5e9],
    ['5.0s', 5e9],
    ['5.6s', 5.6e9],
    ['5.s', 5e9],
    ['.5s', 0.5e9],
    ['1.004s', 1.004e9],
    ['100.00100s', 100.001e9],
    ['10ns', 10],
    ['11us', 11e3],
    ['12\u00b5s', 12e3],
    ['12\u03bcs', 12e3],
    ['13ms', 13e6],
    ['14s', 14e9],
    ['15m', 900e9],
    ['16h', 16 * 3600e9],
    ['3h30m', 3.5 * 3600e9],
    ['10.5s4m', 4 * 60e9 + 10.5e9],
    ['-2m3.4s', -(2 * 60e9 + 3.4e9)],
    ['1h2m3s4ms5us6ns', 3600e9 + 2 * 60e9 + 3e9 + 4e6 + 5e3 + 6],
    ['39h9m14.425s', 39 * 3600e9 + 9 * 60e9 + 14.425e9],
    ['1.5ns', 1], // Go truncates the fraction to whole ns
    ['9223372036854775807ns', 9223372036854775807],
    ['-9223372036854775808ns', -9223372036854775808],
  ])('%s is %d ns', (s, ns) => {
    expect(parseGoDuration(s)).toBe(ns);
  });

  it.each(['', '3', '-', 's', '.', '.s', '+.s', '1d', '1hh', '1h 2m', ' 1h', '1.2.3s', '9223372036854775808ns', '9223372036854775807ns1ns', '3000000h'])('%j is not a duration', (s) => {
    expect(parseGoDuration(s)).toBeUndefined();
  });
});

describe('its users', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  it('logs and events count a duration back from now, each in its own precision', () => {
    expect(logsTimestamp('-0', 'since', now)).toBe(BigInt(now / 1000) * 1_000_000_000n);
    expect(logsTimestamp('1.5s', 'since', now)).toBe(BigInt(now / 1000 - 2) * 1_000_000_000n); // whole seconds, as Docker
    expect(eventsTimestamp('-0', 'since', now)).toBe(BigInt(now) * 1_000_000n);
    expect(eventsTimestamp('1.5s', 'since', now)).toBe(BigInt(now) * 1_000_000n - 1_500_000_000n);
  });
  it('--health-* take Go durations and refuse the rest in Docker words', () => {
    expect(parseHealthFlags({ healthCmd: 'true', healthInterval: '1m30s', healthTimeout: '-0' })).toMatchObject({ Interval: 90e9, Timeout: 0 });
    expect(() => parseHealthFlags({ healthCmd: 'true', healthInterval: '10' })).toThrow('invalid argument "10" for "--health-interval" flag: time: missing unit in duration "10"');
  });
});
