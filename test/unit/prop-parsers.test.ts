// Property-based tests (fast-check) for every parser of user input: on any string each one
// either returns or throws a UserError whose message is one line; and values round-trip.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UserError } from '../../src/errors.js';
import { parsePortSpec } from '../../src/engine/network/ports.js';
import { formatCidr, formatIp, parseCidr, parseIp } from '../../src/engine/network/cidr.js';
import {
  parseEnv, parseEnvFileText, parseHostname, parseNonNegInt, parseSignal, parseTmpfs, parseUser, parseVolume, parseWorkdir, validateName,
} from '../../src/engine/container/options.js';
import { normalizeRef } from '../../src/engine/image/reference.js';
import { parseTemplate } from '../../src/cli/template.js';
import { parseMemorySize, parseCpus, parseCpuShares, parsePidsLimit } from '../../src/runtime/cgroups.js';
import { netnsOwnerPrefix, ruleOwnerPrefix, vethOwnerPrefix } from '../../src/engine/system/prune.js';

const RUNS = { numRuns: 400 };

/** Any string, biased towards the characters parsers care about. */
const input = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom(...'0123456789:/.-_@[]{}=, abcxyzKMGgkm\t\n"\\'.split('')), maxLength: 24 }),
);

function onlyUserErrors(name: string, parse: (s: string) => unknown, exitCode = 125): void {
  it(`${name}: returns or throws one-line UserError`, () => {
    fc.assert(
      fc.property(input, (s) => {
        try {
          parse(s);
        } catch (e) {
          if (!(e instanceof UserError)) throw new Error(`${name}(${JSON.stringify(s)}) threw ${String(e)}`);
          if (e.message.includes('\n')) throw new Error(`${name}(${JSON.stringify(s)}): multi-line message ${JSON.stringify(e.message)}`);
          if (e.exitCode !== exitCode) throw new Error(`${name}(${JSON.stringify(s)}): exit ${e.exitCode}`);
        }
      }),
      RUNS,
    );
  });
}

describe('every parser: any input gives a value or one clean error line', () => {
  onlyUserErrors('parsePortSpec', parsePortSpec);
  onlyUserErrors('validateName', validateName);
  onlyUserErrors('parseEnv', (s) => parseEnv(s, {}));
  onlyUserErrors('parseEnvFileText', (s) => parseEnvFileText(s, 'f', {}));
  onlyUserErrors('parseVolume', parseVolume);
  onlyUserErrors('parseTmpfs', parseTmpfs);
  onlyUserErrors('parseUser', parseUser);
  onlyUserErrors('parseWorkdir', parseWorkdir);
  onlyUserErrors('parseHostname', parseHostname);
  onlyUserErrors('parseSignal', parseSignal);
  onlyUserErrors('parseNonNegInt', (s) => parseNonNegInt(s, 'tail'));
  onlyUserErrors('normalizeRef', normalizeRef);
  // a --format template error exits 1, as Docker's CLI (template parsing error)
  onlyUserErrors('parseTemplate+render', (s) => parseTemplate(s).render({ ID: 'x', Labels: { a: 'b' }, List: [1, 2] }), 1);
  onlyUserErrors('parseMemorySize', (s) => parseMemorySize(s));
  onlyUserErrors('parseCpus', (s) => parseCpus(s, 2));
  onlyUserErrors('parseCpuShares', parseCpuShares);
  onlyUserErrors('parsePidsLimit', parsePidsLimit);
});

describe('round trips', () => {
  const port = fc.integer({ min: 1, max: 65535 });
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));

  it('-p [ip:]host:container[/proto] parses to exactly what it says', () => {
    fc.assert(
      fc.property(fc.option(ipv4, { nil: undefined }), port, port, fc.constantFrom('tcp', 'udp', undefined), (ip, h, c, proto) => {
        const spec = `${ip !== undefined ? ip + ':' : ''}${h}:${c}${proto ? '/' + proto : ''}`;
        const [b, ...rest] = parsePortSpec(spec);
        expect(rest).toEqual([]);
        expect(b).toEqual({ hostIp: ip === undefined || ip === '0.0.0.0' ? '' : ip, hostPort: h, containerPort: c, proto: proto ?? 'tcp' });
      }),
      RUNS,
    );
  });

  it('port ranges map one to one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65000 }), fc.integer({ min: 1, max: 65000 }), fc.integer({ min: 0, max: 20 }), (h, c, n) => {
        const out = parsePortSpec(`${h}-${h + n}:${c}-${c + n}`);
        expect(out.map((b) => [b.hostPort, b.containerPort])).toEqual(Array.from({ length: n + 1 }, (_, i) => [h + i, c + i]));
      }),
      RUNS,
    );
  });

  it('IPv4 addresses and CIDRs: parse(format(x)) = x', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 }), (n, prefix) => {
        expect(parseIp(formatIp(n >>> 0))).toBe(n >>> 0);
        const c = parseCidr(`${formatIp(n >>> 0)}/${prefix}`)!;
        expect(c.prefix).toBe(prefix);
        expect(parseCidr(formatCidr(c))).toEqual(c);
      }),
      RUNS,
    );
  });

  it('memory sizes: N<unit> is N times the unit', () => {
    const units: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...Object.keys(units)), (n, u) => {
        expect(parseMemorySize(`${n}${u}`)).toBe(n * units[u]);
        expect(parseMemorySize(`${n}${u.toUpperCase()}`)).toBe(n * units[u]);
      }),
      RUNS,
    );
  });

  it('image references: the normalised display form parses to the same reference', () => {
    const comp = fc.stringMatching(/^[a-z0-9]{1,6}(?:[._-][a-z0-9]{1,4})?$/);
    const tag = fc.stringMatching(/^[\w][\w.-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(comp, { minLength: 1, maxLength: 3 }), fc.option(tag, { nil: undefined }), (path, t) => {
        const ref = normalizeRef(path.join('/') + (t ? `:${t}` : ''));
        expect(normalizeRef(ref.display)).toEqual(ref);
        expect(normalizeRef(ref.key)).toEqual(ref);
      }),
      RUNS,
    );
  });

  it('user specs: uid[:gid] round trip', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 31 - 1), fc.option(fc.nat(2 ** 31 - 1), { nil: undefined }), (u, g) => {
        expect(parseUser(g === undefined ? `${u}` : `${u}:${g}`)).toEqual({ user: String(u), group: g === undefined ? undefined : String(g) });
      }),
      RUNS,
    );
  });

  it('signals: every number 1-64 and every name (with or without SIG) is accepted', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), (n) => {
      expect(parseSignal(String(n))).toBe(n);
    }), RUNS);
    expect(parseSignal('SIGKILL')).toBe(9);
    expect(parseSignal('term')).toBe(15);
  });

  it('names of what minidock owns on the host map back to the container id, nothing else does', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string(), (id, junk) => {
        expect(vethOwnerPrefix(`md${id.slice(0, 12)}`)).toBe(id.slice(0, 12));
        expect(vethOwnerPrefix(`md${id.slice(0, 10)}x1`)).toBe(id.slice(0, 10));
        expect(netnsOwnerPrefix(`minidock-${id.slice(0, 12)}`)).toBe(id.slice(0, 12));
        expect(ruleOwnerPrefix(`minidock ${id.slice(0, 12)} some_name`)).toBe(id.slice(0, 12));
        expect(vethOwnerPrefix(`decoy${junk}`)).toBeUndefined();
        expect(netnsOwnerPrefix(`x${junk}`)).toBeUndefined();
        expect(ruleOwnerPrefix(`minidock net ${junk}`)).toBeUndefined();
      }),
      RUNS,
    );
  });
});
