// Volumes of the local driver, kept as Docker keeps them: <root>/volumes/<name>/_data holds the
// content, <root>/volumes/<name>/opts.json what `volume create` was given (docs/volumes.md).
// Nothing is mounted on the host: a tmpfs or bind volume is mounted by the shim inside the
// container's mount namespace when a container uses it.
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonError, UserError } from '../../errors.js';
import { fsyncPath, readState, removeTree, writeJsonAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';
import { randomHex } from '../../state/random.js';
import { parseTmpfs } from '../container/options.js';

/** Docker's local volume names (volume/local: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`); bounded here for file names. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
export const VOLUME_NAME_MAX = 128;
/** Docker 23+ marks anonymous volumes with this label; `volume prune` without -a removes only those. */
export const ANON_LABEL = 'com.docker.volume.anonymous';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
}

export const volumeDir = (name: string) => join(paths.root(), 'volumes', name);
export const volumeData = (name: string) => join(volumeDir(name), '_data');
const volumeOpts = (name: string) => join(volumeDir(name), 'opts.json');

export function isVolumeName(s: string): boolean {
  return NAME_RE.test(s) && s.length <= VOLUME_NAME_MAX;
}

export function validateVolumeName(name: string, exitCode = 1): string {
  if (!NAME_RE.test(name)) {
    throw new DaemonError(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      exitCode,
    );
  }
  if (name.length > VOLUME_NAME_MAX) throw new DaemonError(`create ${name.slice(0, 32)}…: a volume name has at most ${VOLUME_NAME_MAX} characters`, exitCode);
  return name;
}

/** The local driver's options (`-o`), checked as Docker's local driver checks them, plus minidock's limits. */
export function validateOptions(opts: Record<string, string>, exitCode = 1, name = ''): void {
  try {
    checkOptions(opts);
  } catch (e) {
    // Docker's daemon error, naming the volume
    if (e instanceof UserError) throw new DaemonError(`create ${name}: ${e.message}`, exitCode);
    throw e;
  }
}

function checkOptions(opts: Record<string, string>): void {
  const exitCode = 1;
  for (const k of Object.keys(opts)) {
    if (!['type', 'device', 'o', 'size'].includes(k)) throw new UserError(`invalid option key: "${k}"`, exitCode);
  }
  const { type, device, o } = opts;
  if (type === undefined && device === undefined && o === undefined) {
    if (opts.size !== undefined) throw new UserError('quota size requested but no quota support', exitCode);
    return;
  }
  if (type === 'tmpfs') {
    if (device !== undefined && device !== 'tmpfs') throw new UserError(`a tmpfs volume takes no device (got ${JSON.stringify(device)})`, exitCode);
    // The same options as --tmpfs (size=, mode=, uid=, gid=, nr_inodes=, ro, noexec…).
    if (o) {
      try {
        parseTmpfs(`/v:${o}`);
      } catch (e) {
        throw new UserError((e as Error).message.replace(`'/v:${o}'`, `o=${o}`));
      }
    }
    return;
  }
  if (type === 'none' || (type === undefined && o !== undefined)) {
    const words = (o ?? '').split(',');
    if (!words.includes('bind') && !words.includes('rbind')) throw new UserError('minidock\'s local driver mounts type=none only with o=bind (a host directory bound as the volume)', exitCode);
    for (const w of words) if (!['bind', 'rbind', 'ro', 'rw'].includes(w)) throw new UserError(`unsupported bind option ${JSON.stringify(w)} (bind, rbind, ro, rw)`, exitCode);
    if (!device || !device.startsWith('/')) throw new UserError('a bind volume needs device=/absolute/host/path', exitCode);
    return;
  }
  // ext4, nfs, cifs…: the kernel mount of a block device or a network share is not done here.
  throw new UserError(`the local driver's type=${type ?? '(none)'} is not supported by minidock (type=tmpfs, or type=none with o=bind and device=/path)`, exitCode);
}

export function loadVolume(name: string): VolumeRecord | undefined {
  if (!isVolumeName(name)) return undefined;
  if (!existsSync(volumeDir(name))) return undefined;
  const rec = readState<VolumeRecord>(volumeOpts(name), `remove the directory ${volumeDir(name)} to drop that volume`);
  return rec;
}

export function allVolumes(): VolumeRecord[] {
  let names: string[];
  try {
    names = readdirSync(join(paths.root(), 'volumes'));
  } catch {
    return [];
  }
  return names.filter((n) => isVolumeName(n)).sort().map(loadVolume).filter((v): v is VolumeRecord => v !== undefined);
}

/**
 * Creates a volume (an existing one of that name is returned as it is, as Docker does). The
 * directory appears whole: made under a temporary name, renamed into place.
 */
/** `volume create`: under the containers lock, as create and prune (src/engine/volume/use.ts). */
export async function createVolumeLocked(name: string | undefined, opts: Parameters<typeof createVolume>[1]): Promise<VolumeRecord> {
  const { withLock } = await import('../../state/lock.js');
  return withLock('containers', () => createVolume(name, opts));
}

/**
 * Leftovers of a create or a removal that died half-way (`.new-*`, `.gone-*`): removed by
 * `volume prune` and `system prune --volumes`, under the containers lock that every create
 * holds, so none is in progress.
 */
export function removeVolumeLeftovers(): void {
  let names: string[];
  try {
    names = readdirSync(join(paths.root(), 'volumes'));
  } catch {
    return;
  }
  for (const n of names) if (/^\.(new|gone)-[0-9a-f]{16}$/.test(n)) removeTree(join(paths.root(), 'volumes', n));
}

export function createVolume(name: string | undefined, opts: { labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean } = {}): VolumeRecord {
  const n = name ?? randomHex(32);
  validateVolumeName(n);
  const options = opts.options ?? {};
  validateOptions(options, 1, n);
  const existing = loadVolume(n);
  if (existing) return existing;
  const rec: VolumeRecord = {
    Name: n,
    Driver: 'local',
    CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    Labels: { ...(opts.anonymous ? { [ANON_LABEL]: '' } : {}), ...(opts.labels ?? {}) },
    Options: options,
  };
  const top = join(paths.root(), 'volumes');
  mkdirSync(top, { recursive: true, mode: 0o701 });
  const tmp = join(top, `.new-${randomHex(8)}`);
  mkdirSync(tmp, { mode: 0o701 });
  mkdirSync(join(tmp, '_data'), { mode: 0o755 });
  writeJsonAtomic(join(tmp, 'opts.json'), rec, true);
  try {
    renameSync(tmp, volumeDir(n));
    fsyncPath(top); // the rename survives a power loss too (a container's record will name the volume)
  } catch (e) {
    removeTree(tmp);
    const again = loadVolume(n); // made meanwhile by another command
    if (again) return again;
    throw e;
  }
  return rec;
}

export function removeVolumeFiles(name: string): void {
  // Renamed away first, so a half-removed volume is never seen as a volume.
  const gone = join(paths.root(), 'volumes', `.gone-${randomHex(8)}`);
  renameSync(volumeDir(name), gone);
  removeTree(gone);
}

/** Docker's `volume inspect` object. */
export function inspectVolume(v: VolumeRecord): Record<string, unknown> {
  return {
    CreatedAt: v.CreatedAt,
    Driver: v.Driver,
    Labels: Object.keys(v.Labels).length ? v.Labels : null,
    Mountpoint: volumeData(v.Name),
    Name: v.Name,
    Options: Object.keys(v.Options).length ? v.Options : null,
    Scope: 'local',
  };
}
