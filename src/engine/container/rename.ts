// `rename OLD NEW` (moby daemon/rename.go): the record's name under the `containers` lock (the
// one `create` checks names under), then the name in its network endpoints, and the embedded DNS
// records of user-defined networks, where Docker's resolver answers the new name too.
import { DaemonError } from '../../errors.js';
import { withLock } from '../../state/lock.js';
import { readState, writeJsonAtomic } from '../../state/atomic.js';
import { mustFind, saveRecord, type ContainerRecord } from './record.js';
import { claimName, nameHolder, releaseName } from './names.js';
import { validateName } from './options.js';
import { containerAttrs, journal } from '../events.js';

export async function renameContainer(oldRef: string, newName: string): Promise<ContainerRecord> {
  const rec = await withLock('containers', async () => {
    const cur = mustFind(oldRef);
    // moby's rename: the same name first, then reserveName's refusals of the new one (its "/"
    // shown), each as "Error when allocating new name: …"
    const wanted = newName.replace(/^\//, '');
    if (cur.Name === wanted) throw new DaemonError('Renaming a container with the same name as its current name', 1);
    const allocating = (e: unknown) => (e instanceof DaemonError ? new DaemonError(`Error when allocating new name: ${e.message.replace(/^Error response from daemon: /, '')}`, 1) : e);
    let name: string;
    try {
      name = validateName(wanted, `/${wanted}`);
    } catch (e) {
      throw allocating(e);
    }
    const other = nameHolder(name);
    if (other) {
      throw allocating(new DaemonError(`Conflict. The container name "/${name}" is already in use by container "${other.Id}". You have to remove (or rename) that container to be able to reuse that name.`));
    }
    const oldName = cur.Name;
    claimName(name, cur.Id);
    cur.Name = name;
    saveRecord(cur, 'config');
    releaseName(oldName, cur.Id);
    journal({ Type: 'container', Action: 'rename', ID: cur.Id, Attributes: containerAttrs(cur, { oldName: `/${oldName}` }) });
    return cur;
  });
  await renameEndpoints(rec.Id, rec.Name);
  return rec;
}

async function renameEndpoints(id: string, name: string): Promise<void> {
  const { containerEndpointFiles, RECOVER_ENDPOINT } = await import('../network/networks.js');
  if (containerEndpointFiles(id).length === 0) return; // not wired: the next start uses the new name
  await withLock('network', async () => {
    let changed = false;
    for (const f of containerEndpointFiles(id)) {
      const ep = readState<{ containerName: string }>(f, RECOVER_ENDPOINT, 'object', true); // per boot, as endpoints are
      if (!ep || ep.containerName === name) continue;
      ep.containerName = name;
      writeJsonAtomic(f, ep);
      changed = true;
    }
    if (changed) await (await import('../network/dns.js')).syncDns();
  });
}
