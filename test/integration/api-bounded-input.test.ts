// The service never keeps what a client pushes at it without bound: 64 MiB sent into an attach
// websocket with stdin=0, into a websocket attach and a hijacked exec whose process does not
// read its stdin, and into a hijacked attach with stdin=0: each time the client is held back
// by TCP (as moby's daemon, which does not read what nobody takes), nothing queues in the
// service (its RSS grows by a few MB at most), the attach still answers and the container runs on.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { http, useService } from '../helpers/api-service.js';

const FLOOD = 64 << 20;
const CHUNK = 64 << 10;
/** what the service may grow by (its allocator and V8 keep some of what a burst used) */
const SLACK_KB = 8 << 10;

const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

interface Upgraded {
  sock: Socket;
  head: string;
  /** everything the service sent after its response head */
  received(): Buffer;
  waitFor(pred: (b: Buffer) => boolean, ms?: number): Promise<void>;
}

/** A request that upgrades the connection (websocket or Docker's tcp hijack); resolves after the 101. */
function upgrade(sockPath: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const sock = connect(sockPath);
    let buf = Buffer.alloc(0);
    let head: string | undefined;
    const waiters = new Set<() => void>();
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (head === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head + buf.toString()));
        resolve({
          sock,
          head,
          received: () => buf,
          waitFor: (pred, ms = 20_000) =>
            new Promise<void>((res, rej) => {
              const check = () => {
                if (!pred(buf)) return;
                waiters.delete(check);
                clearTimeout(t);
                res();
              };
              const t = setTimeout(() => {
                waiters.delete(check);
                rej(new Error(`not received; got ${JSON.stringify(buf.subarray(-200).toString('latin1'))}`));
              }, ms);
              waiters.add(check);
              check();
            }),
        });
      }
      for (const w of [...waiters]) w();
    });
    sock.once('connect', () => {
      const h = { Host: 'minidock', ...headers, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}) };
      sock.write(`${method} ${path} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
    });
  });
}

const wsHeaders = () => ({ Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Version': '13' });

/** A client frame (always masked), any length. */
function wsFrame(op: number, payload: Buffer): Buffer {
  const n = payload.length;
  const len = n < 126 ? Buffer.from([0x80 | n]) : n < 65536 ? Buffer.from([0x80 | 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x80 | 127]), Buffer.from(new BigUint64Array([BigInt(n)]).buffer).reverse()]);
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x80 | op]), len, mask, Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!))]);
}

/**
 * Writes `total` bytes of `unit` (as the socket accepts them) until done or until the socket has
 * not drained for `stallMs`; returns the bytes the socket took.
 */
async function flood(sock: Socket, unit: Buffer, unitPayload: number, total: number, stallMs = 3000): Promise<number> {
  let sent = 0;
  while (sent < total) {
    sent += unitPayload;
    if (!sock.write(unit)) {
      const drained = await new Promise<boolean>((res) => {
        const t = setTimeout(() => res(false), stallMs);
        sock.once('drain', () => {
          clearTimeout(t);
          res(true);
        });
      });
      if (!drained) return sent - sock.writableLength;
    }
  }
  return sent;
}

describe('the service bounds what clients push into hijacked and websocket connections', () => {
  const ctx = useService();
  const pid = () => ctx.svc.child.pid!;
  const running = (name: string) => expect(ctx.md.ok(['inspect', '-f', '{{.State.Status}}', name])).toBe('running');
  afterEach(() => expect(ctx.svc.child.exitCode, ctx.svc.log()).toBeNull());
  /**
   * 64 MiB of `unit` into the connection: the socket takes some MB at most (the sockets'
   * buffers, input's, the pipe's), the service's RSS grows by a few MB at most, it still
   * answers; then what it sends after the flood (when `more` is given) still comes.
   */
  const heldBack = async (c: Upgraded, unit: Buffer, more?: string) => {
    const before = rssKb(pid());
    const sent = await flood(c.sock, unit, CHUNK, FLOOD);
    expect(sent).toBeLessThan(4 << 20);
    expect(rssKb(pid()) - before).toBeLessThan(SLACK_KB);
    expect((await http(ctx.svc.sock, 'GET', '/_ping')).status).toBe(200);
    const seen = c.received().length;
    if (more) await c.waitFor((b) => b.length > seen && b.subarray(seen).includes(more));
    c.sock.destroy();
  };

  it('attach/ws with stdin=0: 64 MiB of frames: the client is held back (as moby), the output still comes', async () => {
    ctx.md.ok(['run', '-d', '--name', 'ticker', '--network', 'none', 'busybox', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.2; done']);
    // a client that sends no stdin keeps its ping answered
    const quiet = await upgrade(ctx.svc.sock, 'GET', '/v1.44/containers/ticker/attach/ws?stream=1&stdin=0&stdout=1', wsHeaders());
    quiet.sock.write(wsFrame(9, Buffer.from('pp')));
    await quiet.waitFor((b) => b.includes(Buffer.from([0x8a, 2, 0x70, 0x70])));
    quiet.sock.write(wsFrame(8, Buffer.from([0x03, 0xe8])));
    await new Promise((r) => quiet.sock.once('close', r));
    const ws = await upgrade(ctx.svc.sock, 'GET', '/v1.44/containers/ticker/attach/ws?stream=1&stdin=0&stdout=1', wsHeaders());
    await ws.waitFor((b) => b.includes('tick'));
    await heldBack(ws, wsFrame(2, randomBytes(CHUNK)), 'tick');
    running('ticker');
  }, 120_000);

  it('attach/ws with stdin=1 to a process that does not read it: the client is held back, nothing queues in the service', async () => {
    ctx.md.ok(['run', '-d', '-i', '--name', 'deaf', '--network', 'none', 'busybox', 'sh', '-c', 'echo ready; exec sleep 1000']);
    const ws = await upgrade(ctx.svc.sock, 'GET', '/v1.44/containers/deaf/attach/ws?stream=1&stdin=1&stdout=1', wsHeaders());
    await new Promise((r) => setTimeout(r, 300)); // attached
    await heldBack(ws, wsFrame(2, randomBytes(CHUNK)));
    running('deaf');
  }, 120_000);

  it('a hijacked exec whose process does not read its stdin: the same', async () => {
    const create = await http(ctx.svc.sock, 'POST', '/v1.44/containers/deaf/exec', { Cmd: ['sleep', '1000'], AttachStdin: true, AttachStdout: true });
    expect(create.status, create.body.toString()).toBe(201);
    const id = create.json<{ Id: string }>().Id;
    const ex = await upgrade(ctx.svc.sock, 'POST', `/v1.44/exec/${id}/start`, { Connection: 'Upgrade', Upgrade: 'tcp' }, JSON.stringify({ Detach: false, Tty: false }));
    await new Promise((r) => setTimeout(r, 300)); // the process has started
    await heldBack(ex, randomBytes(CHUNK));
    running('deaf');
  }, 120_000);

  it('a hijacked attach with stdin=0: not read (as moby), the output still comes', async () => {
    const at = await upgrade(ctx.svc.sock, 'POST', '/v1.44/containers/ticker/attach?stream=1&stdin=0&stdout=1', { Connection: 'Upgrade', Upgrade: 'tcp' });
    await at.waitFor((b) => b.includes('tick'));
    await heldBack(at, randomBytes(CHUNK), 'tick');
    running('ticker');
  }, 120_000);
});

describe('request bodies over the limits: refused whole, nothing made', () => {
  const ctx = useService();

  it('a JSON body over 4 MiB is 400 "request body too large"; a hijacked exec start whose body is over 1 MiB is 400', async () => {
    const big = JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: { pad: 'x'.repeat(5 << 20) } });
    const r = await http(ctx.svc.sock, 'POST', '/v1.44/containers/create?name=huge', big);
    expect([r.status, r.json()]).toEqual([400, { message: 'request body too large' }]);
    expect(ctx.md.run(['inspect', 'huge']).code).toBe(1);
    ctx.md.ok(['run', '-d', '--name', 'idle', '--network', 'none', 'busybox', 'sleep', '1000']);
    const create = await http(ctx.svc.sock, 'POST', '/v1.44/containers/idle/exec', { Cmd: ['true'], AttachStdout: true });
    const id = create.json<{ Id: string }>().Id;
    const start = await http(ctx.svc.sock, 'POST', `/v1.44/exec/${id}/start`, JSON.stringify({ Detach: false, Pad: 'x'.repeat(2 << 20) }), { Connection: 'Upgrade', Upgrade: 'tcp' });
    expect(start.status).toBe(400);
    expect((await http(ctx.svc.sock, 'GET', `/v1.44/exec/${id}/json`)).json<{ Running: boolean; ExitCode: number | null }>()).toMatchObject({ Running: false, ExitCode: null });
    expect((await http(ctx.svc.sock, 'GET', '/_ping')).status).toBe(200);
  });
});
