// The pure parts of the Engine API's attach websocket (RFC 6455 frames), POST /commit's body and
// GET /images/search's term and filters.
import { describe, expect, it } from 'vitest';
import { acceptKey, decodeFrames, encodeFrame, OP, WsError } from '../../src/api/websocket.js';
import { commitConfigOf } from '../../src/api/create-body.js';
import { mergeOver } from '../../src/engine/container/commit.js';
import { filterResults, splitSearchTerm } from '../../src/engine/image/search.js';

const masked = (op: number, payload: Buffer, fin = true): Buffer => {
  const mask = Buffer.from([1, 2, 3, 4]);
  const n = payload.length;
  const len = n < 126 ? Buffer.from([0x80 | n]) : Buffer.from([0x80 | 126, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | op]), len, mask, Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!))]);
};

describe('websocket frames', () => {
  it("the accept key of RFC 6455's example", () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('server frames: FIN, the opcode, 7-bit, 16-bit and 64-bit lengths, never masked', () => {
    expect([...encodeFrame(OP.binary, Buffer.from('hi'))]).toEqual([0x82, 2, 0x68, 0x69]);
    const mid = encodeFrame(OP.text, Buffer.alloc(300));
    expect([...mid.subarray(0, 4)]).toEqual([0x81, 126, 1, 44]);
    const big = encodeFrame(OP.binary, Buffer.alloc(70000));
    expect(big[1]).toBe(127);
    expect(Number(big.readBigUInt64BE(2))).toBe(70000);
    expect(big.length).toBe(70010);
  });

  it('client frames: unmasked, split across reads (the rest kept), fragments, control frames', () => {
    const two = Buffer.concat([masked(OP.binary, Buffer.from('abc')), masked(OP.cont, Buffer.alloc(200, 7), true)]);
    const part = decodeFrames(two.subarray(0, 12));
    expect(part.frames.map((f) => f.payload.toString())).toEqual(['abc']);
    expect(part.rest.length).toBe(12 - 9);
    const all = decodeFrames(two);
    expect(all.frames.map((f) => [f.op, f.payload.length])).toEqual([[OP.binary, 3], [OP.cont, 200]]);
    expect(all.rest.length).toBe(0);
    expect(decodeFrames(masked(OP.ping, Buffer.from('p'))).frames[0]).toEqual({ fin: true, op: OP.ping, payload: Buffer.from('p') });
  });

  it('refused: an unmasked client frame, reserved bits, a fragmented or long control frame, an oversized frame', () => {
    const code = (b: Buffer) => {
      try {
        decodeFrames(b);
      } catch (e) {
        return e instanceof WsError ? e.code : -1;
      }
      return 0;
    };
    expect(code(encodeFrame(OP.binary, Buffer.from('x')))).toBe(1002);
    const rsv = masked(OP.binary, Buffer.from('x'));
    rsv[0]! |= 0x40;
    expect(code(rsv)).toBe(1002);
    expect(code(masked(OP.ping, Buffer.from('x'), false))).toBe(1002);
    expect(code(masked(OP.close, Buffer.alloc(126)))).toBe(1002);
    const huge = Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0x10, 0, 0, 0]);
    expect(code(huge)).toBe(1009);
  });
});

describe("POST /commit's body", () => {
  it('reads the fields commit can set, refuses the others with a value', () => {
    expect(commitConfigOf({ Cmd: ['a'], Env: ['A=1'], ExposedPorts: { '80/tcp': {} }, Labels: { l: 'v' }, Hostname: '' })).toMatchObject({ Cmd: ['a'], Env: ['A=1'], ExposedPorts: { '80/tcp': {} }, Labels: { l: 'v' } });
    expect(() => commitConfigOf({ Hostname: 'h', Tty: true })).toThrow(/^Hostname, Tty: not supported/);
    expect(() => commitConfigOf({ Env: ['BARE'] })).toThrow(/not NAME=value/);
    expect(() => commitConfigOf({ Labels: { a: 1 } })).toThrow(/Labels/);
  });

  it("is merged as moby's commit merge: the body wins, Env/Labels by key, an Entrypoint alone drops the Cmd", () => {
    const cfg = { Env: ['A=1', 'B=2'], Cmd: ['sh'], Entrypoint: null, Labels: { x: '1' }, User: 'root' };
    mergeOver(cfg, { Env: ['B=3'], Labels: { y: '2' }, Entrypoint: ['/e'], Cmd: [] });
    expect(cfg).toEqual({ Env: ['B=3', 'A=1'], Cmd: null, Entrypoint: ['/e'], Labels: { x: '1', y: '2' }, User: 'root' });
    const keep = { Cmd: ['sh'], Entrypoint: ['/e'] };
    mergeOver(keep, { Cmd: ['other'] });
    expect(keep).toEqual({ Cmd: ['other'], Entrypoint: ['/e'] });
  });
});

describe('image search', () => {
  it("splits the term as moby's splitReposSearchTerm", () => {
    expect(splitSearchTerm('busybox')).toEqual({ index: 'docker.io', remote: 'busybox' });
    expect(splitSearchTerm('library/busybox')).toEqual({ index: 'docker.io', remote: 'busybox' });
    expect(splitSearchTerm('someone/tool')).toEqual({ index: 'docker.io', remote: 'someone/tool' });
    expect(splitSearchTerm('localhost/x')).toEqual({ index: 'localhost', remote: 'x' });
    expect(splitSearchTerm('127.0.0.1:5000/a/b')).toEqual({ index: '127.0.0.1:5000', remote: 'a/b' });
  });

  it('filters is-official, is-automated, stars', () => {
    const r = (name: string, stars: number, official: boolean) => ({ name, star_count: stars, is_official: official, is_automated: false, description: '' });
    const all = [r('a', 10, true), r('b', 3, false), r('c', 50, false)];
    expect(filterResults(all, { stars: 10 }).map((x) => x.name)).toEqual(['a', 'c']);
    expect(filterResults(all, { isOfficial: false, stars: 4 }).map((x) => x.name)).toEqual(['c']);
    expect(filterResults(all, { isAutomated: true })).toEqual([]);
  });
});
