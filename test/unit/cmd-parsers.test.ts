// Pure parts of issue 13's commands: Docker's time values (logs --since/--until), top's ps
// output filter and ps-option check, the tabwriter layout, export's PAX headers.
import { describe, expect, it } from 'vitest';
import { logTimeNs, parseTimestamp } from '../../src/engine/container/logtime.js';
import { parseGoDuration } from '../../src/goparse.js';
import { parsePsOutput, validatePsArgs } from '../../src/engine/container/top.js';
import { tabwrite } from '../../src/cli/tabwriter.js';
import { entryHeader } from '../../src/engine/image/tarwriter.js';

const S = 1_000_000_000n;

describe('Docker time values (GetTimestamp)', () => {
  const now = Date.UTC(2026, 11, 1, 10, 0, 0, 500);
  const utc = () => 0;
  it('Go durations: relative to now, whole seconds', () => {
    expect(parseGoDuration('10m')).toBe(600e9);
    expect(parseGoDuration('1h30m')).toBe(5400e9);
    expect(parseGoDuration('1.5h')).toBe(5400e9);
    expect(parseGoDuration('300ms')).toBe(300e6);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('10x')).toBeUndefined();
    expect(parseTimestamp('10m', 'since', now, utc)).toBe(BigInt(Date.UTC(2026, 11, 1, 9, 50, 0) / 1000) * S);
  });
  it('RFC 3339 dates and times, with and without a zone (no zone: local time)', () => {
    const base = BigInt(Date.UTC(2026, 11, 1, 9, 30, 0) / 1000) * S;
    expect(parseTimestamp('2026-12-01T09:30:00Z', 'since', now, utc)).toBe(base);
    expect(parseTimestamp('2026-12-01T10:30:00+01:00', 'since', now, utc)).toBe(base);
    expect(parseTimestamp('2026-12-01T09:30:00.25Z', 'since', now, utc)).toBe(base + 250_000_000n);
    expect(parseTimestamp('2026-12-01T09:30', 'since', now, utc)).toBe(base);
    expect(parseTimestamp('2026-12-01T09', 'since', now, utc)).toBe(base - 30n * 60n * S);
    expect(parseTimestamp('2026-12-01', 'since', now, utc)).toBe(BigInt(Date.UTC(2026, 11, 1) / 1000) * S);
    // local time two hours east of UTC
    expect(parseTimestamp('2026-12-01T11:30:00', 'since', now, () => 120)).toBe(base);
  });
  it('Unix timestamps, with a fraction', () => {
    expect(parseTimestamp('1700000000', 'since', now, utc)).toBe(1700000000n * S);
    expect(parseTimestamp('1700000000.5', 'until', now, utc)).toBe(1700000000n * S + 500_000_000n);
    expect(parseTimestamp('0', 'since', now, utc)).toBe(0n);
  });
  it('bad values: one line naming the flag, exit 1', () => {
    for (const v of ['bogus', '10q', '2026-13-01', '2026-12-01T25:00:00Z', '1.2.3']) {
      let err: unknown;
      try {
        parseTimestamp(v, 'since', now, utc);
      } catch (e) {
        err = e;
      }
      expect(err, v).toBeInstanceOf(Error);
      expect((err as Error).message, v).toMatch(/^invalid value for "since": /);
      expect((err as { exitCode: number }).exitCode).toBe(1);
    }
    expect(() => parseTimestamp('bogus', 'since', now, utc)).toThrow('invalid value for "since": failed to parse value as time or duration: "bogus"');
  });
  it('log entry times keep their nanoseconds', () => {
    expect(logTimeNs('2026-12-01T09:38:41.908744857Z')).toBe(BigInt(Date.UTC(2026, 11, 1, 9, 38, 41) / 1000) * S + 908744857n);
    expect(logTimeNs('nonsense')).toBeUndefined();
  });
});

describe('top: the ps output of the container only (moby parsePSOutput)', () => {
  const out = [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'root           1       0  0 09:00 ?        00:00:01 /sbin/init splash',
    'root         100       1  0 09:01 ?        00:00:00 sleep 60',
    'root         101     100  0 09:01 ?        00:00:00 sh -c echo a  b',
    '',
  ].join('\n');
  it('keeps the rows of the given PIDs, the last column with its spaces', () => {
    const r = parsePsOutput(out, new Set([100, 101]));
    expect(r.Titles).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(r.Processes).toEqual([
      ['root', '100', '1', '0', '09:01', '?', '00:00:00', 'sleep 60'],
      ['root', '101', '100', '0', '09:01', '?', '00:00:00', 'sh -c echo a b'],
    ]);
  });
  it('thread rows (PID "-") follow the process they belong to', () => {
    const r = parsePsOutput('PID TID CMD\n100 - sleep\n- 100 -\n200 - other\n- 200 -\n', new Set([100]));
    expect(r.Processes).toEqual([['100', '-', 'sleep'], ['-', '100', '-']]);
  });
  it('no PID column: Docker\'s error', () => {
    expect(() => parsePsOutput('USER CMD\nroot sh\n', new Set([1]))).toThrow("Couldn't find PID field in ps output");
  });
  it('renaming the PID column is refused, pid= is not', () => {
    expect(() => validatePsArgs('-o user= -o x=PID')).toThrow('specifying "x=PID" is not allowed');
    expect(() => validatePsArgs('-o pid=PID')).not.toThrow();
  });
});

describe('tabwriter', () => {
  it('pads each column to its widest cell plus padding, at least minwidth; the last column is not padded', () => {
    expect(tabwrite([['A', 'BB', 'C'], ['long-cell', 'x', 'y']], 10, 3)).toBe('A           BB        C\nlong-cell   x         y');
  });
});

describe('export: tar headers', () => {
  it('a short path is one ustar header', () => {
    const h = entryHeader({ path: 'bin/sh', type: 'file', mode: 0o755 }, 5);
    expect(h.length).toBe(512);
    expect(h.subarray(0, 6).toString()).toBe('bin/sh');
  });
  it('a path no ustar header can hold gets a PAX header (typeflag x, path record) first', () => {
    const long = 'd/' + 'x'.repeat(200);
    const h = entryHeader({ path: long, type: 'file' }, 0);
    expect(h.length).toBe(512 * 3);
    expect(String.fromCharCode(h[156])).toBe('x');
    const rec = h.subarray(512, 1024).toString('utf8').replace(/\0+$/, '');
    const [len] = rec.split(' ');
    expect(Number(len)).toBe(Buffer.byteLength(rec));
    expect(rec).toBe(`${len} path=${long}\n`);
    // both headers' checksums are valid
    for (const blk of [h.subarray(0, 512), h.subarray(1024)]) {
      const copy = Buffer.from(blk);
      copy.fill(0x20, 148, 156);
      expect(parseInt(blk.subarray(148, 155).toString(), 8)).toBe(copy.reduce((a, b) => a + b, 0));
    }
  });
});
