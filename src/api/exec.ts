// /containers/{id}/exec, /exec/{id}/start, /exec/{id}/json: `minidock exec` (the engine's
// execInContainer) over a hijacked connection. Exec instances live in this service's memory, as
// in Docker's daemon (they are gone with it; the processes they started are not).
import type { ChildProcess } from 'node:child_process';
import { ApiError, intParam, sendJson } from './http.js';
import type { Handler } from './routes.js';
import { bodyOf, openStream } from './hijack.js';
import { frame, STDERR, STDOUT } from './framing.js';
import { mustFind, stateOf } from '../engine/container/record.js';

interface ExecInstance {
  id: string;
  containerId: string;
  cmd: string[];
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  winsize?: { rows: number; cols: number };
  /** a tty exec: its shim's attach socket, through which /exec/{id}/resize goes */
  sock?: string;
}

const instances = new Map<string, ExecInstance>();

interface CreateBody {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  Cmd?: string[];
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Privileged?: boolean;
  DetachKeys?: string;
  ConsoleSize?: number[] | null;
}

export const create: Handler = async (c, [ref]) => {
  const { readJson } = await import('./http.js');
  const { parseEnv, parseUser, parseWorkdir } = await import('../engine/container/options.js');
  const { randomHex } = await import('../state/random.js');
  const b = (await readJson<CreateBody>(c.req)) ?? {};
  const rec = mustFind(ref);
  const st = stateOf(rec);
  if (!st.Running) throw new ApiError(409, `container ${rec.Id} is not running`);
  if (st.Paused) throw new ApiError(409, `Container ${ref} is paused, unpause the container before exec`);
  if (!Array.isArray(b.Cmd) || b.Cmd.length === 0) throw new ApiError(400, 'No exec command specified');
  if (b.Privileged) throw new ApiError(400, "Privileged execs are not supported by minidock's Engine API");
  if (b.DetachKeys) throw new ApiError(400, "DetachKeys are not supported by minidock's Engine API");
  const env = (b.Env ?? []).map((e) => parseEnv(e)).filter((e): e is string => e !== undefined);
  if (b.User) parseUser(b.User);
  const id = randomHex(32);
  instances.set(id, {
    id,
    containerId: rec.Id,
    cmd: b.Cmd,
    env,
    workdir: b.WorkingDir ? parseWorkdir(b.WorkingDir) : undefined,
    user: b.User || undefined,
    tty: !!b.Tty,
    stdin: !!b.AttachStdin,
    stdout: b.AttachStdout !== false,
    stderr: b.AttachStderr !== false,
    running: false,
    started: false,
    exitCode: null,
    pid: 0,
    winsize: consoleSize(b.ConsoleSize),
  });
  sendJson(c.res!, 201, { Id: id });
  return 201;
};

/** Docker's ConsoleSize: [rows, columns] */
function consoleSize(v: number[] | null | undefined): { rows: number; cols: number } | undefined {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && n > 0 && n < 65536)) return undefined;
  return { rows: v[0]!, cols: v[1]! };
}

function mustExec(id: string): ExecInstance {
  const x = instances.get(id);
  if (!x) throw new ApiError(404, `No such exec instance: ${id}`);
  return x;
}

export const start: Handler = async (c, [id]) => {
  const x = mustExec(id);
  const { body, rest } = await bodyOf<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: number[] | null }>(c);
  if (x.started) throw new ApiError(409, `exec ${id} has already been started`);
  x.started = true;
  const { execInContainer } = await import('../engine/container/exec.js');
  if (x.tty) {
    const { files } = await import('../engine/container/record.js');
    const { join } = await import('node:path');
    x.sock = join(files.dir(x.containerId), `exec-${x.id.slice(0, 12)}.sock`);
  }
  const opts = { cmd: x.cmd, env: x.env, workdir: x.workdir, user: x.user, tty: x.tty, interactive: x.stdin, detach: !!body?.Detach, winsize: consoleSize(body?.ConsoleSize) ?? x.winsize, attachSock: x.sock };
  if (body?.Detach) {
    x.running = true;
    await execInContainer(x.containerId, opts);
    if (c.res) {
      c.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 });
      c.res.end();
    } else openStream(c, x.tty).end();
    return 200;
  }
  // checked before the 101: a refusal is an ordinary error response
  const rec = mustFind(x.containerId);
  if (!stateOf(rec).Running) throw new ApiError(409, `container ${rec.Id} is not running`);
  const stream = openStream(c, x.tty);
  const relay = (child: ChildProcess) => {
    x.running = true;
    x.pid = child.pid ?? 0;
    const write = (n: number) => (d: Buffer) => {
      if (n === STDOUT ? !x.stdout : !x.stderr) return;
      stream.out.write(x.tty ? d : frame(n, d));
    };
    child.stdout?.on('data', write(STDOUT));
    child.stderr?.on('data', write(STDERR));
    const stdin = child.stdin!;
    stdin.on('error', () => undefined); // the process closed its stdin first
    if (x.stdin && stream.input) {
      if (rest.length) stdin.write(rest);
      // piped: a process that does not read its stdin holds the client back (TCP), nothing
      // queues here; the client's half-close (its stdin ended) ends the process's stdin too
      stream.input.pipe(stdin);
    } else stdin.end();
    // the client went away: the process goes too (Docker's exec ends with its connection)
    stream.out.once('close', () => {
      if (x.running) child.kill('SIGKILL');
    });
  };
  try {
    x.exitCode = await execInContainer(x.containerId, { ...opts, pipes: relay });
  } catch (e) {
    // after the 101 an error can only be said on the stream itself, as Docker does
    const { apiErrorOf } = await import('./http.js');
    const msg = apiErrorOf(e).message + '\n';
    stream.out.write(x.tty ? msg : frame(STDERR, msg));
    x.exitCode = e instanceof Error && 'exitCode' in e ? Number((e as { exitCode: number }).exitCode) : 126;
  }
  x.running = false;
  stream.end();
  return 101;
};

/**
 * Docker's exec resize (`?h=&w=`): what a client without ConsoleSize (API < 1.42, the docker
 * 20.10 CLI) sends right after the start, and on each SIGWINCH. As moby, it waits (10 s) for the
 * process to have started. Without a tty there is nothing to resize (as an attach's resize).
 */
export const resize: Handler = async (c, [id]) => {
  const x = mustExec(id);
  const rows = intParam(c.query, 'h');
  const cols = intParam(c.query, 'w');
  const { resizeThrough } = await import('../engine/container/attach.js');
  const start = Date.now();
  let runningSince = 0;
  for (;;) {
    if (x.exitCode !== null) throw new ApiError(409, `exec ${id} is not running`);
    if (x.started && !x.tty) break;
    if (x.running && x.sock) {
      if (await resizeThrough(x.sock, rows, cols).then(() => true, () => false)) break;
      // the shim makes its socket right after the process's execve; gone later: it has ended
      runningSince ||= Date.now();
      if (Date.now() - runningSince > 2000) throw new ApiError(409, `exec ${id} is not running`);
    }
    if (Date.now() - start > 10_000) throw new ApiError(500, 'timeout waiting for exec session ready');
    await new Promise((r) => setTimeout(r, 20));
  }
  c.res!.writeHead(200, { 'Content-Length': 0 });
  c.res!.end();
  return 200;
};

export const inspect: Handler = async (c, [id]) => {
  const x = mustExec(id);
  sendJson(c.res!, 200, {
    ID: x.id,
    Running: x.running,
    ExitCode: x.exitCode,
    ProcessConfig: { tty: x.tty, entrypoint: x.cmd[0], arguments: x.cmd.slice(1), privileged: false, ...(x.user ? { user: x.user } : {}) },
    OpenStdin: x.stdin,
    OpenStderr: x.stderr,
    OpenStdout: x.stdout,
    CanRemove: false,
    ContainerID: x.containerId,
    DetachKeys: '',
    Pid: x.pid,
  });
  return 200;
};
