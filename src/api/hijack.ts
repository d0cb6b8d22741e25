// Docker's hijacked connections (exec start, attach): the client asks with `Connection: Upgrade`
// and `Upgrade: tcp`, the server answers `101 UPGRADED` and the connection then carries the
// process's streams both ways — framed (framing.ts) without a TTY, raw with one. The client
// half-closes its side when its stdin ends. A client that does not ask to upgrade gets the same
// stream as an ordinary 200 response body (and no stdin).
import type { Readable, Writable } from 'node:stream';
import { ApiError } from './http.js';
import type { Ctx } from './routes.js';

const MAX_BODY = 1 << 20;

/** The JSON body of a request, on an upgraded connection too (where it follows the headers raw). */
export async function bodyOf<T>(c: Ctx): Promise<{ body: T | undefined; rest: Buffer }> {
  if (!c.hijack) {
    const { readJson } = await import('./http.js');
    return { body: await readJson<T>(c.req), rest: Buffer.alloc(0) };
  }
  const want = Number(c.req.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(want) || want < 0 || want > MAX_BODY) throw new ApiError(400, 'invalid Content-Length');
  let buf = c.hijack.head;
  const sock = c.hijack.socket;
  while (buf.length < want) {
    const chunk = await new Promise<Buffer | null>((res) => {
      const onData = (d: Buffer) => {
        cleanup();
        res(d);
      };
      const onEnd = () => {
        cleanup();
        res(null);
      };
      const cleanup = () => {
        sock.off('data', onData);
        sock.off('end', onEnd);
        sock.off('close', onEnd);
        sock.pause();
      };
      sock.on('data', onData);
      sock.once('end', onEnd);
      sock.once('close', onEnd);
      sock.resume();
    });
    if (!chunk) throw new ApiError(400, 'the request body ended early');
    buf = Buffer.concat([buf, chunk]);
  }
  const text = buf.subarray(0, want).toString('utf8').trim();
  let body: T | undefined;
  try {
    body = text ? (JSON.parse(text) as T) : undefined;
  } catch (e) {
    throw new ApiError(400, `invalid JSON: ${(e as Error).message}`);
  }
  return { body, rest: buf.subarray(want) };
}

/** Where the streams go, and where stdin comes from (upgraded connections only). */
export interface Stream {
  out: Writable;
  /** the client's bytes after the request (stdin); undefined when not upgraded */
  input?: Readable;
  /** stdin bytes that came with the request's head, before `input`'s */
  head?: Buffer;
  /** the container's two streams share the connection in Docker's 8-byte frames (no TTY, not a websocket) */
  mux: boolean;
  end(): void;
}

/** Answers the request as a stream: 101 UPGRADED on a hijack, else 200 with the stream as body. */
export function openStream(c: Ctx, tty: boolean): Stream {
  const type = tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
  if (c.hijack) {
    const s = c.hijack.socket;
    s.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${type}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    return { out: s, input: s, head: c.hijack.head, mux: !tty, end: () => s.end() };
  }
  const res = c.res!;
  res.writeHead(200, { 'Content-Type': type });
  res.flushHeaders();
  return { out: res, mux: !tty, end: () => res.end() };
}
