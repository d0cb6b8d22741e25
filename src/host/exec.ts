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

/** Runs a command to completion; rejects with CommandError on a non-zero exit unless allowFail. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; allowFail?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  trace(`exec ${cmd} ${args[0] ?? ''}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => reject(new CommandError([cmd, ...args], null, String(e))));
    child.on('close', (code) => {
      const c = code ?? 1;
      trace(`exec ${cmd} done`);
      if (c !== 0 && !opts.allowFail) reject(new CommandError([cmd, ...args], c, stderr));
      else resolve({ stdout, stderr, code: c });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
