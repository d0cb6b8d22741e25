// A person at a terminal: minidock run on a fresh pty made by pty-driver.py (python3's pty,
// Debian's /usr/bin/python3), following a script of steps.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BIN, type Minidock } from './cli.js';

const DRIVER = fileURLToPath(new URL('./pty-driver.py', import.meta.url));

/** ctrl-p is \u0010, ctrl-q \u0011, Enter \r (see pty-driver.py). */
export type Step = ['expect', string] | ['send', string] | ['resize', number, number] | ['sleep', number];

export interface TerminalRun {
  code: number | null;
  signal: number | null;
  output: string;
  timeout: boolean;
}

/** minidock ARGS at a terminal of rows x cols; what it printed there and how it ended. */
export function atTerminal(md: Minidock, args: string[], steps: Step[], rows = 24, cols = 80): TerminalRun {
  const [cmd, ...pre] = md.prefix;
  const r = spawnSync('/usr/bin/python3', [DRIVER, JSON.stringify(steps), String(rows), String(cols), '--', cmd, ...pre, process.execPath, '--', BIN, ...args], {
    env: md.env, encoding: 'utf8', timeout: 90_000,
  });
  if (r.status !== 0) throw new Error(`pty-driver: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
