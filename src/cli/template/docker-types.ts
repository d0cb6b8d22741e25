// What Docker's typed inspect structs (api/types) make of some JSON members, for the first of
// the two passes `docker inspect -f` runs (cli/command/inspect/inspector.go): the template runs
// on the typed struct, and only if that fails again on the raw JSON with missingkey=error. On the
// typed struct a Go map's missing key is <no value> (not an error), a nil slice prints [] and a
// nil map map[], and an empty struct{} (a member of ExposedPorts or Volumes) prints {}. typedView
// marks those members by their path; a path not listed here behaves as in the raw pass.
// Checked against the docker CLI's own structs (test/integration/template-docker-cli.test.ts).
// ('*' is any key of a map, or any element of a slice.)

const MAPS = [
  'Config.Labels', 'Config.Volumes', 'ContainerConfig.Labels', 'ContainerConfig.Volumes', 'HostConfig.LogConfig.Config', 'HostConfig.Sysctls', 'HostConfig.StorageOpt', 'HostConfig.Tmpfs', 'HostConfig.Annotations',
  'NetworkSettings.Networks', 'NetworkSettings.Networks.*.DriverOpts', 'GraphDriver.Data',
  // networks and volumes
  'Labels', 'Options', 'Containers', 'IPAM.Options', 'Status',
];

/**
 * Maps keyed by nat.Port (a named string type): a field name or a string given to `index` is not
 * assignable to the key type, so `.NetworkSettings.Ports.x` and `index .NetworkSettings.Ports
 * "80/tcp"` fail the typed pass and the raw JSON answers. (An image's Config is API 1.44's
 * container.Config here, as for docker up to 27; docker 28's OCI image config has string keys.)
 */
const PORT_MAPS = ['Config.ExposedPorts', 'ContainerConfig.ExposedPorts', 'HostConfig.PortBindings', 'NetworkSettings.Ports'];

/**
 * Members whose Go field is named otherwise than the JSON key (HostConfig's `DNS []string
 * json:"Dns"`, IPAMConfig's `AuxAddress … json:"AuxiliaryAddresses"`): not a field of the typed
 * struct, so the raw pass answers (a null one is <no value>, a missing one an error).
 */
const RENAMED = ['HostConfig.Dns', 'HostConfig.DnsOptions', 'HostConfig.DnsSearch', 'IPAM.Config.*.AuxiliaryAddresses'];

const SLICES = [
  'Args', 'ExecIDs', 'Mounts', 'RepoTags', 'RepoDigests', 'RootFS.Layers', 'IPAM.Config',
  'Config.Cmd', 'Config.Entrypoint', 'Config.Env', 'Config.Shell', 'Config.OnBuild', 'Config.Healthcheck.Test',
  'ContainerConfig.Cmd', 'ContainerConfig.Entrypoint', 'ContainerConfig.Env', 'ContainerConfig.Shell', 'ContainerConfig.OnBuild',
  'HostConfig.Binds', 'HostConfig.Links', 'HostConfig.ExtraHosts',
  'HostConfig.CapAdd', 'HostConfig.CapDrop', 'HostConfig.GroupAdd', 'HostConfig.SecurityOpt', 'HostConfig.VolumesFrom', 'HostConfig.Devices',
  'HostConfig.DeviceRequests', 'HostConfig.DeviceCgroupRules', 'HostConfig.Ulimits', 'HostConfig.Mounts', 'HostConfig.MaskedPaths', 'HostConfig.ReadonlyPaths',
  'HostConfig.BlkioWeightDevice', 'HostConfig.BlkioDeviceReadBps', 'HostConfig.BlkioDeviceWriteBps', 'HostConfig.BlkioDeviceReadIOps', 'HostConfig.BlkioDeviceWriteIOps',
  'State.Health.Log', 'NetworkSettings.SecondaryIPAddresses', 'NetworkSettings.SecondaryIPv6Addresses',
  'NetworkSettings.Ports.*', 'NetworkSettings.Networks.*.Aliases', 'NetworkSettings.Networks.*.Links', 'NetworkSettings.Networks.*.DNSNames',
  'HostConfig.PortBindings.*',
];

const EMPTY_STRUCTS = ['Config.ExposedPorts.*', 'Config.Volumes.*', 'ContainerConfig.ExposedPorts.*', 'ContainerConfig.Volumes.*'];

/**
 * Pointer members (moby api/types), most `json:",omitempty"`: absent from the JSON when unset, but
 * present on the typed struct as nil, so `{{.HostConfig.Init}}` prints <nil> and
 * `{{json .State.Health}}` null there instead of "map has no entry for key" (see view()).
 */
const NIL_POINTERS = ['HostConfig.Init', 'State.Health', 'Config.Healthcheck', 'Config.StopTimeout', 'HostConfig.OomKillDisable', 'HostConfig.PidsLimit', 'HostConfig.MemorySwappiness'];

/**
 * Members of 20.10's JSON that docker 28's typed struct no longer has (removed from api/types):
 * absent from the typed pass, so the raw JSON answers `{{.HostConfig.KernelMemory}}`, and
 * `{{json .HostConfig}}` leaves them out as docker 28 does.
 */
const ABSENT = ['HostConfig.KernelMemory', 'HostConfig.KernelMemoryTCP'];

/** Members docker 28's struct declares elsewhere than 20.10's JSON has them: [path, member, after]. */
const MOVED: [string, string, string][] = [['HostConfig', 'ConsoleSize', 'VolumesFrom']];

/**
 * What `json` makes of a typed struct (encoding/json on it): its members in the JSON's order,
 * without those the typed view added as nil for an omitempty member the JSON left out, with the
 * renamed ones (json tag "Dns" on field DNS) that field access cannot see.
 */
export const GO_JSON = Symbol('go struct as json');

/** Marks an object as a Go map (a missing key is <no value> in the typed pass). */
export const GO_MAP = Symbol('go map');
/** Marks an empty array or object that stands for a nil slice or map (json: null). */
export const GO_NIL = Symbol('go nil');
/** Marks an object as a Go struct{} value: prints {}. */
export const GO_EMPTY_STRUCT = Symbol('go struct{}');
/** Marks a Go map keyed by nat.Port: no field of it can be named, `index` by a string fails. */
export const GO_PORT_KEYS = Symbol('go map[nat.Port]');

type Trie = { kind?: 'map' | 'portmap' | 'slice' | 'struct' | 'nilptr' | 'renamed' | 'absent'; next: Map<string, Trie>; moved?: [string, string][] };

function trie(): Trie {
  const root: Trie = { next: new Map() };
  const node = (path: string): Trie => {
    let t = root;
    for (const part of path.split('.')) {
      let n = t.next.get(part);
      if (!n) t.next.set(part, (n = { next: new Map() }));
      t = n;
    }
    return t;
  };
  const add = (path: string, kind: Trie['kind']): void => {
    node(path).kind = kind;
  };
  for (const [path, member, after] of MOVED) (node(path).moved ??= []).push([member, after]);
  MAPS.forEach((p) => add(p, 'map'));
  PORT_MAPS.forEach((p) => add(p, 'portmap'));
  RENAMED.forEach((p) => add(p, 'renamed'));
  SLICES.forEach((p) => add(p, 'slice'));
  EMPTY_STRUCTS.forEach((p) => add(p, 'struct'));
  NIL_POINTERS.forEach((p) => add(p, 'nilptr'));
  ABSENT.forEach((p) => add(p, 'absent'));
  return root;
}

// built when the template engine loads (a hundred paths: microseconds), not on first use, so that
// no test depends on which one ran first
const TRIE = trie();

/** A copy of an inspect document with Docker's typed members marked (see the top of this file). */
export function typedView(doc: unknown): unknown {
  return view(doc, TRIE);
}

/**
 * The document with its Go maps' keys sorted, as encoding/json writes a map (Labels given as
 * `-l b=2 -l a=1` print a, then b); structs keep their order. What the trie does not name is
 * left as it is.
 */
export function goMapsSorted(doc: unknown): unknown {
  return sortMaps(doc, TRIE);
}

function sortMaps(v: unknown, t: Trie | undefined): unknown {
  if (!t || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => sortMaps(x, t.next.get('*')));
  const map = t.kind === 'map' || t.kind === 'portmap';
  const keys = Object.keys(v);
  if (map) keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sortMaps((v as Record<string, unknown>)[k], t.next.get(map ? '*' : k));
  return out;
}

/** The kinds whose zero value is nil: what a struct member the JSON leaves out is on the typed struct. */
const NIL_ZERO = new Set<Trie['kind']>(['map', 'portmap', 'slice', 'nilptr']);

function view(v: unknown, t: Trie | undefined): unknown {
  const kind = t?.kind;
  if (v === null) {
    if (kind === 'slice') return Object.assign([], { [GO_NIL]: true });
    if (kind === 'map') return Object.assign({}, { [GO_NIL]: true, [GO_MAP]: true });
    if (kind === 'portmap') return Object.assign({}, { [GO_NIL]: true, [GO_PORT_KEYS]: true });
    return v;
  }
  if (Array.isArray(v)) {
    const star = t?.next.get('*');
    return v.map((x) => view(x, star));
  }
  if (typeof v === 'object') {
    const out: Record<string | symbol, unknown> = {};
    const map = kind === 'map' || kind === 'portmap';
    const json: [string, unknown][] = [];
    for (const [k, x] of Object.entries(v as object)) {
      const n = t?.next.get(map ? '*' : k);
      if (n?.kind === 'absent') continue;
      const typed = view(x, n?.kind === 'renamed' ? { next: n.next } : n);
      json.push([k, typed]);
      if (n?.kind !== 'renamed') out[k] = typed;
    }
    for (const [member, after] of t?.moved ?? []) {
      const i = json.findIndex(([k]) => k === member);
      if (i < 0) continue;
      const [entry] = json.splice(i, 1);
      json.splice(json.findIndex(([k]) => k === after) + 1, 0, entry!);
    }
    if (!map) out[GO_JSON] = json;
    // A member the JSON leaves out (Docker's omitempty: HostConfig.Tmpfs, HostConfig.Mounts,
    // HostConfig.Init) is nil on the typed struct. Not at the top: one list
    // serves all four kinds, whose top-level members differ (a container has no Labels); below
    // it each parent is one struct (an image's Config is a container.Config too, API 1.44).
    if (!map && t !== TRIE) for (const [k, n] of t?.next ?? []) if (NIL_ZERO.has(n.kind) && !(k in out)) out[k] = view(null, n);
    if (kind === 'map') out[GO_MAP] = true;
    if (kind === 'portmap') out[GO_PORT_KEYS] = true;
    if (kind === 'struct' && Object.keys(out).length === 0) out[GO_EMPTY_STRUCT] = true;
    return out;
  }
  return v;
}
