// The survivors of the first mutation run of cidr6.ts (issue 18, docs/mutation.md): each case
// is aimed at one mutant the older tests let through. Accept/refuse and canonical forms come
// from python3's ipaddress (asked at run time), never from cidr6.ts itself.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { canonicalCidr6, canonicalIp6, checkCidr6, checkIp6, formatIp6, macForIp6, nth6, parseCidr6, parseIp6, subnetAt6 } from '../../src/engine/network/cidr6.js';

/** python3's ipaddress: the canonical text of each input, or null when it refuses it. */
function python(inputs: string[], expr: string): (string | null)[] {
  const code = `import sys,ipaddress,json\nout=[]\nfor l in sys.stdin.read().split('\\n')[:-1]:\n  try: out.append(str(${expr}))\n  except ValueError: out.append(None)\nprint(json.dumps(out))`;
  const r = spawnSync('python3', ['-c', code], { input: inputs.join('\n') + '\n', encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as (string | null)[];
}

describe('cidr6: parse, against python3 ipaddress', () => {
  it('a dotted tail: only all-digit octets of 1–3 digits, anchored at both ends; in any of the 4 octets', () => {
    // ::a1.2.3.4 and ::1.2.3.4x killed DOTTED without ^ / $; two-digit middle octets killed \d{1,3} → \d
    // ::1.2.3.255: 255 is an octet (v > 255, not v >= 255)
    const inputs = ['::a1.2.3.4', '::1.2.3.4x', '::1.22.3.4', '::1.2.33.4', '::192.168.100.200', '::1.2.3.45', '::1.2.3.255', '::1.2.3.256'];
    const want = python(inputs, 'ipaddress.IPv6Address(l)');
    expect(inputs.map((s) => canonicalIp6(s) ?? null)).toEqual(want);
    expect(want.filter((x) => x === null)).toHaveLength(3);
  });

  it('a dotted tail without "::" (8 groups, the last two as IPv4: RFC 4291 2.2 form 3)', () => {
    // killed: the tail looked for only after "::"; the v4 tail counted as -2 groups or as none
    const inputs = ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', 'ffff:0:0:0:0:0:10.0.0.1'];
    const want = python(inputs, 'ipaddress.IPv6Address(l)');
    expect(want[0]).toBe('1:2:3:4:5:6:102:304');
    expect(inputs.map((s) => canonicalIp6(s) ?? null)).toEqual(want);
  });

  it('with "::", at most 7 groups in all, on both sides together', () => {
    // killed: the count as head - tail (1::2:3:4:5:6:7:8 is 1 - 7 groups)
    const inputs = ['1::2:3:4:5:6:7:8', '1:2::3:4:5:6:7:8', '1::2:3:4:5:6:7', '1:2:3:4:5:6:7::'];
    const want = python(inputs, 'ipaddress.IPv6Address(l)');
    expect(want.slice(0, 2)).toEqual([null, null]);
    expect(inputs.map((s) => canonicalIp6(s) ?? null)).toEqual(want);
  });

  it('each refusal names the input and its reason (one line, as for every bad flag)', () => {
    // the reasons are minidock's own words; python refuses every one of these inputs too
    const cases: [string, RegExp][] = [
      ['1.2.3.4', /^"1\.2\.3\.4" is not an IPv6 address$/], // no colon: not "wrong number of groups"
      ['1::2::3', /^"1::2::3" is not an IPv6 address \("::" twice\)$/],
      ['::1.2.3.256', /^"::1\.2\.3\.256" is not an IPv6 address \(bad IPv4 tail\)$/],
      ['::g', /^"::g" is not an IPv6 address$/],
      ['1:2:3', /^"1:2:3" is not an IPv6 address \(wrong number of groups\)$/],
      ['fe80::1%eth0', /^"fe80::1%eth0": zone ids are not allowed here$/],
    ];
    expect(python(cases.map((c) => c[0]), 'ipaddress.IPv6Address(l)').slice(0, 5)).toEqual([null, null, null, null, null]);
    for (const [s, re] of cases) {
      const r = checkIp6(s);
      expect(r.ok, s).toBe(false);
      expect(!r.ok && r.reason, s).toMatch(re);
    }
  });
});

describe('cidr6: CIDRs, against python3 ipaddress', () => {
  it('host bits are allowed unless strict (ip_network strict=False / strict=True)', () => {
    const inputs = ['fd00::1/64', '2001:DB8:0:0:1::5/48', 'fd00::/64', '::/0'];
    const loose = python(inputs, 'ipaddress.ip_network(l, strict=False)');
    const strict = python(inputs, 'ipaddress.ip_network(l, strict=True)');
    expect(inputs.map((s) => canonicalCidr6(s) ?? null)).toEqual(loose);
    expect(inputs.map((s) => { const c = parseCidr6(s, true); return c ? canonicalCidr6(s)! : null; })).toEqual(strict);
    // the default is not strict
    expect(checkCidr6('fd00::1/64').ok).toBe(true);
    expect(canonicalCidr6('fd00::1')).toBeUndefined();
    expect(canonicalCidr6('nope/64')).toBeUndefined();
  });

  it('no "/": its own reason, whatever the text before', () => {
    for (const s of ['fd00::', 'fd00::1']) {
      const r = checkCidr6(s);
      expect(r).toEqual({ ok: false, reason: `"${s}" is not an IPv6 CIDR (no /prefix)` });
    }
    // a "/" first: the (empty) address is what is wrong
    expect(checkCidr6('/64')).toEqual({ ok: false, reason: '"" is not an IPv6 address' });
  });
});

describe('cidr6: ranges and bounds', () => {
  it('formatIp6 refuses what is not 128 bits (python: "< 0" / ">= 2**128" not permitted)', () => {
    expect(python(['-1', String(2n ** 128n), String(2n ** 128n - 1n)], 'ipaddress.IPv6Address(int(l))')).toEqual([null, null, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
    expect(() => formatIp6(-1n)).toThrow(/^not a 128-bit value: -1$/);
    expect(() => formatIp6(2n ** 128n)).toThrow(RangeError);
    expect(formatIp6(2n ** 128n - 1n)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  it('nth6: 0 is the subnet-router anycast address (python: network[0]); -1 and size are outside', () => {
    const c = parseCidr6('fd00:1::/126')!;
    const [n0, n3] = python(['0', '3'], "ipaddress.ip_network('fd00:1::/126')[int(l)]");
    expect(formatIp6(nth6(c, 0n))).toBe(n0);
    expect(formatIp6(nth6(c, 3n))).toBe(n3);
    expect(() => nth6(c, -1n)).toThrow(/^address #-1 is outside fd00:1::\/126$/);
    expect(() => nth6(c, 4n)).toThrow(RangeError);
  });

  it('subnetAt6: the pool itself at its own prefix; nothing for a negative index or a wider prefix', () => {
    const pool = parseCidr6('fd00:1::/64')!;
    const [first, second] = python(['0', '1'], "list(ipaddress.ip_network('fd00:1::/64').subnets(new_prefix=80))[:2][int(l)]") as string[];
    expect(canonicalCidr6(`${formatIp6(subnetAt6(pool, 80, 0n)!.base)}/80`)).toBe(first);
    expect(canonicalCidr6(`${formatIp6(subnetAt6(pool, 80, 1n)!.base)}/80`)).toBe(second);
    expect(subnetAt6(pool, 64, 0n)).toEqual(pool);
    expect(subnetAt6(pool, 64, 1n)).toBeUndefined();
    expect(subnetAt6(pool, 80, -1n)).toBeUndefined();
    expect(subnetAt6(pool, 48, 0n)).toBeUndefined();
  });

  it("macForIp6: 02:42 and the address's last four bytes, two hex digits each (like Docker's 02:42 + IPv4)", () => {
    // the bytes of 2001:db8::c0a8:10f are ... c0 a8 01 0f
    expect(macForIp6(parseIp6('2001:db8::c0a8:10f')!)).toBe('02:42:c0:a8:01:0f');
    expect(macForIp6(parseIp6('fd00::1')!)).toBe('02:42:00:00:00:01');
  });
});
