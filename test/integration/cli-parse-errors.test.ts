// A command line minidock cannot parse, worded as Docker words it (issue 13): an unknown flag or
// shorthand, a flag without its value (exit 125), a missing argument or too many, an unknown
// command or subcommand (exit 1), `help` of something that is not a command (exit 1). The expectations are
// what docker 28.2's CLI printed for the same words (test/integration/cli-parse-errors.recorded.json;
// it parses them before it looks for a daemon, so none is needed): MINIDOCK_RECORD_DOCKER=1 with
// that CLI at hand records them again, and whenever it is at hand it is checked against them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Minidock } from '../helpers/cli.js';
import { DOCKERS } from '../helpers/api-service.js';

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

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const RECORDED = fileURLToPath(new URL('./cli-parse-errors.recorded.json', import.meta.url));
const DOCKER_CLI = process.env.MINIDOCK_DOCKER_CLI ?? '/usr/local/bin/docker';
const recorded = JSON.parse(readFileSync(RECORDED, 'utf8')) as { docker: string; cases: Record<string, Outcome> };

/** The program's name where it names itself (`docker:`, `'docker run'`, usage lines). */
const mask = (o: Outcome): Outcome => ({ ...o, stderr: o.stderr.replace(/\b(docker|minidock)\b/g, 'PROG') });

const dir = mkdtempSync(join(tmpdir(), 'minidock-parse-'));
let md: Minidock;
beforeAll(() => {
  md = new Minidock();
});
afterAll(() => {
  md?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("a command line minidock cannot parse: Docker's words and exit code", () => {
  const cli = DOCKERS.find((d) => d.path === DOCKER_CLI);
  it.runIf(cli?.version === recorded.docker)(`the recording is what docker ${recorded.docker} at ${DOCKER_CLI} prints (runs only with that CLI here)`, () => {
    if (!cli) throw new Error('no docker CLI');
    const env = { ...process.env, DOCKER_HOST: `unix://${join(dir, 'no-daemon.sock')}`, DOCKER_CONFIG: join(dir, 'config'), DOCKER_CLI_HINTS: 'false' };
    const got: Record<string, Outcome> = {};
    for (const c of CASES) {
      const r = spawnSync(DOCKER_CLI, c, { env, encoding: 'utf8', input: '', timeout: 20_000 });
      got[c.join(' ')] = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }
    if (process.env.MINIDOCK_RECORD_DOCKER === '1') writeFileSync(RECORDED, JSON.stringify({ docker: cli.version, cases: got }, null, 1) + '\n');
    expect(got).toEqual(recorded.cases);
  });

  it.each(CASES.map((c) => [c.join(' ')]))('%s', (words) => {
    const want = recorded.cases[words];
    expect(want, 'recorded').toBeDefined();
    const r = md.run(words.split(' '));
    expect(mask({ code: r.code, stdout: r.stdout, stderr: r.stderr })).toEqual(mask(want!));
    // nothing was made of it
    expect(readdirSync(md.root).filter((f) => f !== 'trace')).toEqual([]);
  });
});
