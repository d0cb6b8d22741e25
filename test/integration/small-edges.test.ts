// Issue 11, "Smaller ones": a dry run changes nothing at all (a fresh root stays absent, no image
// is built or pulled, no socket copied, the embedded DNS only asked), `network connect`,
// `disconnect`, `rm`, `network rm` and container `rm` have --dry-run; bad input at the edge —
// control characters in paths, over-long names, a missing bind source, a file flag naming a
// missing file or a directory — is one line on stderr, exit 125, and nothing changed.
//
// "Nothing changed" is a snapshot compared before/after: every path under the state root with
// its type, size, mode and mtime (directories included, so a lock taken and released shows);
// this root's entries in /run/netns and the dry run's would-be netns; the links, addresses,
// routes, policy rules, iptables rules and ip_forward of the test's host netns; the embedded DNS
// resolvers serving this root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock, sh, type Result } from '../helpers/cli.js';

function tree(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    const type = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSocket() ? 's' : st.isFIFO() ? 'p' : st.isSymbolicLink() ? 'l' : '?';
    out.push(`${p} ${type} ${type === 'd' ? '' : st.size} ${st.mode.toString(8)} ${st.mtimeMs}`);
    // an image layer's tree is big and written once: its directory entry (and mtime) is enough
    if (st.isDirectory() && !['diff', 'upper', 'work', 'rootfs'].includes(n)) tree(p, out);
  }
  return out;
}

function resolvers(root: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.includes('minidock-dns') && cmd.includes(root);
      } catch {
        return false;
      }
    })
    .sort();
}

/** Everything a command could change, for this test's root and host netns. */
function snapshot(md: Minidock, root = md.root, containerIds: string[] = []): Record<string, unknown> {
  const h = (cmd: string, args: string[]) => md.inHost(cmd, args).stdout.split('\n').filter(Boolean);
  // Other test runs on this machine add and remove their own netns: only this root's are compared.
  const netns = readdirSync('/run/netns').filter((n) => containerIds.some((id) => n === `minidock-${id.slice(0, 12)}`)).sort();
  return {
    rootExists: existsSync(root),
    state: tree(root),
    netns,
    // carrier and operational state follow by themselves (a bridge's last port going away…)
    links: h('ip', ['-o', 'link', 'show']).map((l) => l.replace(/\s+link\/.*$/, '').replace(/<[^>]*>/, '').replace(/ state \S+/, '')),
    addrs: h('ip', ['-o', '-4', 'addr', 'show']), // IPv4: an IPv6 link-local address settles by itself (DAD)
    routes: h('ip', ['-4', 'route', 'show', 'table', 'all']).map((l) => l.replace(/ linkdown/, '')),
    rules: h('ip', ['rule', 'show']),
    iptables: h('iptables-save', []).filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')),
    forward: h('cat', ['/proc/sys/net/ipv4/ip_forward']),
    resolvers: resolvers(root),
  };
}

/** The would-be container's short id a dry run names on stderr. */
function dryRunId(r: Result): string {
  const m = /the container would be \S+ \(([0-9a-f]{12})\)/.exec(r.stderr);
  if (!m) throw new Error(`no dry-run id in: ${r.stderr}`);
  return m[1];
}

function expectOneLine125(r: Result, pattern: RegExp, code = 125): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stdout).toBe('');
}

describe('run --dry-run in a fresh root changes nothing, on disk either', () => {
  const md = new Minidock();
  const fresh = join(md.root, 'fresh'); // not created: the dry run must not make it
  const run = (args: string[]) => {
    const r = spawnSync(md.prefix[0], [...md.prefix.slice(1), process.execPath, '--', BIN, ...args], { env: { ...md.env, MINIDOCK_ROOT: fresh }, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  };
  afterAll(() => md.cleanup());

  it('the builtin busybox is not built: a plan line says it would be; root, netns, links, rules untouched', () => {
    const before = snapshot(md, fresh);
    const r = run(['run', '--dry-run', '-p', '8080:80', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^# the image busybox:latest is not in the store yet: build it offline from the host's \S+busybox/);
    expect(r.stdout).toContain('ip link add minidock0 type bridge');
    // (a new netns inherits the host's IPv4 forwarding: on a host that forwards, nothing to turn on)
    const forwarding = md.inHost('sysctl', ['-n', 'net.ipv4.ip_forward']).stdout.trim() === '1';
    expect(r.stdout.includes('sysctl -w net.ipv4.ip_forward=1')).toBe(!forwarding);
    expect(r.stdout).toMatch(/DNAT --to-destination 172\.17\.0\.2:80/);
    expect(existsSync(`/run/netns/minidock-${dryRunId(r)}`)).toBe(false);
    expect(snapshot(md, fresh)).toEqual(before);
    expect(existsSync(fresh)).toBe(false);
  });

  it('an image from a registry is not pulled: the plan says it would be (no registry is contacted)', () => {
    const before = snapshot(md, fresh);
    const r = run(['run', '--dry-run', 'localhost:1/nothing/here:v1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      '# the image localhost:1/nothing/here:v1 is not in the store: pull it from its registry first (as `minidock pull localhost:1/nothing/here:v1`; its config, command and ports are known only then)',
    );
    expect(r.stderr).not.toMatch(/Unable to find image/);
    expect(snapshot(md, fresh)).toEqual(before);
  });

  it('create --dry-run too', () => {
    const before = snapshot(md, fresh);
    const r = run(['create', '--dry-run', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# the image busybox:latest is not in the store yet/);
    expect(snapshot(md, fresh)).toEqual(before);
  });
});

describe('with a user network and its embedded DNS in use: dry runs plan and change nothing', () => {
  const md = new Minidock();
  let c1 = '';
  let stopped = '';
  const ids = () => [c1, stopped];
  beforeAll(() => {
    md.ok(['network', 'create', 'sn1']);
    md.ok(['network', 'create', 'sn2']);
    c1 = md.ok(['run', '-d', '--name', 'c1', '--network', 'sn1', 'busybox', 'sleep', '300']);
    stopped = md.ok(['create', '--name', 'c2', '--network', 'sn1', 'busybox', 'true']);
    expect(resolvers(md.root)).toHaveLength(1);
    expect(existsSync(join(md.root, 'networks', 'dns', 'ctl.sock'))).toBe(true);
  });
  afterAll(() => {
    md.run(['rm', '-f', 'c1', 'c2']);
    md.run(['network', 'rm', 'sn1', 'sn2']);
    md.cleanup();
  });

  it('run --dry-run --network sn1: no "Cannot copy a socket file"; the resolver is told, not started', () => {
    const before = snapshot(md, md.root, ids());
    const r = md.run(['run', '--dry-run', '--network', 'sn1', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# tell the embedded DNS resolver the new names (it serves 2 containers');
    expect(r.stdout).not.toContain('start the embedded DNS resolver');
    expect(existsSync(`/run/netns/minidock-${dryRunId(r)}`)).toBe(false);
    expect(snapshot(md, md.root, ids())).toEqual(before);
  });

  it('network connect --dry-run: the new interface, as --explain prints it', () => {
    const before = snapshot(md, md.root, ids());
    const r = md.run(['network', 'connect', '--dry-run', 'sn2', 'c1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# connect c1 to network sn2: a new interface eth1 inside the container');
    expect(r.stdout).toMatch(/ip link add md\w+ type veth peer name eth1 .* netns minidock-/);
    expect(r.stderr).toBe('(dry run: nothing was changed)\n');
    expect(snapshot(md, md.root, ids())).toEqual(before);
    expect(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'c1'])).not.toContain('sn2');
  });

  it('network connect --dry-run of a stopped container: only its configuration would change', () => {
    const before = snapshot(md, md.root, ids());
    const r = md.run(['network', 'connect', '--dry-run', 'sn2', 'c2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# c2 is not running: only its configuration changes, it joins network sn2 when it starts');
    expect(snapshot(md, md.root, ids())).toEqual(before);
  });

  it('network disconnect --dry-run: the interface removed, the resolver stopped, resolv.conf rewritten', () => {
    const before = snapshot(md, md.root, ids());
    const r = md.run(['network', 'disconnect', '--dry-run', 'sn1', 'c1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# disconnect c1 from network sn1');
    expect(r.stdout).toMatch(/^ip link del md\w+$/m);
    expect(r.stdout).toContain("# the container's /etc/resolv.conf goes back to the host's nameservers");
    expect(snapshot(md, md.root, ids())).toEqual(before);
  });

  it('rm --dry-run: refused while running, as rm is; rm -f --dry-run: kill, teardown, rm -rf', () => {
    const before = snapshot(md, md.root, ids());
    const refused = md.run(['rm', '--dry-run', 'c1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error response from daemon: cannot remove container "\/c1": container is running/);
    const r = md.run(['rm', '-f', '--dry-run', 'c1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kill -KILL \d+$/m);
    expect(r.stdout).toContain(`ip netns del minidock-${c1.slice(0, 12)}`);
    expect(r.stdout).toContain(`rm -rf ${join(md.root, 'containers', c1)}`);
    expect(snapshot(md, md.root, ids())).toEqual(before);
    expect(md.ok(['inspect', '-f', '{{.State.Running}}', 'c1'])).toBe('true');
  });

  it('network rm --dry-run: refused while in use, as network rm is; of an unused network: its rules and bridge', () => {
    const before = snapshot(md, md.root, ids());
    const used = md.run(['network', 'rm', '--dry-run', 'sn1']);
    expect(used.code).toBe(1);
    expect(used.stderr).toMatch(/has active endpoints \(c1\)/);
    const r = md.run(['network', 'rm', '--dry-run', 'sn2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ip link del mdbr-\w+$/m);
    expect(r.stdout).toMatch(/^iptables -D MINIDOCK-FORWARD .*'minidock net sn2: /m);
    expect(snapshot(md, md.root, ids())).toEqual(before);
    expect(md.ok(['network', 'ls', '--format', '{{.Name}}'])).toContain('sn2');
  });
});

describe('bad input at the edge: one line, exit 125, nothing changed', () => {
  const md = new Minidock();
  const scratch = mkdtempSync(join(tmpdir(), 'mdtest-small-'));
  const missing = join(scratch, 'missing');
  const missingSrc = join(scratch, 'missing-src'); // a bad -v source: must not be created
  const long = 'a'.repeat(300);
  beforeAll(() => {
    md.ok(['network', 'create', 'ok1']); // builds nothing; gives the root its network records
    md.ok(['run', '--rm', 'busybox', 'true']); // the builtin image is in the store
    // its veth goes with its netns, in the kernel's own time: not while a case compares links
    for (let i = 0; i < 200 && /@if\d+/.test(md.inHost('ip', ['-o', 'link']).stdout); i++) sh('sleep', ['0.02']);
  });
  afterAll(() => {
    md.run(['network', 'rm', 'ok1']);
    md.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  const cases: [string, string[], RegExp, number?][] = [
    ['a TAB in a --tmpfs path', ['run', '--rm', '--tmpfs', '/x\tsize=1k', 'busybox', 'true'], /^minidock: invalid tmpfs mount: '\/x\\tsize=1k': the path .* contains a control character$/],
    ['a newline in a --tmpfs path', ['run', '--rm', '--tmpfs', '/x\nmode=777:size=1k', 'busybox', 'true'], /invalid tmpfs mount: '\/x\\nmode=777:size=1k'/],
    ['a TAB in a -v target', ['run', '--rm', '-v', '/tmp:/x\tro', 'busybox', 'true'], /^minidock: invalid volume specification: '\/tmp:\/x\\tro': .*control character$/],
    ['a control character in a -v source', ['run', '--rm', '-v', `${scratch}/a\x01b:/x`, 'busybox', 'true'], /invalid volume specification: '\S+\/a\\x01b:\/x'/],
    ['a newline in -w', ['run', '--rm', '-w', '/a\nb', 'busybox', 'true'], /^minidock: invalid working directory: '\/a\\nb'/],
    ['a 300-character network name', ['network', 'create', long], /^minidock: invalid network name "a{300}": only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed, at most 128 characters$/],
    ['a 300-character --network', ['run', '--rm', '--network', long, 'busybox', 'true'], /^minidock: invalid network mode: "a{300}"$/],
    ['a 300-character --name', ['run', '--rm', '--name', long, 'busybox', 'true'], /^minidock: Invalid container name \(a{300}\): at most 128 characters$/],
    ['a missing -v source', ['run', '--rm', '-v', `${missingSrc}:/x`, 'busybox', 'true'], /^minidock: invalid mount config for type "bind": bind source path does not exist: \S+\/missing-src \(minidock does not create it/],
    ['a missing -v source, dry run', ['run', '--dry-run', '-v', `${missingSrc}:/x`, 'busybox', 'true'], /^minidock: invalid mount config for type "bind": bind source path does not exist: \S+\/missing-src /],
    ['a missing -v source, create', ['create', '-v', `${missingSrc}:/x`, 'busybox', 'true'], /bind source path does not exist/],
    ['--env-file naming a missing file', ['run', '--rm', '--env-file', missing, 'busybox', 'true'], /^minidock: open \S+\/missing: no such file or directory$/],
    ['--env-file naming a directory', ['run', '--rm', '--env-file', scratch, 'busybox', 'true'], /^minidock: read \S+: is a directory$/],
    // docker/cli opens these itself and prints Go's error as it is, exit 1
    ['load -i naming a missing file', ['load', '-i', missing], /^open \S+\/missing: no such file or directory$/, 1],
    ['load -i naming a directory', ['load', '-i', scratch], /^read \S+: is a directory$/, 1],
    ['import of a directory', ['import', scratch], /^read \S+: is a directory$/, 1],
  ];
  for (const [what, args, pattern, code] of cases) {
    it(what, () => {
      const before = snapshot(md);
      try {
        expectOneLine125(md.run(args), pattern, code);
        expect(snapshot(md)).toEqual(before);
        expect(existsSync(missing)).toBe(false);
        expect(existsSync(missingSrc)).toBe(false);
      } finally {
        rmSync(missingSrc, { recursive: true, force: true }); // each case on its own, even when one fails
      }
    });
  }

  it('start of a container whose -v source has gone since create: refused with the same line, nothing made', () => {
    const src = join(scratch, 'gone');
    mkdirSync(src);
    const id = md.ok(['create', '-v', `${src}:/x`, 'busybox', 'true']);
    rmSync(src, { recursive: true });
    try {
      const before = snapshot(md);
      const r = md.run(['start', id]);
      expect(r.code, r.stderr).toBe(1); // `start` reports per container and exits 1, as Docker's
      expect(r.stderr).toMatch(/^minidock: invalid mount config for type "bind": bind source path does not exist: \S+\/gone \(minidock does not create it, unlike docker run -v\)\nError: failed to start containers: [0-9a-f]{64}\n$/);
      expect(snapshot(md)).toEqual(before);
      expect(existsSync(src)).toBe(false);
    } finally {
      md.run(['rm', '-f', id]);
      rmSync(src, { recursive: true, force: true });
    }
  });

  it('the launcher itself (bin/minidock run … --env-file /missing): minidock reads the flag, not Node', () => {
    const before = snapshot(md);
    const r = spawnSync(md.prefix[0], [...md.prefix.slice(1), BIN, 'run', '--rm', '--env-file', missing, 'busybox', 'true'], { env: md.env, encoding: 'utf8' });
    expectOneLine125({ code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }, /^minidock: open \S+\/missing: no such file or directory$/);
    expect(snapshot(md)).toEqual(before);
  });

  it('a comma in a --tmpfs path stays part of the path, never a mount option', () => {
    const out = md.ok(['run', '--rm', '--tmpfs', '/a,size=1k', 'busybox', 'grep', ' /a,size=1k ', '/proc/mounts']);
    expect(out).toMatch(/^tmpfs \/a,size=1k tmpfs rw,nosuid,nodev,relatime 0 0$/);
  });
});
