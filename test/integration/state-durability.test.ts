// Which writes are fsynced (docs/architecture.md, "Durability"), seen with strace: what must
// survive a power loss is fsynced before its rename and its directory after; `run --rm`, the
// hot path, fsyncs nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock } from '../helpers/cli.js';

const md = new Minidock();
const scratch = mkdtempSync(join(tmpdir(), 'mdtest-fsync-'));
afterAll(() => {
  md.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});
beforeAll(() => {
  md.ok(['run', '--rm', '--network', 'none', 'busybox', 'true']); // the builtin image exists
});

/** The paths minidock fsyncs while running `args` (strace -y names each fd's file). */
function fsynced(args: string[]): string[] {
  const out = join(scratch, `trace-${Math.random().toString(16).slice(2)}`);
  const [cmd, ...pre] = md.prefix;
  const r = spawnSync('strace', ['-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync', '-o', out, cmd, ...pre, process.execPath, '--', BIN, ...args], { env: md.env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return [...readFileSync(out, 'utf8').matchAll(/f(?:data)?sync\(\d+<([^>]*)>/g)].map((m) => m[1].replace(md.root, '<root>').replace(/[0-9a-f]{64}/g, '<id>').replace(/\.tmp-\d+-\d+$/, '.tmp'));
}

describe('fsync', () => {
  it('run --rm (no network) fsyncs nothing', () => {
    expect(fsynced(['run', '--rm', '--network', 'none', 'busybox', 'true'])).toEqual([]);
  });

  it('a container that stays: its record at create, with its directory and containers/', () => {
    expect(fsynced(['run', '-d', '--network', 'none', 'busybox', 'true'])).toEqual(['<root>/containers/<id>/container.json.tmp', '<root>/containers/<id>', '<root>/containers']);
  });

  it('tag: the image index before its rename, and its directory', () => {
    expect(fsynced(['tag', 'busybox', 'mine:1'])).toEqual(['<root>/images/repositories.json.tmp', '<root>/images']);
  });

  it('network create: the network record before its rename, and its directory', () => {
    const got = fsynced(['network', 'create', 'fsx']);
    expect(got).toContain('<root>/networks/nets/fsx.json.tmp');
    expect(got).toContain('<root>/networks/nets');
    md.ok(['network', 'rm', 'fsx']);
  });
});
