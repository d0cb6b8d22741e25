// Worker thread for pulls (bundled on its own as dist/unpack-worker.cjs): decompresses, hashes
// (diffID) and unpacks layers with the very same code as in-process (extractTar: every check of
// layer.ts applies), so that on a multi-core host several layers are gunzip'd and written at
// once, and a slow create(2) (kernel time per new file) does not hold up the download.
//
// Protocol (one port, many jobs, ids chosen by the parent):
//   parent -> worker  { t: 'start', id, root, verifyOnly, limit? } | { t: 'data', id, chunk } | { t: 'end', id } | { t: 'abort', id }
//   worker -> parent  { t: 'ack', id, n }   (bytes taken; the parent's flow control)
//                     { t: 'done', id, diffId, diffSize, result } | { t: 'error', id, error }
// The parent still hashes the blob itself and decides; the worker only reports.
import { PassThrough } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { UserError } from '../../errors.js';
import { hashAndUnpack, LayerError, type ExpansionLimit } from './layer.js';

interface Job {
  input: PassThrough;
  started: boolean;
  aborted: boolean;
}

export interface WorkerError {
  kind: 'layer' | 'user' | 'other';
  message: string;
  code?: string;
  exitCode?: number;
}

const port = parentPort!;
const jobs = new Map<number, Job>();

function describe(e: unknown): WorkerError {
  const err = e instanceof Error ? e : new Error(String(e));
  const kind = err instanceof LayerError ? 'layer' : err instanceof UserError ? 'user' : 'other';
  const out: WorkerError = { kind, message: err.message };
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string') out.code = code;
  if (err instanceof UserError) out.exitCode = err.exitCode;
  return out;
}

async function run(id: number, job: Job, root: string, verifyOnly: boolean, head: Buffer, limit: ExpansionLimit | undefined): Promise<void> {
  const { diffId, diffSize, result } = await hashAndUnpack(job.input, head, verifyOnly ? undefined : root, limit);
  if (job.aborted) throw new Error('aborted');
  port.postMessage({ t: 'done', id, diffId, diffSize, result });
}

port.on('message', (m: { t: string; id: number; root?: string; verifyOnly?: boolean; limit?: ExpansionLimit; chunk?: Uint8Array }) => {
  if (m.t === 'start') {
    const job: Job = { input: new PassThrough({ highWaterMark: 1 << 20 }), started: false, aborted: false };
    jobs.set(m.id, job);
    // The decompressor is chosen from the first bytes (as in-process); started on the first chunk or at the end.
    const root = m.root!;
    const begin = (head: Buffer): void => {
      job.started = true;
      run(m.id, job, root, !!m.verifyOnly, head, m.limit).then(
        () => jobs.delete(m.id),
        (e) => {
          jobs.delete(m.id);
          job.input.destroy();
          port.postMessage({ t: 'error', id: m.id, error: describe(e) });
        },
      );
    };
    (job as Job & { begin?: (h: Buffer) => void }).begin = begin;
    return;
  }
  const job = jobs.get(m.id) as (Job & { begin?: (h: Buffer) => void }) | undefined;
  if (!job) return;
  if (m.t === 'data') {
    const chunk = Buffer.from(m.chunk!.buffer, m.chunk!.byteOffset, m.chunk!.byteLength);
    if (!job.started) job.begin!(chunk);
    if (job.input.destroyed) return port.postMessage({ t: 'ack', id: m.id, n: chunk.length });
    job.input.write(chunk, () => port.postMessage({ t: 'ack', id: m.id, n: chunk.length }));
  } else if (m.t === 'end') {
    if (!job.started) job.begin!(Buffer.alloc(0));
    job.input.end();
  } else if (m.t === 'abort') {
    job.aborted = true;
    if (!job.started) job.begin!(Buffer.alloc(0));
    job.input.destroy(new Error('aborted'));
  }
});
