// Random ids (container, network, endpoint, exec config): hex of bytes read from the kernel's
// /dev/urandom, which is what crypto.randomBytes uses too. Read directly because loading
// node:crypto costs ~2 ms on every `minidock run`, for 32 bytes.
import { closeSync, openSync, readSync } from 'node:fs';

export function randomHex(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let n = 0; n < bytes; ) {
      const r = readSync(fd, buf, n, bytes - n, null);
      if (r <= 0) throw new Error('/dev/urandom: short read');
      n += r;
    }
  } finally {
    closeSync(fd);
  }
  return buf.toString('hex');
}
