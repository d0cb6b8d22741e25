// The everyday commands' shortcuts (issue 13, speed) give what the slow ways gave:
// - a container's paths are join()'s paths, for any state root;
// - goQuote's fast check lets through exactly the strings its rune loop would not change;
// - the tabwriter's cell width is the rune count [...s].length gave, and a table of rows of as
//   many cells each comes out as Go's general tabwriter writes it;
// - writeOut/writeErr are the streams' write until the CLI turns direct writes on (unit tests and
//   the API service capture process.stdout.write).
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { paths, under } from '../../src/state/paths.js';
import { goQuote, quoteRunes } from '../../src/engine/container/views.js';
import { writeErr, writeOut } from '../../src/cli/output.js';
import { cellWidth, tabwrite, tabwriteText } from '../../src/cli/tabwriter.js';

const saved = process.env.MINIDOCK_ROOT;
afterEach(() => {
  if (saved === undefined) delete process.env.MINIDOCK_ROOT;
  else process.env.MINIDOCK_ROOT = saved;
  vi.restoreAllMocks();
});

const ID = 'a'.repeat(64);

describe('container paths', () => {
  it.each(['/var/lib/minidock', '/tmp/x/', 'rel/root', './x/../y', '/', '//a//b/', '.', '/tmp/with space'])('root %j: join()', (root) => {
    process.env.MINIDOCK_ROOT = root;
    expect(paths.containers()).toBe(join(root, 'containers'));
    expect(paths.container(ID)).toBe(join(root, 'containers', ID));
    for (const odd of ['..', '.', '', 'a/b', '../x', 'x/..', '-x', 'x.json'])
      expect(paths.container(odd), odd).toBe(join(root, 'containers', odd));
  });

  it('the root is read again when it changes (one process, several roots)', () => {
    process.env.MINIDOCK_ROOT = '/r1';
    expect(paths.container(ID)).toBe(`/r1/containers/${ID}`);
    process.env.MINIDOCK_ROOT = '/r2/';
    expect(paths.container(ID)).toBe(`/r2/containers/${ID}`);
  });

  it('under(dir, name) is join(dir, name) for a joined dir', () => {
    const seg = fc.stringMatching(/^[a-z.\-_/ ]{0,6}$/);
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 4 }), seg, (parts, name) => {
        const dir = join(...parts);
        expect(under(dir, name)).toBe(join(dir, name));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('goQuote', () => {
  it('equals the loop on any string (controls, C1, quotes, astral, lone surrogates)', () => {
    const ch = fc.oneof(fc.constantFrom('"', '\\', '\n', '\x7f', '\x85', '\x9f', '\xa0', '…', '\ud800', '\udfff', '😀', 'a'), fc.string({ unit: 'binary', maxLength: 3 }));
    fc.assert(fc.property(fc.array(ch, { maxLength: 12 }), (xs) => {
        expect(goQuote(xs.join(''))).toBe(quoteRunes(xs.join('')));
      }), { numRuns: 3000 });
  });

  it("a cut command's ellipsis goes through as is", () => {
    expect(goQuote("sh -c 'echo started…")).toBe(`"sh -c 'echo started…"`);
  });
});

describe('cellWidth', () => {
  it("is [...s].length (Go's rune count) on any string (astral, lone and reversed surrogates)", () => {
    const ch = fc.oneof(fc.constantFrom('\ud800', '\udfff', '\udc00\ud800', '😀', '…', 'a', '\t'), fc.string({ unit: 'binary', maxLength: 3 }));
    fc.assert(fc.property(fc.array(ch, { maxLength: 12 }), (xs) => {
        expect(cellWidth(xs.join(''))).toBe([...xs.join('')].length);
      }), { numRuns: 3000 });
  });
});

describe('tabwrite of rows with as many cells each', () => {
  it("is what Go's general tabwriter makes of them (min widths, padding, empty cells, wide and astral runes)", () => {
    const cell = fc.oneof(fc.constantFrom('', 'a', 'CONTAINER ID', '…', '😀x', '\ud800', 'Up 3 minutes'), fc.string({ unit: 'grapheme', maxLength: 14 }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 }), fc.array(fc.array(cell, { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 12 }), (n, minWidth, padding, raw) => {
        const rows = raw.map((r) => r.slice(0, n));
        expect(tabwrite(rows, minWidth, padding)).toBe(tabwriteText(rows.map((r) => r.join('\t') + '\n').join(''), minWidth, padding).slice(0, -1));
      }), { numRuns: 2000 });
  });
});

describe('writeOut / writeErr without guardStdio', () => {
  it("are the streams' write (a spy sees every call)", () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    writeOut('a\n');
    writeErr('b\n');
    writeOut('');
    expect(out).toEqual(['a\n', '']);
    expect(err).toEqual(['b\n']);
  });
});
