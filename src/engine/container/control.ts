// start, stop, restart, wait of one container by name or id: the one implementation behind the
// CLI's commands (src/cli/commands/container.ts) and the Engine API's endpoints (src/api/).
import { UserError } from '../../errors.js';
import { findContainer, mustFind, stateOf } from './record.js';
import { parseNonNegInt, parseSignal } from './options.js';

const lifecycle = () => import('./lifecycle.js');

/**
 * Starts a stopped container (a running one is left as it is, as Docker does). `attachWaitMs`:
 * the Engine API's attach-then-start (StartOptions).
 */
export async function startRef(ref: string, explain?: (line: string) => void, o: { attachWaitMs?: number } = {}): Promise<void> {
  const rec = mustFind(ref);
  const st = stateOf(rec);
  if (st.Paused) throw new UserError('Error response from daemon: cannot start a paused container, try unpause instead', 1);
  if (st.Running) return;
  const { startContainer, reconnectExtraNetworks } = await lifecycle();
  await startContainer(rec, { detach: true, explain, attachWaitMs: o.attachWaitMs });
  await reconnectExtraNetworks(rec.Id);
}

/** -t N: seconds, -1 for "wait forever". */
export function stopTimeout(t: string): number {
  if (t === '-1') return 1e9;
  return parseNonNegInt(t, 'time');
}

/**
 * How a container is stopped: -t/-s when given, else its --stop-timeout/--stop-signal (or the
 * image's STOPSIGNAL), else Docker's 10 s and SIGTERM.
 */
function stopPlan(ref: string, o: { time?: string; signal?: string }): { t: number; sig: number } {
  const c = o.time === undefined || o.signal === undefined ? findContainer(ref)?.Config : undefined;
  const t = o.time !== undefined ? stopTimeout(o.time) : c?.StopTimeout !== undefined ? (c.StopTimeout < 0 ? 1e9 : c.StopTimeout) : 10;
  const sig = parseSignal(o.signal ?? c?.StopSignal ?? 'SIGTERM', 1);
  return { t, sig };
}

export async function stopRef(ref: string, o: { time?: string; signal?: string }): Promise<void> {
  const { t, sig } = stopPlan(ref, o);
  const { stopContainer } = await lifecycle();
  await stopContainer(ref, t, sig);
}

export async function restartRef(ref: string, o: { time?: string; signal?: string }): Promise<void> {
  const { t, sig } = stopPlan(ref, o);
  const { stopContainer, startContainer, reconnectExtraNetworks } = await lifecycle();
  const rec = await stopContainer(ref, t, sig);
  const fresh = mustFind(rec.Id);
  fresh.RestartCount = 0;
  await startContainer(fresh, { detach: true });
  await reconnectExtraNetworks(fresh.Id);
}

/** The exit code once the container has stopped (0 when it was removed meanwhile, by --rm). */
export async function waitRef(ref: string): Promise<number> {
  const rec = mustFind(ref);
  const { waitExit } = await lifecycle();
  // removed while we waited (--rm): the exit code was in the exit file we no longer see
  return (await waitExit(rec.Id)) ?? 0;
}
