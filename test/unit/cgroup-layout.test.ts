// The v1 controllers' mount points from /proc/self/cgroup and statfs (cgroups.ts
// v1UsualMounts) are the ones /proc/self/mountinfo gives (v1Mounts), which minidock read in
// every run, stop and rm before, and which grows with every container's netns mount.
import { describe, expect, it } from 'vitest';
import { readFileSync, statfsSync } from 'node:fs';
import { v1Mounts, v1UsualMounts } from '../../src/runtime/cgroups.js';

const isV1 = (dir: string) => {
  try {
    return statfsSync(dir).type === 0x27e0eb;
  } catch {
    return false;
  }
};

describe('v1UsualMounts', () => {
  it("on this host: what mountinfo says (v1: each controller's mount; v2: none)", () => {
    const usual = v1UsualMounts(readFileSync('/proc/self/cgroup', 'utf8'), isV1);
    expect(usual).toBeDefined();
    expect(Object.fromEntries(usual!)).toEqual(Object.fromEntries(v1Mounts(readFileSync('/proc/self/mountinfo', 'utf8'))));
  });

  it('co-mounted controllers share their mount; named and v2 hierarchies are skipped', () => {
    const text = '12:cpu,cpuacct:/a\n11:memory:/\n10:name=systemd:/x\n9:net_cls,net_prio:/\n0::/user.slice\n';
    const seen: string[] = [];
    const m = v1UsualMounts(text, (d) => (seen.push(d), true));
    expect(Object.fromEntries(m!)).toEqual({ cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', memory: '/sys/fs/cgroup/memory' });
    expect(seen).not.toContain('/sys/fs/cgroup/name=systemd');
  });

  it('another layout (a controller not at /sys/fs/cgroup/CONTROLLERS): undefined, mountinfo decides', () => {
    expect(v1UsualMounts('4:memory:/\n3:pids:/\n', (d) => d !== '/sys/fs/cgroup/pids')).toBeUndefined();
  });
});
