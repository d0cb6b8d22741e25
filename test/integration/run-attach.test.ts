// -a stdin|stdout|stderr and --sig-proxy (issue 13): an attached run shows only the streams
// asked for (the log keeps both); signals to the CLI reach the container once (also when the
// whole process group gets one, as from a terminal); --sig-proxy=false: a signal detaches the
// CLI (it dies of it, as Docker's) and the container goes on, watched and cleaned up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, Minidock } from '../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('-a and --sig-proxy', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.run(['rm', '-f', 'at-a', 'sp-on', 'sp-group', 'sp-off']);
    md.cleanup();
  });

  /** An attached run as its own process group; resolves with its exit once `ready` came. */
  function attached(args: string[]) {
    const [cmd, ...pre] = md.prefix;
    const c = spawn(cmd, [...pre, process.execPath, '--', BIN, ...args], { env: md.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => c.on('exit', (code, signal) => res({ code, signal })));
    const ready = (async () => {
      for (let i = 0; i < 200 && !out.includes('ready'); i++) await sleep(50);
    })();
    return { c, done, ready, out: () => out };
  }

  it('-a shows only the streams asked for; the log has both; inspect says so; refusals', () => {
    const script = 'echo out; echo err >&2';
    const o = md.run(['run', '--name', 'at-a', '--network', 'none', '-a', 'stdout', 'busybox', 'sh', '-c', script]);
    expect([o.stdout, o.stderr]).toEqual(['out\n', '']);
    const e = md.run(['run', '--rm', '--network', 'none', '-a', 'STDERR', 'busybox', 'sh', '-c', script]);
    expect([e.stdout, e.stderr]).toEqual(['', 'err\n']);
    const logs = md.run(['logs', 'at-a']);
    expect([logs.stdout, logs.stderr]).toEqual(['out\n', 'err\n']);
    expect(md.ok(['inspect', '-f', '{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}', 'at-a']).trim()).toBe('false true false');
    const d = md.run(['run', '-d', '-a', 'stdout', 'busybox', 'true']);
    expect([d.code, d.stderr.trim()]).toEqual([125, 'minidock: Conflicting options: -a and -d']);
    const bad = md.run(['run', '-a', 'stdnothing', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('valid streams are STDIN, STDOUT and STDERR');
  });

  const trap = 'n=0; trap \'n=$((n+1)); echo got $n\' USR1; trap \'echo term $n; exit 3\' TERM; echo ready; while :; do sleep 0.1; done';

  it('sig-proxy (default): a signal to the CLI alone reaches the container', async () => {
    const r = attached(['run', '--name', 'sp-on', '--network', 'none', 'busybox', 'sh', '-c', trap]);
    await r.ready;
    r.c.kill('SIGUSR1');
    await sleep(800);
    r.c.kill('SIGTERM');
    const end = await r.done;
    expect(end.code).toBe(3);
    expect(r.out()).toContain('got 1\n');
    expect(r.out()).toContain('term 1\n');
  });

  it('a signal to the whole process group (a terminal\'s ^C) reaches it (the CLI\'s copy is dropped by the shim; two close USR1 coalesce in the kernel anyway)', async () => {
    const r = attached(['run', '--name', 'sp-group', '--network', 'none', 'busybox', 'sh', '-c', trap]);
    await r.ready;
    process.kill(-r.c.pid!, 'SIGUSR1');
    await sleep(1000);
    process.kill(-r.c.pid!, 'SIGTERM');
    const end = await r.done;
    expect(end.code).toBe(3);
    expect(r.out()).toContain('term 1\n');
    expect(r.out()).not.toContain('got 2');
  });

  it('--sig-proxy=false: the CLI dies of the signal, the container is untouched and still watched', async () => {
    const r = attached(['run', '--name', 'sp-off', '--network', 'none', '--sig-proxy=false', 'busybox', 'sh', '-c', trap]);
    await r.ready;
    process.kill(-r.c.pid!, 'SIGINT');
    const end = await r.done;
    expect(end.signal).toBe('SIGINT');
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'sp-off']).trim()).toBe('running');
    md.ok(['kill', '-s', 'USR1', 'sp-off']);
    await sleep(500);
    expect(md.ok(['logs', 'sp-off'])).toContain('got 1');
    expect(r.out()).not.toContain('got 1'); // detached: nothing more shown
    md.ok(['stop', 'sp-off']);
    expect(md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'sp-off']).trim()).toBe('exited 3');
  });
});
