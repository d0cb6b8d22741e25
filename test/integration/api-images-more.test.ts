// The Engine API endpoints beyond the everyday ones, driven by the real docker CLI (each version on
// the machine) and Python's Docker SDK: save | load, history, diff (changes), export, update,
// container prune, image prune, push with `docker login`'s X-Registry-Auth, and Docker's status
// codes and message shape for bad input (build answers 501: minidock has no builder). Each
// answer is checked against what minidock's own CLI says of the same state (one engine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';
import { DOCKERS, cleanupChecked, http, startService, useService, type Service } from '../helpers/api-service.js';
import { buildLayout, busyboxEntries, mdAsync, mdIn, push, startProxy, startRegistry, type Proxy, type Registry } from '../helpers/registry.js';

// Debian's python3 with python3-docker (scripts/test.sh installs it): a python3 earlier on PATH
// (pyenv, a venv) may have another SDK or none.
const PYTHON = '/usr/bin/python3';
if (spawnSync(PYTHON, ['-c', 'import docker']).status !== 0) throw new Error(`${PYTHON} has no docker module: scripts/test.sh installs python3-docker`);

/** `sh -c` with the docker CLI's env (for pipes and redirections) */
function dockerSh(svc: Service, script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', script], { env: { ...svc.dockerEnv, D: svc.dockerPath }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

for (const cli of DOCKERS)
  describe(`docker ${cli.version}: images and containers beyond the everyday commands`, () => {
    const ctx = useService({ docker: cli.path });
    const ok = (args: string[]) => ctx.svc.dockerOk(args);
    let tmp = '';
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'mdtest-api-more-'));
    });
    afterAll(() => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('docker save | docker load: the image goes out and comes back under its tag, the same id', () => {
      ok(['run', '--rm', 'busybox', 'true']); // (makes the builtin busybox)
      ok(['tag', 'busybox', 'mybox:1']);
      const id = ok(['image', 'inspect', '-f', '{{.Id}}', 'mybox:1']);
      const file = join(tmp, 'mybox.tar');
      const saved = dockerSh(ctx.svc, `"$D" save mybox:1 > ${file}`);
      expect(saved.code, saved.stderr + ctx.svc.log()).toBe(0);
      expect(statSync(file).size).toBeGreaterThan(100_000);
      // the archive is what `minidock save` writes: a docker save archive with an OCI layout
      const names = spawnSync('tar', ['tf', file], { encoding: 'utf8' }).stdout.split('\n');
      expect(names).toEqual(expect.arrayContaining(['manifest.json', 'index.json', 'oci-layout']));
      ok(['rmi', 'mybox:1']);
      expect(ctx.svc.docker(['image', 'inspect', 'mybox:1']).code).toBe(1);
      const loaded = dockerSh(ctx.svc, `"$D" load < ${file}`);
      expect(loaded.code, loaded.stderr + ctx.svc.log()).toBe(0);
      expect(loaded.stdout).toContain('Loaded image: mybox:1');
      expect(ok(['image', 'inspect', '-f', '{{.Id}}', 'mybox:1'])).toBe(id);
      // and through the pipe the brief names: save | load of a second tag
      ok(['tag', 'busybox', 'mybox:2']);
      const piped = dockerSh(ctx.svc, `"$D" save mybox:2 | "$D" load`);
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout).toContain('Loaded image: mybox:2');
      // a missing image: Docker's 404 words
      const missing = ctx.svc.docker(['save', '-o', join(tmp, 'x.tar'), 'nosuch:1']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/No such image: nosuch:1/);
    });

    it('docker history: the rows minidock history shows', () => {
      const fmt = '{{.ID}}|{{.CreatedBy}}|{{.Size}}';
      const viaApi = ok(['history', '--no-trunc', '--format', fmt, 'busybox']);
      expect(viaApi).toBe(ctx.md.ok(['history', '--no-trunc', '--format', fmt, 'busybox']));
      expect(viaApi.split('\n')[0]).toMatch(/^sha256:[0-9a-f]{64}\|/);
      const missing = ctx.svc.docker(['history', 'nosuch:1']);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toMatch(/No such image: nosuch:1$/);
    });

    it('docker diff and docker export of a container', () => {
      ok(['run', '-d', '--name', 'fs', '--network', 'none', 'busybox', 'sh', '-c', 'echo hi > /new.txt; rm /bin/true; exec sleep 1000']);
      let diff = '';
      for (let i = 0; i < 50 && !diff.includes('/new.txt'); i++) diff = ok(['diff', 'fs']);
      expect(diff.split('\n')).toEqual(expect.arrayContaining(['A /new.txt', 'C /bin', 'D /bin/true']));
      expect(diff).toBe(ctx.md.ok(['diff', 'fs']));
      const file = join(tmp, 'fs.tar');
      ok(['export', '-o', file, 'fs']);
      const names = spawnSync('tar', ['tf', file], { encoding: 'utf8' }).stdout.split('\n');
      expect(names).toEqual(expect.arrayContaining(['new.txt', 'bin/sh']));
      expect(names).not.toContain('bin/true');
      expect(spawnSync('tar', ['xOf', file, 'new.txt'], { encoding: 'utf8' }).stdout).toBe('hi\n');
      const own = join(tmp, 'fs-own.tar');
      ctx.md.ok(['export', '-o', own, 'fs']);
      expect(readFileSync(file).equals(readFileSync(own))).toBe(true);
      const missing = ctx.svc.docker(['diff', 'nosuch']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/No such container: nosuch/);
    });

    it('docker update --memory: the record and the running cgroup; a limit below 6MB is refused', () => {
      const id = ok(['inspect', '-f', '{{.Id}}', 'fs']);
      expect(ok(['update', '--memory', '64m', '--memory-swap', '128m', 'fs'])).toBe('fs');
      expect(ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', 'fs'])).toBe('67108864 134217728');
      expect(ctx.md.ok(['inspect', '-f', '{{.HostConfig.Memory}}', 'fs'])).toBe('67108864');
      const v2 = `/sys/fs/cgroup/minidock/${id}/memory.max`;
      const v1 = `/sys/fs/cgroup/memory/minidock/${id}/memory.limit_in_bytes`;
      let limit: string;
      try {
        limit = readFileSync(v2, 'utf8');
      } catch {
        limit = readFileSync(v1, 'utf8');
      }
      expect(limit.trim()).toBe('67108864');
      // raising it past the memory+swap limit set before needs a new one too (moby's words)
      const over = ctx.svc.docker(['update', '--memory', '256m', 'fs']);
      expect(over.code).toBe(1);
      expect(over.stderr.trim()).toBe('Error response from daemon: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
      const small = ctx.svc.docker(['update', '--memory', '1m', 'fs']);
      expect(small.code).toBe(1);
      expect(small.stderr.trim()).toBe('Error response from daemon: Minimum memory limit allowed is 6MB');
      expect(ok(['inspect', '-f', '{{.HostConfig.Memory}}', 'fs'])).toBe('67108864');
      // minidock's own update, the same engine: a pids limit, seen through the API and in the cgroup
      expect(ctx.md.ok(['update', '--pids-limit', '50', 'fs'])).toBe('fs');
      expect(ok(['inspect', '-f', '{{.HostConfig.PidsLimit}}', 'fs'])).toBe('50');
      const pids = [`/sys/fs/cgroup/minidock/${id}/pids.max`, `/sys/fs/cgroup/pids/minidock/${id}/pids.max`].find((f) => existsSync(f))!;
      expect(readFileSync(pids, 'utf8').trim()).toBe('50');
      expect(ok(['update', '--pids-limit', '-1', 'fs'])).toBe('fs');
      expect(readFileSync(pids, 'utf8').trim()).toBe('max');
      const missing = ctx.svc.docker(['update', '--memory', '64m', 'nosuch']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/No such container: nosuch/);
    });

    it('docker container prune: the stopped containers go, the running one stays', () => {
      const stopped = ok(['create', '--name', 'idle', 'busybox', 'true']);
      const r = ok(['container', 'prune', '-f']);
      expect(r).toContain(`Deleted Containers:\n${stopped}`);
      expect(r).toMatch(/Total reclaimed space: /);
      expect(ok(['ps', '-a', '--format', '{{.Names}}'])).toBe('fs');
      const bad = ctx.svc.docker(['container', 'prune', '-f', '--filter', 'nosuch=1']);
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toBe("Error response from daemon: invalid filter 'nosuch'");
    });

    it('docker image prune: dangling only by default, -a every image no container uses', () => {
      expect(ok(['image', 'prune', '-f'])).toBe('Total reclaimed space: 0B');
      ok(['rm', '-f', 'fs']);
      const r = ok(['image', 'prune', '-a', '-f']);
      expect(r).toContain('Deleted Images:');
      expect(r).toContain('untagged: busybox:latest');
      expect(r).toContain('untagged: mybox:1');
      expect(ok(['images', '-q'])).toBe('');
    });

    it("bad input: Docker's status codes and {message}; build is 501", async () => {
      const sock = ctx.svc.sock;
      const h404 = await http(sock, 'GET', '/v1.44/images/nosuch/history');
      expect([h404.status, h404.json()]).toEqual([404, { message: 'No such image: nosuch:latest' }]);
      const c404 = await http(sock, 'GET', '/containers/nosuch/changes');
      expect([c404.status, c404.json()]).toEqual([404, { message: 'No such container: nosuch' }]);
      const blkio = await http(sock, 'POST', '/containers/nosuch/update', { BlkioWeight: 300 });
      expect([blkio.status, blkio.json()]).toEqual([400, { message: "BlkioWeight: not supported by minidock's Engine API" }]);
      const filt = await http(sock, 'POST', `/images/prune?filters=${encodeURIComponent('{"until":{"yesterday":true}}')}`);
      expect(filt.status).toBe(400);
      expect(filt.json<{ message: string }>().message).toMatch(/^invalid value for 'until' filter: /);
      const build = await http(sock, 'POST', '/v1.41/build?t=x', 'not a tar', { 'Content-Type': 'application/x-tar' });
      expect(build.status).toBe(501);
      expect(build.json<{ message: string }>().message).toMatch(/^image build is not supported by minidock/);
      // the docker CLI's legacy builder prints the daemon's words
      const cliBuild = spawnSync(cli.path, ['build', '-t', 'x', '-'], { env: { ...ctx.svc.dockerEnv, DOCKER_BUILDKIT: '0' }, input: 'FROM busybox\n', encoding: 'utf8', timeout: 30_000 });
      expect(cliBuild.status).toBe(1);
      expect(cliBuild.stderr).toMatch(/Error response from daemon: image build is not supported by minidock/);
      const save = await http(sock, 'GET', '/images/get');
      expect([save.status, save.json()]).toEqual([400, { message: 'no images named (names=…)' }]);
      const auth = await http(sock, 'POST', '/images/x/push', undefined, { 'X-Registry-Auth': '!!!' });
      expect(auth.status).toBe(400);
    });
  });

describe("Python's Docker SDK: save and load, history, diff, prune", () => {
  const ctx = useService();

  it('round-trips an image and reads a container\'s changes', () => {
    ctx.md.ok(['run', '--rm', '--network', 'none', 'busybox', 'true']);
    const script = `
import docker, json, io
c = docker.from_env()
img = c.images.get('busybox')
data = b''.join(img.save(named=True))
img.tag('pybox', '1')
c.images.remove('pybox:1')
loaded = c.images.load(data)
out = {'loaded': [t for i in loaded for t in i.tags], 'history': len(img.history()), 'top': img.history()[0]['Id'] == img.id}
ct = c.containers.run('busybox', ['sh', '-c', 'touch /made; sleep 100'], detach=True, network_mode='none')
import time
for _ in range(50):
    d = ct.diff()
    if any(x['Path'] == '/made' for x in d): break
    time.sleep(0.1)
out['diff'] = [x for x in d if x['Path'] == '/made']
ct.stop(timeout=0)
out['pruned'] = c.containers.prune()['ContainersDeleted'] == [ct.id]
print(json.dumps(out))
`;
    const r = spawnSync(PYTHON, ['-c', script], { env: ctx.svc.dockerEnv, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr + ctx.svc.log()).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.loaded).toContain('busybox:latest');
    expect(out.history).toBeGreaterThan(0);
    expect(out.top).toBe(true);
    expect(out.diff).toEqual([{ Path: '/made', Kind: 1 }]);
    expect(out.pruned).toBe(true);
  }, 60_000);
});

describe('docker push through minidock system service, with docker login (X-Registry-Auth)', () => {
  let reg: Registry;
  let proxy: Proxy;

  beforeAll(async () => {
    reg = await startRegistry();
    const layout = buildLayout('1', { layers: [{ entries: busyboxEntries() }, { entries: [{ path: 'hello.txt', type: 'file', data: 'pushed through the API\n' }] }] });
    push(layout, '1', `${reg.host}/src/hello:1`);
    rmSync(layout.dir, { recursive: true, force: true }); // in the registry now
    // Basic auth in front of the registry: a push works only with the client's credentials
    proxy = await startProxy(reg.port, { auth: 'basic', user: 'tester', password: 's3cret' });
  });

  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  for (const cli of DOCKERS)
    it(`docker ${cli.version}: login checks through /auth, push sends the blobs and manifest, a pull gets them back`, async () => {
      const md = new Minidock();
      let svc: Service | undefined;
      try {
        // in this process's netns, where the registry listens (a pull or push changes nothing in the kernel)
        svc = await startService(md, ['--time', '0'], { realNs: true, docker: cli.path });
        const ok = (args: string[]) => svc!.dockerOk(args);
        const dest = `${proxy.host}/pushed/hello-${cli.major}:1`;
        ok(['pull', `${reg.host}/src/hello:1`]);
        ok(['tag', `${reg.host}/src/hello:1`, dest]);
        // (the proxy answers in this process: the clients that reach it run async)
        const run = (args: string[]) => svc!.dockerAsync(args);
        // without credentials the registry refuses (and minidock has none stored)
        const anon = await run(['push', dest]);
        expect(anon.code).toBe(1);
        expect(anon.stderr + anon.stdout).toMatch(/unauthorized|authentication required/i);
        const bad = await run(['login', '-u', 'tester', '-p', 'wrong', proxy.host]);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/Error response from daemon: .*unauthorized/i);
        const login = await run(['login', '-u', 'tester', '-p', 's3cret', proxy.host]);
        expect(login.code, login.stderr + svc.log()).toBe(0);
        expect(login.stdout).toContain('Login Succeeded');
        // the service stored nothing: the client keeps the credentials and sends X-Registry-Auth
        expect(existsSync(join(md.root, 'auth.json'))).toBe(false);
        const before = proxy.requests.length;
        const r = await run(['push', dest]);
        expect(r.code, r.stderr + svc.log()).toBe(0);
        expect(r.stdout).toContain(`The push refers to repository [${proxy.host}/pushed/hello-${cli.major}]`);
        expect(r.stdout).toMatch(/[0-9a-f]{12}: Pushed/);
        const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(r.stdout)?.[1];
        expect(digest, r.stdout).toBeDefined();
        expect(proxy.requests.slice(before).some((q) => q.auth === 'Basic')).toBe(true);
        // again: every blob is there already
        const again = await run(['push', dest]);
        expect(again.stdout).toMatch(/[0-9a-f]{12}: Layer already exists/);
        // the registry has it: a pull straight from it, by the digest the push printed
        const fresh = new Minidock();
        try {
          const back = mdIn(fresh.root, ['pull', `${reg.host}/pushed/hello-${cli.major}@${digest}`]);
          expect(back.code, back.stderr).toBe(0);
        } finally {
          fresh.cleanup();
        }
        // minidock's own push (the engine the endpoint calls), with credentials from the environment
        const own = await mdAsync(md.root, ['push', dest], { env: { MINIDOCK_REGISTRY_USER: 'tester', MINIDOCK_REGISTRY_PASSWORD: 's3cret' } });
        expect(own.code, own.stderr).toBe(0);
        const lines = own.stdout.trimEnd().split('\n');
        expect(lines[0]).toBe(`The push refers to repository [${proxy.host}/pushed/hello-${cli.major}]`);
        expect(lines.slice(1, -1).every((l) => /^[0-9a-f]{12}: (Preparing|Layer already exists)$/.test(l)), own.stdout).toBe(true);
        expect(lines.at(-1)).toMatch(new RegExp(`^1: digest: ${digest} size: \\d+$`));
        // a tag that is not here: Docker's words
        const missing = svc.docker(['push', `${proxy.host}/pushed/nothing:1`]);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain(`An image does not exist locally with the tag: ${proxy.host}/pushed/nothing`);
      } finally {
        await svc?.stop();
        cleanupChecked(md);
      }
    }, 120_000);
});
