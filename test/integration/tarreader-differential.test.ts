// The layer tar reader against Go's archive/tar, entry by entry (Docker, containerd and the image
// scanners read layers with it: what minidock unpacks must be what they saw), with Python's
// tarfile and GNU tar as second opinions where they read the same as Go. The archives are
// written byte by byte (test/helpers/tar-cases.ts), and some are made by GNU tar and by
// Python's tarfile themselves (not by the project's own writer), and 3000 seeded mutants of the
// crafted ones (a few bytes changed, checksums mostly fixed) must read the same in Go and here.
//
// Go comes from Debian's golang-go (installed here when missing: apt, no internet otherwise);
// the oracle (test/helpers/oracles/gotar.go) uses the standard library only and is built with
// GOCACHE/GOPATH in a temporary directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutants, readWithMinidock, tarCases, type ReadEntry, type Reading } from '../helpers/tar-cases.js';

const ORACLES = fileURLToPath(new URL('../helpers/oracles/', import.meta.url));
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import tarfile'], { stdio: 'ignore' }).status === 0);

let tmp: string;
let gotar: string;

function findGo(): string | undefined {
  for (const p of ['/usr/bin/go', '/usr/lib/go/bin/go']) if (existsSync(p)) return p;
  return undefined;
}

function ensureGo(): string {
  let go = findGo();
  if (!go) {
    // Debian's package: from the configured mirror, as any other test dependency.
    const apt = (args: string[]) => spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
    let r = apt(['install', '-y', '-q', 'golang-go']);
    if (r.status !== 0) {
      apt(['update', '-q']); // stale package lists
      r = apt(['install', '-y', '-q', 'golang-go']);
    }
    go = findGo();
    if (!go) throw new Error(`golang-go is needed for this test and could not be installed: ${r.stderr}`);
  }
  return go;
}

/** Runs a reader over many archive files at once: one JSON line per file. */
function runOracle(cmd: string, args: string[], files: string[]): Reading[] {
  const r = spawnSync(cmd, [...args, ...files], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  expect(lines.length).toBe(files.length);
  return lines.map((l) => JSON.parse(l) as Reading);
}

/** GNU tar's listing (names, types, sizes of regular files, link targets); error on a non-zero exit. */
function gnuTar(file: string): { entries: Pick<ReadEntry, 'name' | 'type' | 'size' | 'linkname'>[]; error: string | null } {
  const r = spawnSync('tar', ['--list', '--verbose', '--numeric-owner', '--quoting-style=literal', '-f', file], { encoding: 'utf8' });
  const entries = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(.)\S{9}\s+\d+\/\d+\s+(\d+|\d+,\s*\d+)\s+\S+ \S+ (.*)$/.exec(line);
      if (!m) return { name: `unparsed: ${line}`, type: '?', size: -1, linkname: '' };
      const t = m[1]!;
      let name = m[3]!;
      let linkname = '';
      const type = t === 'd' ? '5' : t === 'l' ? '2' : t === 'h' ? '1' : t === 'c' ? '3' : t === 'b' ? '4' : t === 'p' ? '6' : '0';
      const sep = type === '2' ? ' -> ' : ' link to ';
      if (type === '1' || type === '2') [name, linkname] = [name.slice(0, name.indexOf(sep)), name.slice(name.indexOf(sep) + sep.length)];
      if (/ link to /.test(name) && type === '0') [name, linkname] = [name.slice(0, name.indexOf(' link to ')), name.slice(name.indexOf(' link to ') + 9)];
      return { name, type: / link to /.test(m[3]!) ? '1' : type, size: type === '0' ? Number(m[2]) : 0, linkname };
    });
  return { entries, error: r.status === 0 ? null : r.stderr.trim().split('\n').pop()! };
}

const dirName = (e: { name: string; type: string }): string => (e.type === '5' ? e.name.replace(/\/+$/, '') : e.name);

/** A reading as GNU tar's listing can show it. */
const asListed = (r: Reading): ReturnType<typeof gnuTar> => ({
  entries: r.entries.map((e) => ({ name: dirName(e), type: e.type === '7' ? '0' : e.type, size: e.type === '0' || e.type === '7' ? e.size : 0, linkname: e.linkname })),
  error: r.error,
});

const sameAs = (a: { entries: { name: string; type: string }[]; error: string | null }, b: { entries: { name: string; type: string }[]; error: string | null }): boolean =>
  JSON.stringify({ e: a.entries.map((e) => ({ ...e, name: dirName(e) })), refused: a.error !== null }) ===
  JSON.stringify({ e: b.entries.map((e) => ({ ...e, name: dirName(e) })), refused: b.error !== null });

// Where the second opinions read a crafted archive differently from Go (seen with Python 3.11's
// tarfile and GNU tar 1.34); every other case must read the same in all three.
//   Python: lenient numbers (int(x, 8) and int(x) take "0x5", "1_0", " 3 ", "3e0" as floats for
//   times), NUL padding in pax, global records applied to later entries, the pax path over a GNU
//   long name, a ustar prefix read from GNU and v7 headers too, a number field cut at its first
//   NUL before it is trimmed (" \0 12" is 0, Go's 10), 'D' as a directory, no error for
//   a zero block then a header or for truncation in a header or padding, no 1 MiB cap.
//   GNU tar: reports bad numbers, pax records and truncation but lists the entry anyway (or not
//   at all), reads a '0' entry named 'd/' as a directory, stops at a lone zero block.
const PYTHON_DIFFERS = new Set([
  'pax-slash', 'dumpdir', 'pax-hex', 'pax-exp', 'pax-space', 'pax-underscore', 'pax-mtime-exp', 'pax-empty', 'pax-nul-pad',
  'pax-twice', 'pax-and-L', 'empty-L', 'global', 'x-then-g', 'base256-overflow', 'gnu-no-prefix', 'gnu-bad-version', 'v7',
  'zero-then-header', 'end-in-padding', 'end-in-header', 'pax-then-end', 'meta-too-big', 'octal-padding',
]);
const GNUTAR_DIFFERS = new Set([
  'type0-slash', 'typeNUL-slash-size', 'header-only-size', 'dumpdir', 'pax-hex', 'pax-exp', 'pax-space', 'pax-underscore', 'pax-plus',
  'pax-mtime-exp', 'pax-empty', 'pax-nul-pad', 'pax-bad-len', 'pax-neg-size-symlink', 'pax-neg-size-file', 'pax-and-L', 'empty-L',
  'global-bad', 'x-then-g', 'pax-sparse-unknown', 'octal-8', 'octal-9', 'octal-inner-space', 'octal-padding', 'octal-devmajor',
  'base256-overflow', 'gnu-buggy-prefix', 'zero-then-header', 'end-in-padding', 'end-in-content', 'end-in-header', 'meta-too-big',
]);

function writeCases(list: { name: string; tar: Buffer }[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return list.map((c, i) => {
    const f = join(dir, `${i}-${c.name}.tar`);
    writeFileSync(f, c.tar);
    return f;
  });
}

function buildGo(): void {
  const goBin = ensureGo();
  gotar = join(tmp, 'gotar');
  const b = spawnSync(goBin, ['build', '-o', gotar, join(ORACLES, 'gotar.go')], {
    encoding: 'utf8',
    cwd: tmp,
    env: { ...process.env, GOCACHE: join(tmp, 'gocache'), GOPATH: join(tmp, 'gopath'), GOFLAGS: '', GO111MODULE: 'off', GOTOOLCHAIN: 'local' },
    timeout: 300_000,
  });
  if (b.status !== 0) throw new Error(`go build failed: ${b.stderr}`);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mdtest-tardiff-'));
  buildGo();
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('crafted archives: minidock reads each as Go archive/tar does', () => {
  const cases = tarCases();
  let files: string[];
  let go: Reading[];
  let py: Reading[];

  beforeAll(() => {
    files = writeCases(cases, join(tmp, 'crafted'));
    go = runOracle(gotar, [], files);
    if (!PYTHON) throw new Error("python3 with tarfile is needed for this test's second opinion");
    py = runOracle(PYTHON, [join(ORACLES, 'pytar.py')], files);
  });

  it('the same entries (name, type, content size and hash, link, mode, owner, mtime) and the same refusals, in any chunking', () => {
    expect(cases.length).toBeGreaterThan(50);
    cases.forEach((c, i) => {
      const ours = readWithMinidock(c.tar);
      const theirs = go[i]!;
      if (c.refusedWhereGoReads) {
        // Go expands the sparse file; minidock refuses it, and never hands its map over as content.
        expect(theirs.error, c.name).toBeNull();
        expect(theirs.entries.length, c.name).toBe(1);
        expect(ours.error, c.name).toMatch(/sparse file .* is not supported/);
        expect(ours.entries, c.name).toEqual([]);
        return;
      }
      expect({ case: c.name, entries: ours.entries, refused: ours.error !== null }).toEqual({ case: c.name, entries: theirs.entries, refused: theirs.error !== null });
      for (const step of [1, 100, 511, 513]) expect(readWithMinidock(c.tar, step), `${c.name} in ${step}-byte chunks`).toEqual(ours);
    });
  });

  it("Python's tarfile and GNU tar read the same as Go wherever they are not known to differ", () => {
    const disagree: string[] = [];
    cases.forEach((c, i) => {
      if (c.refusedWhereGoReads) return;
      if (!PYTHON_DIFFERS.has(c.name) && !sameAs(py[i]!, go[i]!)) disagree.push(`python: ${c.name} ${JSON.stringify(py[i])}`);
      if (!GNUTAR_DIFFERS.has(c.name) && !sameAs(gnuTar(files[i]!), asListed(go[i]!))) disagree.push(`gnu tar: ${c.name} ${JSON.stringify(gnuTar(files[i]!))}`);
    });
    expect(disagree).toEqual([]);
    // The lists above are not a blanket: the ordinary archives are among the agreed ones.
    for (const n of ['ustar', 'pax', 'gnu-long', 'signed-checksum', 'base256', 'star']) expect(PYTHON_DIFFERS.has(n) || GNUTAR_DIFFERS.has(n), n).toBe(false);
  });
});

describe('mutated archives', () => {
  it('3000 archives with a few bytes changed (seeded): minidock and Go read each the same, refusals included', () => {
    const list = mutants(11, 3000);
    const files = writeCases(list.map((tar, i) => ({ name: `mutant-${i}`, tar })), join(tmp, 'mutants'));
    const go: Reading[] = [];
    for (let i = 0; i < files.length; i += 500) go.push(...runOracle(gotar, [], files.slice(i, i + 500)));
    const differ = list.flatMap((tar, i) => {
      const ours = readWithMinidock(tar);
      const same = JSON.stringify({ e: ours.entries, r: ours.error !== null }) === JSON.stringify({ e: go[i]!.entries, r: go[i]!.error !== null });
      return same ? [] : [`mutant ${i}: go ${JSON.stringify(go[i])} ours ${JSON.stringify(ours)}`];
    });
    expect(differ).toEqual([]);
    // Not a pile of garbage only: many still read, many are refused.
    const refused = go.filter((g) => g.error !== null).length;
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(2800);
  });
});

describe('archives made by GNU tar and by Python tarfile', () => {
  let made: { name: string; tar: Buffer }[];
  let files: string[];

  beforeAll(() => {
    // A tree with what layers hold: directories, modes, owners, long names and link targets,
    // symlinks, hard links, an empty file, a non-ASCII name, a 1 MiB file.
    const src = join(tmp, 'tree');
    const long = `${'long-directory-name/'.repeat(6)}${'f'.repeat(60)}`;
    mkdirSync(join(src, 'short/sub'), { recursive: true });
    mkdirSync(join(src, long.slice(0, long.lastIndexOf('/'))), { recursive: true });
    writeFileSync(join(src, 'short/file'), 'hello\n', { mode: 0o755 });
    writeFileSync(join(src, 'short/sub/empty'), '');
    writeFileSync(join(src, 'short/caf\u00e9'), 'accent\n');
    writeFileSync(join(src, 'short/big'), Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) & 0xff)));
    writeFileSync(join(src, long), 'deep\n');
    symlinkSync('file', join(src, 'short/sym'));
    symlinkSync(`${'t'.repeat(150)}/target`, join(src, 'long-directory-name/longsym'));
    linkSync(join(src, 'short/file'), join(src, 'short/hard'));
    const sh = (cmd: string, args: string[]): void => {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    };
    sh('chown', ['-h', '-R', '1234:567', join(src, 'short/sub')]);
    // Whole seconds (pax would carry the sub-second part, which a float cannot hold to the ms).
    sh('find', [src, '-exec', 'touch', '-h', '-d', '@1700000000', '{}', '+']);
    const out = join(tmp, 'made');
    mkdirSync(out, { recursive: true });
    const list: { name: string; file: string }[] = [];
    for (const format of ['gnu', 'oldgnu', 'posix', 'ustar', 'v7']) {
      const file = join(out, `gnutar-${format}.tar`);
      // ustar and v7 cannot hold the long names: the short tree only.
      const what = format === 'ustar' || format === 'v7' ? ['short'] : ['short', 'long-directory-name'];
      sh('tar', [`--format=${format}`, '-C', src, '-cf', file, ...what]);
      list.push({ name: `GNU tar --format=${format}`, file });
    }
    for (const format of ['GNU_FORMAT', 'PAX_FORMAT', 'USTAR_FORMAT']) {
      const file = join(out, `python-${format}.tar`);
      const script = `import tarfile,sys\nwith tarfile.open(sys.argv[1], 'w', format=tarfile.${format}) as t:\n  for p in sys.argv[3:]: t.add(sys.argv[2] + '/' + p, arcname=p)\n`;
      sh(PYTHON!, ['-c', script, file, src, ...(format === 'USTAR_FORMAT' ? ['short'] : ['short', 'long-directory-name'])]);
      list.push({ name: `Python tarfile ${format}`, file });
    }
    made = list.map((l) => ({ name: l.name, tar: readFileSync(l.file) }));
    files = list.map((l) => l.file);
  });

  it('minidock reads them entry by entry as Go does, and Python and GNU tar agree', () => {
    const go = runOracle(gotar, [], files);
    const py = runOracle(PYTHON!, [join(ORACLES, 'pytar.py')], files);
    made.forEach((m, i) => {
      const ours = readWithMinidock(m.tar, 4096);
      expect(go[i]!.error, m.name).toBeNull();
      expect(ours.entries.length, m.name).toBeGreaterThanOrEqual(8);
      expect({ archive: m.name, ...ours }).toEqual({ archive: m.name, ...go[i]! });
      expect(sameAs(py[i]!, go[i]!), `${m.name}: python ${JSON.stringify(py[i])}`).toBe(true);
      expect(sameAs(gnuTar(files[i]!), asListed(go[i]!)), `${m.name}: gnu tar`).toBe(true);
    });
    // What the long names came through: GNU 'L'/'K' and pax records were exercised.
    const gnu = readWithMinidock(made[0]!.tar);
    expect(gnu.entries.some((e) => e.name.length > 100 && e.type === '0')).toBe(true);
    expect(gnu.entries.some((e) => e.linkname.length > 100 && e.type === '2')).toBe(true);
    expect(gnu.entries.find((e) => e.name === 'short/sub/')?.uid).toBe(1234);
  });

  it('a sparse file made by GNU tar (pax GNU.sparse 1.0) is refused, not unpacked with its map as content', () => {
    const dir = join(tmp, 'sparse');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, 'holes');
    writeFileSync(f, '');
    spawnSync('truncate', ['-s', '8M', f]);
    const fd = openSync(f, 'r+');
    writeSync(fd, 'data in the middle', 0, 'utf8');
    writeSync(fd, 'and at the end', 8 * 1024 * 1024 - 14, 'utf8');
    closeSync(fd);
    const tarFile = join(dir, 'sparse.tar');
    const r = spawnSync('tar', ['--format=posix', '--sparse', '-C', dir, '-cf', tarFile, 'holes'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const tar = readFileSync(tarFile);
    expect(tar.includes('GNU.sparse.major')).toBe(true);
    const [go] = runOracle(gotar, [], [tarFile]);
    expect(go!.entries.map((e) => [e.name, e.size])).toEqual([['holes', 8 << 20]]);
    expect(readWithMinidock(tar).error).toMatch(/sparse file "holes" \(pax GNU\.sparse\) is not supported/);
  });
});
