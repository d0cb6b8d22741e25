// The start a restart policy asks for (--restart), without a daemon: the shim decided it when
// the container's process ended (moby's restartmanager rules), waited out the backoff, and its
// restarter became this command. It runs minidock's whole start path again, as Docker's daemon
// calls containerStart again: a fresh netns, network wiring, mounts (docs/shim.md).
import { rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { allRecords, files, loadRecord, readRestarting, stateOf, type ContainerRecord } from './record.js';
import { RestartCanceled, reconnectExtraNetworks, startContainer } from './lifecycle.js';

export async function restartByPolicy(id: string, startedAt: string): Promise<void> {
  const planned = readRestarting(id);
  // Only the restarter the shim recorded restarts, and only the run it watched.
  if (!planned || planned.holder !== process.pid) return;
  try {
    const rec = loadRecord(id);
    if (!rec || rec.StartedAt !== startedAt) return;
    rec.RestartCount = planned.count;
    rec.RestartTimeoutMs = planned.timeoutMs;
    await startContainer(rec, { detach: true, byPolicy: true });
    await reconnectExtraNetworks(id);
  } catch (e) {
    if (!(e instanceof RestartCanceled)) process.stderr.write(`minidock: restart of ${id.slice(0, 12)}: ${(e as Error).message}\n`);
  } finally {
    // Once the new process runs (or the restart failed or was canceled), it is no longer restarting.
    if (readRestarting(id)?.holder === process.pid) rmSync(files.restarting(id), { force: true });
  }
}

/** moby's ShouldRestart as the daemon asks it at its start (container.ShouldRestart). */
function wantsStartAtBoot(rec: ContainerRecord): boolean {
  const p = rec.HostConfig.RestartPolicy;
  const st = stateOf(rec);
  if (!p || st.Running || st.Status !== 'exited') return false;
  const manuallyStopped = existsSync(files.stopped(rec.Id));
  switch (p.Name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !manuallyStopped;
    case 'on-failure':
      return st.ExitCode !== 0 && (p.MaximumRetryCount === 0 || rec.RestartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}

/** `system restart-policies`: starts those containers; 1 if any failed to start. */
export async function startByPolicies(started: (name: string) => void): Promise<number> {
  let failed = 0;
  for (const rec of allRecords().filter(wantsStartAtBoot)) {
    try {
      // As a user's start: the count and backoff start again (Docker's restore keeps the count).
      await startContainer(rec, { detach: true });
      await reconnectExtraNetworks(rec.Id);
      started(rec.Name);
    } catch (e) {
      process.stderr.write(`minidock: start ${rec.Name}: ${(e as Error).message}\n`);
      failed = 1;
    }
  }
  return failed;
}
