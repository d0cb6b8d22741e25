// The attach websocket's streaming frame reader: payloads pass on in the pieces they arrive in
// (a large frame is never held whole), headers and control frames split across reads are
// joined, protocol errors are the same close codes as decodeFrames'.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { FrameReader, OP, WsError } from '../../src/api/websocket.js';

function masked(op: number, payload: Buffer, fin = true): Buffer {
  const n = payload.length;
  const len = n < 126 ? Buffer.from([0x80 | n]) : n < 65536 ? Buffer.from([0x80 | 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x80 | 127, 0, 0, 0, 0]), Buffer.from([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])]);
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | op]), len, mask, Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!))]);
}

function reader() {
  const data: Buffer[] = [];
  const control: [number, string][] = [];
  const r = new FrameReader(
    (p) => data.push(Buffer.from(p)),
    (op, p) => control.push([op, p.toString('hex')]),
  );
  return { r, data, control };
}

describe('FrameReader', () => {
  it('a 1 MiB frame fed in 1000-byte reads: passed on piece by piece, unmasked, nothing held', () => {
    const payload = randomBytes(1 << 20);
    const wire = masked(OP.binary, payload);
    const { r, data } = reader();
    for (let off = 0; off < wire.length; off += 1000) r.feed(Buffer.from(wire.subarray(off, off + 1000)));
    expect(data.length).toBeGreaterThan(1000);
    expect(Math.max(...data.map((d) => d.length))).toBeLessThanOrEqual(1000);
    expect(Buffer.concat(data).equals(payload)).toBe(true);
  });

  it('headers and control frames split at every byte; fragments and pings between them', () => {
    const wire = Buffer.concat([masked(OP.text, Buffer.from('hel'), false), masked(OP.ping, Buffer.from('p1')), masked(OP.cont, Buffer.from('lo')), masked(OP.pong, Buffer.alloc(0)), masked(OP.close, Buffer.from([3, 0xe8]))]);
    const { r, data, control } = reader();
    for (const b of wire) r.feed(Buffer.from([b]));
    expect(Buffer.concat(data).toString()).toBe('hello');
    expect(control).toEqual([
      [OP.ping, '7031'],
      [OP.pong, ''],
      [OP.close, '03e8'],
    ]);
  });

  it('refused as decodeFrames refuses: unmasked, reserved bits, an unknown opcode, a long control frame, an oversized frame', () => {
    const code = (b: Buffer) => {
      try {
        reader().r.feed(b);
      } catch (e) {
        return e instanceof WsError ? e.code : -1;
      }
      return 0;
    };
    expect(code(Buffer.from([0x82, 0x01, 0x78]))).toBe(1002);
    const rsv = masked(OP.binary, Buffer.from('x'));
    rsv[0]! |= 0x40;
    expect(code(rsv)).toBe(1002);
    expect(code(masked(3, Buffer.from('x')))).toBe(1002);
    expect(code(masked(OP.close, Buffer.alloc(126)))).toBe(1002);
    expect(code(Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0x10, 0, 0, 0]))).toBe(1009);
  });
});
