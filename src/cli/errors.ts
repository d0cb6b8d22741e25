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
