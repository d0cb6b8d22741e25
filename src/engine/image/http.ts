// The registry client's transport: one GET (or HEAD) with node:http / node:https, no redirects
// followed (the caller does that, by hand). Not Node's fetch: its first use loads undici and
// compiles its WebAssembly HTTP parser, ~50-70 ms of every `pull` (measured on loopback: two
// requests 65-90 ms with fetch, 13-18 ms with node:http), and its bodies are web streams that
// a layer then crosses into a Node stream again. Keep-alive sockets as fetch (Node's default
// agents keep them).
//
// Bounded, because a registry is hostile until its bytes are verified:
//   - connect timeout: DNS + TCP + TLS handshake within MINIDOCK_REGISTRY_CONNECT_TIMEOUT
//     seconds (default 30, Docker's dial timeout);
//   - idle timeout: once connected, the server must send something at least every
//     MINIDOCK_REGISTRY_IDLE_TIMEOUT seconds (default 60) while we wait for bytes: the
//     response headers, and every part of the body. Time when *we* are not reading (the socket
//     is paused by backpressure: a slow disk, the unpacker) does not count;
//   - bodies read whole are read through read(max), which refuses more than max bytes (a
//     Content-Length over it fails at once, before a byte is read); cancel() never drains a
//     large or unknown-length body, it closes the connection.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.js';

export interface HttpResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  /** The body, a Node stream (read it, or cancel()). Errors with HttpTimeout when it stalls. */
  body: Readable;
  /** The whole body, at most `max` bytes: more is a BodyTooLarge error (`what` names it). */
  read(max: number, what: string): Promise<Buffer>;
  /** At most `max` bytes of the body, the rest discarded (the connection is closed): for error texts. */
  head(max: number): Promise<Buffer>;
  /** Discards the body: drains a small one (keeps the connection), closes the connection otherwise. */
  cancel(): Promise<void>;
}

/** A network failure, shaped as fetch's ("fetch failed", the system error as `cause`). */
export class HttpFailure extends TypeError {
  constructor(readonly cause: Error) {
    super('fetch failed');
  }
}

/** A connect or idle timeout (see the top of this file); a UserError: one line, exit 125. */
export class HttpTimeout extends UserError {
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly phase: 'connect' | 'idle',
    readonly seconds: number,
    message: string,
  ) {
    super(message);
  }
}

/** A body over its cap. */
export class BodyTooLarge extends UserError {}

/** Bodies smaller than this are drained by cancel() so the connection can be reused. */
const DRAIN_MAX = 64 << 10;

export interface HttpTimeouts {
  connectMs: number;
  idleMs: number;
}

function seconds(name: string, dflt: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return dflt * 1000;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`invalid ${name} ${JSON.stringify(text)}: want a number of seconds greater than 0`);
  return n * 1000;
}

/** The timeouts, from the environment (read per request: cheap, and tests set them per run). */
export function httpTimeouts(): HttpTimeouts {
  return { connectMs: seconds('MINIDOCK_REGISTRY_CONNECT_TIMEOUT', 30), idleMs: seconds('MINIDOCK_REGISTRY_IDLE_TIMEOUT', 60) };
}

const fmtSeconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

function wrap(res: IncomingMessage): HttpResponse {
  const status = res.statusCode ?? 0;
  const length = (): number | undefined => {
    const v = res.headers['content-length'];
    const n = v === undefined ? NaN : Number(v);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  };
  const collect = async (max: number, onOver: () => Error | undefined): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of res) {
      const b = c as Buffer;
      if (n + b.length > max) {
        const err = onOver();
        if (err) {
          res.destroy();
          throw err;
        }
        chunks.push(b.subarray(0, max - n));
        res.destroy();
        return Buffer.concat(chunks);
      }
      n += b.length;
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  };
  return {
    status,
    statusText: res.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers: {
      get(name: string): string | null {
        const v = res.headers[name.toLowerCase()];
        if (v === undefined) return null;
        return Array.isArray(v) ? v.join(', ') : String(v);
      },
    },
    body: res,
    async read(max, what) {
      const tooLarge = (): BodyTooLarge => new BodyTooLarge(`${what} is larger than the ${max} bytes allowed; refused`);
      const len = length();
      if (len !== undefined && len > max) {
        res.destroy();
        throw new BodyTooLarge(`${what} is ${len} bytes, more than the ${max} allowed; refused`);
      }
      return collect(max, tooLarge);
    },
    async head(max) {
      return collect(max, () => undefined);
    },
    async cancel() {
      // Complete (all of it parsed, maybe unread) or small: read it out, so the response ends
      // and its connection goes back to the agent. Anything else: close the connection.
      const len = length();
      if (res.complete || (len !== undefined && len <= DRAIN_MAX)) res.resume();
      else res.destroy();
    },
  };
}

/**
 * Watches one request's socket: the connect timeout until it is connected (TLS: handshake
 * done), then the idle timeout. Idle is measured on the bytes the socket has read; while the
 * socket is paused (nobody is reading the body fast enough) the clock does not run.
 */
function watch(
  socket: Socket,
  t: HttpTimeouts,
  origin: string,
  what: string,
  fail: (e: HttpTimeout) => void,
): () => void {
  let connectTimer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let stopped = false;
  const startIdle = (): void => {
    if (stopped) return;
    let seen = socket.bytesRead;
    let last = Date.now();
    const tick = Math.min(1000, Math.max(20, t.idleMs / 8));
    poll = setInterval(() => {
      const now = Date.now();
      if (socket.bytesRead !== seen || socket.isPaused()) {
        seen = socket.bytesRead;
        last = now;
        return;
      }
      if (now - last >= t.idleMs) {
        stop();
        fail(new HttpTimeout('idle', t.idleMs / 1000, `timed out: ${origin} sent nothing for ${fmtSeconds(t.idleMs)} while answering ${what} (MINIDOCK_REGISTRY_IDLE_TIMEOUT sets the limit)`));
      }
    }, tick);
    poll.unref();
  };
  const stop = (): void => {
    stopped = true;
    if (connectTimer) clearTimeout(connectTimer);
    if (poll) clearInterval(poll);
  };
  // A fresh socket is still connecting; a reused keep-alive one is ready.
  if (socket.connecting) {
    const event = 'encrypted' in socket ? 'secureConnect' : 'connect';
    connectTimer = setTimeout(() => {
      stop();
      fail(new HttpTimeout('connect', t.connectMs / 1000, `timed out connecting to ${origin}: no connection within ${fmtSeconds(t.connectMs)} (MINIDOCK_REGISTRY_CONNECT_TIMEOUT sets the limit)`));
    }, t.connectMs);
    connectTimer.unref();
    socket.once(event, () => {
      if (connectTimer) clearTimeout(connectTimer);
      startIdle();
    });
  } else {
    startIdle();
  }
  return stop;
}

/** A request body: bytes, or a stream (made afresh for each try: a push's layer file). */
export type RequestBody = Buffer | Readable;

export async function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; timeouts?: HttpTimeouts; body?: RequestBody } = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const t = opts.timeouts ?? httpTimeouts();
  const mod = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const method = opts.method ?? 'GET';
  const what = `${method} ${u.pathname}`;
  return new Promise<HttpResponse>((resolve, reject) => {
    let res: IncomingMessage | undefined;
    let stop: () => void = () => undefined;
    const req = mod.request(u, { method, headers: opts.headers ?? {} }, (r) => {
      res = r;
      r.on('error', () => undefined); // surfaces to whoever reads the body
      r.on('close', stop);
      resolve(wrap(r));
    });
    req.on('socket', (socket: Socket) => {
      stop = watch(socket, t, u.origin, what, (e) => {
        // Before the headers: the request fails; after: the body errors, as it is read.
        if (res) res.destroy(e);
        else req.destroy(e);
      });
    });
    req.on('error', (e) => {
      stop();
      reject(new HttpFailure(e));
    });
    const body = opts.body;
    if (body === undefined || Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}
