// Everything that puts a mount into a container: -v (bind, named or anonymous volume), --mount,
// the image's VOLUMEs and --volumes-from, resolved at create into the container's MountPoints
// (as Docker's own record keeps them), and turned into the shim's bind/tmpfs keys at start.
// Parsers are pure; the volumes themselves are made by materialize(), inside create's lock.
import { posix } from 'node:path';
import { DaemonError, FlagValueError, UserError } from '../../errors.js';
import { ramInBytes } from '../../units.js';
import { checkBindSource, checkModeKinds, parseTmpfs, parseVolume } from '../container/options.js';
import { createVolume, isVolumeName, loadVolume, validateOptions, validateVolumeName, volumeData } from './store.js';

/** One mount of a container, as Docker's MountPoint (plus what minidock needs to set it up). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** volume: its name ('' until an anonymous one is made at create). */
  Name?: string;
  /** bind: the host path; volume: its _data directory (filled in at create). */
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** minidock's own: removed with the container by `rm -v` and `--rm`. */
  Anonymous?: boolean;
  /** volume: the image's content at Destination is copied into it when empty (not --mount volume-nocopy). */
  CopyData?: boolean;
  /** tmpfs: the --tmpfs style options (size=…,mode=…). */
  TmpfsOptions?: string;
  /** volume from --mount: the labels and driver options it is created with, if it does not exist yet (as Docker). */
  VolumeCreate?: { Labels?: Record<string, string>; Options?: Record<string, string> };
}

/** Docker's HostConfig.Mounts entry (what --mount was given). */
export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
/** Mounts stay private to the container (docs/volumes.md): the other propagations are refused, not ignored. */
const PRIVATE = ['private', 'rprivate'];

function checkTarget(target: string, spec: string, type: string): string {
  if (CONTROL.test(target)) throw new UserError(`invalid mount config for type "${type}": the path ${JSON.stringify(target)} contains a control character`);
  if (!target.startsWith('/')) throw new DaemonError(`invalid mount config for type "${type}": invalid mount path: '${target}' mount path must be absolute`);
  const t = posix.normalize(target).replace(/(.)\/$/, '$1');
  if (t === '/') throw new UserError(`invalid mount config for type "${type}": invalid specification: destination can't be '/' in '${spec}'`);
  return t;
}

/**
 * -v SPEC: `/host:/ctr[:opts]` a bind (options.ts' parseVolume), `NAME:/ctr[:opts]` a named
 * volume (made on first use), `/ctr` an anonymous volume.
 */
export function parseVolumeFlag(spec: string): MountPoint {
  const parts = spec.split(':');
  if (parts.length === 1) {
    const t = checkTarget(spec, spec, 'volume');
    return { Type: 'volume', Name: '', Source: '', Destination: t, Driver: 'local', Mode: '', RW: true, Propagation: '', Anonymous: true, CopyData: true };
  }
  if (parts[0].startsWith('/')) {
    const b = parseVolume(spec);
    return { Type: 'bind', Source: b.source, Destination: b.target, Mode: parts[2] ?? '', RW: !b.readonly, Propagation: 'rprivate' };
  }
  if (parts.length > 3 || parts.some((p) => p === '')) throw new DaemonError(`invalid volume specification: '${spec}'`);
  const [name, target, mode = ''] = parts;
  validateVolumeName(name, 125);
  const t = checkTarget(target, spec, 'volume');
  const words = mode ? mode.split(',') : [];
  for (const w of words) if (!['ro', 'rw', 'z', 'Z', 'nocopy', ...PROPAGATIONS].includes(w)) throw new DaemonError(`invalid mode: ${mode}`);
  if (mode) checkModeKinds(mode);
  for (const w of words) if (PROPAGATIONS.includes(w) && !PRIVATE.includes(w)) throw new UserError(`invalid volume specification: '${spec}': propagation ${w} is not supported by minidock (mounts stay private to the container)`);
  return {
    Type: 'volume', Name: name, Source: '', Destination: t, Driver: 'local',
    Mode: mode || 'z', RW: !words.includes('ro'), Propagation: '', CopyData: !words.includes('nocopy'),
  };
}

function boolOpt(v: string | undefined, spec: string, key: string): boolean {
  if (v === undefined || ['1', 'true'].includes(v.toLowerCase())) return true;
  if (['0', 'false'].includes(v.toLowerCase())) return false;
  throw new FlagValueError(spec, '--mount', `invalid value for ${key}: ${v}`);
}

/** --mount type=bind|volume|tmpfs,source=…,target=…,readonly,… as Docker's CLI reads it. */
export function parseMountFlag(spec: string): MountSpec {
  const bad = (why: string) => new FlagValueError(spec, '--mount', why);
  const m: MountSpec = { Type: 'volume', Target: '' };
  const vol: NonNullable<MountSpec['VolumeOptions']> = {};
  const bind: NonNullable<MountSpec['BindOptions']> = {};
  const tmp: NonNullable<MountSpec['TmpfsOptions']> = {};
  let typeSeen = false;
  // Docker reads the field list as CSV; quoting is rare and not taken here (a " is refused).
  if (spec.includes('"')) throw bad('quoted fields are not supported by minidock');
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (eq < 0 && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'].includes(key)) throw bad(`invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case 'type':
        // the daemon's check, not the CLI's: said after parsing (moby's words)
        if (!['bind', 'volume', 'tmpfs'].includes(val!)) throw new DaemonError(`invalid mount config for type ${JSON.stringify(val)}: mount type unknown`);
        m.Type = val as MountSpec['Type'];
        typeSeen = true;
        break;
      case 'source': case 'src':
        m.Source = val;
        break;
      case 'target': case 'dst': case 'destination':
        m.Target = val!;
        break;
      case 'readonly': case 'ro':
        m.ReadOnly = boolOpt(val, spec, key);
        break;
      case 'bind-propagation':
        if (!PROPAGATIONS.includes(val!)) throw new UserError(`invalid mount config for type "bind": invalid propagation mode: ${val}`);
        bind.Propagation = val;
        break;
      case 'bind-nonrecursive':
        bind.NonRecursive = boolOpt(val, spec, key);
        break;
      case 'volume-nocopy':
        vol.NoCopy = boolOpt(val, spec, key);
        break;
      case 'volume-label': {
        const [k, ...v] = val!.split('=');
        (vol.Labels ??= {})[k] = v.join('=');
        break;
      }
      case 'volume-driver':
        (vol.DriverConfig ??= {}).Name = val;
        break;
      case 'volume-opt': {
        const [k, ...v] = val!.split('=');
        if (!v.length) throw new UserError(`invalid mount config for type "volume": invalid volume-opt: ${val}`);
        ((vol.DriverConfig ??= {}).Options ??= {})[k] = v.join('=');
        break;
      }
      case 'tmpfs-size':
        try {
          tmp.SizeBytes = ramInBytes(val!);
        } catch {
          throw bad(`invalid value for tmpfs-size: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]{1,4}$/.test(val!)) throw bad(`invalid value for tmpfs-mode: ${val}`);
        tmp.Mode = parseInt(val!, 8);
        break;
      case 'consistency':
        break; // Docker for Mac's; ignored by Docker on Linux too
      default:
        throw bad(`unexpected key '${key}' in '${field}'`);
    }
  }
  void typeSeen;
  const type = m.Type;
  const cfg = (why: string) => new UserError(`invalid mount config for type "${type}": ${why}`);
  // docker/cli's MountOpt.Set refuses this itself (the daemon's "field Target" is never reached)
  if (!m.Target) throw bad('target is required');
  m.Target = checkTarget(m.Target, spec, type);
  // docker/cli's MountOpt.Set: options of another type's are its own refusal
  const mix = (kind: string) => bad(`cannot mix '${kind}-*' options with mount type '${type}'`);
  if (Object.keys(vol).length && type !== 'volume') throw mix('volume');
  if (Object.keys(bind).length && type !== 'bind') throw mix('bind');
  if (Object.keys(tmp).length && type !== 'tmpfs') throw mix('tmpfs');
  if (Object.keys(bind).length) m.BindOptions = bind;
  if (Object.keys(vol).length) {
    if (vol.DriverConfig?.Name && vol.DriverConfig.Name !== 'local') throw cfg(`volume driver ${vol.DriverConfig.Name} is not supported (only local)`);
    if (vol.DriverConfig?.Options) validateOptions(vol.DriverConfig.Options, 125, m.Source ?? '');
    m.VolumeOptions = vol;
  }
  if (Object.keys(tmp).length) m.TmpfsOptions = tmp;
  if (type === 'bind') {
    if (!m.Source) throw cfg('field Source must not be empty');
    if (!m.Source.startsWith('/')) throw cfg(`invalid mount path: '${m.Source}' mount path must be absolute`);
    if (CONTROL.test(m.Source)) throw cfg(`the path ${JSON.stringify(m.Source)} contains a control character`);
    if (bind.Propagation && !PRIVATE.includes(bind.Propagation)) throw cfg(`bind-propagation=${bind.Propagation} is not supported by minidock (mounts stay private to the container)`);
    if (bind.NonRecursive) throw cfg('bind-nonrecursive is not supported by minidock (binds are recursive)');
  }
  if (type === 'volume' && m.Source) validateVolumeName(m.Source, 125);
  if (type === 'tmpfs' && m.Source) throw cfg('field Source must not be specified');
  return m;
}

/** A --mount spec as a MountPoint (bind source checked by the caller, volumes made at create). */
export function mountSpecPoint(m: MountSpec): MountPoint {
  const rw = !m.ReadOnly;
  if (m.Type === 'bind') return { Type: 'bind', Source: posix.normalize(m.Source!), Destination: m.Target, Mode: '', RW: rw, Propagation: 'rprivate' };
  if (m.Type === 'tmpfs') {
    const o: string[] = [];
    if (m.TmpfsOptions?.SizeBytes !== undefined) o.push(`size=${m.TmpfsOptions.SizeBytes}`);
    if (m.TmpfsOptions?.Mode !== undefined) o.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
    if (!rw) o.push('ro');
    return { Type: 'tmpfs', Source: '', Destination: m.Target, Mode: '', RW: rw, Propagation: '', TmpfsOptions: o.join(',') };
  }
  const labels = m.VolumeOptions?.Labels;
  const options = m.VolumeOptions?.DriverConfig?.Options;
  return {
    // Mode "z": what Docker's daemon records for a --mount volume (its default SELinux label option)
    Type: 'volume', Name: m.Source ?? '', Source: '', Destination: m.Target, Driver: 'local', Mode: 'z', RW: rw, Propagation: '',
    Anonymous: !m.Source, CopyData: !m.VolumeOptions?.NoCopy,
    ...(labels || options ? { VolumeCreate: { ...(labels ? { Labels: labels } : {}), ...(options ? { Options: options } : {}) } } : {}),
  };
}

/** --volumes-from CONTAINER[:ro|rw]: the container and the mode override. */
export function parseVolumesFrom(spec: string): { ref: string; mode?: 'ro' | 'rw' } {
  const [ref, mode, extra] = spec.split(':');
  if (!ref || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) throw new UserError(`invalid mode for --volumes-from: ${spec}`);
  return { ref, mode: mode as 'ro' | 'rw' | undefined };
}

export interface MountInput {
  volume: string[];
  mount: string[];
  volumesFrom: string[];
  /** The image's Config.Volumes keys. */
  imageVolumes: string[];
  /** Paths of --tmpfs (a duplicate with a mount here is refused). */
  tmpfs: string[];
  /** The mount points of a --volumes-from container, by name or id. */
  pointsOf: (ref: string) => MountPoint[] | undefined;
}

export interface MountPlan {
  points: MountPoint[];
  binds: string[];
  mounts: MountSpec[];
  volumesFrom: string[];
  configVolumes: Record<string, Record<string, never>>;
}

/**
 * All of a new container's mounts, in Docker's precedence: --volumes-from first, then the
 * image's VOLUMEs, then -v and --mount over both (two of these on one path: refused, as Docker).
 * Checks everything; makes nothing.
 */
export function planMounts(inp: MountInput): MountPlan {
  const byDest = new Map<string, MountPoint>();
  for (const spec of inp.volumesFrom) {
    const { ref, mode } = parseVolumesFrom(spec);
    const pts = inp.pointsOf(ref);
    if (!pts) throw new DaemonError(`No such container: ${ref}`);
    for (const p of pts) {
      if (p.Type === 'tmpfs') continue; // Docker: tmpfs mounts are not shared
      // Docker's registerMountPoints: `:ro` makes it read-only, `:rw` keeps a read-only one so;
      // the mode is not copied. Another container's anonymous volume is not ours to remove with rm -v.
      byDest.set(p.Destination, { ...p, RW: p.RW && mode !== 'ro', Mode: '', Anonymous: false, CopyData: false });
    }
  }
  const configVolumes: MountPlan['configVolumes'] = {};
  for (const v of inp.imageVolumes) {
    const t = checkTarget(v, v, 'volume');
    configVolumes[v] = {};
    if (!byDest.has(t)) byDest.set(t, { Type: 'volume', Name: '', Source: '', Destination: t, Driver: 'local', Mode: '', RW: true, Propagation: '', Anonymous: true, CopyData: true });
  }
  const own = new Set<string>();
  const binds: string[] = [];
  const claim = (p: MountPoint) => {
    if (own.has(p.Destination)) throw new UserError(`Duplicate mount point: ${p.Destination}`);
    own.add(p.Destination);
    byDest.set(p.Destination, p);
  };
  for (const spec of inp.volume) {
    const p = parseVolumeFlag(spec);
    if (p.Type === 'bind') checkBindSource(p.Source);
    if (p.Anonymous) configVolumes[spec] = {};
    else binds.push(spec);
    claim(p);
  }
  const mounts = inp.mount.map(parseMountFlag);
  for (const m of mounts) {
    const p = mountSpecPoint(m);
    if (p.Type === 'bind') checkBindSource(p.Source);
    claim(p);
  }
  const tmpfs = new Set(inp.tmpfs.map((t) => parseTmpfs(t)[0]));
  for (const t of tmpfs) if (own.has(t)) throw new UserError(`Duplicate mount point: ${t}`);
  for (const t of tmpfs) byDest.delete(t); // --tmpfs over an image VOLUME: the tmpfs wins
  // Parents before children, so /a/b is mounted on top of /a.
  const points = [...byDest.values()].sort((a, b) => depth(a.Destination) - depth(b.Destination));
  return { points, binds, mounts, volumesFrom: inp.volumesFrom, configVolumes };
}

const depth = (p: string) => p.split('/').length;

/** Inside create's lock: makes the named volumes that do not exist yet and the anonymous ones. */
export function materialize(points: MountPoint[]): void {
  for (const p of points) {
    if (p.Type !== 'volume') continue;
    const how = { labels: p.VolumeCreate?.Labels, options: p.VolumeCreate?.Options };
    const v = p.Name ? (loadVolume(p.Name) ?? createVolume(p.Name, how)) : createVolume(undefined, { ...how, anonymous: true });
    p.Name = v.Name;
    p.Source = volumeData(v.Name);
  }
}

/** The mounts of a record (older records: from their HostConfig.Binds, which were all binds). */
export function pointsOfRecord(rec: { MountPoints?: MountPoint[]; HostConfig: { Binds: string[] | null } }): MountPoint[] {
  if (rec.MountPoints) return rec.MountPoints;
  return (rec.HostConfig.Binds ?? []).map((b) => {
    const ro = b.endsWith(':ro');
    const [source, target] = (ro ? b.slice(0, -3) : b).split(':');
    return { Type: 'bind', Source: source, Destination: target, Mode: ro ? 'ro' : '', RW: !ro, Propagation: 'rprivate' };
  });
}

export type ShimMount = ['bind', string[]] | ['tmpfs', string[]];

/**
 * The shim's keys for a container's mounts. A volume of the local driver: its _data bound, or
 * its device bound (type=none,o=bind), or a tmpfs mounted (type=tmpfs) — in the container's
 * mount namespace. copy: the first start, when Docker would copy the image's content in.
 */
export function shimMounts(points: MountPoint[], copy: boolean): ShimMount[] {
  const out: ShimMount[] = [];
  for (const p of points) {
    const mode = p.RW ? 'rw' : 'ro';
    if (p.Type === 'bind') {
      checkBindSource(p.Source);
      out.push(['bind', [p.Source, p.Destination, mode]]);
    } else if (p.Type === 'tmpfs') {
      out.push(['tmpfs', p.TmpfsOptions ? [p.Destination, p.TmpfsOptions] : [p.Destination]]);
    } else {
      const v = loadVolume(p.Name!);
      if (!v) throw new UserError(`Error response from daemon: get ${p.Name}: no such volume`);
      const o = v.Options;
      const cp = copy && p.CopyData ? ',copy' : '';
      if (o.type === 'tmpfs') {
        const opts = [o.o, p.RW ? '' : 'ro'].filter(Boolean).join(',');
        out.push(['tmpfs', opts ? [p.Destination, opts] : [p.Destination]]);
      } else if (o.device) {
        checkBindSource(o.device);
        const ro = !p.RW || (o.o ?? '').split(',').includes('ro');
        out.push(['bind', [o.device, p.Destination, (ro ? 'ro' : 'rw') + cp]]);
      } else out.push(['bind', [volumeData(v.Name), p.Destination, mode + cp]]);
    }
  }
  return out;
}

/**
 * The order the shim mounts binds and tmpfs mounts in (it keeps the order of their records):
 * parents before children, whatever their kinds (Docker sorts by path depth too), so a volume at
 * /a/b is not hidden by a tmpfs at /a. Stable: equal depths keep their order.
 */
export function mountOrder(mounts: ShimMount[]): ShimMount[] {
  const dest = (m: ShimMount) => (m[0] === 'bind' ? m[1][1] : m[1][0]);
  return mounts.map((m, i) => ({ m, i, d: depth(posix.normalize(dest(m)).replace(/(.)\/+$/, '$1')) })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.m);
}

/** Docker's inspect `Mounts` entry. */
export function inspectMount(p: MountPoint): Record<string, unknown> {
  if (p.Type === 'volume') return { Type: 'volume', Name: p.Name, Source: p.Source, Destination: p.Destination, Driver: p.Driver ?? 'local', Mode: p.Mode, RW: p.RW, Propagation: p.Propagation };
  return { Type: p.Type, Source: p.Source, Destination: p.Destination, Mode: p.Mode, RW: p.RW, Propagation: p.Propagation };
}

export { isVolumeName };
