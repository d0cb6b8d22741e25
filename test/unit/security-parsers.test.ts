// Pure logic of issue 7: size/cpu/pids parsers (with property-based tests), capability sets,
// --security-opt, the cgroup v1/v2 file writes, mountinfo parsing, stats formatting.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parseMemorySize, parseCpus, parseCpuShares, parsePidsLimit, parseResources, v1Writes, v2Writes, sharesToWeight, v1Mounts, MIN_MEMORY,
} from '../../src/runtime/cgroups.js';
import { ALL_CAPS, DEFAULT_CAPS, capMask, computeCaps, normalizeCap, parseSecurityOpts, securityShimConfig } from '../../src/runtime/security.js';
import { bytesSize, humanSize } from '../../src/cli/commands/stats.js';
import { UserError } from '../../src/errors.js';

const MULT: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

describe('parseMemorySize (Docker units.RAMInBytes)', () => {
  it('examples', () => {
    expect(parseMemorySize('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemorySize('1g')).toBe(1024 ** 3);
    expect(parseMemorySize('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseMemorySize('100')).toBe(100);
    expect(parseMemorySize('100b')).toBe(100);
    expect(parseMemorySize('64k')).toBe(65536);
    expect(parseMemorySize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseMemorySize('10 MB')).toBe(10 * 1024 ** 2);
    expect(parseMemorySize('1T')).toBe(1024 ** 4);
  });

  it('rejects junk with one message naming the value', () => {
    // go-units takes `1e3` (ParseFloat) and `1m ` (the space before no unit); docker 28 refuses `1mi`
    for (const bad of ['', 'm', '-1m', '1x', '1.2.3g', '1 2m', 'abc', '0x10', '1mm', '1i', ' 1m', '1mi']) {
      expect(() => parseMemorySize(bad), bad).toThrow(UserError);
      try {
        parseMemorySize(bad);
      } catch (e) {
        expect((e as Error).message).toContain(JSON.stringify(bad));
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });

  it('property: N followed by any spelling of a unit is N × the unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4096 }), fc.constantFrom('', 'b', 'k', 'm', 'g'), fc.constantFrom('', 'b', 'ib'), fc.boolean(), fc.boolean(), (n, unit, suffix, upper, space) => {
        if (unit === '' && suffix.startsWith('i')) return; // "1i" is not a size (nor "1mi": docker 28)
        if (unit === 'b' && suffix !== '') return; // "1bb", "1bi" are not sizes
        let u = unit + (unit === '' || unit === 'b' ? '' : suffix);
        if (upper) u = u.toUpperCase();
        const s = `${n}${space && u ? ' ' : ''}${u}`;
        expect(parseMemorySize(s)).toBe(n * MULT[unit]);
      }),
    );
  });

  it('property: decimals scale and truncate to whole bytes; never a fraction or NaN', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom('k', 'm', 'g'), (a, b, unit) => {
        const v = parseMemorySize(`${a}.${b}${unit}`);
        expect(Number.isSafeInteger(v)).toBe(true);
        expect(v).toBe(Math.floor(Number(`${a}.${b}`) * MULT[unit]));
      }),
    );
  });

  it('property: any string either parses to a safe non-negative integer or throws a one-line UserError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        try {
          const v = parseMemorySize(s);
          expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
          expect((e as Error).message.split('\n')).toHaveLength(1);
        }
      }),
    );
  });
});

describe('cpus, shares, pids', () => {
  it('--cpus: Docker range and rational numbers', () => {
    expect(parseCpus('1.5', 2)).toBe(1_500_000_000);
    expect(parseCpus('0.01', 2)).toBe(10_000_000);
    expect(parseCpus('.5', 2)).toBe(500_000_000);
    expect(parseCpus('0', 2)).toBe(0);
    expect(() => parseCpus('3', 2)).toThrow(/Range of CPUs is from 0.01 to 2.00/);
    expect(() => parseCpus('0.001', 2)).toThrow(/Range of CPUs/);
    for (const bad of ['', 'one', '-1', '1/2', '1e0', '1.2.3']) expect(() => parseCpus(bad, 2), bad).toThrow(UserError);
  });

  it('property: --cpus in range maps to round(x × 1e9) nano-CPUs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 800 }), (hundredths) => {
        const s = (hundredths / 100).toFixed(2);
        expect(parseCpus(s, 8)).toBe(Math.round(Number(s) * 1e9));
      }),
    );
  });

  it('--cpu-shares and --pids-limit', () => {
    expect(parseCpuShares('512')).toBe(512);
    expect(parseCpuShares('0')).toBe(0);
    expect(() => parseCpuShares('1')).toThrow(UserError);
    expect(() => parseCpuShares('262145')).toThrow(UserError);
    expect(() => parseCpuShares('1.5')).toThrow(UserError);
    expect(parsePidsLimit('10')).toBe(10);
    expect(parsePidsLimit('-1')).toBe(null);
    expect(parsePidsLimit('0')).toBe(null);
    expect(parsePidsLimit('-2')).toBe(null); // any negative: unlimited, as Docker
    expect(() => parsePidsLimit('ten')).toThrow(UserError);
  });

  it('parseResources: Docker\'s cross-checks', () => {
    expect(parseResources({ memory: '64m', memorySwap: '-1' }, 2)).toMatchObject({ Memory: 64 * 1024 ** 2, MemorySwap: -1 });
    expect(() => parseResources({ memory: '5m' }, 2)).toThrow('Minimum memory limit allowed is 6MB');
    expect(parseResources({ memory: String(MIN_MEMORY) }, 2).Memory).toBe(MIN_MEMORY);
    expect(() => parseResources({ memorySwap: '1g' }, 2)).toThrow(/Memory limit/);
    expect(() => parseResources({ memory: '1g', memorySwap: '512m' }, 2)).toThrow(/memoryswap/);
    expect(parseResources({}, 2)).toEqual({ Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: null });
  });
});

describe('cgroup writes', () => {
  const r = { Memory: 32 * 1024 ** 2, MemorySwap: 0, NanoCpus: 1_500_000_000, CpuShares: 512, PidsLimit: 10 };

  it('v1: memory, memsw (2× by default), cfs quota/period, shares, pids, then the devices allowlist', () => {
    const w = v1Writes(r);
    expect(w.slice(0, 6)).toEqual([
      ['memory', 'memory.limit_in_bytes', '33554432'],
      ['memory', 'memory.memsw.limit_in_bytes', '67108864'],
      ['cpu', 'cpu.cfs_period_us', '100000'],
      ['cpu', 'cpu.cfs_quota_us', '150000'],
      ['cpu', 'cpu.shares', '512'],
      ['pids', 'pids.max', '10'],
    ]);
    expect(w[6]).toEqual(['devices', 'devices.deny', 'a']);
    expect(w.filter((x) => x[0] === 'devices').map((x) => x[2])).toContain('c 136:* rwm');
    expect(v1Writes(r, true).some((x) => x[0] === 'devices')).toBe(false);
    expect(v1Writes({ ...r, MemorySwap: -1 })[1][2]).toBe('-1');
  });

  it('v2: memory.max, swap.max = swap alone, cpu.max, cpu.weight, pids.max', () => {
    expect(v2Writes(r)).toEqual([
      ['memory', 'memory.max', '33554432'],
      ['memory', 'memory.swap.max', '33554432'],
      ['cpu', 'cpu.max', '150000 100000'],
      ['cpu', 'cpu.weight', String(sharesToWeight(512))],
      ['pids', 'pids.max', '10'],
    ]);
    expect(v2Writes({ ...r, MemorySwap: -1 })[1][2]).toBe('max');
    expect(v2Writes({ Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: null })).toEqual([]);
  });

  it('shares → weight: 2 → 1, 1024 → 39, 262144 → 10000 (runc\'s conversion), monotonic', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 262143 }), (s) => {
        expect(sharesToWeight(s + 1)).toBeGreaterThanOrEqual(sharesToWeight(s));
      }),
    );
  });

  it('v1 mounts from mountinfo (co-mounted cpu,cpuacct; cgroup2 and others ignored)', () => {
    const info = [
      '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct',
      '31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory',
      '32 25 0:28 / /sys/fs/cgroup/unified rw shared:12 - cgroup2 cgroup2 rw,nsdelegate',
      '33 25 0:29 / /sys/fs/cgroup/systemd rw shared:13 - cgroup cgroup rw,xattr,name=systemd',
      '',
    ].join('\n');
    const m = v1Mounts(info);
    expect(Object.fromEntries(m)).toEqual({ cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', memory: '/sys/fs/cgroup/memory' });
  });
});

describe('capabilities', () => {
  it("Docker's default set is CapEff 00000000a80425fb", () => {
    expect(capMask(DEFAULT_CAPS).toString(16)).toBe('a80425fb');
    expect(capMask(computeCaps([], [])).toString(16)).toBe('a80425fb');
  });

  it('names with or without CAP_, any case; unknown names refused', () => {
    expect(normalizeCap('net_admin')).toBe('CAP_NET_ADMIN');
    expect(normalizeCap('CAP_SYS_TIME')).toBe('CAP_SYS_TIME');
    expect(normalizeCap('all')).toBe('ALL');
    expect(() => normalizeCap('CAP_FLY')).toThrow(/CAP_FLY/);
    expect(() => normalizeCap('')).toThrow(UserError);
  });

  it("Docker's rules: add/drop, drop ALL + add, add ALL − drop, privileged", () => {
    expect(computeCaps(['NET_ADMIN'], ['CHOWN'])).toEqual(ALL_CAPS.filter((c) => c === 'CAP_NET_ADMIN' || (DEFAULT_CAPS.includes(c) && c !== 'CAP_CHOWN')));
    expect(computeCaps(['KILL'], ['ALL'])).toEqual(['CAP_KILL']);
    expect(computeCaps([], ['ALL'])).toEqual([]);
    expect(computeCaps(['ALL'], ['SYS_ADMIN'])).toHaveLength(ALL_CAPS.length - 1);
    expect(computeCaps([], ['ALL'], true)).toEqual([...ALL_CAPS]);
  });

  it('property: the result is always a duplicate-free subset of ALL_CAPS in kernel order', () => {
    const name = fc.constantFrom(...ALL_CAPS, 'ALL', 'chown', 'net_raw');
    fc.assert(
      fc.property(fc.array(name, { maxLength: 5 }), fc.array(name, { maxLength: 5 }), fc.boolean(), (add, drop, priv) => {
        const out = computeCaps(add, drop, priv);
        expect(new Set(out).size).toBe(out.length);
        const idx = out.map((c) => (ALL_CAPS as readonly string[]).indexOf(c));
        expect(idx.every((i, k) => i >= 0 && (k === 0 || i > idx[k - 1]))).toBe(true);
        // A dropped capability is never kept unless explicitly added (or privileged).
        const norm = (l: string[]) => l.map((c) => normalizeCap(c));
        if (!priv && !norm(add).includes('ALL')) for (const d of norm(drop)) if (!norm(add).includes(d)) expect(out).not.toContain(d);
      }),
    );
  });
});

describe('--security-opt and the shim keys', () => {
  it('parses Docker\'s spellings; refuses what minidock cannot honour', () => {
    expect(parseSecurityOpts([])).toEqual({ noNewPrivileges: false, seccomp: true });
    expect(parseSecurityOpts(['no-new-privileges'])).toEqual({ noNewPrivileges: true, seccomp: true });
    expect(parseSecurityOpts(['no-new-privileges:true', 'seccomp=unconfined'])).toEqual({ noNewPrivileges: true, seccomp: false });
    expect(parseSecurityOpts(['no-new-privileges=false', 'apparmor=unconfined', 'label=disable']).noNewPrivileges).toBe(false);
    for (const bad of ['seccomp=/etc/profile.json', 'apparmor=docker-default', 'no-new-privileges=maybe', 'bogus', 'seccomp']) {
      expect(() => parseSecurityOpts([bad]), bad).toThrow(UserError);
    }
  });

  it('shim keys: caps list, seccomp off for unconfined/privileged, nonewprivs, privileged only for run', () => {
    const def = Object.fromEntries(securityShimConfig({}));
    expect(def).toEqual({ caps: DEFAULT_CAPS.slice().sort((a, b) => ALL_CAPS.indexOf(a as never) - ALL_CAPS.indexOf(b as never)).join(','), seccomp: '1', nonewprivs: false, privileged: false });
    expect(Object.fromEntries(securityShimConfig({ CapDrop: ['ALL'] })).caps).toBe('');
    expect(Object.fromEntries(securityShimConfig({ Privileged: true }))).toMatchObject({ seccomp: '0', privileged: true });
    expect(Object.fromEntries(securityShimConfig({ SecurityOpt: ['seccomp=unconfined', 'no-new-privileges'] }))).toMatchObject({ seccomp: '0', nonewprivs: true });
    expect(securityShimConfig({}, 'exec').some(([k]) => k === 'privileged')).toBe(false);
  });
});

describe('stats formatting (Docker units)', () => {
  it('binary sizes for memory, decimal for I/O', () => {
    expect(bytesSize(0)).toBe('0B');
    expect(bytesSize(1536 * 1024)).toBe('1.5MiB');
    expect(bytesSize(32 * 1024 ** 2)).toBe('32MiB');
    expect(bytesSize(16.5 * 1024 ** 3)).toBe('16.5GiB');
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(1234)).toBe('1.23kB');
    expect(humanSize(5_000_000)).toBe('5MB');
  });
});
