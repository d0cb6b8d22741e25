// Issue 13, the smaller commands against real containers: top (Docker's columns, ps options
// passed through, errors), rename (the record, the embedded DNS of a user network), logs
// --since/--until/--details, system df, info/system info, the `container` group (ls, inspect,
// rm, prune…), image history, stats --format with Docker's names and headers.
import { afterAll, describe, expect, it } from 'vitest';
import { Minidock, sleep } from '../helpers/cli.js';

const md = new Minidock();
afterAll(() => md.cleanup());

describe('top', () => {
  it("prints ps -ef's columns for the container's processes only, 20-wide like Docker's", () => {
    const id = md.ok(['run', '-d', '--network', 'none', '--name', 't1', 'busybox', 'sh', '-c', 'sleep 301 & sleep 302 & wait']);
    try {
      const pid = md.ok(['inspect', '-f', '{{.State.Pid}}', 't1']);
      const lines = md.ok(['top', 't1']).split('\n');
      expect(lines[0]).toMatch(/^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD$/);
      expect(lines.length).toBe(4); // sh, and its two sleeps; nothing of the host
      expect(lines.map((l) => l.split(/\s+/)[1])).toContain(pid);
      expect(lines.some((l) => l.endsWith('sleep 301'))).toBe(true);
      // ps options go through as Docker passes them (joined, split at spaces)
      const aux = md.ok(['top', 't1', 'aux']).split('\n');
      expect(aux[0].split(/\s+/).slice(0, 3)).toEqual(['USER', 'PID', '%CPU']);
      expect(aux.length).toBe(4);
      const o = md.ok(['top', 't1', '-o', 'pid,comm']).split('\n');
      expect(o[0]).toMatch(/^PID\s+COMMAND$/);
      expect(o.slice(1).map((l) => l.split(/\s+/)[1]).sort()).toEqual(['sh', 'sleep', 'sleep']);
      // exec'd processes are the container's too
      const ex = md.runAsync(['exec', 't1', 'sleep', '2']);
      return (async () => {
        await sleep(700);
        expect(md.ok(['top', 't1']).split('\n').length).toBe(5);
        await ex;
        const noPid = md.run(['top', 't1', '-o', 'comm']);
        expect(noPid.code).toBe(1);
        expect(noPid.stderr.trim()).toBe("Error response from daemon: Couldn't find PID field in ps output");
        const badOpt = md.run(['top', 't1', '--bogus-option']);
        expect(badOpt.code).toBe(1);
        expect(badOpt.stderr).toMatch(/^Error response from daemon: ps: /);
        expect(badOpt.stderr.trim().split('\n').length).toBe(1);
        md.ok(['stop', '-t', '0', 't1']);
        const stopped = md.run(['top', 't1']);
        expect(stopped.code).toBe(1);
        expect(stopped.stderr.trim()).toBe(`Error response from daemon: container ${id} is not running`);
        const missing = md.run(['top', 'nosuch']);
        expect(missing.code).toBe(1);
        expect(missing.stderr.trim()).toBe('Error response from daemon: No such container: nosuch');
      })();
    } finally {
      /* removed with the root */
    }
  });
});

describe('rename', () => {
  it('renames; refuses a taken, the same, an invalid or an empty name as Docker (exit 1)', () => {
    const id = md.ok(['create', '--network', 'none', '--name', 'r1', 'busybox', 'true']);
    md.ok(['create', '--network', 'none', '--name', 'r2', 'busybox', 'true']);
    expect(md.run(['rename', 'r1', 'r3']).code).toBe(0);
    expect(md.ok(['inspect', '-f', '{{.Name}}', id])).toBe('/r3');
    const taken = md.run(['rename', 'r3', 'r2']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('Error response from daemon: Error when allocating new name: Conflict. The container name "/r2" is already in use by container');
    expect(taken.stderr.trim().split('\n').pop()).toBe('Error: failed to rename container named r3');
    const same = md.run(['rename', 'r3', 'r3']);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('Error response from daemon: Renaming a container with the same name as its current name');
    const bad = md.run(['rename', 'r3', 'no/slash']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error when allocating new name: Invalid container name (/no/slash)');
    const empty = md.run(['rename', 'r3', ' ']);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe('Error: Neither old nor new names may be empty');
    const missing = md.run(['rename', 'nosuch', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such container: nosuch');
    expect(md.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n').sort()).toEqual(['r2', 'r3', 't1']);
  });

  it("a running container on a user network answers to its new name in the network's DNS", () => {
    md.ok(['network', 'create', 'rn']);
    md.ok(['run', '-d', '--network', 'rn', '--name', 'old', 'busybox', 'sleep', '60']);
    md.ok(['rename', 'old', 'new']);
    const r = md.run(['run', '--rm', '--network', 'rn', 'busybox', 'nslookup', 'new']);
    expect(r.stdout).toMatch(/Address: 10\.|Address: 172\.|Address: 192\./);
    const gone = md.run(['run', '--rm', '--network', 'rn', 'busybox', 'nslookup', 'old']);
    expect(gone.code).not.toBe(0);
    md.ok(['rm', '-f', 'new']);
    md.ok(['network', 'rm', 'rn']);
  });
});

describe('logs --since/--until/--details', () => {
  it('filters by time (RFC 3339, Unix, relative) and prefixes details with a space', async () => {
    md.ok(['run', '-d', '--network', 'none', '--name', 'lg', 'busybox', 'sh', '-c', 'echo one; sleep 1.2; echo two; echo err >&2']);
    md.ok(['wait', 'lg']);
    const ts = md.ok(['logs', '-t', 'lg']).split('\n').map((l) => l.split(' ')[0]);
    expect(ts.length).toBe(2);
    const second = ts[1];
    expect(md.ok(['logs', '--since', second, 'lg'])).toBe('two');
    expect(md.ok(['logs', '--until', ts[0], 'lg'])).toBe('one');
    const unix = (Date.parse(second) / 1000 - 0.5).toFixed(3);
    expect(md.ok(['logs', '--since', unix, 'lg'])).toBe('two');
    expect(md.ok(['logs', '--since', '10m', 'lg']).split('\n')).toEqual(['one', 'two']);
    expect(md.ok(['logs', '--until', '10m', 'lg'])).toBe('');
    const d = md.run(['logs', '--details', 'lg']);
    expect(d.stdout).toBe(' one\n two\n');
    expect(d.stderr).toBe(' err\n');
    const dt = md.run(['logs', '--details', '-t', 'lg']);
    expect(dt.stdout.split('\n')[0]).toMatch(/^\S+Z {2}one$/);
    const bad = md.run(['logs', '--since', 'yesterday', 'lg']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('invalid value for "since": failed to parse value as time or duration: "yesterday"');
    const badUntil = md.run(['logs', '--until', '2026-13-01', 'lg']);
    expect(badUntil.code).toBe(1);
    expect(badUntil.stderr).toMatch(/^invalid value for "until": parsing time "2026-13-01"/);
  });

  it('--follow --until stops following at that time', async () => {
    md.ok(['run', '-d', '--network', 'none', '--name', 'lf', 'busybox', 'sh', '-c', 'while true; do echo t; sleep 0.2; done']);
    const until = String(Date.now() / 1000 + 1.5);
    const t0 = Date.now();
    const r = await md.runAsync(['logs', '-f', '--until', until, 'lf']);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(r.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(2);
    md.ok(['rm', '-f', 'lf']);
  });
});

describe('system df, info', () => {
  it("system df: Docker's table; -v the details; --format", () => {
    const lines = md.ok(['system', 'df']).split('\n');
    expect(lines[0]).toMatch(/^TYPE {12}TOTAL {5}ACTIVE {4}SIZE {6}RECLAIMABLE$/);
    expect(lines[1]).toMatch(/^Images {10}1 {9}1 {9}\d[\d.]*[kM]?B +\S+ \(\d+%\)$/);
    const containers = md.ok(['ps', '-aq']).split('\n').length;
    const running = md.ok(['ps', '-q']).split('\n').filter(Boolean).length;
    expect(lines[2]).toMatch(new RegExp(`^Containers {6}${containers} +${running} +\\S+ +\\S+`));
    expect(lines[3]).toMatch(/^Local Volumes {3}0 {9}0 {9}0B {8}0B$/);
    expect(lines[4]).toMatch(/^Build Cache {5}0 {9}0 {9}0B {8}0B$/);
    const v = md.ok(['system', 'df', '-v']);
    expect(v).toContain('Images space usage:');
    expect(v).toMatch(/REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS/);
    expect(v).toMatch(/\nbusybox +latest +[0-9a-f]{12} /);
    expect(v).toMatch(/CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES/);
    expect(v).toContain('Build cache usage: 0B');
    expect(md.ok(['system', 'df', '--format', '{{.Type}}:{{.TotalCount}}']).split('\n')[0]).toBe('Images:1');
  });

  it("info / system info: Docker's layout with minidock's root, counts and cgroup version; --format", () => {
    md.ok(['run', '-d', '--network', 'none', '--name', 'ip', 'busybox', 'sleep', '60']);
    md.ok(['pause', 'ip']);
    const out = md.ok(['info']);
    expect(md.ok(['system', 'info'])).toBe(out);
    const total = md.ok(['ps', '-aq']).split('\n').length;
    const running = md.ok(['ps', '-q']).split('\n').filter(Boolean).length; // the paused one too
    expect(out).toContain(`\nServer:\n Containers: ${total}\n  Running: ${running - 1}\n  Paused: 1\n  Stopped: ${total - running}\n Images: 1\n`);
    expect(out).toContain('\n Storage Driver: overlay2\n');
    expect(out).toMatch(/\n Cgroup Driver: cgroupfs\n Cgroup Version: [12]\n/);
    expect(out).toContain(`\n Docker Root Dir: ${md.root}\n`);
    expect(out).toMatch(/\n Firewall Backend: iptables$/);
    expect(out).toMatch(/\n Kernel Version: \S+\n/);
    expect(out).toMatch(/\n CPUs: \d+\n Total Memory: [\d.]+GiB\n/);
    expect(md.ok(['info', '--format', '{{.ContainersPaused}} {{.DockerRootDir}}'])).toBe(`1 ${md.root}`);
    md.ok(['rm', '-f', 'ip']);
  });
});

describe('the container group, image history, stats --format', () => {
  it('container ls|inspect|rm|start|stop|logs are the top-level commands; prune removes the stopped ones', () => {
    expect(md.ok(['container', 'ls', '-a', '--format', '{{.Names}}'])).toBe(md.ok(['ps', '-a', '--format', '{{.Names}}']));
    expect(md.ok(['container', 'list', '-aq'])).toBe(md.ok(['ps', '-aq']));
    expect(md.ok(['container', 'inspect', '-f', '{{.Name}}', 'r2'])).toBe('/r2');
    const notC = md.run(['container', 'inspect', 'busybox']);
    expect(notC.code).toBe(1);
    expect(notC.stderr.trim()).toBe('Error response from daemon: No such container: busybox');
    md.ok(['container', 'start', 'r2']);
    md.ok(['container', 'rm', 'r3']);
    md.ok(['container', 'run', '-d', '--network', 'none', '--name', 'keep', 'busybox', 'sleep', '60']);
    md.ok(['container', 'stop', '-t', '0', 'keep']);
    md.ok(['container', 'start', 'keep']);
    const stopped = md.ok(['ps', '-aq', '--no-trunc']).split('\n').filter((c) => md.ok(['inspect', '-f', '{{.State.Running}}', c]) === 'false');
    expect(stopped.length).toBeGreaterThan(1);
    const prune = md.ok(['container', 'prune', '-f']);
    expect(prune).toMatch(/^Deleted Containers:\n/);
    expect(prune).toMatch(/\n\nTotal reclaimed space: \d[\d.]*[kM]?B$/);
    for (const id of stopped) expect(prune).toContain(id);
    expect(md.ok(['ps', '-a', '--format', '{{.Names}}'])).toBe('keep');
    expect(md.ok(['container', 'prune', '-f'])).toBe('Total reclaimed space: 0B');
    // without -f it asks; "n" keeps everything
    md.ok(['create', '--network', 'none', '--name', 'ask', 'busybox', 'true']);
    const asked = md.run(['container', 'prune'], { input: 'n\n' });
    expect(asked.stdout).toContain('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
    expect(md.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n').sort()).toEqual(['ask', 'keep']);
  });

  it("image history / history: the config's history, Docker's columns", () => {
    const out = md.ok(['image', 'history', 'busybox']);
    expect(md.ok(['history', 'busybox'])).toBe(out);
    const [head, ...rows] = out.split('\n');
    expect(head).toMatch(/^IMAGE {10}CREATED +CREATED BY +SIZE +COMMENT$/);
    expect(rows.length).toBeGreaterThan(0);
    const id = md.ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox']).replace('sha256:', '').slice(0, 12);
    expect(rows[0].startsWith(id)).toBe(true);
    expect(md.ok(['history', '-q', 'busybox']).split('\n')[0]).toBe(id);
    expect(md.ok(['history', '--format', '{{.ID}}|{{.Size}}', 'busybox']).split('\n')[0]).toMatch(new RegExp(`^${id}\\|`));
    const missing = md.run(['history', 'nosuch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error response from daemon: No such image: nosuch:latest');
  });

  it("stats --format: {{.Name}}, {{.Container}} as typed, Docker's table headers", () => {
    const id = md.ok(['inspect', '-f', '{{.Id}}', 'keep']).slice(0, 12);
    const one = md.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.Container}} {{.ID}}', 'keep']);
    expect(one).toBe(`keep keep ${id}`);
    const all = md.ok(['stats', '--no-stream', '--format', '{{.Container}}']);
    expect(all).toBe(id);
    const table = md.ok(['stats', '--no-stream', '--format', 'table {{.Container}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}', 'keep']).split('\n');
    expect(table[0]).toMatch(/^CONTAINER +NAME +CPU % +MEM USAGE \/ LIMIT +NET I\/O +BLOCK I\/O +PIDS$/);
    expect(table[1]).toMatch(/^keep +keep +\d+\.\d\d% /);
    const json = JSON.parse(md.ok(['stats', '--no-stream', '--format', '{{json .}}', 'keep']));
    expect(Object.keys(json)).toEqual(['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
  });
});
