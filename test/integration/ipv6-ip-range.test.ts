// --ip-range for IPv6 through the real CLI: the container's IPv6 address comes from the range
// (in inspect and on its eth0), network inspect lists the range in the IPv6 IPAM.Config entry,
// --ip6 may ask outside it, and a range outside the subnet or of the wrong family is refused with
// one line, nothing created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock, errorLines } from '../helpers/cli.js';

describe('--ip-range for IPv6 (real containers)', () => {
  let md: Minidock;
  const nsOf = (ctr: string) => `minidock-${md.ok(['inspect', '-f', '{{.Id}}', ctr]).slice(0, 12)}`;
  const v6Of = (ctr: string, net: string) => md.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").GlobalIPv6Address}}`, ctr]).trim();

  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => md?.cleanup());

  it('automatic addresses come from the range; --ip6 may be elsewhere in the subnet', () => {
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.91.0.0/24', '--ip-range', '10.91.0.128/25', '--subnet', 'fd00:91::/64', '--ip-range', 'fd00:91::1:0/112', 'r6']);
    const cfg = JSON.parse(md.ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'r6'])) as { Subnet: string; IPRange?: string; Gateway: string }[];
    expect(cfg).toEqual([
      { Subnet: '10.91.0.0/24', IPRange: '10.91.0.128/25', Gateway: '10.91.0.1' },
      { Subnet: 'fd00:91::/64', IPRange: 'fd00:91::1:0/112', Gateway: 'fd00:91::1' },
    ]);
    md.ok(['run', '-d', '--name', 'ra', '--network', 'r6', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'rb', '--network', 'r6', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'rc', '--network', 'r6', '--ip6', 'fd00:91::9', 'busybox', 'sleep', '600']);
    expect([v6Of('ra', 'r6'), v6Of('rb', 'r6'), v6Of('rc', 'r6')]).toEqual(['fd00:91::1:0', 'fd00:91::1:1', 'fd00:91::9']);
    expect(md.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "r6").IPAddress}}', 'ra']).trim()).toBe('10.91.0.128');
    expect(md.inHost('ip', ['-n', nsOf('rb'), '-6', 'addr', 'show', 'dev', 'eth0']).stdout).toContain('inet6 fd00:91::1:1/64');
    // the range's first address is reachable like any other
    expect(md.run(['exec', 'rb', 'ping', '-6', '-c', '1', '-W', '2', 'fd00:91::1:0']).code).toBe(0);
  });

  it('an IPv6-only network with a range', () => {
    md.ok(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:92::/64', '--ip-range', 'fd00:92::ab00/120', 'r6only']);
    md.ok(['run', '-d', '--name', 'ro', '--network', 'r6only', 'busybox', 'sleep', '600']);
    expect(v6Of('ro', 'r6only')).toBe('fd00:92::ab00');
  });

  it('refusals: one line, exit 125 (1 for the docker CLI\'s own subnet checks), no network made', () => {
    const before = md.ok(['network', 'ls', '-q']);
    const cases: [string[], RegExp][] = [
      [['--ipv6', '--subnet', 'fd00:93::/64', '--ip-range', 'fd00:94::/112'], /^no matching subnet for range fd00:94::\/112$/],
      [['--ipv6', '--subnet', 'fd00:93::/64', '--ip-range', 'fd00:93::5/112'], /invalid ip-range fd00:93::5\/112: has host bits set/],
      [['--ipv6', '--ipv4=false', '--subnet', 'fd00:93::/64', '--ip-range', '10.93.0.0/25'], /^no matching subnet for range 10\.93\.0\.0\/25$/],
      [['--subnet', '10.93.0.0/24', '--ip-range', 'fd00:93::/112'], /^no matching subnet for range fd00:93::\/112$/],
      [['--ipv6', '--ip-range', 'fd00:93::/112'], /^every ip-range or gateway must have a corresponding subnet$/],
    ];
    for (const [args, re] of cases) {
      const r = md.run(['network', 'create', ...args, 'bad6']);
      // a range outside the subnet is the docker CLI's own check: its plain line, exit 1
      expect(r.code, args.join(' ')).toBe(/no matching subnet|corresponding subnet/.test(re.source) ? 1 : 125);
      expect(r.stderr.trim()).toMatch(re);
      expect(errorLines(r.stderr)).toHaveLength(1);
    }
    expect(md.ok(['network', 'ls', '-q'])).toBe(before);
  });
});
