// The real `docker` CLI driving `minidock system service` through DOCKER_HOST: the everyday
// commands as a new user would type them, against the test's own state root, socket and "host"
// netns, once for each docker CLI version on the machine (28.x in /usr/local/bin, Debian's 20.10:
// they speak different API versions and word some errors differently, each as it does with
// Docker's daemon). Docker's daemon is not involved (nor started).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';
import { DOCKER, DOCKERS, cleanupChecked, createdIds, haveDocker, startService, useService, type DockerCli, type Service } from '../helpers/api-service.js';
import { buildLayout, busyboxEntries, push, startRegistry, type Registry } from '../helpers/registry.js';

// scripts/test.sh makes sure there is a docker CLI (never a daemon): without one these tests fail, not skip.
it('a docker CLI is there to drive the service with (scripts/test.sh provides one)', () => {
  expect(haveDocker, `no docker CLI at ${DOCKER}`).toBe(true);
  expect(DOCKERS.length).toBeGreaterThan(0);
});

/** What a CLI version does differently, each as it does against Docker's own daemon. */
function cliTraits(cli: DockerCli) {
  return {
    /** the newest API it speaks (negotiated down to the server's 1.44 when newer) */
    api: cli.major >= 25 ? '1.44' : ({ 23: '1.42', 24: '1.43' } as Record<number, string>)[cli.major] ?? '1.41',
    /**
     * Before 23.0 the client library words a 404 of some calls itself (client/errors.go,
     * wrapResponseError → objectNotFoundError "Error: No such <object>: <id>": ContainerInspect,
     * ContainerRemove, ContainerStatPath, NetworkInspect, VolumeInspect…) instead of printing the
     * daemon's message; `exec` inspects the container first, so its 404 is worded so too.
     */
    wraps404: cli.major < 23,
    /** exec/run send the window size in the create body (API 1.42's ConsoleSize); before, a resize follows the start */
    consoleSize: cli.major >= 23,
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const cli of DOCKERS) describe(`the docker CLI ${cli.version} through minidock system service`, () => {
  const ctx = useService({ docker: cli.path });
  const t = cliTraits(cli);
  const notFound = (object: string, id: string, daemonSays: string) => (t.wraps404 ? `Error: No such ${object}: ${id}` : `Error response from daemon: ${daemonSays}`);

  const ok = (args: string[]) => ctx.svc.dockerOk(args);

  it('version and info: the server is minidock, the API version negotiated with the client', async () => {
    const v = ok(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Client.APIVersion}}']);
    expect(v).toBe(`0.1.0 1.44 1.24 ${t.api}`);
    const info = ok(['info', '--format', '{{.ServerVersion}} {{.OSType}} {{.Driver}} {{.DockerRootDir}} {{.Containers}}']);
    expect(info).toBe(`0.1.0 linux overlay2 ${ctx.md.root} 0`);
    // and the service logged one line per call (written once the answer went out)
    await until(() => ctx.svc.log().includes(`GET /v${t.api}/info 200 `));
  });

  it('run -d -p: the published port answers over HTTP inside the netns; ps, logs, inspect', async () => {
    const id = ok(['run', '-d', '--name', 'web', '-p', '8080:80', '-e', 'GREETING=hi', 'busybox', 'sh', '-c', 'echo "out $GREETING"; echo err >&2; exec httpd -f -p 80 -h /etc']);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    // the page: /etc/hostname of the container, served by its httpd through the DNAT
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      const r = ctx.md.inHost('wget', ['-qO-', 'http://127.0.0.1:8080/hostname']);
      body = r.code === 0 ? r.stdout.trim() : '';
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe(id.slice(0, 12));
    const ps = ok(['ps', '--format', '{{.Names}}|{{.Image}}|{{.Ports}}|{{.Status}}']);
    expect(ps).toMatch(/^web\|busybox\|0\.0\.0\.0:8080->80\/tcp\|Up /);
    // both streams, kept apart (Docker's 8-byte framing decoded by the CLI)
    const logs = ctx.svc.docker(['logs', 'web']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('out hi\n');
    expect(logs.stderr).toBe('err\n');
    const ip = ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'web']);
    expect(ip).toMatch(/^172\.17\.0\.\d+$/);
    // the same record the CLI sees
    expect(ctx.md.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web'])).toBe(ip);
    expect(ok(['ps', '-q', '--filter', 'name=web', '--no-trunc'])).toBe(id);
    expect(ok(['ps', '-q', '--filter', 'name=nothing'])).toBe('');
  });

  it('exec: streams apart and the exit code; -i stdin; -t and -it through a pty of the client\'s size; -d', () => {
    const r = ctx.svc.docker(['exec', 'web', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'out\n', 'err\n']);
    expect(ctx.svc.docker(['exec', '-i', 'web', 'cat'], { input: 'through stdin\n' }).stdout).toBe('through stdin\n');
    expect(ctx.svc.docker(['exec', '-t', 'web', 'tty']).stdout).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    // -it from a terminal: `script` gives the client one, 33 rows by 101 columns. A CLI with
    // ConsoleSize has the size there from the start; an older one resizes right after the start
    // (/exec/{id}/resize), so the process may first see none, as with Docker's daemon.
    const env = Object.entries(ctx.svc.dockerEnv).filter(([k]) => k.startsWith('DOCKER_')).map(([k, v]) => `${k}=${v}`).join(' ');
    // (no $ in it: the outer sh would expand it)
    // (busybox's stty size exits 0 even when it finds no size: its output says)
    const size = t.consoleSize ? 'stty size' : `for i in ${'x '.repeat(25)}; do stty size 2>/dev/null | grep . && break; sleep 0.1; done`;
    // (script's stdin stays open meanwhile: at its end script would type EOF into the terminal)
    const it = spawnSync('sh', ['-c', `sleep 3 | script -qec "stty rows 33 cols 101; env ${env} ${cli.path} exec -it web sh -c 'tty; ${size}'" /dev/null`], { encoding: 'utf8', timeout: 20_000 });
    expect(it.stdout).toMatch(/\/dev\/pts\/\d+\r\n33 101\r\n/);
    ok(['exec', '-d', 'web', 'touch', '/tmp/detached']);
    let seen = 1;
    for (let i = 0; i < 50 && seen !== 0; i++) seen = ctx.svc.docker(['exec', 'web', 'test', '-e', '/tmp/detached']).code;
    expect(seen).toBe(0);
    const missing = ctx.svc.docker(['exec', 'web', 'no-such-command']);
    expect(missing.code).toBe(126);
    expect(missing.stderr).toContain('executable file not found');
    const stopped = ctx.svc.docker(['exec', 'nosuch', 'true']);
    expect(stopped.stderr.trim()).toBe(notFound('container', 'nosuch', 'No such container: nosuch'));
  });

  it('network create / connect / inspect / disconnect / rm', () => {
    const nid = ok(['network', 'create', '--subnet', '10.77.0.0/24', 'backend']);
    expect(nid).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(['network', 'ls', '--format', '{{.Name}}'])).toContain('backend');
    ok(['network', 'connect', '--alias', 'www', 'backend', 'web']);
    const nets = ok(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}', 'web']);
    expect(nets).toMatch(/backend=10\.77\.0\.\d+ bridge=172\.17\.0\.\d+/);
    const members = ok(['network', 'inspect', '-f', '{{range .Containers}}{{.Name}}{{end}}', 'backend']);
    expect(members).toBe('web');
    // a second container on the network reaches the first one by its alias (the network's DNS)
    const probe = ok(['run', '-d', '--network', 'backend', 'busybox', 'sh', '-c', 'wget -qO- http://www/hostname']);
    expect(ok(['wait', probe])).toBe('0');
    expect(ok(['logs', probe])).toBe(ok(['inspect', '-f', '{{.Config.Hostname}}', 'web']));
    ok(['rm', probe]);
    ok(['network', 'disconnect', 'backend', 'web']);
    ok(['network', 'rm', 'backend']);
    const gone = ctx.svc.docker(['network', 'inspect', 'backend']);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(notFound('network', 'backend', 'network backend not found'));
  });

  it('stop, rm; errors as Docker prints them', () => {
    expect(ok(['stop', '-t', '1', 'web'])).toBe('web');
    expect(ok(['ps', '-a', '--format', '{{.Names}} {{.State}}'])).toContain('web exited');
    const conflict = ctx.svc.docker(['run', '-d', '--name', 'web', 'busybox', 'true']);
    expect(conflict.code).toBe(125);
    expect(conflict.stderr).toContain('Conflict. The container name "/web" is already in use by container');
    expect(ok(['rm', 'web'])).toBe('web');
    const missing = ctx.svc.docker(['rm', 'web']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(notFound('container', 'web', 'No such container: web'));
    expect(ctx.svc.docker(['stop', 'web']).stderr.trim()).toBe('Error response from daemon: No such container: web');
    const noImage = ctx.svc.docker(['create', '--pull', 'never', 'no-such-image:1']);
    expect(noImage.stderr).toContain('No such image: no-such-image:1');
  });

  it('events: a live stream of what other clients do', async () => {
    // the stream is read as it comes, and ended (as a user's ^C) once the last event came;
    // --since: what happens while the CLI connects is not missed
    const since = String(Math.floor(Date.now() / 1000));
    const ev = spawn(cli.path, ['events', '--since', since, '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}', '--filter', 'type=container'], { env: ctx.svc.dockerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ev.stdout.on('data', (d) => (out += d));
    try {
      await new Promise((r) => setTimeout(r, 300));
      ok(['run', '-d', '--name', 'evt', 'busybox', 'true']);
      ok(['wait', 'evt']);
      // `die` is journaled by the container's cleanup, which runs just after the exit
      await until(() => readFileSync(join(ctx.md.root, 'events.log'), 'utf8').split('\n').some((l) => l.includes('"Action":"die"') && l.includes('"name":"evt"')));
      ok(['rm', 'evt']);
      await until(() => out.includes('container destroy evt\n'));
      expect(out.trim().split('\n')).toEqual(expect.arrayContaining(['container create evt', 'container start evt', 'container die evt', 'container destroy evt']));
    } finally {
      ev.kill();
    }
  });

  it('cp both ways, Docker\'s path rules, symlinks with and without -L', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdtest-api-cp-'));
    let id = '';
    try {
      id = ok(['run', '-d', 'busybox', 'sh', '-c', 'echo inside > /f; mkdir -p /d/sub; echo deep > /d/sub/x; ln -s /f /lnk; sleep 60']);
      for (let i = 0; i < 50 && ctx.svc.docker(['exec', id, 'test', '-L', '/lnk']).code !== 0; i++);
      ok(['cp', `${id}:/f`, join(dir, 'f')]);
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('inside\n');
      ok(['cp', `${id}:/d`, join(dir, 'd')]);
      expect(readFileSync(join(dir, 'd', 'sub', 'x'), 'utf8')).toBe('deep\n');
      ok(['cp', `${id}:/lnk`, join(dir, 'lnk')]);
      expect(readlinkSync(join(dir, 'lnk'))).toBe('/f');
      ok(['cp', '-L', `${id}:/lnk`, join(dir, 'followed')]);
      expect(readFileSync(join(dir, 'followed'), 'utf8')).toBe('inside\n');
      writeFileSync(join(dir, 'up.txt'), 'from the host\n');
      ok(['cp', join(dir, 'up.txt'), `${id}:/tmp/`]);
      ok(['cp', join(dir, 'up.txt'), `${id}:/tmp/renamed.txt`]);
      expect(ok(['exec', id, 'cat', '/tmp/up.txt', '/tmp/renamed.txt'])).toBe('from the host\nfrom the host');
      ok(['cp', join(dir, 'd'), `${id}:/tmp/dd`]);
      expect(ok(['exec', id, 'cat', '/tmp/dd/sub/x'])).toBe('deep');
      const missing = ctx.svc.docker(['cp', `${id}:/nope`, dir]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toBe(t.wraps404 ? `Error: No such container:path: ${id}:/nope` : `Error response from daemon: Could not find the file /nope in container ${id}`);
    } finally {
      ctx.svc.docker(['rm', '-f', id]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rename, pause/unpause, top; tag and rmi; network prune', () => {
    const id = ok(['run', '-d', '--name', 'before', 'busybox', 'sleep', '60']);
    try {
        ok(['rename', 'before', 'after']);
      expect(ok(['inspect', '-f', '{{.Name}}', id])).toBe('/after');
      expect(ok(['pause', 'after'])).toBe('after');
      expect(ok(['ps', '--format', '{{.Names}} {{.Status}}', '--filter', 'name=after'])).toMatch(/^after Up .* \(Paused\)$/);
      expect(ctx.svc.docker(['exec', 'after', 'true']).stderr).toContain('is paused, unpause the container before exec');
      expect(ok(['unpause', 'after'])).toBe('after');
      const top = ok(['top', 'after']).split('\n');
      expect(top[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
      expect(top.some((l) => l.endsWith('sleep 60'))).toBe(true);
      expect(ok(['top', 'after', '-o', 'pid,comm']).split('\n')[0]).toMatch(/^PID\s+COMMAND$/);
      ok(['tag', 'busybox', 'mine/box:v1']);
      expect(ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toContain('mine/box:v1');
      expect(ok(['rmi', 'mine/box:v1'])).toBe('Untagged: mine/box:v1');
      const used = ctx.svc.docker(['rmi', 'busybox']);
      expect(used.code).toBe(1);
      expect(used.stderr).toContain('conflict: unable to remove repository reference "busybox"');
    } finally {
      ctx.svc.docker(['rm', '-f', id]);
    }
    ok(['network', 'create', 'unused1']);
    expect(ok(['network', 'prune', '-f'])).toContain('unused1');
    expect(ok(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('unused1');
  });

  it('volumes and system df', () => {
    expect(ok(['volume', 'create', '--label', 'k=v', 'vol1'])).toBe('vol1');
    expect(ok(['volume', 'ls', '--format', '{{.Name}} {{.Driver}}'])).toBe('vol1 local');
    expect(ok(['volume', 'ls', '-q', '--filter', 'label=k=v'])).toBe('vol1');
    const user = ok(['run', '-d', '-v', 'vol1:/data', 'busybox', 'sh', '-c', 'echo hello > /data/f; sleep 60']);
    try {
      const inUse = ctx.svc.docker(['volume', 'rm', 'vol1']);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toContain('Error response from daemon: remove vol1: volume is in use');
      expect(ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'vol1'])).toBe(`${ctx.md.root}/volumes/vol1/_data`);
      expect(ctx.svc.docker(['volume', 'inspect', 'nope']).stderr.trim()).toBe(notFound('volume', 'nope', 'get nope: no such volume'));
      let df = '';
      for (let i = 0; i < 50 && !/Local Volumes\s+1\s+1\s+6B/.test(df); i++) df = ok(['system', 'df']);
      expect(df).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/m);
      expect(df).toMatch(/Local Volumes\s+1\s+1\s+6B/);
      expect(ok(['system', 'df', '-v'])).toMatch(/vol1\s+1\s+6B/);
    } finally {
      ctx.svc.docker(['rm', '-f', user]);
    }
    expect(ok(['volume', 'rm', 'vol1'])).toBe('vol1');
  });

  it('10 concurrent docker run -d: distinct names and addresses, one create each', async () => {
    // (the journal, written by each create; the service's log is read only while the test awaits)
    const creates = () => createdIds(ctx.md.root).length;
    const before = creates();
    const runs = await Promise.all(Array.from({ length: 10 }, () => ctx.svc.dockerAsync(['run', '-d', 'busybox', 'sleep', '60'])));
    const ids = runs.map((r) => r.stdout.trim()).filter((id) => /^[0-9a-f]{64}$/.test(id));
    try {
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(new Set(ids).size).toBe(10);
      // each CLI created its container once (no retry made a second one)
      expect(creates() - before).toBe(10);
      const rows = ok(['ps', '--no-trunc', '--format', '{{.ID}} {{.Names}}']).split('\n').filter((l) => ids.includes(l.split(' ')[0]!));
      expect(new Set(rows.map((l) => l.split(' ')[1])).size).toBe(10);
      const ips = ids.map((id) => ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id]));
      expect(new Set(ips).size).toBe(10);
      for (const ip of ips) expect(ip).toMatch(/^172\.17\.0\.\d+$/);
    } finally {
      if (ids.length) expect(ok(['rm', '-f', ...ids]).split('\n')).toHaveLength(ids.length);
    }
  }, 120_000);
});

describe('docker pull through minidock system service, from a local registry', () => {
  let reg: Registry;

  beforeAll(async () => {
    reg = await startRegistry();
    const layout = buildLayout('1', { layers: [{ entries: busyboxEntries() }, { entries: [{ path: 'hello.txt', type: 'file', data: 'hello from the registry\n' }] }] });
    push(layout, '1', `${reg.host}/api/hello:1`);
    rmSync(layout.dir, { recursive: true, force: true }); // in the registry now
  });

  afterAll(async () => {
    await reg?.stop();
  });

  for (const cli of DOCKERS)
    it(`docker ${cli.version}: pull shows Docker's progress, then images, image inspect and a run of the pulled image`, async () => {
      const md = new Minidock();
      let svc: Service | undefined;
      try {
        // the registry listens on this netns's loopback: the service pulls from here (a pull
        // changes nothing in the kernel); the container runs with --network none
        svc = await startService(md, ['--time', '0'], { realNs: true, docker: cli.path });
        const ref = `${reg.host}/api/hello:1`;
        const r = svc.docker(['pull', ref]);
        expect(r.code, r.stderr + svc.log()).toBe(0);
        expect(r.stdout).toContain('1: Pulling from api/hello');
        expect(r.stdout).toMatch(/[0-9a-f]{12}: Pull complete/);
        expect(r.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
        expect(r.stdout.trim().split('\n').pop()).toBe(ref);
        const again = svc.docker(['pull', ref]);
        expect(again.stdout).toContain(`Status: Image is up to date for ${ref}`);
        const images = svc.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout;
        expect(images).toContain(`${reg.host}/api/hello:1`);
        const layers = svc.docker(['image', 'inspect', '-f', '{{len .RootFS.Layers}}', ref]).stdout.trim();
        expect(layers).toBe('2');
        const id = svc.docker(['run', '-d', '--network', 'none', ref, 'cat', '/hello.txt']).stdout.trim();
        svc.docker(['wait', id]);
        expect(svc.docker(['logs', id]).stdout).toBe('hello from the registry\n');
        // a missing image: Docker's words
        const missing = svc.docker(['pull', `${reg.host}/api/nothing:1`]);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toMatch(/Error response from daemon: .*(not found|unknown)/i);
      } finally {
        await svc?.stop();
        cleanupChecked(md);
      }
    }, 120_000);
});
