// `exec`'s start of the shim without child_process: dist/minidock-spawn.node
// (src/runtime/spawn/spawn.c) vforks and execs it and waits, where child_process would cost
// ~2.3 ms of CPU to load (with `net` behind it) and ~1.4 ms to fork the whole Node process.
// The build makes the addon where Node's headers are installed (node_api.h); without it, or if
// it cannot be loaded, the caller keeps child_process's spawn.
import { getSystemErrorName } from 'node:util';
import { loadAddon } from '../dist-files.js';

interface Addon {
  spawnWait(file: string, argv: string[], env: string[]): number;
}

const load = () => loadAddon<Addon>('minidock-spawn.node');

/** Whether runAndWait can start a process here (the addon is built and loads). */
export function canRunAndWait(): boolean {
  return load() !== null;
}

/**
 * Runs `file` with `args` (argv[0] is the file), descriptors 0-2 inherited, and waits: its exit
 * code, or null when a signal killed it (child_process's 'exit' event's code). A failed start
 * throws an Error in libuv's words ("spawn /path ENOENT").
 */
export function runAndWait(file: string, args: string[], env: NodeJS.ProcessEnv): number | null {
  const pairs = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  let rc: number;
  try {
    rc = load()!.spawnWait(file, [file, ...args], pairs);
  } catch (e) {
    const errno = (e as { errno?: number }).errno;
    throw errno === undefined ? e : Object.assign(new Error(`spawn ${file} ${getSystemErrorName(-errno)}`), { code: getSystemErrorName(-errno) });
  }
  return rc >= 0 ? rc : null;
}
