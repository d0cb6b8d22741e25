// Docker's side of a differential test (docker-corpus.test.ts, parity-audit5.test.ts): a
// throwaway dockerd of the test's own (bench/docker.mjs: own socket, data and exec roots, in the
// test's "host" netns, no iptables rules) driven by the docker CLI, and the masking both sides
// go through before they are compared. Only used when recording (MINIDOCK_RECORD_DOCKER=1).
import { afterAll, beforeAll, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, type Result } from './cli.js';

const DOCKER_CLI = process.env.MINIDOCK_DOCKER_CLI ?? '/usr/local/bin/docker';

export interface DockerSide {
  run: (args: string[], input?: string) => Result;
  stop: () => Promise<void>;
  version: { client: string; server: string };
}

/** Ids, times and sizes masked; the program's name where it names itself. */
export function normalize(s: string): string {
  return s
    .replace(/sha256:[0-9a-f]{64}/g, '<ID>')
    .replace(/\b[0-9a-f]{64}\b/g, '<ID>')
    .replace(/\b[0-9a-f]{12}\b/g, '<ID>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<TIME>')
    .replace(/\b(Less than a second|About a minute|About an hour|an? \w+|\d+ (second|minute|hour|day|week|month|year)s?)( ago)\b/g, '<AGO>')
    .replace(/\bUp (Less than a second|About a minute|About an hour|\d+ (second|minute|hour|day|week|month|year)s?)\b/g, 'Up <DUR>')
    .replace(/\b\d+(\.\d+)?\s?(B|kB|KB|MB|GB)\b/g, '<SIZE>')
    .replace(/^(minidock|docker): /gm, '')
    .replace(/^See '(minidock|docker) [^']*'\.\n?/gm, '')
    .replace(/\n*^Run '(minidock|docker) [^']*--help' for more information\n?/gm, '\n')
    .replace(/\n+$/, '\n')
    .replace(/\b(minidock|docker) (?=[\w-])/g, 'PROG ')
    .replace(/'(minidock|docker)'/g, "'PROG'")
    .replace(/ {2,}/g, '\t')
    .replace(/[ \t]+$/gm, '');
}

/** Docker's side: a dockerd of the test's own (bench/docker.mjs) in this test's throwaway netns; `name`: its paths' name. */
export async function dockerRunner(hostNs: string, name?: string): Promise<DockerSide> {
  const mod = './../../bench/docker.mjs';
  const { startDocker } = (await import(mod)) as { startDocker: (ns: string, o: { ownBridge: boolean; name?: string }) => Promise<{ env?: NodeJS.ProcessEnv; stop?: () => Promise<void>; skipped?: string }> };
  const d = await startDocker(hostNs, { ownBridge: true, ...(name ? { name } : {}) });
  if (d.skipped || !d.env || !d.stop) throw new Error(`cannot record: ${d.skipped}`);
  const config = mkdtempSync(join(tmpdir(), 'mdcorpus-dockercfg-'));
  const env = { ...d.env, DOCKER_CONFIG: config };
  const run = (args: string[], input = ''): Result => {
    const r = spawnSync(DOCKER_CLI, args, { env, input, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const v = run(['version', '--format', '{{.Client.Version}} {{.Server.Version}}']).stdout.trim().split(' ');
  const stop = d.stop;
  return { run, stop: async () => { await stop(); rmSync(config, { recursive: true, force: true }); }, version: { client: v[0], server: v[1] } };
}


/** Each case is named once, and the recording (when there is one) has exactly those names. */
export function expectCasesRecorded(names: string[], recorded?: { cases: Record<string, unknown> }): void {
  expect(new Set(names).size).toBe(names.length);
  if (recorded) expect(Object.keys(recorded.cases).sort()).toEqual([...names].sort());
}

/** MINIDOCK_RECORD_DOCKER=1: the cases run against Docker and the recording is written again. */
export const RECORD = process.env.MINIDOCK_RECORD_DOCKER === '1';

export interface SuiteRecording {
  docker: { client: string; server: string };
  recorded: string;
  cases: Record<string, Result>;
}

export interface RecordedSuite {
  /** minidock's side: its own state root and "host" netns (made in beforeAll). */
  md: () => Minidock;
  /** Runs a case's command line on the side under test: minidock, or Docker while recording. */
  run: (args: string[]) => Result;
  /** The recording; undefined while recording. */
  recorded: SuiteRecording | undefined;
  /** While recording, keeps Docker's outcome of a case and says true (nothing is compared then). */
  keep: (name: string, r: Result) => boolean;
}

/**
 * A differential suite against a recording (`file`, beside the test): minidock's side, and
 * while recording a dockerd of the test's own (`daemonName`) whose busybox is minidock's own,
 * `save`d and `load`ed, so both run the same files, config and id. The recording is written
 * when all `caseCount` cases ran; the daemon is stopped and the state root removed after.
 */
export function recordedSuite(file: string, daemonName: string, caseCount: number): RecordedSuite {
  const recorded = RECORD ? undefined : (JSON.parse(readFileSync(file, 'utf8')) as SuiteRecording);
  const got: Record<string, Result> = {};
  let md: Minidock | undefined;
  let docker: DockerSide | undefined;
  beforeAll(async () => {
    md = new Minidock();
    if (!RECORD) return;
    docker = await dockerRunner(md.hostNs, daemonName);
    const dir = mkdtempSync(join(tmpdir(), 'mdrecorded-'));
    try {
      md.ok(['run', '--rm', '--network', 'none', 'busybox', 'true']); // builds the builtin image
      md.ok(['save', 'busybox', '-o', join(dir, 'bb.tar')]);
      const l = docker.run(['load', '-i', join(dir, 'bb.tar')]);
      if (l.code !== 0) throw new Error(`docker load: ${l.stderr}`);
      docker.run(['image', 'prune', '-f']); // the imported busybox that load untagged
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
  afterAll(async () => {
    if (docker) {
      if (Object.keys(got).length === caseCount) {
        const rec: SuiteRecording = { docker: docker.version, recorded: new Date().toISOString().slice(0, 10), cases: got };
        writeFileSync(file, JSON.stringify(rec, null, 1) + '\n');
      }
      await docker.stop();
    }
    md?.cleanup();
  }, 300_000);
  return {
    md: () => md!,
    run: (args) => (docker ? docker.run(args) : md!.run(args)),
    recorded,
    keep: (name, r) => {
      if (RECORD) got[name] = r;
      return RECORD;
    },
  };
}
