// startTicksOf (src/state/process.ts) finds field 22 of /proc/PID/stat by its spaces; it gives
// what splitting the line after the last ")" gave (issue 13: `ps` reads one such line per
// container), for any line, and the start time of this very process.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { startTicks, startTicksOf } from '../../src/state/process.js';

/** The way it was done before: split into fields. */
function bySplit(stat: string): string | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
  return rest[19];
}

describe('startTicksOf', () => {
  it('equals the split on any line (spaces and ")" in comm, zombies, short lines)', () => {
    const part = fc.oneof(fc.constantFrom(' ', ')', '(', 'Z', 'X', 'R', 'ZZ', '\n', ' Z ', ') Z '), fc.stringMatching(/^[0-9a-z]{0,4}$/));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 60 }), (parts) => {
        const s = parts.join('');
        expect(startTicksOf(s)).toBe(bySplit(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('real lines: this process, and a comm with spaces and ")"', () => {
    const own = readFileSync('/proc/self/stat', 'utf8');
    expect(startTicksOf(own)).toBe(bySplit(own));
    expect(startTicks(process.pid)).toMatch(/^\d+$/);
    const odd = `42 (a) b) c) S ${Array.from({ length: 18 }, (_, i) => i + 1).join(' ')} 987654 0 0\n`;
    expect(startTicksOf(odd)).toBe('987654');
    expect(startTicksOf(odd.replace(') S ', ') Z '))).toBeUndefined();
  });
});
