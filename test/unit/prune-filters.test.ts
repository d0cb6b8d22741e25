// The prune filters' semantics, as moby's (filters.MatchKVList, GetBoolOrDefault,
// getUntilFromPruneFilters): pure, no state.
import { describe, expect, it } from 'vitest';
import { parsePruneFilters } from '../../src/engine/prune-filters.js';

const ALL = ['dangling', 'label', 'label!', 'until'];

describe('parsePruneFilters', () => {
  it('label=k and label=k=v must all match; label!= refuses only what matches all of its values', async () => {
    const f = await parsePruneFilters(['label=a', 'label=b=2'], ALL);
    expect(f.matches(0, { a: 'x', b: '2' })).toBe(true);
    expect(f.matches(0, { a: 'x', b: '3' })).toBe(false);
    expect(f.matches(0, { b: '2' })).toBe(false);
    expect(f.matches(0, null)).toBe(false);
    const not = await parsePruneFilters(['label!=a', 'label!=b=2'], ALL);
    expect(not.matches(0, { a: '1', b: '2' })).toBe(false);
    expect(not.matches(0, { a: '1' })).toBe(true); // MatchKVList: b=2 missing, so not all match
    expect(not.matches(0, {})).toBe(true);
    // a label key holding "=": the first one splits
    expect((await parsePruneFilters(['label=k=v=w'], ALL)).matches(0, { k: 'v=w' })).toBe(true);
  });

  it('until: a timestamp or a duration; after it, or no creation time, does not pass', async () => {
    const f = await parsePruneFilters(['until=1000'], ALL);
    expect(f.matches(999_000, undefined)).toBe(true);
    expect(f.matches(1_000_000, undefined)).toBe(true); // not after it
    expect(f.matches(1_000_001, undefined)).toBe(false);
    expect(f.matches(undefined, undefined)).toBe(false);
    expect(f.matches(Number.NaN, undefined)).toBe(false);
    const d = await parsePruneFilters(['until=1h'], ALL);
    expect(d.matches(Date.now() - 2 * 3600_000, {})).toBe(true);
    expect(d.matches(Date.now() - 60_000, {})).toBe(false);
  });

  it('dangling: true or false, else the daemon\'s error; keys outside the accepted ones refused', async () => {
    expect((await parsePruneFilters(['dangling=false'], ALL)).dangling).toBe(false);
    expect((await parsePruneFilters(['dangling=1'], ALL)).dangling).toBe(true);
    expect((await parsePruneFilters([], ALL)).dangling).toBeUndefined();
    await expect(parsePruneFilters(['dangling=true', 'dangling=false'], ALL)).rejects.toThrow("invalid filter 'dangling=false,true'");
    await expect(parsePruneFilters(['dangling=yes'], ALL)).rejects.toThrow("invalid filter 'dangling=yes'");
    await expect(parsePruneFilters(['dangling=true'], ['until', 'label', 'label!'])).rejects.toThrow("invalid filter 'dangling'");
    await expect(parsePruneFilters(['until!=1h'], ALL)).rejects.toThrow("invalid filter 'until!'");
    await expect(parsePruneFilters(['until=1h', 'until=2h'], ALL)).rejects.toThrow('more than one until filter specified');
    await expect(parsePruneFilters(['label'], ALL)).rejects.toThrow('bad format of filter (expected name=value)');
  });
});
