// A value only Docker's DAEMON checks (issue 13): `--cpus -1`, `--restart abc`, `--ip` outside the
// subnet, `--log-opt max-size=abc`, `-v /x:rel`, `--cpuset-cpus abc`, `kill -s NOSUCH`, an
// unknown filter key… The docker CLI passes these on and prints what the daemon answers:
// `docker run` as "docker: Error response from daemon: …" and "Run 'docker run --help' for more
// information" (125; 127 for a --device that is not there, found as the container starts),
// create and every other command as "Error response from daemon: …" alone, exit 1. minidock
// checks them itself, before anything is made, and prints the same.
//
// The expectations are what docker 28.2's CLI printed against Debian's dockerd 20.10 (the
// machine's docker.io) with the same fixture (a running container box1, a network n1 on
// 10.77.0.0/24): cli-daemon-values.recorded.json. MINIDOCK_RECORD_DOCKER=1 records them again
// with a dockerd of the test's own (bench/docker.mjs: its own netns, data root and socket, busybox
// imported from /bin/busybox, stopped at the end); without a dockerd the recording is the
// expectation. Where dockerd 28 words a refusal differently from 20.10 and minidock says 28's
// words (moby's current source), DAEMON28 below says so: the recording keeps 20.10's, the test
// expects 28's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { expectDaemonCase, kernelNow, loadRecording, maskProgram, RECORD, recordWithDockerd, stateView, type Outcome, type Recording } from '../helpers/docker-recording.js';
import { Minidock } from '../helpers/cli.js';

const CASES: string[][] = [
  // run: resources
  ['run', '--cpus', '-1', 'busybox'], ['run', '--cpus', '3', 'busybox'], ['run', '-m', '1', 'busybox'], ['run', '--memory-reservation', '1', 'busybox'],
  ['run', '--memory-swap', '1m', '-m', '2m', 'busybox'], ['run', '--memory-swap', '8m', '-m', '16m', 'busybox'], ['run', '--memory-swap', '8m', 'busybox'],
  ['run', '--cpuset-cpus', 'abc', 'busybox'], ['run', '--cpuset-cpus', '0-999', 'busybox'], ['run', '--cpuset-mems', 'abc', 'busybox'], ['run', '--cpuset-mems', '5', 'busybox'],
  // run: restart policy
  ['run', '--restart', 'abc', 'busybox'], ['run', '--restart', 'always:3', 'busybox'], ['run', '--restart', 'unless-stopped:1', 'busybox'], ['run', '--restart', 'no:1', 'busybox'],
  // run: addresses and networks
  ['run', '--ip', '1.2.3', 'busybox'], ['run', '--ip', '10.99.0.5', '--network', 'n1', 'busybox'], ['run', '--ip', '172.17.0.50', 'busybox'],
  ['run', '--network', 'host', '--ip', '10.0.0.1', 'busybox'], ['run', '--ip6', 'abc', '--network', 'n1', 'busybox'], ['run', '--network', 'nosuch', 'busybox'],
  ['run', '--network', 'container:nosuch', 'busybox'],
  // run: namespaces, other containers
  ['run', '--ipc', 'nosuch', 'busybox'], ['run', '--uts', 'nosuch', 'busybox'], ['run', '--pid', 'container:nosuch', 'busybox'], ['run', '--ipc', 'container:nosuch', 'busybox'],
  ['run', '--link', 'nosuch:x', 'busybox'], ['run', '--volumes-from', 'nosuch', 'busybox'], ['run', '--name', 'box1', 'busybox'],
  // run: logging
  ['run', '--log-opt', 'nosuch=1', 'busybox'], ['run', '--log-opt', 'max-size=abc', 'busybox'], ['run', '--log-opt', 'max-file=abc', 'busybox'],
  ['run', '--log-opt', 'max-file=0', 'busybox'], ['run', '--log-driver', 'none', '--log-opt', 'max-size=1m', 'busybox'], ['run', '--log-driver', 'nosuch', 'busybox'],
  // run: mounts
  ['run', '-v', 'a:b:c:d:e', 'busybox'], ['run', '-v', '/x:rel', 'busybox'], ['run', '-v', '/nosuch-dv:/x:nosuch', 'busybox'], ['run', '--tmpfs', 'rel', 'busybox'],
  ['run', '--mount', 'type=nosuch,target=/x', 'busybox'], ['run', '--mount', 'type=tmpfs,target=rel', 'busybox'], ['run', '--mount', 'type=volume,target=rel', 'busybox'],
  // run: the rest
  ['run', '--device', '/nosuch', 'busybox'], ['run', '--stop-signal', 'NOSUCH', 'busybox'], ['run', '-w', 'rel', 'busybox'], ['run', '-u', 'nosuchuser', 'busybox'],
  ['run', '--group-add', 'nosuchgroup', 'busybox'], ['run', '--cap-add', 'NOSUCH', 'busybox'], ['run', '--cap-drop', 'NOSUCH', 'busybox'],
  ['run', '--health-retries', '-1', 'busybox'], ['run', '--health-interval', '-1s', 'busybox'], ['run', '--health-timeout', '-1s', 'busybox'], ['run', '--health-start-period', '-1s', 'busybox'],
  ['container', 'run', '--cpus', '-1', 'busybox'],
  // create: the daemon's refusal as it is, exit 1
  ['create', '--cpus', '-1', 'busybox'], ['create', '--restart', 'abc', 'busybox'], ['create', '-m', '1', 'busybox'],
  // logs, kill, events
  ['logs', '--tail', 'x', 'box1'], ['logs', '--tail', '-5', 'box1'], ['logs', '--since', 'abc', 'box1'], ['logs', '--until', 'abc', 'box1'],
  ['kill', '-s', 'NOSUCH', 'box1'], ['kill', '-s', '0', 'box1'], ['kill', '-s', 'SIGNOSUCH', 'box1'], ['events', '--since', 'abc'], ['events', '--until', 'abc'],
  // network create
  ['network', 'create', '--subnet', 'abc', 'n2'], ['network', 'create', '--driver', 'nosuch', 'n3'], ['network', 'create', 'n1'],
  // filters
  ['ps', '--filter', 'nosuch=1'], ['ps', '--filter', 'status=nosuch'], ['ps', '--filter', 'health=nosuch'], ['ps', '--filter', 'exited=abc'],
  ['network', 'ls', '--filter', 'nosuch=1'], ['images', '--filter', 'nosuch=1'], ['volume', 'ls', '--filter', 'nosuch=1'], ['volume', 'ls', '--filter', 'dangling=abc'],
  // update
  ['update', '--restart', 'abc', 'box1'], ['update', '--restart', 'always:3', 'box1'], ['update', '--memory', '1', 'box1'], ['update', '--cpus', '-1', 'box1'],
  // volume create
  ['volume', 'create', '--driver', 'nosuch', 'v'], ['volume', 'create', 'a/b'],
];

/**
 * Where dockerd 28 says it otherwise than the recorded 20.10 (and minidock says 28's words):
 * [20.10's, 28's]. Restart policies: moby api/types/container/hostconfig.go ValidateRestartPolicy
 * (since 25.0); filters: api/types/filters/errors.go invalidFilter (lowercase, the values joined
 * by commas, since 23.0).
 */
const RESTART_ALWAYS: [string, string] = ["maximum retry count cannot be used with restart policy 'always'", "invalid restart policy: maximum retry count can only be used with 'on-failure'"];
const RESTART_ABC: [string, string] = ["invalid restart policy 'abc'", "invalid restart policy: unknown policy 'abc'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"];
const FILTER: [string, string] = ["Invalid filter 'nosuch'", "invalid filter 'nosuch'"];
const DAEMON28: Record<string, [string, string]> = {
  // kill: moby/sys/signal's lower-case words, in the kill route's "cannot kill container: REF: …"
  // (28's ContainerKill parses the signal, per container; 20.10's route did, unwrapped)
  'kill -s NOSUCH box1': ['Invalid signal: NOSUCH', 'cannot kill container: box1: invalid signal: NOSUCH'],
  'kill -s 0 box1': ['Invalid signal: 0', 'cannot kill container: box1: invalid signal: 0'],
  'kill -s SIGNOSUCH box1': ['Invalid signal: SIGNOSUCH', 'cannot kill container: box1: invalid signal: SIGNOSUCH'],
  'run --restart abc busybox': RESTART_ABC,
  'create --restart abc busybox': RESTART_ABC,
  'update --restart abc box1': RESTART_ABC,
  'run --restart always:3 busybox': RESTART_ALWAYS,
  'update --restart always:3 box1': RESTART_ALWAYS,
  'run --restart unless-stopped:1 busybox': ["maximum retry count cannot be used with restart policy 'unless-stopped'", RESTART_ALWAYS[1]],
  'run --restart no:1 busybox': ["maximum retry count cannot be used with restart policy 'no'", RESTART_ALWAYS[1]],
  'network ls --filter nosuch=1': FILTER,
  'images --filter nosuch=1': FILTER,
  'volume ls --filter nosuch=1': FILTER,
  'volume ls --filter dangling=abc': ["Invalid filter 'dangling=[abc]'", "invalid filter 'dangling=abc'"],
};

/** What differs by nature: ids, and this machine's CPUs and memory nodes. */
const mask = (o: Outcome): Outcome => {
  const m = maskProgram(o);
  return {
    ...m,
    stderr: m.stderr
      .replace(/\b[0-9a-f]{64}\b/g, '<id>')
      .replace(/from 0\.01 to \d+\.00, as there are only \d+ CPUs/, 'from 0.01 to <n>.00, as there are only <n> CPUs')
      .replace(/available: [\d,-]+/, 'available: <online>'),
  };
};

const RECORDED = fileURLToPath(new URL('./cli-daemon-values.recorded.json', import.meta.url));
const key = (c: string[]) => c.join(' ');

/** The fixture both sides have: a running container and a user network. */
const FIXTURE = [['run', '-d', '--name', 'box1', 'busybox', 'sleep', '1000'], ['network', 'create', '--subnet', '10.77.0.0/24', 'n1']];

/** Records Docker's outcomes with a dockerd of the test's own (MINIDOCK_RECORD_DOCKER=1). */
const record = () => recordWithDockerd({ name: 'mdtest-daemonvals-docker', fixture: FIXTURE, cases: CASES, key, file: RECORDED });

/**
 * Refused as the container starts, in minidock as in Docker (it reads the image's /etc/group):
 * both leave the created container, which this test then removes.
 */
const LEAVES_CREATED = new Set(['run --group-add nosuchgroup busybox']);

let md: Minidock;
let recorded: Recording & { daemon: string };
beforeAll(async () => {
  if (RECORD) await record();
  recorded = loadRecording(RECORDED) as Recording & { daemon: string };
  md = new Minidock();
  for (const f of FIXTURE) md.ok(f);
}, 300_000);
afterAll(() => {
  md?.run(['rm', '-f', 'box1']);
  md?.run(['network', 'rm', 'n1']);
  md?.cleanup();
});

describe("a value only Docker's daemon checks: the daemon's words as docker 28's CLI prints them, nothing made", () => {
  it('the recording has every case (re-record with MINIDOCK_RECORD_DOCKER=1 when the corpus changes)', () => {
    expect(Object.keys(recorded.cases).sort()).toEqual(CASES.map(key).sort());
    expect([recorded.docker, recorded.daemon]).toEqual(['28.2.2', '20.10.24+dfsg1']);
  });

  it.each(CASES.map((c) => [key(c), c]))('%s', (words, c) => {
    const before = expectDaemonCase(md, c as string[], recorded.cases[words as string], DAEMON28[words as string], mask);
    if (LEAVES_CREATED.has(words as string)) {
      const made = md.ok(['ps', '-aq', '--filter', 'status=created']).split('\n').filter(Boolean);
      expect(made).toHaveLength(1);
      md.ok(['rm', ...made]);
    } else expect([stateView(md.root), kernelNow(md)]).toEqual(before);
  });
});
