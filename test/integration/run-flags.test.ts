// The run/create flags of issue 13 against real containers: each is enforced (the file, the
// kernel value, the behaviour inside), not only recorded; bad values exit 125 and create nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, sh, sleep } from '../helpers/cli.js';
import { useCgroup2 } from '../helpers/cgroup2.js';
import { buildLayout, haveRegistry, mdIn, push, startRegistry, type BuiltLayout, type Registry } from '../helpers/registry.js';

let md: Minidock;
let tmp: string;
const V1 = '/sys/fs/cgroup';
const isV1 = existsSync(join(V1, 'memory', 'memory.limit_in_bytes'));

beforeAll(() => {
  md = new Minidock();
  tmp = mkdtempSync(join(tmpdir(), 'mdrf-'));
});

afterAll(() => {
  md?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** Refused with one line, exit 125, and no container left behind. */
function expectRefused(args: string[], message: string): void {
  const before = md.ok(['ps', '-aq']);
  const r = md.run(args);
  expect(r.code, r.stderr).toBe(125);
  expect(r.stderr).toContain(message);
  expect(md.ok(['ps', '-aq'])).toBe(before);
}

describe('/etc/hosts and resolv.conf', () => {
  it('--add-host adds entries (host-gateway is the bridge gateway) and is in HostConfig.ExtraHosts', () => {
    const id = md.ok(['create', '--add-host', 'db:10.1.2.3', '--add-host', 'v6=[::1]', '--add-host', 'host.docker.internal:host-gateway', 'busybox', 'cat', '/etc/hosts']);
    md.ok(['start', id]);
    md.ok(['wait', id]);
    const hosts = md.ok(['logs', id]);
    expect(hosts).toMatch(/^10\.1\.2\.3\tdb$/m);
    expect(hosts).toMatch(/^::1\tv6$/m);
    const gw = JSON.parse(md.ok(['network', 'inspect', 'bridge']))[0].IPAM.Config[0].Gateway;
    expect(gw).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(hosts).toContain(`${gw}\thost.docker.internal`);
    expect(JSON.parse(md.ok(['inspect', '-f', '{{json .HostConfig.ExtraHosts}}', id]))).toEqual(['db:10.1.2.3', 'v6:::1', 'host.docker.internal:host-gateway']);
    md.ok(['rm', id]);
    expectRefused(['run', '--rm', '--add-host', 'nocolon', 'busybox', 'true'], 'bad format for add-host: "nocolon"');
    expectRefused(['run', '--rm', '--add-host', 'h:1.2.3', 'busybox', 'true'], 'invalid IP address in add-host: "1.2.3"');
  });

  it('--dns, --dns-search, --dns-option replace those parts of resolv.conf (default bridge)', () => {
    const out = md.ok(['run', '--rm', '--dns', '10.0.0.53', '--dns', '10.0.0.54', '--dns-search', 'corp.example', '--dns-option', 'ndots:2', '--dns-option', 'rotate', 'busybox', 'cat', '/etc/resolv.conf']);
    expect(out).toBe('search corp.example\nnameserver 10.0.0.53\nnameserver 10.0.0.54\noptions ndots:2 rotate');
    const none = md.ok(['run', '--rm', '--dns-search', '.', '--dns', '10.0.0.53', 'busybox', 'cat', '/etc/resolv.conf']);
    expect(none).not.toContain('search');
    expectRefused(['run', '--rm', '--dns', 'not-an-ip', 'busybox', 'true'], 'IP address is not correctly formatted: not-an-ip');
    expectRefused(['run', '--rm', '--dns-search', 'bad_domain!', 'busybox', 'true'], 'bad_domain! is not a valid domain');
  });

  describe('on a user network', () => {
    let fake: ChildProcess | undefined;
    beforeAll(async () => {
      md.ok(['network', 'create', 'rfnet']);
      // A DNS server on the test host's own loopback (its throwaway netns): A 10.9.8.7 for every name.
      const script = `
        const s = require('dgram').createSocket('udp4');
        s.on('message', (q, r) => {
          let o = 12; while (q[o]) o += q[o] + 1; const qend = o + 5;
          const isA = q.readUInt16BE(o + 1) === 1;
          const h = Buffer.from(q.subarray(0, qend)); h.writeUInt16BE(0x8180, 2); h.writeUInt16BE(isA ? 1 : 0, 6); h.writeUInt32BE(0, 8);
          const a = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 9, 8, 7]);
          s.send(isA ? Buffer.concat([h, a]) : h, r.port, r.address);
        });
        s.bind(53, '127.0.0.1', () => console.log('ready'));`;
      fake = spawn('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((res) => fake!.stdout!.once('data', () => res()));
    });
    afterAll(() => {
      fake?.kill();
      md.run(['network', 'rm', 'rfnet']);
    });

    it('resolv.conf points at the embedded DNS, which forwards to the --dns servers', () => {
      const conf = md.ok(['run', '--rm', '--network', 'rfnet', '--dns', '127.0.0.1', '--dns-search', 'corp.example', '--dns-option', 'timeout:2', 'busybox', 'cat', '/etc/resolv.conf']);
      expect(conf).toBe('search corp.example\nnameserver 127.0.0.11\noptions timeout:2 ndots:0');
      const r = md.run(['run', '--rm', '--network', 'rfnet', '--dns', '127.0.0.1', 'busybox', 'nslookup', '-type=a', 'anything.example']);
      expect(r.stdout).toContain('10.9.8.7');
    });
  });

  it('--mac-address sets eth0\'s address (and the endpoint\'s MacAddress)', () => {
    const id = md.ok(['run', '-d', '--mac-address', '02:42:AC:11:00:99', 'busybox', 'sleep', '30']);
    try {
      expect(md.ok(['exec', id, 'cat', '/sys/class/net/eth0/address'])).toBe('02:42:ac:11:00:99');
      expect(md.ok(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.MacAddress}}', id])).toBe('02:42:ac:11:00:99');
      expect(md.ok(['inspect', '-f', '{{.Config.MacAddress}}', id])).toBe('02:42:ac:11:00:99');
    } finally {
      md.ok(['rm', '-f', id]);
    }
    expectRefused(['run', '--rm', '--mac-address', 'zz:00:00:00:00:00', 'busybox', 'true'], 'zz:00:00:00:00:00 is not a valid mac address');
    expectRefused(['run', '--rm', '--network', 'host', '--mac-address', '02:00:00:00:00:01', 'busybox', 'true'], 'conflicting options: mac-address and the network mode');
  });
});

describe('create and stop', () => {
  it('--cidfile gets the id after create; an existing file is refused', () => {
    const f = join(tmp, 'cid');
    const id = md.ok(['create', '--cidfile', f, 'busybox', 'true']);
    expect(readFileSync(f, 'utf8')).toBe(id);
    expect(md.ok(['inspect', '-f', '{{.HostConfig.ContainerIDFile}}', id])).toBe(f);
    expectRefused(['create', '--cidfile', f, 'busybox', 'true'], `Container ID file found, make sure the other container isn't running or delete ${f}`);
    md.ok(['rm', id]);
  });

  it('--stop-signal is what stop sends; --stop-timeout how long it waits', async () => {
    const id = md.ok(['run', '-d', '--stop-signal', 'SIGUSR1', 'busybox', 'sh', '-c', 'trap "echo got-usr1; exit 3" USR1; while true; do sleep 0.1; done']);
    await sleep(300);
    expect(md.ok(['inspect', '-f', '{{.Config.StopSignal}}', id])).toBe('SIGUSR1');
    md.ok(['stop', id]);
    expect(md.ok(['inspect', '-f', '{{.State.ExitCode}}', id])).toBe('3');
    expect(md.ok(['logs', id])).toContain('got-usr1');
    md.ok(['rm', id]);
    // PID 1 without a TERM handler ignores it: stop waits --stop-timeout (1 s), not 10 s, then kills.
    const slow = md.ok(['run', '-d', '--stop-timeout', '1', 'busybox', 'sleep', '60']);
    expect(md.ok(['inspect', '-f', '{{.Config.StopTimeout}}', slow])).toBe('1');
    const t0 = Date.now();
    md.ok(['stop', slow]);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(6000);
    expect(md.ok(['inspect', '-f', '{{.State.ExitCode}}', slow])).toBe('137');
    md.ok(['rm', slow]);
    expectRefused(['run', '--rm', '--stop-signal', 'NOSUCH', 'busybox', 'true'], 'Error response from daemon: Invalid signal: NOSUCH');
    expectRefused(['run', '--rm', '--stop-timeout', 'x', 'busybox', 'true'], 'invalid argument "x" for "--stop-timeout" flag');
  });

  it('--expose goes into Config.ExposedPorts and -P publishes it', () => {
    const id = md.ok(['run', '-d', '-P', '--expose', '8080', '--expose', '7000-7001/udp', 'busybox', 'sleep', '30']);
    try {
      const exposed = JSON.parse(md.ok(['inspect', '-f', '{{json .Config.ExposedPorts}}', id]));
      expect(Object.keys(exposed).sort()).toEqual(['7000/udp', '7001/udp', '8080/tcp']);
      const ports = md.ok(['port', id]);
      expect(ports).toMatch(/^8080\/tcp -> 0\.0\.0\.0:\d+$/m);
      expect(ports).toMatch(/^7000\/udp -> /m);
    } finally {
      md.ok(['rm', '-f', id]);
    }
    expectRefused(['run', '--rm', '--expose', '80:80', 'busybox', 'true'], 'invalid port format for --expose: 80:80');
    expectRefused(['run', '--rm', '--expose', 'http', 'busybox', 'true'], 'invalid range format for --expose: http');
  });

  it('--label-file: labels from the file, -l overrides', () => {
    const f = join(tmp, 'labels');
    writeFileSync(f, '# comment\na=1\n\nb\nc=from-file\n');
    const id = md.ok(['create', '--label-file', f, '-l', 'c=flag', 'busybox', 'true']);
    expect(JSON.parse(md.ok(['inspect', '-f', '{{json .Config.Labels}}', id]))).toEqual({ a: '1', b: '', c: 'flag' });
    md.ok(['rm', id]);
    expectRefused(['create', '--label-file', join(tmp, 'nosuch'), 'busybox', 'true'], 'nosuch');
  });

  it('--dry-run says what --pull/--platform would refuse, changing nothing', () => {
    md.ok(['run', '--rm', '--network', 'none', 'busybox', 'true']); // the builtin image is here
    expectRefused(['run', '--dry-run', '--platform', 'linux/arm64', 'busybox', 'true'], 'image with reference busybox was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64');
    expectRefused(['run', '--dry-run', '--pull', 'never', 'nosuchimage', 'true'], 'No such image: nosuchimage:latest');
    expect(md.run(['run', '--dry-run', '--platform', 'linux/amd64', 'busybox', 'true']).code).toBe(0);
  });

  it('--userns and --runtime are refused with one line', () => {
    expectRefused(['run', '--rm', '--userns', 'host', 'busybox', 'true'], '--userns: minidock has no user namespaces');
    expectRefused(['run', '--rm', '--runtime', 'runc', 'busybox', 'true'], '--runtime: minidock has one runtime');
  });
});

describe('inside the process', () => {
  it('--sysctl sets namespaced sysctls in the container only; others are refused', () => {
    const before = readFileSync('/proc/sys/kernel/shmmax', 'utf8');
    const out = md.ok(['run', '--rm', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=99', '--sysctl', 'net.ipv4.conf.eth0.rp_filter=2', '--sysctl', 'kernel.shmmax=123456',
      'busybox', 'cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start', '/proc/sys/net/ipv4/conf/eth0/rp_filter', '/proc/sys/kernel/shmmax']);
    expect(out.split('\n')).toEqual(['99', '2', '123456']);
    expect(readFileSync('/proc/sys/kernel/shmmax', 'utf8')).toBe(before);
    expect(md.inHost('cat', ['/proc/sys/net/ipv4/ip_unprivileged_port_start']).stdout.trim()).not.toBe('99');
    expectRefused(['run', '--rm', '--sysctl', 'kernel.hostname=x', 'busybox', 'true'], `sysctl 'kernel.hostname=x' is not allowed`);
    expectRefused(['run', '--rm', '--sysctl', 'vm.swappiness=1', 'busybox', 'true'], `sysctl 'vm.swappiness=1' is not allowed`);
    expectRefused(['run', '--rm', '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'true'], 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace');
    const r = md.run(['run', '--rm', '--sysctl', 'net.ipv4.nosuch=1', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('sysctl net.ipv4.nosuch=1: no such sysctl');
  });

  it('--ulimit sets soft and hard limits; bad ones are refused with go-units messages', () => {
    const out = md.ok(['run', '--rm', '--ulimit', 'nofile=100:200', '--ulimit', 'nproc=50', '--ulimit', 'core=-1', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -u; ulimit -c']);
    expect(out.split('\n')).toEqual(['100', '200', '50', 'unlimited']);
    const id = md.ok(['run', '-d', '--network', 'none', '--ulimit', 'nofile=123:456', 'busybox', 'sleep', '30']);
    try {
      expect(md.ok(['exec', id, 'sh', '-c', 'ulimit -n; ulimit -Hn'])).toBe('123\n456'); // execs get them too (runc's rule)
    } finally {
      md.ok(['rm', '-f', id]);
    }
    expectRefused(['run', '--rm', '--ulimit', 'nofile=200:100', 'busybox', 'true'], 'ulimit soft limit must be less than or equal to hard limit: 200 > 100');
    expectRefused(['run', '--rm', '--ulimit', 'as=1', 'busybox', 'true'], 'invalid ulimit type: as');
  });

  it('HOME comes from the user\'s passwd entry, else /; -e HOME wins', () => {
    expect(md.ok(['run', '--rm', 'busybox', 'sh', '-c', 'echo $HOME'])).toBe('/root');
    const nobodyHome = md.ok(['run', '--rm', 'busybox', 'sh', '-c', 'grep ^nobody: /etc/passwd | cut -d: -f6']);
    expect(md.ok(['run', '--rm', '-u', 'nobody', 'busybox', 'sh', '-c', 'echo $HOME'])).toBe(nobodyHome);
    expect(md.ok(['run', '--rm', '-u', '4242', 'busybox', 'sh', '-c', 'echo $HOME'])).toBe('/');
    expect(md.ok(['run', '--rm', '-e', 'HOME=/x', 'busybox', 'sh', '-c', 'echo $HOME'])).toBe('/x');
    // Not in Config.Env (Docker's inspect does not show it either), but there for exec too.
    const id = md.ok(['run', '-d', 'busybox', 'sleep', '30']);
    try {
      expect(md.ok(['exec', id, 'sh', '-c', 'echo $HOME'])).toBe('/root');
      expect(md.ok(['inspect', '-f', '{{json .Config.Env}}', id])).not.toContain('HOME=');
    } finally {
      md.ok(['rm', '-f', id]);
    }
  });

  it('--shm-size sizes /dev/shm', () => {
    const df = md.ok(['run', '--rm', '--shm-size', '8m', 'busybox', 'df', '-k', '/dev/shm']);
    expect(df).toMatch(/^shm\s+8192\s/m);
    const dflt = md.ok(['run', '--rm', 'busybox', 'df', '-k', '/dev/shm']);
    expect(dflt).toMatch(/^shm\s+65536\s/m);
    expectRefused(['run', '--rm', '--shm-size', 'lots', 'busybox', 'true'], `invalid argument "lots" for "--shm-size" flag: invalid size: 'lots'`);
  });

  it('--group-add adds supplementary groups (ids or names from the container), for exec too', () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--group-add', '1234', '--group-add', 'daemon', 'busybox', 'sleep', '30']);
    try {
      const daemonGid = md.ok(['exec', id, 'sh', '-c', 'grep ^daemon: /etc/group | cut -d: -f3']);
      const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', id]);
      const groups = /^Groups:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1].trim().split(/\s+/);
      expect(groups).toEqual(expect.arrayContaining(['1234', daemonGid]));
      expect(md.ok(['exec', id, 'id', '-G']).split(' ')).toEqual(expect.arrayContaining(['1234', daemonGid]));
    } finally {
      md.ok(['rm', '-f', id]);
    }
    const r = md.run(['run', '--rm', '--group-add', 'nosuchgroup', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('Unable to find group nosuchgroup');
  });
});

describe.runIf(isV1)('cgroup limits (v1, this machine)', () => {
  it('/sys/fs/cgroup inside: each hierarchy shows the container\'s own cgroup, read-only (writable with --privileged)', () => {
    const out = md.ok(['run', '--rm', '--network', 'none', '-m', '32m', '--pids-limit', '7', 'busybox', 'sh', '-c',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; grep -c " /sys/fs/cgroup/[a-z,]* cgroup ro," /proc/mounts; echo 8 > /sys/fs/cgroup/pids/pids.max || echo refused']);
    const lines = out.split('\n');
    expect(lines.slice(0, 2)).toEqual([String(32 * 1024 * 1024), '7']);
    expect(Number(lines[2])).toBeGreaterThanOrEqual(4);
    expect(lines[3]).toBe('refused');
    const p = md.ok(['run', '--rm', '--network', 'none', '--privileged', '--pids-limit', '7', 'busybox', 'sh', '-c', 'echo 9 > /sys/fs/cgroup/pids/pids.max && cat /sys/fs/cgroup/pids/pids.max']);
    expect(p).toBe('9');
  });

  it('--cpuset-cpus, --cpuset-mems, --memory-reservation are written and enforced', () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--memory-reservation', '20m', 'busybox', 'sleep', '30']);
    try {
      const cs = join(V1, 'cpuset', 'minidock', id);
      expect(readFileSync(join(cs, 'cpuset.cpus'), 'utf8').trim()).toBe('0');
      expect(readFileSync(join(cs, 'cpuset.mems'), 'utf8').trim()).toBe('0');
      expect(readFileSync(join(V1, 'memory', 'minidock', id, 'memory.soft_limit_in_bytes'), 'utf8').trim()).toBe(String(20 * 1024 * 1024));
      const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', id]);
      expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s+0$/m);
      expect(md.ok(['exec', id, 'grep', 'Cpus_allowed_list', '/proc/self/status'])).toMatch(/\s0$/);
      const hc = JSON.parse(md.ok(['inspect', '-f', '{{json .HostConfig}}', id]));
      expect(hc).toMatchObject({ CpusetCpus: '0', CpusetMems: '0', MemoryReservation: 20971520 });
    } finally {
      md.ok(['rm', '-f', id]);
    }
    expect(existsSync(join(V1, 'cpuset', 'minidock', id))).toBe(false);
    expectRefused(['run', '--rm', '--cpuset-cpus', '999', 'busybox', 'true'], 'Requested CPUs are not available - requested 999');
    expectRefused(['run', '--rm', '--cpuset-cpus', 'x', 'busybox', 'true'], 'Invalid value x for cpuset cpus');
    expectRefused(['run', '--rm', '-m', '10m', '--memory-reservation', '20m', 'busybox', 'true'], 'Minimum memory limit can not be less than memory reservation limit');
  });
});

describe('cgroup limits (v2, in a cgroup2 mount of this test)', () => {
  let mnt = '';
  let v2: Minidock | undefined;
  useCgroup2('mdrfcg2-', (cg) => ({ mnt, md: v2 } = cg));

  it('/sys/fs/cgroup inside is the container\'s own cgroup, read-only', (ctx) => {
    if (!v2) return ctx.skip();
    const id = v2.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '30']);
    try {
      const pid = v2.ok(['inspect', '-f', '{{.State.Pid}}', id]);
      expect(v2.ok(['exec', id, 'cat', '/sys/fs/cgroup/cgroup.procs']).split('\n')).toContain('1');
      expect(readFileSync(join(mnt, 'minidock', id, 'cgroup.procs'), 'utf8').split('\n')).toContain(pid);
      const w = v2.run(['exec', id, 'sh', '-c', 'echo 1 > /sys/fs/cgroup/cgroup.max.depth']);
      expect(w.stderr).toContain('Read-only file system');
    } finally {
      v2.ok(['rm', '-f', id]);
    }
  });

  it('--device: the BPF device program allows the added device, with its permissions', (ctx) => {
    if (!v2) return ctx.skip();
    const r = v2.run(['run', '--rm', '--network', 'none', '--device', '/dev/kmsg:/dev/kmsg:w', 'busybox', 'sh', '-c', 'cat /dev/null > /dev/kmsg && echo opened-w; timeout 1 cat /dev/kmsg > /dev/null']);
    expect(r.stdout).toContain('opened-w');
    expect(r.stderr).toContain('Operation not permitted');
    const none = v2.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'mknod /tmp/k c 1 11; cat /dev/null > /tmp/k && echo opened-w']);
    expect(none.stdout).not.toContain('opened-w');
  });

  it('cpuset and memory.low where the controller is offered, else refused (never dropped)', (ctx) => {
    if (!v2) return ctx.skip();
    const avail = readFileSync(join(mnt, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (avail.includes('cpuset')) {
      const id = v2.ok(['run', '-d', '--network', 'none', '--cpuset-cpus', '0', 'busybox', 'sleep', '30']);
      try {
        expect(readFileSync(join(mnt, 'minidock', id, 'cpuset.cpus'), 'utf8').trim()).toBe('0');
      } finally {
        v2.ok(['rm', '-f', id]);
      }
    } else {
      const r = v2.run(['run', '--rm', '--cpuset-cpus', '0', 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain('minidock: --cpuset-cpus: the cgroup v2 cpuset controller is not available');
    }
    if (!avail.includes('memory')) {
      const r = v2.run(['run', '--rm', '--memory-reservation', '20m', 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain('the cgroup v2 memory controller is not available');
    }
  });
});

describe.runIf(haveRegistry)('--pull and --platform (a real registry on loopback)', () => {
  let reg: Registry;
  let root: string;
  let layout: BuiltLayout | undefined;
  const md0 = (args: string[]) => mdIn(root, args);
  beforeAll(async () => {
    reg = await startRegistry();
    root = mkdtempSync(join(tmpdir(), 'mdrf-pull-'));
    layout = buildLayout('1', [
      { architecture: 'amd64', layers: [{ entries: [{ path: 'arch', type: 'file', data: 'amd64\n' }] }] },
      { architecture: 'arm64', variant: 'v8', layers: [{ entries: [{ path: 'arch', type: 'file', data: 'arm64\n' }] }] },
    ]);
    push(layout, '1', `${reg.host}/plat:1`);
  });
  afterAll(async () => {
    if (root) mdIn(root, ['rm', '-f', ...(mdIn(root, ['ps', '-aq']).stdout.split('\n').filter(Boolean))]);
    await reg?.stop();
    if (layout) rmSync(layout.dir, { recursive: true, force: true });
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('--platform picks the platform when pulling, and a local image of another platform is refused', () => {
    const ref = `${reg.host}/plat:1`;
    const a = md0(['create', '--platform', 'linux/arm64', ref, 'true']);
    expect(a.code, a.stderr).toBe(0);
    expect(md0(['image', 'inspect', '-f', '{{.Architecture}}', ref]).stdout.trim()).toBe('arm64');
    const b = md0(['create', '--platform', 'linux/amd64', ref, 'true']);
    expect(b.code).toBe(125);
    expect(b.stderr).toContain(`image with reference ${ref} was found but does not match the specified platform: wanted linux/amd64, actual: linux/arm64/v8`);
    // --pull always fetches again, for the host's platform unless --platform says otherwise
    const c = md0(['create', '--pull', 'always', ref, 'true']);
    expect(c.code, c.stderr).toBe(0);
    expect(md0(['image', 'inspect', '-f', '{{.Architecture}}', ref]).stdout.trim()).toBe('amd64');
    const bad = md0(['create', '--platform', 'windows/amd64', ref, 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('only linux images can run here');
  });

  it('--pull never uses only local images; bad values and the builtin with always are refused', () => {
    const r = md0(['create', '--pull', 'never', `${reg.host}/nothere:1`, 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`No such image: ${reg.host}/nothere:1`);
    expect(md0(['ps', '-aq']).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    const v = md0(['create', '--pull', 'sometimes', 'busybox', 'true']);
    expect(v.stderr).toContain(`invalid pull option: 'sometimes': must be one of "always", "missing" or "never"`);
    const n = md0(['create', '--pull', 'never', 'busybox', 'true']);
    expect(n.code, n.stderr).toBe(0);
    const w = md0(['create', '--pull', 'always', 'busybox', 'true']);
    expect(w.code).toBe(125);
    expect(w.stderr).toContain("--pull always: busybox is minidock's builtin busybox image");
  });
});

describe('namespaces: --pid host, --uts host, --ipc', () => {
  const ns = (kind: string, pid: number | 'self') => sh('readlink', [`/proc/${pid}/ns/${kind}`]).stdout.trim();

  it('--pid host and --uts host share the host\'s namespaces; -h conflicts with --uts host', () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--pid', 'host', '--uts', 'host', 'busybox', 'sleep', '30']);
    try {
      const pid = Number(md.ok(['inspect', '-f', '{{.State.Pid}}', id]));
      expect(ns('pid', pid)).toBe(ns('pid', 'self'));
      expect(ns('uts', pid)).toBe(ns('uts', 'self'));
      expect(ns('ipc', pid)).not.toBe(ns('ipc', 'self'));
      // the host's processes are visible, this test's own among them
      expect(md.ok(['exec', id, 'ls', '/proc']).split('\n')).toContain(String(process.pid));
      expect(md.ok(['exec', id, 'hostname'])).toBe(sh('hostname', []).stdout.trim());
      expect(md.ok(['inspect', '-f', '{{.HostConfig.PidMode}} {{.HostConfig.UTSMode}}', id])).toBe('host host');
    } finally {
      md.ok(['rm', '-f', id]);
    }
    expectRefused(['run', '--rm', '--uts', 'host', '-h', 'x', 'busybox', 'true'], 'Conflicting options: hostname and the UTS mode');
    expectRefused(['run', '--rm', '--pid', 'bogus', 'busybox', 'true'], '--pid: invalid PID mode');
    expectRefused(['run', '--rm', '--uts', 'bogus', 'busybox', 'true'], '--uts: invalid UTS mode');
  });

  it('--ipc host|none|shareable|container:NAME', () => {
    expect(md.ok(['run', '--rm', '--network', 'none', '--ipc', 'host', 'busybox', 'readlink', '/proc/self/ns/ipc'])).toBe(ns('ipc', 'self'));
    expect(md.ok(['run', '--rm', '--network', 'none', '--ipc', 'none', 'busybox', 'sh', '-c', 'grep -c " /dev/shm " /proc/mounts || true'])).toBe('0');
    const donor = md.ok(['run', '-d', '--network', 'none', '--ipc', 'shareable', 'busybox', 'sh', '-c', 'echo from-donor > /dev/shm/x; sleep 30']);
    const other = md.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '30']);
    try {
      const dpid = Number(md.ok(['inspect', '-f', '{{.State.Pid}}', donor]));
      const out = md.ok(['run', '--rm', '--network', 'none', '--ipc', `container:${donor}`, 'busybox', 'sh', '-c', 'readlink /proc/self/ns/ipc; cat /dev/shm/x; echo joiner > /dev/shm/y']);
      expect(out.split('\n')).toEqual([ns('ipc', dpid), 'from-donor']);
      expect(md.ok(['exec', donor, 'cat', '/dev/shm/y'])).toBe('joiner');
      expectRefused(['run', '--rm', '--ipc', `container:${other}`, 'busybox', 'true'], 'non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
    } finally {
      md.ok(['rm', '-f', donor, other]);
    }
    expectRefused(['run', '--rm', '--ipc', 'container:nosuch', 'busybox', 'true'], 'No such container: nosuch');
    expectRefused(['run', '--rm', '--ipc', 'bogus', 'busybox', 'true'], 'Invalid IPC mode: bogus');
    expectRefused(['run', '--rm', '--ipc', 'host', '--sysctl', 'kernel.shmmax=1', 'busybox', 'true'], 'is not allowed in a shared IPC namespace');
  });
});

describe('--device', () => {
  it('makes the node inside and lets the cgroup open it with the given permissions only', () => {
    // /dev/kmsg (c 1:11): writable by root, refused by minidock's default allowlist.
    const r = md.run(['run', '--rm', '--network', 'none', '--device', '/dev/kmsg:/dev/kmsg:w', 'busybox', 'sh', '-c',
      'stat -c "%t:%T" /dev/kmsg; cat /dev/null > /dev/kmsg && echo opened-w; timeout 1 cat /dev/kmsg > /dev/null; echo read=$?']);
    expect(r.stdout).toContain('1:b');
    expect(r.stdout).toContain('opened-w');
    expect(r.stderr).toContain('Operation not permitted');
    const sub = md.ok(['run', '--rm', '--network', 'none', '--device', '/dev/null:/dev/sub/mynull', 'busybox', 'sh', '-c', 'stat -c "%F %t:%T" /dev/sub/mynull; echo x > /dev/sub/mynull && echo ok']);
    expect(sub.split('\n')).toEqual(['character special file 1:3', 'ok']);
    const id = md.ok(['create', '--device', '/dev/kmsg', 'busybox', 'true']);
    expect(JSON.parse(md.ok(['inspect', '-f', '{{json .HostConfig.Devices}}', id]))).toEqual([{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }]);
    md.ok(['rm', id]);
    // Docker's run exits 127 for it (its daemon finds it missing as the container starts)
    const before = md.ok(['ps', '-aq']);
    const missing = md.run(['run', '--rm', '--device', '/dev/nosuch', 'busybox', 'true']);
    expect([missing.code, missing.stderr]).toEqual([127, `minidock: Error response from daemon: error gathering device information while adding custom device "/dev/nosuch": no such file or directory\n\nRun 'minidock run --help' for more information\n`]);
    expect(md.ok(['ps', '-aq'])).toBe(before);
    expectRefused(['run', '--rm', '--device', '/tmp', 'busybox', 'true'], 'not a device node');
    expectRefused(['run', '--rm', '--device', '/dev/null:/x:rwz', 'busybox', 'true'], 'bad mode specified: rwz');
  });
});
