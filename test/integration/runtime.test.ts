// The core runtime, for real: containers started as root with the builtin busybox image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, Minidock, cgroupMounts, minidockNetns, sh, sleep } from '../helpers/cli.js';

const md = new Minidock();
const scratch = mkdtempSync(join(tmpdir(), 'mdtest-vol-'));

beforeAll(() => {
  // builds the builtin image on first use
  md.ok(['run', '--rm', '--network', 'none', 'busybox', 'true']);
});

afterAll(() => {
  md.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

describe('run', () => {
  it('prints the container output and exits with its code', () => {
    const r = md.run(['run', '--rm', 'busybox', 'echo', 'hello from a container']);
    expect(r).toMatchObject({ code: 0, stdout: 'hello from a container\n' });
    expect(md.run(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']).code).toBe(3);
    expect(md.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo err >&2']).stderr).toBe('err\n');
  });

  it('uses Docker exit codes: 127 not found, 126 cannot execute, 125 own errors', () => {
    const nf = md.run(['run', '--rm', 'busybox', 'no-such-binary']);
    expect(nf.code).toBe(127);
    expect(nf.stderr).toMatch(/no-such-binary/);
    expect(md.run(['run', '--rm', 'busybox', '/etc/passwd']).code).toBe(126);
    expect(md.run(['run', '--rm', 'busybox', '/etc']).code).toBe(126);
    expect(md.run(['run', '--rm', '--no-such-flag', 'busybox', 'true']).code).toBe(125);
    expect(md.run(['run', '--rm', 'Bad:Image:Ref', 'true']).code).toBe(125);
    expect(md.run(['run', '--rm', '-v', 'bad/name:/x', 'busybox', 'true']).code).toBe(125); // `relative:/x` is a named volume now
    expect(md.run(['run', '--rm', '--name', 'bad name', 'busybox', 'true']).code).toBe(125);
  });

  it('runs the command as PID 1 in its own PID, UTS, IPC, mount and network namespaces', () => {
    const out = md.ok(['run', '--rm', '-h', 'box1', '--network', 'none', 'busybox', 'sh', '-c',
      'echo pid=$$; hostname; ls /proc | grep -c "^[0-9]"; ip -o link | cut -d: -f2; readlink /proc/1/ns/ipc']);
    const [pid, host, procs, ...rest] = out.split('\n');
    expect(pid).toBe('pid=1');
    expect(host).toBe('box1');
    expect(Number(procs)).toBeLessThan(5);
    expect(rest.join(' ')).not.toMatch(/eth0|ens|enp|md[0-9a-f]/); // --network none: only lo
    const hostIpc = sh('readlink', ['/proc/self/ns/ipc']).stdout.trim();
    expect(out).not.toContain(hostIpc);
  });

  it('enters the root with pivot_root: no trace of the host root inside', () => {
    const out = md.ok(['run', '--rm', 'busybox', 'sh', '-c', 'cat /proc/self/mountinfo; ls /']);
    expect(out).toMatch(/ \/ rw[^\n]* - overlay overlay /);
    // every mount point is inside the container's root: the host's root is gone, not hidden
    const mountPoints = out.split('\n').filter((l) => / - /.test(l)).map((l) => l.split(' ')[4]);
    expect(mountPoints.filter((p) => /mdtest-|^\/(var|usr|work|run)\b/.test(p))).toEqual([]);
    expect(out).toMatch(/^proc$/m);
  });

  it('gives a /dev with the standard nodes, /dev/pts, /dev/shm, and a read-only /sys', () => {
    const out = md.ok(['run', '--rm', 'busybox', 'sh', '-c',
      'ls /dev; echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; touch /sys/x 2>&1 || echo sys-ro; mount | grep -E " /dev/(pts|shm) "']);
    for (const n of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm']) expect(out).toMatch(new RegExp(`^${n}$`, 'm'));
    expect(out).toContain('null-ok');
    expect(out).toMatch(/^4$/m);
    expect(out).toContain('sys-ro');
    expect(out).toMatch(/devpts on \/dev\/pts/);
  });

  it('writes /etc/hostname, /etc/hosts and /etc/resolv.conf per container', () => {
    const out = md.ok(['run', '--rm', '-h', 'myhost', '--network', 'none', 'busybox', 'sh', '-c', 'cat /etc/hostname /etc/hosts; test -f /etc/resolv.conf && echo resolv']);
    expect(out).toMatch(/^myhost$/m);
    expect(out).toMatch(/127\.0\.0\.1\s+localhost/);
    expect(out).toContain('resolv');
  });

  it('honours -e, --env-file, -w, --entrypoint and -u', () => {
    const envFile = join(scratch, 'env');
    writeFileSync(envFile, '# comment\nFROM_FILE=1\nBOTH=file\n');
    const out = md.ok(['run', '--rm', '-e', 'A=b c', '--env-file', envFile, '-e', 'BOTH=flag', '-w', '/tmp/work', '-u', '1000:1001',
      'busybox', 'sh', '-c', 'echo "$A|$FROM_FILE|$BOTH"; pwd; id -u; id -g; echo $HOSTNAME']);
    const lines = out.split('\n');
    expect(lines[0]).toBe('b c|1|flag');
    expect(lines[1]).toBe('/tmp/work');
    expect(lines[2]).toBe('1000');
    expect(lines[3]).toBe('1001');
    expect(lines[4]).toMatch(/^[0-9a-f]{12}$/);
    expect(md.ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'via', 'entrypoint'])).toBe('via entrypoint');
    expect(md.ok(['run', '--rm', '-u', 'nobody', 'busybox', 'id', '-un'])).toBe('nobody');
  });

  it('bind-mounts volumes (rw and ro) and mounts tmpfs', () => {
    const dir = join(scratch, 'vol');
    mkdirSync(dir); // minidock refuses a missing -v source (Docker would create it)
    const out = md.run(['run', '--rm', '-v', `${dir}:/data`, '-v', `${dir}:/ro:ro`, '--tmpfs', '/scratch', '--tmpfs', '/small:size=1m,noexec', 'busybox', 'sh', '-c',
      'echo written > /data/f; cat /ro/f; echo y > /ro/g 2>/dev/null || echo ro-refused; mount | grep " /scratch " | cut -d" " -f1,5; mount | grep " /small "']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('written\nro-refused\ntmpfs tmpfs');
    expect(out.stdout).toMatch(/ \/small .*noexec.*size=1024k/);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('written\n');
  });

  it('keeps the image pristine: writes land in the container\'s own upper layer', () => {
    const id = md.ok(['run', '-d', 'busybox', 'sh', '-c', 'echo mine > /etc/written-here; rm /bin/vi; sleep 30']);
    try {
      expect(md.ok(['run', '--rm', 'busybox', 'sh', '-c', 'test -e /etc/written-here || echo clean; test -e /bin/vi && echo vi-there'])).toBe('clean\nvi-there');
      const upper = join(md.root, 'containers', id, 'upper');
      for (let i = 0; i < 50 && !existsSync(join(upper, 'etc/written-here')); i++) sh('sleep', ['0.05']);
      expect(readFileSync(join(upper, 'etc/written-here'), 'utf8')).toBe('mine\n');
    } finally {
      md.run(['rm', '-f', id]);
    }
  });

  it('shares the image between containers without copying it', () => {
    const layers = readdirSync(join(md.root, 'images', 'layers'));
    md.ok(['run', '--rm', 'busybox', 'true']);
    expect(readdirSync(join(md.root, 'images', 'layers'))).toEqual(layers);
  });

  it('gives an interactive shell through a real pty with -it', () => {
    // `script` gives minidock a terminal; the shell inside must see one too.
    const r = sh('script', ['-qec', md.commandLine(`run -it --rm busybox sh -c 'tty; test -t 0 && echo stdin-is-tty; exit 5'`), '/dev/null']);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.stdout).toContain('stdin-is-tty');
    expect(r.code).toBe(5);
    const typed = sh('script', ['-qec', md.commandLine('run -it --rm busybox sh'), '/dev/null'], 'echo typed-$((6*7))\nexit 0\n');
    expect(typed.stdout).toContain('typed-42');
  });

  it('passes stdin with -i', () => {
    expect(md.ok(['run', '--rm', '-i', 'busybox', 'tr', 'a-z', 'A-Z'], { input: 'shout\n' })).toBe('SHOUT');
    expect(md.ok(['run', '--rm', 'busybox', 'cat'], { input: 'ignored\n' })).toBe('');
  });

  it('runs 8 containers in parallel with distinct names and ids', async () => {
    const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => md.runAsync(['run', '-d', '--name', `par${i}`, 'busybox', 'sleep', '30'])));
    for (const r of rs) expect(r.code, r.stderr).toBe(0);
    const ids = new Set(rs.map((r) => r.stdout.trim()));
    expect(ids.size).toBe(8);
    const names = md.ok(['ps', '--format', '{{.Names}}']).split('\n');
    for (let i = 0; i < 8; i++) expect(names).toContain(`par${i}`);
    const rm = await md.runAsync(['rm', '-f', ...[...Array(8).keys()].map((i) => `par${i}`)]);
    expect(rm.code).toBe(0);
  });
});

describe('detached containers and the other commands', () => {
  it('ps, logs, stop, start, wait, rm', async () => {
    const id = md.ok(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'echo out1; echo err1 >&2; trap "echo bye; exit 7" TERM; while true; do sleep 0.1; done']);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ps = md.ok(['ps']);
    expect(ps.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(ps).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+.*Up .*web$`, 'm'));
    expect(md.ok(['ps', '-q'])).toContain(id.slice(0, 12));
    expect(md.ok(['ps', '-q', '--no-trunc'])).toContain(id);
    const row = JSON.parse(md.ok(['ps', '--format', '{{json .}}']).split('\n').find((l) => l.includes('"web"'))!);
    expect(row).toMatchObject({ ID: id.slice(0, 12), Names: 'web', State: 'running', Image: 'busybox' });
    await sleep(300);
    const logs = md.run(['logs', 'web']);
    expect(logs.stdout).toBe('out1\n');
    expect(logs.stderr).toBe('err1\n');
    expect(md.run(['logs', '--tail', '0', 'web']).stdout).toBe('');
    expect(md.run(['logs', '-t', 'web']).stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z out1\n$/);

    const netns = `minidock-${id.slice(0, 12)}`;
    expect(sh('ip', ['netns', 'list']).stdout).toContain(netns);

    expect(md.ok(['stop', '-t', '5', 'web'])).toBe('web');
    expect(md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'web'])).toBe('exited 7');
    expect(md.run(['logs', 'web']).stdout).toBe('out1\nbye\n');
    expect(md.ok(['ps', '-a'])).toMatch(/Exited \(7\) .* web/);
    expect(md.ok(['ps'])).not.toContain('web');
    expect(sh('ip', ['netns', 'list']).stdout).not.toContain(netns);

    expect(md.ok(['start', 'web'])).toBe('web');
    expect(md.ok(['inspect', '-f', '{{.State.Running}}', 'web'])).toBe('true');
    const waiter = md.runAsync(['wait', 'web']);
    md.ok(['kill', '-s', 'TERM', 'web']);
    expect((await waiter).stdout.trim()).toBe('7');
    expect(md.run(['rm', 'web', 'no-such-thing']).code).toBe(1);
    expect(md.run(['inspect', 'web']).code).toBe(1);
  });

  it('restart, again and again: each start keeps what it wired (a late exit command of the previous one changes nothing)', async () => {
    md.ok(['run', '-d', '--name', 'again', '-m', '64m', 'busybox', 'sleep', '600']);
    for (let i = 0; i < 5; i++) {
      expect(md.run(['restart', '-t', '0', 'again']).code).toBe(0);
    }
    await sleep(500); // let the exit commands of the ended runs come and go
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'again'])).toBe('running');
    expect(md.ok(['exec', 'again', 'sh', '-c', 'ip -o -4 addr show eth0 | wc -l'])).toBe('1');
    const id = md.ok(['inspect', '-f', '{{.Id}}', 'again']);
    // The -m 64m of the last start is in force: read from the container's cgroup (v1 memory
    // hierarchy or v2), which holds the container's process.
    const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', 'again']);
    const limits = cgroupMounts().flatMap((m) => ['memory.limit_in_bytes', 'memory.max'].map((f) => join(m, 'minidock', id, f))).filter((f) => existsSync(f));
    expect(limits).toHaveLength(1);
    expect(readFileSync(limits[0]!, 'utf8').trim()).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(join(limits[0]!, '..', 'cgroup.procs'), 'utf8').split('\n')).toContain(pid);
    expect(md.inHost('ip', ['-o', 'link', 'show', `md${id.slice(0, 12)}`]).code).toBe(0);
    md.ok(['rm', '-f', 'again']);
  });

  it('a reader that goes away does not stop minidock half-way (no netns, no container left)', async () => {
    const containers = () => readdirSync(join(md.root, 'containers'));
    const before = containers();
    const netnsBefore = minidockNetns();
    // The container tells its id (its hostname) and that it had its own eth0 through a bind
    // mount, so the check below looks for its netns by name.
    const out = join(scratch, 'reader-gone');
    rmSync(out, { force: true });
    const [cmd, ...pre] = md.prefix;
    const c = spawn(cmd, [...pre, process.execPath, '--', BIN, 'run', '--rm', '--explain', '-v', `${scratch}:/out`, 'busybox', 'sh', '-c', 'echo a; echo b >&2; echo $(hostname) $(cat /sys/class/net/eth0/operstate) > /out/reader-gone'], {
      env: md.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout!.destroy(); // both pipes closed before minidock writes a line
    c.stderr!.destroy();
    const code = await new Promise<number | null>((r) => c.on('exit', r));
    expect(code).toBe(0);
    expect(containers()).toEqual(before);
    const [id12, eth0] = readFileSync(out, 'utf8').trim().split(' ');
    expect(id12).toMatch(/^[0-9a-f]{12}$/);
    expect(eth0).toBe('up'); // it had a network namespace of its own...
    expect(minidockNetns()).not.toContain(`minidock-${id12}`); // ...which is gone
    expect(minidockNetns()).toEqual(netnsBefore);
  });

  it('logs -f follows until the container ends', async () => {
    md.ok(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo tick$i; sleep 0.2; done']);
    const r = await md.runAsync(['logs', '-f', 'ticker']);
    expect(r.stdout).toBe('tick1\ntick2\ntick3\n');
    md.ok(['rm', 'ticker']);
  });

  it('exec joins every namespace of the running container', () => {
    md.ok(['run', '-d', '--name', 'ex', '-h', 'exhost', '-e', 'BASE=1', 'busybox', 'sleep', '60']);
    const out = md.ok(['exec', '-e', 'EXTRA=2', '-w', '/tmp', 'ex', 'sh', '-c', 'hostname; echo $BASE$EXTRA; pwd; cat /proc/1/cmdline | tr "\\0" " "; echo; ls /proc | grep -c "^[0-9]"']);
    const l = out.split('\n');
    expect(l.slice(0, 3)).toEqual(['exhost', '12', '/tmp']);
    expect(l[3].trim()).toBe('sleep 60');
    expect(Number(l[4])).toBeLessThan(5);
    expect(md.run(['exec', 'ex', 'sh', '-c', 'exit 4']).code).toBe(4);
    expect(md.run(['exec', 'ex', 'nope']).code).toBe(126); // Docker: a failed exec start is 126
    expect(md.ok(['exec', '-u', 'nobody', 'ex', 'id', '-un'])).toBe('nobody');
    expect(md.ok(['exec', '-i', 'ex', 'cat'], { input: 'piped\n' })).toBe('piped');
    const tty = sh('script', ['-qec', md.commandLine(`exec -it ex sh -c 'tty'`), '/dev/null']);
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
    md.ok(['exec', '-d', 'ex', 'sh', '-c', 'echo detached > /tmp/d']);
    let seen = '';
    for (let i = 0; i < 20 && !seen; i++) seen = md.run(['exec', 'ex', 'cat', '/tmp/d']).stdout;
    expect(seen).toBe('detached\n');
    md.ok(['rm', '-f', 'ex']);
    expect(md.run(['exec', 'ex', 'true']).code).toBe(1);
  });

  it('inspect is Docker-shaped', () => {
    md.ok(['run', '-d', '--name', 'insp', '-e', 'K=v', 'busybox', 'sleep', '30']);
    const [c] = JSON.parse(md.ok(['inspect', 'insp']));
    expect(c.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(c.Name).toBe('/insp');
    expect(c.State).toMatchObject({ Status: 'running', Running: true, ExitCode: 0 });
    expect(c.State.Pid).toBeGreaterThan(1);
    expect(Date.parse(c.State.StartedAt)).toBeGreaterThan(0);
    expect(c.Config).toMatchObject({ Hostname: c.Id.slice(0, 12), Cmd: ['sleep', '30'], Image: 'busybox' });
    expect(c.Config.Env).toContain('K=v');
    // The default bridge's first subnet in this test's fresh host netns, and what the kernel has.
    const ns = c.NetworkSettings;
    expect(ns).toMatchObject({ Gateway: '172.17.0.1', IPPrefixLen: 16, Ports: {}, SandboxKey: `/run/netns/minidock-${c.Id.slice(0, 12)}` });
    expect(ns.IPAddress).toMatch(/^172\.17\.0\.(\d+)$/);
    expect(ns.MacAddress).toBe(`02:42:${ns.IPAddress.split('.').map((b: string) => Number(b).toString(16).padStart(2, '0')).join(':')}`);
    expect(Object.keys(ns.Networks)).toEqual(['bridge']);
    expect(ns.Networks.bridge).toMatchObject({ IPAddress: ns.IPAddress, Gateway: '172.17.0.1', IPPrefixLen: 16, MacAddress: ns.MacAddress });
    expect(md.ok(['exec', 'insp', 'ip', '-o', '-4', 'addr', 'show', 'eth0'])).toContain(`inet ${ns.IPAddress}/16`);
    expect(md.ok(['exec', 'insp', 'cat', '/sys/class/net/eth0/address'])).toBe(ns.MacAddress);
    expect(md.ok(['inspect', '-f', '{{.Name}} {{json .Config.Cmd}}', 'insp'])).toBe('/insp ["sleep","30"]');
    md.ok(['rm', '-f', 'insp']);
  });

  it('tells the truth when a container process is killed from outside', async () => {
    md.ok(['run', '-d', '--name', 'victim', 'busybox', 'sleep', '60']);
    const pid = Number(md.ok(['inspect', '-f', '{{.State.Pid}}', 'victim']));
    process.kill(pid, 'SIGKILL');
    let status = '';
    for (let i = 0; i < 40 && !status.startsWith('exited'); i++) {
      await sleep(50);
      status = md.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'victim']);
    }
    expect(status).toBe('exited 137');
    md.ok(['rm', 'victim']);
  });

  it('the shim makes the netns with the process and removes it as the process ends, before the exit is recorded', async () => {
    const id = md.ok(['run', '-d', 'busybox', 'sleep', '60']);
    const ns = `/run/netns/minidock-${id.slice(0, 12)}`;
    expect(existsSync(ns)).toBe(true);
    // the container runs in the named netns: lo is up, and its inode is the one mounted there
    expect(md.ok(['exec', id, 'cat', '/sys/class/net/lo/operstate'])).toMatch(/unknown|up/);
    const pid = Number(md.ok(['inspect', '-f', '{{.State.Pid}}', id]));
    expect(statSync(`/proc/${pid}/ns/net`).ino).toBe(statSync(ns).ino);
    process.kill(pid, 'SIGKILL');
    const exitFile = join(md.root, 'containers', id, 'exit');
    for (let i = 0; i < 100 && !existsSync(exitFile); i++) await sleep(20);
    expect(readFileSync(exitFile, 'utf8')).toMatch(/^137 \d+ netns-removed\n$/);
    expect(existsSync(ns)).toBe(false);
    md.ok(['rm', id]);
  });

  it('never shows a ghost "running" when the shim died with the container', async () => {
    const id = md.ok(['run', '-d', '--name', 'ghost', 'busybox', 'sleep', '60']);
    const pid = Number(md.ok(['inspect', '-f', '{{.State.Pid}}', 'ghost']));
    const shimPid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    process.kill(shimPid, 'SIGKILL'); // the watcher first, so nobody records the exit
    process.kill(pid, 'SIGKILL');
    await sleep(200);
    expect(md.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}'])).toContain('ghost exited');
    expect(md.ok(['ps', '-q'])).not.toContain(id.slice(0, 12));
    md.ok(['rm', 'ghost']);
    expect(sh('ip', ['netns', 'list']).stdout).not.toContain(id.slice(0, 12));
  });

  it('refuses to remove a running container without -f, and removes several at once', () => {
    md.ok(['run', '-d', '--name', 'r1', 'busybox', 'sleep', '60']);
    md.ok(['create', '--name', 'r2', 'busybox', 'true']);
    const refused = md.run(['rm', 'r1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/running/);
    expect(md.ok(['rm', '-f', 'r1', 'r2'])).toBe('r1\nr2');
    expect(md.ok(['ps', '-a', '--format', '{{.Names}}'])).not.toMatch(/^r[12]$/m);
  });

  it('--rm on a detached container removes it when it exits', async () => {
    const id = md.ok(['run', '-d', '--rm', 'busybox', 'sh', '-c', 'sleep 0.2']);
    for (let i = 0; i < 60 && existsSync(join(md.root, 'containers', id)); i++) await sleep(100);
    expect(existsSync(join(md.root, 'containers', id))).toBe(false);
    expect(sh('ip', ['netns', 'list']).stdout).not.toContain(id.slice(0, 12));
  });

  it('refuses a duplicate name', () => {
    md.ok(['create', '--name', 'dup', 'busybox', 'true']);
    const r = md.run(['create', '--name', 'dup', 'busybox', 'true']);
    expect(r.code).toBe(1); // Docker's CLI: the daemon's 409, exit 1 (test/integration/docker-corpus.recorded.json)
    expect(r.stderr).toMatch(/already in use/);
    md.ok(['rm', 'dup']);
  });
});

describe('images and version', () => {
  it('lists the builtin busybox', () => {
    const out = md.ok(['images']);
    expect(out.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(out).toMatch(/^busybox\s+latest\s+[0-9a-f]{12}\s/m);
    expect(md.ok(['images', '-q'])).toMatch(/^[0-9a-f]{12}$/);
  });

  it('prints a version and help', () => {
    expect(md.ok(['version'])).toMatch(/minidock version \d+\.\d+\.\d+/);
    expect(md.ok(['--help'])).toContain('run');
    expect(md.ok(['run', '--help'])).toContain('--publish');
  });
});
