// Flag values as the docker CLI checks them (issue 13). Docker's CLI (pflag) checks a typed flag's
// value as it meets it on the command line: the first bad one ends the parse with `invalid
// argument "V" for "-m, --memory" flag: …`, the usage block and exit 125, before any argument
// check and before anything is asked of a daemon. main.ts runs checkFlagValues over the words
// before commander parses them: the same checks in the same order, and booleans given a value
// (`--rm=false`, `-d=true`) made into what commander takes. Then, for run and create,
// checkRunValues does what `docker run` checks after parsing (-p, --expose, --pull, --pid,
// --restart, --mac-address, --platform: `docker: …`, "Run 'docker run --help'…", 125).
// Loaded only when a flag is on the command line; the checks that are the engine's own parsers
// load them only when their flag is given.
import type { Command, Option } from 'commander';
import { BareError, FlagValueError, RunCheckError, UserError } from '../errors.js';
import { goParseBool, goParseDuration, goParseInt, goParseNanoCpus } from '../goparse.js';
import { ramInBytes } from '../units.js';
import { writeErr } from './output.js';

/** A check of one value: throws an Error with Docker's words, or returns the value to pass on. */
type Check = (v: string) => string | void | Promise<string | void>;

const int: Check = (v) => String(goParseInt(v));
const size: Check = (v) => void ramInBytes(v);
const duration: Check = (v) => void goParseDuration(v);
/** An engine parser that already says Docker's words: only its FlagValueError is the CLI's. */
const engine = (load: () => Promise<(v: string) => unknown>): Check => async (v) => {
  const parse = await load();
  try {
    parse(v);
  } catch (e) {
    if (e instanceof FlagValueError) throw new Error(e.why);
  }
};
const runflags = () => import('../engine/container/runflags.js');

/** By Docker's long name: the flags whose value docker/cli's flag types check while parsing. */
const CHECKS: Record<string, Check> = {
  'memory': size,
  'memory-reservation': size,
  'shm-size': size,
  'memory-swap': (v) => (v === '-1' ? undefined : size(v)),
  // normalized to a decimal the engine's parseCpus reads (`3/2`, `1e-1` are Docker's too)
  'cpus': (v) => {
    const nano = goParseNanoCpus(v);
    if (/^\d+(\.\d+)?$/.test(v)) return;
    const sign = nano < 0n ? '-' : '';
    const abs = nano < 0n ? -nano : nano;
    return `${sign}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
  },
  'cpu-shares': int,
  'pids-limit': int,
  'stop-timeout': int,
  'health-retries': int,
  'last': int,
  'timeout': int,
  'time': int,
  'health-interval': duration,
  'health-timeout': duration,
  'health-start-period': duration,
  'health-start-interval': duration,
  // opts.ValidateEnv, ValidateLabel, FilterOpt, ValidateAttach, ValidateLink
  'env': (v) => {
    if (v.split('=')[0] === '') throw new Error(`invalid environment variable: ${v}`);
  },
  'label': (v) => {
    if (v.split('=')[0].trim() === '') throw new Error(`invalid label '${v}': empty name`);
  },
  'filter': (v) => {
    if (v !== '' && !v.includes('=')) throw new Error('bad format of filter (expected name=value)');
  },
  'attach': (v) => {
    if (!['stdin', 'stdout', 'stderr'].includes(v.toLowerCase())) throw new Error('valid streams are STDIN, STDOUT and STDERR');
  },
  'link': (v) => {
    if (v === '') throw new Error('empty string specified for links');
    if (v.split(':').length > 2) throw new Error(`bad format for links: ${v}`);
  },
  'ulimit': engine(async () => (await runflags()).parseUlimit),
  'sysctl': engine(async () => (await runflags()).parseSysctl),
  'add-host': engine(async () => (await runflags()).parseExtraHost),
  'dns': engine(async () => (await runflags()).parseDnsServer),
  'dns-search': engine(async () => (await runflags()).parseDnsSearch),
  'mount': engine(async () => (await import('../engine/volume/mounts.js')).parseMountFlag),
};

/** pflag's deprecated names: accepted, with its line on stderr. */
const DEPRECATED: Record<string, string> = { time: 'use --timeout instead' };

/** Commands whose flags end at their first argument (the rest is the container's command). */
const FLAGS_FIRST = new Set(['run', 'create', 'exec', 'top']);

/** The flag's names as pflag writes them in an error: `-m, --memory`, or `--rm`. */
const shown = (o: Option) => (o.short && o.long ? `${o.short}, ${o.long}` : (o.long ?? o.short!));

/** The command the words name, and where its own words start (index into argv). */
function leaf(program: Command, argv: string[]): { cmd: Command; path: string[]; at: number } {
  let cmd = program;
  const path: string[] = [];
  let i = 2;
  for (; i < argv.length; i++) {
    const sub = cmd.commands.find((c) => c.name() === argv[i] || c.aliases().includes(argv[i]));
    if (!sub) break;
    cmd = sub;
    path.push(sub.name());
  }
  return { cmd, path, at: i };
}

/**
 * Checks every flag value of the command line as docker's CLI does, in order; returns the words
 * for commander: as typed, but for a boolean given a value (`--rm=false`, `-d=true`), a bare
 * optional boolean (`--sig-proxy`, which would take the next word), `-m=1g` (commander's value
 * would be "=1g") and a number pflag reads otherwise than the engine (`0x10`, `3/2`).
 * `usage(path)`: Docker's usage block for the command, undefined for one Docker has not (a
 * minidock-only command keeps its own words). Throws a FlagValueError whose `shown` is Docker's text.
 */
export async function checkFlagValues(program: Command, argv: string[], usage: (path: string[]) => string | undefined): Promise<string[]> {
  const { cmd, path, at } = leaf(program, argv);
  const block = at > 2 ? usage(path) : undefined;
  if (block === undefined) return argv;
  const find = (name: string) => cmd.options.find((o) => o.long === name || o.short === name);
  const fail = (o: Option, value: string, why: string): never => {
    const e = new FlagValueError(value, shown(o), why);
    e.shown = `${e.message}${block}`;
    throw e;
  };
  const check = async (o: Option, value: string): Promise<string> => {
    const name = (o.long ?? '').replace(/^--/, '');
    const c = CHECKS[name];
    if (!c) return value;
    let v: string;
    try {
      v = (await c(value)) ?? value;
    } catch (e) {
      return fail(o, value, (e as Error).message);
    }
    if (DEPRECATED[name]) writeErr(`Flag --${name} has been deprecated, ${DEPRECATED[name]}\n`);
    return v;
  };
  /** A boolean given a value: the words commander gets for it (none: false, and no --no- form). */
  const boolWords = (o: Option, value: string): string[] => {
    let on = false;
    try {
      on = goParseBool(value);
    } catch (e) {
      fail(o, value, (e as Error).message);
    }
    if (o.optional) return [`${o.long}=${on}`]; // `--sig-proxy [bool]` takes its value
    if (on) return [o.long!];
    const no = `--no-${o.long!.replace(/^--/, '')}`;
    return !o.negate && find(no) ? [no] : [];
  };
  const isBool = (o: Option) => !o.required;

  const out = argv.slice(0, at);
  let i = at;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') {
      if (FLAGS_FIRST.has(path[path.length - 1])) break;
      out.push(a);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const o = find(eq < 0 ? a : a.slice(0, eq));
      if (!o) break; // unknown: commander says so, as Docker would at this word
      const given = eq < 0 ? undefined : a.slice(eq + 1);
      if (isBool(o)) {
        out.push(...(given !== undefined ? boolWords(o, given) : o.optional ? [`${o.long}=true`] : [a]));
        continue;
      }
      const value = given ?? argv[i + 1];
      if (value === undefined) break; // commander: "flag needs an argument"
      if (given === undefined) i++;
      const v = await check(o, value);
      out.push(...(v === value ? argv.slice(given === undefined ? i - 1 : i, i + 1) : [o.long!, v]));
      continue;
    }
    // shorthands: `-it`, `-d=false`, `-m512m`, `-m=512m`, `-m 512m`
    const words: string[] = [];
    let j = 1;
    for (; j < a.length; j++) {
      const o = find(`-${a[j]}`);
      if (!o) break;
      if (isBool(o)) {
        if (a[j + 1] === '=') {
          words.push(...boolWords(o, a.slice(j + 2)));
          j = a.length;
        } else words.push(o.optional ? `${o.long}=true` : `-${a[j]}`);
        continue;
      }
      const inline = a.slice(j + (a[j + 1] === '=' ? 2 : 1));
      if (inline === '' && a[j + 1] !== '=' && argv[i + 1] === undefined) break;
      const value = inline !== '' || a[j + 1] === '=' ? inline : argv[++i];
      words.push(`-${a[j]}`, await check(o, value));
      j = a.length;
    }
    if (j < a.length) {
      // an unknown shorthand, or one missing its value: commander says so from the word as typed
      out.push(a);
      i++;
      break;
    }
    out.push(...words);
  }
  return [...out, ...argv.slice(i)];
}

/** The `-p` checks of docker's CLI (go-connections' nat.ParsePortSpec); ports.ts applies minidock's after. */
function portSpecCheck(raw: string): void {
  if (raw.includes('=')) return; // the long syntax: ports.ts says what it takes
  const parts = raw.split(':');
  const n = parts.length;
  let containerPort = parts[n - 1];
  const hostPort = n >= 2 ? parts[n - 2] : '';
  let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
  const pp = containerPort.split('/');
  let proto = 'tcp';
  if (containerPort === '' || pp[0] === '') [proto, containerPort] = ['', ''];
  else if (pp.length > 1 && pp[1] !== '') [proto, containerPort] = [pp[1], pp[0]];
  else containerPort = pp[0];
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new RunCheckError(`invalid IP address ${ip}: address ${ip}: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  const isIp = (s: string) => /^(\d{1,3}\.){3}\d{1,3}$/.test(s) ? s.split('.').every((x) => Number(x) < 256 && !/^0\d/.test(x)) : /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':');
  if (ip !== '' && !isIp(ip)) throw new RunCheckError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new RunCheckError(`no port specified: ${raw}<empty>`);
  const range = (s: string): [number, number] | undefined => {
    const [a, b, ...rest] = s.split('-');
    const u16 = (x: string | undefined) => (x !== undefined && /^\d+$/.test(x) && Number(x) <= 65535 ? Number(x) : undefined);
    const start = u16(a);
    const end = b === undefined ? start : u16(b);
    if (start === undefined || end === undefined || rest.length || end < start) return undefined;
    return [start, end];
  };
  const c = range(containerPort);
  if (!c) throw new RunCheckError(`invalid containerPort: ${containerPort}`);
  if (hostPort !== '') {
    const h = range(hostPort);
    if (!h) throw new RunCheckError(`invalid hostPort: ${hostPort}`);
    if (c[1] - c[0] !== h[1] - h[0] && c[1] !== c[0]) throw new RunCheckError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new RunCheckError(`invalid proto: ${proto.toLowerCase()}`);
}

export interface RunValues {
  pull?: string;
  publish?: string[];
  expose?: string[];
  pid?: string;
  restart?: string;
  macAddress?: string;
  platform?: string;
}

/**
 * What `docker run`/`create` checks after parsing, before its daemon is asked, in its order
 * (runRun's pull option, then opts.go's parse, then the platform at create). The engine's
 * parsers say it; only their RunCheckError is the CLI's (the rest is the daemon's, said later).
 */
export async function checkRunValues(f: RunValues): Promise<void> {
  const only = async (fn: () => unknown | Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      if (e instanceof RunCheckError) throw e;
      if (!(e instanceof UserError)) throw e;
    }
  };
  if (f.pull !== undefined) await only(async () => (await import('../engine/image/pull-policy.js')).parsePullPolicy(f.pull!));
  for (const p of f.publish ?? []) portSpecCheck(p);
  for (const e of f.expose ?? []) await only(async () => (await runflags()).parseExpose(e));
  if (f.pid !== undefined) (await runflags()).checkPidMode(f.pid);
  if (f.restart !== undefined) await only(async () => (await import('../engine/container/options.js')).parseRestartPolicy(f.restart!));
  if (f.macAddress !== undefined) await only(async () => (await runflags()).parseMacAddress(f.macAddress!));
  if (f.platform !== undefined) await only(async () => (await import('../engine/image/pull-policy.js')).parsePlatformFlag(f.platform!));
}

/**
 * docker/cli's consolidateIpam: `network create`'s --subnet/--ip-range/--gateway checked against
 * each other before the daemon is asked (plain errors, exit 1). The engine applies minidock's own
 * rules after (one subnet per family, a gateway inside it…).
 */
export async function checkNetworkValues(o: { subnet: string[]; ipRange: string[]; gateway: string[] }): Promise<void> {
  const { subnet: subnets, ipRange: ranges, gateway: gateways } = o;
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new BareError('every ip-range or gateway must have a corresponding subnet', 1);
  if (!ranges.length && !gateways.length && subnets.length < 2) return;
  const [v4, v6] = await Promise.all([import('../engine/network/cidr.js'), import('../engine/network/cidr6.js')]);
  // Go's net.ParseCIDR (host bits allowed) and "does subnet s hold data's address"
  const cidr = (s: string) => (s.includes(':') ? v6.parseCidr6(s) : v4.parseCidr(s));
  const matches = (s: string, data: string): boolean => {
    const net = cidr(s);
    if (!net) throw new BareError(`invalid subnet: invalid CIDR address: ${s}`, 1);
    if (data.includes('/') && !cidr(data)) throw new BareError(`invalid CIDR address: ${data}`, 1);
    const ip = data.split('/')[0];
    if (typeof net.base === 'bigint') {
      const n = v6.parseIp6(ip);
      return n !== undefined && v6.contains6(net as { base: bigint; prefix: number }, n);
    }
    const n = v4.parseIp(ip);
    return n !== undefined && v4.contains(net as { base: number; prefix: number }, n);
  };
  const seen: string[] = [];
  for (const s of subnets) {
    for (const k of seen) if (matches(s, k) || matches(k, s)) throw new BareError('multiple overlapping subnet configuration is not supported', 1);
    seen.push(s);
  }
  for (const [list, what, many] of [[ranges, 'range', 'cannot configure multiple ranges (%a, %b) on the same subnet (%s)'], [gateways, 'gateway', 'cannot configure multiple gateways (%a, %b) for the same subnet (%s)']] as const) {
    const taken = new Map<string, string>();
    for (const r of list) {
      let match = false;
      for (const s of subnets) {
        if (!matches(s, r)) continue;
        const had = taken.get(s);
        if (had !== undefined) throw new BareError(many.replace('%a', r).replace('%b', had).replace('%s', s), 1);
        taken.set(s, r);
        match = true;
      }
      if (!match) throw new BareError(`no matching subnet for ${what} ${r}`, 1);
    }
  }
}
