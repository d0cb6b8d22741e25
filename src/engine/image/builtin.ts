// The builtin image busybox:latest, built offline from the host's static busybox (Debian's
// busybox-static) by the recipe in rootfs/busybox.json: one layer with the recipe's
// directories and files, bin/busybox, and every applet as a hard link to it.
//
// Deterministic: entries in a fixed order, every header field explicit (mtime from the
// recipe, uid/gid 0, no user/group names), no compression, configs serialised with a fixed
// key order — so the same busybox binary always gives the same layer digest and image id.
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { run } from '../../host/exec.js';
import recipe from '../../../rootfs/busybox.json' with { type: 'json' };
import { hostPlatform } from './platform.js';
import { buildTar, type TarEntry } from './tarwriter.js';
import {
  addImage,
  BUILTIN_BUSYBOX_KEY,
  importLayer,
  resolveImageSync,
  type ImageRecord,
  type OciImageConfig,
} from './store.js';

export const BUILTIN_RECIPE = recipe;

const APPLET_RE = /^[A-Za-z0-9_.[\]+-]+$/;

async function sha256(data: Uint8Array | string): Promise<string> {
  const { createHash } = await import('node:crypto'); // lazily: see store.ts
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function installHint(source: string): string {
  return `the builtin busybox image is built from the host's static busybox (${source}): install it with "apt-get install ${recipe.busybox.package}"`;
}

/** True when the ELF file asks for a dynamic loader (PT_INTERP): it would not run in the image. */
export function elfIsDynamic(bin: Buffer): boolean {
  if (bin.length < 64 || bin.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  const is64 = bin[4] === 2;
  const le = bin[5] === 1;
  const u16 = (o: number): number => (le ? bin.readUInt16LE(o) : bin.readUInt16BE(o));
  const u32 = (o: number): number => (le ? bin.readUInt32LE(o) : bin.readUInt32BE(o));
  const phoff = is64 ? Number(le ? bin.readBigUInt64LE(0x20) : bin.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > bin.length) break;
    if (u32(off) === 3 /* PT_INTERP */) return true;
  }
  return false;
}

/** The busybox binary, checked: present and statically linked. */
function readBusybox(source: string): Buffer {
  let bin: Buffer;
  try {
    bin = readFileSync(source);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${source} not found; ${installHint(source)}`);
    throw e;
  }
  let dynamic: boolean;
  try {
    dynamic = elfIsDynamic(bin);
  } catch {
    throw new UserError(`${source} is not an executable; ${installHint(source)}`);
  }
  if (dynamic) throw new UserError(`${source} is dynamically linked; ${installHint(source)}`);
  return bin;
}

function busyboxVersion(bin: Buffer): string {
  const at = bin.indexOf('BusyBox v');
  if (at < 0) return 'BusyBox';
  const end = bin.indexOf(0, at);
  return bin.toString('latin1', at, Math.min(end < 0 ? at + 80 : end, at + 80)).trim();
}

export interface BusyboxLayer {
  tar: Buffer;
  diffId: string;
  applets: string[];
  version: string;
}

/** Builds the layer tarball (in memory; ~2 MB). */
export async function buildBusyboxLayer(source: string = recipe.busybox.source): Promise<BusyboxLayer> {
  const bin = readBusybox(source);
  const { stdout } = await run(source, ['--list']);
  const mtime = Math.floor(Date.parse(recipe.created) / 1000);
  const self = recipe.busybox.path;
  const appletDir = recipe.busybox.appletDir;

  const entries = new Map<string, TarEntry>();
  const add = (e: TarEntry): void => {
    if (entries.has(e.path)) throw new Error(`rootfs/busybox.json: ${e.path} listed twice`);
    entries.set(e.path, e);
  };
  for (const d of recipe.directories) add({ path: d.path, type: 'dir', mode: parseInt(d.mode, 8), mtime });
  for (const f of recipe.files) add({ path: f.path, type: 'file', mode: parseInt(f.mode, 8), mtime, data: f.lines.join('\n') + '\n' });
  add({ path: self, type: 'file', mode: 0o755, mtime, data: bin });
  const applets = [...new Set(stdout.split('\n').map((s) => s.trim()))]
    .filter((a) => a !== '' && a !== '.' && a !== '..' && APPLET_RE.test(a) && `${appletDir}/${a}` !== self)
    .sort();
  for (const a of applets) {
    const path = `${appletDir}/${a}`;
    if (!entries.has(path)) add({ path, type: 'hardlink', linkname: self, mode: 0o755, mtime });
  }
  for (const p of entries.keys()) {
    const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    if (parent && entries.get(parent)?.type !== 'dir') throw new Error(`rootfs/busybox.json: ${p} needs its directory ${parent} listed`);
  }
  // Sorted by path (a parent sorts before its children), except that the busybox binary
  // comes right after its directory so that every hard link follows its target.
  const ordered = [...entries.values()].filter((e) => e.path !== self).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const at = ordered.findIndex((e) => e.path === appletDir);
  ordered.splice(at + 1, 0, entries.get(self)!);
  const tar = buildTar(ordered);
  return { tar, diffId: await sha256(tar), applets, version: busyboxVersion(bin) };
}

/**
 * --dry-run of a `run busybox` before the builtin image exists: the image config it would get
 * and the plan line, after the same check of the host's busybox a real build starts with.
 */
export function builtinPlan(): { config: { Env: string[]; Cmd: string[] }; line: string } {
  const source = recipe.busybox.source;
  readBusybox(source);
  return {
    config: { Env: [...recipe.config.Env], Cmd: [...recipe.config.Cmd] },
    line: `# the image busybox:latest is not in the store yet: build it offline from the host's ${source} (${recipe.busybox.package}), one layer`,
  };
}

/** Builds busybox:latest into the store (or returns it when another process just did). */
export async function buildBuiltinBusybox(): Promise<ImageRecord> {
  const { withLock } = await import('../../state/lock.js');
  return withLock('builtin-busybox', async () => {
    const again = resolveImageSync(BUILTIN_BUSYBOX_KEY);
    if (again && again.layerDirs.every((d) => existsSync(d))) return again;
    return buildInto();
  });
}

async function buildInto(): Promise<ImageRecord> {
  const layer = await buildBusyboxLayer();
  const info = await importLayer(layer.tar, { diffId: layer.diffId, mediaType: 'application/vnd.oci.image.layer.v1.tar' });
  const platform = hostPlatform();
  const config: OciImageConfig = {
    created: recipe.created,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: { Env: [...recipe.config.Env], Cmd: [...recipe.config.Cmd] },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [
      {
        created: recipe.created,
        created_by: `minidock builtin: ${layer.version} from ${recipe.busybox.source} (${recipe.busybox.package}), ${layer.applets.length} applets, rootfs/busybox.json`,
      },
    ],
  };
  const configJson = JSON.stringify(config);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await sha256(configJson), size: Buffer.byteLength(configJson) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: info.digest, size: layer.tar.length }],
  };
  return addImage({ config: configJson, manifest: JSON.stringify(manifest), tags: [recipe.reference] });
}
