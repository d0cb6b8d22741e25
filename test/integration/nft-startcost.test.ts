// The nftables backend's per-start cost does not grow with the number of containers (issue 12's
// benchmark, as a count rather than a timing): the `nft` commands one `run -d -p` runs, and the
// bytes they print, are the same with 1 container running as with 31. An `nft` first in PATH
// logs each call (its arguments and the size of its output) and runs the real one.
// And the check those starts make still sees drift: a deleted element of the network, a chain
// rule deleted and re-added (a new handle), in a throwaway host netns. The same on a dual-stack
// network, whose check covers its part of the `ip6 minidock` table too.
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, sh } from '../helpers/cli.js';

const realNft = sh('sh', ['-c', 'command -v nft']).stdout.trim();
const wrap = mkdtempSync(join(tmpdir(), 'mdnftwrap-'));
const log = join(wrap, 'calls.log');
// argv, then the byte count of what the real nft printed on stdout
writeFileSync(
  join(wrap, 'nft'),
  `#!/bin/sh\nout=$(mktemp)\n${realNft} "$@" >"$out"; rc=$?\n[ -n "$NFT_LOG" ] && printf '%s\\t%s\\n' "$*" "$(wc -c <"$out")" >>"$NFT_LOG"\ncat "$out"; rm -f "$out"; exit $rc\n`,
);
chmodSync(join(wrap, 'nft'), 0o755);

const md = new Minidock({ MINIDOCK_FIREWALL: 'nftables', PATH: `${wrap}:${process.env.PATH}` });
afterAll(() => {
  md.cleanup();
  rmSync(wrap, { recursive: true, force: true });
});

/** The nft calls of one `run -d -p` (argv, output bytes), on `net` when given; the container is removed after. */
function oneStart(port: number, net?: string): { calls: string[]; bytes: number } {
  rmSync(log, { force: true });
  const run = new Minidock({ ...md.env, NFT_LOG: log }, { hostNs: md.hostNs });
  const id = run.ok(['run', '-d', ...(net ? ['--network', net] : []), '-p', `${port}:80`, 'busybox', 'sleep', '600']);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  md.ok(['rm', '-f', id]);
  rmSync(run.root, { recursive: true, force: true }); // the helper's own empty root (MINIDOCK_ROOT is md's)
  return { calls: lines.map((l) => l.split('\t')[0]), bytes: lines.reduce((s, l) => s + Number(l.split('\t')[1]), 0) };
}

describe('nftables: the cost of a start does not grow with containers', () => {
  it('the same nft calls, printing the same bytes, with 1 and with 31 containers running', () => {
    md.ok(['run', '--rm', '-p', '20999:80', 'busybox', 'true']); // the bridge, the table, the first full check
    md.ok(['run', '-d', '-p', '21000:80', 'busybox', 'sleep', '600']);
    const first = oneStart(22000);
    for (let i = 1; i <= 30; i++) md.ok(['run', '-d', '-p', `${21000 + i}:80`, 'busybox', 'sleep', '600']);
    const last = oneStart(22000);
    expect(last.calls).toEqual(first.calls);
    expect(last.bytes).toBe(first.bytes);
    // no listing of the table (whose text grows by a line per published port) on a start
    expect(first.calls.some((c) => /\blist\b/.test(c))).toBe(false);
    expect(first.calls.length).toBeLessThanOrEqual(2); // the check, and the port elements' transaction
  }, 120_000);

  it("the check still sees a deleted element of the network: the next start puts it back", () => {
    expect(md.inHost('nft', ['delete', 'element', 'ip', 'minidock', 'fwd_in', '{ "minidock0" }']).code).toBe(0);
    const r = md.run(['run', '--rm', '--explain', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^add element ip minidock fwd_in \{ "minidock0" : jump fi_minidock0 \}$/m);
    expect(md.inHost('nft', ['list', 'map', 'ip', 'minidock', 'fwd_in']).stdout).toContain('"minidock0" : jump fi_minidock0');
  });

  it('a rule deleted and added again (same rule, new handle) is seen as intact, without a repair', () => {
    const chain = md.inHost('nft', ['-a', 'list', 'chain', 'ip', 'minidock', 'fo_minidock0']).stdout;
    const m = /^\t\t(counter packets \d+ bytes \d+ accept comment "([^"]+)") # handle (\d+)$/m.exec(chain);
    expect(m).not.toBeNull();
    expect(md.inHost('nft', ['delete', 'rule', 'ip', 'minidock', 'fo_minidock0', 'handle', m![3]]).code).toBe(0);
    expect(md.inHost('nft', ['add', 'rule', 'ip', 'minidock', 'fo_minidock0', 'counter', 'accept', 'comment', `"${m![2]}"`]).code).toBe(0);
    const r = md.run(['run', '--rm', '--explain', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/^(?:add|flush) (?:rule|chain) /m); // the full listing found it complete
    // and the start after it is back to the cheap check
    const again = oneStart(22001);
    expect(again.calls.some((c) => /\blist\b/.test(c))).toBe(false);
  });
});

describe('nftables: the start check of a dual-stack network (ip and ip6 tables)', () => {
  const net = 'cost6';
  const br = 'mdcost6';

  it('lists nothing and costs the same with 1 and with 11 containers running', () => {
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.97.0.0/24', '--subnet', 'fd00:98::/64', '-o', `com.docker.network.bridge.name=${br}`, net]);
    md.ok(['run', '--rm', '--network', net, '-p', '23999:80', 'busybox', 'true']); // the tables' first full check
    md.ok(['run', '-d', '--network', net, '-p', '24000:80', 'busybox', 'sleep', '600']);
    const first = oneStart(25000, net);
    for (let i = 1; i <= 10; i++) md.ok(['run', '-d', '--network', net, '-p', `${24000 + i}:80`, 'busybox', 'sleep', '600']);
    const last = oneStart(25000, net);
    expect(last.calls).toEqual(first.calls);
    expect(last.bytes).toBe(first.bytes);
    expect(first.calls.some((c) => /\blist\b/.test(c))).toBe(false);
    expect(first.calls.length).toBeLessThanOrEqual(2); // one check for both tables, one transaction for the ports
    // the ports went into both tables
    expect(md.inHost('nft', ['list', 'map', 'ip6', 'minidock', 'pub']).stdout).toMatch(/tcp \. 24010 counter packets \d+ bytes \d+ comment "[^"]*" : fd00:98::[0-9a-f:]+ \. 80/);
  }, 120_000);

  it("the check sees a deleted element of the network's ip6 part: the next start puts it back", () => {
    expect(md.inHost('nft', ['delete', 'element', 'ip6', 'minidock', 'fwd_in', `{ "${br}" }`]).code).toBe(0);
    const r = md.run(['run', '--rm', '--network', net, '--explain', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^add element ip6 minidock fwd_in \\{ "${br}" : jump fi_${br} \\}$`, 'm'));
    expect(r.stderr).not.toMatch(/^add element ip minidock fwd_in /m); // the ip table's part was complete
    expect(md.inHost('nft', ['list', 'map', 'ip6', 'minidock', 'fwd_in']).stdout).toContain(`"${br}" : jump fi_${br}`);
  });

  it("the check sees a deleted rule of the network's ip6 chain: the next start repairs, then is cheap again", () => {
    const chain = md.inHost('nft', ['-a', 'list', 'chain', 'ip6', 'minidock', `fo_${br}`]).stdout;
    const m = /^\t\t.* # handle (\d+)$/m.exec(chain);
    expect(m, chain).not.toBeNull();
    expect(md.inHost('nft', ['delete', 'rule', 'ip6', 'minidock', `fo_${br}`, 'handle', m![1]]).code).toBe(0);
    const r = md.run(['run', '--rm', '--network', net, '--explain', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^(?:add|flush) (?:rule|chain) ip6 minidock fo_${br}\\b`, 'm'));
    expect(md.inHost('nft', ['list', 'chain', 'ip6', 'minidock', `fo_${br}`]).stdout).toMatch(/counter packets \d+ bytes \d+ accept comment/);
    // the start after the repair lists once (the repair changed handles), the one after it does not
    oneStart(25001, net);
    const again = oneStart(25002, net);
    expect(again.calls.some((c) => /\blist\b/.test(c))).toBe(false);
  });
});
