// MINIDOCK_TRACE=1 prints how far into the process each named step starts (ms since the
// process began), to see where start-up time goes, and the CPU time used so far (user+sys:
// on a loaded machine the wall clock mostly measures the other processes). Costs nothing when
// unset.
const on = !!process.env.MINIDOCK_TRACE;
export function trace(label: string): void {
  if (!on) return;
  const { user, system } = process.cpuUsage();
  process.stderr.write(`[trace] ${performance.now().toFixed(1).padStart(7)} ms  cpu ${((user + system) / 1000).toFixed(1).padStart(6)} ms  ${label}\n`);
}
