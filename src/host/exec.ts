// The only way minidock starts a host command: an argument array, never a shell string,
// so no container or network name can ever become part of a command line.
import { spawn } from 'node:child_process';
import { trace } from '../state/trace.js';

export class CommandError extends Error {
  constructor(
    readonly cmd: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${cmd.join(' ')}: ${stderr.trim() || `exit ${code}`}`);
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

/**
 * Starts a command now and lets the caller give it its input later: the fork/exec (a few ms on
 * a start's clock) then overlaps with other work. finish() rejects with CommandError on a
 * non-zero exit unless allowFail.
 */
export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  trace(`exec ${cmd} ${args[0] ?? ''}`);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  child.stdin.on('error', () => undefined);
  return {
    async finish(input = '', opts = {}) {
      child.stdin.end(input);
      const r = await done;
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
