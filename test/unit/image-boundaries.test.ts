// Image references and platforms at their edges (issue 18): which keys a parsed reference has,
// '@' and '/' where a name should start, displayKey of a key that is not a reference; --platform
// spellings and refusals in full; the index matcher's variant rules (explicit must match,
// implied only ranks, the first of equals wins).
import { describe, expect, it } from 'vitest';
import { displayKey, normalizeRef } from '../../src/engine/image/reference.js';
import { choosePlatform, formatPlatform, hostPlatform, parsePlatform } from '../../src/engine/image/platform.js';
import { message } from '../helpers/thrown.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('references', () => {
  it('a parsed reference has a tag key only with a tag, a digest key only with a digest', () => {
    expect(Object.keys(normalizeRef(`busybox@${D}`)).sort()).toEqual(['digest', 'display', 'familiarName', 'key', 'name', 'registry', 'repository']);
    expect(Object.keys(normalizeRef('busybox')).sort()).toEqual(['display', 'familiarName', 'key', 'name', 'registry', 'repository', 'tag']);
    expect(normalizeRef('busybox:1@' + D)).toMatchObject({ tag: '1', digest: D, familiarName: 'busybox' });
  });

  it('the first component is a registry only with a dot, a colon, localhost or upper case', () => {
    expect(normalizeRef('localhost/x').registry).toBe('localhost');
    expect(normalizeRef('a.b/x').registry).toBe('a.b');
    expect(normalizeRef('a:1/x').registry).toBe('a:1');
    expect(normalizeRef('Ab/x').registry).toBe('Ab');
    expect(normalizeRef('A/x').registry).toBe('A'); // a one-letter first component too
    expect(normalizeRef('ab/x')).toMatchObject({ registry: 'docker.io', repository: 'ab/x', familiarName: 'ab/x' });
    expect(normalizeRef('docker.io/ab')).toMatchObject({ repository: 'library/ab', familiarName: 'ab' });
    expect(normalizeRef('quay.io/ab')).toMatchObject({ repository: 'ab', familiarName: 'quay.io/ab' });
  });

  it('a name that starts with @ or / has no component; the digest must be lower-case hex of its exact length', () => {
    expect(message(() => normalizeRef(`@${D}`))).toBe(`invalid reference format: "@${D}"`); // on docker.io it is library/@…: no rule names it
    expect(message(() => normalizeRef('docker.io/'))).toBe('invalid reference format: "docker.io/" (repository name must have at least one component)');
    expect(message(() => normalizeRef('localhost/'))).toBe('invalid reference format: "localhost/" (repository name must have at least one component)');
    expect(message(() => normalizeRef('localhost//x'))).toBe('invalid reference format: "localhost//x" (repository name must have at least one component)');
    expect(message(() => normalizeRef('localhost/:t'))).toBe('invalid reference format: "localhost/:t" (repository name must have at least one component)');
    expect(message(() => normalizeRef('localhost/@' + D))).toBe(`invalid reference format: "localhost/@${D}" (repository name must have at least one component)`);
    expect(message(() => normalizeRef(`x@sha256:${'a'.repeat(63)}g`))).toBe(`invalid reference format: "x@sha256:${'a'.repeat(63)}g"`);
    expect(message(() => normalizeRef(`x@sha256:A${'a'.repeat(63)}`))).toBe(`invalid reference format: "x@sha256:A${'a'.repeat(63)}" (invalid sha256 digest)`);
    expect(message(() => normalizeRef(`x@sha256:${'a'.repeat(63)}A`))).toBe(`invalid reference format: "x@sha256:${'a'.repeat(63)}A" (invalid sha256 digest)`);
    expect(message(() => normalizeRef('a/B'))).toBe('invalid reference format: "a/B" (repository name must be lowercase)');
    expect(message(() => normalizeRef('a/b$'))).toBe('invalid reference format: "a/b$"');
  });

  it('displayKey: a key shows as Docker shows it; anything else as it is', () => {
    expect(displayKey('docker.io/library/busybox:latest')).toBe('busybox:latest');
    expect(displayKey('not a key')).toBe('not a key');
    expect(displayKey('')).toBe('');
  });
});

describe('platforms', () => {
  it('--platform: spellings; refusals in full', () => {
    expect(parsePlatform(' Linux/AMD64 ')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('x86-64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('riscv64')).toEqual({ os: 'linux', architecture: 'riscv64' });
    const invalid = (t: string) => `invalid platform ${JSON.stringify(t)} (expected os/arch[/variant], e.g. linux/amd64)`;
    for (const t of ['', 'linux/', '/amd64', 'linux//v7', 'linux/arm/v7/x', 'linux/am d64', 'linux/amd64!', '!linux/amd64']) expect(message(() => parsePlatform(t)), t).toBe(invalid(t));
    expect(message(() => parsePlatform('windows/amd64'))).toBe('unsupported platform "windows/amd64": only linux images can run here');
  });

  it('host platform and its printed form', () => {
    expect(hostPlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    // Node's process.arch → OCI, every one written out (GOARCH names)
    const oci: [NodeJS.Architecture, string, string?][] = [
      ['x64', 'amd64'], ['arm64', 'arm64', 'v8'], ['arm', 'arm', 'v7'], ['ia32', '386'], ['ppc64', 'ppc64le'], ['s390x', 's390x'],
      ['riscv64', 'riscv64'], ['loong64', 'loong64'], ['mips', 'mips'], ['mipsel', 'mipsle'],
    ];
    for (const [arch, architecture, variant] of oci) expect(hostPlatform(arch), arch).toEqual({ os: 'linux', architecture, ...(variant ? { variant } : {}) });
    expect(hostPlatform('made-up' as NodeJS.Architecture)).toEqual({ os: 'linux', architecture: 'made-up' });
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform({})).toBe('unknown/unknown');
  });

  it('index matching: os and arch must match; an explicit variant must match; an implied one only ranks; ties keep the first', () => {
    const e = (os: string | undefined, architecture: string | undefined, variant?: string) => ({ platform: { ...(os ? { os } : {}), ...(architecture ? { architecture } : {}), ...(variant ? { variant } : {}) } });
    const noVariant = { os: 'linux' as const, architecture: 'arm64' };
    // the implied v8 of arm64 ranks an arm64/v8 entry over a v9 one, but v9 alone is still taken
    expect(choosePlatform([e('linux', 'arm64', 'v9')], noVariant)).toBe(0);
    expect(choosePlatform([e('linux', 'arm64', 'v9'), e('linux', 'arm64', 'v8')], noVariant)).toBe(1);
    expect(choosePlatform([e('linux', 'arm64', 'v9')], { ...noVariant, variant: 'v8' })).toBe(-1);
    // arm64 with no variant is v8
    expect(choosePlatform([e('linux', 'arm64', 'v9'), e('linux', 'arm64')], { ...noVariant, variant: 'v8' })).toBe(1);
    // equal scores: the first wins
    expect(choosePlatform([e('linux', 'amd64'), e('linux', 'amd64')], { os: 'linux', architecture: 'amd64' })).toBe(0);
    expect(choosePlatform([e('linux', 'arm', 'v7'), e('linux', 'arm', 'v7')], { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(0);
    // an entry with a variant when none is wanted or implied still matches
    expect(choosePlatform([e('linux', 'amd64', 'v3')], { os: 'linux', architecture: 'amd64' })).toBe(0);
    // nothing wanted or implied: an entry with a variant is as good as one without (the first wins)
    expect(choosePlatform([e('linux', 'amd64', 'v3'), e('linux', 'amd64')], { os: 'linux', architecture: 'amd64' })).toBe(0);
    // arm/v7 wanted: an arm entry without a variant is taken (nothing to compare)
    expect(choosePlatform([e('linux', 'arm')], { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(0);
    // no platform, another os, another arch
    expect(choosePlatform([{}, e('windows', 'amd64'), e('linux', 'arm64'), e(undefined, 'amd64')], { os: 'linux', architecture: 'amd64' })).toBe(-1);
  });
});
