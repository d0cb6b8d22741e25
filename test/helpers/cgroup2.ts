// A cgroup2 mount of the test's own (the test machine's controllers are bound to v1) and a Minidock
// whose cgroups live in it (MINIDOCK_CGROUP_ROOT): how the v2 paths are tested on a v1 host.
import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, sh } from './cli.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;

export interface Cgroup2 {
  /** The mount point ('' where `mount -t cgroup2` fails on this kernel). */
  mnt: string;
  /** undefined where there is no mount. */
  md: Minidock | undefined;
}

export function mountCgroup2(prefix: string): Cgroup2 {
  const mnt = mkdtempSync(join(tmpdir(), prefix));
  if (sh('mount', ['-t', 'cgroup2', 'none', mnt]).code !== 0 || statfsSync(mnt).type !== CGROUP2_SUPER_MAGIC) {
    rmdirSync(mnt);
    return { mnt: '', md: undefined };
  }
  return { mnt, md: new Minidock({ MINIDOCK_CGROUP_ROOT: mnt }) };
}

export function unmountCgroup2(cg: Cgroup2 | undefined): void {
  cg?.md?.cleanup();
  if (!cg?.mnt) return;
  try {
    rmdirSync(join(cg.mnt, 'minidock'));
  } catch {
    /* not created, or someone else's container still in it */
  }
  sh('umount', [cg.mnt]);
  rmSync(cg.mnt, { recursive: true, force: true });
}

/** mountCgroup2 before the calling describe's tests (told to `set`), unmountCgroup2 after them. */
export function useCgroup2(prefix: string, set: (cg: Cgroup2) => void): void {
  let cg: Cgroup2 | undefined;
  beforeAll(() => {
    cg = mountCgroup2(prefix);
    set(cg);
  });
  afterAll(() => unmountCgroup2(cg));
}
