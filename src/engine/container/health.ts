// Health checks (--health-*, the image's HEALTHCHECK), as Docker's: the options are parsed and
// merged here; the probes run in the container's watcher (minidock-shim, "Health checks" in
// docs/shim.md), which keeps State.Health in the container's `health` file.
import { FlagValueError, RunCheckError, UserError } from '../../errors.js';
import { goParseDuration } from '../../goparse.js';
import { readText } from '../../state/atomic.js';

/** Docker's HealthConfig (durations in nanoseconds; 0 = the default). */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  /** Docker 25+ (omitted when 0, as Docker's omitempty): the interval while starting, within StartPeriod. */
  StartInterval?: number;
  Retries?: number;
}

export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthRetries?: string;
  healthcheck?: boolean; // commander's --no-healthcheck: false when given
}

function duration(flag: string, v: string | undefined): number {
  if (v === undefined) return 0;
  try {
    return goParseDuration(v);
  } catch (e) {
    throw new FlagValueError(v, `--${flag}`, (e as Error).message);
  }
}

/** docker/cli's parse of the --health-* flags, then the daemon's checks; undefined: none given. */
export function parseHealthFlags(f: HealthFlags): HealthConfig | undefined {
  const interval = duration('health-interval', f.healthInterval);
  const timeout = duration('health-timeout', f.healthTimeout);
  const start = duration('health-start-period', f.healthStartPeriod);
  const startInterval = duration('health-start-interval', f.healthStartInterval);
  let retries = 0;
  if (f.healthRetries !== undefined) {
    if (!/^[-+]?\d+$/.test(f.healthRetries)) throw new UserError(`invalid argument ${JSON.stringify(f.healthRetries)} for "--health-retries" flag: strconv.ParseInt: parsing ${JSON.stringify(f.healthRetries)}: invalid syntax`);
    retries = Number(f.healthRetries);
  }
  const have = !!f.healthCmd || interval !== 0 || timeout !== 0 || start !== 0 || startInterval !== 0 || retries !== 0;
  if (f.healthcheck === false) {
    if (have) throw new UserError('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!have) return undefined;
  if (interval < 0) throw new RunCheckError('--health-interval cannot be negative');
  if (timeout < 0) throw new RunCheckError('--health-timeout cannot be negative');
  if (retries < 0) throw new RunCheckError('--health-retries cannot be negative');
  if (start < 0) throw new RunCheckError('--health-start-period cannot be negative');
  if (startInterval < 0) throw new RunCheckError('--health-start-interval cannot be negative');
  const daemon = 'Error response from daemon: ';
  for (const [name, v] of [['Interval', interval], ['Timeout', timeout], ['StartPeriod', start], ['StartInterval', startInterval]] as const) {
    if (v !== 0 && v < 1e6) throw new UserError(`${daemon}${name} in Healthcheck cannot be less than 1ms`);
  }
  return {
    ...(f.healthCmd ? { Test: ['CMD-SHELL', f.healthCmd] } : {}), Interval: interval, Timeout: timeout, StartPeriod: start,
    ...(startInterval ? { StartInterval: startInterval } : {}), Retries: retries,
  };
}

/** The daemon's merge: what the user left unset comes from the image's HEALTHCHECK. */
export function mergeHealth(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image && image.Test?.length ? { ...image } : undefined;
  if (!image) return user;
  return {
    Test: user.Test?.length ? user.Test : image.Test,
    Interval: user.Interval || image.Interval || 0,
    Timeout: user.Timeout || image.Timeout || 0,
    StartPeriod: user.StartPeriod || image.StartPeriod || 0,
    ...(user.StartInterval || image.StartInterval ? { StartInterval: user.StartInterval || image.StartInterval } : {}),
    Retries: user.Retries || image.Retries || 0,
  };
}

/** The probe's argv, or undefined when there is none to run (NONE, or nothing). */
export function probeArgv(h: HealthConfig | undefined): string[] | undefined {
  const t = h?.Test;
  if (!t?.length || t[0] === 'NONE') return undefined;
  if (t[0] === 'CMD') return t.length > 1 ? t.slice(1) : undefined;
  if (t[0] === 'CMD-SHELL') return ['/bin/sh', '-c', t.slice(1).join(' ')];
  return undefined;
}

/**
 * moby's defaults: 30 s, 30 s, 0, 3 retries. In ms for the shim. startInterval 0 (unset): the
 * interval throughout, as Docker before 25 (Docker 25+ would probe every 5 s while starting).
 */
export function probeTiming(h: HealthConfig): { interval: number; timeout: number; start: number; startInterval: number; retries: number } {
  const ms = (ns: number | undefined, def: number) => (ns ? Math.max(1, Math.round(ns / 1e6)) : def);
  return { interval: ms(h.Interval, 30_000), timeout: ms(h.Timeout, 30_000), start: ms(h.StartPeriod, 0), startInterval: ms(h.StartInterval, 0), retries: h.Retries || 3 };
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

export function readHealth(file: string): HealthState | undefined {
  const t = readText(file);
  if (!t) return undefined;
  try {
    return JSON.parse(t) as HealthState;
  } catch {
    return undefined;
  }
}
