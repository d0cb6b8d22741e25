// Attaching to a running container (`attach`, `start -a`, the Engine API's attach): a client of
// the shim's attach socket (docs/shim.md, "Attaching"), as Docker's CLI is a client of the
// daemon's attach stream. Everything here takes streams, so the CLI passes its own stdio and the
// API a hijacked connection.
import { closeSync, constants, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, basename } from 'node:path';
import { UserError } from '../../errors.js';
import { files, mustFind, stateOf, type ContainerRecord } from './record.js';
import { containerAttrs, journal } from '../events.js';

// Frame kinds of the shim's protocol (shim.c, "Attaching").
const ATT_STDIN = 0;
const ATT_EOF = 1;
const ATT_RESIZE = 2;
const ATT_HELLO = 3;
const ATT_CLOSED = 16;
const ATT_EXIT = 17;
const MASK = { stdin: 1, stdout: 2, stderr: 4 } as const;

/** Docker's default detach keys: ctrl-p, ctrl-q. */
export const DEFAULT_DETACH_KEYS = Buffer.from([16, 17]);

const CTRL = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'];

/**
 * Docker's --detach-keys (moby/term ToBytes): comma-separated single characters, `ctrl-X` (X one
 * of a–z @ [ \ ] ^ _) or `DEL`. Docker's CLI line on anything else.
 */
export function parseDetachKeys(keys: string): Buffer {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) out.push(key.charCodeAt(0) & 0xff);
    else if (key.startsWith('ctrl-') && CTRL.includes(key.slice(5))) out.push(CTRL.indexOf(key.slice(5)));
    else if (key === 'DEL') out.push(127);
    else throw new UserError(`invalid detach keys (${keys}): Unknown character: '${key}'`, 1);
  }
  return Buffer.from(out);
}

/**
 * `run --detach-keys`: Docker's daemon checks them when the CLI attaches (moby daemon/attach.go),
 * so a bad value is its line (exit 1); minidock checks before creating anything.
 */
export function parseRunDetachKeys(keys: string): Buffer {
  try {
    return parseDetachKeys(keys);
  } catch {
    throw new UserError(`Error response from daemon: Invalid detach keys (${keys}) provided`, 1);
  }
}

/**
 * Finds the detach sequence in what the user types (moby/term's escapeProxy): bytes that may be
 * its start are held back until the sequence is complete (detach) or broken (they are passed on).
 */
export class EscapeMatcher {
  private pos = 0;
  constructor(private readonly keys: Buffer) {}

  /** The bytes to pass on, and whether the sequence is complete (nothing after it is passed). */
  feed(chunk: Buffer): { pass: Buffer; detach: boolean } {
    if (!this.keys.length) return { pass: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.pos]) {
        if (++this.pos === this.keys.length) return { pass: Buffer.from(out), detach: true };
        continue;
      }
      for (let i = 0; i < this.pos; i++) out.push(this.keys[i]); // not the sequence after all
      this.pos = 0;
      if (b === this.keys[0]) this.pos = 1;
      else out.push(b);
    }
    return { pass: Buffer.from(out), detach: false };
  }
}

export interface AttachIO {
  /** Read and sent to the container's stdin (only with -i); its end is Docker's CloseWrite. */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** Without a tty (with one, everything is stdout, as Docker's). */
  stderr?: NodeJS.WritableStream;
  /** Detach keys (parseDetachKeys); with a tty only, as Docker. Default ctrl-p, ctrl-q. */
  detachKeys?: Buffer;
  /**
   * Pty sizes [rows, cols] to set first, in order (a tty only): sent in one write with the
   * hello, as a later write to a container that has already ended would fail and lose its output.
   */
  sizes?: [number, number][];
}

export type AttachEnd = { kind: 'exited'; code: number } | { kind: 'detached' };

export interface AttachSession {
  readonly tty: boolean;
  /** The container ended (its code), or the client detached (detach keys, or close()). */
  readonly done: Promise<AttachEnd>;
  /**
   * This attach's output has ended: the container ended, or — its stdin having ended, without
   * StdinOnce — Docker's daemon closes such an attach's output (the code still comes in done).
   */
  readonly outputEnded: Promise<void>;
  /** The pty's size (a tty only; ignored otherwise). */
  resize(rows: number, cols: number): void;
  /** Detach: the container goes on. */
  close(): void;
}

function frame(kind: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h[0] = kind;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

function resizePayload(rows: number, cols: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(Math.max(0, Math.min(65535, rows | 0)), 0);
  b.writeUInt16BE(Math.max(0, Math.min(65535, cols | 0)), 2);
  return b;
}

/** Docker's checks before an attach (docker/cli's inspectContainerAndCheckState), exit 1. */
export function checkAttachable(rec: ContainerRecord): void {
  const st = stateOf(rec);
  if (!st.Running) throw new UserError('You cannot attach to a stopped container, start it first', 1);
  if (st.Paused) throw new UserError('You cannot attach to a paused container, unpause it first', 1);
  if (st.Restarting) throw new UserError('You cannot attach to a restarting container, wait until it is running', 1);
}

/**
 * The attach socket, connected through /proc/self/fd/DIR/attach.sock: a state root's path can
 * be longer than a socket address may be (108 bytes).
 */
function connectSocket(id: string): Promise<Socket> {
  return connectPath(files.attachSock(id));
}

function connectPath(path: string): Promise<Socket> {
  let dir: number;
  try {
    dir = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return Promise.reject(new UserError('You cannot attach to a stopped container, start it first', 1));
  }
  return new Promise<Socket>((resolve, reject) => {
    const s = connect({ path: `/proc/self/fd/${dir}/${basename(path)}` });
    s.once('connect', () => resolve(s));
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? new UserError('You cannot attach to a stopped container, start it first', 1) : e),
    );
  }).finally(() => closeSync(dir));
}

/** Resizes a running container's pty (the Engine API's /resize; `attach` does it through its session). */
export async function resizeContainer(ref: string, rows: number, cols: number): Promise<void> {
  const rec = mustFind(ref);
  checkAttachable(rec);
  await resizeThrough(files.attachSock(rec.Id), rows, cols);
}

/** Resizes the pty of the process whose shim listens on this attach socket (a container's, an exec's). */
export async function resizeThrough(path: string, rows: number, cols: number): Promise<void> {
  const s = await connectPath(path);
  s.end(Buffer.concat([frame(ATT_HELLO, Buffer.from([0])), frame(ATT_RESIZE, resizePayload(rows, cols))]));
  s.destroySoon();
}

/**
 * Attaches io to a running container: its output from now on (what it wrote before is in
 * `logs`), and io.stdin to its stdin when given (the container must have been made with -i for
 * that to reach it). A tty's detach keys end the attach, not the container.
 */
export async function attachContainer(ref: string | ContainerRecord, io: AttachIO, opts: { justStarted?: boolean } = {}): Promise<AttachSession> {
  const rec = typeof ref === 'string' ? mustFind(ref) : ref;
  // (justStarted: started with attachWaitMs, whose shim waits for this very attach)
  if (!opts.justStarted) checkAttachable(rec);
  const tty = rec.Config.Tty;
  const sock = await connectSocket(rec.Id);
  const mask = (io.stdin ? MASK.stdin : 0) | (io.stdout ? MASK.stdout : 0) | (io.stderr && !tty ? MASK.stderr : 0);
  const sizes = tty ? (io.sizes ?? []).map(([rows, cols]) => frame(ATT_RESIZE, resizePayload(rows, cols))) : [];
  sock.write(Buffer.concat([frame(ATT_HELLO, Buffer.from([mask])), ...sizes]));
  journal({ Type: 'container', Action: 'attach', ID: rec.Id, Attributes: containerAttrs(rec) });

  let settle!: (e: AttachEnd) => void;
  const done = new Promise<AttachEnd>((r) => (settle = r));
  let outputEnd!: () => void;
  const outputEnded = new Promise<void>((r) => (outputEnd = r));
  let finished = false;
  const end = (e: AttachEnd) => {
    if (finished) return;
    finished = true;
    stopInput();
    outputEnd();
    sock.destroy();
    settle(e);
  };

  // Output: frames from the shim.
  let buf: Buffer = Buffer.alloc(0);
  let exitCode: number | undefined;
  sock.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) break;
      const kind = buf[0];
      const payload = buf.subarray(8, 8 + len);
      buf = buf.subarray(8 + len);
      if (kind === 1) io.stdout?.write(payload);
      else if (kind === 2) (io.stderr ?? io.stdout)?.write(payload);
      else if (kind === ATT_CLOSED) outputEnd();
      else if (kind === ATT_EXIT && len === 4) exitCode = payload.readInt32BE(0);
    }
  });
  // The socket ends when the container has: its code came just before (else, e.g. a shim that
  // was killed, from its exit file, as `wait` reads it).
  sock.on('close', () => {
    if (finished) return;
    if (exitCode !== undefined) return end({ kind: 'exited', code: exitCode });
    void import('./lifecycle.js').then(({ waitExit }) => waitExit(rec.Id, 10_000)).then((code) => end({ kind: 'exited', code: code ?? 125 }));
  });
  sock.on('error', () => undefined); // 'close' follows

  // Input: stdin, with the detach keys looked for (tty only, as Docker's).
  const escape = tty ? new EscapeMatcher(io.detachKeys ?? DEFAULT_DETACH_KEYS) : undefined;
  const onData = (d: Buffer | string) => {
    const chunk = typeof d === 'string' ? Buffer.from(d) : d;
    const { pass, detach } = escape ? escape.feed(chunk) : { pass: chunk, detach: false };
    // the shim reads no more while the container's stdin is full: wait for it, never queue here
    if (pass.length && !sock.destroyed && !sock.write(frame(ATT_STDIN, pass))) io.stdin?.pause();
    if (detach) end({ kind: 'detached' });
  };
  const onEnd = () => {
    if (!sock.destroyed) sock.write(frame(ATT_EOF));
  };
  function stopInput() {
    io.stdin?.off('data', onData);
    io.stdin?.off('end', onEnd);
  }
  io.stdin?.on('data', onData);
  io.stdin?.on('end', onEnd);
  sock.on('drain', () => io.stdin?.resume());

  return {
    tty,
    done,
    outputEnded,
    resize(rows, cols) {
      if (tty && !sock.destroyed) sock.write(frame(ATT_RESIZE, resizePayload(rows, cols)));
    },
    close() {
      end({ kind: 'detached' });
    },
  };
}
