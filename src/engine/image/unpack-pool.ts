// Worker threads that unpack layers for a pull (see unpack-worker.ts): the parent streams each
// blob to a worker (after hashing and writing the blob itself), the worker gunzips, hashes the
// tar (diffID) and unpacks it with extractTar into the stage the parent chose, and reports.
// Only the bundled CLI has the worker script (dist/unpack-worker.cjs); elsewhere (sources under
// test) there is no pool and layers are unpacked in-process, with the same code.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { UserError } from '../../errors.js';
import { childEnv } from '../../host/env.js';
import { LayerError, type ExpansionLimit, type ExtractResult } from './layer.js';
import type { WorkerError } from './unpack-worker.js';

/** Bytes sent to a worker and not yet taken by it: beyond this the download waits. */
const IN_FLIGHT = 8 << 20;
const BATCH = 256 << 10;

export interface UnpackOutcome {
  diffId: string;
  diffSize: number;
  result: ExtractResult;
}

export interface UnpackJob {
  /** Where the blob goes (already hashed by the caller); end() it when the blob is complete. */
  sink: Writable;
  /** Settles once the worker is done with the stage (success or not). */
  outcome: Promise<UnpackOutcome>;
  /** Stops the worker's unpacking; outcome then rejects. */
  abort(): void;
}

function toError(e: WorkerError): Error {
  let err: Error;
  if (e.kind === 'layer') {
    err = new LayerError('');
    err.message = e.message;
  } else if (e.kind === 'user') {
    err = new UserError(e.message, e.exitCode);
  } else {
    err = new Error(e.message);
  }
  if (e.code) (err as NodeJS.ErrnoException).code = e.code;
  return err;
}

function workerScript(): string | undefined {
  if (process.env.MINIDOCK_UNPACK_WORKERS === '0') return undefined;
  // In the bundle __dirname is dist/ (bin/minidock passes it); under vitest it is the source folder.
  const dir = typeof __dirname === 'string' ? __dirname : undefined;
  if (!dir) return undefined;
  const f = join(dir, 'unpack-worker.cjs');
  return existsSync(f) ? f : undefined;
}

interface Pending {
  resolve: (o: UnpackOutcome) => void;
  reject: (e: Error) => void;
  onAck: (n: number) => void;
  worker: Slot;
}

interface Slot {
  worker: Worker;
  load: number;
}

export class UnpackPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private dead: Error | undefined;

  private constructor(
    private readonly script: string,
    private readonly WorkerCtor: typeof Worker,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /**
   * A pool of up to `layers` workers, or undefined where there is no worker script. One CPU is
   * left to the main thread (download, blob hash and write); a worker keeps more than one busy
   * anyway, as its gunzip runs on libuv's thread pool. MINIDOCK_UNPACK_WORKERS=N overrides.
   */
  static async create(layers: number): Promise<UnpackPool | undefined> {
    const script = workerScript();
    if (!script || layers < 1) return undefined;
    const { Worker } = await import('node:worker_threads');
    const n = Math.max(1, Math.min(layers, Number(process.env.MINIDOCK_UNPACK_WORKERS) || availableParallelism() - 1));
    return new UnpackPool(script, Worker, n);
  }

  private spawn(): void {
    const worker = new this.WorkerCtor(this.script, { stdout: false, stderr: false, env: childEnv() });
    const slot: Slot = { worker, load: 0 };
    worker.on('message', (m: { t: string; id: number; n?: number; error?: WorkerError } & Partial<UnpackOutcome>) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.t === 'ack') return p.onAck(m.n!);
      this.pending.delete(m.id);
      p.worker.load--;
      if (m.t === 'done') p.resolve({ diffId: m.diffId!, diffSize: m.diffSize!, result: m.result! });
      else p.reject(toError(m.error!));
    });
    const die = (e: Error): void => {
      this.dead ??= e;
      for (const [id, p] of this.pending) {
        if (p.worker !== slot) continue;
        this.pending.delete(id);
        p.reject(e);
      }
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`layer unpacking worker exited (${code})`)));
    this.slots.push(slot);
  }

  /**
   * Starts unpacking one layer into `root` (a fresh private directory) on the least busy worker;
   * with verifyOnly, only gunzips and hashes it (its tree is already in the store). The limit
   * bounds its uncompressed size (see expansionLimit).
   */
  start(root: string, verifyOnly = false, limit?: ExpansionLimit): UnpackJob {
    const slot = this.slots.reduce((a, b) => (b.load < a.load ? b : a));
    const id = ++this.seq;
    let inFlight = 0;
    let waiting: (() => void) | undefined;
    let settled = false;
    let resolve!: (o: UnpackOutcome) => void;
    let reject!: (e: Error) => void;
    const outcome = new Promise<UnpackOutcome>((res, rej) => {
      resolve = (o) => ((settled = true), res(o));
      reject = (e) => ((settled = true), rej(e));
    });
    const release = (): void => {
      const w = waiting;
      waiting = undefined;
      w?.();
    };
    outcome.catch(() => undefined).finally(release);
    if (this.dead) {
      reject(this.dead);
    } else {
      slot.load++;
      this.pending.set(id, {
        resolve,
        reject,
        onAck: (n) => {
          inFlight -= n;
          if (inFlight < IN_FLIGHT) release();
        },
        worker: slot,
      });
      slot.worker.postMessage({ t: 'start', id, root, verifyOnly, limit });
    }
    const post = (m: object, transfer?: ArrayBuffer[]): void => {
      if (!settled) slot.worker.postMessage(m, transfer);
    };
    // Chunks from the network are small (16-64 kB): they go over in batches of BATCH bytes, one
    // message each (fewer messages, and bigger writes into the worker's gunzip).
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = (): void => {
      if (batched === 0) return;
      const copy = new Uint8Array(batched); // a buffer of its own, handed over (not copied again)
      let off = 0;
      for (const b of batch) {
        copy.set(b, off);
        off += b.length;
      }
      batch = [];
      batched = 0;
      inFlight += copy.byteLength;
      post({ t: 'data', id, chunk: copy }, [copy.buffer as ArrayBuffer]);
    };
    const sink = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _enc, cb) {
        if (settled) return cb(); // the worker gave up (its error is in outcome)
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= BATCH) flush();
        if (inFlight < IN_FLIGHT || settled) return cb();
        waiting = () => cb();
      },
      final(cb) {
        flush();
        post({ t: 'end', id });
        cb();
      },
    });
    return { sink, outcome, abort: () => post({ t: 'abort', id }) };
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => undefined)));
  }
}
