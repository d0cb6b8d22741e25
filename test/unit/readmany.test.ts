// readIn (src/state/readmany.ts): the addon's reads give what Node's fs gives, file by file —
// texts decoded as readFileSync(f, 'utf8') decodes them, the same mtimes, the same error codes —
// and a FIFO where a state file should be does not block it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readIn } from '../../src/state/readmany.js';

const ADDON = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..', 'dist', 'minidock-readmany.node');
let dir: string;
const FILES = {
  ascii: 'Id 123\n',
  empty: '',
  utf8: 'label=caf\u00e9 \u{1f600} \u4e2d\n',
  big: 'x'.repeat(200_000) + 'end', // more than the addon's first 64 KiB buffer
};
const NAMES = [...Object.keys(FILES), 'invalid', 'missing', 'subdir', 'ascii/below'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mdtest-readmany-'));
  for (const d of ['a', 'b']) {
    mkdirSync(join(dir, d));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, d, name), text + d);
    writeFileSync(join(dir, d, 'invalid'), Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x0a])); // bad UTF-8
    mkdirSync(join(dir, d, 'subdir'));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const view = (native: boolean, dirs: string[], names: string[]) => {
  const r = readIn(dirs, names, native);
  return dirs.flatMap((_, d) => names.map((_, k) => d * names.length + k)).map((i) => ({ text: r.text(i), code: r.code(i), mtimeMs: r.mtimeMs(i) }));
};

describe('readIn', () => {
  it('the addon is built here (Node headers installed), so these tests test it', () => {
    expect(existsSync(ADDON)).toBe(true);
  });

  it('gives, natively, what file-by-file reads give: texts, mtimes, error codes, in order', () => {
    const dirs = [join(dir, 'a'), join(dir, 'b'), join(dir, 'nosuch')];
    const native = view(true, dirs, NAMES);
    expect(native).toEqual(view(false, dirs, NAMES));
    expect(native[0]).toMatchObject({ text: 'Id 123\na', code: undefined });
    expect(native[2].text).toBe(FILES.utf8 + 'a');
    expect(native[3].text).toBe(FILES.big + 'a');
    expect(native[4].text).toBe(readFileSync(join(dir, 'a', 'invalid'), 'utf8'));
    expect(native.slice(5, 8).map((r) => r.code)).toEqual(['ENOENT', 'EISDIR', 'ENOTDIR']);
    expect(native[NAMES.length + 1]).toMatchObject({ text: 'b' });
    expect(native.slice(2 * NAMES.length).every((r) => r.code === 'ENOENT' && r.mtimeMs === 0)).toBe(true);
  });

  it('reads /proc files (which say size 0)', () => {
    const [r] = view(true, [`/proc/${process.pid}`], ['stat']);
    expect(r.text).toMatch(new RegExp(`^${process.pid} \\(`));
  });

  it('a FIFO does not block it: read as empty (no writer), nothing waits', () => {
    const fifo = join(dir, 'a', 'fifo');
    execFileSync('mkfifo', [fifo]);
    const [r] = view(true, [join(dir, 'a')], ['fifo']);
    expect(r.text ?? r.code).toBe('');
  });

  it('a long list takes the addon by default, a short one reads file by file', () => {
    // the same answers either way: what is checked is that the default works for both sizes
    const dirs = Array.from({ length: 30 }, () => join(dir, 'a'));
    expect(view(true, dirs, ['ascii'])).toEqual(view(false, dirs, ['ascii']));
    const r = readIn(dirs, ['ascii']);
    expect(r.text(29)).toBe('Id 123\na');
    expect(readIn([join(dir, 'b')], ['ascii']).text(0)).toBe('Id 123\nb');
  });

  it('refuses arguments of the wrong shape (no read past the mtimes array)', async () => {
    const { createRequire } = await import('node:module');
    const addon = createRequire(import.meta.url)(ADDON) as { readIn: (...a: unknown[]) => unknown };
    expect(() => addon.readIn([dir], ['a', 'b'], new Float64Array(1))).toThrow(/readIn\(dirs, names/);
    expect(() => addon.readIn(dir, ['a'], new Float64Array(1))).toThrow(TypeError);
    expect(() => addon.readIn([dir], ['a'], new Uint8Array(8))).toThrow(TypeError);
  });
});
