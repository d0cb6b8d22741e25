// Kill points, for crash tests: MINIDOCK_PAUSE_AT=<step> makes the CLI stop at the named step
// so a test can SIGKILL it there, deterministically, and then check that nothing leaked.
//
//   MINIDOCK_PAUSE_AT=start:network-ready      stop at that step (a comma-separated list: any)
//   MINIDOCK_PAUSE_FILE=/tmp/x                 written with "<step> <pid>\n" once stopped there
//                                              (otherwise "minidock: paused at <step>" on stderr)
//   MINIDOCK_PAUSE_LIST=/tmp/y                 every step reached is appended to it (discovery)
//
// The step is reached synchronously and the process then blocks in Atomics.wait, so nothing
// after the step runs (no timer, no pending I/O callback) until the SIGKILL. Costs one boolean
// test per step when none of the variables is set.
import { appendFileSync, writeFileSync } from 'node:fs';

const AT = process.env.MINIDOCK_PAUSE_AT;
const LIST = process.env.MINIDOCK_PAUSE_LIST;
const on = !!(AT || LIST);
const wanted = new Set((AT ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** True when kill points are armed (callers may then split work into finer steps). */
export function pauseArmed(): boolean {
  return on;
}

/** A named kill point. */
export function pausePoint(step: string): void {
  if (!on) return;
  if (LIST) appendFileSync(LIST, `${step}\n`);
  if (!wanted.has(step)) return;
  wanted.delete(step); // a step reached twice in one process pauses the first time only
  const file = process.env.MINIDOCK_PAUSE_FILE;
  if (file) writeFileSync(file, `${step} ${process.pid}\n`);
  else process.stderr.write(`minidock: paused at ${step} (pid ${process.pid})\n`);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60_000);
}
