// POST /containers/{id}/attach and /containers/{id}/resize: the engine's attach
// (engine/container/attach.ts, the shim's attach socket) over a hijacked connection — Docker's
// 8-byte frames without a TTY, raw bytes with one. Clients attach *before* they start a
// container (`docker run`, `docker start -a`): such an attach waits here, and the start that
// follows (containers.ts) makes the shim hold the output until it has attached, so nothing is
// missed.
import { PassThrough, Writable } from 'node:stream';
import { ApiError, boolParam, intParam, sendNoContent } from './http.js';
import type { Handler } from './routes.js';
import { openStream, type Stream } from './hijack.js';
import { frame, STDERR, STDOUT } from './framing.js';
import { loadRecord, mustFind, stateOf, type ContainerRecord } from '../engine/container/record.js';

/** Attaches waiting for their container to start: called by the start (justStarted) or by the poll. */
const waiting = new Map<string, Set<(justStarted: boolean) => void>>();

/**
 * For POST /containers/{id}/start: the attaches waiting for this container, taken (each is then
 * told once the container runs). Empty: an ordinary start.
 */
export function takeWaiting(id: string): ((justStarted: boolean) => void)[] {
  const w = waiting.get(id);
  waiting.delete(id);
  return w ? [...w] : [];
}

/** The container runs: at once, or once a start (the API's, or another client's) has run it. */
function whenRunning(rec: ContainerRecord, gone: () => boolean): Promise<boolean | undefined> {
  if (stateOf(rec).Running) return Promise.resolve(false);
  return new Promise((resolve) => {
    let set = waiting.get(rec.Id);
    if (!set) waiting.set(rec.Id, (set = new Set()));
    const done = (v: boolean | undefined) => {
      clearInterval(poll);
      set!.delete(notify);
      if (!set!.size && waiting.get(rec.Id) === set) waiting.delete(rec.Id);
      resolve(v);
    };
    const notify = (justStarted: boolean) => done(justStarted);
    set.add(notify);
    // started by someone else (the CLI), removed, or the client went away
    const poll = setInterval(() => {
      const cur = loadRecord(rec.Id);
      if (gone() || !cur) done(undefined);
      else if (stateOf(cur).Running && set!.has(notify)) done(false);
    }, 200);
  });
}

/** A Writable that frames what the container writes on one stream (when the stream is multiplexed). */
function framed(out: Stream['out'], n: number, mux: boolean): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!out.destroyed) out.write(mux ? frame(n, chunk) : chunk);
      cb();
    },
  });
}

export const attach: Handler = (c, [ref]) => serveAttach(c, ref!, (tty) => openStream(c, tty));

/**
 * GET /containers/{id}/attach/ws: the same attach over a websocket, as moby's: never
 * multiplexed (the streams are not told apart), binary frames (text below API 1.28), stdin from
 * the client's messages. The container's errors (404, 409) come before the upgrade, as plain
 * HTTP answers.
 */
export const attachWs: Handler = async (c, [ref]) => {
  const { openWebSocket } = await import('./websocket.js');
  const { versionBefore } = await import('./http.js');
  return serveAttach(c, ref!, () => openWebSocket(c, versionBefore(c.version, '1.28')));
};

async function serveAttach(c: Parameters<Handler>[0], ref: string, open: (tty: boolean) => Stream): Promise<number> {
  const rec = mustFind(ref);
  const q = c.query;
  const st = stateOf(rec);
  // moby's daemon/attach.go words
  if (st.Paused) throw new ApiError(409, `container ${ref} is paused, unpause the container before attach.`);
  if (st.Restarting) throw new ApiError(409, `container ${ref} is restarting, wait until the container is running`);
  const { parseDetachKeys } = await import('../engine/container/attach.js');
  let detachKeys: Buffer | undefined;
  try {
    detachKeys = q.get('detachKeys') ? parseDetachKeys(q.get('detachKeys')!) : undefined;
  } catch (e) {
    throw new ApiError(400, (e as Error).message);
  }
  const want = { stdin: boolParam(q, 'stdin'), stdout: boolParam(q, 'stdout'), stderr: boolParam(q, 'stderr') };
  const tty = rec.Config.Tty;
  const s = open(tty);
  let gone = false;
  s.out.once('close', () => (gone = true));
  const out = want.stdout ? framed(s.out, STDOUT, s.mux) : undefined;
  const err = want.stderr ? framed(s.out, STDERR, s.mux) : undefined;
  try {
    if (boolParam(q, 'logs')) await replayLogs(rec, out, err, () => gone);
    if (!boolParam(q, 'stream') || gone) return 101;
    const started = await whenRunning(rec, () => gone);
    if (started === undefined || gone) return 101;
    // the client's bytes after the request first, then the connection's (its half-close: stdin's end)
    let stdin: PassThrough | undefined;
    if (want.stdin && s.input && rec.Config.OpenStdin) {
      stdin = new PassThrough();
      if (s.head?.length) stdin.write(s.head);
      s.input.pipe(stdin);
      s.input.resume();
    }
    const { attachContainer } = await import('../engine/container/attach.js');
    let session;
    try {
      session = await attachContainer(mustFind(rec.Id), { stdin, stdout: out, stderr: err, detachKeys }, { justStarted: started });
    } catch {
      return 101; // it ended meanwhile: the stream just ends, as Docker's
    }
    s.out.once('close', () => session.close());
    // Docker's daemon ends the attach when the container ends, on a detach, and (stdin
    // ended, without StdinOnce) when this attach's output is closed
    await Promise.race([session.done, session.outputEnded]);
    return 101;
  } finally {
    s.end();
  }
}

/** logs=1: what the container wrote so far, first (Docker replays its log). */
async function replayLogs(rec: ContainerRecord, out: Writable | undefined, err: Writable | undefined, gone: () => boolean): Promise<void> {
  if (rec.HostConfig.LogConfig?.Type === 'none') return;
  const { streamLogs } = await import('../engine/container/logs.js');
  await streamLogs(rec.Id, {
    follow: false,
    timestamps: false,
    stopped: gone,
    write: (e) => {
      const w = e.stream === 'stderr' ? err : out;
      w?.write(Buffer.from(e.log));
    },
  });
}

/** Docker's container resize (`h`, `w`): the pty of a running TTY container (without one: nothing to do). */
export const resize: Handler = async (c, [ref]) => {
  const rec = mustFind(ref);
  const rows = intParam(c.query, 'h');
  const cols = intParam(c.query, 'w');
  if (!stateOf(rec).Running) throw new ApiError(409, `Container ${rec.Id} is not running`);
  if (rec.Config.Tty) await (await import('../engine/container/attach.js')).resizeContainer(rec.Id, rows, cols);
  sendNoContent(c.res!, 200);
  return 200;
};
