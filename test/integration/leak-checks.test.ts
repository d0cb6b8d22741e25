// The leak checks of crash-helpers.ts, held to a positive control: while a container runs,
// heldBy() must see each thing it holds (netns, host veth, firewall rules, address, port,
// endpoint, cgroup, state directory), on the host's cgroups (v1 here) and on a cgroup2 mount
// (as on a v2 host); after `rm -f`, none. A check that cannot see a held object passes on a leak.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Minidock, minidockNetns } from '../helpers/cli.js';
import { useCgroup2 } from '../helpers/cgroup2.js';
import { emptyHeld, heldBy, hostLinks, iptablesSave } from './crash-helpers.js';

function heldWhileRunning(md: Minidock): void {
  const id = md.ok(['run', '-d', '-p', '18181:80', 'busybox', 'sleep', '60']);
  try {
    const h = heldBy(md, id, hostLinks(md), iptablesSave(md));
    expect(h.netns).toEqual([`minidock-${id.slice(0, 12)}`]);
    expect(minidockNetns()).toContain(`minidock-${id.slice(0, 12)}`);
    expect(h.links).toEqual([`md${id.slice(0, 12)}`]);
    expect(h.rules.length).toBeGreaterThan(0);
    expect(h.addresses).toHaveLength(1);
    expect(h.ports).toEqual(['18181']);
    expect(h.endpoints.length).toBeGreaterThan(0);
    expect(h.cgroups.length).toBeGreaterThan(0);
    expect(h.dirs).toEqual([id]);
    expect(h).not.toSatisfy(emptyHeld);
  } finally {
    md.ok(['rm', '-f', id]);
  }
  expect(heldBy(md, id, hostLinks(md), iptablesSave(md))).toSatisfy(emptyHeld);
}

describe('leak checks see what a running container holds', () => {
  const md = new Minidock();
  afterAll(() => md.cleanup());

  it('on the host cgroups', () => {
    heldWhileRunning(md);
  });
});

describe('leak checks on cgroup v2 (a cgroup2 mount of this test)', () => {
  let mnt = '';
  let v2: Minidock | undefined;
  useCgroup2('mdcg2-leak-', (cg) => ({ mnt, md: v2 } = cg));

  it('finds the container cgroup under minidock/<id> of the v2 root', (ctx) => {
    if (!v2) return ctx.skip('cannot run here: mount -t cgroup2 fails on this kernel');
    const id = v2.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
    try {
      // Every cgroup2 mount shows the one v2 hierarchy: the directory is seen through each.
      expect(heldBy(v2, id, [], '').cgroups).toContain(join(mnt, 'minidock', id));
    } finally {
      v2.ok(['rm', '-f', id]);
    }
    expect(heldBy(v2, id, [], '').cgroups).toEqual([]);
  });
});
