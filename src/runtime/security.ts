// The container process's privileges: capabilities (--cap-add, --cap-drop, --privileged) and
// --security-opt (no-new-privileges, seccomp=unconfined). Pure functions that validate what
// the user typed and compute the shim's config keys (docs/shim.md); the shim only applies them.
import { checkReadableFile, DaemonError, RunCheckError, UserError } from '../errors.js';
import type { ShimConfig } from './shim.js';

/** Every capability by number (linux/capability.h), as the shim knows them. */
export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default set (moby oci/caps/defaults.go), in Docker's order. */
export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** The capability bits of a set, as /proc/PID/status shows them (CapEff: 00000000a80425fb). */
export function capMask(caps: readonly string[]): bigint {
  let m = 0n;
  for (const c of caps) {
    const i = (ALL_CAPS as readonly string[]).indexOf(c);
    if (i >= 0) m |= 1n << BigInt(i);
  }
  return m;
}

/** `chown`, `CHOWN`, `cap_chown`, `CAP_CHOWN` → `CAP_CHOWN`; `all` → `ALL`. */
export function normalizeCap(name: string, flag = '--cap-add'): string {
  const up = name.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const full = up.startsWith('CAP_') ? up : `CAP_${up}`;
  // the daemon's words (moby caps.NormalizeLegacyCapabilities, via HostConfig.CapAdd/CapDrop)
  if (!(ALL_CAPS as readonly string[]).includes(full)) throw new DaemonError(`invalid ${flag === '--cap-drop' ? 'CapDrop' : 'CapAdd'}: unknown capability: ${JSON.stringify(full)}`);
  return full;
}

/**
 * The final set, the way Docker computes it (moby oci/caps TweakCapabilities): --privileged
 * gives all; --cap-add ALL all but the dropped ones; --cap-drop ALL only the added ones; else
 * the default set minus the dropped plus the added.
 */
export function computeCaps(add: readonly string[], drop: readonly string[], privileged = false): string[] {
  const a = add.map((c) => normalizeCap(c, '--cap-add'));
  const d = drop.map((c) => normalizeCap(c, '--cap-drop'));
  let out: string[];
  if (privileged) out = [...ALL_CAPS];
  else if (a.includes('ALL')) out = ALL_CAPS.filter((c) => !d.includes(c));
  else if (d.includes('ALL')) out = a;
  else out = [...DEFAULT_CAPS.filter((c) => !d.includes(c)), ...a];
  // In kernel order, without duplicates.
  return ALL_CAPS.filter((c) => out.includes(c));
}

export interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: boolean; // the default filter
}

const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const GO_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** KEY=VALUE, or KEY:VALUE (the old separator), as docker/cli and moby split an option. */
function splitOpt(opt: string): [string, string | undefined] {
  const eq = opt.indexOf('=');
  if (eq >= 0) return [opt.slice(0, eq), opt.slice(eq + 1)];
  const colon = opt.indexOf(':');
  return colon >= 0 && opt !== 'no-new-privileges' ? [opt.slice(0, colon), opt.slice(colon + 1)] : [opt, undefined];
}

/**
 * --security-opt values Docker takes; the ones minidock cannot honour are refused, not ignored.
 * Checked in Docker's order: first docker/cli's own checks of every value (a value given, a
 * seccomp profile file that opens), then the daemon's (moby parseSecurityOpt's known keys),
 * then what minidock cannot do.
 */
export function parseSecurityOpts(specs: readonly string[]): SecurityOptions {
  for (const opt of specs) {
    const [k, v] = splitOpt(opt);
    if (!v && k !== 'no-new-privileges') throw new RunCheckError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    if (k === 'seccomp' && v !== 'builtin' && v !== 'unconfined' && v !== 'default') {
      try {
        checkReadableFile(v!);
      } catch (e) {
        throw new RunCheckError(`opening seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
    }
  }
  for (const opt of specs) {
    const [k, v] = splitOpt(opt);
    const known = ['label', 'apparmor', 'seccomp'].includes(k) || (k === 'no-new-privileges' && (v === undefined || GO_TRUE.includes(v) || GO_FALSE.includes(v)));
    if (!known) throw new DaemonError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
  }
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: true };
  for (const raw of specs) {
    const [key, val] = splitOpt(raw);
    if (key === 'no-new-privileges') out.noNewPrivileges = val === undefined || GO_TRUE.includes(val);
    else if (key === 'seccomp') {
      if (val === 'unconfined') out.seccomp = false;
      else if (val === 'builtin' || val === 'default') out.seccomp = true;
      else throw new UserError(`invalid --security-opt ${JSON.stringify(raw)}: seccomp profiles from a file are not supported (only seccomp=unconfined)`);
    } else if ((key === 'apparmor' && val === 'unconfined') || (key === 'label' && val === 'disable')) {
      // minidock applies no AppArmor profile and no SELinux label: these are already so.
    } else {
      throw new UserError(`invalid --security-opt: ${JSON.stringify(raw)} (minidock applies no AppArmor profile or SELinux label; supported: no-new-privileges[=true|false], seccomp=unconfined, apparmor=unconfined, label=disable)`);
    }
  }
  return out;
}

/** What the record keeps (HostConfig fields, Docker's names). */
export interface SecurityHostConfig {
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean;
  SecurityOpt?: string[] | null;
}

/** Validates the flags; returns the HostConfig fields to store (normalised like Docker). */
export function securityHostConfig(f: { capAdd?: string[]; capDrop?: string[]; privileged?: boolean; securityOpt?: string[] }): Required<SecurityHostConfig> {
  const add = (f.capAdd ?? []).map((c) => normalizeCap(c, '--cap-add'));
  const drop = (f.capDrop ?? []).map((c) => normalizeCap(c, '--cap-drop'));
  const opts = f.securityOpt ?? [];
  parseSecurityOpts(opts);
  return { CapAdd: add.length ? add : null, CapDrop: drop.length ? drop : null, Privileged: !!f.privileged, SecurityOpt: opts.length ? opts : null };
}

/** The shim keys for the container's process (run) and for every exec in it. */
export function securityShimConfig(hc: SecurityHostConfig, mode: 'run' | 'exec' = 'run'): ShimConfig {
  const privileged = !!hc.Privileged;
  const opts = parseSecurityOpts(hc.SecurityOpt ?? []);
  const caps = computeCaps(hc.CapAdd ?? [], hc.CapDrop ?? [], privileged);
  return [
    ['caps', caps.join(',')],
    ['seccomp', privileged || !opts.seccomp ? '0' : '1'],
    ['nonewprivs', opts.noNewPrivileges],
    ...(mode === 'run' ? ([['privileged', privileged]] as ShimConfig) : []),
  ];
}
