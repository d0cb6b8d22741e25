// The volumes `volume ls -f` shows (name=, driver=, label=, label!=, dangling=): the CLI's
// `volume ls` and the Engine API's GET /volumes.
import { DaemonError } from '../../errors.js';
import type { VolumeRecord } from './store.js';
import { matchLabelFilter, volumeUsers } from './use.js';

export function selectVolumes(vols: VolumeRecord[], filters: string[]): VolumeRecord[] {
  let users: Map<string, string[]> | undefined;
  for (const f of filters) {
    const eq = f.indexOf('=');
    const k = eq < 0 ? f : f.slice(0, eq);
    const v = eq < 0 ? '' : f.slice(eq + 1);
    if (k === 'name') vols = vols.filter((x) => x.Name.includes(v));
    else if (k === 'driver') vols = vols.filter((x) => x.Driver === v);
    else if (k === 'label' || k === 'label!') vols = vols.filter((x) => matchLabelFilter(x, f));
    else if (k === 'dangling') {
      if (!['true', 'false', '1', '0'].includes(v.toLowerCase())) throw new DaemonError(`invalid filter 'dangling=${v}'`);
      users ??= volumeUsers();
      const want = v === 'true' || v === '1';
      vols = vols.filter((x) => !users!.get(x.Name)?.length === want);
    } else throw new DaemonError(`invalid filter '${k}'`);
  }
  return vols;
}
