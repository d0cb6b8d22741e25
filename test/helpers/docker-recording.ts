// What the docker CLI prints for command lines it refuses by itself, before it would ask a daemon
// (cli-parse-errors.test.ts, cli-flag-values.test.ts): run with DOCKER_HOST at a socket nobody
// serves, recorded in a JSON file beside the test, and compared with minidock's outcome.
import { afterAll, beforeAll, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Records Docker's outcomes for `cases` with a dockerd of the test's own (MINIDOCK_RECORD_DOCKER=1):
 * bench/docker.mjs starts it in a netns of its own, with its own data root and socket (`name`)
 * and busybox imported from /bin/busybox; `fixture` is made first; the daemon is stopped and
 * its netns removed at the end. Writes { docker, daemon, cases } to `file`.
 */
export async function recordWithDockerd(o: { name: string; fixture: string[][]; cases: string[][]; key: (c: string[]) => string; file: string }): Promise<void> {
  const ns = `mdt-dvd-${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const mod = './../../bench/docker.mjs';
  type Started = { env?: NodeJS.ProcessEnv; stop?: () => Promise<void>; skipped?: string };
  const { startDocker } = (await import(mod)) as { startDocker: (ns: string, o: { ownBridge: boolean; name: string }) => Promise<Started> };
  const d = await startDocker(ns, { ownBridge: true, name: o.name });
  const dir = mkdtempSync(join(tmpdir(), 'minidock-daemonvals-'));
  try {
    if (d.skipped) throw new Error(`no dockerd to record with: ${d.skipped}`);
    const env = { ...d.env, DOCKER_CONFIG: join(dir, 'config'), DOCKER_CLI_HINTS: 'false' };
    const docker = (args: string[]) => spawnSync('docker', args, { env, encoding: 'utf8', input: '', timeout: 30_000 });
    for (const f of o.fixture) expect(docker(f).status, f.join(' ')).toBe(0);
    const cases: Record<string, Outcome> = {};
    for (const c of o.cases) {
      const r = docker(c);
      cases[o.key(c)] = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }
    const v = docker(['version', '--format', '{{.Client.Version}} {{.Server.Version}}']).stdout.trim().split(' ');
    writeFileSync(o.file, JSON.stringify({ docker: v[0], daemon: v[1], cases }, null, 1) + '\n');
  } finally {
    await d.stop?.();
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file (and link) under the state root with its size and mtime (the trace log left out). */
export function stateView(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.name === 'trace') continue;
      if (e.isDirectory()) walk(p);
      else {
        const st = lstatSync(p);
        out.push(`${p.slice(root.length)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(root);
  return out.sort();
}

/**
 * The kernel as kernelView shows it, without what changes by itself while a container runs:
 * iptables-save's time lines, IPv6 DAD's `tentative`, a bridge's operstate, the rules' packet
 * counters (a packet of an earlier case still on its way moves them).
 */
export const kernelNow = (md: Minidock): string[] =>
  kernelView(md).map((v) =>
    v
      .replace(/^# .*\n/gm, '')
      .replace(/ tentative\b/g, '')
      .replace(/ state [A-Z]+ /g, ' ')
      .replace(/counter packets \d+ bytes \d+/g, 'counter')
      .replace(/\[\d+:\d+\]/g, '[0:0]'),
  );

/**
 * Runs minidock on a case recorded against a dockerd: Docker's outcome as `mask` shows both, with
 * 20.10's words swapped for docker 28's daemon's where `d28` ([20.10's, 28's]) says they differ.
 * Returns the state root and kernel as they were before, for the caller's nothing-made check.
 */
export function expectDaemonCase(md: Minidock, args: string[], rec: Outcome | undefined, d28: [string, string] | undefined, mask: (o: Outcome) => Outcome): string[][] {
  expect(rec, 'recorded').toBeDefined();
  if (d28) expect(rec!.stderr, "20.10's words, as DAEMON28 says").toContain(d28[0]);
  const want = d28 ? { ...rec!, stderr: rec!.stderr.replace(d28[0], d28[1]) } : rec!;
  const before = [stateView(md.root), kernelNow(md)];
  const r = md.run(args);
  expect(mask({ code: r.code, stdout: r.stdout, stderr: r.stderr })).toEqual(mask(want));
  return before;
}
