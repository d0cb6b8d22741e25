// tag, rmi, image prune, save/load (docker save and OCI archives), import — with images pulled
// from a real registry on 127.0.0.1 and containers made by the real CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Minidock } from '../helpers/cli.js';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';
import {
  buildLayout,
  busyboxEntries,
  mdIn,
  push,
  sha256,
  startRegistry,
  type BuiltLayout,
  type Registry,
} from '../helpers/registry.js';

let reg: Registry;
let md: Minidock;
const tmp = mkdtempSync(join(tmpdir(), 'mdtest-imgstore-'));
const roots: string[] = [];
const layouts: BuiltLayout[] = [];
let A: BuiltLayout; // base + a
let B: BuiltLayout; // base + b (shares the base layer with A)
let refA: string;
let refB: string;

const base: TarEntry[] = [...busyboxEntries(), { path: 'etc', type: 'dir' }, { path: 'etc/base', type: 'file', data: 'base\n' }];

function freshRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'mdtest-img-'));
  roots.push(r);
  return r;
}

const layers = (root: string): string[] => {
  try {
    return readdirSync(join(root, 'images/layers')).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
};
const hexes = (ds: string[]): string[] => ds.map((d) => d.slice(7)).sort();
const md1 = (args: string[], input?: string | Buffer) => mdIn(md.root, args, input !== undefined ? { input } : {});

/** A tar of a directory's files (for OCI layout archives), built with the project's tar writer. */
function tarDir(dir: string, rel = ''): TarEntry[] {
  const out: TarEntry[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const full = join(dir, p);
    if (spawnSync('test', ['-d', full]).status === 0) {
      out.push({ path: p, type: 'dir' });
      out.push(...tarDir(dir, p));
    } else out.push({ path: p, type: 'file', data: readFileSync(full) });
  }
  return out;
}

describe('images in the store', () => {
  beforeAll(async () => {
    reg = await startRegistry();
    md = new Minidock();
    A = buildLayout('1', { layers: [{ entries: base }, { entries: [{ path: 'a', type: 'file', data: 'a\n' }] }], config: { Env: ['PATH=/bin'], Cmd: ['cat', '/a'] } });
    B = buildLayout('1', { layers: [{ entries: base }, { entries: [{ path: 'b', type: 'file', data: 'b\n' }] }], config: { Env: ['PATH=/bin'], Cmd: ['cat', '/b'] } });
    layouts.push(A, B);
    refA = `${reg.host}/a:1`;
    refB = `${reg.host}/b:1`;
    push(A, '1', refA);
    push(B, '1', refB);
  });

  afterAll(async () => {
    md?.cleanup();
    await reg?.stop();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    for (const l of layouts) rmSync(l.dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('shares layers between images; tag adds a reference; rmi untags, then deletes and collects unused layers', () => {
    expect(md1(['pull', '-q', refA]).code).toBe(0);
    expect(md1(['pull', '-q', refB]).code).toBe(0);
    const a = A.images[0]!;
    const b = B.images[0]!;
    expect(a.diffIds[0]).toBe(b.diffIds[0]);
    expect(layers(md.root)).toEqual(hexes([...new Set([...a.diffIds, ...b.diffIds])]));

    expect(md1(['tag', refA, 'mine/a:v2']).code).toBe(0);
    const listed = md1(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']).stdout.trim().split('\n').sort();
    expect(listed).toEqual([`${reg.host}/a:1 ${a.id.slice(7, 19)}`, `${reg.host}/b:1 ${b.id.slice(7, 19)}`, `mine/a:v2 ${a.id.slice(7, 19)}`].sort());
    expect(md1(['images', 'mine/a']).stdout).toContain('v2');
    expect(md1(['image', 'ls', '-q']).stdout.trim().split('\n')).toHaveLength(2);

    // by id while two repositories refer to it: refused without -f
    const byId = md1(['rmi', a.id.slice(7, 19)]);
    expect(byId.code).toBe(1);
    expect(byId.stderr).toMatch(/image is referenced in multiple repositories/);

    expect(md1(['rmi', 'mine/a:v2'])).toMatchObject({ code: 0, stdout: 'Untagged: mine/a:v2\n' });
    const gone = md1(['rmi', refA]);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toContain(`Untagged: ${refA}\nUntagged: ${reg.host}/a@${A.digest}\nDeleted: ${a.id}\n`);
    expect(gone.stdout).toContain(`Deleted: ${a.diffIds[1]}`);
    // the shared base stays for b; a's own layer and blobs are gone
    expect(layers(md.root)).toEqual(hexes(b.diffIds));
    expect(existsSync(join(md.root, 'images/blobs/sha256', a.id.slice(7)))).toBe(false);
    expect(existsSync(join(md.root, 'images/blobs/sha256', a.layerDigests[1]!.slice(7)))).toBe(false);
    expect(existsSync(join(md.root, 'images/blobs/sha256', a.layerDigests[0]!.slice(7)))).toBe(true);

    const missing = md1(['rmi', 'nope:1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such image: nope:1/);
  });

  it('rmi is refused while a container uses the image; -f untags; layers stay while the container needs them', () => {
    const b = B.images[0]!;
    const id = md.ok(['create', '--network', 'none', refB]);
    const r = md1(['rmi', refB]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`conflict: unable to remove repository reference "${refB}" \\(must force\\) - container ${id.slice(0, 12)} is using its referenced image ${b.id.slice(7, 19)}`));
    const byId = md1(['rmi', b.id.slice(7)]);
    expect(byId.code).toBe(1);
    expect(byId.stderr).toMatch(/must be forced\) - image is being used by stopped container/);

    const f = md1(['rmi', '-f', refB]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain(`Untagged: ${refB}`);
    expect(md1(['images', '-q']).stdout).toBe('');
    expect(layers(md.root)).toEqual(hexes(b.diffIds)); // the container still uses them
    // The untagged image still runs: its layers stayed. (minidock has no `start -a`; the
    // old `if (start -a succeeded) expect(…)` never ran.)
    md.ok(['start', id]);
    expect(md.ok(['wait', id])).toBe('0');
    expect(md.ok(['logs', id])).toBe('b');
    md.ok(['rm', '-f', id]);
    const p = md1(['image', 'prune', '-a', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(layers(md.root)).toEqual([]);
  });

  it('rmi -f cannot remove an image a running container uses', () => {
    expect(md1(['pull', '-q', refA]).code).toBe(0);
    const a = A.images[0]!;
    const id = md.ok(['run', '-d', '--network', 'none', refA, 'sleep', '30']);
    try {
      const r = md1(['rmi', '-f', a.id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\(cannot be forced\) - image is being used by running container/);
    } finally {
      md.ok(['rm', '-f', id]);
    }
  });

  it('image prune removes dangling images (after confirmation, or -f); -a removes every unused image', () => {
    const root = freshRoot();
    const rootfs = (text: string) => {
      const f = join(tmp, `rootfs-${text}.tar`);
      writeFileSync(f, buildTar([{ path: 'hello', type: 'file', data: `${text}\n` }]));
      return f;
    };
    const first = mdIn(root, ['import', rootfs('one'), 'imp:1']).stdout.trim();
    const second = mdIn(root, ['import', rootfs('two'), 'imp:1']).stdout.trim();
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second).not.toBe(first);
    expect(mdIn(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.trim().split('\n').sort()).toEqual(['<none>:<none>', 'imp:1']);
    expect(mdIn(root, ['images', '-f', 'dangling=true', '-q', '--no-trunc']).stdout.trim()).toBe(first);

    const no = mdIn(root, ['image', 'prune'], { input: 'n\n' });
    expect(no.stdout).toContain('WARNING! This will remove all dangling images.');
    expect(mdIn(root, ['images', '-q']).stdout.trim().split('\n')).toHaveLength(2);

    const yes = mdIn(root, ['image', 'prune'], { input: 'y\n' });
    expect(yes.stdout).toContain(`Deleted Images:\ndeleted: ${first}\n`);
    expect(yes.stdout).toMatch(/Total reclaimed space: \d/);
    expect(mdIn(root, ['images', '-q', '--no-trunc']).stdout.trim()).toBe(second);

    const all = mdIn(root, ['image', 'prune', '-a', '-f']);
    expect(all.stdout).toContain(`untagged: imp:1\ndeleted: ${second}\n`);
    expect(mdIn(root, ['images', '-q']).stdout).toBe('');
    expect(layers(root)).toEqual([]);
    expect(readdirSync(join(root, 'images/blobs/sha256'))).toEqual([]);
  });

  it('save then load into a fresh root gives the same image (id, layers, manifest digest); skopeo reads the archive', () => {
    const root = freshRoot();
    expect(mdIn(root, ['pull', '-q', refA]).code).toBe(0);
    const file = join(tmp, 'a.tar');
    const s = mdIn(root, ['save', '-o', file, refA]);
    expect(s.code, s.stderr).toBe(0);
    const names = spawnSync('tar', ['-tf', file], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['manifest.json', 'index.json', 'oci-layout', 'repositories', `blobs/sha256/${A.images[0]!.id.slice(7)}`]));
    const manifestJson = JSON.parse(spawnSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' }).stdout);
    expect(manifestJson).toEqual([
      { Config: `blobs/sha256/${A.images[0]!.id.slice(7)}`, RepoTags: [refA], Layers: A.images[0]!.layerDigests.map((d) => `blobs/sha256/${d.slice(7)}`) },
    ]);
    // Independent readers: skopeo's docker-archive (docker save) and oci-archive transports.
    const sk = spawnSync('skopeo', ['--insecure-policy', 'inspect', '--config', `docker-archive:${file}`], { encoding: 'utf8' });
    expect(sk.status, sk.stderr).toBe(0);
    expect(JSON.parse(sk.stdout).rootfs.diff_ids).toEqual(A.images[0]!.diffIds);
    const oci = spawnSync('skopeo', ['--insecure-policy', 'copy', '--quiet', `oci-archive:${file}`, `dir:${join(tmp, 'oci-out')}`], { encoding: 'utf8' });
    expect(oci.status, oci.stderr).toBe(0);

    const fresh = freshRoot();
    const l = mdIn(fresh, ['load', '-i', file]);
    expect(l).toMatchObject({ code: 0, stdout: `Loaded image: ${refA}\n` });
    const before = JSON.parse(mdIn(root, ['image', 'inspect', refA]).stdout)[0];
    const after = JSON.parse(mdIn(fresh, ['image', 'inspect', refA]).stdout)[0];
    expect(after.Id).toBe(before.Id);
    expect(after.RootFS).toEqual(before.RootFS);
    expect(after.Descriptor.digest).toBe(A.digest);

    // gzipped, from stdin, into another root; and the loaded image runs
    const gz = gzipSync(readFileSync(file));
    const l2 = mdIn(md.root, ['load'], { input: gz });
    expect(l2).toMatchObject({ code: 0, stdout: `Loaded image: ${refA}\n` });
    expect(md.run(['run', '--rm', '--network', 'none', refA]).stdout).toBe('a\n');
  });

  it('loads an OCI image layout archive (named or not) and verifies its blobs', () => {
    const root = freshRoot();
    const plain = join(tmp, 'layout.tar');
    writeFileSync(plain, buildTar(tarDir(B.dir)));
    const r = mdIn(root, ['load', '-i', plain]);
    expect(r).toMatchObject({ code: 0, stdout: `Loaded image ID: ${B.images[0]!.id}\n` });

    // Named by io.containerd.image.name
    const named = join(tmp, 'named');
    spawnSync('cp', ['-r', B.dir, named]);
    const idx = JSON.parse(readFileSync(join(named, 'index.json'), 'utf8'));
    idx.manifests[0].annotations['io.containerd.image.name'] = 'docker.io/library/bee:2';
    writeFileSync(join(named, 'index.json'), JSON.stringify(idx));
    const r2 = mdIn(root, ['load'], { input: buildTar(tarDir(named)) });
    expect(r2).toMatchObject({ code: 0, stdout: 'Loaded image: bee:2\n' });

    // A blob that does not match its digest is refused
    const bad = join(tmp, 'bad');
    spawnSync('cp', ['-r', B.dir, bad]);
    const blob = join(bad, 'blobs/sha256', B.images[0]!.layerDigests[1]!.slice(7));
    writeFileSync(blob, gzipSync(buildTar([{ path: 'b', type: 'file', data: 'evil\n' }])));
    const fresh = freshRoot();
    const r3 = mdIn(fresh, ['load'], { input: buildTar(tarDir(bad)) });
    expect(r3.code).toBe(125);
    expect(r3.stderr).toMatch(/digest mismatch/);
    expect(mdIn(fresh, ['images', '-q']).stdout).toBe('');
  });

  it('loads an old-style docker save archive (layer.tar directories, a symlinked duplicate) and refuses ../ entries', () => {
    const root = freshRoot();
    const l1 = buildTar([{ path: 'one', type: 'file', data: '1\n' }]);
    const l2 = buildTar([{ path: 'two', type: 'file', data: '2\n' }]);
    const diffIds = [sha256(l1), sha256(l2), sha256(l1)];
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['true'] }, rootfs: { type: 'layers', diff_ids: diffIds }, created: '2020-01-01T00:00:00Z' });
    const cfgName = `${sha256(config).slice(7)}.json`;
    const archive = buildTar([
      { path: 'aaa', type: 'dir' },
      { path: 'aaa/layer.tar', type: 'file', data: l1 },
      { path: 'aaa/VERSION', type: 'file', data: '1.0' },
      { path: 'bbb', type: 'dir' },
      { path: 'bbb/layer.tar', type: 'file', data: l2 },
      { path: 'ccc', type: 'dir' },
      { path: 'ccc/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
      { path: cfgName, type: 'file', data: config },
      { path: 'manifest.json', type: 'file', data: JSON.stringify([{ Config: cfgName, RepoTags: ['old:style'], Layers: ['aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar'] }]) },
      { path: 'repositories', type: 'file', data: JSON.stringify({ old: { style: 'ccc' } }) },
    ]);
    const r = mdIn(root, ['load'], { input: archive });
    expect(r).toMatchObject({ code: 0, stdout: 'Loaded image: old:style\n' });
    expect(JSON.parse(mdIn(root, ['image', 'inspect', 'old:style']).stdout)[0].Id).toBe(sha256(config));

    const evil = buildTar([{ path: '../../evil-load', type: 'file', data: 'x' }, { path: 'manifest.json', type: 'file', data: '[]' }]);
    const r2 = mdIn(root, ['load'], { input: evil });
    expect(r2.code).toBe(125);
    expect(r2.stderr).toMatch(/points outside the archive/);
  });

  it('import makes a one-layer image from a rootfs tarball (file or stdin, gzipped), with -c changes', () => {
    const tarball = join(tmp, 'rootfs.tar.gz');
    writeFileSync(tarball, gzipSync(buildTar([...busyboxEntries(), { path: 'hello', type: 'file', data: 'imported\n' }])));
    const id = md1(['import', '-c', 'CMD ["cat", "/hello"]', '-c', 'ENV GREETING=hi', '-c', 'WORKDIR /bin', '-m', 'from a test', tarball, 'imported:1']);
    expect(id.code, id.stderr).toBe(0);
    const img = JSON.parse(md1(['image', 'inspect', 'imported:1']).stdout)[0];
    expect(img.Id).toBe(id.stdout.trim());
    // (image inspect's Config is Docker's whole container config: the rest of it empty)
    expect(img.Config).toMatchObject({ Cmd: ['cat', '/hello'], Env: ['GREETING=hi'], WorkingDir: '/bin', Entrypoint: null, User: '' });
    expect(img.Comment).toBe('from a test');
    expect(md.run(['run', '--rm', '--network', 'none', 'imported:1'])).toMatchObject({ code: 0, stdout: 'imported\n' });
    const fromStdin = md1(['import', '-', 'imported:2'], readFileSync(tarball));
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(JSON.parse(md1(['image', 'inspect', 'imported:2']).stdout)[0].RootFS).toEqual(img.RootFS);
  });
});
