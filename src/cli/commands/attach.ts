// `attach` and `start -a [-i]`: the CLI's side of an attach (its terminal, signals, exit code);
// the attach itself is src/engine/container/attach.ts, which the Engine API shares.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { UserError } from '../../errors.js';
import { childEnv } from '../../host/env.js';
import { mustFind, stateOf, type ContainerRecord } from '../../engine/container/record.js';
import { parseBoolFlag } from '../../engine/container/options.js';
import { attachContainer, checkAttachable, parseDetachKeys, type AttachSession } from '../../engine/container/attach.js';

/** Docker's CLI forwards every signal it can catch (ForwardAllSignals); Node can catch these. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** --sig-proxy (no tty): a signal to the CLI goes to the container, as `kill` would send it. */
function proxySignals(rec: ContainerRecord): () => void {
  const handler = (sig: NodeJS.Signals) => {
    void import('../../engine/container/lifecycle.js').then(({ killContainer }) => killContainer(rec.Id, constants.signals[sig])).catch(() => undefined);
  };
  for (const s of FORWARDED) process.on(s, handler);
  return () => {
    for (const s of FORWARDED) process.off(s, handler);
  };
}

/**
 * Raw mode while stdin goes to a tty (restored on every way out). Set before the attach: the
 * stty below blocks the event loop, and a container that ends meanwhile has closed the socket,
 * so the next write to it (a resize) fails and Node drops the socket with its output unread.
 */
function rawTerminal(rawStdin: boolean): () => void {
  const stdin = process.stdin;
  if (!rawStdin || !stdin.isTTY) return () => undefined;
  stdin.setRawMode(true);
  // libuv's raw mode keeps output processing (ONLCR); Docker's (moby/term MakeRaw) clears
  // OPOST, so a \n the container's pty sends is not made \r\n a second time (a full-screen
  // program's line feed would go back to column 0). setRawMode(false) restores it all.
  spawnSync('stty', ['-opost'], { stdio: [0, 'ignore', 'ignore'], env: childEnv() });
  return () => stdin.setRawMode(false);
}

/**
 * The pty's first sizes (sent with the attach's hello): `nudge`, Docker's attach first sets
 * rows+1, cols+1, so a shell that is already waiting redraws its prompt. None when `sized` (the
 * pty started at the terminal's size).
 */
function firstSizes(rec: ContainerRecord, nudge: boolean, sized: boolean): [number, number][] {
  const out = process.stdout;
  if (!rec.Config.Tty || !out.isTTY || sized) return [];
  return nudge ? [[out.rows + 1, out.columns + 1], [out.rows, out.columns]] : [[out.rows, out.columns]];
}

/** The pty following the terminal's size (SIGWINCH). */
function followSize(session: AttachSession): () => void {
  const out = process.stdout;
  if (!session.tty || !out.isTTY) return () => undefined;
  const size = () => session.resize(out.rows, out.columns);
  out.on('resize', size);
  return () => out.off('resize', size);
}

/**
 * sigProxy 'always': also with a tty (Docker's run); otherwise without one only (attach, start).
 * unraw: raw mode was set by the caller (before it started the container); sized: the pty
 * started at the terminal's size.
 */
async function follow(
  rec: ContainerRecord,
  opts: { stdin: boolean; detachKeys?: Buffer; sigProxy: boolean | 'always'; nudge: boolean; justStarted?: boolean; unraw?: () => void; sized?: boolean },
): Promise<{ detached: boolean; code: number }> {
  const unraw = opts.unraw ?? rawTerminal(opts.stdin);
  let unfollow = () => undefined as void;
  let unproxy = () => undefined as void;
  try {
    const io = { stdin: opts.stdin ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr, detachKeys: opts.detachKeys, sizes: firstSizes(rec, opts.nudge, !!opts.sized) };
    const session = await attachContainer(rec, io, { justStarted: opts.justStarted });
    unfollow = followSize(session);
    if (opts.sigProxy === 'always' || (opts.sigProxy && !session.tty)) unproxy = proxySignals(rec);
    const end = await session.done;
    return end.kind === 'detached' ? { detached: true, code: 0 } : { detached: false, code: end.code };
  } finally {
    unraw();
    unfollow();
    unproxy();
    if (opts.stdin) process.stdin.destroy(); // else a terminal's stdin keeps the CLI alive
  }
}

const detachKeysOf = (k: string | undefined) => (k ? parseDetachKeys(k) : undefined);

export interface AttachFlags {
  stdin?: boolean; // commander's --no-stdin
  sigProxy?: string | boolean;
  detachKeys?: string;
}

/** `attach`: Docker's RunAttach. A detach is its EscapeError ("read escape sequence", exit 1). */
export async function attach(ref: string, o: AttachFlags): Promise<number> {
  const keys = detachKeysOf(o.detachKeys);
  const sigProxy = parseBoolFlag('--sig-proxy', o.sigProxy, true);
  const rec = mustFind(ref);
  checkAttachable(rec);
  const attachStdin = o.stdin !== false;
  // docker/cli's CheckTty: a tty container's stdin needs a terminal here
  if (rec.Config.Tty && attachStdin && !process.stdin.isTTY) throw new UserError('the input device is not a TTY', 1);
  const r = await follow(rec, { stdin: attachStdin && rec.Config.OpenStdin, detachKeys: keys, sigProxy, nudge: true });
  if (r.detached) throw new UserError('read escape sequence', 1);
  return r.code;
}

export interface StartAttachFlags {
  attach?: boolean;
  interactive?: boolean;
  detachKeys?: string;
}

/** `start -a [-i]`: Docker's RunStart attach branch (signals always proxied without a tty; a detach exits 0). */
export async function startAttached(refs: string[], o: StartAttachFlags): Promise<number> {
  const keys = detachKeysOf(o.detachKeys);
  if (refs.length > 1) throw new UserError('you cannot start and attach multiple containers at once', 1);
  const rec = mustFind(refs[0]);
  const st = stateOf(rec);
  if (st.Paused) throw new UserError('Error response from daemon: cannot start a paused container, try unpause instead', 1);
  const stdin = !!o.interactive && rec.Config.OpenStdin;
  const lifecycle = await import('../../engine/container/lifecycle.js');
  if (st.Running) return finish(rec, await follow(rec, { stdin, detachKeys: keys, sigProxy: true, nudge: false }));
  const unraw = rawTerminal(stdin);
  try {
    await lifecycle.startContainer(rec, { detach: true, attachWaitMs: ATTACH_WAIT_MS });
    await lifecycle.reconnectExtraNetworks(rec.Id);
  } catch (e) {
    unraw();
    throw e;
  }
  return finish(rec, await follow(rec, { stdin, detachKeys: keys, sigProxy: true, nudge: false, justStarted: true, unraw }));
}

/** The shim waits this long for the attach that follows its start, so no output is missed. */
const ATTACH_WAIT_MS = 5000;

/**
 * A detach exits 0 (the container goes on; its shim cleans up, and removes a --rm one, when it
 * ends). Otherwise, as the foreground run: the network released (and --rm honoured) first.
 */
async function finish(rec: ContainerRecord, r: { detached: boolean; code: number }): Promise<number> {
  if (r.detached) return 0;
  await (await import('../../engine/container/lifecycle.js')).cleanupContainer(rec.Id, rec.StartedAt).catch(() => undefined);
  return r.code;
}

/**
 * A foreground `run -it` at a terminal: started as `start -ai` starts (attach-then-start, as
 * Docker's run), so the detach keys are this module's. Docker's run: a detach exits 0 and says
 * nothing; signals are proxied (--sig-proxy) with a tty too.
 */
export async function runAttached(rec: ContainerRecord, o: { detachKeys?: Buffer; sigProxy: boolean; explain?: (line: string) => void }): Promise<number> {
  const lifecycle = await import('../../engine/container/lifecycle.js');
  const out = process.stdout;
  const winsize: [number, number] | undefined = out.isTTY ? [out.rows, out.columns] : undefined;
  // (--explain prints while it starts: raw mode after it, or its lines would not start at column 0)
  const unraw = o.explain ? undefined : rawTerminal(true);
  try {
    await lifecycle.startContainer(rec, { detach: true, explain: o.explain, attachWaitMs: ATTACH_WAIT_MS, winsize });
  } catch (e) {
    unraw?.();
    throw e;
  }
  return finish(rec, await follow(rec, { stdin: true, detachKeys: o.detachKeys, sigProxy: o.sigProxy && 'always', nudge: false, justStarted: true, unraw, sized: !!winsize }));
}
