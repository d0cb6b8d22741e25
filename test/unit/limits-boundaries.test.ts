// Limit and security parsers at their edges (issue 18): Docker's ranges at both ends (6 MiB,
// 0.01 CPUs up to the host's count, shares 2–262144, pids -1), each message in full, the
// cgroup writes when a limit is unset, the v1 devices allowlist written out, mountinfo
// oddities, and --security-opt spellings that must be refused.
import { describe, expect, it } from 'vitest';
import { statfsSync } from 'node:fs';
import {
  DEVICE_ALLOW, MIN_MEMORY, v2DeviceRules, NO_LIMITS, parseCpuShares, parseCpus, parseMemorySize, parsePidsLimit, parseResources, resourcesOf, v1Mounts, v1Writes, v2Writes,
} from '../../src/runtime/cgroups.js';
import { capMask, computeCaps, normalizeCap, parseSecurityOpts, securityHostConfig, securityShimConfig } from '../../src/runtime/security.js';
import { message } from '../helpers/thrown.js';

const MiB = 1024 ** 2;

describe('limit flags', () => {
  it('sizes: messages name the flag (--memory unless told)', () => {
    expect(message(() => parseMemorySize('x'))).toBe(`invalid argument "x" for "--memory" flag: invalid size: 'x'`);
    expect(message(() => parseMemorySize('x', '--memory-swap'))).toBe(`invalid argument "x" for "--memory-swap" flag: invalid size: 'x'`);
    expect(message(() => parseMemorySize('99999999999p'))).toBe("invalid --memory: size too large: '99999999999p'");
    expect(parseMemorySize('7p')).toBe(7 * 1024 ** 5); // 8p is 2^53: past the integers a double holds exactly
    expect(message(() => parseMemorySize('8p'))).toBe("invalid --memory: size too large: '8p'");
  });

  it('--cpus: several digits, leading-dot and trailing-dot decimals; 0.01 up to exactly the host count', () => {
    expect(parseCpus('12', 16)).toBe(12e9);
    expect(parseCpus('.25', 2)).toBe(250_000_000);
    expect(parseCpus('.255', 2)).toBe(255_000_000);
    expect(parseCpus('1.', 2)).toBe(1e9);
    expect(parseCpus('2', 2)).toBe(2e9);
    expect(parseCpus('0.01', 2)).toBe(1e7);
    expect(parseCpus('0', 2)).toBe(0);
    const range = 'Error response from daemon: Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available';
    expect(message(() => parseCpus('2.01', 2))).toBe(range);
    expect(message(() => parseCpus('0.009', 2))).toBe(range);
    expect(message(() => parseCpus('-1', 2))).toBe(range); // the CLI's parse takes it (goparse.ts); the range refuses it
    for (const s of ['two', '', '.', '1e3', '1..2']) expect(message(() => parseCpus(s, 2)), s).toBe(`invalid argument "${s}" for "--cpus" flag: failed to parse ${s} as a rational number`);
  });

  it('--cpu-shares 2…262144 (0: default; negative: the daemon\'s refusal); --pids-limit ≤ 0 unlimited; integers only, nothing around them', () => {
    expect(parseCpuShares('2')).toBe(2);
    expect(parseCpuShares('262144')).toBe(262144);
    expect(parseCpuShares('0')).toBe(0);
    expect(message(() => parseCpuShares('1'))).toBe('invalid --cpu-shares 1: must be between 2 and 262144');
    expect(message(() => parseCpuShares('-1'))).toBe('Error response from daemon: shares: invalid argument');
    expect(message(() => parseCpuShares('262145'))).toBe('invalid --cpu-shares 262145: must be between 2 and 262144');
    for (const s of [' 12', '1e3', '12a', 'a12', '9007199254740993', '1.5']) {
      expect(message(() => parseCpuShares(s)), s).toBe(`invalid argument "${s}" for "--cpu-shares" flag: not an integer`);
      expect(message(() => parsePidsLimit(s)), s).toBe(`invalid argument "${s}" for "--pids-limit" flag: not an integer`);
    }
    expect(parsePidsLimit('-1')).toBeNull();
    expect(parsePidsLimit('0')).toBeNull();
    expect(parsePidsLimit('1')).toBe(1);
    expect(parsePidsLimit('-2')).toBeNull();
  });

  it('parseResources: Docker\'s cross-checks at their edges', () => {
    expect(parseResources({}, 2)).toEqual(NO_LIMITS);
    expect(parseResources({ memory: '6m' }, 2)).toMatchObject({ Memory: MIN_MEMORY });
    expect(message(() => parseResources({ memory: String(MIN_MEMORY - 1) }, 2))).toBe('Error response from daemon: Minimum memory limit allowed is 6MB');
    expect(parseResources({ memory: '0' }, 2)).toEqual(NO_LIMITS);
    expect(parseResources({ memory: '64m', memorySwap: '64m' }, 2)).toMatchObject({ Memory: 64 * MiB, MemorySwap: 64 * MiB });
    expect(parseResources({ memory: '64m', memorySwap: '0' }, 2)).toMatchObject({ Memory: 64 * MiB, MemorySwap: 0 });
    expect(parseResources({ memory: '64m', memorySwap: '-1' }, 2)).toMatchObject({ MemorySwap: -1 });
    expect(parseResources({ memorySwap: '0' }, 2)).toEqual(NO_LIMITS);
    expect(message(() => parseResources({ memorySwap: '64m' }, 2))).toBe('Error response from daemon: You should always set the Memory limit when using Memoryswap limit, see usage');
    expect(message(() => parseResources({ memorySwap: '-1' }, 2))).toBe('Error response from daemon: You should always set the Memory limit when using Memoryswap limit, see usage');
    expect(message(() => parseResources({ memory: '64m', memorySwap: '63m' }, 2))).toBe('Error response from daemon: Minimum memoryswap limit should be larger than memory limit, see usage');
    expect(message(() => parseResources({ memory: '64m', memorySwap: 'x' }, 2))).toBe(`invalid argument "x" for "--memory-swap" flag: invalid size: 'x'`);
    expect(message(() => parseResources({ memory: 'x' }, 2))).toBe(`invalid argument "x" for "--memory" flag: invalid size: 'x'`);
    expect(parseResources({ cpus: '1', cpuShares: '512', pidsLimit: '10' }, 2)).toEqual({ ...NO_LIMITS, NanoCpus: 1e9, CpuShares: 512, PidsLimit: 10 });
  });

  it('resourcesOf: a record from before limits has none', () => {
    expect(resourcesOf({})).toEqual(NO_LIMITS);
    const r = { Memory: 1, MemorySwap: 2, NanoCpus: 3, CpuShares: 4, PidsLimit: 5 };
    expect(resourcesOf(r)).toEqual(r);
    const all = { ...r, CpusetCpus: '0-1', CpusetMems: '0', MemoryReservation: 6 };
    expect(resourcesOf(all)).toEqual(all);
  });
});

describe('cgroup writes', () => {
  it('no limit, no write; privileged: no devices either', () => {
    expect(v1Writes(NO_LIMITS, true)).toEqual([]);
    expect(v2Writes(NO_LIMITS)).toEqual([]);
    expect(v1Writes({ ...NO_LIMITS, PidsLimit: 0 }, true)).toEqual([['pids', 'pids.max', '0']]);
  });

  it('v1 devices: deny all, then exactly Docker\'s allowlist, in order', () => {
    const want = ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm'];
    expect([...DEVICE_ALLOW]).toEqual(want);
    expect(v1Writes(NO_LIMITS)).toEqual([['devices', 'devices.deny', 'a'], ...want.map((d) => ['devices', 'devices.allow', d])]);
  });

  it('v2 device rules: the allowlist on a cgroup2 host unless privileged (this host\'s kind told by statfs)', () => {
    expect(process.env.MINIDOCK_CGROUP_ROOT).toBeUndefined();
    let v2 = false;
    try {
      v2 = statfsSync('/sys/fs/cgroup').type === 0x63677270;
    } catch {
      /* no /sys/fs/cgroup: no cgroups, v1 layout with no mounts */
    }
    expect(v2DeviceRules(false)).toEqual(v2 ? DEVICE_ALLOW : []);
    expect(v2DeviceRules(true)).toEqual([]);
  });

  it('mountinfo: every v1 controller minidock uses (not net_cls); lines without a separator, other types, escaped spaces', () => {
    const info = [
      'garbage line without the separator cgroup',
      '1 0 0:1 / /a rw - tmpfs tmpfs rw,memory',
      ...['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices', 'freezer', 'cpuset', 'net_cls'].map((c, i) => `${40 + i} 25 0:${40 + i} / /cg/${c} rw shared:1 - cgroup cgroup rw,${c}`),
      '50 25 0:50 / /cg/with\\040space rw - cgroup cgroup rw,memory', // a second memory mount: the first wins
      '51 25 0:51 / /cg/x rw - cgroup cgroup',
      'xxcgroup a rw,pids', // no separator: not a mount line, however it reads
    ].join('\n');
    expect(Object.fromEntries(v1Mounts(info))).toEqual({ memory: '/cg/memory', cpu: '/cg/cpu', cpuacct: '/cg/cpuacct', pids: '/cg/pids', blkio: '/cg/blkio', devices: '/cg/devices', freezer: '/cg/freezer', cpuset: '/cg/cpuset' });
    expect(Object.fromEntries(v1Mounts('9 1 0:9 / /cg/my\\040mem rw - cgroup cgroup rw,memory'))).toEqual({ memory: '/cg/my mem' });
  });
});

describe('capabilities and --security-opt', () => {
  it('capMask ignores unknown names; normalizeCap trims and names its flag', () => {
    expect(capMask(['CAP_NOPE'])).toBe(0n);
    expect(capMask(['CAP_CHOWN', 'CAP_NOPE'])).toBe(1n);
    expect(normalizeCap(' chown ')).toBe('CAP_CHOWN');
    expect(message(() => normalizeCap('nope'))).toBe('Error response from daemon: invalid CapAdd: unknown capability: "CAP_NOPE"');
    expect(message(() => computeCaps(['nope'], []))).toBe('Error response from daemon: invalid CapAdd: unknown capability: "CAP_NOPE"');
    expect(message(() => computeCaps([], ['nope']))).toBe('Error response from daemon: invalid CapDrop: unknown capability: "CAP_NOPE"');
  });

  it('--security-opt: spellings accepted and their effect', () => {
    expect(parseSecurityOpts([])).toEqual({ noNewPrivileges: false, seccomp: true });
    expect(parseSecurityOpts(['no-new-privileges'])).toEqual({ noNewPrivileges: true, seccomp: true });
    expect(parseSecurityOpts(['no-new-privileges:true', 'no-new-privileges=false'])).toEqual({ noNewPrivileges: false, seccomp: true });
    // Go's strconv.ParseBool, as moby's parseSecurityOpt
    expect(parseSecurityOpts(['no-new-privileges=T'])).toMatchObject({ noNewPrivileges: true });
    expect(parseSecurityOpts(['no-new-privileges=1', 'no-new-privileges=F'])).toMatchObject({ noNewPrivileges: false });
    expect(parseSecurityOpts(['seccomp=unconfined'])).toEqual({ noNewPrivileges: false, seccomp: false });
    expect(parseSecurityOpts(['seccomp=unconfined', 'seccomp=builtin'])).toMatchObject({ seccomp: true });
    expect(parseSecurityOpts(['seccomp=unconfined', 'seccomp:default'])).toMatchObject({ seccomp: true });
    expect(parseSecurityOpts(['apparmor=unconfined', 'label=disable', 'label:disable'])).toEqual({ noNewPrivileges: false, seccomp: true });
  });

  it('--security-opt: refusals in full, including near misses', () => {
    const unsupported = (raw: string) => `invalid --security-opt: ${JSON.stringify(raw)} (minidock applies no AppArmor profile or SELinux label; supported: no-new-privileges[=true|false], seccomp=unconfined, apparmor=unconfined, label=disable)`;
    // the daemon's (moby parseSecurityOpt): an unknown key, a no-new-privileges that is no Go bool
    for (const raw of ['no-new-privileges=maybe', 'Xseccomp=unconfined', '=x', 'nosuch:1']) expect(message(() => parseSecurityOpts([raw])), raw).toBe(`Error response from daemon: invalid --security-opt 2: ${JSON.stringify(raw)}`);
    // docker/cli's own: no value (no-new-privileges alone aside), a profile file that does not open
    for (const raw of ['seccomp', 'seccomp=', 'no-new-privileges!', 'NO', '', ' no-new-privileges ', 'apparmor', 'label', 'disable']) {
      expect(message(() => parseSecurityOpts([raw])), raw).toBe(`Invalid --security-opt: ${JSON.stringify(raw)}`);
    }
    expect(message(() => parseSecurityOpts(['seccomp=/nosuch.json']))).toBe('opening seccomp profile (/nosuch.json) failed: open /nosuch.json: no such file or directory');
    expect(message(() => parseSecurityOpts(['seccomp=/']))).toBe('opening seccomp profile (/) failed: read /: is a directory');
    // docker/cli's checks of every value come before the daemon's of any
    expect(message(() => parseSecurityOpts(['nosuch=1', 'label']))).toBe('Invalid --security-opt: "label"');
    // what minidock cannot do: a profile from a file, AppArmor profiles, SELinux labels
    expect(message(() => parseSecurityOpts(['seccomp=/etc/hostname']))).toBe('invalid --security-opt "seccomp=/etc/hostname": seccomp profiles from a file are not supported (only seccomp=unconfined)');
    for (const raw of ['apparmor=docker-default', 'label=disable2', 'label=unconfined', 'apparmor=disable']) {
      expect(message(() => parseSecurityOpts([raw])), raw).toBe(unsupported(raw));
    }
  });

  it('host config and shim keys: defaults, normal forms, exec has no privileged key', () => {
    expect(securityHostConfig({})).toEqual({ CapAdd: null, CapDrop: null, Privileged: false, SecurityOpt: null });
    expect(securityHostConfig({ capAdd: ['net_admin'], capDrop: ['chown'], privileged: true, securityOpt: ['no-new-privileges'] })).toEqual({
      CapAdd: ['CAP_NET_ADMIN'], CapDrop: ['CAP_CHOWN'], Privileged: true, SecurityOpt: ['no-new-privileges'],
    });
    expect(message(() => securityHostConfig({ capDrop: ['nope'] }))).toBe('Error response from daemon: invalid CapDrop: unknown capability: "CAP_NOPE"');
    expect(message(() => securityHostConfig({ capAdd: ['nope'] }))).toBe('Error response from daemon: invalid CapAdd: unknown capability: "CAP_NOPE"');
    expect(message(() => securityHostConfig({ securityOpt: ['x'] }))).toBe('Invalid --security-opt: "x"');
    const exec = securityShimConfig({ CapAdd: null, CapDrop: ['ALL'], Privileged: false, SecurityOpt: null }, 'exec');
    expect(exec).toEqual([['caps', ''], ['seccomp', '1'], ['nonewprivs', false]]);
    expect(securityShimConfig({}, 'run').at(-1)).toEqual(['privileged', false]);
  });
});
