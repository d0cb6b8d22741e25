// A command line minidock cannot parse, worded as Docker words it (issue 13): an unknown flag or
// shorthand, a flag without its value (exit 125), a missing argument or too many, an unknown
// command or subcommand (exit 1), `help` of something that is not a command (exit 1). The expectations are
// what docker 28.2's CLI printed for the same words (test/integration/cli-parse-errors.recorded.json;
// it parses them before it looks for a daemon, so none is needed): MINIDOCK_RECORD_DOCKER=1 with
// that CLI at hand records them again, and whenever it is at hand it is checked against them.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { expectAsRecorded, loadRecording, recordingCli, recordingState, runDockerCli } from '../helpers/docker-recording.js';

const CASES: string[][] = [
  // flags
  ['run', '--nosuchflag', 'busybox'], ['run', '--nosuchflag=1', 'busybox'], ['run', '-Z', 'busybox'], ['run', '-dZ', 'busybox'], ['ps', '--nosuchflag'],
  ['ps', '-Z'], ['create', '--nosuchflag', 'busybox'], ['network', 'create', '--nosuchflag', 'n'], ['volume', 'ls', '--nosuchflag'], ['images', '--nosuchflag'],
  ['network', '--nosuchflag'], ['--nosuchflag', 'ps'], ['run', '-p'], ['run', '--memory'], ['run', '-e'], ['logs', '--tail'], ['ps', '--filter'],
  // arguments
  ['run'], ['create'], ['rm'], ['start'], ['stop'], ['logs'], ['exec'], ['exec', 'x'], ['inspect'], ['rename', 'a'], ['port'], ['cp', 'a'], ['tag', 'a'],
  ['pull'], ['rmi'], ['network', 'create'], ['network', 'connect', 'n'], ['network', 'rm'], ['network', 'inspect'], ['volume', 'inspect'], ['volume', 'rm'],
  ['image', 'inspect'], ['image', 'rm'], ['history'], ['commit'], ['diff'], ['export'], ['top'], ['kill'], ['wait'], ['pause'], ['unpause'], ['attach'], ['push'], ['push', 'a', 'b'], ['update'], ['update', '--nosuchflag', 'x'],
  // too many arguments
  ['ps', 'a'], ['version', 'a'], ['images', 'a', 'b'], ['logs', 'a', 'b'], ['rename', 'a', 'b', 'c'], ['port', 'a', 'b', 'c'], ['network', 'ls', 'a'],
  ['network', 'create', 'a', 'b'], ['volume', 'create', 'a', 'b'], ['volume', 'ls', 'a'], ['system', 'df', 'a'], ['info', 'a'], ['events', 'a'],
  // commands
  ['nosuchcommand'], ['network', 'nosuch'], ['volume', 'nosuch'], ['image', 'nosuch'], ['container', 'nosuch'], ['system', 'nosuch'],
  // help
  ['help', 'nosuch'], ['help', 'network', 'nosuch'], ['help', 'volume', 'nosuch', 'x'],
];

const RECORDED = fileURLToPath(new URL('./cli-parse-errors.recorded.json', import.meta.url));
const recorded = loadRecording(RECORDED);

const { dir, md } = recordingState('minidock-parse-');

describe("a command line minidock cannot parse: Docker's words and exit code", () => {
  const cli = recordingCli(recorded);
  it.runIf(cli)(`the recording is what docker ${recorded.docker} prints (runs only with that CLI here)`, () => {
    expect(runDockerCli(cli!, CASES, (c) => c.join(' '), dir, RECORDED)).toEqual(recorded.cases);
  });

  it.each(CASES.map((c) => [c.join(' ')]))('%s', (words) => expectAsRecorded(md(), words.split(' '), recorded.cases[words]));
});
