// Attach through `minidock system service`, driven by each docker CLI on the machine: the
// foreground `docker run` (which attaches before it starts), with -i and -it, `docker start -a`,
// `docker attach`, and POST /containers/{id}/resize. The engine's attach is the shim's attach
// socket (engine/container/attach.ts); the service hijacks the connection (src/api/attach.ts).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { DOCKERS, http, useService } from '../helpers/api-service.js';

for (const cli of DOCKERS) describe(`attach through the service, docker CLI ${cli.version}`, () => {
  const ctx = useService({ docker: cli.path });
  const ok = (args: string[]) => ctx.svc.dockerOk(args);
  /** the docker CLI in a terminal of 33 rows by 101 columns (`script`); `input` typed after `wait` s */
  const inTerminal = (args: string, o: { input?: string; wait?: number } = {}) => {
    const env = Object.entries(ctx.svc.dockerEnv).filter(([k]) => k.startsWith('DOCKER_')).map(([k, v]) => `${k}=${v}`).join(' ');
    // (script's stdin stays open meanwhile: at its end script would type EOF into the terminal)
    const feed = o.input ? `{ sleep ${o.wait ?? 1}; printf '${o.input}'; sleep 3; }` : 'sleep 3';
    return spawnSync('sh', ['-c', `${feed} | script -qec "stty rows 33 cols 101; env ${env} ${cli.path} ${args}" /dev/null`], { encoding: 'utf8', timeout: 20_000 });
  };
  // API 1.42+ clients send ConsoleSize; the 20.10 CLI resizes right after the start
  const size = cli.major >= 23 ? 'stty size' : `for i in ${'x '.repeat(25)}; do stty size 2>/dev/null | grep . && break; sleep 0.1; done`;

  it('docker run in the foreground: both streams apart, from the first byte, and the exit code', () => {
    const r = ctx.svc.docker(['run', '--name', 'fg', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'out\n', 'err\n']);
  });

  it('docker start -a: the output of the new run, and its code', () => {
    const r = ctx.svc.docker(['start', '-a', 'fg']);
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'out\n', 'err\n']);
    ok(['rm', 'fg']);
  });

  it('docker run --rm -i: stdin piped in, its end closes the container\'s stdin; removed afterwards', () => {
    const r = ctx.svc.docker(['run', '--rm', '-i', '--name', 'cat', 'busybox', 'sh', '-c', 'cat; echo done'], { input: 'piped\n' });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'piped\ndone\n', '']);
    expect(ok(['ps', '-aq', '--filter', 'name=cat'])).toBe('');
  });

  it('docker run --rm -it: a pty of the terminal\'s size, input typed through it', () => {
    const r = inTerminal(`run --rm -it busybox sh -c 'tty; ${size}; read line; echo got:\\$line'`, { input: 'typed\\r' });
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r\n33 101\r\n(typed\r\n)?got:typed\r\n/);
  });

  it('docker attach to a running container: what it writes from then on, and its exit code', () => {
    ok(['run', '-d', '--name', 'talker', 'busybox', 'sh', '-c', 'sleep 0.5; for i in 1 2 3; do echo tick $i; sleep 0.2; done; exit 7']);
    const r = ctx.svc.docker(['attach', 'talker']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('tick 1\ntick 2\ntick 3\n');
    ok(['rm', 'talker']);
  });

  it('docker attach -it, then the detach keys: the container goes on', () => {
    ok(['run', '-dit', '--name', 'shell', 'busybox', 'sh']);
    try {
      // ctrl-p ctrl-q
      const r = inTerminal('attach shell', { input: '\\020\\021' });
      expect(r.stdout).toContain('read escape sequence');
      expect(ok(['inspect', '-f', '{{.State.Running}}', 'shell'])).toBe('true');
    } finally {
      ctx.svc.docker(['rm', '-f', 'shell']);
    }
  });

  it('POST /containers/{id}/resize: the pty of a running container; Docker\'s errors', async () => {
    ok(['run', '-dt', '--name', 'sized', 'busybox', 'sleep', '60']);
    try {
      const r = await http(ctx.svc.sock, 'POST', '/v1.41/containers/sized/resize?h=40&w=120');
      expect(r.status).toBe(200);
      expect(ok(['exec', 'sized', 'sh', '-c', 'stty size < /proc/1/fd/0'])).toBe('40 120');
      expect((await http(ctx.svc.sock, 'POST', '/containers/sized/resize?h=x&w=1')).status).toBe(400);
      ok(['stop', '-t', '0', 'sized']);
      const stopped = await http(ctx.svc.sock, 'POST', '/containers/sized/resize?h=10&w=10');
      expect(stopped.status).toBe(409);
      expect(stopped.json<{ message: string }>().message).toMatch(/^Container [0-9a-f]{64} is not running$/);
      expect((await http(ctx.svc.sock, 'POST', '/containers/nosuch/resize?h=10&w=10')).status).toBe(404);
    } finally {
      ctx.svc.docker(['rm', '-f', 'sized']);
    }
  });
});
