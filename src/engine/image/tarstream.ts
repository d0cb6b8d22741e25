// A tar stream onto a descriptor (`save`, `cp … -`, `commit`'s layer): entry headers from
// tarwriter.ts, data, padding to 512, two zero blocks at the end.
import { writeSync } from 'node:fs';
import { entryHeader, type TarEntry } from './tarwriter.js';

const ZERO = Buffer.alloc(1024);

/** Blocking write of a whole buffer (stdout may be a non-blocking pipe: EAGAIN waits). */
export function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

export class TarStream {
  /** Bytes written so far. */
  bytes = 0;
  private size = 0;
  constructor(private readonly fd: number) {}
  private put(b: Buffer): void {
    writeAll(this.fd, b);
    this.bytes += b.length;
  }
  /** An entry's header; `size` bytes of data() follow, then endEntry(). */
  entry(e: TarEntry, size: number): void {
    this.size = size;
    this.put(entryHeader(e, size));
  }
  data(chunk: Buffer): void {
    this.put(chunk);
  }
  endEntry(): void {
    const pad = (512 - (this.size % 512)) % 512;
    if (pad) this.put(ZERO.subarray(0, pad));
    this.size = 0;
  }
  end(): void {
    this.put(ZERO);
  }
}
