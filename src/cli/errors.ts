// Docker-style exit codes: 125 minidock's own error, 126 cannot execute, 127 not found.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 125,
  ) {
    super(message);
  }
}
