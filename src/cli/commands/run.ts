// `run` and `create`: the engine plans and creates (src/engine/container/run.ts); this prints,
// and (run) starts the container detached or in the foreground.
import { DaemonError, UserError } from '../../errors.js';
import { trace } from '../../state/trace.js';
import { pausePoint } from '../../state/pause.js';
import { removeContainer, startContainer } from '../../engine/container/lifecycle.js';
import { createPlanned, planRun, type RunFlags } from '../../engine/container/run.js';
import { writeErr, writeOut } from '../output.js';

export type { RunFlags };

export async function runCommand(image: string, command: string[], f: RunFlags & { detachKeys?: string }, mode: { start: boolean }): Promise<number> {
  // --detach-keys: checked before anything is made (Docker's daemon checks them at the attach)
  const detachKeys = f.detachKeys && mode.start && !f.detach ? (await import('../../engine/container/attach.js')).parseRunDetachKeys(f.detachKeys) : undefined;
  const plan = await planRun(image, command, f, mode);
  if (f.dryRun) return (await import('../dryrun.js')).dryRunContainer(plan.createOpts, mode.start, plan.imagePlan);
  const rec = await createPlanned(plan).catch((e: unknown) => {
    // Docker: `create` returns the daemon's error (exit 1), `run` makes every error a 125
    throw mode.start && e instanceof UserError && !(e instanceof DaemonError) && e.exitCode === 1 ? new UserError(e.message, 125) : e;
  });

  trace('container created');
  pausePoint('run:created');
  if (!mode.start) {
    writeOut(rec.Id + '\n');
    return 0;
  }
  const explain = f.explain ? (line: string) => writeErr(line + '\n') : undefined;
  try {
    if (f.detach) {
      await startContainer(rec, { detach: true, explain });
      writeOut(rec.Id + '\n');
      return 0;
    }
    // -it at a terminal: through the attach socket, for the detach keys (commands/attach.ts)
    if (rec.Config.Tty && rec.Config.OpenStdin && process.stdin.isTTY && !plan.attach) {
      return await (await import('./attach.js')).runAttached(rec, { detachKeys, sigProxy: plan.sigProxy, explain });
    }
    return await startContainer(rec, { detach: false, explain, attach: plan.attach, sigProxy: plan.sigProxy });
  } catch (e) {
    if (f.rm) await removeContainer(rec.Id, { force: true, volumes: true }).catch(() => undefined);
    throw e;
  }
}
