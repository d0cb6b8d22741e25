// `commit`: a new image from a container's changes, as Docker makes it (daemon/commit.go,
// daemon/images/image_commit.go): the container's upper dir becomes one more layer, written
// as an image layer tar — overlay whiteouts (character devices 0/0) as `.wh.NAME` entries,
// opaque directories (trusted.overlay.opaque=y) as a `.wh..wh..opq` entry after the directory —
// and imported into the store like any layer (diffID computed from the tar, unpacked, blob kept
// for save/push). The config is the container's (Cmd, Entrypoint, Env, User, WorkingDir,
// Labels; the base image's ExposedPorts, Volumes, StopSignal, OnBuild), then the -c changes;
// history gets one entry (empty_layer when nothing changed, and then no layer is added).
//
// The upper dir is read with inroot.ts (one component at a time, O_NOFOLLOW, regular files
// reopened through their descriptors): a running container's symlinks and FIFOs are data here,
// never followed or opened. `--pause` (the default) freezes the container's processes (the
// cgroup freezer, as `pause`) while the layer is read, so the layer is one moment of the container.
import { closeSync, createReadStream, fstatSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { pidAlive } from '../../state/process.js';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../../errors.js';
import { paths } from '../../state/paths.js';
import { pausePoint } from '../../state/pause.js';
import { FreezerError, freeze, thaw } from '../../runtime/freezer.js';
import { withLock } from '../../state/lock.js';
import { applyChange } from '../image/archive.js';
import { addImage, hasBlob, holdLease, importLayer, readImageConfig, type ImageConfig, type ImageRecord, type OciImageConfig } from '../image/store.js';
import { hostPlatform } from '../image/platform.js';
import { normalizeRef } from '../image/reference.js';
import { containerAttrs, journal } from '../events.js';
import { opaqueByXattr } from './rootfile.js';
import { Root, openRootDir, type Node } from './inroot.js';
import { TarOut, type Entry, type Sink } from './cp.js';
import { files, mustFind, stateOf, type ContainerRecord } from './record.js';

export interface CommitOptions {
  repo?: string;
  author?: string;
  message?: string;
  changes: string[];
  pause: boolean;
  /** the Engine API's body (POST /commit): a config placed over the container's, before the changes */
  config?: ImageConfig;
}

/** The instructions `commit --change` takes (Docker's list). */
const COMMIT_CHANGES = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

const EMPTY_TAR_DIFFID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

// ---- the layer -----------------------------------------------------------------------------------

/** The upper dir as an image layer tar (Docker's overlay whiteout conversion), entries in Go's Walk order. */
export function writeUpperTar(upper: string, out: Sink, opaque = opaqueByXattr): void {
  const rootFd = openRootDir(upper);
  const root = new Root(rootFd, 'the upper dir');
  try {
    // Opaque flags of every directory, read in batches (one getfattr per batch).
    const dirs: { key: string; fd: number }[] = [];
    const collect = (n: Node): void => {
      for (const name of root.list(n)) {
        const c = root.lookup(n.fd, name);
        if (!c) continue;
        if (c.st.isDirectory()) {
          dirs.push({ key: `${c.st.dev}:${c.st.ino}`, fd: c.fd });
          collect(c);
        } else closeSync(c.fd);
      }
    };
    const opaqueDirs = new Set<string>();
    const top: Node = { fd: rootFd, st: fstatSync(rootFd) };
    collect(top);
    for (let i = 0; i < dirs.length; i += 200) {
      const batch = dirs.slice(i, i + 200);
      opaque(batch.map((d) => d.fd)).forEach((flag, j) => {
        if (flag) opaqueDirs.add(batch[j]!.key);
      });
    }
    for (const d of dirs) closeSync(d.fd);

    const seen = new Map<string, string>();
    const walk = (dir: Node, rel: string[]): void => {
      for (const name of root.list(dir)) {
        const n = root.lookup(dir.fd, name);
        if (!n) continue;
        try {
          const path = [...rel, name];
          const st = n.st;
          const base = { uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
          if (st.isCharacterDevice() && st.rdev === 0) {
            out.entry({ path: [...rel, `.wh.${name}`], type: 'file', mode: 0o600, size: 0, ...base });
            out.endEntry();
            continue;
          }
          if (st.isSocket()) continue; // a tar cannot hold one (Docker skips them too)
          const key = `${st.dev}:${st.ino}`;
          if (!st.isDirectory() && st.nlink > 1) {
            const first = seen.get(key);
            if (first !== undefined) {
              out.entry({ path, type: 'hardlink', mode: st.mode & 0o7777, size: 0, linkname: first, ...base });
              out.endEntry();
              continue;
            }
            seen.set(key, path.join('/'));
          }
          const e: Entry = {
            path,
            type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'file',
            mode: st.mode & 0o7777,
            size: st.isFile() ? st.size : 0,
            ...base,
          };
          if (e.type === 'symlink') e.linkname = root.readLink(dir.fd, name);
          if (e.type === 'char' || e.type === 'block') {
            e.devmajor = Math.floor(st.rdev / 256) & 0xfff;
            e.devminor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
          }
          out.entry(e);
          if (e.type === 'file') {
            const fd = root.openFile(n, path.join('/'));
            try {
              const buf = Buffer.allocUnsafe(1 << 20);
              let left = e.size;
              while (left > 0) {
                const got = readSync(fd, buf, 0, Math.min(buf.length, left), null);
                if (got === 0) {
                  out.data(Buffer.alloc(left));
                  break;
                }
                out.data(Buffer.from(buf.subarray(0, got)));
                left -= got;
              }
            } finally {
              closeSync(fd);
            }
          }
          out.endEntry();
          if (e.type === 'dir') {
            if (opaqueDirs.has(key)) {
              out.entry({ path: [...path, '.wh..wh..opq'], type: 'file', mode: e.mode & 0o777, size: 0, ...base });
              out.endEntry();
            }
            walk(n, path);
          }
        } finally {
          closeSync(n.fd);
        }
      }
    };
    walk(top, []);
    out.end();
  } finally {
    closeSync(rootFd);
  }
}

// ---- the image -----------------------------------------------------------------------------------

/** The diffID of an unpacked layer directory (<root>/images/layers/<hex>/diff). */
function diffIdOfDir(dir: string): string {
  const hex = basename(dirname(dir));
  if (!/^[0-9a-f]{64}$/.test(hex) || basename(dir) !== 'diff') throw new UserError(`cannot commit: layer directory ${dir} is not one of the image store's`);
  return `sha256:${hex}`;
}

async function sha256File(file: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** The image config of the new image: the container's settings over the base image's, then the changes. */
function imageConfigOf(rec: ContainerRecord, base: OciImageConfig | undefined, changes: string[], over?: ImageConfig): ImageConfig {
  const b = base?.config ?? {};
  // HOSTNAME is set by minidock at create (Docker sets it in the process, not in Config.Env).
  const env = rec.Config.Env.filter((e) => e !== `HOSTNAME=${rec.Config.Hostname}`);
  const cfg: ImageConfig = {
    ...b,
    Env: env,
    Cmd: rec.Config.Cmd,
    Entrypoint: rec.Config.Entrypoint,
    WorkingDir: rec.Config.WorkingDir,
    User: rec.Config.User,
    Labels: Object.keys(rec.Config.Labels ?? {}).length ? { ...rec.Config.Labels } : (b.Labels ?? undefined),
  };
  if (cfg.Labels === undefined) delete cfg.Labels;
  if (over) mergeOver(cfg, over);
  for (const c of changes) {
    const instr = /^\s*([A-Za-z]+)/.exec(c)?.[1]?.toUpperCase();
    if (!instr || !COMMIT_CHANGES.has(instr)) throw new UserError(`Error response from daemon: ${(instr ?? c).toLowerCase()} is not a valid change command`, 1);
    applyChange(cfg, c);
  }
  return cfg;
}

/**
 * The API body's config over the container's, as moby's daemon/commit.go `merge`: what the body
 * sets wins; Env and Labels are merged by key, ExposedPorts and Volumes by entry; an Entrypoint
 * without a Cmd clears the container's Cmd (Docker's rule: one set without the other).
 */
export function mergeOver(cfg: ImageConfig, over: ImageConfig): void {
  if (over.User) cfg.User = over.User;
  if (over.WorkingDir) cfg.WorkingDir = over.WorkingDir;
  if (over.StopSignal) cfg.StopSignal = over.StopSignal;
  if (over.Env?.length) {
    const keys = new Set(over.Env.map((e) => e.split('=')[0]));
    cfg.Env = [...over.Env, ...(cfg.Env ?? []).filter((e) => !keys.has(e.split('=')[0]))];
  }
  if (over.Labels && Object.keys(over.Labels).length) cfg.Labels = { ...(cfg.Labels ?? {}), ...over.Labels };
  if (over.ExposedPorts && Object.keys(over.ExposedPorts).length) cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}), ...over.ExposedPorts };
  if (over.Volumes && Object.keys(over.Volumes).length) cfg.Volumes = { ...(cfg.Volumes ?? {}), ...over.Volumes };
  if (over.Entrypoint?.length) {
    cfg.Entrypoint = over.Entrypoint;
    cfg.Cmd = over.Cmd?.length ? over.Cmd : null;
  } else if (over.Cmd?.length) cfg.Cmd = over.Cmd;
}

/** Removes the scratch directories of commits whose process died (killed mid-way). */
function sweepStaleCommits(): void {
  let names: string[] = [];
  try {
    names = readdirSync(paths.root());
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.commit-(\d+)-/.exec(n);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) rmSync(join(paths.root(), n), { recursive: true, force: true });
  }
}

/** `commit CONTAINER [REPO[:TAG]]`: returns the new image. */
export async function commitContainer(ref: string, o: CommitOptions): Promise<ImageRecord> {
  const rec = mustFind(ref);
  if (o.repo !== undefined) {
    const n = normalizeRef(o.repo);
    if (n.digest) throw new UserError(`Error response from daemon: refusing to create a tag with a digest reference`, 1);
  }
  const base = hasBlob(rec.Image) ? readImageConfig(rec.Image) : undefined;
  const runtime = imageConfigOf(rec, base, o.changes, o.config); // bad changes are refused before anything is made
  const baseDiffIds = rec.LayerDirs.map(diffIdOfDir);

  sweepStaleCommits();
  const tmp = mkdtempSync(join(paths.root(), `.commit-${process.pid}-`));
  const lease = holdLease();
  try {
    const tarFile = join(tmp, 'layer.tar');
    const fd = openSync(tarFile, 'wx', 0o600);
    try {
      // Frozen (runtime/freezer.ts, as `pause`) under the container's lock, so a `pause` or
      // `unpause` meanwhile cannot leave it in the other state; one paused already stays so.
      await withLock(`c-${rec.Id}`, async () => {
        const st = stateOf(rec);
        const freezeIt = o.pause && st.Running && !st.Paused;
        if (freezeIt) {
          try {
            await freeze(rec.Id);
          } catch (e) {
            if (!(e instanceof FreezerError)) throw e;
            throw new UserError(`Error response from daemon: Cannot pause container ${rec.Id}: ${e.message} (commit --pause=false reads it without)`, 1);
          }
        }
        try {
          pausePoint('commit:reading');
          writeUpperTar(files.upper(rec.Id), new TarOut(fd));
        } finally {
          if (freezeIt) thaw(rec.Id);
        }
      });
    } finally {
      closeSync(fd);
    }
    const diffId = await sha256File(tarFile);
    const empty = diffId === EMPTY_TAR_DIFFID;
    const diffIds = [...baseDiffIds];
    if (!empty) {
      const layer = await importLayer(tarFile, { diffId });
      lease.add([layer.diffId, layer.digest]);
      diffIds.push(layer.diffId);
    }
    const p = hostPlatform();
    const created = new Date().toISOString();
    const history = [...(base?.history ?? [])];
    history.push({
      created,
      ...(o.author ? { author: o.author } : {}),
      created_by: (rec.Config.Cmd ?? []).join(' '),
      ...(o.message ? { comment: o.message } : {}),
      ...(empty ? { empty_layer: true } : {}),
    } as NonNullable<OciImageConfig['history']>[number]);
    const config: OciImageConfig & { container?: string } = {
      architecture: base?.architecture ?? p.architecture,
      ...(base?.variant ?? p.variant ? { variant: base?.variant ?? p.variant } : {}),
      ...(o.author ? { author: o.author } : {}),
      config: runtime,
      container: rec.Id,
      created,
      history,
      os: base?.os ?? 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
    };
    const img = await addImage({ config: JSON.stringify(config), tags: o.repo ? [o.repo] : [], parent: rec.Image });
    const imageRef = o.repo ? normalizeRef(o.repo).display : '';
    journal({ Type: 'container', Action: 'commit', ID: rec.Id, Attributes: containerAttrs(rec, { comment: o.message ?? '', imageID: img.id, imageRef }) });
    if (o.repo) journal({ Type: 'image', Action: 'tag', ID: img.id, Attributes: { name: imageRef } });
    return img;
  } finally {
    lease.release();
    rmSync(tmp, { recursive: true, force: true });
  }
}
