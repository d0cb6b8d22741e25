// The in-root path walk of src/engine/container/rootfile.ts, on an in-memory tree: `..` clamped
// at the root, symlinks resolved inside it, the bounds on links and lookups, ENOTDIR/ENOENT as
// "absent", and every directory handle the tree hands out closed exactly once. Then the overlay
// merge of layer directories (plain temp dirs; opacity given by a stand-in for the xattr check;
// whiteouts and real xattrs: test/integration/sec-container-files.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InRootError as RootFileError, MAX_LINK_HOPS, components, resolveIn, type Entry, type Tree } from '../../src/engine/container/inroot.js';
import { layerFiles, readInLayers } from '../../src/engine/container/rootfile.js';

type N = { dir: Record<string, N> } | { link: string } | { file: string } | { fifo: true };
interface H {
  node: N;
  path: string;
  closed: boolean;
}

/** A tree over nested objects that counts its handles. */
class MemTree implements Tree<H, H> {
  readonly handles: H[] = [];
  lookups = 0;
  constructor(private readonly top: N) {}
  private handle(node: N, path: string): H {
    const h = { node, path, closed: false };
    this.handles.push(h);
    return h;
  }
  root(): H {
    return this.handle(this.top, '/');
  }
  lookup(dir: H, name: string): Entry<H, H> {
    this.lookups++;
    expect(dir.closed).toBe(false);
    expect(name).not.toMatch(/^\.\.?$|\//);
    const n = 'dir' in dir.node ? dir.node.dir[name] : undefined;
    if (!n) return { kind: 'absent' };
    const path = `${dir.path === '/' ? '' : dir.path}/${name}`;
    if ('dir' in n) return { kind: 'dir', dir: this.handle(n, path) };
    if ('link' in n) return { kind: 'link', target: n.link };
    return { kind: 'other', node: this.handle(n, path) };
  }
  close(dir: H): void {
    expect(dir.closed).toBe(false);
    dir.closed = true;
  }
  release(node: H): void {
    this.close(node);
  }
  /** Handles still open (the caller owns the one a result hands back). */
  open(): string[] {
    return this.handles.filter((h) => !h.closed).map((h) => h.path);
  }
}

const d = (dir: Record<string, N>): N => ({ dir });
const tree = () =>
  new MemTree(
    d({
      etc: d({
        passwd: { file: 'root:x:0:0::/:/bin/sh\n' },
        up: { link: '../../../../../../data/passwd' },
        abs: { link: '/data/passwd' },
        here: { link: 'passwd' },
        dangling: { link: '/nope' },
        empty: { link: '' },
        loop: { link: 'loop' },
        fifo: { fifo: true },
      }),
      data: d({ passwd: { file: 'app:x:777:777::/:/bin/sh\n' }, deep: d({ x: d({}) }) }),
      d: { link: '/data/deep/x' },
      shadow: { link: '/etc/passwd' },
    }),
  );

function resolve(t: MemTree, path: string, limits?: { hops: number; steps: number }): string {
  const r = resolveIn(t, path, limits);
  if (r.kind !== 'other') return r.kind;
  expect(t.open()).toEqual([r.node.path]); // only the result is left open
  t.release(r.node);
  return 'file' in r.node.node ? r.node.path : `${r.node.path} (fifo)`;
}

describe('rootfile walk', () => {
  it('splits paths into components without empty and "." ones', () => {
    expect(components('/etc//./passwd/')).toEqual(['etc', 'passwd']);
    expect(components('../a/../b')).toEqual(['..', 'a', '..', 'b']);
    expect(components('')).toEqual([]);
  });

  it('clamps ".." at the root, as a chroot does', () => {
    const t = tree();
    expect(resolve(t, '/../../etc/passwd')).toBe('/etc/passwd');
    expect(resolve(t, 'etc/../../../etc/./passwd')).toBe('/etc/passwd');
    expect(resolve(t, '/etc/up')).toBe('/data/passwd'); // a relative link climbing past the root
    expect(t.open()).toEqual([]);
  });

  it('resolves absolute links from the root of the tree, relative ones from their directory', () => {
    const t = tree();
    expect(resolve(t, '/etc/abs')).toBe('/data/passwd');
    expect(resolve(t, '/etc/here')).toBe('/etc/passwd');
    expect(resolve(t, '/shadow')).toBe('/etc/passwd');
    expect(t.open()).toEqual([]);
  });

  it('takes ".." after a symlinked directory from where the link led (the kernel\'s rule, not lexical)', () => {
    const t = tree();
    // /d -> /data/deep/x, so /d/../.. is /data, not /.
    expect(resolve(t, '/d/../../passwd')).toBe('/data/passwd');
    expect(resolve(t, '/d/..')).toBe('dir');
    expect(t.open()).toEqual([]);
  });

  it('reports absent for a missing name, a name under a file (ENOTDIR), a dangling or empty link', () => {
    const t = tree();
    for (const p of ['/nope', '/etc/nope/passwd', '/etc/passwd/x', '/etc/passwd/..', '/etc/dangling', '/etc/empty']) expect(resolve(t, p), p).toBe('absent');
    expect(t.open()).toEqual([]);
  });

  it('hands back a non-regular entry for the caller to refuse, and reports directories as such', () => {
    const t = tree();
    expect(resolve(t, '/etc/fifo')).toBe('/etc/fifo (fifo)');
    expect(resolve(t, '/etc')).toBe('dir');
    expect(resolve(t, '/')).toBe('dir');
    expect(t.open()).toEqual([]);
  });

  it('stops a link loop after MAX_LINK_HOPS links with a clear error, and closes everything', () => {
    const t = tree();
    expect(() => resolveIn(t, '/etc/loop')).toThrow(RootFileError);
    expect(() => resolveIn(t, '/etc/loop')).toThrow(/too many levels of symbolic links/);
    expect(t.open()).toEqual([]);
  });

  it('follows a chain of exactly MAX_LINK_HOPS links, not one more', () => {
    const chain = (n: number) => {
      const dir: Record<string, N> = { target: { file: 'x' } };
      for (let i = 0; i < n; i++) dir[`l${i}`] = { link: i === n - 1 ? 'target' : `l${i + 1}` };
      return new MemTree(d(dir));
    };
    expect(resolve(chain(MAX_LINK_HOPS), '/l0')).toBe('/target');
    const t = chain(MAX_LINK_HOPS + 1);
    expect(() => resolveIn(t, '/l0')).toThrow(/too many levels of symbolic links/);
    expect(t.open()).toEqual([]);
  });

  it('bounds the number of lookups, whatever the links expand to', () => {
    // Each hop doubles the path: a/a → a/a/a/a → …; 40 hops would mean 2^40 lookups.
    const t = new MemTree(d({ a: { link: '/a/a' } }));
    expect(() => resolveIn(t, '/a', { hops: 1000, steps: 64 })).toThrow(/too many path components/);
    expect(t.lookups).toBe(64);
    expect(t.open()).toEqual([]);
    // ".." costs no lookup (it only goes back), so it cannot be used to spend the budget.
    const t2 = tree();
    expect(resolve(t2, `${'/..'.repeat(500)}/etc/passwd`, { hops: 40, steps: 4 })).toBe('/etc/passwd');
  });
});

describe('layer merge', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mdtest-layers-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const layer = (name: string, files: Record<string, string | null>) => {
    const root = join(tmp, name);
    for (const [p, data] of Object.entries(files)) {
      mkdirSync(join(root, data === null ? p : join(p, '..')), { recursive: true });
      if (data !== null) writeFileSync(join(root, p), data);
    }
    return root;
  };
  const low = layer('low', { 'etc/passwd': 'low\n', 'etc/group': 'g\n' });
  const mid = layer('mid', { etc: null, 'etc/motd': 'm\n' });

  it('a directory in an upper layer merges with the lower one, unless it is opaque (checked once per directory)', () => {
    let checks = 0;
    const merged = layerFiles([mid, low], (fds) => (checks++, fds.map(() => false)));
    expect([merged.read('/etc/passwd'), merged.read('/etc/group'), merged.read('/etc/motd')]).toEqual(['low\n', 'g\n', 'm\n']);
    merged.close();
    expect(checks).toBe(1);
    const opaque = layerFiles([mid, low], (fds) => fds.map(() => true));
    expect([opaque.read('/etc/passwd'), opaque.read('/etc/motd')]).toEqual([undefined, 'm\n']);
    opaque.close();
  });

  it('the top-most entry wins; a non-directory under a directory ends the merge', () => {
    const top = layer('top', { 'etc/passwd': 'top\n' });
    const blocker = join(layer('blocker', { 'x/etc': 'a file\n' }), 'x');
    const plain = (fds: number[]) => fds.map(() => false);
    expect(readInLayers([top, mid, low], '/etc/passwd', undefined, plain)).toBe('top\n');
    // /etc is a file in the middle layer: the bottom layer's /etc is not reached.
    expect(readInLayers([mid, blocker, low], '/etc/passwd', undefined, plain)).toBeUndefined();
    expect(readInLayers([blocker, low], '/etc/passwd', undefined, plain)).toBeUndefined();
    expect(readInLayers([blocker, low], '/etc', undefined, plain)).toBe('a file\n');
  });

  it('opens nothing until a file is read', () => {
    const f = layerFiles([join(tmp, 'does-not-exist')]);
    f.close();
    expect(() => layerFiles([join(tmp, 'does-not-exist')]).read('/etc/passwd')).toThrow(RootFileError);
  });
});
