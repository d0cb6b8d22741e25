// The rules inroot.ts and tarwriter.ts took from the stricter of the copies they replace: a
// kernel filesystem in a root reads as empty for `-u` too (it did for cp), cp's `-` stream
// writes non-ASCII names as PAX (as export and Go's archive/tar do), and a time before 1970
// is a PAX record, not a corrupt header (as cp did; export did not).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInProcRoot } from '../../src/engine/container/rootfile.js';
import { TarOut } from '../../src/engine/container/cp.js';
import { entryHeader } from '../../src/engine/image/tarwriter.js';

const tmp = mkdtempSync(join(tmpdir(), 'md-inroot-rules-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('inroot: kernel filesystems', () => {
  it('a file of a procfs inside the root reads as absent, not as the kernel\'s text', () => {
    // our own root: its /proc is procfs; /proc/version is a "regular" file there
    expect(readFileSync('/proc/version', 'utf8')).toMatch(/^Linux/);
    expect(readInProcRoot(process.pid, '/proc/version')).toBeUndefined();
    expect(readInProcRoot(process.pid, '/proc/sys/kernel/hostname')).toBeUndefined();
    // not a blanket refusal: an ordinary file of that root still reads
    writeFileSync(join(tmp, 'passwd'), 'root:x:0:0::/:/bin/sh\n');
    expect(readInProcRoot(process.pid, join(tmp, 'passwd'))).toBe('root:x:0:0::/:/bin/sh\n');
  });
});

describe('tar headers: one writer for cp - and export', () => {
  const pax = (buf: Buffer): string[] => {
    const out: string[] = [];
    for (let off = 0; off + 512 <= buf.length; off += 512) {
      if (String.fromCharCode(buf[off + 156]!) !== 'x') continue;
      const size = parseInt(buf.subarray(off + 124, off + 135).toString(), 8);
      out.push(buf.subarray(off + 512, off + 512 + size).toString('utf8'));
    }
    return out;
  };

  it("cp's `-` stream gives a non-ASCII name a PAX path record", () => {
    const f = join(tmp, 'cp.tar');
    const fd = openSync(f, 'w');
    const t = new TarOut(fd);
    t.entry({ path: ['héllo'], type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, size: 2 });
    t.data(Buffer.from('hi'));
    t.endEntry();
    t.end();
    closeSync(fd);
    expect(pax(readFileSync(f))).toEqual([`${Buffer.byteLength(' path=héllo\n') + 2} path=héllo\n`]);
    const r = spawnSync('tar', ['-xOf', f, 'héllo'], { encoding: 'utf8' });
    expect(r.stdout, r.stderr).toBe('hi');
  });

  it('a time before 1970 is a PAX mtime record that GNU tar reads back', () => {
    const f = join(tmp, 'old.tar');
    writeFileSync(f, Buffer.concat([entryHeader({ path: 'old', type: 'file', mode: 0o644, mtime: -86400 }, 0), Buffer.alloc(1024)]));
    const r = spawnSync('tar', ['--numeric-owner', '--utc', '-tvf', f], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('1969-12-31 00:00 old');
  });
});
