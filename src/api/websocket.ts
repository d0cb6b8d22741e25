// The server side of RFC 6455 over the service's hijacked connection, for GET
// /containers/{id}/attach/ws: the handshake (Sec-WebSocket-Accept), unmasked frames out, masked
// frames in (fragments joined into one byte stream: stdin), ping answered with pong, the close
// handshake. Not the `ws` package: attach needs only this much, and the service loads nothing
// it does not use. Frame parsing is pure (test/unit/api-websocket-commit.test.ts).
import { createHash } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { ApiError } from './http.js';
import type { Ctx } from './routes.js';
import type { Stream } from './hijack.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;
/** One client frame's payload at most (stdin arrives in small messages; more is refused, 1009). */
const MAX_FRAME = 16 << 20;

export const acceptKey = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

/** One frame as the server sends it (FIN set, never masked). */
export function encodeFrame(op: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | op;
  if (n < 126) head[1] = n;
  else if (n < 65536) {
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

export interface Frame {
  fin: boolean;
  op: number;
  payload: Buffer;
}

/** Protocol errors: the close code to send (1002 protocol error, 1009 too big). */
export class WsError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A client frame's header at buf[off…]: undefined until all of it (the mask too) is there. */
export interface FrameHeader {
  fin: boolean;
  op: number;
  len: number;
  mask: Buffer;
  /** the header's length: the payload starts at off + size */
  size: number;
}

export function decodeHeader(buf: Buffer, off = 0): FrameHeader | undefined {
  if (buf.length - off < 2) return undefined;
  const b0 = buf[off]!;
  const b1 = buf[off + 1]!;
  if (b0 & 0x70) throw new WsError(1002, 'reserved bits set (no extension was agreed)');
  if (!(b1 & 0x80)) throw new WsError(1002, 'a client frame must be masked');
  let len = b1 & 0x7f;
  let p = off + 2;
  if (len === 126) {
    if (buf.length - p < 2) return undefined;
    len = buf.readUInt16BE(p);
    p += 2;
  } else if (len === 127) {
    if (buf.length - p < 8) return undefined;
    const big = buf.readBigUInt64BE(p);
    if (big > BigInt(MAX_FRAME)) throw new WsError(1009, 'frame too large');
    len = Number(big);
    p += 8;
  }
  if (len > MAX_FRAME) throw new WsError(1009, 'frame too large');
  const op = b0 & 0x0f;
  if (op >= 8 && (len > 125 || !(b0 & 0x80))) throw new WsError(1002, 'invalid control frame');
  if (buf.length - p < 4) return undefined;
  return { fin: !!(b0 & 0x80), op, len, mask: buf.subarray(p, p + 4), size: p + 4 - off };
}

/** Unmasks part of a payload in place; `pos` is its offset in the frame's payload. */
function unmask(b: Buffer, mask: Buffer, pos: number): Buffer {
  for (let i = 0; i < b.length; i++) b[i]! ^= mask[(pos + i) & 3]!;
  return b;
}

/** The complete client frames at the start of buf (unmasked), and what is left. */
export function decodeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  for (;;) {
    const h = decodeHeader(buf, off);
    if (!h || buf.length - off - h.size < h.len) break;
    const start = off + h.size;
    frames.push({ fin: h.fin, op: h.op, payload: unmask(Buffer.from(buf.subarray(start, start + h.len)), h.mask, 0) });
    off = start + h.len;
  }
  return { frames, rest: buf.subarray(off) };
}

/**
 * The client's frames as they arrive, never held whole: a data frame's payload goes on in the
 * pieces the socket reads (unmasked in place); only a header (≤ 14 bytes) and a control
 * frame's payload (≤ 125) wait for their rest.
 */
export class FrameReader {
  private head: Buffer = Buffer.alloc(0);
  private cur: (FrameHeader & { pos: number; ctrl: Buffer[] }) | undefined;

  constructor(
    private readonly onData: (payload: Buffer) => void,
    private readonly onControl: (op: number, payload: Buffer) => void,
  ) {}

  /** Throws WsError on a protocol error. */
  feed(d: Buffer): void {
    let off = 0;
    while (off < d.length) {
      if (!this.cur) {
        const hb = this.head.length ? Buffer.concat([this.head, d.subarray(off, off + 14)]) : d.subarray(off);
        const h = decodeHeader(hb);
        if (!h) {
          this.head = Buffer.from(hb);
          return;
        }
        if (h.op !== OP.cont && h.op !== OP.text && h.op !== OP.binary && h.op < 8) throw new WsError(1002, `unknown opcode ${h.op}`);
        off += h.size - this.head.length;
        this.head = Buffer.alloc(0);
        this.cur = { ...h, mask: Buffer.from(h.mask), pos: 0, ctrl: [] };
      } else {
        const c = this.cur;
        const piece = d.subarray(off, off + Math.min(c.len - c.pos, d.length - off));
        off += piece.length;
        if (c.op >= 8) c.ctrl.push(Buffer.from(unmask(piece, c.mask, c.pos)));
        else this.onData(unmask(piece, c.mask, c.pos));
        c.pos += piece.length;
      }
      if (this.cur.pos === this.cur.len) {
        const c = this.cur;
        this.cur = undefined;
        if (c.op >= 8) this.onControl(c.op, Buffer.concat(c.ctrl));
      }
    }
  }
}

/**
 * Answers the upgrade (101 Switching Protocols) and returns the attach's stream: each write is
 * one data frame (binary, or text for clients older than API 1.28, as moby), stdin is the
 * payloads of the client's data frames, end() is the close handshake. A request that is not a
 * websocket upgrade is Docker's 400.
 */
export function openWebSocket(c: Ctx, text: boolean): Stream {
  const h = c.req.headers;
  const key = h['sec-websocket-key'];
  if (!c.hijack || String(h.upgrade ?? '').toLowerCase() !== 'websocket') throw new ApiError(400, 'websocket: the client is not using the websocket protocol: the Upgrade header must be websocket');
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16) throw new ApiError(400, 'websocket: missing or invalid Sec-WebSocket-Key');
  if (h['sec-websocket-version'] !== '13') throw new ApiError(400, 'websocket: unsupported Sec-WebSocket-Version (13 is)');
  const sock = c.hijack.socket;
  sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
  const input = new PassThrough();
  let closeSent = false;
  const sendClose = (code: number) => {
    if (closeSent || sock.destroyed) return;
    closeSent = true;
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    sock.write(encodeFrame(OP.close, p));
  };
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!closeSent && !sock.destroyed) sock.write(encodeFrame(text ? OP.text : OP.binary, chunk));
      cb();
    },
  });
  const finish = (code: number) => {
    sendClose(code);
    input.end();
    sock.end();
  };
  sock.once('close', () => {
    input.end();
    out.destroy();
  });
  // Bounded: the client's data frames go to stdin as they arrive, and while nobody reads them
  // (stdin=0, a container without -i, a process that does not read its stdin) the connection
  // is not read either once input's small buffer is full: TCP's window holds the client back,
  // as moby's (which never reads such a connection). A client that sends no stdin still has
  // its pings and its close handshake answered.
  input.on('drain', () => sock.resume());
  const reader = new FrameReader(
    (payload) => {
      if (!closeSent && payload.length && !input.write(payload)) sock.pause();
    },
    (op, payload) => {
      if (closeSent) return; // what follows a close (or a protocol error) in the same read
      if (op === OP.close) finish(1000);
      else if (op === OP.ping) sock.write(encodeFrame(OP.pong, payload));
      else if (op !== OP.pong) finish(1002);
    },
  );
  const onData = (d: Buffer) => {
    if (closeSent) return;
    try {
      reader.feed(d);
    } catch (e) {
      finish(e instanceof WsError ? e.code : 1002);
    }
  };
  sock.on('data', onData);
  sock.once('end', () => input.end());
  if (c.hijack.head.length) onData(c.hijack.head);
  return {
    out,
    input,
    mux: false,
    end: () => finish(1000),
  };
}
