// `minidock system service`: the Docker Engine API on a socket, as `podman system service`.
//
// Not a daemon containers depend on: every request calls the same engine functions as the CLI
// (in this process), containers are started detached (their shim is their watcher, as for
// `minidock run -d`), and all state is on disk under MINIDOCK_ROOT. Kill the service at any
// moment and containers keep running; start it again and it serves the same ones.
//
// Built as its own bundle (dist/api.cjs, scripts/build.mjs): nothing of it is loaded by the CLI's
// other commands.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, chownSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { UserError } from '../errors.js';
import { childEnv } from '../host/env.js';
import { ApiError, apiErrorOf, sendError, splitVersion } from './http.js';
import { route, type Ctx } from './routes.js';

export interface ServiceOptions {
  /** unix:///path or tcp://127.0.0.1:PORT */
  socket?: string;
  /** seconds without a request before the service exits; 0: never */
  time?: string;
  /** the group that may use the socket (mode 0660) */
  group?: string;
  explain?: boolean;
}

export const DEFAULT_SOCKET = 'unix:///run/minidock.sock';
/** Podman's default: a service started on demand (socket activation, a script) goes away soon. */
export const DEFAULT_IDLE_SECONDS = 5;

export type Listen = { unix: string } | { host: string; port: number };

/** Pure: the --socket value, refused unless a unix socket or a loopback TCP address. */
export function parseSocket(spec: string): Listen {
  if (spec.startsWith('unix://')) {
    const path = spec.slice('unix://'.length);
    if (!path.startsWith('/')) throw new UserError(`--socket ${spec}: the unix socket's path must be absolute (unix:///run/minidock.sock)`);
    return { unix: path };
  }
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/]+):(\d+)$/.exec(spec);
  if (!m) throw new UserError(`--socket ${spec}: expected unix:///PATH or tcp://127.0.0.1:PORT`);
  const host = m[1].replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UserError(`--socket ${spec}: invalid port ${m[2]}`);
  // The API can start privileged containers: it is never offered beyond this machine.
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new UserError(`--socket ${spec}: TCP is served only on a loopback address (127.0.0.1, ::1): the API gives root on this host to whoever reaches it`);
  }
  return { host, port };
}

export function parseIdle(t: string | undefined): number {
  if (t === undefined) return DEFAULT_IDLE_SECONDS;
  if (!/^\d+$/.test(t)) throw new UserError(`invalid argument "${t}" for "-t, --time" flag: expected a whole number of seconds (0: run until stopped)`);
  return Number(t);
}

function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    return Number(execFileSync('getent', ['group', name], { encoding: 'utf8', env: childEnv() }).split(':')[2]);
  } catch {
    throw new UserError(`--group ${name}: no such group`);
  }
}

/** A socket file left by a service that died (SIGKILL) is removed; a live one is refused. */
async function clearStaleSocket(path: string): Promise<void> {
  try {
    if (!lstatSync(path).isSocket()) throw new UserError(`--socket ${path}: exists and is not a socket`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const live = await new Promise<boolean>((res) => {
    const s: Socket = connect(path);
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
  if (live) throw new UserError(`--socket ${path}: another service is listening there`);
  unlinkSync(path);
}

/**
 * The service's memory (issue 17: idle RSS <= 60 MB, after use too). Set at run time, not as
 * startup flags, so the launcher's code cache (made under the default flags) stays valid, and
 * restored before the process exits (the launcher may write that cache at exit, and V8 stamps
 * it with the flags then in force). Measured with the bench's loops (docs/engine-api.md):
 * - `--no-turbofan --no-sparkplug`: the interpreter only. A request runs little JS, none of it
 *   long enough for the compilers to pay: the service's CPU over the bench's loops is about the
 *   same without them, and RSS after them ~12 MB lower (TurboFan's zone memory, and the pages
 *   of node's binary its code is in);
 * - `--semi-space-growth-factor=1`: under a stream of requests V8 doubles its young generation
 *   again and again (semi-spaces of 1 → 2 → 4 … MB, each page resident; the heap's used bytes
 *   hardly move). The requests' objects are short-lived: the growth buys nothing here.
 */
function serviceHeapFlags(): () => void {
  // (not --max-opt=0: it implies these two, and setting it back does not undo them, so the
  // code cache would be made under other flags: test/integration/api-fast.test.ts)
  const set = ['--no-turbofan', '--no-sparkplug', '--semi-space-growth-factor=1'];
  const restore = ['--turbofan', '--sparkplug', '--semi-space-growth-factor=2'];
  for (const f of set) setFlagsFromString(f);
  return () => {
    for (const f of restore) setFlagsFromString(f);
  };
}

/**
 * Full collections once the requests stop: a heap this small never reaches V8's next
 * old-generation limit, so the garbage of a burst (its JSON, the modules' one-time setup) would
 * stay resident until the service exits (heap used 14.7 → 9.8 MB after the bench's loops). The
 * first, IDLE_GC_MS[0] after the last request, frees it; V8 gives the pages back to the system
 * (and shrinks its young generation) only in a collection made when its measured allocation
 * rate is low, which looks back ~5 s: hence a second one IDLE_GC_MS[1] later. RSS after the
 * bench's loops with 50 containers: 62.7 MB without, 61.3 with the first alone, 57.6 with both
 * (idle, just started: 54). The gc function is taken with --expose-gc set for that moment only.
 */
const IDLE_GC_MS = [1000, 5000];
function idleCollector(): { busy(): void; idle(): void } {
  let gc: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const collect = (step: number) => {
    if (!gc) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    }
    gc();
    if (step + 1 < IDLE_GC_MS.length) schedule(step + 1);
  };
  const schedule = (step: number) => {
    timer = setTimeout(() => collect(step), IDLE_GC_MS[step]);
    timer.unref(); // (never what keeps the service up)
  };
  return {
    busy: () => clearTimeout(timer),
    idle: () => {
      clearTimeout(timer);
      schedule(0);
    },
  };
}

export async function runService(o: ServiceOptions): Promise<number> {
  const restoreFlags = serviceHeapFlags();
  try {
    return await serve(o);
  } finally {
    restoreFlags();
  }
}

async function serve(o: ServiceOptions): Promise<number> {
  const where = parseSocket(o.socket ?? DEFAULT_SOCKET);
  const idleSec = parseIdle(o.time);
  const gid = o.group !== undefined ? groupId(o.group) : 0;
  const explain = o.explain ? (line: string) => process.stderr.write(line + '\n') : undefined;
  const log = (line: string) => process.stderr.write(`${line}\n`);

  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let server: Server;
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      server.close();
      server.closeAllConnections?.();
      if ('unix' in where) {
        try {
          unlinkSync(where.unix);
        } catch {
          /* gone already */
        }
      }
      resolve();
    };
    const arm = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = idleSec > 0 && active === 0 ? setTimeout(stop, idleSec * 1000) : undefined;
    };
    const collector = idleCollector();
    const track = (res: { once(ev: 'close', f: () => void): unknown }) => {
      active++;
      collector.busy();
      arm();
      res.once('close', () => {
        active--;
        if (active === 0) collector.idle();
        arm();
      });
    };
    const handle = async (req: IncomingMessage, res: ServerResponse | undefined, hijack?: { socket: Socket; head: Buffer }) => {
      const t0 = performance.now();
      const url = new URL(req.url ?? '/', 'http://minidock');
      const sink = res ?? hijack!.socket;
      let status = 0;
      try {
        const { version, path } = splitVersion(url.pathname);
        const ctx: Ctx = { req, res, hijack, path, query: url.searchParams, version, explain };
        status = await route(ctx);
      } catch (e) {
        const err = apiErrorOf(e);
        status = err.status;
        if (res) sendError(res, err);
        else hijackError(hijack!.socket, err);
        if (err.status >= 500) log(`minidock api: ${e instanceof Error && process.env.MINIDOCK_DEBUG ? e.stack : err.message}`);
      } finally {
        const ms = (performance.now() - t0).toFixed(0);
        log(`minidock api: ${req.method} ${url.pathname}${url.search} ${status || (res?.statusCode ?? 101)} ${ms}ms`);
        void sink;
      }
    };
    server = createServer((req, res) => {
      track(res);
      void handle(req, res);
    });
    // Docker's hijacked connections (exec start, attach): `Connection: Upgrade, Upgrade: tcp`.
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      // a client gone mid-stream (EPIPE, ECONNRESET: seen on a write, e.g. while its side was
      // not being read) ends this connection alone; its 'close' ends the attach or exec
      socket.on('error', () => socket.destroy());
      track(socket);
      void handle(req, undefined, { socket, head });
    });
    server.keepAliveTimeout = 5000;
    const onSignal = () => stop();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    server.once('listening', arm);
  });

  await listen(server!, where, gid);
  log(`minidock api: serving the Docker Engine API on ${'unix' in where ? `unix://${where.unix}` : `tcp://${where.host}:${where.port}`}${idleSec ? ` (exits after ${idleSec}s without requests)` : ''}`);
  await done;
  return 0;
}

async function listen(server: Server, where: Listen, gid: number): Promise<void> {
  if ('unix' in where) {
    await clearStaleSocket(where.unix);
    // Made 0660 from the first instant (umask), then owned by root and the named group.
    const old = process.umask(0o117);
    try {
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(where.unix, () => res());
      });
    } finally {
      process.umask(old);
    }
    chownSync(where.unix, 0, gid);
    chmodSync(where.unix, 0o660);
    return;
  }
  await new Promise<void>((res, rej) => {
    server.once('error', (e) => rej(new UserError(`listen tcp ${where.host}:${where.port}: ${(e as Error).message}`)));
    server.listen(where.port, where.host, () => res());
  });
}

/** An error on a hijack request before it was upgraded: an ordinary HTTP response. */
function hijackError(socket: Socket, e: ApiError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message: e.message });
  socket.end(`HTTP/1.1 ${e.status} ${e.status === 404 ? 'Not Found' : e.status === 409 ? 'Conflict' : e.status === 400 ? 'Bad Request' : 'Internal Server Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
