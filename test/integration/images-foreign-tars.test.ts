// `import` and `load` of archives made by other tools (issue 18: the tar reader was only fed
// the project's own writer): a root filesystem packed by GNU tar (pax and GNU formats, long
// names, links), and a `save` archive unpacked and packed again by GNU tar and by Python's
// tarfile, loaded into a fresh store: the same image, the same tree.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mdIn } from '../helpers/registry.js';

const dirs: string[] = [];
const fresh = (what: string): string => {
  const d = mkdtempSync(join(tmpdir(), `mdtest-foreign-${what}-`));
  dirs.push(d);
  return d;
};
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import tarfile'], { stdio: 'ignore' }).status === 0);

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const long = `${'a-long-directory/'.repeat(8)}${'n'.repeat(80)}`;

function rootfs(): string {
  const src = fresh('rootfs');
  mkdirSync(join(src, 'etc'), { recursive: true });
  mkdirSync(join(src, long.slice(0, long.lastIndexOf('/'))), { recursive: true });
  writeFileSync(join(src, 'etc/hostname'), 'foreign\n');
  writeFileSync(join(src, long), 'deep\n', { mode: 0o750 });
  symlinkSync(`/${long}`, join(src, 'etc/longlink'));
  linkSync(join(src, 'etc/hostname'), join(src, 'etc/hard'));
  return src;
}

function checkTree(root: string, image: string): void {
  const inspect = mdIn(root, ['image', 'inspect', image]);
  expect(inspect.code, inspect.stderr).toBe(0);
  const diffId: string = JSON.parse(inspect.stdout)[0].RootFS.Layers[0];
  const tree = join(root, 'images/layers', diffId.slice(7), 'diff');
  expect(readFileSync(join(tree, 'etc/hostname'), 'utf8')).toBe('foreign\n');
  expect(readFileSync(join(tree, long), 'utf8')).toBe('deep\n');
  expect(statSync(join(tree, long)).mode & 0o777).toBe(0o750);
  expect(readlinkSync(join(tree, 'etc/longlink'))).toBe(`/${long}`);
  expect(statSync(join(tree, 'etc/hard')).ino).toBe(statSync(join(tree, 'etc/hostname')).ino);
}

describe('archives made by GNU tar and Python tarfile', () => {
  it('import of a root filesystem packed by GNU tar (pax and GNU formats)', () => {
    const src = rootfs();
    for (const format of ['posix', 'gnu']) {
      const file = join(fresh('tar'), 'rootfs.tar');
      sh('tar', [`--format=${format}`, '-C', src, '-cf', file, '.']);
      const root = fresh('root');
      const r = mdIn(root, ['import', file, `foreign:${format}`]);
      expect(r.code, r.stderr).toBe(0);
      checkTree(root, `foreign:${format}`);
    }
  });

  it('load of a save archive packed again by GNU tar and by Python tarfile: the same image', () => {
    const src = rootfs();
    const rootfsTar = join(fresh('tar'), 'rootfs.tar');
    sh('tar', ['--format=posix', '-C', src, '-cf', rootfsTar, '.']);
    const root = fresh('root');
    expect(mdIn(root, ['import', rootfsTar, 'foreign:1']).code).toBe(0);
    const id: string = JSON.parse(mdIn(root, ['image', 'inspect', 'foreign:1']).stdout)[0].Id;
    const saved = join(fresh('save'), 'saved.tar');
    expect(mdIn(root, ['save', '-o', saved, 'foreign:1']).code).toBe(0);
    const unpacked = fresh('unpacked');
    sh('tar', ['-C', unpacked, '-xf', saved]);
    const repacked: string[] = [];
    for (const format of ['gnu', 'posix', 'oldgnu']) {
      const f = join(fresh('re'), `gnutar-${format}.tar`);
      sh('tar', [`--format=${format}`, '-C', unpacked, '-cf', f, '.']);
      repacked.push(f);
    }
    if (!PYTHON) throw new Error('python3 with tarfile is needed for this test');
    for (const format of ['PAX_FORMAT', 'GNU_FORMAT']) {
      const f = join(fresh('re'), `python-${format}.tar`);
      sh(PYTHON, ['-c', `import tarfile,sys\nwith tarfile.open(sys.argv[1], 'w', format=tarfile.${format}) as t: t.add(sys.argv[2], arcname='.')`, f, unpacked]);
      repacked.push(f);
    }
    for (const f of repacked) {
      const other = fresh('root');
      const l = mdIn(other, ['load', '-i', f]);
      expect(l.code, `${f}: ${l.stderr}`).toBe(0);
      expect(l.stdout).toMatch(/Loaded image: foreign:1/);
      expect(JSON.parse(mdIn(other, ['image', 'inspect', 'foreign:1']).stdout)[0].Id).toBe(id);
      checkTree(other, 'foreign:1');
    }
  });
});
