// A start reads what it needs, not a file (or a line) per container there is (issue 12's "the
// 100th start costs what the first does"), as counts: the files one `run -d -p` opens, seen by
// strace (each child is left at its execve: ip, nft, the shim), are the same with 1 container
// running as with 11, and include no other container's record and no /proc/net/dev (a line per
// interface, so per veth). And the names index that replaced the scan of every record still
// refuses a taken name, frees a removed or renamed one, and is built for a root made without it
// or in an earlier boot.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, Minidock } from '../helpers/cli.js';

const md = new Minidock();
const tmp = mkdtempSync(join(tmpdir(), 'mdstartcost-'));
afterAll(() => {
  md.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** The files one `run -d -p PORT:80` opens (ids and pids made generic), the new container's id; it is removed after. */
function opensOfOneStart(port: number): { opens: string[]; otherRecords: number } {
  const log = join(tmp, `strace-${port}.log`);
  const argv = ['--net=/run/netns/' + md.hostNs, '--', 'strace', '-f', '-b', 'execve', '-qq', '-o', log, '-e', 'trace=openat', process.execPath, '--', BIN, 'run', '-d', '-p', `${port}:80`, 'busybox', 'sleep', '600'];
  const r = spawnSync('nsenter', argv, { env: md.env, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const id = r.stdout.trim();
  md.ok(['rm', '-f', id]);
  const paths = [...readFileSync(log, 'utf8').matchAll(/openat\(AT_FDCWD, "([^"]+)"/g)].map((m) => m[1]);
  const records = paths.filter((p) => p.startsWith(`${md.root}/containers/`) && p.endsWith('/container.json'));
  return {
    opens: paths.map((p) => p.replace(/[0-9a-f]{64}/g, 'ID').replace(/\/proc\/\d+\//, '/proc/PID/').replace(/\.tmp-\d+-\d+$/, '.tmp')).sort(),
    otherRecords: records.filter((p) => !p.includes(id)).length,
  };
}

describe('a start opens the same files with 1 and with 11 containers running', () => {
  it('no other container record, no /proc/net/dev, the same list', () => {
    md.ok(['run', '--rm', '-p', '20999:80', 'busybox', 'true']); // the bridge, the rules, the image's caches
    md.ok(['run', '-d', '-p', '21000:80', 'busybox', 'sleep', '600']);
    const first = opensOfOneStart(22000);
    for (let i = 1; i <= 10; i++) md.ok(['run', '-d', '-p', `${21000 + i}:80`, 'busybox', 'sleep', '600']);
    const last = opensOfOneStart(22000);
    expect(last.otherRecords).toBe(0);
    expect(first.otherRecords).toBe(0);
    expect(last.opens.filter((p) => /\/net\/dev$/.test(p))).toEqual([]);
    expect(last.opens).toEqual(first.opens);
  }, 120_000);
});

describe('the names index', () => {
  // create prints a daemon's refusal as the docker CLI does: no program name (run adds `minidock: `)
  const conflict = /^(?:minidock: )?Error response from daemon: Conflict\. The container name "\/(\S+)" is already in use by container "([0-9a-f]{64})"/m;

  it('refuses a taken name; frees it on rm and on rename; a stale entry does not hold it', () => {
    const a = md.ok(['create', '--name', 'nm-a', 'busybox', 'true']);
    const r = md.run(['create', '--name', 'nm-a', 'busybox', 'true']);
    expect(r.code).toBe(1); // create's code (run makes it 125)
    expect(conflict.exec(r.stderr)?.[2]).toBe(a);
    md.ok(['rename', 'nm-a', 'nm-b']);
    const b2 = md.run(['create', '--name', 'nm-b', 'busybox', 'true']);
    expect(conflict.exec(b2.stderr)?.[2]).toBe(a); // the new name is held
    const a2 = md.ok(['create', '--name', 'nm-a', 'busybox', 'true']); // the old one is free
    md.ok(['rm', 'nm-b']);
    expect(md.ok(['create', '--name', 'nm-b', 'busybox', 'true'])).toMatch(/^[0-9a-f]{64}$/);
    // an entry naming a container that is gone (a crash between the entry and the record)
    const names = join(md.root, 'names');
    symlinkSync('f'.repeat(64), join(names, 'nm-ghost'));
    expect(md.ok(['create', '--name', 'nm-ghost', 'busybox', 'true'])).toMatch(/^[0-9a-f]{64}$/);
    md.ok(['rm', '-f', a2, 'nm-b', 'nm-ghost']);
  });

  it('a root without the index (an older minidock made it) gets it built from the records', () => {
    const held = md.ok(['create', '--name', 'nm-old', 'busybox', 'true']);
    rmSync(join(md.root, 'names'), { recursive: true, force: true });
    const r = md.run(['create', '--name', 'nm-old', 'busybox', 'true']);
    expect(r.code).toBe(1); // create's code (run makes it 125)
    expect(conflict.exec(r.stderr)?.[2]).toBe(held);
    expect(readlinkSync(join(md.root, 'names', 'nm-old'))).toBe(held);
    // and the generated names of the containers running keep theirs
    const all = md.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n');
    expect(readdirSync(join(md.root, 'names')).sort()).toEqual(expect.arrayContaining(all));
    // an entry lost to a power loss (nothing in the index is fsynced): the first create of the
    // next boot builds the index again from the records
    rmSync(join(md.root, 'names', 'nm-old'));
    writeFileSync(join(md.root, 'names', '.boot'), 'an-earlier-boot\n');
    const again = md.run(['create', '--name', 'nm-old', 'busybox', 'true']);
    expect(conflict.exec(again.stderr)?.[2], again.stderr).toBe(held);
    expect(readlinkSync(join(md.root, 'names', 'nm-old'))).toBe(held);
    md.ok(['rm', '-f', 'nm-old']);
  });
});
