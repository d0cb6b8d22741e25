// `attach` and `start -a [-i]` (issue 13) against real containers: output from the moment of
// attaching (stdout and stderr apart), stdin of -i containers (StdinOnce closes it, otherwise an
// attach whose stdin ends stops showing output), signals proxied without a tty, a tty through
// its pty (raw mode, the terminal's size, Docker's detach keys), the container's exit code, and
// Docker's refusals. A terminal is a pty made by test/helpers/pty-driver.py (python3's pty).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, Minidock, sleep } from '../helpers/cli.js';
import { atTerminal as atPty, type Step } from '../helpers/pty.js';

describe('attach, start -a -i', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.cleanup();
  });

  /** minidock at a terminal of rows x cols, following steps (test/helpers/pty.ts). */
  const atTerminal = (args: string, steps: Step[], rows = 24, cols = 80) => atPty(md, args.split(' '), steps, rows, cols);

  /** An attach in the background (its own process group), with a pipe for stdin. */
  function attaching(args: string[]) {
    const [cmd, ...pre] = md.prefix;
    const c = spawn(cmd, [...pre, process.execPath, '--', BIN, ...args], { env: md.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => c.on('exit', (code, signal) => res({ code, signal })));
    const until = async (text: string, which: () => string = () => out) => {
      for (let i = 0; i < 300 && !which().includes(text); i++) await sleep(50);
      return which().includes(text);
    };
    return { c, done, until, out: () => out, err: () => err };
  }

  const status = (name: string) => md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]);

  it('shows the output from the moment it attaches, stdout and stderr apart, proxies signals, and exits with the container', async () => {
    const loop = 'trap \'echo got-usr1\' USR1; trap \'echo bye >&2; exit 7\' TERM; echo before; i=0; while :; do i=$((i+1)); echo out$i; echo err$i >&2; sleep 0.2; done';
    md.ok(['run', '-d', '--name', 'at-out', '--network', 'none', 'busybox', 'sh', '-c', loop]);
    await sleep(500);
    const a = attaching(['attach', 'at-out']);
    expect(await a.until('out')).toBe(true);
    expect(await a.until('err', a.err)).toBe(true);
    expect(a.out()).not.toContain('before'); // what came before the attach is in `logs`, not here
    expect(a.out()).not.toContain('err');
    expect(a.err()).not.toContain('out');
    a.c.kill('SIGUSR1'); // --sig-proxy (default): the CLI's signal reaches the container
    expect(await a.until('got-usr1')).toBe(true);
    a.c.kill('SIGTERM');
    const end = await a.done;
    expect(end.code).toBe(7);
    expect(a.err()).toContain('bye');
    expect(status('at-out')).toBe('exited 7');
  });

  it('several attach at once; --sig-proxy=false: a signal ends the CLI, not the container', async () => {
    md.ok(['run', '-d', '--name', 'at-many', '--network', 'none', 'busybox', 'sh', '-c', 'trap "echo usr1" USR1; while :; do echo tick; sleep 0.2; done']);
    const a = attaching(['attach', '--sig-proxy=false', 'at-many']);
    const b = attaching(['attach', 'at-many']);
    expect(await a.until('tick')).toBe(true);
    expect(await b.until('tick')).toBe(true);
    a.c.kill('SIGINT');
    expect((await a.done).signal).toBe('SIGINT');
    expect(status('at-many')).toBe('running 0');
    const seen = b.out().length;
    await sleep(600);
    expect(b.out().length).toBeGreaterThan(seen); // the other attach goes on
    md.ok(['kill', 'at-many']);
    expect((await b.done).code).toBe(137);
  });

  it('stdin of a -i container: what is typed reaches it; its end stops this attach\'s output (no StdinOnce), the container goes on', async () => {
    md.ok(['run', '-di', '--name', 'at-in', '--network', 'none', 'busybox', 'sh', '-c', 'while read l; do echo "got:$l"; done; echo stdin-ended']);
    const a = attaching(['attach', 'at-in']);
    await sleep(800);
    a.c.stdin.write('one\n');
    expect(await a.until('got:one')).toBe(true);
    a.c.stdin.end('two\n');
    await sleep(1000);
    expect(status('at-in')).toBe('running 0'); // run -di: StdinOnce is false, its stdin stays open
    // --no-stdin: output only; the first attach (its stdin over) waits for the container's end
    const b = attaching(['attach', '--no-stdin', 'at-in']);
    await sleep(800);
    const c = attaching(['attach', 'at-in']);
    await sleep(800);
    c.c.stdin.write('three\n');
    expect(await b.until('got:three')).toBe(true);
    expect(await c.until('got:three')).toBe(true);
    expect(a.out()).not.toContain('got:three');
    md.ok(['kill', 'at-in']);
    for (const x of [a, b, c]) expect((await x.done).code).toBe(137);
    expect(md.ok(['logs', 'at-in'])).toBe('got:one\ngot:two\ngot:three');
  });

  it('start -a: the whole output from the first byte, apart, with the exit code; start -ai: StdinOnce closes its stdin', () => {
    md.ok(['create', '--name', 'st-a', '--network', 'none', 'busybox', 'sh', '-c', 'echo first; echo to-err >&2; exit 3']);
    const r = md.run(['start', '-a', 'st-a']);
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'first\n', 'to-err\n']);
    const again = md.run(['start', '--attach', 'st-a']); // a stopped container starts again
    expect([again.code, again.stdout]).toEqual([3, 'first\n']);
    md.ok(['create', '-i', '--name', 'st-ai', '--network', 'none', 'busybox', 'sh', '-c', 'echo start; cat; echo end-$?; exit 4']);
    expect(md.ok(['inspect', '-f', '{{.Config.StdinOnce}} {{.Config.OpenStdin}}', 'st-ai'])).toBe('true true');
    const i = md.run(['start', '-ai', 'st-ai'], { input: 'line1\nline2\n' });
    expect([i.code, i.stdout]).toEqual([4, 'start\nline1\nline2\nend-0\n']);
    md.ok(['create', '--rm', '--name', 'st-rm', '--network', 'none', 'busybox', 'echo', 'removed after']);
    const rm = md.run(['start', '-a', 'st-rm']);
    expect([rm.code, rm.stdout]).toEqual([0, 'removed after\n']);
    expect(md.run(['inspect', 'st-rm']).code).toBe(1); // --rm: gone when start -a returns, as Docker waits for it
  });

  it('a tty: raw input through its pty, the terminal\'s size followed, ctrl-p ctrl-q detaches and leaves it running', () => {
    md.ok(['run', '-dit', '--name', 'at-tty', '--network', 'none', 'busybox', 'sh']);
    const r = atTerminal('attach at-tty', [
      ['sleep', 0.8],
      ['send', 'stty size; echo typed-$((6*7))\r'], ['expect', 'typed-42'],
      ['resize', 33, 101], ['send', 'stty size\r'], ['expect', '33 101'],
      ['send', '\u0010\u0011'],
    ]);
    expect(r.timeout).toBe(false);
    expect(r.output).toContain('24 80'); // the size of the terminal it attached from
    expect(r.output).toContain('minidock: read escape sequence'); // Docker's attach: its EscapeError, exit 1
    expect(r.code).toBe(1);
    expect(status('at-tty')).toBe('running 0');
    // --detach-keys, then a shell that exits: its code
    const k = atTerminal('attach --detach-keys ctrl-a,d at-tty', [
      ['sleep', 0.8], ['send', '\u0010\u0011'], ['sleep', 0.5], ['send', '\u0003echo still-here\r'], ['expect', 'still-here'], ['send', '\u0001d'],
    ]);
    expect([k.code, k.timeout]).toEqual([1, false]); // ctrl-p ctrl-q went to the shell this time (its history key)
    const e = atTerminal('attach at-tty', [['sleep', 0.8], ['send', 'exit 5\r']]);
    expect([e.code, e.timeout]).toEqual([5, false]);
    expect(status('at-tty')).toBe('exited 5');
  });

  it('start -ai with a tty: from the first byte, input typed, its code; ctrl-p ctrl-q exits 0 there', () => {
    md.ok(['create', '-it', '--name', 'st-tty', '--network', 'none', 'busybox', 'sh', '-c', 'echo hello-tty; read x; echo got-$x; exit 9']);
    const r = atTerminal('start -ai st-tty', [['expect', 'hello-tty'], ['send', 'abc\r'], ['expect', 'got-abc']]);
    expect([r.code, r.timeout]).toEqual([9, false]);
    md.ok(['create', '-it', '--name', 'st-det', '--network', 'none', 'busybox', 'sh']);
    const d = atTerminal('start -ai st-det', [['sleep', 1], ['send', '\u0010\u0011']]);
    expect([d.code, d.timeout]).toEqual([0, false]);
    expect(status('st-det')).toBe('running 0');
  });

  it("Docker's refusals: stopped, missing, no terminal for a tty, bad detach keys, bad --sig-proxy, several with start -a", () => {
    md.ok(['create', '--name', 'at-stopped', 'busybox', 'true']);
    expect(md.run(['attach', 'at-stopped'])).toMatchObject({ code: 1, stderr: 'minidock: You cannot attach to a stopped container, start it first\n' });
    expect(md.run(['attach', 'at-nosuch'])).toMatchObject({ code: 1, stderr: 'Error response from daemon: No such container: at-nosuch\n' });
    md.ok(['run', '-dt', '--name', 'at-t', '--network', 'none', 'busybox', 'sh']);
    expect(md.run(['attach', 'at-t'])).toMatchObject({ code: 1, stderr: 'minidock: the input device is not a TTY\n' });
    expect(md.run(['attach', '--detach-keys', 'ctrl-Z', 'at-t'])).toMatchObject({ code: 1, stderr: "minidock: invalid detach keys (ctrl-Z): Unknown character: 'ctrl-Z'\n" });
    expect(md.run(['attach', '--sig-proxy=maybe', 'at-t']).code).toBe(125);
    expect(md.run(['start', '-a', 'at-stopped', 'at-t'])).toMatchObject({ code: 1, stderr: 'minidock: you cannot start and attach multiple containers at once\n' });
    md.ok(['rm', '-f', 'at-t']);
  });
});
