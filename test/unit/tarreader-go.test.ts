// The layer tar reader against Go's archive/tar rules, pure: each crafted archive of
// test/helpers/tar-cases.ts with the reading Go 1.19's archive/tar gives it (worked out from its
// reader.go/strconv.go/format.go and recorded from it: test/integration/tarreader-differential
// checks these against a live Go build, and against Python's tarfile and GNU tar). Runs as any
// user, no Go needed.
import { describe, expect, it } from 'vitest';
import { readWithMinidock, tarCases, type ReadEntry } from '../helpers/tar-cases.js';

type Row = [name: string, type: string, size: number, linkname: string, mode: number, uid: number, gid: number, mtimeMs: number];
/** Entries; 'refused' (an error before any entry); { before } (entries, then an error); 'sparse' (Go expands it, minidock refuses). */
type Want = Row[] | 'refused' | 'sparse' | { before: Row[] };

/** 'x*200' is 200 x's, '(deep/)*40' 40 times 'deep/'. */
const expand = (s: string): string =>
  s.replace(/\(([^)]+)\)\*(\d+)/g, (_m, p: string, n: string) => p.repeat(Number(n))).replace(/(.)\*(\d+)/g, (_m, c: string, n: string) => c.repeat(Number(n)));

// Go's readings (name, type after Go's conversions, content bytes, link, mode, uid, gid, mtime ms).
const GO: Record<string, Want> = {
  'ustar': [['dir/', '5', 0, '', 0o755, 0, 0, 1700000000000], ['dir/file', '0', 6, '', 0o4755, 1000, 100, 1700000000000], ['dir/sym', '2', 0, '../elsewhere', 0o644, 0, 0, 1700000000000], ['dir/hard', '1', 0, 'dir/file', 0o644, 0, 0, 1700000000000], ['dev-null', '3', 0, '', 0o644, 0, 0, 1700000000000], ['fifo', '6', 0, '', 0o644, 0, 0, 1700000000000], ['empty', '0', 0, '', 0o644, 0, 0, 1700000000000], ['p*80/m*90', '0', 8, '', 0o644, 0, 0, 1700000000000]],
  'pax': [['(deep/)*40file', '0', 7, '', 0o644, 70000000, 5, 1700000000250], ['sym', '2', 0, '(t/)*70x', 0o644, 0, 0, 1700000000000], ['plain', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'gnu-long': [['x*200/f', '2', 0, 'y*150/t', 0o644, 0, 0, 1700000000000], ['after', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'pax-size': [['f', '0', 3, '', 0o644, 0, 0, 1700000000000]],
  'type0-slash': [['d/', '0', 3, '', 0o644, 0, 0, 1700000000000], ['next', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'typeNUL-slash': [['old/', '5', 0, '', 0o644, 0, 0, 1700000000000], ['oldfile', '0', 3, '', 0o644, 0, 0, 1700000000000]],
  'typeNUL-slash-size': [['old/', '5', 0, '', 0o644, 0, 0, 1700000000000], ['f', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'pax-slash': [['p/', '5', 0, '', 0o644, 0, 0, 1700000000000]],
  'header-only-size': [['s', '2', 0, 't', 0o644, 0, 0, 1700000000000], ['f', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'dumpdir': [['dd/', 'D', 8, '', 0o644, 0, 0, 1700000000000]],
  'contiguous': [['c', '7', 2, '', 0o644, 0, 0, 1700000000000]],
  'pax-hex': 'refused',
  'pax-exp': 'refused',
  'pax-space': 'refused',
  'pax-underscore': 'refused',
  'pax-plus': [['f', '0', 1, '', 0o644, 5, 0, 1700000000000]],
  'pax-mtime-exp': 'refused',
  'pax-mtime-neg': [['f', '0', 1, '', 0o644, 0, 0, -1500]],
  'pax-empty': [['kept', '0', 1, '', 0o644, 7, 0, 1700000000000]],
  'pax-nul-pad': 'refused',
  'pax-len-zeros': [['zz', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'pax-bad-len': 'refused',
  'pax-neg-size-symlink': [['s', '2', 0, 't', 0o644, 0, 0, 1700000000000]],
  'pax-neg-size-file': 'refused',
  'pax-twice': [['own', '0', 1, '', 0o644, 0, 8, 1700000000000]],
  'pax-and-L': [['from-gnu', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'empty-L': [['kept', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'global': [['a', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'global-bad': 'refused',
  'x-then-g': [['real', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'gnu-sparse': 'sparse',
  'pax-sparse-1.0': 'sparse',
  'pax-sparse-0.1': 'sparse',
  'pax-sparse-empty-version': 'sparse',
  'pax-sparse-unknown': [['plain', '0', 4, '', 0o644, 0, 0, 1700000000000]],
  'octal-8': 'refused',
  'octal-9': 'refused',
  'octal-inner-space': 'refused',
  'octal-padding': [['f', '0', 0, '', 0o644, 10, 0, 1700000000000]],
  'octal-devmajor': 'refused',
  'octal-devmajor-v7': [['f', '0', 0, '', 0o644, 0, 0, 1700000000000]],
  'base256': [['f', '0', 3, '', 0o644, 3000000000, 0, -1000]],
  'base256-overflow': 'refused',
  'base256-negative-size': 'refused',
  'gnu-no-prefix': [['name', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'gnu-buggy-prefix': [['pre/name', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'gnu-bad-version': [['v7ish', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'star': [['starprefix/n', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'v7': [['v7file', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'signed-checksum': [['café', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'bad-checksum': 'refused',
  'checksum-space': 'refused',
  'zero-then-header': 'refused',
  'two-zeros-then-garbage': [['a', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'one-zero-then-end': [['a', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'no-end-blocks': [['a', '0', 1, '', 0o644, 0, 0, 1700000000000]],
  'end-in-padding': [['a', '0', 3, '', 0o644, 0, 0, 1700000000000]],
  'end-in-content': 'refused',
  'end-in-header': { before: [['a', '0', 1, '', 0o644, 0, 0, 1700000000000]] },
  'pax-then-end': [],
  'meta-too-big': 'refused',
};

const rows = (es: ReadEntry[]): Row[] => es.map((e) => [e.name, e.type, e.size, e.linkname, e.mode, e.uid, e.gid, e.mtimeMs]);
const want = (r: Row[]): Row[] => r.map(([n, ...rest]) => [expand(n), ...rest.map((v, i) => (i === 2 ? expand(v as string) : v))] as Row);

describe("tar reader: Go's archive/tar readings of crafted archives", () => {
  const cases = tarCases();

  it('has a recorded Go reading for every case', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(GO).sort());
  });

  for (const c of tarCases()) {
    it(`${c.name}: ${c.why}`, () => {
      const w = GO[c.name]!;
      for (const step of [0, 1, 512, 1000]) {
        const got = readWithMinidock(c.tar, step);
        if (w === 'sparse') {
          expect(got.error).toMatch(/sparse file .* is not supported/);
          expect(got.entries).toEqual([]);
        } else if (w === 'refused') {
          expect(got.error).not.toBeNull();
          expect(got.entries).toEqual([]);
        } else if (Array.isArray(w)) {
          expect(got.error).toBeNull();
          expect(rows(got.entries)).toEqual(want(w));
        } else {
          expect(got.error).not.toBeNull();
          expect(rows(got.entries)).toEqual(want(w.before));
        }
      }
    });
  }

  it('says why, in one line, for the refusals the issue names', () => {
    const msg = (name: string): string | null => readWithMinidock(cases.find((c) => c.name === name)!.tar).error;
    expect(msg('pax-hex')).toBe('invalid pax size: "0x5"');
    expect(msg('pax-exp')).toBe('invalid pax uid: "3e0"');
    expect(msg('pax-space')).toBe('invalid pax mtime: " 3 "');
    expect(msg('octal-8')).toBe('invalid mode field');
    expect(msg('octal-9')).toBe('invalid uid field');
    expect(msg('gnu-sparse')).toBe('GNU sparse file "sparse" is not supported');
    expect(msg('pax-sparse-1.0')).toBe('sparse file "real-name" (pax GNU.sparse) is not supported');
    expect(msg('zero-then-header')).toMatch(/zero block followed by a header/);
  });
});
