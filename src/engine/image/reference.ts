// Image references, parsed and normalised like Docker's (distribution/reference,
// ParseNormalizedNamed + TagNameOnly):
//
//   busybox                      -> docker.io/library/busybox:latest   (shown as busybox:latest)
//   user/app:1.0                 -> docker.io/user/app:1.0             (shown as user/app:1.0)
//   localhost:5000/x/y:t         -> localhost:5000/x/y:t
//   busybox@sha256:<64 hex>      -> docker.io/library/busybox@sha256:…  (no implied tag)
//
// Grammar (reference := name [":" tag] ["@" digest]):
//   name            := [domain "/"] path-component ("/" path-component)*
//   domain          := host [":" port]; host := domain-name | "[" ipv6 "]"
//   domain-name     := component ("." component)*, component := [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
//   path-component  := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | "__" | "-"+
//   tag             := [\w][\w.-]{0,127}
//   digest          := algorithm ":" hex{32,}  (sha256: exactly 64, sha512: exactly 128)
// The first component is a domain only when it contains '.' or ':', is 'localhost', or has
// upper case letters; otherwise the name is on docker.io (and gets 'library/' when it has
// a single component). The full name is at most 255 characters.
import { UserError } from '../../errors.js';

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const NAME_TOTAL_MAX = 255;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const REMAINDER_RE = new RegExp(`^(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const FULL_ID_RE = /^[a-f0-9]{64}$/;

export interface NormalizedRef {
  /** 'docker.io', 'localhost:5000', … */
  registry: string;
  /** Path on the registry: 'library/busybox', 'x/y'. */
  repository: string;
  /** Tag; 'latest' when neither a tag nor a digest was given; undefined for a bare digest reference. */
  tag?: string;
  /** 'sha256:…' when the reference pins a digest. */
  digest?: string;
  /** Fully qualified name without tag/digest: 'docker.io/library/busybox'. */
  name: string;
  /** Name as Docker shows it: 'busybox', 'user/app', 'localhost:5000/x/y'. */
  familiarName: string;
  /** As Docker shows the reference: 'busybox:latest', 'localhost:5000/x/y:t', 'busybox@sha256:…'. */
  display: string;
  /** Canonical key in the store's index: 'docker.io/library/busybox:latest' or '…@sha256:…'. */
  key: string;
}

function invalid(ref: string, why?: string): UserError {
  return new UserError(`invalid reference format: ${JSON.stringify(ref)}${why ? ` (${why})` : ''}`);
}

const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function checkDigest(ref: string, digest: string): void {
  const [alg, hex] = digest.split(':') as [string, string];
  const want = DIGEST_LENGTHS[alg];
  if (want === undefined) throw invalid(ref, `unsupported digest algorithm ${alg}`);
  if (hex.length !== want || !/^[0-9a-f]+$/.test(hex)) throw invalid(ref, `invalid ${alg} digest`);
}

/** Familiar (short) form of a fully qualified name, as Docker prints it. */
export function familiarName(registry: string, repository: string): string {
  if (registry !== DEFAULT_REGISTRY) return `${registry}/${repository}`;
  if (repository.startsWith(OFFICIAL_PREFIX) && !repository.slice(OFFICIAL_PREFIX.length).includes('/')) {
    return repository.slice(OFFICIAL_PREFIX.length);
  }
  return repository;
}

/** Parses and normalises an image reference; throws UserError (exit 125) when it is invalid. */
export function normalizeRef(ref: string): NormalizedRef {
  if (typeof ref !== 'string' || ref === '') throw invalid(ref ?? '', 'repository name must have at least one component');
  if (FULL_ID_RE.test(ref)) throw invalid(ref, 'cannot use a 64-character hexadecimal string as a repository name');

  // splitDockerDomain
  let registry: string;
  let remainder: string;
  const slash = ref.indexOf('/');
  const first = slash === -1 ? '' : ref.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    registry = DEFAULT_REGISTRY;
    remainder = ref;
  } else {
    registry = first;
    remainder = ref.slice(slash + 1);
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  if (!DOMAIN_RE.test(registry)) throw invalid(ref, `invalid registry name ${JSON.stringify(registry)}`);
  if (registry === DEFAULT_REGISTRY && !remainder.includes('/') && remainder !== '') remainder = OFFICIAL_PREFIX + remainder;

  const m = REMAINDER_RE.exec(remainder);
  if (!m) {
    if (remainder === '' || remainder.startsWith('/') || remainder.startsWith(':') || remainder.startsWith('@')) {
      throw invalid(ref, 'repository name must have at least one component');
    }
    const lower = REMAINDER_RE.exec(remainder.toLowerCase());
    if (lower) throw invalid(ref, 'repository name must be lowercase');
    throw invalid(ref);
  }
  const repository = m[1]!;
  const tagGiven = m[2];
  const digest = m[3];
  const name = `${registry}/${repository}`;
  if (name.length > NAME_TOTAL_MAX) throw invalid(ref, `repository name must not be more than ${NAME_TOTAL_MAX} characters`);
  if (digest !== undefined) checkDigest(ref, digest);

  const tag = tagGiven ?? (digest === undefined ? DEFAULT_TAG : undefined);
  const fam = familiarName(registry, repository);
  const display = `${fam}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const key = digest !== undefined ? `${name}@${digest}` : `${name}:${tag}`;
  const out: NormalizedRef = { registry, repository, name, familiarName: fam, display, key };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** Display form of an index key ('docker.io/library/busybox:latest' -> 'busybox:latest'). */
export function displayKey(key: string): string {
  try {
    return normalizeRef(key).display;
  } catch {
    return key;
  }
}

/** Docker's line names a reference without tag or digest as NAME:latest (an id as it is). */
export function withLatest(ref: string): string {
  return /^(?:sha256:)?[0-9a-f]{64}$/.test(ref) || ref.startsWith('sha256:') || /[:@]/.test(ref.slice(ref.lastIndexOf('/') + 1)) ? ref : `${ref}:latest`;
}

/**
 * What the docker CLI's client says of a reference it refuses before asking the daemon (`tag`,
 * `commit`): distribution/reference's ParseNormalizedNamed, word for word; undefined when valid.
 * Its own splitDockerDomain, so the lower-case check names the path as Go does ("library/A").
 */
export function referenceError(s: string): string | undefined {
  if (FULL_ID_RE.test(s)) return `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`;
  const slash = s.indexOf('/');
  const first = s.slice(0, slash);
  const domainFirst = slash !== -1 && (first === 'localhost' || first === LEGACY_DEFAULT_REGISTRY || /[.:]/.test(first) || first.toLowerCase() !== first);
  let remote = domainFirst ? s.slice(slash + 1) : s;
  if ((!domainFirst || first === LEGACY_DEFAULT_REGISTRY) && !remote.includes('/')) remote = OFFICIAL_PREFIX + remote;
  const path = remote.split(':')[0]!;
  if (path.toLowerCase() !== path) return `invalid reference format: repository name (${path}) must be lowercase`;
  try {
    normalizeRef(s);
    return undefined;
  } catch (e) {
    // Parse's errors (errors.go), and go-digest's for a digest the grammar took
    const why = /\(([^)]*)\)$/.exec((e as Error).message)?.[1] ?? '';
    if (why.startsWith('repository name must')) return why.endsWith('component') ? 'invalid reference format' : why;
    if (why.startsWith('unsupported digest')) return 'unsupported digest algorithm';
    if (why.endsWith('digest')) {
      // go-digest's Validate: the length for the algorithm first, then lower-case hex
      const [alg, hex] = s.slice(s.lastIndexOf('@') + 1).split(':') as [string, string];
      return hex.length !== DIGEST_LENGTHS[alg] ? 'invalid checksum digest length' : 'invalid checksum digest format';
    }
    return 'invalid reference format';
  }
}
