// A hostile registry cannot make a pull write without bound, and a layer that fails its digest
// or diffID leaves nothing behind (issue 11, "unpack before verify"). Images are pushed to the
// real test registry (Debian's docker-registry on loopback); a lying blob comes through the
// tampering proxy of test/helpers/registry.ts, which swaps a blob's whole body for another.
// Pulls run the bundled CLI, so layers are unpacked by its worker threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTar } from '../../src/engine/image/tarwriter.js';
import { buildLayout, haveRegistry, mdAsync, mdIn, push, startProxy, startRegistry, type BuiltLayout, type Registry } from '../helpers/registry.js';

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let reg: Registry;
const roots: string[] = [];
const layouts: BuiltLayout[] = [];
const stops: (() => Promise<void>)[] = [];

function freshRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'mdtest-hostile-'));
  roots.push(r);
  return r;
}

const list = (root: string, d: string): string[] => (existsSync(join(root, d)) ? readdirSync(join(root, d)) : []);

/** Nothing of a refused pull: no image, no layer or blob of the refused layer, no temporary file. */
function nothingLeft(root: string, layer: { digest: string; diffIds: string[] }): void {
  expect(mdIn(root, ['images', '-q']).stdout).toBe('');
  expect(list(root, 'images/blobs/sha256')).not.toContain(layer.digest.slice(7));
  for (const d of layer.diffIds) expect(list(root, 'images/layers')).not.toContain(d.slice(7));
  expect(list(root, 'images/layers').filter((n) => n.startsWith('.tmp'))).toEqual([]);
  expect(list(root, 'images/blobs/sha256').filter((n) => n.startsWith('.tmp'))).toEqual([]);
  const repos = join(root, 'images/repositories.json');
  if (existsSync(repos)) expect(readFileSync(repos, 'utf8')).not.toMatch(/bomb|liar|diffid/);
}

/** Rewrites the image config of a one-image layout (and so its manifest and index). */
function rewriteConfig(layout: BuiltLayout, edit: (cfg: { rootfs: { diff_ids: string[] } }) => void): string {
  const blob = (d: string): string => join(layout.dir, 'blobs/sha256', d.slice(7));
  const index = JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  const cfg = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));
  edit(cfg);
  const cfgBytes = Buffer.from(JSON.stringify(cfg));
  writeFileSync(blob(sha256(cfgBytes)), cfgBytes);
  manifest.config = { ...manifest.config, digest: sha256(cfgBytes), size: cfgBytes.length };
  const mBytes = Buffer.from(JSON.stringify(manifest));
  writeFileSync(blob(sha256(mBytes)), mBytes);
  index.manifests[0] = { ...index.manifests[0], digest: sha256(mBytes), size: mBytes.length };
  writeFileSync(join(layout.dir, 'index.json'), JSON.stringify(index));
  return sha256(mBytes);
}

const BOMB_MIB = 96;
const zerosTar = (): Buffer => buildTar([{ path: 'zeros', type: 'file', mode: 0o644, data: Buffer.alloc(BOMB_MIB << 20) }]);

describe('a hostile registry', () => {
  beforeAll(async () => {
    // No silent skip: scripts/test.sh installs both; without them this fails, naming them.
    if (!haveRegistry) throw new Error('needs /usr/bin/docker-registry and skopeo (scripts/test.sh installs them)');
    reg = await startRegistry();
    stops.push(() => reg.stop());
  });

  afterAll(async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    for (const r of roots) rmSync(r, { recursive: true, force: true });
    for (const l of layouts) rmSync(l.dir, { recursive: true, force: true });
  });

  it('a digest-pinned pull of a gzip bomb is refused at the bound (one line, 125), leaves nothing; a raised MINIDOCK_LAYER_MAX_RATIO pulls it', async () => {
    const bomb = buildLayout('1', { layers: [{ entries: [{ path: 'small', type: 'file', data: 'small\n' }] }, { entries: [{ path: 'zeros', type: 'file', mode: 0o644, data: Buffer.alloc(BOMB_MIB << 20) }] }] });
    layouts.push(bomb);
    push(bomb, '1', `${reg.host}/bomb:1`);
    const img = bomb.images[0]!;
    const blobSize = readFileSync(join(bomb.dir, 'blobs/sha256', img.layerDigests[1]!.slice(7))).length;
    expect(blobSize).toBeLessThan(1 << 20); // 96 MiB in well under 1 MiB: the bound is the 64 MiB floor
    const root = freshRoot();
    const r = mdIn(root, ['pull', `${reg.host}/bomb@${bomb.digest}`]);
    expect(r.code).toBe(125);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^minidock: invalid layer: layer ${img.layerDigests[1]} of ${reg.host.replace(/\./g, '\\.')}/bomb: it expands to more than 64 MiB \\(100x its 0\\.\\d MiB compressed, at least 64 MiB\\); refused before its digest could be checked \\(MINIDOCK_LAYER_MAX_RATIO raises the ratio\\)$`),
    );
    nothingLeft(root, { digest: img.layerDigests[1]!, diffIds: [img.diffIds[1]!] });
    const ok = mdIn(root, ['pull', `${reg.host}/bomb@${bomb.digest}`], { env: { MINIDOCK_LAYER_MAX_RATIO: '100000' } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(list(root, 'images/layers')).toContain(img.diffIds[1]!.slice(7));
    const bad = mdIn(freshRoot(), ['pull', `${reg.host}/bomb@${bomb.digest}`], { env: { MINIDOCK_LAYER_MAX_RATIO: 'lots' } });
    expect(bad.code).toBe(125);
    expect(bad.stderr.trim().split('\n').at(-1)).toMatch(/^minidock: MINIDOCK_LAYER_MAX_RATIO must be a number of at least 1/);
  });

  it('a lying registry that sends a gzip bomb for a small layer: refused at the bound, nothing left', async () => {
    const honest = buildTar([{ path: 'payload', type: 'file', data: randomBytes(200 << 10) }]);
    const liar = buildLayout('1', { layers: [{ compress: 'none', entries: [{ path: 'payload', type: 'file', data: honest.subarray(512, 512 + (200 << 10)) }] }] });
    layouts.push(liar);
    push(liar, '1', `${reg.host}/liar:1`);
    const img = liar.images[0]!;
    const real = readFileSync(join(liar.dir, 'blobs/sha256', img.layerDigests[0]!.slice(7)));
    const gz = gzipSync(zerosTar());
    expect(gz.length).toBeLessThan(real.length);
    const lie = Buffer.concat([gz, Buffer.alloc(real.length - gz.length)]); // same length: the byte count passes
    const px = await startProxy(reg.port, { auth: 'none', tamper: { path: new RegExp(img.layerDigests[0]!), from: real, to: lie } });
    stops.push(() => px.stop());
    const root = freshRoot();
    const r = await mdAsync(root, ['pull', `${px.host}/liar:1`]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^minidock: invalid layer: layer sha256:[0-9a-f]{64} of .*: it expands to more than 64 MiB .*refused before its digest could be checked/);
    nothingLeft(root, { digest: img.layerDigests[0]!, diffIds: [img.diffIds[0]!, sha256(zerosTar())] });
  });

  it("a layer that does not match the config's diff_id (a digest-pinned manifest): refused, nothing of it and no image stays", async () => {
    const layout = buildLayout('1', {
      layers: [{ entries: [{ path: 'first', type: 'file', data: 'first\n' }] }, { entries: [{ path: 'second', type: 'file', data: 'the real content\n' }] }],
    });
    layouts.push(layout);
    const claimed = sha256('what the config claims');
    const digest = rewriteConfig(layout, (cfg) => {
      cfg.rootfs.diff_ids[1] = claimed;
    });
    push(layout, '1', `${reg.host}/diffid:1`);
    const img = layout.images[0]!;
    const root = freshRoot();
    const r = mdIn(root, ['pull', `${reg.host}/diffid@${digest}`]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `minidock: layer ${img.layerDigests[1]} of ${reg.host}/diffid: its uncompressed content does not match the image config's diff_id (diffID mismatch: expected ${claimed}, got ${img.diffIds[1]}); nothing was stored`,
    );
    nothingLeft(root, { digest: img.layerDigests[1]!, diffIds: [claimed, img.diffIds[1]!] });
  });
});
