// Resource limits through the real kernel's cgroups: the files minidock writes (v1 on this
// machine), what they do (OOM kill → 137 + OOMKilled, a bounded fork bomb, the devices
// allowlist), that the cgroup is joined and removed, `stats`, and the cgroup v2 path in a
// cgroup2 mount this test makes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, errorLines } from '../helpers/cli.js';
import { useCgroup2 } from '../helpers/cgroup2.js';

let md: Minidock;
const V1 = '/sys/fs/cgroup';
const isV1 = existsSync(join(V1, 'memory', 'memory.limit_in_bytes'));

function cg(controller: string, id: string, file: string): string {
  return readFileSync(join(V1, controller, 'minidock', id, file), 'utf8').trim();
}

beforeAll(() => {
  md = new Minidock();
});

afterAll(() => {
  md?.cleanup();
});

// /dev/kmsg (c 1:11) opens for writing without any capability; nothing is written.
const DEVICE_SCRIPT = 'mknod /tmp/kmsg c 1 11 && echo made; cat /dev/null > /tmp/kmsg && echo opened; cat /dev/null > /dev/null && echo null-ok';

/** mknod works, the node cannot be opened, the allowlisted /dev/null can. */
function expectDevicesConfined(r: { stdout: string; stderr: string }): void {
  expect(r.stdout).toContain('made');
  expect(r.stderr).toContain('Operation not permitted');
  expect(r.stdout).not.toContain('opened');
  expect(r.stdout).toContain('null-ok');
}

describe.runIf(isV1)('cgroup v1 (this machine)', () => {
  it('writes every limit, joins the container to its cgroup, removes it with the container', () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--memory', '32m', '--memory-swap', '64m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '10', 'busybox', 'sleep', '60']);
    try {
      expect(cg('memory', id, 'memory.limit_in_bytes')).toBe(String(32 * 1024 * 1024));
      expect(cg('memory', id, 'memory.memsw.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
      expect(cg('cpu', id, 'cpu.cfs_quota_us')).toBe('50000');
      expect(cg('cpu', id, 'cpu.cfs_period_us')).toBe('100000');
      expect(cg('cpu', id, 'cpu.shares')).toBe('512');
      expect(cg('pids', id, 'pids.max')).toBe('10');
      const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', id]);
      const own = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      for (const c of ['memory', 'pids', 'cpu', 'devices']) expect(own).toMatch(new RegExp(`:${c}(,[a-z]+)?:/minidock/${id}$`, 'm'));
      expect(cg('memory', id, 'cgroup.procs').split('\n')).toContain(pid);
      const hc = JSON.parse(md.ok(['inspect', '-f', '{{json .HostConfig}}', id]));
      expect(hc).toMatchObject({ Memory: 33554432, MemorySwap: 67108864, NanoCpus: 500000000, CpuShares: 512, PidsLimit: 10 });
      // exec joins the same cgroup
      const inner = md.ok(['exec', id, 'cat', '/proc/self/cgroup']);
      expect(inner).toMatch(new RegExp(`:memory:/minidock/${id}$`, 'm'));
    } finally {
      md.ok(['rm', '-f', id]);
    }
    for (const c of ['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices']) expect(existsSync(join(V1, c, 'minidock', id)), c).toBe(false);
  });

  it('--memory 16m: allocating 64 MiB is OOM-killed: exit 137 and State.OOMKilled true; cgroup gone', () => {
    const r = md.run(['run', '--name', 'oom-fg', '--network', 'none', '--memory', '16m', 'busybox', 'dd', 'bs=64M', 'count=1', 'if=/dev/zero', 'of=/dev/null']);
    expect(r.code).toBe(137);
    expect(md.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'oom-fg'])).toBe('true 137');
    const id = md.ok(['inspect', '-f', '{{.Id}}', 'oom-fg']);
    expect(existsSync(join(V1, 'memory', 'minidock', id))).toBe(false);
    // The same without a limit is fine, and not OOMKilled.
    expect(md.run(['run', '--name', 'no-oom', '--network', 'none', 'busybox', 'dd', 'bs=64M', 'count=1', 'if=/dev/zero', 'of=/dev/null']).code).toBe(0);
    expect(md.ok(['inspect', '-f', '{{.State.OOMKilled}}', 'no-oom'])).toBe('false');
    md.ok(['rm', 'oom-fg', 'no-oom']);
  });

  it('a detached OOM kill is recorded too (by the watcher\'s cleanup)', () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--memory', '16m', 'busybox', 'sh', '-c', 'head -c 64m /dev/zero | tail']);
    expect(md.ok(['wait', id])).toBe('137');
    expect(md.ok(['inspect', '-f', '{{.State.OOMKilled}}', id])).toBe('true');
    md.ok(['rm', id]);
  });

  it('--pids-limit 10 bounds a fork bomb: some of 20 background sleeps fail; without it all start', () => {
    const bomb = 'for i in $(seq 20); do sleep 30 & done; echo all-started';
    const limited = md.run(['run', '--rm', '--network', 'none', '--pids-limit', '10', 'busybox', 'sh', '-c', bomb]);
    expect(limited.stdout).not.toContain('all-started');
    expect(limited.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
    const free = md.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', bomb]);
    expect(free.stdout).toContain('all-started');
  });

  it('devices: mknod works but only the allowlisted devices can be opened (unless --privileged)', () => {
    const r = md.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', DEVICE_SCRIPT]);
    expectDevicesConfined(r);
    const p = md.run(['run', '--rm', '--network', 'none', '--privileged', 'busybox', 'sh', '-c', DEVICE_SCRIPT]);
    expect(p.stdout).toContain('opened');
  });

  it('bad limits exit 125 with one line (and Docker\'s usage or help line), and create nothing', () => {
    const before = md.ok(['ps', '-aq']);
    const cases: [string[], RegExp][] = [
      [['--memory', '12x'], /12x/],
      [['--memory', '1m'], /Minimum memory limit allowed is 6MB/],
      [['--memory-swap', '1g'], /Memory limit/],
      [['--memory', '64m', '--memory-swap', '32m'], /memoryswap/],
      [['--cpus', 'two'], /two/],
      [['--cpus', '999'], /Range of CPUs/],
      [['--cpu-shares', '1'], /cpu-shares/],
      [['--pids-limit', 'x'], /pids-limit/],
    ];
    for (const [flags, msg] of cases) {
      const r = md.run(['run', '--rm', ...flags, 'busybox', 'true']);
      expect(r.code, flags.join(' ')).toBe(125);
      // one line (and the usage block or help line Docker prints after it)
      expect(errorLines(r.stderr), flags.join(' ')).toHaveLength(1);
      expect(r.stderr, flags.join(' ')).toMatch(msg);
    }
    expect(md.ok(['ps', '-aq'])).toBe(before);
  });

  it('stats --no-stream shows CPU %, MEM USAGE / LIMIT, MEM %, PIDS (table and --format json)', () => {
    const id = md.ok(['run', '-d', '--name', 'st', '--network', 'none', '--memory', '32m', 'busybox', 'sh', '-c', 'while :; do :; done']);
    try {
      const table = md.ok(['stats', '--no-stream', 'st']).split('\n');
      expect(table[0]).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
      expect(table[1]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+st\\s+[\\d.]+%\\s+[\\d.]+[KMG]?i?B / 32MiB\\s+[\\d.]+%`));
      const j = JSON.parse(md.ok(['stats', '--no-stream', '--format', '{{json .}}', 'st']));
      expect(j).toMatchObject({ Name: 'st', ID: id.slice(0, 12), PIDs: '1' });
      // A busy loop: clearly more than nothing (the machine may be shared, so no upper bound).
      expect(parseFloat(j.CPUPerc)).toBeGreaterThan(5);
      expect(j.MemUsage).toMatch(/ \/ 32MiB$/);
      expect(md.ok(['stats', '--no-stream', '--format', '{{.Name}}'])).toContain('st');
    } finally {
      md.ok(['rm', '-f', id]);
    }
  });
});

describe('cgroup v2 (in a cgroup2 mount of this test)', () => {
  let mnt = '';
  let v2: Minidock | undefined;
  useCgroup2('mdcg2-', (cg) => ({ mnt, md: v2 } = cg));

  it('creates minidock/<id>, puts the container in it, removes it; limits need their controller', (ctx) => {
    if (!v2) return ctx.skip('cannot run here: mount -t cgroup2 fails on this kernel');
    const id = v2.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
    const dir = join(mnt, 'minidock', id);
    try {
      const pid = v2.ok(['inspect', '-f', '{{.State.Pid}}', id]);
      expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')).toContain(pid);
      expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toMatch(new RegExp(`^0::/minidock/${id}$`, 'm'));
    } finally {
      v2.ok(['rm', '-f', id]);
    }
    expect(existsSync(dir)).toBe(false);
    // Which limits work depends on the controllers the kernel offers to cgroup v2 here: those no
    // v1 hierarchy holds (hierarchy 0 in /proc/cgroups). That is asserted first, then each
    // controller's outcome, enforced or refused: neither branch can pass by not running.
    const avail = readFileSync(join(mnt, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
    const freeForV2 = (c: string): boolean => readFileSync('/proc/cgroups', 'utf8').split('\n').some((l) => /^(\S+)\s+0\s+\d+\s+1$/.exec(l)?.[1] === c);
    for (const c of ['memory', 'pids']) expect(avail.includes(c), `cgroup v2 offers ${c}`).toBe(freeForV2(c));
    if (!avail.includes('memory')) {
      const before = v2.ok(['ps', '-aq']);
      const r = v2.run(['run', '--rm', '--memory', '16m', 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr.trim()).toBe(`minidock: --memory: the cgroup v2 memory controller is not available in ${mnt}`);
      expect(v2.ok(['ps', '-aq'])).toBe(before);
    } else {
      const r = v2.run(['run', '--rm', '--network', 'none', '--memory', '16m', 'busybox', 'dd', 'bs=64M', 'count=1', 'if=/dev/zero', 'of=/dev/null']);
      expect(r.code).toBe(137);
    }
    if (avail.includes('pids')) {
      const r = v2.run(['run', '--rm', '--network', 'none', '--pids-limit', '10', 'busybox', 'sh', '-c', 'for i in $(seq 20); do sleep 30 & done; echo all-started']);
      expect(r.stdout).not.toContain('all-started');
    } else {
      const before = v2.ok(['ps', '-aq']);
      const r = v2.run(['run', '--rm', '--pids-limit', '10', 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr.trim()).toBe(`minidock: --pids-limit: the cgroup v2 pids controller is not available in ${mnt}`);
      expect(v2.ok(['ps', '-aq'])).toBe(before);
    }
  });

  it('devices: a BPF device program on the cgroup opens only the allowlisted devices, also for exec (unless --privileged)', (ctx) => {
    if (!v2) return ctx.skip('cannot run here: mount -t cgroup2 fails on this kernel');
    // cgroup v2 has no devices.allow; on this host the v1 devices cgroup is the host's own (all
    // allowed), so what is refused here is refused by minidock's program alone.
    const r = v2.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', DEVICE_SCRIPT]);
    expectDevicesConfined(r);
    const id = v2.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
    try {
      const e = v2.run(['exec', id, 'sh', '-c', DEVICE_SCRIPT]);
      expect(e.stdout).not.toContain('opened');
      expect(e.stdout).toContain('null-ok');
    } finally {
      v2.ok(['rm', '-f', id]);
    }
    const p = v2.run(['run', '--rm', '--network', 'none', '--privileged', 'busybox', 'sh', '-c', DEVICE_SCRIPT]);
    expect(p.stdout).toContain('opened');
  });
});
