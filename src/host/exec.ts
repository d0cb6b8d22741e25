// The only way minidock starts a host command: an argument array, never a shell string,
// so no container or network name can ever become part of a command line.
//
// Every command has a time limit (MINIDOCK_COMMAND_TIMEOUT seconds, default 30): a hung
// `iptables-restore` (say, waiting forever for the xtables lock) must not hold minidock's
// network lock forever. When it runs out the command is killed (SIGKILL) and the caller gets a
// CommandTimeout naming it, whatever allowFail says: a killed command did not "fail", nobody
// knows what it did. Children get childEnv() (./env.ts): no credentials.
import { spawn } from 'node:child_process';
import { UserError } from '../errors.js';
import { trace } from '../state/trace.js';
import { childEnv } from './env.js';

export class CommandError extends Error {
  constructor(
    readonly cmd: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${cmd.join(' ')}: ${stderr.trim() || `exit ${code}`}`);
  }
}

/** A command that ran out of time and was killed. */
export class CommandTimeout extends CommandError {
  constructor(cmd: string[], readonly ms: number) {
    super(cmd, null, `did not finish within ${ms / 1000} s and was killed (MINIDOCK_COMMAND_TIMEOUT sets the limit)`);
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A command started ahead of its input: finish() writes stdin, closes it, and waits. */
export interface Started {
  finish(input?: string, opts?: { allowFail?: boolean }): Promise<RunResult>;
}

const DEFAULT_TIMEOUT_S = 30;

/** The time limit of one host command, in ms. */
export function commandTimeoutMs(): number {
  const text = process.env.MINIDOCK_COMMAND_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_TIMEOUT_S * 1000;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`invalid MINIDOCK_COMMAND_TIMEOUT ${JSON.stringify(text)}: want a number of seconds greater than 0`);
  return n * 1000;
}

/**
 * Starts a command now and lets the caller give it its input later: the fork/exec (a few ms on
 * a start's clock) then overlaps with other work. finish() rejects with CommandError on a
 * non-zero exit unless allowFail. The time limit runs from finish(): a command started ahead
 * waits for its input by design.
 */
export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  const limit = commandTimeoutMs();
  trace(`exec ${cmd} ${args[0] ?? ''}`);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let settle: (r: { code: number | null; error?: Error; timedOut?: boolean }) => void = () => undefined;
  const done = new Promise<{ code: number | null; error?: Error; timedOut?: boolean }>((resolve) => {
    settle = resolve;
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  child.stdin.on('error', () => undefined);
  return {
    async finish(input = '', opts = {}) {
      const timer = setTimeout(() => {
        // Its output pipes may stay open in a grandchild, so 'close' may never come: settle
        // when it is gone (or now, if it already is).
        if (child.exitCode !== null || child.signalCode !== null) settle({ code: null, timedOut: true });
        else child.once('exit', () => settle({ code: null, timedOut: true }));
        child.kill('SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
      }, limit);
      child.stdin.end(input);
      const r = await done;
      clearTimeout(timer);
      if (r.timedOut) throw new CommandTimeout([cmd, ...args], limit);
      if (r.error) throw new CommandError([cmd, ...args], null, String(r.error));
      const c = r.code ?? 1;
      trace(`exec ${cmd} done`);
      if (c !== 0 && !opts.allowFail) throw new CommandError([cmd, ...args], c, stderr);
      return { stdout, stderr, code: c };
    },
  };
}

/** Runs a command to completion; rejects with CommandError on a non-zero exit unless allowFail. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return start(cmd, args, opts.env).finish(opts.input, opts);
}
