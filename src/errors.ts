import { closeSync, fstatSync, openSync } from 'node:fs';

// Docker-style exit codes: 125 minidock's own error, 126 cannot execute, 127 not found.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 125,
  ) {
    // Always one line: a bad value quoted in the message (a name with a newline, a control
    // character) is shown escaped, so it can neither split the line nor move the cursor.
    // eslint-disable-next-line no-control-regex
    super(message.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)));
  }
}

/**
 * A value the docker CLI refuses while it parses its flags (pflag's words: `invalid argument "V"
 * for "--flag" flag: why`). main.ts's flag pass (cli/flag-values.ts) reports it before anything
 * runs, with the flag's names as Docker writes them and the command's usage block.
 */
export class FlagValueError extends UserError {
  /** Docker's whole text for it (the line and the command's usage block), once the CLI knows the command. */
  shown?: string;

  constructor(
    readonly value: string,
    flag: string,
    readonly why: string,
  ) {
    super(`invalid argument ${JSON.stringify(value)} for "${flag}" flag: ${why}`);
  }
}

/**
 * What `docker run`/`create` refuses after parsing its flags, before it asks the daemon (`-p`,
 * `--expose`, `--pull`, `--restart`…): Docker prints it as `docker: …` and "Run 'docker run
 * --help' for more information" (main.ts adds that line for run and create).
 */
export class RunCheckError extends UserError {}

/**
 * What Docker's daemon refuses (a value only the engine checks: `--cpus -1`, `--restart abc`, an
 * unknown filter…): the docker CLI prints the daemon's words after "Error response from daemon: ".
 * main.ts prints it as docker 28's CLI does: `run` as "docker: Error response from daemon: …" and
 * "Run 'docker run --help' for more information" with `exitCode` (125; 127 where Docker's start
 * fails on a missing file), every other command (create too) the line alone with exit 1.
 */
export class DaemonError extends UserError {
  constructor(why: string, exitCode = 125) {
    super(`Error response from daemon: ${why}`, exitCode);
  }
}

/** An error Docker's CLI prints as it is, without its program's name (cobra's plain errors). */
export class BareError extends UserError {}

/**
 * How a refusal is printed (without its newline). docker 28's CLI prints every error as it is
 * (cmd/docker: `fmt.Fprintln(os.Stderr, err)`), except `run`, which wraps the daemon's answer as
 * "docker: …": so a daemon's answer ("Error response from daemon: …", a DaemonError) and the
 * CLI's own "Error: …" lines go out bare outside `run`. What is minidock's own (no Docker words
 * to match) keeps the program's name.
 */
export function errorLine(e: UserError, cmd?: string): string {
  const docker = e instanceof BareError || e instanceof DaemonError || /^(Error response from daemon|Error): /.test(e.message);
  return docker && cmd !== 'run' ? e.message : `minidock: ${e.message}`;
}

// What Go's os package says for these (Docker's messages: "open /x: no such file or directory").
const GO_ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/** What Go's os package says of a failed file call (its errno's words). */
export function goErrno(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err.code && GO_ERRNO[err.code]) ?? err.message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}

/** A failed read of a file the user named (--env-file, load -i, import): Docker's one line, 125. */
export function fileError(op: 'open' | 'read', file: string, e: unknown): UserError {
  return new UserError(`${op} ${file}: ${goErrno(e)}`);
}

/** Checks that a file the user named can be opened for reading and is not a directory. */
export function checkReadableFile(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fileError('open', file, e);
  }
  try {
    if (fstatSync(fd).isDirectory()) throw fileError('read', file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
  } finally {
    closeSync(fd);
  }
}
