// `minidock system service` on a socket of the test's own, in the test's "host" netns and state
// root, and the clients that drive it: the real `docker` CLI (DOCKER_HOST) and raw HTTP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { BIN, Minidock, minidockNetns, type Result } from './cli.js';

// The docker CLI the tests drive the service with (the daemon is never started): MINIDOCK_TEST_DOCKER,
// else a newer CLI in /usr/local/bin, Debian's docker.io, or the one scripts/test.sh extracts from
// Debian's docker.io package (without installing it, so no daemon) when the machine has none.
const DOCKER_CANDIDATES = [process.env.MINIDOCK_TEST_DOCKER, '/usr/local/bin/docker', '/usr/bin/docker', fileURLToPath(new URL('../../.cache/docker-cli/docker', import.meta.url))];
export const DOCKER = DOCKER_CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? 'docker';
export const haveDocker = spawnSync(DOCKER, ['--version'], { stdio: 'ignore' }).status === 0;

export interface DockerCli {
  path: string;
  /** `20.10.24+dfsg1`, `28.2.2` */
  version: string;
  major: number;
  minor: number;
}

/** What `docker --version` says of a CLI (undefined: not there, or not a docker CLI). */
function dockerCliAt(path: string): DockerCli | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /^Docker version ((\d+)\.(\d+)\S*?),/.exec(r.stdout ?? '') : null;
  return m ? { path, version: m[1]!, major: Number(m[2]), minor: Number(m[3]) } : undefined;
}

/**
 * Every docker CLI on the machine among the candidates, each version once (the first path found
 * for it): the CLI tests run for each, since clients differ (a 20.10 CLI speaks API 1.41, sends
 * no ConsoleSize, words some errors itself).
 */
export const DOCKERS: DockerCli[] = (() => {
  const seen = new Map<string, DockerCli>();
  for (const p of DOCKER_CANDIDATES) {
    const cli = p && existsSync(p) ? dockerCliAt(p) : undefined;
    if (cli && !seen.has(cli.version)) seen.set(cli.version, cli);
  }
  return [...seen.values()];
})();

export interface Service {
  sock: string;
  child: ChildProcess;
  /** what the service logged so far */
  log(): string;
  /** SIGTERM (or the signal given), then wait for it to exit */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** the env the docker CLI gets: DOCKER_HOST, a config dir of its own */
  dockerEnv: NodeJS.ProcessEnv;
  docker(args: string[], opts?: { timeout?: number; input?: string }): Result;
  dockerAsync(args: string[]): Promise<Result>;
  /** docker(args) that must succeed: its stdout, trimmed (else an error with stderr and the service's log) */
  dockerOk(args: string[]): string;
  /** the docker CLI these use */
  dockerPath: string;
}

/**
 * `realNs`: in this process's own network namespace (for a pull from the registry on
 * 127.0.0.1, which the test's "host" netns cannot reach; a pull changes nothing in the kernel).
 */
export async function startService(md: Minidock, extra: string[] = ['--time', '0'], o: { realNs?: boolean; env?: NodeJS.ProcessEnv; docker?: string } = {}): Promise<Service> {
  const dockerPath = o.docker ?? DOCKER;
  const dir = mkdtempSync(join(tmpdir(), 'mdtest-api-'));
  const sock = join(dir, 'api.sock');
  const [cmd, ...pre] = o.realNs ? [process.execPath] : [...md.prefix, process.execPath];
  const child = spawn(cmd, [...pre, '--', BIN, 'system', 'service', '--socket', `unix://${sock}`, ...extra], { env: { ...md.env, ...o.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const deadline = Date.now() + 15_000;
  while (!existsSync(sock) || !log.includes('serving')) {
    if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}: ${log}`);
    if (Date.now() > deadline) throw new Error(`service did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'docker-config'), DOCKER_CLI_HINTS: 'false' };
  const docker = (args: string[], opts: { timeout?: number; input?: string } = {}): Result => {
    const r = spawnSync(dockerPath, args, { env: dockerEnv, encoding: 'utf8', timeout: opts.timeout ?? 60_000, input: opts.input ?? '' });
    return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const dockerAsync = (args: string[]): Promise<Result> =>
    new Promise((res) => {
      const c = spawn(dockerPath, args, { env: dockerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.on('close', (code) => res({ code: code ?? 128, stdout, stderr }));
    });
  const dockerOk = (args: string[]): string => {
    const r = docker(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}\nservice log:\n${log}`);
    return r.stdout.trim();
  };
  return {
    sock,
    child,
    log: () => log,
    dockerEnv,
    docker,
    dockerAsync,
    dockerOk,
    dockerPath,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        // nsenter execs node: the pid is the service's own
        child.kill(signal);
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = unknown>(): T;
}

/** One request over the unix socket. */
export function http(sock: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = request({ socketPath: sock, method, path, headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const b = Buffer.concat(chunks);
        res({ status: r.statusCode ?? 0, headers: r.headers, body: b, json: <T>() => JSON.parse(b.toString('utf8')) as T });
      });
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end(data);
  });
}

/** Every container id this state root ever created (its events journal), for leak checks. */
export function createdIds(root: string): string[] {
  let text = '';
  try {
    text = readFileSync(join(root, 'events.log'), 'utf8');
  } catch {
    return [];
  }
  const ids = new Set<string>();
  for (const l of text.split('\n')) {
    const m = /"Action":"create".*"ID":"([0-9a-f]{64})"/.exec(l) ?? /"ID":"([0-9a-f]{64})".*"Action":"create"/.exec(l);
    if (m && l.includes('"Type":"container"')) ids.add(m[1]!);
  }
  return [...ids];
}

/** Removes the state root's containers and the root, then checks none of them left a netns. */
export function cleanupChecked(md: Minidock): void {
  const ids = createdIds(md.root);
  md.cleanup();
  const left = new Set(minidockNetns());
  expect(ids.filter((id) => left.has(`minidock-${id.slice(0, 12)}`))).toEqual([]);
}

/**
 * A state root and a service on it for one describe (beforeAll/afterAll registered here); the
 * cleanup checks that no container of the root left a network namespace behind.
 */
export function useService(o: { extra?: string[]; realNs?: boolean; docker?: string } = {}): { readonly md: Minidock; readonly svc: Service } {
  const ctx = {} as { md: Minidock; svc: Service };
  beforeAll(async () => {
    ctx.md = new Minidock();
    ctx.svc = await startService(ctx.md, o.extra, { realNs: o.realNs, docker: o.docker });
  });
  afterAll(async () => {
    await ctx.svc?.stop();
    if (ctx.md) cleanupChecked(ctx.md);
  });
  return ctx;
}
