// `logs` reads the json-file log a bounded chunk at a time (the container decides how large it
// grows): entries that straddle chunk boundaries come out whole and in order, and --tail keeps
// only the last N while reading.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamLogs, type LogEntry } from '../../src/engine/container/logs.js';

const ID = 'c'.repeat(64);
let root: string;
const saved = process.env.MINIDOCK_ROOT;
const entries: LogEntry[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mdtest-logs-'));
  process.env.MINIDOCK_ROOT = root;
  mkdirSync(join(root, 'containers', ID), { recursive: true });
  // ~3.5 MB: several 1 MiB chunks, with entries of varied length (up to the shim's 16 KiB) and
  // multi-byte characters, so boundaries fall inside entries and inside UTF-8 sequences.
  for (let i = 0; i < 1200; i++) {
    const log = `${i} ${'é€x'.repeat((i * 37) % 1000)}\n`;
    entries.push({ log, stream: i % 3 ? 'stdout' : 'stderr', time: `2024-01-01T00:00:00.${String(i).padStart(9, '0')}Z` });
  }
  writeFileSync(join(root, 'containers', ID, 'json.log'), entries.map((e) => JSON.stringify(e) + '\n').join('') + '{"log":"cut sh');
});

afterAll(() => {
  if (saved === undefined) delete process.env.MINIDOCK_ROOT;
  else process.env.MINIDOCK_ROOT = saved;
  rmSync(root, { recursive: true, force: true });
});

async function read(tail?: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  await streamLogs(ID, { follow: false, tail, timestamps: false, write: (e) => out.push(e) });
  return out;
}

describe('logs in chunks', () => {
  it('hands out every complete entry once, in order, and not the one being written', async () => {
    expect(await read()).toEqual(entries);
  });

  it('--tail N gives the last N entries; 0 gives none', async () => {
    expect(await read(5)).toEqual(entries.slice(-5));
    expect(await read(1000)).toEqual(entries.slice(-1000));
    expect(await read(5000)).toEqual(entries);
    expect(await read(0)).toEqual([]);
  });
});
