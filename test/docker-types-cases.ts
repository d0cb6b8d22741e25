// `inspect -f`'s typed pass (src/cli/template/docker-types.ts) against the real docker CLI: the
// documents a daemon could send for a container, an image, a network and a volume, with the
// members Docker's api/types structs decode as maps, slices, struct{} values and omitempty
// pointers set to null, left out or filled, and templates that tell each member's Go type by
// what it prints. test/integration/template-docker-cli.test.ts serves the documents to each
// docker CLI on the machine (a fake daemon on a unix socket) and records what it prints in
// test/unit/docker-types-golden.json; test/unit/template-docker-types.test.ts replays that.
// The member lists are Docker's (moby api/types: container.Config, container.HostConfig,
// types.ContainerJSON, image.InspectResponse, network.Inspect, volume.Volume), written out here
// on their own, not taken from docker-types.ts, so that a member missing there shows.

export type Kind = 'container' | 'image' | 'network' | 'volume';

/** Members Docker decodes as Go maps, by kind. */
const MAPS: Record<Kind, string[]> = {
  container: [
    'Config.Labels', 'Config.ExposedPorts', 'Config.Volumes', 'HostConfig.PortBindings', 'HostConfig.LogConfig.Config', 'HostConfig.Sysctls',
    'HostConfig.StorageOpt', 'HostConfig.Tmpfs', 'HostConfig.Annotations', 'NetworkSettings.Ports', 'NetworkSettings.Networks', 'GraphDriver.Data',
  ],
  image: ['Config.Labels', 'Config.ExposedPorts', 'Config.Volumes', 'ContainerConfig.Labels', 'ContainerConfig.ExposedPorts', 'ContainerConfig.Volumes', 'GraphDriver.Data'],
  network: ['Labels', 'Options', 'Containers', 'IPAM.Options'],
  volume: ['Labels', 'Options', 'Status'],
};

/** Members Docker decodes as Go slices, by kind. */
const SLICES: Record<Kind, string[]> = {
  container: [
    'Args', 'ExecIDs', 'Mounts', 'Config.Cmd', 'Config.Entrypoint', 'Config.Env', 'Config.Shell', 'Config.OnBuild', 'Config.Healthcheck.Test',
    'HostConfig.Binds', 'HostConfig.Links', 'HostConfig.Dns', 'HostConfig.DnsOptions', 'HostConfig.DnsSearch', 'HostConfig.ExtraHosts',
    'HostConfig.CapAdd', 'HostConfig.CapDrop', 'HostConfig.GroupAdd', 'HostConfig.SecurityOpt', 'HostConfig.VolumesFrom', 'HostConfig.Devices',
    'HostConfig.DeviceRequests', 'HostConfig.DeviceCgroupRules', 'HostConfig.Ulimits', 'HostConfig.Mounts', 'HostConfig.MaskedPaths', 'HostConfig.ReadonlyPaths',
    'HostConfig.BlkioWeightDevice', 'HostConfig.BlkioDeviceReadBps', 'HostConfig.BlkioDeviceWriteBps', 'HostConfig.BlkioDeviceReadIOps', 'HostConfig.BlkioDeviceWriteIOps',
    'State.Health.Log', 'NetworkSettings.SecondaryIPAddresses', 'NetworkSettings.SecondaryIPv6Addresses',
  ],
  image: [
    'RepoTags', 'RepoDigests', 'RootFS.Layers', 'Config.Cmd', 'Config.Entrypoint', 'Config.Env', 'Config.Shell', 'Config.OnBuild',
    'ContainerConfig.Cmd', 'ContainerConfig.Entrypoint', 'ContainerConfig.Env', 'ContainerConfig.Shell', 'ContainerConfig.OnBuild',
  ],
  network: ['IPAM.Config'],
  volume: [],
};

/** Pointer members (`omitempty` or not): nil when absent or null. */
const POINTERS: Record<Kind, string[]> = {
  container: [
    'HostConfig.Init', 'State.Health', 'Config.Healthcheck', 'Config.StopTimeout', 'HostConfig.OomKillDisable', 'HostConfig.PidsLimit',
    'HostConfig.MemorySwappiness',
  ],
  // (not Config.StopTimeout: docker 28's image config, the OCI one, has none; 20.10's has)
  image: ['Config.Healthcheck'],
  network: [],
  volume: [],
};

/** Members inside a map's or slice's elements (reached through the `bridge` network and the 80/tcp port). */
const EP_SLICES = ['Aliases', 'Links', 'DNSNames'];

/** What the full documents hold where a member's elements are not strings. */
const FULL: Record<string, unknown> = {
  'Config.ExposedPorts': { '80/tcp': {}, '53/udp': {} }, 'ContainerConfig.ExposedPorts': { '80/tcp': {} },
  'Config.Volumes': { '/data': {} }, 'ContainerConfig.Volumes': { '/data': {} },
  'HostConfig.PortBindings': { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, 'NetworkSettings.Ports': { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] },
  'NetworkSettings.Networks': { bridge: { IPAddress: '172.17.0.2', Aliases: ['a'] } }, Containers: { c0ffee: { Name: 'x', IPv4Address: '10.1.0.2/24' } },
  Status: { k: 1 },
  Mounts: [{ Type: 'volume', Destination: '/d' }], 'HostConfig.Devices': [{ PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'rwm' }],
  'HostConfig.DeviceRequests': [{ Count: 1 }], 'HostConfig.Ulimits': [{ Name: 'nofile', Soft: 1, Hard: 2 }], 'HostConfig.Mounts': [{ Type: 'tmpfs', Target: '/t' }],
  'HostConfig.BlkioWeightDevice': [{ Path: '/dev/sda', Weight: 10 }], 'HostConfig.BlkioDeviceReadBps': [{ Path: '/dev/sda', Rate: 1 }],
  'HostConfig.BlkioDeviceWriteBps': [{ Path: '/dev/sda', Rate: 1 }], 'HostConfig.BlkioDeviceReadIOps': [{ Path: '/dev/sda', Rate: 1 }],
  'HostConfig.BlkioDeviceWriteIOps': [{ Path: '/dev/sda', Rate: 1 }], 'State.Health.Log': [{ ExitCode: 0, Output: 'ok' }],
  'NetworkSettings.SecondaryIPAddresses': [{ Addr: '10.0.0.9', PrefixLen: 24 }], 'NetworkSettings.SecondaryIPv6Addresses': [{ Addr: 'fe80::9', PrefixLen: 64 }],
  'IPAM.Config': [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.1', AuxiliaryAddresses: null }],
};
/** A whole struct prints differently (docs/templates.md): the full documents' struct members are only counted. */
const structy = (p: string) => FULL[p] !== undefined && !Object.values(FULL[p] as object).every((x) => typeof x === 'string');

function set(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = doc;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts.at(-1)!] = value;
}

function base(kind: Kind): Record<string, unknown> {
  if (kind === 'container') return { Id: 'c0ffee', Name: '/x', State: { Status: 'running', Running: true, Pid: 42 }, Config: { Image: 'busybox' }, HostConfig: { NetworkMode: 'bridge' } };
  if (kind === 'image') return { Id: 'sha256:abc', Os: 'linux', Config: { User: '' }, ContainerConfig: { User: '' } };
  if (kind === 'network') return { Name: 'n', Id: 'abc', Driver: 'bridge', IPAM: { Driver: 'default' } };
  return { Name: 'v', Driver: 'local', Mountpoint: '/var/lib/docker/volumes/v/_data' };
}

/**
 * The documents, by kind and name: `null` (every map and slice null, the pointers left out),
 * `full` (each filled, the pointers set), `inner` (the members inside a network's endpoint, a
 * port's bindings, a health log entry, ExposedPorts' and Volumes' struct{} values).
 */
export const DOCS: Record<Kind, Record<string, Record<string, unknown>>> = (() => {
  const out = {} as Record<Kind, Record<string, Record<string, unknown>>>;
  for (const kind of ['container', 'image', 'network', 'volume'] as Kind[]) {
    const nul = base(kind);
    const full = base(kind);
    for (const p of MAPS[kind]) set(nul, p, null);
    for (const p of SLICES[kind]) set(nul, p, null);
    for (const p of MAPS[kind]) set(full, p, FULL[p] ?? { k: 'v' });
    for (const p of SLICES[kind]) set(full, p, FULL[p] ?? ['a', 'b']);
    out[kind] = { null: nul, full };
  }
  const c = out.container;
  // State.Health.Log's parent is a pointer: the null document needs it there for Log's sake
  c.null.State = { Status: 'exited', Running: false, Pid: 0 };
  set(c.null, 'State.Health', { Status: 'healthy', FailingStreak: 0, Log: null });
  set(c.null, 'Config.Healthcheck', { Test: null });
  c.nullptr = base('container');
  for (const p of POINTERS.container) set(c.nullptr, p, null);
  set(c.nullptr, 'NetworkSettings.Networks', { bridge: { IPAMConfig: null, Aliases: ['a'], IPAddress: '172.17.0.2' } });
  for (const p of POINTERS.container) if (p !== 'State.Health' && p !== 'Config.Healthcheck') set(c.full, p, p === 'HostConfig.Init' || p === 'HostConfig.OomKillDisable' ? true : 7);
  set(c.full, 'State.Health', { Status: 'healthy', FailingStreak: 0, Log: [{ ExitCode: 0, Output: 'ok' }] });
  set(c.full, 'Config.Healthcheck', { Test: ['CMD', 'true'] });
  set(c.full, 'HostConfig.ConsoleSize', [0, 0]);
  c.inner = base('container');
  set(c.inner, 'NetworkSettings.Networks', { bridge: { IPAMConfig: { LinkLocalIPs: ['169.254.1.1'] }, Aliases: null, Links: null, DNSNames: null, DriverOpts: null, IPAddress: '172.17.0.2' } });
  set(c.inner, 'NetworkSettings.Ports', { '80/tcp': null, '443/tcp': [{ HostIp: '0.0.0.0', HostPort: '8443' }] });
  set(c.inner, 'HostConfig.PortBindings', { '80/tcp': null });
  set(c.inner, 'Config.ExposedPorts', { '80/tcp': {} });
  set(c.inner, 'Config.Volumes', { '/data': {} });
  set(c.inner, 'Config.Labels', { k: 'v' });
  set(c.inner, 'Mounts', [{ Type: 'volume', Name: 'v', Source: '/s', Destination: '/d', RW: true }]);
  c.empty = base('container');
  set(c.empty, 'Config.Labels', {});
  set(c.empty, 'HostConfig.LogConfig', { Type: 'json-file', Config: {} });
  set(c.empty, 'Config.ExposedPorts', {});
  set(c.empty, 'Config.Volumes', { '/data': {} });
  // every member below the top left out (the top's differ by kind: docs/templates.md)
  c.absent = { ...base('container'), Config: {}, HostConfig: { LogConfig: { Type: 'none' } }, State: { Health: { Status: 'none' } }, GraphDriver: {} };
  set(c.absent, 'NetworkSettings.Networks', { bridge: { IPAddress: '172.17.0.2' } });
  set(c.absent, 'NetworkSettings.Ports', { '80/tcp': [{ HostIp: '', HostPort: '1' }] });
  out.image.absent = { ...base('image'), Config: {}, ContainerConfig: {}, RootFS: {}, GraphDriver: {} };
  out.network.absent = { ...base('network'), IPAM: { Driver: 'default', Config: [{ Subnet: '10.1.0.0/24' }] } };
  for (const p of POINTERS.image) set(out.image.full, p, p === 'Config.Healthcheck' ? { Test: ['NONE'] } : 3);
  return out;
})();

export interface TypedCase {
  kind: Kind;
  doc: string;
  tpl: string;
}

/** The templates, each on the documents it tells something about. */
export const CASES: TypedCase[] = (() => {
  const out: TypedCase[] = [];
  const add = (kind: Kind, docs: string[], tpls: string[]) => {
    for (const doc of docs) for (const tpl of tpls) out.push({ kind, doc, tpl });
  };
  for (const kind of ['container', 'image', 'network', 'volume'] as Kind[]) {
    // (not an image's Config.ExposedPorts: nat.PortSet up to docker 27, string keys in 28's OCI config)
    for (const p of MAPS[kind]) if (kind !== 'image' || p !== 'Config.ExposedPorts') add(kind, ['null', 'full'], [`{{.${p}.nosuch}}`]);
    for (const p of MAPS[kind]) add(kind, ['null'], [`{{.${p}}}`, `{{len .${p}}}`, `{{json .${p}}}`]);
    for (const p of SLICES[kind]) add(kind, ['null'], [`{{.${p}}}`, `{{len .${p}}}`, `{{json .${p}}}`]);
    for (const p of [...MAPS[kind], ...SLICES[kind]]) add(kind, ['full'], structy(p) ? [`{{len .${p}}}`] : [`{{.${p}}}`, `{{len .${p}}}`, `{{json .${p}}}`]);
    // absent (the container's null document has State.Health and Config.Healthcheck for their slices), set, null
    // (a whole struct prints its Go value, a pointer's address inside: only its JSON here)
    for (const p of POINTERS[kind]) add(kind, kind === 'container' ? ['inner', 'nullptr'] : ['null'], [`{{.${p}}}`, `{{json .${p}}}`]);
    for (const p of POINTERS[kind]) if (!/Health/.test(p)) add(kind, ['full'], [`{{.${p}}}`, `{{json .${p}}}`]);
    // a member no struct of this kind has fails both passes (a volume's has no raw pass: its
    // error names the Go type, see docs/templates.md)
    if (kind !== 'volume') add(kind, ['null'], ['{{.Nosuch}}', '{{.Config.Nosuch}}']);
    add(kind, ['null'], ['{{.Labels.x}}']);
  }
  add('container', ['inner'], [
    ...EP_SLICES.flatMap((m) => [`{{range .NetworkSettings.Networks}}{{.${m}}}{{end}}`, `{{.NetworkSettings.Networks.bridge.${m}}}`]),
    '{{.NetworkSettings.Networks.bridge.DriverOpts}}', '{{.NetworkSettings.Networks.bridge.DriverOpts.x}}', '{{.NetworkSettings.Networks.bridge.IPAMConfig.LinkLocalIPs}}',
    '{{.NetworkSettings.Networks.nosuch}}', '{{.NetworkSettings.Networks.bridge.Nosuch}}',
    '{{range $k, $v := .NetworkSettings.Ports}}{{$k}}={{len $v}};{{end}}', '{{range .NetworkSettings.Ports}}{{if .}}{{len .}}{{else}}{{.}}{{end}};{{end}}', '{{index .NetworkSettings.Ports "443/tcp"}}', '{{index .NetworkSettings.Ports "80/tcp"}}', '{{(index (index .NetworkSettings.Ports "443/tcp") 0).HostPort}}',
    '{{range $k, $v := .HostConfig.PortBindings}}{{$k}}={{$v}} {{len $v}};{{end}}',
    '{{.Config.ExposedPorts}}', '{{range $k, $v := .Config.ExposedPorts}}{{$k}}={{$v}};{{end}}', '{{.Config.Volumes}}', '{{range $k, $v := .Config.Volumes}}{{$k}}={{$v}};{{end}}',
    '{{index .Config.Volumes "/data"}}', '{{json .Config.Volumes}}', '{{printf "%T|%v|%+v|%#v" (index .Config.Volumes "/data") (index .Config.Volumes "/data") (index .Config.Volumes "/data") (index .Config.Volumes "/data")}}',
    '{{range $p, $v := .Config.ExposedPorts}}{{printf "%T|%#v" $v $v}}{{end}}', '{{.Config.Labels.nosuch}}', '{{.Config.Labels.k}}', '{{range .Mounts}}{{.Name}} {{.Destination}}{{end}}',
  ]);
  add('container', ['full'], ['{{.Config.ExposedPorts}}', '{{.Config.Volumes}}', '{{.State.Health.Status}}', '{{range .State.Health.Log}}{{.Output}}{{end}}', '{{.Config.Healthcheck.Test}}', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}']);
  // an array of two, not a slice (a null one would be Go's [0 0]; minidock always sends two numbers)
  add('container', ['full'], ['{{.HostConfig.ConsoleSize}}', '{{len .HostConfig.ConsoleSize}}']);
  add('container', ['nullptr'], ['{{.NetworkSettings.Networks.bridge.IPAMConfig}}', '{{json .NetworkSettings.Networks.bridge.IPAMConfig}}', '{{.NetworkSettings.Networks.bridge.Aliases}}']);
  add('image', ['full'], ['{{.Config.ExposedPorts}}', '{{.Config.Volumes}}', '{{.ContainerConfig.ExposedPorts}}', '{{.ContainerConfig.Volumes}}']);
  // an empty map is a map (map[]), not one of the struct{} values ({})
  add('container', ['empty'], ['{{.Config.Labels}}', '{{.HostConfig.LogConfig.Config}}', '{{.Config.ExposedPorts}}', '{{range $k, $v := .Config.Volumes}}{{$k}}={{$v}};{{end}}']);
  for (const kind of ['container', 'image', 'network'] as Kind[]) {
    const has = (p: string) => p.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], DOCS[kind].absent) !== undefined;
    const below = [...MAPS[kind], ...SLICES[kind], ...POINTERS[kind]].filter((p) => p.includes('.') && !has(p));
    add(kind, ['absent'], below.map((p) => `{{.${p}}}`));
  }
  add('container', ['absent'], [...EP_SLICES, 'DriverOpts'].map((m) => `{{.NetworkSettings.Networks.bridge.${m}}}`));
  add('container', ['absent'], ['{{range .NetworkSettings.Ports}}{{range .}}{{.HostPort}}{{end}}{{end}}', '{{.HostConfig.Dns}}', '{{.HostConfig.LogConfig.Type}}']);
  add('network', ['absent'], ['{{range .IPAM.Config}}{{.AuxiliaryAddresses}}{{end}}', '{{range .IPAM.Config}}{{len .AuxiliaryAddresses}} {{.AuxiliaryAddresses.x}}{{end}}']);
  add('network', ['full', 'null'], ['{{range .IPAM.Config}}{{.AuxiliaryAddresses}}{{end}}']);
  add('network', ['full'], ['{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}', '{{range $id, $c := .Containers}}{{$id}} {{$c.Name}}{{end}}']);
  return out;
})();
