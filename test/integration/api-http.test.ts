// `minidock system service` over raw HTTP: ping and version negotiation, Docker's error bodies
// and status codes, the logs stream's framing (8-byte headers without a TTY, raw with one,
// following), the socket's owner and mode, the idle exit, and a SIGKILL of the service in the
// middle of a run: containers keep running, the state stays consistent, the next request works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { BIN, Minidock, minidockNetns } from '../helpers/cli.js';
import { settle } from './crash-helpers.js';
import { cleanupChecked, http, startService, useService, type Service } from '../helpers/api-service.js';
import { unframe } from '../../src/api/framing.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runDetached(svc: Service, body: Record<string, unknown>, name?: string): Promise<string> {
  const c = await http(svc.sock, 'POST', `/v1.44/containers/create${name ? `?name=${name}` : ''}`, body);
  if (c.status !== 201) throw new Error(`create: ${c.status} ${c.body}`);
  const id = c.json<{ Id: string }>().Id;
  const s = await http(svc.sock, 'POST', `/v1.44/containers/${id}/start`);
  if (s.status !== 204) throw new Error(`start: ${s.status} ${s.body}`);
  return id;
}

describe('the Engine API over HTTP', () => {
  const ctx = useService();

  it('/_ping GET and HEAD carry the headers clients negotiate from', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await http(ctx.svc.sock, method, '/_ping');
      expect(r.status).toBe(200);
      expect(r.headers['api-version']).toBe('1.44');
      expect(r.headers['ostype']).toBe('linux');
      expect(r.headers['docker-experimental']).toBe('false');
      expect(r.body.toString()).toBe(method === 'GET' ? 'OK' : '');
    }
  });

  it('versioned paths down to 1.24 and unversioned ones; others refused with 400', async () => {
    for (const p of ['/v1.24/version', '/v1.41/version', '/v1.44/version', '/version']) {
      const r = await http(ctx.svc.sock, 'GET', p);
      expect(r.status, p).toBe(200);
      expect(r.json<{ ApiVersion: string; MinAPIVersion: string }>()).toMatchObject({ ApiVersion: '1.44', MinAPIVersion: '1.24' });
    }
    const tooNew = await http(ctx.svc.sock, 'GET', '/v1.50/info');
    expect([tooNew.status, tooNew.json()]).toEqual([400, { message: 'client version 1.50 is too new. Maximum supported API version is 1.44' }]);
    const tooOld = await http(ctx.svc.sock, 'GET', '/v1.12/info');
    expect(tooOld.status).toBe(400);
    expect(tooOld.json<{ message: string }>().message).toContain('too old. Minimum supported API version is 1.24');
    const info = await http(ctx.svc.sock, 'GET', '/info');
    expect(info.json<{ DockerRootDir: string }>().DockerRootDir).toBe(ctx.md.root);
  });

  it("errors: Docker's {message} with 404, 409, 400, 405", async () => {
    const nf = await http(ctx.svc.sock, 'GET', '/v1.44/containers/nope/json');
    expect([nf.status, nf.json()]).toEqual([404, { message: 'No such container: nope' }]);
    expect(nf.headers['content-type']).toBe('application/json');
    const page = await http(ctx.svc.sock, 'GET', '/v1.44/plugins');
    expect(page.status).toBe(404);
    expect(page.json<{ message: string }>().message).toContain('not served');
    expect((await http(ctx.svc.sock, 'PUT', '/v1.44/containers/json')).status).toBe(405);
    const badJson = await http(ctx.svc.sock, 'POST', '/v1.44/containers/create', '{"Image":');
    expect(badJson.status).toBe(400);
    const badPort = await http(ctx.svc.sock, 'POST', '/v1.44/containers/create', { Image: 'busybox', HostConfig: { PortBindings: { '99999/tcp': [{ HostPort: '1' }] } } });
    expect(badPort.status).toBe(400);
    const unsupported = await http(ctx.svc.sock, 'POST', '/v1.44/containers/create', { Image: 'busybox', HostConfig: { BlkioWeight: 500 } });
    expect([unsupported.status, unsupported.json<{ message: string }>().message]).toEqual([400, "HostConfig.BlkioWeight: not supported by minidock's Engine API"]);
    const noImage = await http(ctx.svc.sock, 'POST', '/v1.44/containers/create', { Image: 'nothing-here:1' });
    expect([noImage.status, noImage.json()]).toEqual([404, { message: 'No such image: nothing-here:1' }]);
    // nothing of the refused creates was left
    expect(ctx.md.ok(['ps', '-aq'])).toBe('');
    const id = await runDetached(ctx.svc, { Image: 'busybox', Cmd: ['sleep', '30'] }, 'busy');
    const dup = await http(ctx.svc.sock, 'POST', '/v1.44/containers/create?name=busy', { Image: 'busybox' });
    expect(dup.status).toBe(409);
    expect(dup.json<{ message: string }>().message).toContain('Conflict. The container name "/busy" is already in use');
    const rmRunning = await http(ctx.svc.sock, 'DELETE', `/v1.44/containers/${id}`);
    expect(rmRunning.status).toBe(409);
    expect((await http(ctx.svc.sock, 'POST', `/v1.44/containers/${id}/start`)).status).toBe(304);
    expect((await http(ctx.svc.sock, 'POST', `/v1.44/containers/${id}/kill?signal=NOPE`)).status).toBe(400);
    expect((await http(ctx.svc.sock, 'DELETE', `/v1.44/containers/${id}?force=1`)).status).toBe(204);
    expect((await http(ctx.svc.sock, 'POST', `/v1.44/containers/${id}/stop`)).status).toBe(404);
  });

  it('logs without a TTY: 8-byte frames, stdout and stderr apart; with a TTY: raw', async () => {
    const id = await runDetached(ctx.svc, { Image: 'busybox', Cmd: ['sh', '-c', 'echo one; echo two >&2; echo three'] });
    const w = await http(ctx.svc.sock, 'POST', `/v1.44/containers/${id}/wait`);
    expect(w.json()).toEqual({ StatusCode: 0, Error: null });
    const r = await http(ctx.svc.sock, 'GET', `/v1.44/containers/${id}/logs?stdout=1&stderr=1`);
    expect(r.headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    const { frames, rest } = unframe(r.body);
    expect(rest.length).toBe(0);
    // (the two pipes' order is the kernel's: each stream is checked on its own)
    expect(frames.filter((f) => f.stream === 1).map((f) => f.data.toString())).toEqual(['one\n', 'three\n']);
    expect(frames.filter((f) => f.stream === 2).map((f) => f.data.toString())).toEqual(['two\n']);
    const errOnly = unframe((await http(ctx.svc.sock, 'GET', `/v1.44/containers/${id}/logs?stderr=1`)).body).frames;
    expect(errOnly.map((f) => f.data.toString())).toEqual(['two\n']);
    // tail counts the log's lines, both streams (as Docker's json-file reader)
    const tail = unframe((await http(ctx.svc.sock, 'GET', `/v1.44/containers/${id}/logs?stdout=1&stderr=1&tail=1`)).body).frames;
    expect(tail.map((f) => f.data.toString())).toEqual([frames[2]!.data.toString()]);
    expect((await http(ctx.svc.sock, 'GET', `/v1.44/containers/${id}/logs`)).status).toBe(400);

    const tty = await runDetached(ctx.svc, { Image: 'busybox', Tty: true, Cmd: ['sh', '-c', 'echo on-a-tty'] });
    await http(ctx.svc.sock, 'POST', `/v1.44/containers/${tty}/wait`);
    const raw = await http(ctx.svc.sock, 'GET', `/v1.44/containers/${tty}/logs?stdout=1&stderr=1`);
    expect(raw.headers['content-type']).toBe('application/vnd.docker.raw-stream');
    expect(raw.body.toString()).toBe('on-a-tty\r\n');
  });

  it('logs follow: streams while the container runs, ends when it exits', async () => {
    const id = await runDetached(ctx.svc, { Image: 'busybox', Cmd: ['sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.4; done'] });
    const t0 = Date.now();
    const r = await http(ctx.svc.sock, 'GET', `/v1.44/containers/${id}/logs?stdout=1&follow=1`);
    expect(Date.now() - t0).toBeGreaterThan(600); // it waited for the later lines
    expect(unframe(r.body).frames.map((f) => f.data.toString())).toEqual(['tick 1\n', 'tick 2\n', 'tick 3\n']);
  });

  it('list with filters, inspect, and the same state the CLI sees', async () => {
    const id = await runDetached(ctx.svc, { Image: 'busybox', Cmd: ['sleep', '30'], Labels: { tier: 'api' } }, 'labelled');
    const q = encodeURIComponent(JSON.stringify({ label: { 'tier=api': true } }));
    const l = (await http(ctx.svc.sock, 'GET', `/v1.44/containers/json?filters=${q}`)).json<{ Id: string; Names: string[]; State: string }[]>();
    expect(l.map((c) => [c.Id, c.Names, c.State])).toEqual([[id, ['/labelled'], 'running']]);
    expect(ctx.md.ok(['ps', '-q', '--no-trunc', '--filter', 'label=tier=api'])).toBe(id);
    const i = (await http(ctx.svc.sock, 'GET', `/v1.44/containers/labelled/json`)).json<{ Id: string; State: { Running: boolean } }>();
    expect([i.Id, i.State.Running]).toEqual([id, true]);
    await http(ctx.svc.sock, 'DELETE', `/v1.44/containers/${id}?force=true`);
  });

  it('exec start hijacks the connection: 101 UPGRADED, stdin in, framed output out, the exit code after', async () => {
    const id = await runDetached(ctx.svc, { Image: 'busybox', Cmd: ['sleep', '30'] });
    const ex = await http(ctx.svc.sock, 'POST', `/v1.44/containers/${id}/exec`, { AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: ['sh', '-c', 'cat; echo bye >&2; exit 7'] });
    expect(ex.status).toBe(201);
    const execId = ex.json<{ Id: string }>().Id;
    const body = JSON.stringify({ Detach: false, Tty: false });
    const sock = connect(ctx.svc.sock);
    await new Promise((r) => sock.once('connect', r));
    // the request and the first stdin bytes in one write, as a hurried client may send them
    sock.write(`POST /v1.44/exec/${execId}/start HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}early `);
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    await sleep(300);
    sock.end('late\n'); // and the half-close ends the process's stdin
    await new Promise((r) => sock.once('close', r));
    const all = Buffer.concat(chunks);
    const headEnd = all.indexOf('\r\n\r\n');
    const head = all.subarray(0, headEnd).toString();
    expect(head).toMatch(/^HTTP\/1\.1 101 UPGRADED\r\n/);
    expect(head).toContain('Content-Type: application/vnd.docker.multiplexed-stream');
    const { frames } = unframe(all.subarray(headEnd + 4));
    const text = (n: number) => frames.filter((f) => f.stream === n).map((f) => f.data.toString()).join('');
    expect([text(1), text(2)]).toEqual(['early late\n', 'bye\n']);
    expect(frames.every((f) => f.stream === 1 || f.stream === 2)).toBe(true);
    const info = (await http(ctx.svc.sock, 'GET', `/v1.44/exec/${execId}/json`)).json<{ ExitCode: number; Running: boolean; ContainerID: string }>();
    expect(info).toMatchObject({ ExitCode: 7, Running: false, ContainerID: id });
    expect((await http(ctx.svc.sock, 'POST', `/v1.44/exec/${execId}/start`, { Detach: false })).status).toBe(409);
    expect((await http(ctx.svc.sock, 'GET', '/v1.44/exec/nope/json')).status).toBe(404);
    await http(ctx.svc.sock, 'DELETE', `/v1.44/containers/${id}?force=1`);
    expect((await http(ctx.svc.sock, 'POST', `/v1.44/containers/${id}/exec`, { Cmd: ['true'] })).status).toBe(404);
  });

  it('the socket is owned by root, mode 0660', () => {
    const st = statSync(ctx.svc.sock);
    expect(st.isSocket()).toBe(true);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([0, 0, 0o660]);
  });
});

describe('the service comes and goes; containers stay', () => {
  let md: Minidock;
  const services: Service[] = [];

  beforeAll(() => {
    md = new Minidock();
  });

  afterAll(async () => {
    for (const s of services) await s.stop('SIGKILL');
    if (md) cleanupChecked(md);
  });

  it('SIGKILL in the middle of a run: the running container keeps running, the state is consistent, the next request works', async () => {
    const first = await startService(md);
    services.push(first);
    const keeper = await runDetached(first, { Image: 'busybox', Cmd: ['sleep', '300'] }, 'keeper');
    await first.stop('SIGKILL');

    // a service that stops dead while wiring a container's network
    const pausing = await startService(md, ['--time', '0'], { env: { MINIDOCK_PAUSE_AT: 'start:network-ready' } });
    services.push(pausing);
    const c = await http(pausing.sock, 'POST', '/v1.44/containers/create?name=half', { Image: 'busybox', Cmd: ['sleep', '300'] });
    expect(c.status).toBe(201);
    const half = c.json<{ Id: string }>().Id;
    const started = http(pausing.sock, 'POST', `/v1.44/containers/${half}/start`).catch((e: Error) => e);
    for (let i = 0; i < 100 && !pausing.log().includes('paused at start:network-ready'); i++) await sleep(50);
    expect(pausing.log()).toContain('paused at start:network-ready');
    await pausing.stop('SIGKILL');
    expect(await started).toBeInstanceOf(Error); // the connection went with the service
    // the shim that waited for the service's "go" undoes the start by itself (as after a killed CLI)
    await settle(md);

    // the CLI and a new service see the same, consistent state
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'keeper'])).toBe('running');
    const again = await startService(md);
    services.push(again);
    const list = (await http(again.sock, 'GET', '/v1.44/containers/json?all=1')).json<{ Id: string; State: string }[]>();
    expect(list.find((x) => x.Id === keeper)?.State).toBe('running');
    expect(list.find((x) => x.Id === half)?.State).not.toBe('running');
    // the crash contract of the CLI holds: prune releases whatever the killed start left (and,
    // as Docker's, removes the stopped container)
    md.ok(['system', 'prune', '-f']);
    expect((await http(again.sock, 'GET', '/v1.44/containers/json?all=1')).json<{ Id: string }[]>().map((x) => x.Id)).toEqual([keeper]);
    // the next run works, and everything goes cleanly
    const next = await runDetached(again, { Image: 'busybox', Cmd: ['sleep', '300'] }, 'half');
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', next])).toBe('running');
    expect((await http(again.sock, 'DELETE', `/v1.44/containers/${next}?force=1`)).status).toBe(204);
    expect((await http(again.sock, 'DELETE', `/v1.44/containers/${keeper}?force=1`)).status).toBe(204);
    // (only these three: other test files may run containers in this mount namespace meanwhile)
    const ours = new Set([keeper, half, next].map((id) => `minidock-${id.slice(0, 12)}`));
    expect(minidockNetns().filter((n) => ours.has(n))).toEqual([]);
  }, 60_000);

  it('exits by itself after --time seconds without requests; a container it started keeps running', async () => {
    const svc = await startService(md, ['--time', '1']);
    services.push(svc);
    const id = await runDetached(svc, { Image: 'busybox', Cmd: ['sleep', '300'] });
    const exited = new Promise<number | null>((r) => svc.child.once('exit', (code) => r(code)));
    const t0 = Date.now();
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(md.ok(['inspect', '-f', '{{.State.Running}}', id])).toBe('true');
    md.ok(['rm', '-f', id]);
  }, 30_000);

  it('--group: the socket is root:GROUP 0660; a stale socket of a killed service is replaced, a live one refused', async () => {
    const svc = await startService(md, ['--time', '0', '--group', '4242']);
    services.push(svc);
    const st = statSync(svc.sock);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([0, 4242, 0o660]);
    const busy = md.run(['system', 'service', '--socket', `unix://${svc.sock}`]);
    expect(busy.code).toBe(125);
    expect(busy.stderr).toContain('another service is listening there');
    svc.child.kill('SIGKILL');
    await new Promise((r) => svc.child.once('exit', r));
    const [cmd, ...pre] = md.prefix;
    const again = spawn(cmd, [...pre, process.execPath, '--', BIN, 'system', 'service', '--socket', `unix://${svc.sock}`, '--time', '0'], { env: md.env, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let log = '';
      again.stderr!.on('data', (d) => (log += d));
      for (let i = 0; i < 200 && !log.includes('serving'); i++) await sleep(25);
      expect((await http(svc.sock, 'GET', '/_ping')).body.toString()).toBe('OK');
    } finally {
      again.kill('SIGKILL');
    }
    expect(md.run(['system', 'service', '--group', 'no-such-group-here', '--socket', `unix://${svc.sock}.2`]).stderr).toContain('--group no-such-group-here: no such group');
  });

  it('TCP only when asked, only on loopback', async () => {
    const r = md.run(['system', 'service', '--socket', 'tcp://0.0.0.0:2375']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('TCP is served only on a loopback address');
    expect(md.run(['system', 'service', '--socket', 'tcp://10.1.2.3:2375']).code).toBe(125);
    // on 127.0.0.1 of the test's netns it answers
    const [cmd, ...pre] = md.prefix;
    const child = spawn(cmd, [...pre, process.execPath, '--', BIN, 'system', 'service', '--socket', 'tcp://127.0.0.1:23750', '--time', '0'], { env: md.env, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let log = '';
      child.stderr!.on('data', (d) => (log += d));
      for (let i = 0; i < 200 && !log.includes('serving'); i++) await sleep(25);
      expect(log).toContain('serving the Docker Engine API on tcp://127.0.0.1:23750');
      const ping = md.inHost('wget', ['-qO-', 'http://127.0.0.1:23750/_ping']);
      expect(ping.stdout).toBe('OK');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
