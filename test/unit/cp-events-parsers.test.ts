// Pure logic of cp (Docker's argument and path rules, the tar headers of `cp … -`) and of events
// (Docker's filters and timestamps, the journal line).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { preserveTrailing, splitCpArg, splitDirEntry } from '../../src/engine/container/copy.js';
import { TarOut, cleanArchivePath } from '../../src/engine/container/cp.js';
import { eventLine } from '../../src/engine/events.js';
import { matches, parseFilters, parseLine, parseTimestamp } from '../../src/engine/events-query.js';
import { parseGoDuration as parseDuration } from '../../src/goparse.js';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('cp arguments and paths (docker/cli splitCpArg, moby archive/copy.go)', () => {
  it('splits CONTAINER:PATH unless the argument is a local absolute or ./ path', () => {
    expect(splitCpArg('c1:/etc/passwd')).toEqual({ container: 'c1', path: '/etc/passwd' });
    expect(splitCpArg('c1:etc')).toEqual({ container: 'c1', path: 'etc' });
    expect(splitCpArg('/tmp/a:b')).toEqual({ path: '/tmp/a:b' });
    expect(splitCpArg('./a:b')).toEqual({ path: './a:b' });
    expect(splitCpArg('plain')).toEqual({ path: 'plain' });
    expect(splitCpArg('-')).toEqual({ path: '-' });
  });
  it('keeps a trailing / or /. through cleaning', () => {
    expect(preserveTrailing('/a/b', 'a/b/')).toBe('/a/b/');
    expect(preserveTrailing('/a/b', 'a/b/.')).toBe('/a/b/.');
    expect(preserveTrailing('/a/b', 'a/b')).toBe('/a/b');
    expect(preserveTrailing('/', '/')).toBe('/');
  });
  it('splits a path into directory and entry, keeping a trailing .', () => {
    expect(splitDirEntry('/a/b')).toEqual({ dir: '/a', base: 'b' });
    expect(splitDirEntry('/a/b/')).toEqual({ dir: '/a', base: 'b' });
    expect(splitDirEntry('/a/b/.')).toEqual({ dir: '/a/b', base: '.' });
  });
  it('archive entry names: cleaned, and refused when they climb out', () => {
    expect(cleanArchivePath('./a/b/')).toEqual(['a', 'b']);
    expect(cleanArchivePath('/etc/x')).toEqual(['etc', 'x']);
    expect(cleanArchivePath('a/../b')).toEqual(['b']);
    expect(cleanArchivePath('../x')).toBeUndefined();
    expect(cleanArchivePath('a/../../x')).toBeUndefined();
  });
  it('`cp … -` writes headers GNU tar reads, with pax for long names, long link targets and big ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'md-tarout-'));
    try {
      const f = join(dir, 'x.tar');
      const fd = openSync(f, 'w');
      const t = new TarOut(fd);
      const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
      t.entry({ path: long.split('/'), type: 'file', mode: 0o640, uid: 3_000_000, gid: 5, mtime: 1_700_000_000, size: 3 });
      t.data(Buffer.from('abc'));
      t.endEntry();
      t.entry({ path: ['l'], type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: 0, size: 0, linkname: 't'.repeat(200) });
      t.endEntry();
      t.end();
      closeSync(fd);
      const r = spawnSync('tar', ['--numeric-owner', '-tvf', f], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toContain('3000000/5');
      expect(lines[0]!.endsWith(long)).toBe(true);
      expect(lines[1]).toContain(`l -> ${'t'.repeat(200)}`);
      expect(spawnSync('tar', ['-xOf', f, long], { encoding: 'utf8' }).stdout).toBe('abc');
      expect(readFileSync(f).length % 512).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('events: journal lines, filters, times', () => {
  const line = eventLine({ Type: 'container', Action: 'die', ID: 'a'.repeat(64), Attributes: { image: 'busybox', name: 'web', exitCode: 3, team: 'x' } }, 1796118217419154691n);
  const rec = parseLine(line.trim())!;

  it("a line is Docker's message with an exact timeNano, and reads back", () => {
    expect(line).toMatch(/"time":1796118217,"timeNano":1796118217419154691}\n$/);
    expect(rec.nano).toBe(1796118217419154691n);
    expect(rec.msg).toMatchObject({ status: 'die', from: 'busybox', Type: 'container', Action: 'die', Actor: { Attributes: { exitCode: '3' } } });
    expect(parseLine('{"torn')).toBeUndefined();
  });

  it('lines stay under PIPE_BUF whatever the labels', () => {
    const big = eventLine({ Type: 'container', Action: 'create', ID: 'b', Attributes: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`label${i}`, 'v'.repeat(300)])) });
    expect(Buffer.byteLength(big)).toBeLessThan(4096);
    expect(parseLine(big.trim())).toBeDefined();
  });

  it("Docker's filter rules: alternatives within a key, all keys, name/id prefixes, labels, images without tag", () => {
    const ok = (f: string[]) => matches(parseFilters(f), rec.msg);
    expect(ok([])).toBe(true);
    expect(ok(['type=container', 'event=die'])).toBe(true);
    expect(ok(['event=start', 'event=die'])).toBe(true);
    expect(ok(['event=start'])).toBe(false);
    expect(ok(['container=web'])).toBe(true);
    expect(ok(['container=aaaa'])).toBe(true);
    expect(ok(['container=other'])).toBe(false);
    expect(ok(['label=team'])).toBe(true);
    expect(ok(['label=team=x'])).toBe(true);
    expect(ok(['label=team=y'])).toBe(false);
    expect(ok(['image=busybox'])).toBe(true);
    expect(ok(['image=busybox:latest'])).toBe(false);
    expect(ok(['network=web'])).toBe(true); // Docker's fuzzy name match applies to every key of that kind
    const exec = parseLine(eventLine({ Type: 'container', Action: 'exec_start: sh -c x', ID: 'c' }).trim())!;
    expect(matches(parseFilters(['event=exec_start']), exec.msg)).toBe(true);
    expect(() => parseFilters(['nope=1'])).toThrow("invalid filter 'nope'");
    expect(() => parseFilters(['nope'])).toThrow('bad format of filter');
  });

  it("Go's durations and Docker's timestamps", () => {
    expect(parseDuration('10m')).toBe(600e9);
    expect(parseDuration('1h30m')).toBe(5400e9);
    expect(parseDuration('1.5s')).toBe(1.5e9);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('m')).toBeUndefined();
    const now = Date.UTC(2026, 11, 1, 10, 0, 0);
    expect(parseTimestamp('10m', 'since', now)).toBe(BigInt(now - 600_000) * 1_000_000n);
    expect(parseTimestamp('1700000000', 'since')).toBe(1_700_000_000_000_000_000n);
    expect(parseTimestamp('1700000000.5', 'since')).toBe(1_700_000_000_500_000_000n);
    expect(parseTimestamp('2026-12-01T10:00:00Z', 'since')).toBe(BigInt(now) * 1_000_000n);
    expect(parseTimestamp('2026-12-01T11:00:00+01:00', 'since')).toBe(BigInt(now) * 1_000_000n);
    expect(parseTimestamp('2026-12-01T10:00:00.25Z', 'since')).toBe(BigInt(now) * 1_000_000n + 250_000_000n);
    expect(() => parseTimestamp('soon', 'until')).toThrow('failed to parse value as time or duration: "soon"');
  });
});
