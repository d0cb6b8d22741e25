// `run`/`create --pull always|missing|never` and `--platform` (issue 13): which image a run
// gets, as Docker decides it. Only loaded when one of the two flags is given.
import { RunCheckError, UserError } from '../../errors.js';
import { BUILTIN_BUSYBOX_KEY, imageSource, normalizeRef, type ImageRecord } from './store.js';
import { formatPlatform, parsePlatform, type OciPlatform } from './platform.js';

export type PullPolicy = 'always' | 'missing' | 'never';

export function parsePullPolicy(v: string): PullPolicy {
  if (v === 'always' || v === 'missing' || v === 'never') return v;
  throw new RunCheckError(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
}

// containerd's platforms.Parse: one word must be an OS or an architecture it knows (`arm64`,
// `linux`); two or three are taken as they are (minidock's parsePlatform then says what it runs)
const KNOWN_OS = 'aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos'.split(' ');
const KNOWN_ARCH = '386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm i386 x86_64 x86-64 aarch64 armhf armel'.split(' ');

export function parsePlatformFlag(v: string): OciPlatform {
  const one = v.toLowerCase();
  if (!v.includes('/') && !KNOWN_OS.includes(one) && !KNOWN_ARCH.includes(one)) {
    throw new RunCheckError(`error parsing specified platform: ${JSON.stringify(v)}: unknown operating system or architecture: invalid argument`);
  }
  try {
    return parsePlatform(v);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8' };

/** Whether an image is of the wanted platform (a wanted variant must match; arm64 means v8). Pure. */
export function platformMatches(img: { os: string; architecture: string; config?: { variant?: string } }, want: OciPlatform): boolean {
  if (img.os !== want.os || img.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  const v = img.config?.variant ?? DEFAULT_VARIANT[img.architecture];
  return v === want.variant;
}

function checkPlatform(ref: string, img: ImageRecord, want: OciPlatform | undefined): ImageRecord {
  if (want && !platformMatches(img, want)) {
    const actual = formatPlatform({ os: img.os, architecture: img.architecture, variant: img.config?.variant });
    throw new UserError(`image with reference ${ref} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${actual}`);
  }
  return img;
}

/**
 * The image for a run under a pull policy and platform. `never`: only what is here (the
 * builtin busybox is still made offline: it comes from no registry); `missing`: pull what is
 * not here; `always`: pull first (the builtin has no registry: refused).
 */
export async function ensureImageWith(ref: string, pull: PullPolicy = 'missing', platform?: OciPlatform): Promise<ImageRecord> {
  const builtin = normalizeRef(ref).key === BUILTIN_BUSYBOX_KEY;
  if (pull === 'always') {
    if (builtin) throw new UserError(`--pull always: ${ref} is minidock's builtin busybox image, made offline; there is no registry to pull it from`);
    const { pullImage } = await import('./pull.js');
    const res = await pullImage(ref, { out: process.stderr, platform: platform ? formatPlatform(platform) : undefined });
    return checkPlatform(ref, res.image, platform);
  }
  const src = imageSource(ref);
  if ('img' in src) return checkPlatform(ref, src.img, platform);
  if ('build' in src) {
    const { buildBuiltinBusybox } = await import('./builtin.js');
    return checkPlatform(ref, await buildBuiltinBusybox(), platform);
  }
  if (pull === 'never') throw new UserError(`Error response from daemon: No such image: ${src.pull.display}`);
  process.stderr.write(`Unable to find image '${src.pull.display}' locally\n`);
  const { pullImage } = await import('./pull.js');
  const res = await pullImage(src.pull.display, { out: process.stderr, platform: platform ? formatPlatform(platform) : undefined });
  return checkPlatform(ref, res.image, platform);
}

/**
 * --dry-run: what ensureImageWith would refuse, said now (nothing is pulled or built); the
 * plan line when it would pull. Undefined: the normal dry-run report holds.
 */
export function dryRunPullCheck(ref: string, pull: PullPolicy = 'missing', platform?: OciPlatform): string | undefined {
  const builtin = normalizeRef(ref).key === BUILTIN_BUSYBOX_KEY;
  if (pull === 'always') {
    if (builtin) throw new UserError(`--pull always: ${ref} is minidock's builtin busybox image, made offline; there is no registry to pull it from`);
    return `# --pull always: pull ${ref}${platform ? ` (${formatPlatform(platform)})` : ''} from its registry first (as \`minidock pull\`)`;
  }
  const src = imageSource(ref);
  if ('img' in src) checkPlatform(ref, src.img, platform);
  else if ('pull' in src && pull === 'never') throw new UserError(`Error response from daemon: No such image: ${src.pull.display}`);
  return undefined;
}
