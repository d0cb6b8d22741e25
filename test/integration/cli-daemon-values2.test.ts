// More of what only Docker's daemon (or its CLI past parsing) refuses, and lookups that find
// nothing (issue 13; cli-daemon-values.test.ts has the first set): --security-opt, a negative
// --cpu-shares, invalid container names (run, create, rename), malformed -v values, a subnet
// overlapping another network's, predefined network names, kill with a signal the daemon does
// not send, and "No such container/image/network/volume" from every everyday command. docker
// 28's CLI prints a daemon's answer without its program name outside `run` (where it is
// "docker: Error response from daemon: …" and the "Run 'docker run --help'" line); minidock
// prints the same, exit code too, and makes nothing of a refused command.
//
// The expectations are what docker 28.2's CLI printed against Debian's dockerd 20.10, started by
// the test itself (bench/docker.mjs: its own netns, data root and socket; never the host's),
// with the same fixture: cli-daemon-values2.recorded.json. MINIDOCK_RECORD_DOCKER=1 records
// again. Where dockerd 28 words it otherwise (moby's current source) minidock says 28's words,
// and DAEMON28 below names both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { expectDaemonCase, kernelNow, loadRecording, maskProgram, RECORD, recordWithDockerd, stateView, type Outcome, type Recording } from '../helpers/docker-recording.js';
import { Minidock } from '../helpers/cli.js';

/** Refused: Docker's words, and nothing made. */
const CASES: string[][] = [
  // --security-opt: docker/cli's checks (a value given, a profile file that opens), then the daemon's
  ['run', '--security-opt', 'nosuch', 'busybox'], ['run', '--security-opt', 'label', 'busybox'], ['run', '--security-opt', 'seccomp=', 'busybox'],
  ['run', '--security-opt', 'seccomp=/nosuch', 'busybox'], ['run', '--security-opt', 'seccomp=/etc', 'busybox'], ['create', '--security-opt', 'nosuch', 'busybox'],
  ['run', '--security-opt', 'no-new-privileges=x', 'busybox'], ['run', '--security-opt', 'nosuch=1', 'busybox'], ['run', '--security-opt', '=x', 'busybox'],
  ['run', '--security-opt', 'nosuch=1', '--security-opt', 'label', 'busybox'], ['create', '--security-opt', 'nosuch=1', 'busybox'],
  // resources
  ['run', '--cpu-shares', '-1', 'busybox'],
  // container names
  ['run', '--name', 'a/b', 'busybox'], ['run', '--name', '_x', 'busybox'], ['run', '--name', '-x', 'busybox'], ['run', '--name', 'a b', 'busybox'], ['create', '--name', 'a/b', 'busybox'],
  ['rename', 'box1', 'a/b'], ['rename', 'box1', 'box1'], ['rename', 'nosuch', 'x'], ['rename', 'box1', 'box2'],
  // -v: docker/cli's own checks, then the daemon's
  ['run', '-v', ':/x', 'busybox'], ['run', '-v', '/x:', 'busybox'], ['run', '-v', '', 'busybox'], ['run', '-v', '/x::ro', 'busybox'], ['run', '-v', '/tmp::/x', 'busybox'],
  ['create', '-v', ':/x', 'busybox'], ['run', '-v', '/tmp:/x:rw,ro', 'busybox'], ['run', '-v', '/tmp:/x:ro,ro', 'busybox'], ['run', '-v', '/tmp:/x:z,Z', 'busybox'],
  ['run', '-v', 'v1:/x:ro,rw', 'busybox'], ['run', '-v', '/tmp:/', 'busybox'],
  // networks
  ['network', 'create', '--subnet', '10.77.0.0/16', 'n2'], ['network', 'create', '--subnet', '10.77.0.128/25', 'n2'], ['network', 'create', '--subnet', '10.77.0.0/24', 'n2'],
  ['network', 'create', 'bridge'], ['network', 'create', 'host'], ['network', 'create', 'none'], ['network', 'create', '--driver', 'host', 'h2'],
  ['network', 'rm', 'nosuch'], ['network', 'rm', 'bridge'], ['network', 'rm', 'nosuch', 'nosuch2'], ['network', 'inspect', 'nosuch'],
  ['network', 'connect', 'nosuch', 'box1'], ['network', 'connect', 'n1', 'nosuch'], ['network', 'connect', 'bridge', 'box1'],
  ['network', 'disconnect', 'nosuch', 'box1'], ['network', 'disconnect', 'n1', 'box1'], ['network', 'disconnect', 'n1', 'nosuch'],
  // kill: a number the daemon has no signal for, refused for each container
  ['kill', '-s', '99', 'box1'], ['kill', '-s', '65', 'box1'], ['kill', '-s', '32', 'box1'], ['kill', '-s', '-1', 'box1'], ['kill', '-s', '99999999999999999999', 'box1'],
  ['kill', 'nosuch'], ['kill', 'nosuch', 'nosuch2'], ['kill', '-s', '99', 'nosuch'],
  // users and groups of the image
  ['run', '--user', '0:nosuchgroup', 'busybox', 'true'],
  // port: docker/cli's own lookup of PORT[/PROTO] in the container's ports
  ['port', 'box1', '80'], ['port', 'box1', '80/sctp'], ['port', 'box1', 'abc'], ['port', 'box1', '70000/udp'],
  // prune filters the daemon does not know, checked with nothing to prune too
  ['container', 'prune', '-f', '--filter', 'nosuch=1'], ['image', 'prune', '-f', '--filter', 'nosuch=1'], ['volume', 'prune', '-f', '--filter', 'nosuch=1'],
  // files docker/cli opens or checks itself: Go's words as they are, exit 1
  ['load', '-i', '/nosuch.tar'], ['import', '/nosuch.tar'], ['export', '-o', '/nonexistent/x', 'box1'], ['export', '-o', '/etc/hostname/x', 'box1'],
  ['export', '-o', '/dev/null', 'box1'], ['export', '-o', '/nonexistent/x', 'nosuch'], ['save', '-o', '/nonexistent/x', 'busybox'], ['save', '-o', '/proc', 'busybox'],
  // a template that fails on an object: its error as it is
  ['inspect', '-f', '{{.Nosuch}}', 'box1'],
  // lookups that find nothing
  ['inspect', 'nosuch'], ['container', 'inspect', 'nosuch'], ['inspect', '--type', 'container', 'nosuch'], ['inspect', '--type', 'image', 'nosuch'],
  ['inspect', '--type', 'network', 'nosuch'], ['inspect', '--type', 'volume', 'nosuch'], ['image', 'inspect', 'nosuch'], ['image', 'inspect', 'nosuch:1'],
  ['logs', 'nosuch'], ['stop', 'nosuch'], ['rm', 'nosuch'], ['exec', 'nosuch', 'true'], ['port', 'nosuch'], ['start', 'nosuch'], ['restart', 'nosuch'],
  ['pause', 'nosuch'], ['unpause', 'nosuch'], ['top', 'nosuch'], ['wait', 'nosuch'], ['attach', 'nosuch'], ['diff', 'nosuch'], ['export', 'nosuch'], ['commit', 'nosuch'],
  ['stats', '--no-stream', 'nosuch'], ['update', '--memory', '10m', 'nosuch'], ['stop', 'nosuch', 'nosuch2'], ['rm', 'nosuch', 'nosuch2'], ['container', 'logs', 'nosuch'],
  ['history', 'nosuch'], ['tag', 'nosuch', 'x'], ['tag', 'nosuch:1', 'x'], ['save', 'nosuch'], ['rmi', 'nosuch'], ['volume', 'inspect', 'nosuch'], ['volume', 'rm', 'nosuch'],
  ['rmi', '-f', 'nosuch'], ['image', 'rm', '-f', 'nosuch', 'nosuch2'],
  // a container in a state the command refuses
  ['unpause', 'box1'],
];

/** Accepted, in Docker as in minidock (were refused): the same outcome; the container is gone after (--rm). */
const ACCEPTED: string[][] = [
  ['run', '--rm', '--name', '', 'busybox', 'true'],
  ['run', '--rm', '--pids-limit', '-5', 'busybox', 'true'],
  ['run', '--rm', '--security-opt', 'no-new-privileges=1', 'busybox', 'true'],
  ['run', '--rm', '--security-opt', 'seccomp:unconfined', 'busybox', 'true'],
];

/**
 * Where dockerd 28 says it otherwise than the recorded 20.10 (and minidock says 28's words):
 * [20.10's, 28's]. Pools: libnetwork's defaultipam ("invalid pool request: …"); kill: the kill
 * route's lower-case "cannot kill container: REF: …" (since 23.0) and ContainerKill's "the linux
 * daemon does not support signal N", checked before the container is looked up, N as Go's int.
 */
const POOL: [string, string] = ['Pool overlaps', 'invalid pool request: Pool overlaps'];
const cannotKill = (ref: string, why20: string, why28: string): [string, string] => [`Cannot kill container: ${ref}: ${why20}`, `cannot kill container: ${ref}: ${why28}`];
const unsupported = (n: string, n28 = n) => cannotKill('box1', `The linux daemon does not support signal ${n}`, `the linux daemon does not support signal ${n28}`);
const DAEMON28: Record<string, [string, string]> = {
  'network create --subnet 10.77.0.0/16 n2': POOL,
  'network create --subnet 10.77.0.128/25 n2': POOL,
  'network create --subnet 10.77.0.0/24 n2': POOL,
  'kill -s 99 box1': unsupported('99'),
  'kill -s 65 box1': unsupported('65'),
  'kill -s 32 box1': unsupported('32'),
  'kill -s -1 box1': unsupported('18446744073709551615', '-1'),
  'kill -s 99999999999999999999 box1': ['Invalid signal: 99999999999999999999', 'cannot kill container: box1: invalid signal: 99999999999999999999'],
  'kill nosuch': cannotKill('nosuch', 'No such container: nosuch', 'No such container: nosuch'),
  'kill -s 99 nosuch': cannotKill('nosuch', 'No such container: nosuch', 'the linux daemon does not support signal 99'),
  // moby's filters (since 23.0): lower-case, as cli-daemon-values' FILTER
  'container prune -f --filter nosuch=1': ["Invalid filter 'nosuch'", "invalid filter 'nosuch'"],
  'image prune -f --filter nosuch=1': ["Invalid filter 'nosuch'", "invalid filter 'nosuch'"],
  'volume prune -f --filter nosuch=1': ["Invalid filter 'nosuch'", "invalid filter 'nosuch'"],
};
// two containers, two lines: the first is swapped by the entry, the second here
const KILL_TWO: [string, string] = cannotKill('nosuch2', 'No such container: nosuch2', 'No such container: nosuch2');

const mask = (o: Outcome): Outcome => {
  const m = maskProgram(o);
  return { ...m, stdout: m.stdout.replace(/\b[0-9a-f]{64}\b/g, '<id>'), stderr: m.stderr.replace(/\b[0-9a-f]{64}\b/g, '<id>') };
};

const RECORDED = fileURLToPath(new URL('./cli-daemon-values2.recorded.json', import.meta.url));
const key = (c: string[]) => c.join(' ');

/** The fixture both sides have: a running container, a stopped one, a user network, a volume. */
const FIXTURE = [
  ['run', '-d', '--name', 'box1', 'busybox', 'sleep', '1000'], ['create', '--name', 'box2', 'busybox'],
  ['network', 'create', '--subnet', '10.77.0.0/24', 'n1'], ['volume', 'create', 'v1'],
];

let md: Minidock;
let recorded: Recording & { daemon: string };
beforeAll(async () => {
  if (RECORD) await recordWithDockerd({ name: 'mdtest-daemonvals2-docker', fixture: FIXTURE, cases: [...CASES, ...ACCEPTED], key, file: RECORDED });
  recorded = loadRecording(RECORDED) as Recording & { daemon: string };
  md = new Minidock();
  for (const f of FIXTURE) md.ok(f);
}, 300_000);
afterAll(() => {
  md?.run(['rm', '-f', 'box1', 'box2']);
  md?.run(['network', 'rm', 'n1']);
  md?.run(['volume', 'rm', 'v1']);
  md?.cleanup();
});

describe("more values only Docker's daemon checks, and lookups: docker 28's CLI's words, nothing made", () => {
  it('the recording has every case (re-record with MINIDOCK_RECORD_DOCKER=1 when the corpus changes)', () => {
    expect(Object.keys(recorded.cases).sort()).toEqual([...CASES, ...ACCEPTED].map(key).sort());
    expect([recorded.docker, recorded.daemon]).toEqual(['28.2.2', '20.10.24+dfsg1']);
  });

  it.each(CASES.map((c) => [key(c), c]))('%s', (words, c) => {
    const rec = recorded.cases[words as string];
    const twice = words === 'kill nosuch nosuch2';
    const d28 = twice ? DAEMON28['kill nosuch'] : DAEMON28[words as string];
    const want = twice && rec ? { ...rec, stderr: rec.stderr.replace(KILL_TWO[0], KILL_TWO[1]) } : rec;
    const before = expectDaemonCase(md, c as string[], want, d28, mask);
    expect([stateView(md.root), kernelNow(md)]).toEqual(before);
  });

  it.each(ACCEPTED.map((c) => [key(c), c]))('accepted: %s', (words, c) => {
    const rec = recorded.cases[words as string];
    expect(rec, 'recorded').toBeDefined();
    const r = md.run(c as string[]);
    expect(mask({ code: r.code, stdout: r.stdout, stderr: r.stderr })).toEqual(mask(rec));
    expect(md.ok(['ps', '-aq']).split('\n').filter(Boolean)).toHaveLength(2); // box1 and box2 only
  });
});
