// What the docker CLI prints for command lines it refuses by itself, before it would ask a daemon
// (cli-parse-errors.test.ts, cli-flag-values.test.ts): run with DOCKER_HOST at a socket nobody
// serves, recorded in a JSON file beside the test, and compared with minidock's outcome.
import { afterAll, beforeAll, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKERS } from './api-service.js';
import { Minidock } from './cli.js';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Recording {
  docker: string;
  cases: Record<string, Outcome>;
}

const DOCKER_CLI = process.env.MINIDOCK_DOCKER_CLI ?? '/usr/local/bin/docker';
/** MINIDOCK_RECORD_DOCKER=1: record again (the docker CLI must be at hand). */
export const RECORD = process.env.MINIDOCK_RECORD_DOCKER === '1';

export function loadRecording(file: string): Recording {
  return JSON.parse(readFileSync(file, 'utf8')) as Recording;
}

/** The program's name where it names itself (`docker:`, `'docker run'`, usage lines). */
export const maskProgram = (o: Outcome): Outcome => ({ ...o, stderr: o.stderr.replace(/\b(docker|minidock)\b/g, 'PROG') });

/** The docker CLI of the recording's version, when it is here (else the recording is not checked). */
export function recordingCli(rec: Recording): { path: string; version: string } | undefined {
  const cli = DOCKERS.find((d) => d.path === DOCKER_CLI);
  return cli && (RECORD || cli.version === rec.docker) ? cli : undefined;
}

/** Runs the docker CLI on each case with no daemon to reach (`dir`: a scratch directory); with RECORD, writes them to `file`. */
export function runDockerCli(cli: { path: string; version: string }, cases: string[][], key: (c: string[]) => string, dir: string, file: string): Record<string, Outcome> {
  const env = { ...process.env, DOCKER_HOST: `unix://${join(dir, 'no-daemon.sock')}`, DOCKER_CONFIG: join(dir, 'config'), DOCKER_CLI_HINTS: 'false' };
  const got: Record<string, Outcome> = {};
  for (const c of cases) {
    const r = spawnSync(cli.path, c, { env, encoding: 'utf8', input: '', timeout: 20_000 });
    got[key(c)] = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  if (RECORD) writeFileSync(file, JSON.stringify({ docker: cli.version, cases: got }, null, 1) + '\n');
  return got;
}

/** The test's scratch directory and its own minidock state root (and "host" netns), both removed after. */
export function recordingState(prefix: string): { dir: string; md: () => Minidock } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let md: Minidock | undefined;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, md: () => md! };
}

/**
 * What a refused command must leave as it was in the kernel: the test's own "host" netns (its
 * links, addresses, iptables and nftables rules). A container's netns or cgroup would need a
 * container record, and the state root stays empty.
 */
export function kernelView(md: Minidock): string[] {
  const inHost = (cmd: string, args: string[]) => md.inHost(cmd, args).stdout;
  return [inHost('ip', ['-o', 'link']), inHost('ip', ['-o', 'addr']), inHost('iptables-save', []), inHost('nft', ['list', 'ruleset'])];
}

/** Runs minidock on `args`: Docker's recorded outcome (the program's name masked), and nothing made of it. */
export function expectAsRecorded(md: Minidock, args: string[], want: Outcome | undefined): void {
  expect(want, 'recorded').toBeDefined();
  const before = kernelView(md);
  const r = md.run(args);
  expect(maskProgram({ code: r.code, stdout: r.stdout, stderr: r.stderr })).toEqual(maskProgram(want!));
  expect(readdirSync(md.root).filter((f) => f !== 'trace')).toEqual([]);
  expect(kernelView(md)).toEqual(before);
}
