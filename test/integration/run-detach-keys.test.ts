// A foreground `run -it` at a terminal detaches as Docker's does (issue 13): ctrl-p ctrl-q (or
// --detach-keys) ends the CLI with 0 and nothing said, the container goes on (a --rm one until it
// ends); a partial sequence passes its bytes on; -i without -t has no detach keys (Docker's
// daemon and CLI look for them with a tty only); a bad --detach-keys is the daemon's line. A
// terminal is a pty made by test/helpers/pty.ts (pty-driver.py: python3's pty).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock, sleep } from '../helpers/cli.js';
import { atTerminal as onPty, type Step } from '../helpers/pty.js';

describe('run -it: detach keys', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.cleanup();
  });

  const atTerminal = (args: string[], steps: Step[], rows?: number, cols?: number) => onPty(md, args, steps, rows, cols);
  const status = (name: string) => md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]);
  const base = ['--network', 'none', 'busybox'];

  it('ctrl-p ctrl-q detaches: exit 0, nothing said, the container running; attach finds the same shell', () => {
    const r = atTerminal(['run', '-it', '--name', 'rd-sh', ...base, 'sh'], [
      ['sleep', 0.8],
      ['send', 'stty size; echo typed-$((6*7))\r'], ['expect', 'typed-42'],
      ['send', '\u0010\u0011'],
    ], 30, 90);
    expect([r.code, r.timeout]).toEqual([0, false]);
    expect(r.output).toContain('30 90'); // the terminal's size
    expect(r.output).not.toContain('escape sequence'); // Docker's run returns nil on its EscapeError
    expect(r.output).toContain('typed-42\r\n');
    expect(r.output).not.toContain('\r\r\n'); // raw as Docker's: no output processing on top of the container's pty
    expect(status('rd-sh')).toBe('running 0');
    const a = atTerminal(['attach', 'rd-sh'], [['sleep', 0.8], ['send', 'echo again-$((2+3))\r'], ['expect', 'again-5'], ['send', 'exit 4\r']]);
    expect([a.code, a.timeout]).toEqual([4, false]);
    expect(status('rd-sh')).toBe('exited 4');
  });

  it('a partial sequence passes both bytes on; the shell exiting gives its code', () => {
    const r = atTerminal(['run', '-it', '--name', 'rd-part', ...base, 'sh', '-c', 'read x; echo "$x" | od -An -tx1; exit 6'], [
      ['sleep', 0.8], ['send', '\u0010x\r'], ['expect', '10 78'],
    ]);
    expect([r.code, r.timeout]).toEqual([6, false]);
    expect(status('rd-part')).toBe('exited 6');
  });

  it('--detach-keys replaces the default (ctrl-p ctrl-q then reach the container)', () => {
    const r = atTerminal(['run', '-it', '--detach-keys', 'ctrl-a,d', '--name', 'rd-keys', ...base, 'sh'], [
      ['sleep', 0.8], ['send', '\u0010\u0011'], ['sleep', 0.5], ['send', '\u0003echo still-$((1+1))\r'], ['expect', 'still-2'],
      ['send', '\u0001x'], ['sleep', 0.3], ['send', '\u0003echo alive-$((3+3))\r'], ['expect', 'alive-6'], // a broken sequence: no detach
      ['send', '\u0001d'],
    ]);
    expect([r.code, r.timeout]).toEqual([0, false]);
    expect(status('rd-keys')).toBe('running 0');
    md.ok(['rm', '-f', 'rd-keys']);
  });

  it('--rm: a detached container runs on and is removed when it ends', async () => {
    const r = atTerminal(['run', '--rm', '-it', '--name', 'rd-rm', ...base, 'sh'], [['sleep', 0.8], ['send', '\u0010\u0011']]);
    expect([r.code, r.timeout]).toEqual([0, false]);
    expect(status('rd-rm')).toBe('running 0');
    const a = atTerminal(['attach', 'rd-rm'], [['sleep', 0.8], ['send', 'exit 0\r']]);
    expect([a.code, a.timeout]).toEqual([0, false]);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = md.run(['inspect', 'rd-rm']).code === 1;
      if (!gone) await sleep(100);
    }
    expect(gone).toBe(true);
  });

  it('a container that ends at once: its whole output, at the terminal\'s size (run -it, start -ai)', () => {
    for (let i = 0; i < 3; i++) {
      const r = atTerminal(['run', '--rm', '-it', ...base, 'sh', '-c', 'stty size; echo "hi\tthere"; exit 3'], [], 31, 91);
      expect([r.code, r.output, r.timeout]).toEqual([3, '31 91\r\nhi\tthere\r\n', false]);
    }
    md.ok(['create', '-it', '--name', 'rd-quick', ...base, 'echo', 'quick']);
    for (let i = 0; i < 2; i++) expect(atTerminal(['start', '-ai', 'rd-quick'], [])).toEqual({ code: 0, signal: null, output: 'quick\r\n', timeout: false });
  });

  it('-i without -t: no detach keys, as Docker (the bytes reach the container)', () => {
    const r = atTerminal(['run', '-i', '--detach-keys', 'a,b', '--name', 'rd-i', ...base, 'sh', '-c', 'read x; echo "$x" | od -An -tx1'], [
      ['sleep', 0.8], ['send', 'ab\r'], ['expect', '61 62'],
    ]);
    expect([r.code, r.timeout]).toEqual([0, false]);
    expect(status('rd-i')).toBe('exited 0');
  });

  it("a bad --detach-keys: the daemon's line, exit 1, nothing created; ignored with -d, as Docker", () => {
    const before = md.ok(['ps', '-aq']);
    for (const keys of ['ctrl-Z', 'ab', 'ctrl-']) {
      expect(md.run(['run', '-it', '--detach-keys', keys, '--name', 'rd-bad', ...base, 'true'])).toMatchObject({
        code: 1, stderr: `minidock: Error response from daemon: Invalid detach keys (${keys}) provided\n`,
      });
      expect(md.run(['run', '--detach-keys', keys, ...base, 'true']).code).toBe(1); // any attach: Docker's daemon checks them
    }
    expect(md.run(['inspect', 'rd-bad']).code).toBe(1);
    expect(md.ok(['ps', '-aq'])).toBe(before);
    const d = md.run(['run', '-d', '--detach-keys', 'ctrl-Z', '--name', 'rd-d', ...base, 'true']);
    expect(d.code).toBe(0); // no attach, so Docker never looks at them
    expect(md.ok(['run', '--help'])).toContain('--detach-keys');
  });
});
