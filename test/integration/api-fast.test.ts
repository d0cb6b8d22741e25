// The service's fast paths (issue 17's benchmark): a wait answers when the container's state
// files change (inotify, api/exits.ts) instead of on a poll, and a container the service started
// is cleaned up (network released, --rm honoured) by the service the moment its exit file
// appears, with the shim's own exit command as the fallback. These check the answers stay right
// whoever ends the container (a kill or rm -f by another client, the CLI), that a killed service
// leaves its --rm containers to their shim, and that the service's V8 flags leave the launcher's
// code cache valid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Minidock, minidockNetns } from '../helpers/cli.js';
import { cleanupChecked, http, startService, useService, type Service } from '../helpers/api-service.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POST create + start of busybox running `cmd` (no network: nothing here needs one). */
async function started(svc: Service, cmd: string[], host: Record<string, unknown> = {}): Promise<string> {
  const c = await http(svc.sock, 'POST', '/v1.44/containers/create', { Image: 'busybox', Cmd: cmd, HostConfig: { NetworkMode: 'none', ...host } });
  if (c.status !== 201) throw new Error(`create: ${c.status} ${c.body}`);
  const id = c.json<{ Id: string }>().Id;
  const s = await http(svc.sock, 'POST', `/v1.44/containers/${id}/start`);
  if (s.status !== 204) throw new Error(`start: ${s.status} ${s.body}`);
  return id;
}

/** A wait request, its answer (StatusCode) and how long after `from` it came. */
async function waited(svc: Service, id: string, condition: string, from: () => number): Promise<{ status: number; code: number; afterMs: number }> {
  const r = await http(svc.sock, 'POST', `/v1.44/containers/${id}/wait?condition=${condition}`);
  const afterMs = Date.now() - from();
  return { status: r.status, code: r.status === 200 ? r.json<{ StatusCode: number }>().StatusCode : -1, afterMs };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(25);
  }
  return true;
}

const exists = (md: Minidock, id: string) => existsSync(join(md.root, 'containers', id));

describe('waits and cleanups on events', () => {
  const ctx = useService();

  it('docker run --rm: output, exit code, and the container gone when the command returns', () => {
    const r = ctx.svc.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'out\n', 'err\n']);
    // wait?condition=removed answered only once it was removed
    expect(ctx.md.ok(['ps', '-aq'])).toBe('');
    const ok = ctx.svc.docker(['run', '--rm', '--network', 'none', 'busybox', 'true']);
    expect(ok.code).toBe(0);
    expect(ctx.md.ok(['ps', '-aq'])).toBe('');
  });

  it('a wait answers when another client (the CLI) kills the container, with its code', async () => {
    const id = await started(ctx.svc, ['sleep', '60']);
    let killedAt = 0;
    const w = waited(ctx.svc, id, 'not-running', () => killedAt);
    await sleep(300); // the wait is in place, the container still runs
    killedAt = Date.now();
    expect(ctx.md.run(['kill', id]).code).toBe(0);
    const r = await w;
    expect([r.status, r.code]).toEqual([200, 137]);
    expect(r.afterMs).toBeLessThan(5000);
    // not --rm: it stays, exited, its netns released by the service's cleanup
    expect(ctx.md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id])).toBe('exited 137');
    expect(await until(() => !minidockNetns().includes(`minidock-${id.slice(0, 12)}`), 5000)).toBe(true);
    ctx.md.ok(['rm', id]);
  });

  it('wait?condition=removed answers when another client removes the container (rm -f)', async () => {
    const id = await started(ctx.svc, ['sleep', '60']);
    let removedAt = 0;
    const w = waited(ctx.svc, id, 'removed', () => removedAt);
    await sleep(300);
    removedAt = Date.now();
    expect(ctx.md.run(['rm', '-f', id]).code).toBe(0);
    const r = await w;
    expect([r.status, r.code]).toEqual([200, 137]);
    expect(r.afterMs).toBeLessThan(5000);
    expect(exists(ctx.md, id)).toBe(false);
  });

  it('next-exit on a created container: answers after it has been started and has ended', async () => {
    const c = await http(ctx.svc.sock, 'POST', '/v1.44/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', 'sleep 0.3; exit 7'], HostConfig: { NetworkMode: 'none' } });
    const id = c.json<{ Id: string }>().Id;
    const w = waited(ctx.svc, id, 'next-exit', () => 0);
    await sleep(300); // waiting for it to run first
    expect((await http(ctx.svc.sock, 'POST', `/v1.44/containers/${id}/start`)).status).toBe(204);
    const r = await w;
    expect([r.status, r.code]).toEqual([200, 7]);
    ctx.md.ok(['rm', id]);
  });

  it('a --rm container the service started is removed by the service when the CLI kills it', async () => {
    const id = await started(ctx.svc, ['sleep', '60'], { AutoRemove: true });
    expect(ctx.md.run(['kill', id]).code).toBe(0);
    expect(await until(() => !exists(ctx.md, id), 5000)).toBe(true);
    expect(ctx.md.ok(['ps', '-aq'])).toBe('');
  });

  it('a wait whose client goes away ends at once, not when the container does', async () => {
    const id = await started(ctx.svc, ['sleep', '60']);
    const req = request({ socketPath: ctx.svc.sock, method: 'POST', path: `/v1.44/containers/${id}/wait` });
    req.on('error', () => undefined);
    req.end();
    await sleep(300);
    req.destroy();
    // the handler is done (its log line is written when it returns) while the container runs on
    const line = `POST /v1.44/containers/${id}/wait 200 `;
    expect(await until(() => ctx.svc.log().includes(line), 3000)).toBe(true);
    expect(ctx.md.ok(['inspect', '-f', '{{.State.Status}}', id])).toBe('running');
    expect(ctx.md.run(['rm', '-f', id]).code).toBe(0);
  });
});

describe('containers never depend on the service', () => {
  let md: Minidock;
  let svc: Service;
  beforeAll(async () => {
    md = new Minidock();
    svc = await startService(md);
  });
  afterAll(async () => {
    await svc?.stop();
    if (md) cleanupChecked(md);
  });

  it('service SIGKILLed: its --rm container, ended later, is still removed (by its shim)', async () => {
    const id = await started(svc, ['sleep', '60'], { AutoRemove: true });
    await svc.stop('SIGKILL');
    expect(md.run(['kill', id]).code).toBe(0);
    expect(await until(() => !exists(md, id), 10_000)).toBe(true);
    expect(minidockNetns()).not.toContain(`minidock-${id.slice(0, 12)}`);
  });
});

describe("the service's V8 flags", () => {
  const cache = fileURLToPath(new URL('../../dist/cache/system.v8', import.meta.url));

  it("leave the launcher's code cache valid (made after a run with requests and its idle collections)", async () => {
    // a run that makes the cache afresh: it serves requests, collects when idle, exits (SIGTERM)
    rmSync(cache, { force: true });
    const md = new Minidock();
    try {
      const svc = await startService(md);
      await started(svc, ['true'], { AutoRemove: true });
      expect((await http(svc.sock, 'GET', '/v1.44/containers/json?all=1')).status).toBe(200);
      await sleep(6500); // both idle collections (service.ts IDLE_GC_MS)
      await svc.stop();
      expect(existsSync(cache)).toBe(true);
      const made = readFileSync(cache);
      // the next start takes it (the launcher writes it again only when V8 refused it)
      await (await startService(md)).stop();
      expect(readFileSync(cache).equals(made)).toBe(true);
    } finally {
      cleanupChecked(md);
    }
  }, 30_000);
});
