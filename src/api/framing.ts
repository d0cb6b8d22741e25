// Docker's multiplexed stream (moby/pkg/stdcopy): without a TTY, stdout and stderr share one
// connection, each chunk behind an 8-byte header: the stream (0 stdin, 1 stdout, 2 stderr),
// three zero bytes, and the chunk's length as a big-endian uint32. With a TTY the bytes go raw.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;

export function frame(stream: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** Reads frames back (for tests and for a client): the complete frames in buf, and what is left. */
export function unframe(buf: Buffer): { frames: { stream: number; data: Buffer }[]; rest: Buffer } {
  const frames: { stream: number; data: Buffer }[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const n = buf.readUInt32BE(off + 4);
    if (buf.length - off - 8 < n) break;
    frames.push({ stream: buf[off], data: buf.subarray(off + 8, off + 8 + n) });
    off += 8 + n;
  }
  return { frames, rest: buf.subarray(off) };
}
