#!/usr/bin/env node
// Pull benchmark (issue 5; not a test): a multi-layer image from a local docker-registry.
//   1. wall time of `minidock pull` (fresh store each time: download, verify, unpack) beside
//      `skopeo copy docker://… dir:…` of the same image (download and verify only); target ≤ 1.0×
//      and, where bench/run.mjs started its own dockerd (--docker), `docker pull` of the same
//      image from the same registry (download, verify, unpack: like work), image removed between
//   2. disk used by 10 containers of one image: one copy of the layers plus their changes
// Prints medians. Needs root, docker-registry and skopeo (scripts/install.sh installs them).
//   node bench/pull.mjs            BENCH_PULL_RUNS=5 by default
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'bin', 'minidock');
const RUNS = Number(process.env.BENCH_PULL_RUNS || 5);
const LAYERS = Number(process.env.BENCH_PULL_LAYERS || 6);
const work = mkdtempSync(join(tmpdir(), 'mdbench-pull-'));

if (!existsSync('/usr/bin/docker-registry') || spawnSync('skopeo', ['--version']).status !== 0) {
  console.log('pull bench: docker-registry and skopeo are needed (apt-get install docker-registry skopeo): skipped');
  process.exit(0);
}

const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
const du = (p) => Number(execFileSync('du', ['-sxk', p]).toString().split(/\s/)[0]) * 1024;
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

let registry;
const cleanups = [];
try {
  // --- a registry on loopback
  const port = await freePort();
  writeFileSync(
    join(work, 'registry.yml'),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${work}/registry\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'registry.yml')], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/v2/`);
      break;
    } catch {
      if (i > 200) throw new Error('docker-registry did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // --- an image: busybox in the first layer, then LAYERS-1 layers of files (half random, half text)
  const layout = join(work, 'oci');
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  const blob = (buf) => {
    const d = sha256(buf);
    writeFileSync(join(layout, 'blobs/sha256', d.slice(7)), buf);
    return { digest: d, size: buf.length };
  };
  const tarOf = (dir) => execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', dir, '-cf', '-', '.'], { maxBuffer: 1 << 30 });
  const diffIds = [];
  const layers = [];
  for (let l = 0; l < LAYERS; l++) {
    const dir = join(work, `layer${l}`);
    mkdirSync(dir, { recursive: true });
    if (l === 0) {
      mkdirSync(join(dir, 'bin'));
      execFileSync('cp', ['/bin/busybox', join(dir, 'bin/busybox')]);
      for (const a of ['sh', 'dd', 'true', 'cat']) execFileSync('ln', ['-s', 'busybox', join(dir, 'bin', a)]);
    } else {
      const d = join(dir, `data${l}`);
      mkdirSync(d);
      for (let f = 0; f < 150; f++) {
        const text = Buffer.from(`layer ${l} file ${f} `.repeat(1500));
        writeFileSync(join(d, `f${f}`), Buffer.concat([randomBytes(30_000), text]));
      }
    }
    const tar = tarOf(dir);
    diffIds.push(sha256(tar));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(gzipSync(tar)) });
  }
  const config = JSON.stringify({ architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } });
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...blob(Buffer.from(config)) }, layers });
  const m = blob(Buffer.from(manifest));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': '1' } }] }));
  const ref = `127.0.0.1:${port}/bench:1`;
  execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${ref}`]);
  const compressed = layers.reduce((n, l) => n + l.size, 0);
  console.log(`\n# pull (issue 5): ${LAYERS} layers, ${mb(compressed)} compressed, from docker-registry on 127.0.0.1`);

  const time = (cmd, args, env = process.env) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const skopeo = [];
  const skopeoTar = [];
  const pull = [];
  const dpull = [];
  const docker = process.env.BENCH_DOCKER === '1';
  for (let i = 0; i < RUNS + 1; i++) {
    if (docker) {
      spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' }); // fresh each time, as minidock's store
      const d = time('docker', ['pull', '-q', ref]);
      if (i > 0) dpull.push(d);
    }
    const dest = join(work, `skopeo-${i}`);
    const s = time('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `dir:${dest}`]);
    rmSync(dest, { recursive: true, force: true });
    // The same plus unpacking (what a pull into a store does): skopeo, then tar -xzf per layer.
    const t0 = process.hrtime.bigint();
    time('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `dir:${dest}`]);
    for (const l of layers) {
      const out = join(dest, 'x', l.digest.slice(7));
      mkdirSync(out, { recursive: true });
      time('tar', ['-xzf', join(dest, l.digest.slice(7)), '-C', out]);
    }
    const st = Number(process.hrtime.bigint() - t0) / 1e6;
    rmSync(dest, { recursive: true, force: true });
    const root = join(work, `root-${i}`);
    const p = time(process.execPath, [BIN, 'pull', '-q', ref], { ...process.env, MINIDOCK_ROOT: root });
    rmSync(root, { recursive: true, force: true });
    if (i > 0) (skopeo.push(s), skopeoTar.push(st), pull.push(p)); // the first round warms the page cache
  }
  const ms = median(skopeo);
  const mp = median(pull);
  console.log(`skopeo copy docker://… dir:… (download + verify)       ${ms.toFixed(0).padStart(6)} ms  (median of ${RUNS})`);
  console.log(`skopeo copy + tar -xzf of each layer (… + unpack)      ${median(skopeoTar).toFixed(0).padStart(6)} ms  (median of ${RUNS})`);
  console.log(`minidock pull, fresh store (download + verify + unpack) ${mp.toFixed(0).padStart(6)} ms  (median of ${RUNS})  ratio ${(mp / ms).toFixed(2)}x skopeo (target <= 1.0x), ${(mp / median(skopeoTar)).toFixed(2)}x skopeo+tar`);
  if (docker) {
    const md = median(dpull);
    console.log(`docker pull, image removed first (… + unpack)         ${md.toFixed(0).padStart(6)} ms  (median of ${RUNS})  minidock/docker ${(mp / md).toFixed(2)}x`);
    spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
  } else {
    console.log('docker pull: not compared (npm run bench -- --docker)');
  }
  const root = join(work, 'root-disk');
  const env = { ...process.env, MINIDOCK_ROOT: root };
  cleanups.push(() => {
    const ids = spawnSync(process.execPath, [BIN, 'ps', '-aq', '--no-trunc'], { env }).stdout?.toString().split('\n').filter(Boolean) ?? [];
    if (ids.length) spawnSync(process.execPath, [BIN, 'rm', '-f', ...ids], { env, stdio: 'ignore' });
  });
  time(process.execPath, [BIN, 'pull', '-q', ref], env);
  const again = [];
  for (let i = 0; i < RUNS; i++) again.push(time(process.execPath, [BIN, 'pull', '-q', ref], env));
  console.log(`minidock pull, image already there ("up to date")      ${median(again).toFixed(0).padStart(6)} ms`);

  // --- disk: 10 containers of one image, each writing 100 kB
  const layersBytes = du(join(root, 'images/layers'));
  const blobsBytes = du(join(root, 'images/blobs'));
  for (let i = 0; i < 10; i++) {
    time(process.execPath, [BIN, 'run', '--network', 'none', ref, 'sh', '-c', 'dd if=/dev/zero of=/changed bs=1k count=100 2>/dev/null'], env);
  }
  const containersBytes = du(join(root, 'containers'));
  const total = du(root);
  console.log(`disk, 10 containers of one image (du -sx):`);
  console.log(`  unpacked layers (one copy, shared)   ${mb(layersBytes).padStart(10)}`);
  console.log(`  blobs kept (compressed, for save)    ${mb(blobsBytes).padStart(10)}`);
  console.log(`  10 containers (changes + metadata)   ${mb(containersBytes).padStart(10)}   (they wrote 10 x 100 kB)`);
  console.log(`  whole store                          ${mb(total).padStart(10)}   = one copy of the layers + blobs + changes; 10 full copies would be ${mb(layersBytes * 10)}`);
} finally {
  for (const c of cleanups) c();
  registry?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
