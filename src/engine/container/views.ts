// What `ps` shows: Docker's field names and shapes (inspect-view.ts builds `inspect`'s).
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PortBinding } from '../network/types.js';
import { goTimeString, humanDuration, humanSize, timeAgo } from '../../units.js';
import { files, readRestarting, type ContainerRecord, type ContainerState } from './record.js';
import type { PsSnapshot } from './psfilter.js';
import { readHealth, type HealthState } from './health.js';
import { pointsOfRecord } from '../volume/mounts.js';

export function portKey(p: PortBinding): string {
  return `${p.containerPort}/${p.proto}`;
}

export type PortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

/** Config.ExposedPorts: recorded since this field exists; older records: their -p ports. */
export function exposedPorts(rec: ContainerRecord): Record<string, Record<string, never>> {
  if (rec.Config.ExposedPorts) return rec.Config.ExposedPorts;
  return Object.fromEntries(rec.HostConfig.PortBindings.map((p) => [portKey(p), {}]));
}

/** NetworkSettings.Ports while it runs: the bound ports (as set up), exposed ones with null; {} otherwise. */
export function networkPorts(rec: ContainerRecord, running: boolean): PortMap {
  if (!running) return {};
  const out: PortMap = {};
  for (const k of Object.keys(exposedPorts(rec))) out[k] = null;
  const bound = rec.NetworkSettings?.Ports;
  if (bound && Object.keys(bound).length) Object.assign(out, bound);
  else for (const p of rec.HostConfig.PortBindings) (out[portKey(p)] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  return out;
}

/** Docker counts a restart when it decides on it: a restart waiting its backoff is counted. */
export function restartCountOf(rec: ContainerRecord): number {
  const r = rec.HostConfig.RestartPolicy ? readRestarting(rec.Id) : undefined;
  return Math.max(rec.RestartCount, r?.count ?? 0);
}

/** State.Health while a health check is configured (Docker shows it for stopped ones too). */
export function healthOf(rec: ContainerRecord): HealthState | undefined {
  const t = rec.Config.Healthcheck?.Test;
  if (!t?.length || t[0] === 'NONE') return undefined;
  return readHealth(files.health(rec.Id));
}

export function inspectHealth(rec: ContainerRecord): { Health?: HealthState } {
  const t = rec.Config.Healthcheck?.Test;
  // Docker's health monitor begins at the first start: a created container has no State.Health
  if (!t?.length || t[0] === 'NONE' || !rec.StartedAt) return {};
  return { Health: readHealth(files.health(rec.Id)) ?? { Status: 'starting', FailingStreak: 0, Log: [] } };
}

/** Docker's ps suffix: (healthy), (unhealthy), (health: starting). */
function healthSuffix(h: HealthState | undefined): string {
  if (!h) return '';
  return h.Status === 'starting' ? ' (health: starting)' : ` (${h.Status})`;
}

export function statusText(st: ContainerState, now = Date.now(), health?: HealthState): string {
  switch (st.Status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(st.StartedAt))}${healthSuffix(health)}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(st.StartedAt))} (Paused)`;
    case 'exited':
      return `Exited (${st.ExitCode}) ${timeAgo(st.FinishedAt, now)}`;
    case 'restarting':
      return `Restarting (${st.ExitCode}) ${timeAgo(st.FinishedAt, now)}`;
    case 'removing':
      return 'Removal In Progress';
    default:
      return 'Created';
  }
}

// ---------------------------------------------------------------------------------------
// ps: Docker's formatter.ContainerContext (docker/cli v20.10 cli/command/formatter/container.go)
// ---------------------------------------------------------------------------------------

/** Go's strconv.Quote: Docker quotes COMMAND with it. */
export function goQuote(s: string): string {
  // nothing quoteRunes would escape (most commands, the "…" of a cut one included)
  return /^[^"\\\x00-\x1f\x7f-\x9f]*$/.test(s) ? `"${s}"` : quoteRunes(s);
}

/** goQuote rune by rune (exported for its test: goQuote's shortcut must give the same). */
export function quoteRunes(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** East Asian wide and full-width characters take two columns (golang.org/x/text/width). */
function charWidth(c: number): number {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) || (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x20000 && c <= 0x3fffd)
    ? 2
    : 1;
}

/** Docker's formatter.Ellipsis: at most max columns, the last one an ellipsis (…) when cut. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  // ASCII (as Docker's fast path: byte length = rune count): one column per character
  if (/^[\x00-\x7f]*$/.test(s)) return s.length <= max ? s : max === 1 ? s[0]! : s.slice(0, max - 1) + '…';
  const rs = [...s];
  if (max === 1) return rs[0] ?? '';
  let width = 0;
  const ends: number[] = [];
  for (const r of rs) ends.push((width += charWidth(r.codePointAt(0)!)));
  if (width <= max) return s;
  let i = 0;
  while (i < rs.length && ends[i]! <= max - 1) i++;
  return rs.slice(0, i).join('') + '…';
}

/** The daemon's Command for ps (moby container/view.go): Path and Args, an arg with a space in '…'. */
export function psCommand(path: string, args: string[]): string {
  if (!args.length) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

interface PortEntry {
  ip: string;
  privatePort: number;
  publicPort: number;
  type: string;
}

/** Docker's formatter.DisplayablePorts: "0.0.0.0:8080->80/tcp, 9000-9001/tcp". */
export function displayablePorts(input: PortEntry[]): string {
  if (!input.length) return '';
  const ports = [...input].sort((a, b) =>
    a.privatePort !== b.privatePort ? a.privatePort - b.privatePort : a.ip !== b.ip ? (a.ip < b.ip ? -1 : 1) : a.publicPort !== b.publicPort ? a.publicPort - b.publicPort : a.type < b.type ? -1 : a.type > b.type ? 1 : 0,
  );
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  const formGroup = (key: string, first: number, last: number): string => {
    const slash = key.indexOf('/');
    const ip = slash < 0 ? '' : key.slice(0, slash);
    const type = slash < 0 ? key : key.slice(slash + 1);
    let g = String(first);
    if (first !== last) g += `-${last}`;
    if (ip) g = `${ip}:${g}->${g}`;
    return `${g}/${type}`;
  };
  for (const p of ports) {
    let key = p.type;
    if (p.ip !== '') {
      if (p.publicPort !== p.privatePort) {
        hostMappings.push(`${p.ip}:${p.publicPort}->${p.privatePort}/${p.type}`);
        continue;
      }
      key = `${p.ip}/${p.type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: p.privatePort, last: p.privatePort });
      continue;
    }
    if (p.privatePort === g.last + 1) {
      g.last = p.privatePort;
      continue;
    }
    result.push(formGroup(key, g.first, g.last));
    groups.set(key, { first: p.privatePort, last: p.privatePort });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

const hasKey = (o: object | null | undefined): boolean => {
  if (o) for (const _ in o) return true;
  return false;
};

/** Docker's ports of a container (its NetworkSettings.Ports while it runs): bound ones and exposed ones. */
function portEntries(rec: ContainerRecord, running: boolean): PortEntry[] {
  // most containers publish and expose nothing: no objects made to find that out (`ps` asks
  // for every row: ~1.3 kB of garbage each)
  if (!running || (!rec.HostConfig.PortBindings.length && !hasKey(rec.Config.ExposedPorts) && !hasKey(rec.NetworkSettings?.Ports))) return [];
  const out: PortEntry[] = [];
  for (const [key, binds] of Object.entries(networkPorts(rec, running))) {
    const [port, type] = key.split('/');
    if (!binds?.length) out.push({ ip: '', privatePort: Number(port), publicPort: 0, type: type ?? 'tcp' });
    for (const b of binds ?? []) out.push({ ip: b.HostIp, privatePort: Number(port), publicPort: Number(b.HostPort), type: type ?? 'tcp' });
  }
  return out;
}

/** Networks a container belongs to, by name -> id ('' when it has not been wired yet): Docker keeps them while it is stopped. */
export function networksOf(rec: ContainerRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const mode = rec.HostConfig.NetworkMode;
  if (!mode.startsWith('container:') && !rec.HostConfig.PrimaryDisconnected) out[mode === 'default' ? 'bridge' : mode] = '';
  for (const x of rec.HostConfig.ExtraNetworks ?? []) out[x.Name] = '';
  for (const [name, ep] of Object.entries(rec.NetworkSettings?.Networks ?? {})) if (name in out) out[name] = ep.NetworkID ?? '';
  return out;
}

/** What the ps filters look at (psfilter.ts), from a record and its state; mounts, networks and ports only when a filter reads them. */
export function psSnapshot(rec: ContainerRecord, st: ContainerState): PsSnapshot {
  return {
    id: rec.Id,
    name: rec.Name,
    created: rec.Created,
    running: st.Running,
    state: st.Status,
    exitCode: st.ExitCode,
    started: !!rec.StartedAt,
    labels: rec.Config.Labels ?? {},
    imageId: rec.Image,
    // Docker's Health.Status(); "none" without a health check
    get health() {
      const t = rec.Config.Healthcheck?.Test;
      if (!t?.length || t[0] === 'NONE') return 'none';
      return healthOf(rec)?.Status ?? 'starting';
    },
    get mounts() {
      return pointsOfRecord(rec).map((m) => ({ source: m.Source, destination: m.Destination, ...(m.Name ? { name: m.Name } : {}) }));
    },
    get networks() {
      return networksOf(rec);
    },
    get ports() {
      return portEntries(rec, st.Running).map((p) => ({ privatePort: p.privatePort, publicPort: p.publicPort, type: p.type }));
    },
  };
}

/** A container's size: its upper dir (SizeRw), and that over the image's layers (SizeRootFs). */
export interface ContainerSize {
  rw: number;
  rootFs: number;
}

/** Docker's pkg/directory.Size: bytes of everything but directories, each inode once, links not followed. */
export function treeSize(dir: string): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      if (st.size === 0 || seen.has(st.ino)) continue;
      seen.add(st.ino);
      total += st.size;
    }
  };
  walk(dir);
  return total;
}

/** Size of the container's writable layer and of its whole root (layer sizes from the image store when it has them). */
export function containerSize(rec: ContainerRecord, imageSize: (id: string) => number | undefined): ContainerSize {
  const rw = treeSize(files.upper(rec.Id));
  const img = imageSize(rec.Image) ?? rec.LayerDirs.reduce((n, d) => n + treeSize(d), 0);
  return { rw, rootFs: rw + img };
}

/** The header row of a table format: Docker's SubHeaderContext for ps. */
export const PS_HEADERS = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
} as const;

/** SubHeaderContext.Label: the header of {{.Label "com.example.vendor"}} is "vendor". */
export function labelHeader(name: string): string {
  const parts = name.split('.');
  return parts[parts.length - 1]!.replace(/[-_]/g, ' ');
}

/**
 * One ps row with Docker's fields (its keys in Go's JSON order, so `{{json .}}` prints as
 * Docker's), and `Label(name)` as a method (a function: JSON leaves it out, as Docker's
 * MarshalJSON leaves out methods with arguments).
 */
export interface PsRow {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Names: string;
  Networks: string;
  Ports: string;
  RunningFor: string;
  Size: string;
  State: string;
  Status: string;
  Platform: null;
  Label: (name: string) => string;
}

export type PsField = Exclude<keyof PsRow, 'Label' | 'Platform'>;
type PsOptions = { noTrunc: boolean; now?: number; size?: ContainerSize };

/** What a row's fields are made of: each field is made only when asked for (psCells). */
class PsCtx {
  readonly trunc: boolean;
  readonly now: number;
  readonly created: number;
  private points?: ReturnType<typeof pointsOfRecord>;
  constructor(
    readonly rec: ContainerRecord,
    readonly st: ContainerState,
    readonly o: PsOptions,
  ) {
    this.trunc = !o.noTrunc;
    this.now = o.now ?? Date.now();
    this.created = Math.floor(Date.parse(rec.Created) / 1000) * 1000;
  }
  mounts() {
    return (this.points ??= pointsOfRecord(this.rec));
  }
}

/** Each ps field, in Go's JSON order (psRow's keys). */
const PS_FIELDS: { [K in PsField]: (c: PsCtx) => string } = {
  Command: (c) => {
    const cmd = psCommand(c.rec.Path, c.rec.Args);
    return goQuote(c.trunc ? ellipsis(cmd, 20) : cmd);
  },
  // Go's time.Time.String() of the Unix seconds: "2026-12-01 09:28:43 +0000 UTC"
  CreatedAt: (c) => goTimeString(c.created, true),
  ID: (c) => (c.trunc ? c.rec.Id.slice(0, 12) : c.rec.Id),
  Image: (c) => c.rec.ImageRef,
  Labels: (c) => Object.entries(c.rec.Config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(','),
  LocalVolumes: (c) => String(c.mounts().filter((m) => m.Type === 'volume').length), // the mounts of the local volume driver
  // Docker's: a volume's name, else the source (a tmpfs has neither)
  Mounts: (c) => c.mounts().map((m) => (c.trunc ? ellipsis(m.Name || m.Source, 15) : m.Name || m.Source)).join(','),
  Names: (c) => c.rec.Name,
  Networks: (c) => Object.keys(networksOf(c.rec)).join(','),
  Ports: (c) => displayablePorts(portEntries(c.rec, c.st.Running)),
  RunningFor: (c) => timeAgo(new Date(c.created).toISOString(), c.now),
  Size: (c) => {
    const size = c.o.size ?? { rw: 0, rootFs: 0 };
    return size.rootFs > 0 ? `${humanSize(size.rw)} (virtual ${humanSize(size.rootFs)})` : humanSize(size.rw);
  },
  State: (c) => c.st.Status,
  Status: (c) => statusText(c.st, c.now, c.st.Status === 'running' ? healthOf(c.rec) : undefined),
};
const PS_FIELD_NAMES = Object.keys(PS_FIELDS) as PsField[];

export function psRow(rec: ContainerRecord, st: ContainerState, o: PsOptions): PsRow {
  const c = new PsCtx(rec, st, o);
  const row = {} as Record<PsField, string>;
  for (const k of PS_FIELD_NAMES) row[k] = PS_FIELDS[k](c);
  const labels = rec.Config.Labels ?? {};
  // a method: a template calls it with its argument; JSON encoders leave functions out
  // Platform: docker 28's field, nil from a daemon before API 1.48 (as minidock's answers)
  return { ...row, Platform: null, Label: (name: string) => labels[name] ?? '' };
}

/**
 * Only the named fields of psRow, in that order: the default table needs 7 of its 14, and
 * `ps` with 100 containers made the other 7 (labels, mounts, networks, times) for nothing.
 */
export function psCells(rec: ContainerRecord, st: ContainerState, o: PsOptions, fields: readonly PsField[]): string[] {
  const c = new PsCtx(rec, st, o);
  return fields.map((k) => PS_FIELDS[k](c));
}
