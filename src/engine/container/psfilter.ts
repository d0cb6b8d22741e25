// `ps --filter`, `-n`, `-l` as Docker's daemon decides them (moby v20.10 daemon/list.go:
// foldFilter + includeContainerInList; api/types/filters/parse.go). Pure: the caller gives
// each container as a snapshot and how to look up a container or an image.
//
// How repeated filters combine (Docker's rules, not a general one):
// - different keys AND; values of one key OR — except `label`, where every value must match;
// - name, id and status values are (unanchored) regular expressions, as Go's regexp.MatchString;
// - before/since cut the list at a container (newest first), the limit counts what is shown.
import { DaemonError, UserError } from '../../errors.js';

export interface PsSnapshot {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** ISO time: the list is newest first. */
  created: string;
  running: boolean;
  /** created | running | exited | removing (Docker's State). */
  state: string;
  exitCode: number;
  /** It has been started at least once (Docker's `exited` filter ignores never-started ones). */
  started: boolean;
  labels: Record<string, string>;
  imageId: string;
  /** Docker's health status: "none" without a healthcheck. */
  health: string;
  mounts: { source: string; destination: string; name?: string }[];
  /** Network name -> network id ('' when not known yet). */
  networks: Record<string, string>;
  /** Docker's container.Ports: published ones with their host port, exposed ones with 0. */
  ports: { privatePort: number; publicPort: number; type: string }[];
}

export type FilterArgs = Map<string, Set<string>>;

const ACCEPTED = new Set(['ancestor', 'before', 'exited', 'id', 'isolation', 'label', 'name', 'status', 'health', 'since', 'volume', 'network', 'is-task', 'publish', 'expose']);
const STATES = new Set(['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited']);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);

/** docker/cli opts.FilterOpt.Set: `key=value`, key lower-cased, both trimmed. A bad one is a flag error (125). */
export function parseFilterFlags(values: string[]): FilterArgs {
  const args: FilterArgs = new Map();
  for (const value of values) {
    if (value === '') continue;
    const eq = value.indexOf('=');
    if (eq < 0) throw new UserError(`invalid argument "${value}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    const key = value.slice(0, eq).trim().toLowerCase();
    const v = value.slice(eq + 1).trim();
    let set = args.get(key);
    if (!set) args.set(key, (set = new Set()));
    set.add(v);
  }
  return args;
}

const daemonError = (msg: string) => new DaemonError(msg, 1);

/** Go's regexp.MatchString for the patterns people type; a pattern JS cannot compile matches nothing (as Go skips a bad one). */
function regexMatch(pattern: string, source: string): boolean {
  let flags = '';
  let p = pattern;
  if (p.startsWith('(?i)')) (flags = 'i'), (p = p.slice(4));
  try {
    return new RegExp(p, flags).test(source);
  } catch {
    return false;
  }
}

/** filters.Args.Match: no values = true; an exact value or any matching regex. */
function match(args: FilterArgs, key: string, source: string): boolean {
  const vals = args.get(key);
  if (!vals || vals.size === 0) return true;
  if (vals.has(source)) return true;
  for (const v of vals) if (regexMatch(v, source)) return true;
  return false;
}

function exactMatch(args: FilterArgs, key: string, source: string): boolean {
  const vals = args.get(key);
  return !vals || vals.size === 0 || vals.has(source);
}

/** filters.Args.MatchKVList: every `k` or `k=v` must be among the labels. */
function matchLabels(args: FilterArgs, labels: Record<string, string>): boolean {
  const vals = args.get('label');
  if (!vals || vals.size === 0) return true;
  if (Object.keys(labels).length === 0) return false;
  for (const v of vals) {
    const eq = v.indexOf('=');
    const k = eq < 0 ? v : v.slice(0, eq);
    if (!Object.hasOwn(labels, k)) return false;
    if (eq >= 0 && labels[k] !== v.slice(eq + 1)) return false;
  }
  return true;
}

/** nat.SplitProtoPort + ParsePortRange: `80`, `80/udp`, `8000-8010/tcp`. */
function portSet(key: string, values: Set<string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const value of values ?? []) {
    if (value.includes(':')) throw daemonError(`filter for '${key}' should not contain ':': ${value}`);
    const slash = value.indexOf('/');
    const port = slash < 0 ? value : value.slice(0, slash);
    const proto = slash < 0 ? 'tcp' : value.slice(slash + 1) || 'tcp';
    const m = /^(\d+)(?:-(\d+))?$/.exec(port);
    const start = m ? Number(m[1]) : NaN;
    const end = m?.[2] !== undefined ? Number(m[2]) : start;
    if (!m || start > 65535 || end > 65535 || end < start) {
      throw daemonError(`error while looking up for ${key} ${value}: ${m ? `invalid range specified for port: ${port}` : `invalid port: ${port}`}`);
    }
    for (let p = start; p <= end; p++) out.add(`${p}/${proto}`);
  }
  return out;
}

export interface Lookups {
  /** A container by full id, name or unique id prefix (Docker's idOrNameFilter). */
  container: (ref: string) => PsSnapshot | undefined;
  /** An image's id by any reference `images` takes; undefined when there is none. */
  imageId: (ref: string) => string | undefined;
}

export interface Folded {
  args: FilterArgs;
  exited: number[];
  before?: string;
  since?: string;
  ancestor?: Set<string>;
  publish: Set<string>;
  expose: Set<string>;
  /** A status filter shows stopped containers too (Docker sets All). */
  all: boolean;
}

/** Checks every filter as the daemon does, in its order; errors exit 1 as daemon errors. */
export function foldFilters(args: FilterArgs, look: Lookups): Folded {
  for (const k of args.keys()) if (!ACCEPTED.has(k)) throw daemonError(`Invalid filter '${k}'`);
  const exited: number[] = [];
  for (const v of args.get('exited') ?? []) {
    if (!/^[+-]?\d+$/.test(v)) throw daemonError(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    exited.push(Number(v));
  }
  let all = false;
  for (const v of args.get('status') ?? []) {
    if (!STATES.has(v)) throw daemonError(`Invalid filter 'status=${v}'`);
    all = true;
  }
  const task = args.get('is-task');
  if (task && !(task.size === 1 && (task.has('true') || task.has('false')))) throw daemonError(`Invalid filter 'is-task=[${[...task].join(' ')}]'`);
  for (const v of args.get('health') ?? []) if (!HEALTH.has(v)) throw daemonError(`Unrecognised filter value for health: ${v}`);
  const cut = (key: string): string | undefined => {
    let id: string | undefined;
    for (const v of args.get(key) ?? []) {
      const c = look.container(v.replace(/^\//, ''));
      if (!c) throw daemonError(`No such container: ${v}`);
      id = c.id;
    }
    return id;
  };
  const before = cut('before');
  const since = cut('since');
  let ancestor: Set<string> | undefined;
  if (args.has('ancestor')) {
    ancestor = new Set();
    for (const v of args.get('ancestor')!) {
      const id = look.imageId(v); // Docker only warns (in its log) about an unknown image
      if (id) ancestor.add(id);
    }
  }
  return { args, exited, before, since, ancestor, publish: portSet('publish', args.get('publish')), expose: portSet('expose', args.get('expose')), all };
}

/**
 * The containers `ps` shows, from snapshots sorted newest first. `limit` > 0 (-n N, -l) shows
 * the N newest of every state, as Docker.
 */
export function selectContainers(snaps: PsSnapshot[], f: Folded, o: { all: boolean; limit: number }): PsSnapshot[] {
  const all = o.all || f.all;
  const out: PsSnapshot[] = [];
  let before = f.before;
  const task = f.args.get('is-task');
  for (const c of snaps) {
    if (before !== undefined) {
      if (c.id === before) before = undefined;
      continue;
    }
    if (f.since !== undefined && c.id === f.since) break;
    if (!c.running && !all && o.limit <= 0) continue;
    if (!match(f.args, 'name', `/${c.name}`) && !match(f.args, 'name', c.name)) continue;
    if (!match(f.args, 'id', c.id)) continue;
    if (task && task.has('true')) continue; // no container here is a swarm task
    if (!matchLabels(f.args, c.labels)) continue;
    if (!exactMatch(f.args, 'isolation', '')) continue; // Linux containers' HostConfig.Isolation is ""
    if (o.limit > 0 && out.length === o.limit) break;
    if (f.exited.length && !(f.exited.includes(c.exitCode) && !c.running && c.started)) continue;
    if (!match(f.args, 'status', c.state)) continue;
    if (!exactMatch(f.args, 'health', c.health)) continue;
    const vols = f.args.get('volume');
    if (vols && ![...vols].some((v) => c.mounts.some((m) => m.destination === v || (m.name ?? m.source) === v))) continue;
    if (f.ancestor && !f.ancestor.has(c.imageId)) continue;
    const nets = f.args.get('network');
    if (nets && ![...nets].some((v) => Object.hasOwn(c.networks, v) || Object.values(c.networks).some((id) => id !== '' && id.startsWith(v)))) continue;
    if (f.publish.size || f.expose.size) {
      const hit = c.ports.some((p) => f.publish.has(`${p.publicPort}/${p.type}`) || f.expose.has(`${p.privatePort}/${p.type}`));
      if (!hit) continue;
    }
    out.push(c);
  }
  return out;
}
