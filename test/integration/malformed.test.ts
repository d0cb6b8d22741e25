// A table of malformed inputs: each exits 125 with ONE line on stderr naming the bad value, and
// changes nothing — neither on disk (every file under the state root) nor in the kernel (links,
// addresses, routes, firewall rules of the test's host netns; minidock netns).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, errorLines, minidockNetns } from '../helpers/cli.js';

const md = new Minidock();
const scratch = mkdtempSync(join(tmpdir(), 'mdtest-bad-'));
const badEnvFile = join(scratch, 'bad.env');

function files(dir: string, out: string[] = []): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    const p = join(dir, n);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    out.push(`${p.slice(md.root.length)} ${st.isDirectory() ? 'd' : st.size}`);
    if (st.isDirectory() && !['upper', 'work', 'rootfs', 'layers', 'blobs'].includes(n)) files(p, out);
  }
  return out;
}

function snapshot(): Record<string, string[]> {
  const h = (cmd: string, args: string[]) => md.inHost(cmd, args).stdout.split('\n').filter(Boolean);
  return {
    state: files(md.root),
    links: h('ip', ['-o', 'link', 'show']).map((l) => l.replace(/\s+link\/.*$/, '').replace(/state \S+/, '')),
    addrs: h('ip', ['-o', '-4', 'addr', 'show']),
    routes: h('ip', ['-4', 'route', 'show', 'table', 'all']),
    rules: h('iptables-save', []).filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')),
    // every minidock netns mounted in this run's mount namespace: a new one left by a bad
    // command shows, whatever container id it was made for
    netns: minidockNetns(),
  };
}

let ids: string[] = [];

beforeAll(() => {
  writeFileSync(badEnvFile, 'GOOD=1\nBAD NAME=2\n');
  md.ok(['run', '--rm', 'busybox', 'true']);
  ids.push(md.ok(['run', '-d', '--name', 'up', '-p', '18080:80', 'busybox', 'sleep', '600']));
  md.ok(['network', 'create', 'usernet']);
  ids = md.ok(['ps', '-aq', '--no-trunc']).split('\n');
});

afterAll(() => {
  md.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

// [what the user typed, text the one error line must contain]
const CASES: [string[], string][] = [
  // ports
  [['run', '-p', '70000:80', 'busybox', 'true'], '70000'],
  [['run', '-p', '80:0', 'busybox', 'true'], '80:0'],
  [['run', '-p', 'abc', 'busybox', 'true'], 'abc'],
  [['run', '-p', '80:80/sctp', 'busybox', 'true'], 'sctp'],
  [['run', '-p', '1.2.3:80:80', 'busybox', 'true'], '1.2.3'],
  [['run', '-p', '8000-8001:80-82', 'busybox', 'true'], '8000-8001'],
  [['run', '-p', '[::1]:80:80', 'busybox', 'true'], '[::1]:80:80'],
  [['run', '-p', '', 'busybox', 'true'], '<empty>'],
  [['run', '-p', '90-80:80', 'busybox', 'true'], '90-80'],
  [['run', '-p', '18080:80', 'busybox', 'true'], '18080'], // held by the running container
  // addresses and networks
  [['run', '--ip', '300.1.1.1', 'busybox', 'true'], '300.1.1.1'],
  [['run', '--ip', '10.0.0.1', '--network', 'host', 'busybox', 'true'], 'user defined networks only'], // Docker's words
  [['run', '--network', 'bad net', 'busybox', 'true'], 'bad net'],
  [['run', '--network', 'container:', 'busybox', 'true'], 'container:'],
  [['run', '--network', 'nosuchnet', 'busybox', 'true'], 'nosuchnet'],
  [['network', 'create', '--subnet', '10.0.0.0/33', 'n1'], '10.0.0.0/33'],
  [['network', 'create', '--subnet', 'abc', 'n1'], 'abc'],
  [['network', 'create', 'bad name!'], 'bad name!'],
  [['network', 'create', '--gateway', '1.2.3.4', '--subnet', '10.9.0.0/24', 'n2'], '1.2.3.4'],
  [['network', 'create', 'usernet'], 'usernet'], // exists
  // names, hostnames, labels
  [['run', '--name', 'a b', 'busybox', 'true'], 'a b'],
  [['run', '--name', '-x', 'busybox', 'true'], '-x'],
  [['run', '--name', 'up', 'busybox', 'true'], 'up'], // in use
  [['run', '-h', 'bad_host!', 'busybox', 'true'], 'bad_host!'],
  [['run', '-l', '=x', 'busybox', 'true'], '=x'],
  // memory and other limits
  [['run', '-m', '10q', 'busybox', 'true'], '10q'],
  [['run', '--memory', '-1g', 'busybox', 'true'], '-1g'],
  [['run', '--memory-swap', 'abc', 'busybox', 'true'], 'abc'],
  [['run', '--cpus', 'abc', 'busybox', 'true'], 'abc'],
  [['run', '--cpu-shares', '262145', 'busybox', 'true'], '262145'], // (-5: the daemon's "shares: invalid argument", cli-daemon-values2)
  [['run', '--pids-limit', 'x', 'busybox', 'true'], 'x'],
  [['run', '--cap-add', 'NOPE', 'busybox', 'true'], 'NOPE'],
  [['run', '--security-opt', 'foo', 'busybox', 'true'], 'foo'],
  // environment
  [['run', '-e', '=x', 'busybox', 'true'], '=x'],
  [['run', '--env-file', badEnvFile, 'busybox', 'true'], 'BAD NAME'],
  // image references
  [['run', 'Bad:Image:Ref', 'true'], 'Bad:Image:Ref'],
  [['run', 'busybox@sha256:xyz', 'true'], 'busybox@sha256:xyz'],
  [['run', 'a//b', 'true'], 'a//b'],
  [['run', 'busybox:-tag', 'true'], 'busybox:-tag'],
  // volumes, tmpfs, workdir
  [['run', '-v', 'a/b:/x', 'busybox', 'true'], 'a/b'], // `rel:/x` is a named volume (issue 13), `a/b` no volume name
  [['run', '-v', '/a:rel', 'busybox', 'true'], '/a:rel'],
  [['run', '-v', '/a:/b:xx', 'busybox', 'true'], 'xx'],
  [['run', '-v', 'rel', 'busybox', 'true'], 'rel'], // `/a` is an anonymous volume (issue 13)
  [['run', '--mount', 'type=bind,source=/nonexistent-md,target=/x', 'busybox', 'true'], '/nonexistent-md'],
  [['run', '--mount', 'type=volume,target=/x,nope=1', 'busybox', 'true'], 'nope'],
  [['run', '--volumes-from', 'nosuch', 'busybox', 'true'], 'nosuch'],
  [['run', '-v', '/a:/', 'busybox', 'true'], '/a:/'],
  [['run', '--tmpfs', 'rel', 'busybox', 'true'], 'rel'],
  [['run', '-w', 'rel', 'busybox', 'true'], 'rel'],
  // users
  [['run', '-u', 'a:b:c', 'busybox', 'true'], 'a:b:c'],
  [['run', '-u', '99999999999', 'busybox', 'true'], '99999999999'],
  [['run', '-u', 'nosuchuser', 'busybox', 'true'], 'nosuchuser'],
  // signals, times, tail, templates
  [['kill', '-s', 'NOPE', 'up'], 'NOPE'],
  [['stop', '-s', 'SIGFOO', 'up'], 'SIGFOO'],
  [['stop', '-t', 'abc', 'up'], 'abc'],
  // (`logs --tail abc` is no error: the daemon prints everything; cli-daemon-values.test.ts)
];

const PARSE_CASES: [string[], string][] = [
  [['run'], "minidock: 'minidock run' requires at least 1 argument"],
  [['rm'], "minidock: 'minidock rm' requires at least 1 argument"],
  [['exec', 'up'], "minidock: 'minidock exec' requires at least 2 arguments"],
  [['run', '--nope', 'busybox', 'true'], 'unknown flag: --nope'],
  [['run', '-p'], "flag needs an argument: 'p' in -p"],
];

// Templates that do not parse fail as Docker's do: ps/images/stats --format exit 1, inspect -f
// exits 64, with Go's message (which names the line, not the template).
const TEMPLATE_CASES: [string[], number, string][] = [
  [['ps', '--format', '{{.Nope'], 1, 'failed to parse template: template: :1: unclosed action'],
  [['ps', '--format', '{{nope .X}}'], 1, 'failed to parse template: template: :1: function "nope" not defined'],
  [['inspect', '-f', '{{', 'up'], 64, 'template parsing error: template: :1: unclosed action'],
];

// Docker exits 1, not 125, for a missing argument (docker/cli cli/required.go: a plain error),
// for a signal its daemon refuses ("Invalid signal: X") and for a network name in use.
const EXIT_1 = new Set(['kill -s NOPE up', 'stop -s SIGFOO up', 'network create usernet', 'network create --gateway 1.2.3.4 --subnet 10.9.0.0/24 n2', 'network create --subnet 10.0.0.0/33 n1', 'network create --subnet abc n1']);

describe('malformed input: exit 125 (1 where Docker says 1; templates: Docker\'s codes), one line naming the value, nothing changed', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));
  it('the snapshot sees what a container holds (positive control): its netns, its host veth', () => {
    const id12 = ids.find((i) => md.ok(['inspect', '-f', '{{.Name}}', i]) === '/up')!.slice(0, 12);
    expect(before.netns).toContain(`minidock-${id12}`);
    expect(before.links.some((l) => l.includes(`md${id12}`))).toBe(true);
    expect(before.rules.some((l) => l.includes('18080'))).toBe(true);
  });

  let before: Record<string, string[]>;
  beforeAll(() => {
    before = snapshot();
  });

  for (const [args, code, message] of TEMPLATE_CASES) {
    it(args.join(' '), () => {
      const r = md.run(args);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toBe(`${message}\n`); // Docker's plain error: no program name before it
      expect(r.stdout).toBe('');
      expect(snapshot()).toEqual(before);
    });
  }

  // Missing arguments and unknown flags: Docker's message, then the command's usage block
  // (the exact text against recorded Docker output: cli-parse-errors.test.ts); nothing changed.
  for (const [args, first] of PARSE_CASES) {
    it(args.join(' '), () => {
      const r = md.run(args);
      expect(r.code, r.stderr).toBe(first.includes('requires') ? 1 : 125);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines[0]).toBe(first);
      expect(lines[1]).toMatch(/^Usage:  minidock /);
      expect(lines.at(-1)).toMatch(/^(See|Run) 'minidock [a-z]+ --help' for more information$/);
      expect(r.stdout).toBe('');
      expect(snapshot()).toEqual(before);
    });
  }

  for (const [args, needle] of CASES) {
    it(args.map((a) => (a === '' ? "''" : a)).join(' '), () => {
      const r = md.run(args);
      expect(r.code, r.stderr).toBe(EXIT_1.has(args.join(' ')) ? 1 : 125);
      // the one line, and the usage block or help line Docker prints after it (cli-flag-values.test.ts)
      const lines = errorLines(r.stderr);
      expect(lines, r.stderr).toHaveLength(1);
      // Docker's words: `minidock: …`, a flag's `invalid argument "V" for "--flag" flag: …`, a plain `no matching subnet …`,
      // a daemon's refusal outside `run` (`Error response from daemon: …`, exit 1; cli-daemon-values.test.ts)
      expect(lines[0]).toMatch(/^(minidock: |invalid argument |no matching subnet |Error response from daemon: )/);
      expect(lines[0]).toContain(needle);
      expect(r.stdout).toBe('');
      expect(snapshot()).toEqual(before);
    });
  }
});
