// POST /containers/create: Docker's JSON (Config + HostConfig + NetworkingConfig) → the flags
// `minidock run` takes, so the create goes through the CLI's own checks and code
// (src/engine/container/run.ts). A field minidock cannot honour is refused with 400, never
// dropped: an empty value (0, "", false, [], {}, null) is what clients send for "not set".
// Pure (test/unit/api-create-body.test.ts).
import type { RunFlags } from '../engine/container/run.js';
import { ApiError } from './http.js';

type Json = Record<string, unknown>;

export interface CreateRequest {
  image: string;
  command: string[];
  flags: RunFlags;
  /** HostConfig.ConsoleSize [rows, cols] of a TTY container (API 1.42+ clients): its pty's size at start */
  consoleSize?: [number, number];
}

const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && (v.length === 0 || v.every(isEmpty))) || (typeof v === 'object' && !Array.isArray(v) && Object.values(v as Json).every(isEmpty));

const strList = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ApiError(400, `${field}: expected a list of strings`);
  return v as string[];
};

const str = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ApiError(400, `${field}: expected a string`);
  return v;
};

const num = (v: unknown, field: string): number | undefined => {
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ApiError(400, `${field}: expected a number`);
  return v;
};

/** The Config fields read here; any other one with a value is refused. */
const CONFIG_KEYS = new Set([
  'Image', 'Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'Hostname', 'User', 'Tty', 'OpenStdin', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal', 'StopTimeout', 'MacAddress',
  // what the client will attach to, and Docker's own bookkeeping: no behaviour of their own
  'AttachStdin', 'AttachStdout', 'AttachStderr', 'StdinOnce', 'Domainname', 'HostConfig', 'NetworkingConfig', 'OnBuild',
]);
const HOST_KEYS = new Set([
  'Binds', 'PortBindings', 'NetworkMode', 'AutoRemove', 'Privileged', 'CapAdd', 'CapDrop', 'ReadonlyRootfs', 'RestartPolicy', 'Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares',
  'PidsLimit', 'Tmpfs', 'Init', 'Links', 'LogConfig', 'SecurityOpt', 'PublishAllPorts', 'Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts', 'Sysctls', 'ShmSize', 'GroupAdd', 'Devices', 'PidMode',
  'IpcMode', 'UTSMode', 'Mounts', 'VolumesFrom', 'CpusetCpus', 'CpusetMems', 'Ulimits',
  // values that say "the default" in every client: checked below to be so
  'ConsoleSize', 'Isolation', 'CgroupnsMode', 'Runtime', 'OomKillDisable', 'MemorySwappiness', 'MaskedPaths', 'ReadonlyPaths', 'ContainerIDFile',
]);

/** A value of one of the "default" keys that is not the default is refused like an unknown key. */
function checkDefaults(hc: Json): void {
  const bad = (k: string) => new ApiError(400, `HostConfig.${k} is not supported by minidock's Engine API`);
  if (hc.Isolation && hc.Isolation !== 'default') throw bad('Isolation');
  if (hc.CgroupnsMode && hc.CgroupnsMode !== 'private' && hc.CgroupnsMode !== 'host') throw bad('CgroupnsMode');
  if (hc.Runtime && hc.Runtime !== 'runc' && hc.Runtime !== 'minidock') throw bad('Runtime');
  if (hc.OomKillDisable) throw bad('OomKillDisable');
  if (hc.MemorySwappiness !== undefined && hc.MemorySwappiness !== null && hc.MemorySwappiness !== -1) throw bad('MemorySwappiness');
  if (!isEmpty(hc.MaskedPaths)) throw bad('MaskedPaths');
  if (!isEmpty(hc.ReadonlyPaths)) throw bad('ReadonlyPaths');
  if (!isEmpty(hc.ContainerIDFile)) throw bad('ContainerIDFile');
}

function refuseUnknown(obj: Json, known: Set<string>, where: string): void {
  const extra = Object.keys(obj).filter((k) => !known.has(k) && !isEmpty(obj[k]));
  if (extra.length) throw new ApiError(400, `${extra.map((k) => `${where}${k}`).join(', ')}: not supported by minidock's Engine API`);
}

/** "80/tcp" → [{HostIp, HostPort}] → `-p` specs. */
function publishSpecs(pb: unknown): string[] {
  if (pb === undefined || pb === null) return [];
  // (not isEmpty: `-p 80` is {"80/tcp":[{"HostIp":"","HostPort":""}]}, all empty strings)
  if (typeof pb !== 'object' || Array.isArray(pb)) throw new ApiError(400, 'HostConfig.PortBindings: expected an object');
  const out: string[] = [];
  for (const [port, bindings] of Object.entries(pb as Json)) {
    const list = (bindings ?? [{}]) as { HostIp?: string; HostPort?: string }[];
    if (!Array.isArray(list)) throw new ApiError(400, `HostConfig.PortBindings[${port}]: expected a list`);
    for (const b of list.length ? list : [{}]) {
      const ip = b.HostIp ? (b.HostIp.includes(':') ? `[${b.HostIp}]:` : `${b.HostIp}:`) : '';
      // `-p` syntax: PORT (a free host port), HOSTPORT:PORT, IP:HOSTPORT:PORT, IP::PORT
      out.push(!ip && !b.HostPort ? port : `${ip}${b.HostPort ?? ''}:${port}`);
    }
  }
  return out;
}

function mountSpec(m: Json): string {
  const parts = [`type=${str(m.Type, 'Mounts.Type') ?? 'volume'}`];
  const source = str(m.Source, 'Mounts.Source');
  if (source) parts.push(`source=${source}`);
  parts.push(`target=${str(m.Target, 'Mounts.Target') ?? ''}`);
  if (m.ReadOnly) parts.push('readonly');
  const known = new Set(['Type', 'Source', 'Target', 'ReadOnly', 'Consistency', 'BindOptions', 'VolumeOptions', 'TmpfsOptions']);
  refuseUnknown(m, known, 'Mounts.');
  const tmpfs = m.TmpfsOptions as { SizeBytes?: number; Mode?: number } | undefined;
  if (tmpfs?.SizeBytes) parts.push(`tmpfs-size=${tmpfs.SizeBytes}`);
  if (tmpfs?.Mode) parts.push(`tmpfs-mode=${tmpfs.Mode.toString(8)}`);
  const bind = m.BindOptions as Json | undefined;
  if (bind && !isEmpty(bind)) throw new ApiError(400, "Mounts.BindOptions: not supported by minidock's Engine API");
  const vol = m.VolumeOptions as Json | undefined;
  if (vol && !isEmpty(vol)) throw new ApiError(400, "Mounts.VolumeOptions: not supported by minidock's Engine API");
  return parts.join(',');
}

export function createRequestOf(body: Json | undefined, name: string | undefined, platform?: string): CreateRequest {
  if (!body || typeof body !== 'object') throw new ApiError(400, 'Config cannot be empty in order to create a container');
  const image = str(body.Image, 'Image');
  if (!image) throw new ApiError(400, 'No image was specified');
  refuseUnknown(body, CONFIG_KEYS, '');
  const hc = (body.HostConfig ?? {}) as Json;
  refuseUnknown(hc, HOST_KEYS, 'HostConfig.');
  checkDefaults(hc);

  const env = strList(body.Env, 'Env');
  const bare = env.find((e) => !e.includes('='));
  // the CLI fills `-e NAME` from its own environment; over the API the client must have done so
  if (bare !== undefined) throw new ApiError(400, `Env: ${JSON.stringify(bare)} has no value (NAME=value)`);
  const labels = Object.entries((body.Labels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);

  const f: RunFlags = {
    name,
    env,
    envFile: [],
    volume: [...strList(hc.Binds, 'HostConfig.Binds'), ...Object.keys((body.Volumes ?? {}) as Json)],
    tmpfs: Object.entries((hc.Tmpfs ?? {}) as Record<string, string>).map(([p, o]) => (o ? `${p}:${o}` : p)),
    publish: publishSpecs(hc.PortBindings),
    networkAlias: [],
    label: labels,
    // only what is here (or the builtin busybox, made offline): a client pulls a missing image
    // itself after the 404, as it does with Docker
    pull: 'never',
  };
  const cmd = body.Cmd === undefined || body.Cmd === null ? [] : strList(body.Cmd, 'Cmd');
  if (body.Entrypoint !== undefined && body.Entrypoint !== null) f.entrypointList = strList(body.Entrypoint, 'Entrypoint');
  if (f.entrypointList && f.entrypointList.length === 1 && f.entrypointList[0] === '') f.entrypointList = [];
  f.workdir = str(body.WorkingDir, 'WorkingDir');
  f.hostname = str(body.Hostname, 'Hostname');
  f.user = str(body.User, 'User');
  if (body.Tty) f.tty = true;
  if (body.OpenStdin) f.interactive = true;
  const exposed = Object.keys((body.ExposedPorts ?? {}) as Json);
  if (exposed.length) f.expose = exposed;
  f.stopSignal = str(body.StopSignal, 'StopSignal');
  if (typeof body.StopTimeout === 'number') f.stopTimeout = String(body.StopTimeout);
  f.macAddress = str(body.MacAddress, 'MacAddress');

  const mode = str(hc.NetworkMode, 'HostConfig.NetworkMode');
  if (mode && mode !== 'default') f.network = mode;
  if (hc.AutoRemove) f.rm = true;
  if (hc.Privileged) f.privileged = true;
  f.capAdd = strList(hc.CapAdd, 'HostConfig.CapAdd');
  f.capDrop = strList(hc.CapDrop, 'HostConfig.CapDrop');
  if (hc.ReadonlyRootfs) f.readOnly = true;
  const rp = hc.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined;
  if (rp?.Name && rp.Name !== 'no') f.restart = rp.Name === 'on-failure' && rp.MaximumRetryCount ? `on-failure:${rp.MaximumRetryCount}` : rp.Name;
  const memory = num(hc.Memory, 'HostConfig.Memory');
  if (memory) f.memory = String(memory);
  const swap = num(hc.MemorySwap, 'HostConfig.MemorySwap');
  if (swap) f.memorySwap = String(swap);
  const reservation = num(hc.MemoryReservation, 'HostConfig.MemoryReservation');
  if (reservation) f.memoryReservation = String(reservation);
  const nano = num(hc.NanoCpus, 'HostConfig.NanoCpus');
  if (nano) f.cpus = String(nano / 1e9);
  const shares = num(hc.CpuShares, 'HostConfig.CpuShares');
  if (shares) f.cpuShares = String(shares);
  const pids = num(hc.PidsLimit, 'HostConfig.PidsLimit');
  if (pids) f.pidsLimit = String(pids);
  f.cpusetCpus = str(hc.CpusetCpus, 'HostConfig.CpusetCpus');
  f.cpusetMems = str(hc.CpusetMems, 'HostConfig.CpusetMems');
  if (hc.Init) f.init = true;
  f.link = strList(hc.Links, 'HostConfig.Links');
  const lc = hc.LogConfig as { Type?: string; Config?: Record<string, string> } | undefined;
  if (lc?.Type) f.logDriver = lc.Type;
  f.logOpt = Object.entries(lc?.Config ?? {}).map(([k, v]) => `${k}=${v}`);
  f.securityOpt = strList(hc.SecurityOpt, 'HostConfig.SecurityOpt');
  if (hc.PublishAllPorts) f.publishAll = true;
  f.dns = strList(hc.Dns, 'HostConfig.Dns');
  f.dnsSearch = strList(hc.DnsSearch, 'HostConfig.DnsSearch');
  f.dnsOption = strList(hc.DnsOptions, 'HostConfig.DnsOptions');
  f.addHost = strList(hc.ExtraHosts, 'HostConfig.ExtraHosts');
  f.sysctl = Object.entries((hc.Sysctls ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  const shm = num(hc.ShmSize, 'HostConfig.ShmSize');
  if (shm) f.shmSize = String(shm);
  f.groupAdd = strList(hc.GroupAdd, 'HostConfig.GroupAdd');
  f.device = ((hc.Devices ?? []) as { PathOnHost: string; PathInContainer?: string; CgroupPermissions?: string }[]).map(
    (d) => [d.PathOnHost, d.PathInContainer || d.PathOnHost, d.CgroupPermissions || 'rwm'].join(':'),
  );
  f.pid = str(hc.PidMode, 'HostConfig.PidMode');
  f.ipc = str(hc.IpcMode, 'HostConfig.IpcMode');
  f.uts = str(hc.UTSMode, 'HostConfig.UTSMode');
  f.mount = ((hc.Mounts ?? []) as Json[]).map(mountSpec);
  f.volumesFrom = strList(hc.VolumesFrom, 'HostConfig.VolumesFrom');
  f.ulimit = ((hc.Ulimits ?? []) as { Name: string; Soft: number; Hard: number }[]).map((u) => `${u.Name}=${u.Soft}:${u.Hard}`);
  if (platform) f.platform = platform;

  // NetworkingConfig: the endpoint of the container's network (aliases, a fixed address)
  const eps = ((body.NetworkingConfig as Json | undefined)?.EndpointsConfig ?? {}) as Record<string, Json>;
  const names = Object.keys(eps);
  if (names.length > 1) throw new ApiError(400, 'NetworkingConfig: a container joins one network at create (connect it to the others afterwards)');
  if (names.length === 1) {
    const ep = eps[names[0]] ?? {};
    // the client names the endpoint after HostConfig.NetworkMode ("default" without --network)
    if (names[0] !== (mode || 'default') && !(!f.network && names[0] === 'bridge')) {
      throw new ApiError(400, `NetworkingConfig: endpoint ${names[0]} is not the container's network ${f.network ?? 'bridge'}`);
    }
    refuseUnknown(ep, new Set(['Aliases', 'IPAMConfig', 'Links', 'MacAddress']), `NetworkingConfig.EndpointsConfig.${names[0]}.`);
    f.networkAlias = strList(ep.Aliases, 'Aliases');
    const ipam = ep.IPAMConfig as { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | undefined | null;
    if (ipam?.IPv4Address) f.ip = ipam.IPv4Address;
    if (ipam?.IPv6Address) f.ip6 = ipam.IPv6Address;
    if (ipam?.LinkLocalIPs?.length) throw new ApiError(400, "IPAMConfig: link-local addresses are not supported by minidock's Engine API");
    const mac = str(ep.MacAddress, 'MacAddress');
    if (mac) f.macAddress = mac;
    if (!isEmpty(ep.Links)) f.link = [...(f.link ?? []), ...strList(ep.Links, 'Links')];
  }
  const cs = hc.ConsoleSize;
  const consoleSize = body.Tty && Array.isArray(cs) && cs.length === 2 && cs.every((n) => Number.isInteger(n) && n > 0 && n < 65536) ? ([cs[0], cs[1]] as [number, number]) : undefined;
  return { image, command: cmd, flags: f, consoleSize };
}

/** The update body fields read (HostConfig's Resources and RestartPolicy); any other one with a value is refused. */
const UPDATE_KEYS = new Set(['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'PidsLimit', 'RestartPolicy']);

/** POST /containers/{id}/update: Docker's UpdateConfig → engine/container/update.ts's change (0 / null: unchanged). */
export function updateRequestOf(body: Json): import('../engine/container/update.js').ContainerUpdate {
  refuseUnknown(body, UPDATE_KEYS, '');
  const u: import('../engine/container/update.js').ContainerUpdate = {};
  const set = <K extends 'Memory' | 'MemorySwap' | 'MemoryReservation' | 'NanoCpus' | 'CpuShares' | 'PidsLimit'>(k: K) => {
    const v = num(body[k], k);
    if (v !== undefined) u[k] = v;
  };
  for (const k of ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'PidsLimit'] as const) set(k);
  const rp = body.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined | null;
  if (rp?.Name) u.restart = rp.Name === 'on-failure' && rp.MaximumRetryCount ? `on-failure:${rp.MaximumRetryCount}` : rp.Name;
  return u;
}

/** POST /commit's body: the config fields `commit` can set (moby merges them over the container's); others refused. */
const COMMIT_KEYS = new Set(['Cmd', 'Entrypoint', 'Env', 'ExposedPorts', 'Labels', 'User', 'WorkingDir', 'Volumes', 'StopSignal']);

export function commitConfigOf(body: Json): import('../engine/image/store.js').ImageConfig {
  refuseUnknown(body, COMMIT_KEYS, '');
  const set = (v: unknown, field: string): Record<string, object> | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, `${field}: expected an object`);
    return Object.fromEntries(Object.keys(v as Json).map((k) => [k, {}]));
  };
  const labels = body.Labels;
  if (labels !== undefined && labels !== null && (typeof labels !== 'object' || Array.isArray(labels) || !Object.values(labels as Json).every((x) => typeof x === 'string'))) {
    throw new ApiError(400, 'Labels: expected an object of strings');
  }
  const env = strList(body.Env, 'Env');
  const bare = env.find((e) => !e.includes('='));
  if (bare !== undefined) throw new ApiError(400, `Env: ${JSON.stringify(bare)} is not NAME=value`);
  const cfg: import('../engine/image/store.js').ImageConfig = {
    Cmd: strList(body.Cmd, 'Cmd'),
    Entrypoint: strList(body.Entrypoint, 'Entrypoint'),
    Env: env,
    User: str(body.User, 'User'),
    WorkingDir: str(body.WorkingDir, 'WorkingDir'),
    StopSignal: str(body.StopSignal, 'StopSignal'),
    Labels: (labels as Record<string, string> | null | undefined) ?? undefined,
    ExposedPorts: set(body.ExposedPorts, 'ExposedPorts'),
    Volumes: set(body.Volumes, 'Volumes'),
  };
  return cfg;
}
