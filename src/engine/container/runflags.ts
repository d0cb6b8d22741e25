// `run`/`create` flags of issue 13 (hosts, DNS, stop signal/timeout, expose, sysctls, ulimits,
// cidfile, label-file…): Docker's parsing and messages, as pure functions. run.ts calls
// parseRunFlags only when one of these flags was given (hasRunFlags), so the common path pays
// nothing. Each value becomes a Config or HostConfig field under Docker's key; where it is
// enforced: lifecycle.ts (hosts, resolv.conf, the shim's keys), commands/container.ts (stop).
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { isIP } from 'node:net';
import { DaemonError, FlagValueError, RunCheckError, UserError, fileError } from '../../errors.js';
import { parseEnvFileText, parseSignal } from './options.js';
import type { ContainerConfig, HostConfig } from './record.js';

export interface RunFlagValues {
  addHost?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  macAddress?: string;
  cidfile?: string;
  stopSignal?: string;
  stopTimeout?: string;
  expose?: string[];
  sysctl?: string[];
  ulimit?: string[];
  labelFile?: string[];
  userns?: string;
  runtime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  memoryReservation?: string;
  shmSize?: string;
  groupAdd?: string[];
  memory?: string;
  pull?: string;
  platform?: string;
  pid?: string;
  ipc?: string;
  uts?: string;
  hostname?: string;
  device?: string[];
}

const LIST_FLAGS = ['addHost', 'dns', 'dnsSearch', 'dnsOption', 'expose', 'sysctl', 'ulimit', 'labelFile', 'groupAdd', 'device'] as const;
const ONE_FLAGS = ['macAddress', 'cidfile', 'stopSignal', 'stopTimeout', 'userns', 'runtime', 'cpusetCpus', 'cpusetMems', 'memoryReservation', 'shmSize', 'pull', 'platform', 'pid', 'ipc', 'uts'] as const;

/** Whether any flag of this module was given (cheap: the common path stops here). */
export function hasRunFlags(f: RunFlagValues): boolean {
  for (const k of LIST_FLAGS) if (f[k]?.length) return true;
  for (const k of ONE_FLAGS) if (f[k] !== undefined) return true;
  return false;
}

/** Docker's CLI wording for a value its flag parser refuses. */
function bad(flag: string, value: string, why: string): UserError {
  return new FlagValueError(value, `--${flag}`, why);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** --add-host NAME:IP or NAME=IP (IPv6 may be in brackets), or NAME:host-gateway → "NAME:IP". */
export function parseExtraHost(val: string): string {
  let sep = val.indexOf('=');
  if (sep < 0) sep = val.indexOf(':');
  const k = sep < 0 ? '' : val.slice(0, sep);
  let v = sep < 0 ? '' : val.slice(sep + 1);
  if (sep < 0 || k === '' || k.includes(':') || CONTROL.test(k) || /\s/.test(k)) throw bad('add-host', val, `bad format for add-host: ${JSON.stringify(val)}`);
  if (v !== 'host-gateway') {
    if (v.length > 2 && v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
    if (!isIP(v.trim())) throw bad('add-host', val, `invalid IP address in add-host: ${JSON.stringify(v)}`);
    v = v.trim();
  }
  return `${k}:${v}`;
}

/** --dns: an IP address (Docker's ValidateIPAddress: Go's net.ParseIP, so no IPv6 zone either). */
export function parseDnsServer(val: string): string {
  const v = val.trim();
  if (!isIP(v) || v.includes('%')) throw bad('dns', val, `IP address is not correctly formatted: ${val}`);
  return v;
}

const DOMAIN_RE = /^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)\.?\s*$/;

/** --dns-search: a domain, or "." for none (Docker's ValidateDNSSearch). */
export function parseDnsSearch(val: string): string {
  const v = val.replace(/^ +| +$/g, '');
  if (v === '.') return v;
  const m = DOMAIN_RE.exec(v);
  if (!/[a-zA-Z]/.test(v) || !m || m[1].length >= 255) throw bad('dns-search', val, `${v} is not a valid domain`);
  return m[1];
}

/** --dns-option: free text for resolv.conf's `options` line; one word, no control character. */
export function parseDnsOption(val: string): string {
  if (val === '' || CONTROL.test(val) || /\s/.test(val)) throw bad('dns-option', val, 'a resolv.conf option is one word (e.g. ndots:2, timeout:1, rotate)');
  return val;
}

/** --mac-address: six octets, `:` or `-` separated (Docker's net.ParseMAC for an Ethernet link). */
export function parseMacAddress(val: string): string {
  const v = val.trim();
  const m = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(v);
  if (!m) throw new RunCheckError(`${val} is not a valid mac address`);
  const mac = [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase();
  // The kernel refuses a multicast address as an interface's own (Docker fails at start).
  if (parseInt(m[1], 16) & 1) throw new UserError(`${val} is not a valid mac address: it is a multicast address`);
  if (mac === '00:00:00:00:00:00') throw new UserError(`${val} is not a valid mac address: it is all zeros`);
  return mac;
}

/** --stop-timeout: an integer number of seconds (-1: wait for ever, as Docker). */
export function parseStopTimeout(val: string): number {
  if (!/^[-+]?\d+$/.test(val) || !Number.isSafeInteger(Number(val))) throw bad('stop-timeout', val, `strconv.ParseInt: parsing ${JSON.stringify(val)}: invalid syntax`);
  return Number(val);
}

/** --expose PORT[/PROTO] or START-END[/PROTO] → Config.ExposedPorts keys ("80/tcp"). */
export function parseExpose(val: string): string[] {
  if (val.includes(':')) throw new RunCheckError(`invalid port format for --expose: ${val}`);
  const slash = val.indexOf('/');
  const port = slash < 0 ? val : val.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : val.slice(slash + 1).toLowerCase();
  const rangeErr = (why: string) => new RunCheckError(`invalid range format for --expose: ${val}, error: ${why}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(port);
  if (!m) throw rangeErr(`strconv.ParseUint: parsing ${JSON.stringify(port.split('-')[0])}: invalid syntax`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  for (const [n, s] of [[start, m[1]], [end, m[2] ?? m[1]]] as const) if (n > 65535) throw rangeErr(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  if (end < start) throw rangeErr(`invalid range specified for port: ${port}`);
  if (proto !== 'tcp' && proto !== 'udp') throw new UserError(`invalid protocol for --expose: ${val}: minidock exposes tcp and udp ports`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

const SYSCTL_IPC = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** Whether a sysctl is namespaced and allowed (Docker's ValidateSysctl list). */
export function sysctlKind(key: string): 'net' | 'ipc' | undefined {
  if (key.startsWith('net.') || key.startsWith('net/')) return 'net';
  if (SYSCTL_IPC.has(key) || key.startsWith('fs.mqueue.') || key.startsWith('fs/mqueue/')) return 'ipc';
  return undefined;
}

/**
 * The file under /proc/sys of a sysctl key: dots are separators unless the key uses slashes
 * (runc's rule, so `net/ipv4/conf/eth0.100/rp_filter` names a VLAN interface). Never `..`.
 */
export function sysctlPath(key: string): string | undefined {
  const parts = key.includes('/') ? key.split('/') : key.split('.');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || !/^[A-Za-z0-9_.:@+-]+$/.test(p))) return undefined;
  return parts.join('/');
}

/** --sysctl KEY=VALUE: only namespaced ones (Docker's message for the others). */
export function parseSysctl(val: string): [string, string] {
  const eq = val.indexOf('=');
  const k = eq < 0 ? '' : val.slice(0, eq);
  if (eq < 0 || k === '' || !sysctlKind(k)) throw bad('sysctl', val, `sysctl '${val}' is not allowed`);
  const v = val.slice(eq + 1);
  if (!sysctlPath(k)) throw bad('sysctl', val, `sysctl '${val}' is not allowed: invalid key`);
  if (CONTROL.test(v)) throw bad('sysctl', val, `sysctl '${val}': the value contains a control character`);
  return [k, v];
}

/** Ulimit names → RLIMIT_* numbers (Docker's go-units table; "as" is disabled there too). */
export const ULIMITS: Record<string, number> = {
  core: 4, cpu: 0, data: 2, fsize: 1, locks: 10, memlock: 8, msgqueue: 12, nice: 13,
  nofile: 7, nproc: 6, rss: 5, rtprio: 14, rttime: 15, sigpending: 11, stack: 3,
};

export interface Ulimit {
  Name: string;
  Hard: number;
  Soft: number;
}

function ulimitValue(s: string, val: string): number {
  if (s === 'infinity') return -1;
  if (!/^[-+]?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw bad('ulimit', val, `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** --ulimit NAME=SOFT[:HARD] (go-units ParseUlimit, with its messages). */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq < 0) throw bad('ulimit', val, `invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!(name in ULIMITS)) throw bad('ulimit', val, `invalid ulimit type: ${name}`);
  const parts = val.slice(eq + 1).split(':');
  if (parts.length > 2) throw bad('ulimit', val, `too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const soft = ulimitValue(parts[0], val);
  const hard = parts.length === 2 ? ulimitValue(parts[1], val) : soft;
  if (hard !== -1) {
    if (soft === -1) throw bad('ulimit', val, `ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`);
    if (soft > hard) throw bad('ulimit', val, `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
  if (soft < -1 || hard < -1) throw bad('ulimit', val, 'a limit is a non-negative number, or -1 / infinity');
  return { Name: name, Soft: soft, Hard: hard };
}

/** The shim's `rlimit` records: RESOURCE SOFT HARD, -1 = unlimited. */
export function rlimitShimRecords(ulimits: Ulimit[] | undefined): string[][] {
  return (ulimits ?? []).map((u) => [String(ULIMITS[u.Name]), String(u.Soft), String(u.Hard)]);
}

export interface RunFlagsConfig {
  config: Partial<ContainerConfig>;
  hostConfig: Partial<HostConfig>;
  /** --label-file labels (the -l labels override them). */
  fileLabels?: Record<string, string>;
  /** --cidfile: where to write the id after create. */
  cidfile?: string;
  /** --pull / --platform: how the image is got (image/pull-policy.ts). */
  image?: { pull?: 'always' | 'missing' | 'never'; platform?: import('../image/platform.js').OciPlatform };
}

/** Docker's ReadKVStrings for --label-file: like --env-file, without taking values from the environment. */
export function parseLabelFileText(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of parseEnvFileText(text, file, new Proxy({}, { get: () => '' }))) {
    const eq = l.indexOf('=');
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}

/**
 * Validates every flag of this module (nothing is touched): a bad one exits 125. `network` is
 * the --network mode, for the checks that depend on it.
 */
export async function parseRunFlags(f: RunFlagValues, network: string): Promise<RunFlagsConfig> {
  if (f.userns !== undefined) throw new UserError(`--userns: minidock has no user namespaces (root in the container is root on the host; Docker's userns-remap is not available)`);
  if (f.runtime !== undefined) throw new UserError(`--runtime: minidock has one runtime, its own shim (no OCI runtimes such as runc or runsc can be chosen)`);
  const out: RunFlagsConfig = { config: {}, hostConfig: {} };
  const hc = out.hostConfig;
  const isHost = network === 'host';
  const isContainer = network.startsWith('container:');
  if (f.addHost?.length) {
    if (isContainer) throw new UserError('conflicting options: custom host-to-IP mapping and the network mode');
    hc.ExtraHosts = f.addHost.map(parseExtraHost);
  }
  if (f.dns?.length || f.dnsSearch?.length || f.dnsOption?.length) {
    if (isContainer) throw new UserError('conflicting options: dns and the network mode');
    hc.Dns = (f.dns ?? []).map(parseDnsServer);
    hc.DnsSearch = (f.dnsSearch ?? []).map(parseDnsSearch);
    hc.DnsOptions = (f.dnsOption ?? []).map(parseDnsOption);
  }
  if (f.macAddress !== undefined) {
    const mac = parseMacAddress(f.macAddress);
    if (isHost || isContainer || network === 'none') throw new UserError('conflicting options: mac-address and the network mode');
    out.config.MacAddress = mac;
  }
  if (f.stopSignal !== undefined) {
    parseSignal(f.stopSignal);
    out.config.StopSignal = f.stopSignal;
  }
  if (f.stopTimeout !== undefined) out.config.StopTimeout = parseStopTimeout(f.stopTimeout);
  if (f.expose?.length) out.config.ExposedPorts = Object.fromEntries(f.expose.flatMap(parseExpose).map((p) => [p, {}]));
  if (f.sysctl?.length) {
    const s: Record<string, string> = {};
    const ipcShared = f.ipc === 'host' || f.ipc?.startsWith('container:');
    for (const spec of f.sysctl) {
      const [k, v] = parseSysctl(spec);
      if (isHost && sysctlKind(k) === 'net') throw new UserError(`sysctl ${JSON.stringify(k)} not allowed in host network namespace`);
      if (ipcShared && sysctlKind(k) === 'ipc') throw new UserError(`sysctl ${JSON.stringify(k)} is not allowed in a shared IPC namespace (--ipc ${f.ipc})`);
      s[k] = v;
    }
    hc.Sysctls = s;
  }
  if (f.ulimit?.length) {
    const byName = new Map<string, Ulimit>();
    for (const u of f.ulimit.map(parseUlimit)) byName.set(u.Name, u);
    hc.Ulimits = [...byName.values()];
  }
  if (f.labelFile?.length) {
    out.fileLabels = {};
    for (const file of f.labelFile) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw fileError((e as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', file, e);
      }
      Object.assign(out.fileLabels, parseLabelFileText(text, file));
    }
  }
  parseNamespaceModes(f, hc);
  if (f.device?.length) {
    hc.Devices = f.device.map(parseDevice);
    for (const d of hc.Devices) hostDevice(d.PathOnHost); // refused now if it is not a device
  }
  await parseResourceFlags(f, hc);
  if (f.pull !== undefined || f.platform !== undefined) {
    const { parsePullPolicy, parsePlatformFlag } = await import('../image/pull-policy.js');
    out.image = { pull: f.pull !== undefined ? parsePullPolicy(f.pull) : undefined, platform: f.platform !== undefined && f.platform !== '' ? parsePlatformFlag(f.platform) : undefined };
  }
  if (f.groupAdd?.length) {
    for (const g of f.groupAdd) if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/.test(g) || (/^\d+$/.test(g) && Number(g) > 2 ** 31 - 1)) throw new UserError(`invalid --group-add ${JSON.stringify(g)}: a group name or id`);
    hc.GroupAdd = [...f.groupAdd];
  }
  if (f.cidfile !== undefined) {
    if (f.cidfile === '' || CONTROL.test(f.cidfile)) throw new UserError(`invalid --cidfile ${JSON.stringify(f.cidfile)}`);
    if (existsSync(f.cidfile)) throw new UserError(`Container ID file found, make sure the other container isn't running or delete ${f.cidfile}`);
    hc.ContainerIDFile = f.cidfile;
    out.cidfile = f.cidfile;
  }
  return out;
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

const isPerms = (s: string) => s !== '' && /^[rwm]+$/.test(s) && new Set(s).size === s.length;

/** --device HOST[:CONTAINER][:PERMS] (Docker's validateLinuxPath + parseDevice; perms default rwm). */
export function parseDevice(val: string): DeviceMapping {
  const parts = val.split(':');
  if (parts.length > 3 || parts[0] === '' || CONTROL.test(val)) throw bad('device', val, `bad format for path: ${val}`);
  let [src, dst, perms] = [parts[0], parts[0], 'rwm'];
  if (parts.length === 2) {
    if (isPerms(parts[1])) perms = parts[1];
    else dst = parts[1];
  } else if (parts.length === 3) {
    dst = parts[1];
    perms = parts[2];
    if (!isPerms(perms)) throw bad('device', val, `bad mode specified: ${perms}`);
  }
  if (!dst.startsWith('/')) throw bad('device', val, `${dst} is not an absolute path`);
  if (!src.startsWith('/')) throw bad('device', val, `${src} is not an absolute path`);
  dst = posix.normalize(dst);
  if (dst === '/' || dst.split('/').includes('..')) throw bad('device', val, `${dst} is not a valid device path in the container`);
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

/** The host device behind a --device (followed if a symlink, like Docker). */
export function hostDevice(path: string): { type: 'c' | 'b'; major: number; minor: number; mode: number; uid: number; gid: number } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    // Docker finds it missing as it starts the container: its run exits 127, as for a missing command
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DaemonError(`error gathering device information while adding custom device ${JSON.stringify(path)}: ${missing ? 'no such file or directory' : (e as Error).message}`, missing ? 127 : 125);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new UserError(`error gathering device information while adding custom device ${JSON.stringify(path)}: not a device node`);
  const rdev = st.rdev;
  // Linux's dev_t: major in bits 8-19 (and 32-43), minor in bits 0-7 and 20-31.
  const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  return { type: st.isCharacterDevice() ? 'c' : 'b', major, minor, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** At start: the shim's `device` records and the cgroup rules that let them be used. */
export function deviceSetup(devices: DeviceMapping[] | undefined): { records: string[][]; rules: string[] } {
  const records: string[][] = [];
  const rules: string[] = [];
  for (const d of devices ?? []) {
    const h = hostDevice(d.PathOnHost);
    records.push([d.PathInContainer, h.type, String(h.major), String(h.minor), h.mode.toString(8), String(h.uid), String(h.gid)]);
    rules.push(`${h.type} ${h.major}:${h.minor} ${d.CgroupPermissions}`);
  }
  return { records, rules };
}

/** Docker's PidMode.Valid(): host, or container:NAME (the donor is looked up at each start). */
export function checkPidMode(pid: string): void {
  if (pid !== '' && pid !== 'host' && !(pid.startsWith('container:') && pid.length > 'container:'.length)) throw new RunCheckError('--pid: invalid PID mode');
}

/** --pid host, --uts host, --ipc host|private|shareable|none|container:NAME (Docker's checks). */
function parseNamespaceModes(f: RunFlagValues, hc: Partial<HostConfig>): void {
  if (f.pid !== undefined && f.pid !== '') {
    checkPidMode(f.pid);
    hc.PidMode = f.pid;
  }
  if (f.uts !== undefined && f.uts !== '') {
    if (f.uts !== 'host') throw new RunCheckError('--uts: invalid UTS mode');
    if (f.hostname !== undefined) throw new UserError('Conflicting options: hostname and the UTS mode');
    hc.UTSMode = 'host';
  }
  if (f.ipc !== undefined && f.ipc !== '') {
    const ok = ['host', 'private', 'shareable', 'none'].includes(f.ipc) || (f.ipc.startsWith('container:') && f.ipc.length > 'container:'.length);
    if (!ok) throw new DaemonError(`Invalid IPC mode: ${f.ipc}`);
    hc.IpcMode = f.ipc;
  }
}

/** Docker's parsers.ParseUintList: "0-2,4"; refused when malformed. */
export function parseUintList(val: string): number[] {
  if (val === '') return [];
  const out = new Set<number>();
  for (const part of val.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid format: ${val}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 65536) throw new Error(`invalid range: ${part}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out];
}

function onlineList(file: string): Set<number> {
  try {
    return new Set(parseUintList(readFileSync(file, 'utf8').trim()));
  } catch {
    return new Set([0]);
  }
}

/** --cpuset-cpus, --cpuset-mems, --memory-reservation, --shm-size (the daemon's checks, with its messages). */
async function parseResourceFlags(f: RunFlagValues, hc: Partial<HostConfig>): Promise<void> {
  if (f.cpusetCpus === undefined && f.cpusetMems === undefined && f.memoryReservation === undefined && f.shmSize === undefined) return;
  const { parseMemorySize, MIN_MEMORY, checkResourcesSupported, resourcesOf } = await import('../../runtime/cgroups.js');
  for (const [flag, val, what, file, key] of [
    ['cpuset-cpus', f.cpusetCpus, 'CPUs', '/sys/devices/system/cpu/online', 'CpusetCpus'],
    ['cpuset-mems', f.cpusetMems, 'memory nodes', '/sys/devices/system/node/online', 'CpusetMems'],
  ] as const) {
    if (val === undefined || val === '') continue;
    let list: number[];
    try {
      list = parseUintList(val);
    } catch (e) {
      throw new DaemonError(`Invalid value ${val} for cpuset ${flag === 'cpuset-cpus' ? 'cpus' : 'mems'}: ${(e as Error).message}`);
    }
    const avail = onlineList(file);
    if (list.some((n) => !avail.has(n))) throw new DaemonError(`Requested ${what} are not available - requested ${val}, available: ${readFileSync(file, 'utf8').trim()}`);
    hc[key] = val;
  }
  if (f.memoryReservation !== undefined) {
    const n = parseMemorySize(f.memoryReservation, '--memory-reservation');
    if (n > 0 && n < MIN_MEMORY) throw new DaemonError('Minimum memory reservation allowed is 6MB');
    const mem = f.memory !== undefined ? parseMemorySize(f.memory) : 0;
    if (mem > 0 && n > mem) throw new DaemonError('Minimum memory limit can not be less than memory reservation limit, see usage');
    if (n > 0) hc.MemoryReservation = n;
  }
  if (f.shmSize !== undefined) {
    const n = parseMemorySize(f.shmSize, '--shm-size');
    if (n > 0) hc.ShmSize = n; // 0: Docker's default (64 MiB)
  }
  checkResourcesSupported(resourcesOf(hc)); // e.g. no cpuset controller: refused, not dropped
}

/** --group-add: ids as they are, names from the container's /etc/group (runc's rule and message). */
export function resolveGroupAdd(groups: string[], groupFile: string): number[] {
  const gr = groupFile.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3);
  return groups.map((g) => {
    if (/^\d+$/.test(g)) return Number(g);
    const e = gr.find((f) => f[0] === g);
    if (!e || !/^\d+$/.test(e[2])) throw new DaemonError(`Unable to find group ${g}: no matching entries in group file`);
    return Number(e[2]);
  });
}

// ------------------------------------------------------------------ /etc/hosts, resolv.conf

/** /etc/hosts lines of --add-host (`host-gateway` → `gateway`, the bridge's address). */
export function extraHostLines(extra: string[] | undefined, gateway: string | undefined): string[] {
  return (extra ?? []).map((e) => {
    const i = e.indexOf(':');
    const name = e.slice(0, i);
    let ip = e.slice(i + 1);
    if (ip === 'host-gateway') {
      if (!gateway) throw new UserError(`--add-host ${name}:host-gateway: no bridge gateway address is known for this container`);
      ip = gateway;
    }
    return `${ip}\t${name}`;
  });
}

/**
 * resolv.conf with --dns/--dns-search/--dns-option applied to the one minidock would write
 * (Docker's rules): each given list replaces that part; `--dns-search .` means no search line.
 * With the embedded DNS (user networks) the nameserver stays 127.0.0.11 (it forwards to the
 * --dns servers) and ndots:0 is added unless an ndots option was given. Pure.
 */
export function applyDnsFlags(base: string, hc: Pick<HostConfig, 'Dns' | 'DnsSearch' | 'DnsOptions'>, embedded: boolean): string {
  const lines = base.split('\n');
  let servers = lines.map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => !!s);
  let search = lines.filter((l) => /^\s*(search|domain)\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  let options = lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (!embedded && hc.Dns?.length) servers = hc.Dns;
  if (hc.DnsSearch?.length) search = hc.DnsSearch.includes('.') ? [] : hc.DnsSearch;
  if (hc.DnsOptions?.length) {
    options = [...hc.DnsOptions];
    if (embedded && !options.some((o) => o.startsWith('ndots:'))) options.push('ndots:0');
  }
  // libnetwork's resolvconf.Build: search, then the nameservers, then options
  const out = search.length ? [`search ${search.join(' ')}`] : [];
  out.push(...servers.map((s) => `nameserver ${s}`));
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}

/** /etc/hosts lines and resolv.conf of a started container, with its flags applied. */
export async function etcFiles(hc: HostConfig, net: { hosts: string[]; resolvConf: string; settings: { Networks: Record<string, { Gateway?: string }> } }, embedded: boolean): Promise<{ hosts: string[]; resolvConf: string }> {
  let gateway = Object.values(net.settings.Networks)[0]?.Gateway;
  if (!gateway && hc.ExtraHosts?.some((e) => e.endsWith(':host-gateway'))) {
    // host, none: Docker's host-gateway is the default bridge's address (docker0's).
    const { findNetworkSync, DEFAULT_NETWORK } = await import('../network/networks.js');
    gateway = findNetworkSync(DEFAULT_NETWORK)?.Gateway;
  }
  const hosts = [...extraHostLines(hc.ExtraHosts, gateway), ...net.hosts];
  const resolvConf = hc.Dns || hc.DnsSearch || hc.DnsOptions ? applyDnsFlags(net.resolvConf, hc, embedded) : net.resolvConf;
  return { hosts, resolvConf };
}

/**
 * --cidfile: made (exclusively: refused if it exists, as Docker) before the container is
 * created, the id written once it is; removed again if the create fails.
 */
export function claimCidfile(file: string): { write: (id: string) => void; release: () => void } {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`Container ID file found, make sure the other container isn't running or delete ${file}`);
    throw new UserError(`Failed to create the container ID file: ${(e as Error).message}`);
  }
  return {
    write: (id) => {
      writeSync(fd, id);
      closeSync(fd);
    },
    release: () => {
      closeSync(fd);
      rmSync(file, { force: true });
    },
  };
}

/** A running container's id, PID and its own IpcMode, for --ipc/--pid container:NAME. */
export type IpcDonor = (ref: string) => { id: string; name: string; pid: number; ipcMode?: string } | undefined;

/** --pid container:NAME: that container's PID namespace, if it runs (moby's getPidContainer). */
function pidDonorShimConfig(ref: string, donor?: IpcDonor): [string, string] {
  const d = donor?.(ref);
  if (!d) throw new DaemonError(`No such container: ${ref}`);
  if (!d.pid) throw new UserError(`Error response from daemon: container ${d.id} is not running`);
  return ['pidns', `/proc/${d.pid}/ns/pid`];
}

/** The shim's keys for these flags (none when no flag was given: the common path adds nothing). */
export function runFlagsShimConfig(hc: HostConfig, donor?: IpcDonor): [string, string | number | boolean | string[]][] {
  const out: [string, string | number | boolean | string[]][] = [];
  if (hc.PidMode === 'host') out.push(['pidhost', true]);
  if (hc.PidMode?.startsWith('container:')) out.push(pidDonorShimConfig(hc.PidMode.slice('container:'.length), donor));
  if (hc.UTSMode === 'host') out.push(['utshost', true]);
  if (hc.IpcMode === 'none') out.push(['noshm', true]);
  if (hc.IpcMode === 'host') out.push(['ipchost', true], ['bind', ['/dev/shm', '/dev/shm', 'rw']]);
  if (hc.IpcMode?.startsWith('container:')) {
    const ref = hc.IpcMode.slice('container:'.length);
    const d = donor?.(ref);
    if (!d) throw new DaemonError(`No such container: ${ref}`);
    if (!d.pid) throw new UserError(`cannot join IPC of a non running container: ${d.name}`);
    if (d.ipcMode === 'host') out.push(['ipchost', true], ['bind', ['/dev/shm', '/dev/shm', 'rw']]);
    else if (d.ipcMode !== 'shareable') throw new UserError(`Error response from daemon: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    else out.push(['ipcns', `/proc/${d.pid}/ns/ipc`], ['ipcmnt', `/proc/${d.pid}/ns/mnt`], ['noshm', true]);
  }
  for (const [k, v] of Object.entries(hc.Sysctls ?? {})) out.push(['sysctl', [sysctlPath(k)!, v]]);
  for (const r of rlimitShimRecords(hc.Ulimits)) out.push(['rlimit', r]);
  if (hc.ShmSize) out.push(['shmsize', hc.ShmSize]);
  return out;
}

/**
 * inspect: the HostConfig and Config keys of these flags, with Docker's values when unset
 * (HostConfig's are always there; Config's StopSignal/StopTimeout/ExposedPorts/MacAddress only
 * when set, as Docker's omitempty).
 */
export function inspectRunFlags(rec: { HostConfig: HostConfig; Config: ContainerConfig }): { hostConfig: Record<string, unknown>; config: Record<string, unknown> } {
  const h = rec.HostConfig;
  const c = rec.Config;
  const config: Record<string, unknown> = {};
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) config.ExposedPorts = c.ExposedPorts;
  if (c.MacAddress) config.MacAddress = c.MacAddress;
  if (c.StopSignal) config.StopSignal = c.StopSignal;
  if (c.StopTimeout !== undefined) config.StopTimeout = c.StopTimeout;
  return {
    hostConfig: {
      ContainerIDFile: h.ContainerIDFile ?? '',
      Dns: h.Dns ?? [],
      DnsOptions: h.DnsOptions ?? [],
      DnsSearch: h.DnsSearch ?? [],
      ExtraHosts: h.ExtraHosts ?? null,
      GroupAdd: h.GroupAdd ?? null,
      ShmSize: h.ShmSize ?? 64 * 1024 * 1024,
      Sysctls: h.Sysctls,
      Ulimits: h.Ulimits ?? [],
      Devices: h.Devices ?? [],
      PidMode: h.PidMode ?? '',
      IpcMode: h.IpcMode ?? 'private',
      UTSMode: h.UTSMode ?? '',
      CpusetCpus: h.CpusetCpus ?? '',
      CpusetMems: h.CpusetMems ?? '',
      MemoryReservation: h.MemoryReservation ?? 0,
    },
    config,
  };
}
