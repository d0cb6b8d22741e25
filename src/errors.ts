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

/** A failed read of a file the user named (--env-file, load -i, import): Docker's one line, 125. */
export function fileError(op: 'open' | 'read', file: string, e: unknown): UserError {
  const err = e as NodeJS.ErrnoException;
  const why = (err.code && GO_ERRNO[err.code]) ?? err.message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return new UserError(`${op} ${file}: ${why}`);
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
