// The cleanup claim (docs/shim.md, "The exit command"): `stop` and `rm -f` clean up after the
// exit themselves, the moment the exit file appears; told so, the shim does not start its exit
// command (a whole Node process that would only find the work done, and slow down the user's
// next command: `stop x && rm x`). The claim names this process ("PID STARTTICKS"): if it dies
// before it says "done", the shim runs the exit command after all. Best-effort both ways: no
// claim written means the exit command runs, as without one.
import { renameSync, writeFileSync } from 'node:fs';
import { startTicks } from '../../state/process.js';
import { files } from './record.js';

function put(id: string, text: string): void {
  const file = files.cleanupClaim(id);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    // no mkdir: a container removed meanwhile (rm) stays removed
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch {
    /* the directory is gone: nothing left to claim */
  }
}

/** Before the signal: this process will clean up after the exit. */
export function claimCleanup(id: string): void {
  const ticks = startTicks(process.pid);
  if (ticks) put(id, `${process.pid} ${ticks}\n`);
}

/** After the cleanup: the shim may end without its exit command. */
export function claimedCleanupDone(id: string): void {
  put(id, 'done\n');
}
