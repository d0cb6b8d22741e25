// `exec` starts the shim through dist/minidock-spawn.node (src/runtime/spawn.ts), not Node's
// child_process (issue 13: ~3 ms of CPU a start): pinned by what it loads and by what it
// spawns, and the process it runs gets what child_process's `stdio: 'inherit'` gave it:
// descriptors 0-2, no signal blocked, none ignored that Node ignores (SIGPIPE), its exit code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock, sh } from '../helpers/cli.js';

const ADDON = join(BIN, '..', '..', 'dist', 'minidock-spawn.node');
let md: Minidock;
let work: string;
let id = '';
beforeAll(() => {
  md = new Minidock();
  work = mkdtempSync(join(tmpdir(), 'mdexecspawn-'));
  id = md.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '600']);
});
afterAll(() => {
  if (id) md?.run(['rm', '-f', id]);
  md?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** One minidock run with `pre` preloaded (node --require), in the test's host netns. */
function withPreload(pre: string, args: string[], input = '') {
  const file = join(work, `pre-${process.hrtime.bigint()}.cjs`);
  writeFileSync(file, pre);
  return sh('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'env', `MINIDOCK_ROOT=${md.root}`, process.execPath, '--require', file, '--', BIN, ...args], input);
}

describe('exec through the spawn addon', () => {
  it('is built here (Node headers installed), so these tests test it', () => {
    expect(existsSync(ADDON)).toBe(true);
  });

  it('loads neither child_process nor net nor dgram', () => {
    const out = join(work, 'modules.txt');
    const r = withPreload(`process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));\n`, ['exec', id, 'true']);
    expect(r.code, r.stderr).toBe(0);
    const mods = readFileSync(out, 'utf8').split('\n');
    for (const m of ['child_process', 'net', 'dgram']) expect(mods).not.toContain(`NativeModule ${m}`);
  });

  it('starts the shim with one vfork, not a fork of Node', () => {
    const out = join(work, 'strace.txt');
    const r = sh('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'env', `MINIDOCK_ROOT=${md.root}`, 'strace', '-qq', '-e', 'trace=clone,clone3,fork,vfork,execve', '-o', out, process.execPath, '--', BIN, 'exec', id, 'true']);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    // Node's own threads are clone(CLONE_THREAD…); the shim's start is a vfork (or clone with
    // CLONE_VFORK), never a copy of Node's address space
    const starts = lines.filter((l) => /^(clone|clone3|fork|vfork)\(/.test(l) && !/CLONE_THREAD/.test(l));
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatch(/^vfork\(|CLONE_VFORK/);
  });

  it('passes stdin, stdout, stderr and the exit code through', () => {
    const r = md.run(['exec', '-i', id, 'sh', '-c', 'read l; echo "out $l"; echo err >&2; exit 3'], { input: 'line\n' });
    expect(r).toMatchObject({ code: 3, stdout: 'out line\n', stderr: 'err\n' });
    expect(md.run(['exec', id, 'sh', '-c', 'kill -9 $$']).code).toBe(137);
  });

  it('the process it runs blocks no signal and does not ignore SIGPIPE (Node does)', () => {
    const status = md.ok(['exec', id, 'cat', '/proc/self/status']);
    expect(status).toMatch(/^SigBlk:\s+0+$/m);
    const ignored = BigInt(`0x${/^SigIgn:\s+([0-9a-f]+)$/m.exec(status)![1]}`);
    expect(ignored & (1n << 12n)).toBe(0n); // SIGPIPE is 13
  });

  it('a command that is not there: the shim\'s words and 126, as before (Docker\'s exec too)', () => {
    const r = md.run(['exec', id, 'nosuchcmd']);
    expect(r.code).toBe(126);
    expect(r.stderr).toContain('executable file not found in $PATH');
  });
});
