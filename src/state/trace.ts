// MINIDOCK_TRACE=1 prints how far into the process each named step starts (ms since the
// process began), to see where start-up time goes. Costs nothing when unset.
const on = !!process.env.MINIDOCK_TRACE;
export function trace(label: string): void {
  if (on) process.stderr.write(`[trace] ${performance.now().toFixed(1).padStart(7)} ms  ${label}\n`);
}
