// The Engine API's POST /commit, GET /containers/{id}/attach/ws and GET /images/search: commit
// through each docker CLI (-c/-m/-a) and Debian's python3-docker (`container.commit`); the
// attach websocket through python3-docker's `attach_socket(ws=True)` (websocket-client) and a
// small RFC 6455 client here (binary frames, text below API 1.28, stdin, logs, the close
// handshake); search against the Distribution registry, which has no search API: Docker's
// error. Bad input: Docker's status codes and `{"message"}` bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { BIN, Minidock } from '../helpers/cli.js';
import { DOCKERS, cleanupChecked, http, startService, useService, type Service } from '../helpers/api-service.js';
import { startRegistry, type Registry } from '../helpers/registry.js';

// Debian's python3-docker (5.x) and python3-websocket, not a pip install elsewhere on PATH
const PY = '/usr/bin/python3';
const havePy = spawnSync(PY, ['-c', 'import docker, websocket']).status === 0;

for (const cli of DOCKERS)
  describe(`docker ${cli.version}: docker commit through the service`, () => {
    const ctx = useService({ docker: cli.path });
    const ok = (args: string[]) => ctx.svc.dockerOk(args);

    it('commit -c -m -a: the image has the container\'s file, the changes, author and comment, as minidock commit makes it', () => {
      ok(['run', '--name', 'src', '--network', 'none', 'busybox', 'sh', '-c', 'echo committed > /made.txt']);
      const id = ok(['commit', '-c', 'CMD ["cat", "/made.txt"]', '-c', 'ENV A=1', '-c', 'LABEL via=api', '-m', 'a message', '-a', 'Some One <one@example.com>', 'src', 'snap:1']);
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(ok(['image', 'inspect', '-f', '{{.Id}}', 'snap:1'])).toBe(id);
      const fmt = '{{json .Config.Cmd}}|{{json .Config.Env}}|{{json .Config.Labels}}|{{.Author}}|{{.Comment}}';
      const shown = ok(['image', 'inspect', '-f', fmt, 'snap:1']);
      expect(shown).toBe(ctx.md.ok(['image', 'inspect', '-f', fmt, 'snap:1']));
      const [cmd, env, labels, author, comment] = shown.split('|');
      expect(JSON.parse(cmd!)).toEqual(['cat', '/made.txt']);
      expect(JSON.parse(env!)).toContain('A=1');
      expect(JSON.parse(labels!)).toEqual({ via: 'api' });
      expect(author).toBe('Some One <one@example.com>');
      expect(comment).toBe('a message');
      expect(ok(['run', '--rm', '--network', 'none', 'snap:1'])).toBe('committed');
      // the history's top entry carries the comment
      expect(ok(['history', '--format', '{{.Comment}}', 'snap:1']).split('\n')[0]).toBe('a message');
    });

    it('bad input: a missing container, a change Docker refuses', () => {
      const missing = ctx.svc.docker(['commit', 'nosuch', 'x:1']);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toMatch(/No such container: nosuch$/);
      const bad = ctx.svc.docker(['commit', '-c', 'RUN echo hi', 'src', 'x:2']);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toBe('Error response from daemon: run is not a valid change command');
      expect(ctx.svc.docker(['image', 'inspect', 'x:2']).code).toBe(1);
    });
  });

describe('POST /commit over HTTP: the body config, query parameters and errors', () => {
  const ctx = useService();

  it('a body Config is merged over the container\'s, as moby; changes go over it; pause=0 commits a running container', async () => {
    ctx.md.ok(['run', '-d', '--name', 'live', '--network', 'none', '-e', 'KEEP=1', 'busybox', 'sh', '-c', 'echo x > /x; exec sleep 1000']);
    const body = { Env: ['NEW=2'], Labels: { l: 'v' }, ExposedPorts: { '80/tcp': {} }, WorkingDir: '/srv', Entrypoint: ['/bin/sh', '-c'] };
    const r = await http(ctx.svc.sock, 'POST', `/v1.44/commit?container=live&repo=merged&tag=2&pause=0&changes=${encodeURIComponent('USER nobody')}&changes=${encodeURIComponent('ENV LAST=3')}`, body);
    expect(r.status, r.body.toString()).toBe(201);
    const id = r.json<{ Id: string }>().Id;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const cfg = JSON.parse(ctx.md.ok(['image', 'inspect', '-f', '{{json .Config}}', 'merged:2'])) as Record<string, unknown>;
    expect(cfg.Env).toEqual(expect.arrayContaining(['NEW=2', 'KEEP=1', 'LAST=3']));
    expect(cfg.Labels).toEqual({ l: 'v' });
    expect(cfg.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(cfg.WorkingDir).toBe('/srv');
    expect(cfg.User).toBe('nobody');
    // an Entrypoint without a Cmd: the container's Cmd is not kept (moby's merge)
    expect(cfg.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(cfg.Cmd ?? null).toBeNull();
    expect(ctx.md.ok(['inspect', '-f', '{{.State.Status}}', 'live'])).toBe('running');
  });

  it('errors: Docker\'s status codes and message bodies; nothing is made', async () => {
    const before = ctx.md.ok(['images', '-q', '--no-trunc']);
    const cases: [string, unknown, number, RegExp][] = [
      ['/commit', undefined, 400, /^invalid name or ID supplied: ""$/],
      ['/commit?container=nosuch', undefined, 404, /^No such container: nosuch$/],
      ['/commit?container=live&repo=UPPER', undefined, 400, /must be lowercase|invalid reference format/],
      ['/commit?container=live&changes=FROM%20x', undefined, 400, /^from is not a valid change command$/],
      ['/commit?container=live&pause=maybe', undefined, 400, /^invalid value for pause/],
      ['/commit?container=live', { Hostname: 'h' }, 400, /^Hostname: not supported by minidock's Engine API$/],
      ['/commit?container=live', { Env: ['BARE'] }, 400, /^Env: "BARE" is not NAME=value$/],
      ['/commit?container=live', '[1]', 400, /^invalid JSON/],
    ];
    for (const [path, body, status, msg] of cases) {
      const r = await http(ctx.svc.sock, 'POST', path, body);
      expect(r.status, `${path} ${r.body}`).toBe(status);
      expect(r.json<{ message: string }>().message, path).toMatch(msg);
    }
    expect(ctx.md.ok(['images', '-q', '--no-trunc'])).toBe(before);
  });

  it.runIf(havePy)("python3-docker: container.commit(repository, tag, message, author, changes)", () => {
    ctx.md.ok(['run', '--name', 'pysrc', '--network', 'none', 'busybox', 'sh', '-c', 'echo from python > /py.txt']);
    const script = `
import docker, json
c = docker.from_env()
ct = c.containers.get('pysrc')
img = ct.commit(repository='pysnap', tag='1', message='py message', author='py author', changes=['CMD ["cat", "/py.txt"]'])
out = c.containers.run('pysnap:1', network_mode='none', remove=True)
print(json.dumps({'id': img.id, 'tags': img.tags, 'cmd': img.attrs['Config']['Cmd'], 'author': img.attrs['Author'], 'comment': img.attrs['Comment'], 'out': out.decode()}))
`;
    const r = spawnSync(PY, ['-c', script], { env: ctx.svc.dockerEnv, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr + ctx.svc.log()).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.tags).toEqual(['pysnap:1']);
    expect(out.cmd).toEqual(['cat', '/py.txt']);
    expect(out.author).toBe('py author');
    expect(out.comment).toBe('py message');
    expect(out.out).toBe('from python\n');
  }, 60_000);
});

// ---- a small websocket client (RFC 6455: masked frames out, the server's unmasked frames in) -----

interface WsFrame {
  op: number;
  data: Buffer;
}
interface Ws {
  status: number;
  head: string;
  frames: WsFrame[];
  closed: Promise<void>;
  send(op: number, data: Buffer | string): void;
  next(pred: (all: WsFrame[]) => boolean, ms?: number): Promise<WsFrame[]>;
  sock: Socket;
}

function wsConnect(sockPath: string, path: string, headers: Record<string, string> = {}): Promise<Ws> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const sock = connect(sockPath);
    let buf = Buffer.alloc(0);
    let ws: Ws | undefined;
    const waiters = new Set<() => void>();
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!ws) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
        const frames: WsFrame[] = [];
        ws = {
          status,
          head: head + (status === 101 ? '' : `\r\n\r\n${buf.toString()}`),
          frames,
          closed,
          sock,
          send(op, data) {
            const p = Buffer.from(data);
            const mask = randomBytes(4);
            const len = p.length < 126 ? Buffer.from([0x80 | p.length]) : Buffer.from([0x80 | 126, p.length >> 8, p.length & 0xff]);
            const masked = Buffer.from(p.map((b, i) => b ^ mask[i & 3]!));
            sock.write(Buffer.concat([Buffer.from([0x80 | op]), len, mask, masked]));
          },
          next(pred, ms = 20_000) {
            return new Promise((res, rej) => {
              const check = () => {
                if (pred(frames)) {
                  waiters.delete(check);
                  clearTimeout(t);
                  res(frames);
                }
              };
              const t = setTimeout(() => {
                waiters.delete(check);
                rej(new Error(`no such frames; got ${JSON.stringify(frames.map((f) => [f.op, f.data.toString()]))}`));
              }, ms);
              waiters.add(check);
              check();
            });
          },
        };
        if (status === 101 && !head.includes(`Sec-WebSocket-Accept: ${createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')}`)) reject(new Error(`bad accept: ${head}`));
        resolve(ws);
        if (status !== 101) return;
      }
      // the server's frames: never masked
      for (;;) {
        if (buf.length < 2) break;
        let len = buf[1]! & 0x7f;
        let p = 2;
        if (len === 126) {
          if (buf.length < 4) break;
          len = buf.readUInt16BE(2);
          p = 4;
        } else if (len === 127) {
          if (buf.length < 10) break;
          len = Number(buf.readBigUInt64BE(2));
          p = 10;
        }
        if (buf[1]! & 0x80) throw new Error('a server frame was masked');
        if (buf.length < p + len) break;
        ws.frames.push({ op: buf[0]! & 0x0f, data: Buffer.from(buf.subarray(p, p + len)) });
        buf = buf.subarray(p + len);
      }
      for (const w of [...waiters]) w();
    });
    sock.once('connect', () => {
      const h = { Host: 'minidock', Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', ...headers };
      sock.write(`GET ${path} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    });
  });
}

const dataOf = (frames: WsFrame[]) => Buffer.concat(frames.filter((f) => f.op === 1 || f.op === 2).map((f) => f.data)).toString();

describe('GET /containers/{id}/attach/ws: the attach websocket', () => {
  const ctx = useService();

  it('stdin and stdout as binary frames, never multiplexed; the close handshake ends it, the container goes on', async () => {
    ctx.md.ok(['run', '-d', '-i', '--name', 'cat', '--network', 'none', 'busybox', 'sh', '-c', 'echo ready; exec cat']);
    const ws = await wsConnect(ctx.svc.sock, '/v1.44/containers/cat/attach/ws?stream=1&stdin=1&stdout=1&stderr=1&logs=1');
    expect(ws.status, ws.head).toBe(101);
    await ws.next((f) => dataOf(f).includes('ready\n'));
    ws.send(2, 'hello through a websocket\n');
    await ws.next((f) => dataOf(f).includes('hello through a websocket\n'));
    // binary frames (API >= 1.28), raw bytes: no 8-byte stream headers
    expect(ws.frames.filter((f) => f.op !== 2)).toEqual([]);
    expect(dataOf(ws.frames)).toBe('ready\nhello through a websocket\n');
    // a ping is answered
    ws.send(9, 'pp');
    await ws.next((f) => f.some((x) => x.op === 10 && x.data.toString() === 'pp'));
    ws.send(8, Buffer.from([0x03, 0xe8]));
    await ws.next((f) => f.some((x) => x.op === 8));
    await ws.closed;
    expect(ctx.md.ok(['inspect', '-f', '{{.State.Status}}', 'cat'])).toBe('running');
  }, 60_000);

  it('logs=1&stream=0: the log so far, then the close; text frames for an API before 1.28; stderr alone', async () => {
    ctx.md.ok(['run', '--name', 'said', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
    const ws = await wsConnect(ctx.svc.sock, '/v1.25/containers/said/attach/ws?logs=1&stream=0&stdout=1&stderr=1');
    expect(ws.status, ws.head).toBe(101);
    await ws.closed;
    expect(ws.frames.filter((f) => f.op === 1 || f.op === 2).every((f) => f.op === 1)).toBe(true);
    expect(dataOf(ws.frames).split('\n').sort()).toEqual(['', 'err', 'out']);
    const errOnly = await wsConnect(ctx.svc.sock, '/containers/said/attach/ws?logs=1&stderr=1');
    await errOnly.closed;
    expect(dataOf(errOnly.frames)).toBe('err\n');
    // the close frame is the last: 1000
    const last = errOnly.frames.at(-1)!;
    expect([last.op, last.data.readUInt16BE(0)]).toEqual([8, 1000]);
  }, 60_000);

  it('bad requests: Docker\'s errors before the upgrade', async () => {
    const missing = await wsConnect(ctx.svc.sock, '/containers/nosuch/attach/ws?stream=1&stdout=1');
    expect(missing.status).toBe(404);
    expect(missing.head).toMatch(/"message":"No such container: nosuch"/);
    missing.sock.destroy();
    const noUpgrade = await http(ctx.svc.sock, 'GET', '/containers/said/attach/ws?stream=1');
    expect(noUpgrade.status).toBe(400);
    expect(noUpgrade.json<{ message: string }>().message).toMatch(/^websocket: /);
    const badKey = await wsConnect(ctx.svc.sock, '/containers/said/attach/ws?stream=1', { 'Sec-WebSocket-Key': 'short' });
    expect(badKey.status).toBe(400);
    badKey.sock.destroy();
    const wrongMethod = await http(ctx.svc.sock, 'POST', '/containers/said/attach/ws');
    expect(wrongMethod.status).toBe(405);
  });
});

describe.runIf(havePy)("python3-docker's attach_socket(ws=True) over the service's TCP socket", () => {
  // websocket-client speaks ws:// over TCP only: the service on the loopback of the test's own
  // "host" netns, python run there too
  let md: Minidock;
  let svc: ChildProcess | undefined;
  let log = '';
  const port = 20000 + Math.floor(Math.random() * 40000);
  beforeAll(async () => {
    md = new Minidock();
    svc = spawn(md.prefix[0]!, [...md.prefix.slice(1), process.execPath, '--', BIN, 'system', 'service', '--time', '0', '--socket', `tcp://127.0.0.1:${port}`], { env: md.env, stdio: ['ignore', 'ignore', 'pipe'] });
    svc.stderr!.on('data', (d) => (log += d));
    for (let i = 0; i < 300 && !log.includes('serving'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(log).toContain('serving');
  });
  afterAll(async () => {
    if (svc && svc.exitCode === null) {
      const gone = new Promise((r) => svc!.once('exit', r));
      svc.kill('SIGTERM');
      await gone;
    }
    if (md) cleanupChecked(md);
  });

  it('sends stdin, reads the echo back as bytes', () => {
    md.ok(['run', '-d', '-i', '--name', 'pycat', '--network', 'none', 'busybox', 'cat']);
    const script = `
import docker, json
c = docker.APIClient(base_url='tcp://127.0.0.1:${port}')
ws = c.attach_socket('pycat', params={'stdin': 1, 'stdout': 1, 'stream': 1}, ws=True)
ws.send_binary(b'hello from python\\n')
got = b''
while b'\\n' not in got:
    got += ws.recv()
ws.close()
print(json.dumps({'got': got.decode(), 'type': type(got).__name__}))
`;
    const r = spawnSync(md.prefix[0]!, [...md.prefix.slice(1), PY, '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr + log).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ got: 'hello from python\n', type: 'bytes' });
  }, 60_000);
});

describe('GET /images/search against a Distribution registry (no search API): Docker\'s error', () => {
  let reg: Registry;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
  });

  for (const cli of DOCKERS)
    it(`docker ${cli.version} search 127.0.0.1:PORT/x: "Unexpected status code 404", as Docker's daemon says`, async () => {
      const md = new Minidock();
      let svc: Service | undefined;
      try {
        // in this process's netns, where the registry listens (a search changes nothing)
        svc = await startService(md, ['--time', '0'], { realNs: true, docker: cli.path });
        const r = await svc.dockerAsync(['search', `${reg.host}/busybox`]);
        expect(r.code).toBe(1);
        expect(r.stderr.trim()).toBe('Error response from daemon: Unexpected status code 404');
        const raw = await http(svc.sock, 'GET', `/images/search?term=${reg.host}/busybox`);
        expect(raw.status).toBe(500);
        expect(raw.json()).toEqual({ message: 'Unexpected status code 404' });
        // bad parameters are 400, before any request
        for (const [q, msg] of [
          ['limit=101', 'limit 101 is outside the range of [1, 100]'],
          ['limit=x', 'invalid limit specified: strconv.Atoi: parsing "x": invalid syntax'],
          [`filters=${encodeURIComponent('{"nope":{"1":true}}')}`, "invalid filter 'nope'"],
          [`filters=${encodeURIComponent('{"stars":{"many":true}}')}`, "invalid filter 'stars=many'"],
          [`filters=${encodeURIComponent('{"is-official":{"maybe":true}}')}`, "invalid filter 'is-official=maybe'"],
        ] as const) {
          const b = await http(svc.sock, 'GET', `/images/search?term=${reg.host}/busybox&${q}`);
          expect(b.status, q).toBe(400);
          expect(b.json(), q).toEqual({ message: msg });
        }
      } finally {
        await svc?.stop();
        md.cleanup();
      }
    }, 60_000);
});
