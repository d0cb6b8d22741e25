// Which containers use which volumes, and the removals that depend on it (`volume rm`,
// `volume prune`, `rm -v`). Each runs under the `containers` lock, which create holds while it
// makes a container's volumes and writes its record: a volume is never removed between the two.
import { DaemonError, UserError } from '../../errors.js';
import { withLock } from '../../state/lock.js';
import { allRecords, type ContainerRecord } from '../container/record.js';
import { pointsOfRecord } from './mounts.js';
import { ANON_LABEL, allVolumes, loadVolume, removeVolumeFiles, removeVolumeLeftovers, type VolumeRecord } from './store.js';

/** Volume name → ids of the containers (any state) that mount it. */
export function volumeUsers(records: ContainerRecord[] = allRecords()): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const r of records) {
    for (const p of pointsOfRecord(r)) if (p.Type === 'volume' && p.Name) users.set(p.Name, [...(users.get(p.Name) ?? []), r.Id]);
  }
  return users;
}

/** `volume rm NAME`: refused while any container uses it (Docker's message); -f: a missing one is no error. */
export async function removeVolume(name: string, force: boolean): Promise<void> {
  await withLock('containers', () => {
    const v = loadVolume(name);
    if (!v) {
      if (force) return;
      throw new UserError(`Error response from daemon: get ${name}: no such volume`, 1);
    }
    const users = volumeUsers().get(name);
    if (users?.length) throw new UserError(`Error response from daemon: remove ${name}: volume is in use - [${users.join(', ')}]`, 1);
    removeVolumeFiles(name);
  });
}

/**
 * `volume prune`: the volumes no container uses. As Docker 23+: only anonymous ones, unless
 * `all` (-a); Docker 20.10 removed named ones too. Label filters as Docker's (label=k, label=k=v, label!=…).
 */
export async function pruneVolumes(opts: { all: boolean; filters?: string[] }): Promise<VolumeRecord[]> {
  // the daemon checks every filter first, whether or not a volume is there to match (moby's words)
  for (const f of opts.filters ?? []) if (!/^label!?=/.test(f)) throw new DaemonError(`invalid filter '${f.split('=')[0]}'`, 1);
  return withLock('containers', () => {
    removeVolumeLeftovers();
    const users = volumeUsers();
    const gone: VolumeRecord[] = [];
    for (const v of allVolumes()) {
      if (users.get(v.Name)?.length) continue;
      if (!opts.all && !(ANON_LABEL in v.Labels)) continue;
      if (!(opts.filters ?? []).every((f) => matchLabelFilter(v, f))) continue;
      removeVolumeFiles(v.Name);
      gone.push(v);
    }
    return gone;
  });
}

export function matchLabelFilter(v: VolumeRecord, f: string): boolean {
  const m = /^label(!?)=(.*)$/.exec(f);
  if (!m) throw new DaemonError(`invalid filter '${f.split('=')[0]}'`, 1);
  const [k, ...rest] = m[2].split('=');
  const hit = k in v.Labels && (rest.length === 0 || v.Labels[k] === rest.join('='));
  return m[1] ? !hit : hit;
}

/** After `rm -v` / `--rm`: the container's anonymous volumes that no other container uses. */
export async function removeAnonymousVolumes(rec: ContainerRecord): Promise<void> {
  await withLock('containers', () => {
    const users = volumeUsers();
    for (const p of rec.MountPoints ?? []) {
      if (!p.Anonymous || !p.Name || users.get(p.Name)?.length || !loadVolume(p.Name)) continue;
      removeVolumeFiles(p.Name);
    }
  });
}
