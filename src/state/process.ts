// Is a process (a lock holder, a loader, a shim) still alive, and is it still the same process?
import { readFileSync, readlinkSync } from 'node:fs';

// EPERM means it exists.
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * A live process's start time: field 22 of /proc/PID/stat (clock ticks since boot), as text.
 * Undefined when there is no such process, or only its zombie (it can hold nothing any more).
 * A pid number is reused; pid + start time (+ boot id) names one process for good.
 */
export function startTicks(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return startTicksOf(stat);
}

/** Field 22 of a /proc/PID/stat line; undefined for a zombie (or a dead one's last trace). */
export function startTicksOf(stat: string): string | undefined {
  // comm (field 2) may hold spaces and ")": the fields after it start after the last ")".
  // Field 22 found by its spaces, not split() into 50 strings (`ps` reads one per container).
  let at = stat.lastIndexOf(')') + 2;
  if ((stat[at] === 'Z' || stat[at] === 'X') && (at + 1 >= stat.length || stat[at + 1] === ' ')) return undefined;
  for (let field = 3; field < 22; field++) {
    at = stat.indexOf(' ', at) + 1;
    if (at === 0) return undefined;
  }
  const end = stat.indexOf(' ', at);
  return stat.slice(at, end < 0 ? undefined : end);
}

let bootMs: number | undefined;
/** When this boot began, in ms since the epoch (btime of /proc/stat). */
export function bootTimeMs(): number {
  if (bootMs === undefined) {
    const m = /^btime (\d+)$/m.exec(read('/proc/stat') ?? '');
    bootMs = m ? Number(m[1]) * 1000 : 0;
  }
  return bootMs;
}

/** This boot's id: changes at every boot, so a pid + start time from an earlier boot is no one. */
export function bootId(): string {
  return (read('/proc/sys/kernel/random/boot_id') ?? '').trim();
}

/** The inode of this process's pid namespace: pids of another namespace mean nothing here. */
export function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '';
  } catch {
    return '';
  }
}
