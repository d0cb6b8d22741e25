// What the CLI's commands print. process.stdout and process.stderr are streams Node builds on
// first use, loading its stream modules (and net's for a pipe, tty's for a terminal): ~3 ms of
// CPU, a fifth of what `minidock ps` or `inspect` costs beyond Node's own start. A command that
// prints its lines and exits needs none of that: writeOut/writeErr write to file descriptor 1
// or 2 directly (fs.writeSync: blocking, in order, as the streams are on Linux for files, pipes
// and terminals). Once something did build the stream (a command that pipes a child's output,
// or a prompt), or the descriptor cannot take the write now (a non-blocking pipe that is full:
// EAGAIN), they hand over to the stream, so the bytes still go out in the order written.
import { writeSync } from 'node:fs';

type Fd = 1 | 2;
const NAMES = { 1: 'stdout', 2: 'stderr' } as const;
/** Write to the descriptor itself (main.ts turns it on; unit tests and the API service keep the streams). */
const direct: Record<Fd, boolean> = { 1: false, 2: false };
/** The reader went away (EPIPE): later writes are dropped, as the stream's EPIPE handler drops them. */
const broken: Record<Fd, boolean> = { 1: false, 2: false };

// A reader that goes away (`minidock ps | head -1`, a closed terminal) must not kill minidock
// half-way through wiring or tearing down a container: writes to a broken pipe are dropped.
function ignoreEpipe(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') throw e;
}

/**
 * For the CLI's process: writeOut/writeErr write to the descriptors, and each stream gets its
 * EPIPE handler when Node builds it (process.stdout is a lazy getter of Node's; it is wrapped,
 * not called). Where the getter is not there to wrap, the stream is built now, as before.
 */
export function guardStdio(): void {
  for (const fd of [1, 2] as const) {
    const name = NAMES[fd];
    const d = Object.getOwnPropertyDescriptor(process, name);
    if (!d?.get || !d.configurable) {
      process[name].on('error', ignoreEpipe);
      continue;
    }
    const build = d.get;
    let stream: NodeJS.WriteStream | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: d.enumerable,
      get() {
        if (!stream) {
          direct[fd] = false; // from now on the stream writes, in its order
          stream = build.call(process) as NodeJS.WriteStream;
          stream.on('error', ignoreEpipe);
        }
        return stream;
      },
    });
    direct[fd] = true;
  }
}

function write(fd: Fd, s: string): void {
  if (broken[fd]) return;
  if (!direct[fd]) {
    process[NAMES[fd]].write(s);
    return;
  }
  let buf: Buffer | undefined;
  let done = 0;
  try {
    done = writeSync(fd, s);
    if (done === Buffer.byteLength(s)) return;
    buf = Buffer.from(s);
    while (done < buf.length) done += writeSync(fd, buf, done);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') {
      broken[fd] = true;
      return;
    }
    // EAGAIN (a non-blocking descriptor, full), or anything else: the stream takes the rest and
    // does with it what Node does (queues it, or reports the error as before)
    const rest = done === 0 ? s : (buf ?? Buffer.from(s)).subarray(done);
    process[NAMES[fd]].write(rest);
  }
}

/** Prints to standard output. */
export function writeOut(s: string): void {
  write(1, s);
}

/** Prints to standard error. */
export function writeErr(s: string): void {
  write(2, s);
}
