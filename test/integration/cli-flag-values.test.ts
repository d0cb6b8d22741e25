// An invalid flag VALUE, worded as Docker words it (issue 13): the docker CLI checks most values
// while it parses its flags (sizes, numbers, durations, booleans given a value, --ulimit, --sysctl,
// --add-host, -e, -l, --mount, --dns, -a, --link, --filter…: `invalid argument "V" for "-m, --memory"
// flag: …`, its usage block, exit 125), and a few right after, before it asks the daemon (-p,
// --expose, --restart, --mac-address, --pull, --pid, --platform: `docker: …` and "Run 'docker run
// --help'", 125; network create's IPAM checks, inspect --type, a template: their own line, exit 1
// or 64). The expectations are what docker 28.2's CLI printed for the same words with no daemon
// to talk to (cli-flag-values.recorded.json): MINIDOCK_RECORD_DOCKER=1 with that CLI at hand
// records them again, and whenever it is at hand the recording is checked against it. Values only
// a daemon checks (`--cpus -1`, `--restart abc`, `kill -s NOSUCH`…) are in cli-daemon-values.test.ts,
// recorded against a dockerd.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { expectAsRecorded, loadRecording, recordingCli, recordingState, runDockerCli } from '../helpers/docker-recording.js';

const CASES: string[][] = [
  // run: sizes, numbers, durations
  ['run', '--memory', 'abc', 'busybox'], ['run', '-m', '1x', 'busybox'], ['run', '-m=12q', 'busybox'], ['run', '--shm-size', 'abc', 'busybox'],
  ['run', '--memory-swap', 'abc', 'busybox'], ['run', '--memory-swap', '-2', 'busybox'], ['run', '--memory-reservation', 'abc', 'busybox'],
  ['run', '-m', '1X', 'busybox'], ['run', '-m', '1kbb', 'busybox'], ['run', '-m', '10  MB', 'busybox'], ['run', '-m', '1.2.3', 'busybox'],
  ['run', '-m', '0x10', 'busybox'], ['run', '-m', '1mi', 'busybox'], ['run', '-m', '1e400', 'busybox'], ['run', '-m', ' 1', 'busybox'],
  ['run', '--cpus', 'abc', 'busybox'], ['run', '--cpus', '1.0000000001', 'busybox'], ['run', '--cpus=1e', 'busybox'], ['run', '--cpus', '1/0', 'busybox'],
  ['run', '-c', '9223372036854775808', 'busybox'], ['run', '-c', '', 'busybox'], ['run', '-c', '08', 'busybox'],
  ['run', '-c', 'abc', 'busybox'], ['run', '--cpu-shares', '1.5', 'busybox'], ['run', '--pids-limit', 'abc', 'busybox'],
  ['run', '--health-interval', 'abc', 'busybox'], ['run', '--health-interval', '10', 'busybox'], ['run', '--health-timeout', 'x', 'busybox'],
  ['run', '--health-start-period', '1y', 'busybox'], ['run', '--health-start-interval', 'q', 'busybox'], ['run', '--health-retries', 'abc', 'busybox'],
  ['run', '--stop-timeout', 'abc', 'busybox'],
  // run: booleans given a value
  ['run', '--rm=abc', 'busybox'], ['run', '-d=abc', 'busybox'], ['run', '--sig-proxy=abc', 'busybox'], ['run', '--init=x', 'busybox'],
  ['run', '--privileged=2', 'busybox'], ['run', '-t=yes', 'busybox'], ['run', '-dit=x', 'busybox'], ['run', '--sig-proxy=maybe', 'busybox'],
  // run: lists checked as each is given
  ['run', '--ulimit', 'abc', 'busybox'], ['run', '--ulimit', 'nofile=abc', 'busybox'], ['run', '--ulimit', 'nosuch=1', 'busybox'],
  ['run', '--sysctl', 'abc', 'busybox'], ['run', '--add-host', 'abc', 'busybox'], ['run', '--add-host', 'a:notanip', 'busybox'],
  ['run', '-e', '=x', 'busybox'], ['run', '-e', '', 'busybox'], ['run', '--mount', 'abc', 'busybox'], ['run', '--mount', 'type=bind', 'busybox'],
  ['run', '--mount', 'type=volume,source=x', 'busybox'], ['run', '--dns', 'abc', 'busybox'], ['run', '-l', '=x', 'busybox'], ['run', '-l', ' =x', 'busybox'],
  ['run', '-a', 'abc', 'busybox'], ['run', '--link', 'a:b:c', 'busybox'],
  // run: checked after parsing, before the daemon
  ['run', '-p', 'abc', 'busybox'], ['run', '-p', '80:abc', 'busybox'], ['run', '-p', '99999:80', 'busybox'], ['run', '-p', '', 'busybox'],
  ['run', '-p', '1.2.3:80:80', 'busybox'], ['run', '-p', '8000-8001:80-82', 'busybox'], ['run', '-p', '90-80:80', 'busybox'], ['run', '-p', '80/xyz', 'busybox'],
  ['run', '--restart', 'on-failure:abc', 'busybox'], ['run', '--mac-address', 'abc', 'busybox'], ['run', '--expose', 'abc', 'busybox'],
  ['run', '--pull', 'abc', 'busybox'], ['run', '--pid', 'abc', 'busybox'], ['run', '--platform', 'abc', 'busybox'],
  // the first bad value wins; a bad value before a missing image
  ['run', '-m', 'abc', '--cpus', 'x', 'busybox'], ['run', '-m', 'abc'], ['run', '--pull', 'x', '-p', 'abc', 'busybox'], ['run', '-p', 'abc', '--platform', 'x', 'busybox'],
  ['run', '-m', 'abc', '--nosuchflag', 'busybox'],
  // create
  ['create', '--memory', 'abc', 'busybox'], ['create', '--stop-timeout', '1.5', 'busybox'], ['create', '--ulimit', 'nofile=1:x', 'busybox'],
  // exec
  ['exec', '-e', '=x', 'c', 'true'], ['exec', '-d=abc', 'c', 'true'], ['exec', '-i=x', 'c', 'true'],
  // ps
  ['ps', '-n', 'abc'], ['ps', '--last', '1.5'], ['ps', '-f', 'abc'], ['ps', '-a=x'], ['ps', '-q=x'], ['ps', '--format', '{{'],
  // logs, stop, restart, rm, start
  ['logs', '-f=x', 'c'], ['logs', '-t=x', 'c'], ['stop', '-t', 'abc', 'c'], ['stop', '--time', 'abc', 'c'], ['stop', '--timeout', '1.5', 'c'],
  ['restart', '-t', 'abc', 'c'], ['rm', '-f=x', 'c'], ['rm', '-v=abc', 'c'], ['rm', '--force=x', 'c'], ['start', '-a=x', 'c'],
  // network create, volume create
  ['network', 'create', '--ipv6=x', 'n'], ['network', 'create', '--internal=x', 'n'], ['network', 'create', '--label', '=x', 'n'],
  ['network', 'create', '--gateway', '10.0.0.1', 'n'], ['network', 'create', '--ip-range', '10.0.0.0/25', 'n'],
  ['network', 'create', '--subnet', '10.0.0.0/24', '--gateway', 'abc', 'n'], ['network', 'create', '--subnet', '10.0.0.0/24', '--subnet', '10.0.0.0/16', 'n'],
  ['network', 'create', '--subnet', '10.1.0.0/16', '--ip-range', '10.2.0.0/24', 'n'], ['network', 'create', '--subnet', 'abc', '--gateway', '10.0.0.1', 'n'],
  ['network', 'create', '--ipv4=maybe', 'n'],
  ['volume', 'create', '--label', '=x', 'v'],
  // images, inspect, update
  ['images', '-f', 'abc'], ['images', '-a=x'], ['images', '-q=x'], ['inspect', '--type', 'abc', 'c'], ['inspect', '-s=x', 'c'], ['inspect', '-f', '{{', 'c'],
  ['ps', '--format', '{{nope .X}}'], ['commit', '--pause=x', 'c'], ['logs', '--details=x', 'c'], ['volume', 'ls', '-f', 'abc'], ['network', 'ls', '--filter', 'x'],
  ['update', '-m', 'abc', 'c'], ['update', '--memory-swap', 'abc', 'c'], ['update', '--cpus', 'abc', 'c'], ['update', '-c', 'abc', 'c'],
  ['update', '--pids-limit', 'abc', 'c'], ['update', '--memory-reservation', 'x', 'c'],
  // the container group names itself as Docker does
  ['container', 'run', '-m', 'abc', 'busybox'], ['container', 'ps', '-n', 'x'], ['container', 'stop', '-t', 'x', 'c'], ['container', 'run', '--nosuchflag', 'busybox'],
  ['container', 'rm'], ['container', 'run', '-p', 'abc', 'busybox'], ['container', 'ls', '-a=2'], ['container', 'inspect', '-s=x', 'c'], ['container', 'list', '-n', 'q'],
];

const RECORDED = fileURLToPath(new URL('./cli-flag-values.recorded.json', import.meta.url));
const recorded = loadRecording(RECORDED);
const key = (c: string[]) => JSON.stringify(c);

const { dir, md } = recordingState('minidock-flagvals-');

describe("an invalid flag value: Docker's words and exit code, nothing made", () => {
  const cli = recordingCli(recorded);
  it.runIf(cli)(`the recording is what docker ${recorded.docker} prints (runs only with that CLI here)`, () => {
    const got = runDockerCli(cli!, CASES, key, dir, RECORDED);
    // none of these reached for a daemon: each is the CLI's own check
    for (const [words, o] of Object.entries(got)) expect(o.stderr, words).not.toMatch(/Cannot connect to the Docker daemon|unknown server OS/);
    expect(got).toEqual(recorded.cases);
  });

  it.each(CASES.map((c) => [c.join(' '), c]))('%s', (_, c) => expectAsRecorded(md(), c as string[], recorded.cases[key(c as string[])]));
});
