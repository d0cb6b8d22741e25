// Parsers for `run` options. Pure functions: each takes what the user typed and returns a
// value or throws a UserError whose one line names the bad value (exit 125, like Docker).
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { DaemonError, FlagValueError, RunCheckError, UserError, fileError } from '../../errors.js';
import { InRootError } from './inroot.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Docker sets no bound; minidock keeps names file- and DNS-friendly (as network names). */
export const CONTAINER_NAME_MAX = 128;

/** A container name as moby's daemon checks it (its words: a DaemonError); `shown`: the name its message quotes. */
export function validateName(name: string, shown = name): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(n)) throw new DaemonError(`Invalid container name (${shown}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (n.length > CONTAINER_NAME_MAX) throw new UserError(`Invalid container name (${name}): at most ${CONTAINER_NAME_MAX} characters`);
  return n;
}

const ENV_NAME_RE = /^[^=\0]+$/;

/** -e NAME=value, or -e NAME to copy it from the caller's environment (dropped when unset). */
export function parseEnv(spec: string, from: NodeJS.ProcessEnv = process.env): string | undefined {
  if (spec.includes('\0')) throw new UserError(`invalid environment variable: ${JSON.stringify(spec)}`);
  const eq = spec.indexOf('=');
  if (eq === 0) throw new UserError(`invalid environment variable: ${spec}`);
  if (eq > 0) return spec;
  if (!ENV_NAME_RE.test(spec) || /\s/.test(spec)) throw new UserError(`invalid environment variable: ${spec}`);
  const v = from[spec];
  return v === undefined ? undefined : `${spec}=${v}`;
}

/** --env-file: one NAME=value or NAME a line; blank lines and # comments skipped. */
export function parseEnvFileText(text: string, file: string, from: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const name = line.split('=')[0];
    if (name === '') throw new UserError(`invalid env file ${file} line ${i + 1}: no variable name on line '${line}'`); // as Docker words it
    if (/\s/.test(name)) throw new UserError(`invalid env file ${file} line ${i + 1}: variable '${name}' contains whitespaces`);
    const v = parseEnv(line, from);
    if (v !== undefined) out.push(v);
  });
  return out;
}

export function readEnvFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fileError((e as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', file, e);
  }
  return parseEnvFileText(text, file);
}

/** Merges env lists: later entries override earlier ones with the same name, order kept. */
/** A variable's name (`A=1` → `A`; a bare `A` is its own name). */
export function envKey(e: string): string {
  const eq = e.indexOf('=');
  return eq < 0 ? e : e.slice(0, eq);
}

export function mergeEnv(...lists: string[][]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) for (const e of list) map.set(envKey(e), e);
  return [...map.values()];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Paths given to `-v`, `--tmpfs`, `-w`: no control characters (a TAB or newline would be read
 * as a field or record separator on the way to the shim; src/runtime/shim.ts refuses them too).
 */
function checkPath(path: string, what: string, spec: string): void {
  if (CONTROL.test(path)) throw new UserError(`invalid ${what}: '${spec}': the path ${JSON.stringify(path)} contains a control character`);
}

export interface BindMount {
  source: string;
  target: string;
  readonly: boolean;
}

/**
 * What docker/cli itself refuses in a -v value before it asks the daemon (its volume spec
 * parser): an empty one, and an empty section between colons (a value of 1–2 characters is a
 * target as it is).
 */
export function checkVolumeSpec(spec: string): void {
  if (spec === '') throw new RunCheckError('invalid empty volume spec');
  if (spec.length > 2 && spec.split(':').includes('')) throw new RunCheckError(`invalid spec: ${spec}: empty section between colons`);
}

/**
 * moby's linuxValidMountMode: a -v mode has at most one word of each kind (rw/ro, z/Z, a
 * propagation, nocopy, a consistency); which words minidock takes is the caller's.
 */
export function checkModeKinds(mode: string): void {
  const kinds = [['rw', 'ro'], ['z', 'Z'], ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'], ['nocopy'], ['consistent', 'cached', 'delegated']];
  const words = mode.split(',');
  if (kinds.some((k) => words.filter((w) => k.includes(w)).length > 1)) throw new DaemonError(`invalid mode: ${mode}`);
}

/** -v /host/path:/container/path[:ro|rw]. Named volumes are not supported (yet). */
export function parseVolume(spec: string): BindMount {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new DaemonError(`invalid volume specification: '${spec}'`);
  }
  const [source, target, mode = 'rw'] = parts;
  if (!source.startsWith('/')) {
    throw new UserError(`invalid volume specification: '${spec}': named volumes are not supported, use an absolute host path`);
  }
  if (!target.startsWith('/')) throw new DaemonError(`invalid volume specification: '${spec}': invalid mount config for type "bind": invalid mount path: '${target}' mount path must be absolute`);
  checkPath(source, 'volume specification', spec);
  checkPath(target, 'volume specification', spec);
  const modes = mode.split(',');
  for (const m of modes) if (!['ro', 'rw', 'z', 'Z'].includes(m)) throw new DaemonError(`invalid mode: ${mode}`);
  checkModeKinds(mode);
  const t = posix.normalize(target);
  if (t === '/') throw new DaemonError(`invalid volume specification: '${spec}': invalid mount config for type "bind": invalid specification: destination can't be '/'`);
  return { source: posix.normalize(source), target: t, readonly: modes.includes('ro') };
}

/**
 * A bind source must exist. `docker run -v` would create a missing one as an empty directory
 * (`--mount type=bind` refuses); minidock refuses both ways, with --mount's message, so a typo
 * never makes a directory on the host — and `run --dry-run` reports the same refusal.
 */
export function checkBindSource(source: string): void {
  if (!existsSync(source)) {
    throw new UserError(`invalid mount config for type "bind": bind source path does not exist: ${source} (minidock does not create it, unlike docker run -v)`);
  }
}

const TMPFS_FLAGS = new Set(['ro', 'rw', 'noexec', 'exec', 'nosuid', 'suid', 'nodev', 'dev', 'noatime', 'relatime']);
const TMPFS_VALUES: Record<string, RegExp> = {
  size: /^\d+[kmgKMG%]?$/,
  mode: /^[0-7]{3,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
  nr_inodes: /^\d+[kmgKMG]?$/,
};

/** --tmpfs /path[:opt,opt…] with Docker's options (ro, noexec, size=64m, mode=1777, uid=…). */
export function parseTmpfs(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  const path = colon < 0 ? spec : spec.slice(0, colon);
  const opts = colon < 0 ? '' : spec.slice(colon + 1);
  if (!path.startsWith('/')) throw new DaemonError(`invalid mount path: '${path}' mount path must be absolute`);
  if (posix.normalize(path) === '/') throw new UserError(`invalid tmpfs mount: '${spec}': path must not be /`);
  checkPath(path, 'tmpfs mount', spec);
  for (const o of opts ? opts.split(',') : []) {
    const eq = o.indexOf('=');
    const ok = eq < 0 ? TMPFS_FLAGS.has(o) : TMPFS_VALUES[o.slice(0, eq)]?.test(o.slice(eq + 1));
    if (!ok) throw new UserError(`invalid tmpfs option ${JSON.stringify(o)} in '${spec}'`);
  }
  return [posix.normalize(path), opts];
}

export interface UserSpec {
  user: string;
  group?: string;
}

const USER_PART = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/;

export function parseUser(spec: string): UserSpec {
  const [user, group, extra] = spec.split(':');
  if (extra !== undefined || !user || !USER_PART.test(user) || (group !== undefined && !USER_PART.test(group))) {
    throw new UserError(`invalid user: ${JSON.stringify(spec)}`);
  }
  for (const part of [user, group]) {
    if (part && /^\d+$/.test(part) && Number(part) > 2 ** 31 - 1) throw new UserError(`invalid user: ${JSON.stringify(spec)}: id out of range`);
  }
  return { user, group };
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  groups: number[];
}

/** Resolves a user spec against the container's /etc/passwd and /etc/group (as texts). */
export function resolveUser(spec: UserSpec | undefined, passwd: string, group: string): ResolvedUser {
  spec ??= { user: '0' }; // no -u: uid 0, named by the image's passwd (root's groups, as Docker's)
  const pw = passwd.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 4);
  const gr = group.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3);
  let uid: number;
  let gid: number;
  let userName: string | undefined;
  if (/^\d+$/.test(spec.user)) {
    uid = Number(spec.user);
    const entry = pw.find((f) => Number(f[2]) === uid);
    gid = entry ? Number(entry[3]) : 0;
    userName = entry?.[0];
  } else {
    const entry = pw.find((f) => f[0] === spec.user);
    if (!entry) throw new DaemonError(`unable to find user ${spec.user}: no matching entries in passwd file`, 125);
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    userName = entry[0];
  }
  if (spec.group !== undefined) {
    if (/^\d+$/.test(spec.group)) gid = Number(spec.group);
    else {
      const g = gr.find((f) => f[0] === spec.group);
      if (!g) throw new DaemonError(`unable to find group ${spec.group}: no matching entries in group file`, 125);
      gid = Number(g[2]);
    }
  }
  // Docker's supplementary groups (moby getUser, runc setupUser): the primary group, the groups
  // that list the user by name unless a group was given (libcontainer's implicit form), sorted
  // as the kernel keeps them (--group-add joins them in lifecycle.ts)
  const member = userName && spec.group === undefined ? gr.filter((f) => (f[3] ?? '').split(',').includes(userName!)).map((f) => Number(f[2])) : [];
  return { uid, gid, groups: sortedGroups([gid, ...member]) };
}

/** Group ids once each, in the kernel's (numeric) order. */
export function sortedGroups(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/**
 * Resolves a user spec against the container's own /etc/passwd and /etc/group, which `read`
 * reads inside its root (rootfile.ts; undefined: absent). Not found or unreadable: UserError
 * with `exitCode` (125 for run/start; exec's is 126, as Docker's).
 */
export function resolveUserIn(spec: UserSpec | undefined, read: (path: string) => string | undefined, exitCode = 125): ResolvedUser {
  if (!spec) {
    // no -u: uid 0, and as with Docker root's groups from the image's files (`id` says
    // groups=0(root),10(wheel) in busybox); files that cannot be read leave it uid 0, gid 0 alone
    try {
      return resolveUser(undefined, read('/etc/passwd') ?? '', read('/etc/group') ?? '');
    } catch {
      return { uid: 0, gid: 0, groups: [0] };
    }
  }
  try {
    return resolveUser(spec, read('/etc/passwd') ?? '', read('/etc/group') ?? '');
  } catch (e) {
    if (e instanceof InRootError) throw new UserError(`unable to find user ${spec.user}: ${e.message}`, exitCode);
    if (e instanceof UserError && e.exitCode !== exitCode) throw new UserError(e.message, exitCode);
    throw e;
  }
}

/** -w: must be absolute (Docker's rule). */
export function parseWorkdir(dir: string): string {
  if (!dir.startsWith('/')) throw new DaemonError(`the working directory '${dir}' is invalid, it needs to be an absolute path`);
  checkPath(dir, 'working directory', dir);
  return posix.normalize(dir);
}

const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function parseHostname(h: string): string {
  if (h.length > 253 || !HOSTNAME_RE.test(h)) throw new UserError(`invalid hostname format: ${h}`);
  return h;
}

/** Signals by name (KILL, SIGKILL) or number, as `kill -s` and `stop --signal` take them. */
export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20,
  TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
  // moby's Linux map names the real-time ones too: RTMIN (34), RTMIN+1 … RTMAX-1, RTMAX (64)
  RTMIN: 34, RTMAX: 64,
  ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`RTMIN+${i + 1}`, 35 + i])),
  ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`RTMAX-${i + 1}`, 63 - i])),
};

/** The numbers moby's Linux signal map has (ValidSignalForPlatform): 1–31 and SIGRTMIN (34) to SIGRTMAX (64). */
export const linuxSignal = (n: number): boolean => (n >= 1 && n <= 31) || (n >= 34 && n <= 64);

/**
 * `kill -s`: moby's ParseSignal takes any non-zero Go int, and ContainerKill then refuses one
 * its map has no name for (linuxSignal), container by container; names as parseSignal.
 * undefined: ParseSignal refuses it (docker 28's daemon: "invalid signal: X", per container).
 */
export function parseKillSignal(s: string): number | undefined {
  if (/^[+-]?\d+$/.test(s)) {
    const n = BigInt(s);
    return n !== 0n && n >= -(2n ** 63n) && n < 2n ** 63n ? Number(n) : undefined;
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  return name in SIGNALS ? SIGNALS[name] : undefined;
}

/** A signal by name or number; Docker's daemon refuses others: exit 1 for kill/stop, 125 for run/create (its CLI's code for a refused create). */
export function parseSignal(s: string, exitCode = 125): number {
  if (/^[+-]?\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = s.toUpperCase().replace(/^SIG/, '');
    if (name in SIGNALS) return SIGNALS[name];
  }
  // Docker's daemon refuses it (moby pkg/signal ParseSignal): "Invalid signal: X"
  throw new DaemonError(`Invalid signal: ${s}`, exitCode);
}

/** A boolean flag given a value (`--sig-proxy=false`): Go's strconv.ParseBool, as Docker's CLI. */
export function parseBoolFlag(flag: string, v: string | boolean | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new FlagValueError(v, flag, `strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** Non-negative integer option (like --tail, -t). */
export function parseNonNegInt(value: string, what: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UserError(`invalid ${what}: ${JSON.stringify(value)}`);
  return Number(value);
}

/** Splits an image's "command" into Path and Args the way Docker does: entrypoint + cmd. */
export function commandLine(entrypoint: string[] | null, cmd: string[] | null): string[] {
  return [...(entrypoint ?? []), ...(cmd ?? [])];
}

const ADJ = ['admiring', 'bold', 'brave', 'calm', 'clever', 'eager', 'elated', 'focused', 'gallant', 'happy', 'jolly', 'keen', 'kind', 'lucid', 'nifty', 'quirky', 'serene', 'sharp', 'stoic', 'vibrant', 'wizardly', 'zealous'];
const NOUN = ['archimedes', 'babbage', 'curie', 'darwin', 'einstein', 'euler', 'feynman', 'galois', 'hopper', 'kepler', 'lamport', 'lovelace', 'noether', 'pascal', 'ritchie', 'shannon', 'thompson', 'torvalds', 'turing', 'wozniak'];

export function generateName(taken: (n: string) => boolean): string {
  for (let i = 0; ; i++) {
    const a = ADJ[Math.floor(Math.random() * ADJ.length)];
    const b = NOUN[Math.floor(Math.random() * NOUN.length)];
    const name = i < 10 ? `${a}_${b}` : `${a}_${b}${i}`;
    if (!taken(name)) return name;
  }
}

/**
 * --restart no|always|unless-stopped|on-failure[:N]: docker/cli's ParseRestartPolicy, then the
 * daemon's ValidateRestartPolicy (same messages).
 */
export function parseRestartPolicy(spec: string): import('./record.js').RestartPolicy {
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const count = colon < 0 ? '' : spec.slice(colon + 1);
  if (colon >= 0 && name === '') throw new RunCheckError('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count) || !Number.isSafeInteger(Number(count))) throw new RunCheckError('invalid restart policy format: maximum retry count must be an integer');
    max = Number(count);
  }
  const daemon = 'invalid restart policy: ';
  switch (name) {
    case '':
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (max !== 0) throw new DaemonError(`${daemon}maximum retry count can only be used with 'on-failure'${max < 0 ? ' and cannot be negative' : ''}`);
      return { Name: name || 'no', MaximumRetryCount: 0 };
    case 'on-failure':
      if (max < 0) throw new DaemonError(`${daemon}maximum retry count cannot be negative`);
      return { Name: 'on-failure', MaximumRetryCount: max };
    default:
      throw new DaemonError(`${daemon}unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

export interface LogConfig {
  Type: 'json-file' | 'none';
  Config: Record<string, string>;
}

/** Docker's units.FromHumanSize: decimal units (10k = 10000), an optional i and b. */
function fromHumanSize(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) return undefined;
  const unit = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 1;
  return Math.floor(Number(m[1]) * unit);
}

const DOCKER_LOG_DRIVERS = ['local', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries'];
const JSON_FILE_OPTS_UNSUPPORTED = ['compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'];

/**
 * --log-driver json-file|none and --log-opt max-size=…/max-file=… (docker/cli's
 * parseLoggingOpts, moby's json-file ValidateLogOpt and New). What minidock cannot do is
 * refused, never ignored.
 */
export function parseLogConfig(driver: string | undefined, opts: string[]): LogConfig | undefined {
  if (driver === undefined && opts.length === 0) return undefined;
  const type = driver ?? 'json-file';
  if (type === 'none' && opts.length) throw new RunCheckError('invalid logging opts for driver none');
  if (DOCKER_LOG_DRIVERS.includes(type)) throw new UserError(`log driver '${type}' is not supported by minidock (json-file and none are)`);
  if (type !== 'json-file' && type !== 'none') throw new DaemonError(`error looking up logging plugin ${type}: plugin ${JSON.stringify(type)} not found`);
  const config: Record<string, string> = {};
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'max-size') {
      const n = fromHumanSize(value);
      if (n === undefined) throw new DaemonError(`failed to initialize logging driver: invalid size: '${value}'`);
      if (n <= 0) throw new UserError('Error response from daemon: max-size must be a positive number');
    } else if (key === 'max-file') {
      if (!/^[+-]?\d+$/.test(value)) throw new DaemonError(`failed to initialize logging driver: strconv.Atoi: parsing ${JSON.stringify(value)}: invalid syntax`);
      if (Number(value) < 1) throw new DaemonError('failed to initialize logging driver: max-file cannot be less than 1');
    } else if (JSON_FILE_OPTS_UNSUPPORTED.includes(key)) {
      throw new UserError(`log opt '${key}' is not supported by minidock's json-file driver (max-size and max-file are)`);
    } else {
      throw new DaemonError(`unknown log opt '${key}' for json-file log driver`);
    }
    config[key] = value;
  }
  // Go prints a map's keys sorted (inspect's Config)
  return { Type: type, Config: Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** The shim's rotation keys for a log config: bytes and file count (absent = no rotation). */
export function logRotation(c: LogConfig | undefined): { maxSize?: number; maxFile?: number } {
  const size = c?.Config['max-size'];
  if (!size) return {};
  return { maxSize: fromHumanSize(size), maxFile: Number(c!.Config['max-file'] ?? '1') };
}
