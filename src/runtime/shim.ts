// Talking to the C shim (docs/shim.md): its config file and where its binary lives.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../state/atomic.js';
import { UserError } from '../errors.js';
import { distFile } from '../dist-files.js';
import { childEnv } from '../host/env.js';

/** A list is a record of TAB-separated fields (bind: SRC, DST, MODE; tmpfs: DST[, OPTIONS]). */
export type ShimValue = string | number | boolean | undefined | null | readonly string[];
export type ShimConfig = [key: string, value: ShimValue][];

/**
 * Keys whose values are free text (an environment entry, an argument): any character but NUL,
 * the record separator, as in execve. Every other value — paths, ids, names, options — is
 * refused if it holds any control character, so nothing a user or an image wrote can end a
 * record or a field early and smuggle in a key, a field or a mount option.
 */
const TEXT_KEYS = new Set(['env', 'arg', 'exitcmd', 'restartcmd']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Serialises key=value records separated by NUL bytes; false/empty values are left out. The one
 * place that decides what may reach the shim (docs/shim.md, "Invocation").
 */
export function encodeShimConfig(entries: ShimConfig): string {
  const out: string[] = [];
  for (const [key, value] of entries) {
    if (value === undefined || value === null || value === false) continue;
    const fields = typeof value === 'object' ? value : [value === true ? '1' : String(value)];
    const text = TEXT_KEYS.has(key) && fields.length === 1;
    for (const f of fields) {
      if (text ? f.includes('\0') : CONTROL.test(f)) {
        throw new UserError(`invalid ${key} ${JSON.stringify(f)}: ${text ? 'it contains a NUL byte' : 'control characters (TAB, newline…) are not allowed there'}`);
      }
    }
    out.push(`${key}=${fields.join('\t')}\0`);
  }
  return out.join('');
}

export function writeShimConfig(file: string, entries: ShimConfig): void {
  writeFileAtomic(file, encodeShimConfig(entries), 0o600);
}

/** dist/minidock-shim, next to the bundled CLI. */
export function shimPath(): string {
  const p = distFile('minidock-shim');
  if (!p) throw new UserError('minidock-shim not found: run `npm run build`');
  return p;
}

/** dist/minidock-init (--init), next to the shim. */
export function initPath(): string {
  return join(dirname(shimPath()), 'minidock-init');
}

/** The command the shim runs after a container it watches has ended (like conmon's --exit-command). */
export function exitCommand(id: string, startedAt: string): string[] {
  const entry = resolve(process.argv[1] ?? 'bin/minidock');
  return [process.execPath, '--', entry, 'internal-cleanup', id, startedAt];
}

/** What the shim's restarter execs after the backoff of a restart policy (--restart). */
export function restartCommand(id: string, startedAt: string): string[] {
  const entry = resolve(process.argv[1] ?? 'bin/minidock');
  return [process.execPath, '--', entry, 'internal-restart', id, startedAt];
}

/**
 * A starting `minidock-shim run`. Detached: stdio on /dev/null, fd 3 a socket to the CLI
 * ("netns", then "ok PID" or "err CODE message"). Foreground: the CLI's stdio, and fd 3 only
 * with waitgo. waitgo: the shim stops before the container's execve until go() — the CLI wires
 * the network meanwhile — or abort() (or the CLI's death) undoes the start.
 */
export class ShimStart {
  readonly child: ChildProcess;
  /** Settles when the shim has created the netns (waitgo), or rejects with why it did not. */
  readonly netnsReady: Promise<void>;
  /** Detached: resolves on "ok PID", rejects on failure. */
  readonly started: Promise<number>;
  /** The shim's exit (code, or 125 when killed by a signal). */
  readonly exited: Promise<number>;
  /** Set when the shim could not even be spawned. */
  spawnError?: Error;
  private readonly control?: Socket;

  constructor(configFile: string, opts: { detach: boolean; waitgo: boolean }) {
    const fd3 = opts.detach || opts.waitgo ? 'pipe' : 'ignore';
    const io = opts.detach ? 'ignore' : 'inherit';
    // No credentials for the shim, nor for the internal-cleanup it runs when the container ends.
    this.child = spawn(shimPath(), ['run', configFile], { detached: opts.detach, stdio: [io, io, io, fd3], env: childEnv() });
    const failed = (msg: string, code = 125) => new UserError(msg, code);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.spawnError = failed(`cannot start minidock-shim: ${e.message}`);
        resolve(125);
      });
      this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 125 : 0)));
    });
    this.control = (this.child.stdio[3] ?? undefined) as Socket | undefined;
    let report = '';
    let ready: () => void = () => undefined;
    const ended = this.control
      ? new Promise<void>((resolve) => {
          this.control!.setEncoding('utf8');
          this.control!.on('data', (d: string) => {
            report += d;
            if (report.startsWith('netns\n')) ready();
          });
          this.control!.on('error', () => undefined);
          this.control!.on('close', () => resolve());
        })
      : this.exited.then(() => undefined);
    const outcome = async (): Promise<Error> => {
      await ended;
      const err = /^(?:netns\n)?err (\d+) (.*)/s.exec(report);
      if (err) return failed(err[2].trim(), Number(err[1]));
      return this.spawnError ?? failed('minidock-shim failed to start the container');
    };
    this.netnsReady = new Promise<void>((resolve, reject) => {
      ready = resolve;
      void outcome().then(reject);
    });
    this.started = (async () => {
      await ended;
      const m = /^(?:netns\n)?ok (\d+)/.exec(report);
      if (m) return Number(m[1]);
      throw await outcome();
    })();
    // Either may go unawaited (e.g. a foreground run never asks for `started`).
    this.netnsReady.catch(() => undefined);
    this.started.catch(() => undefined);
  }

  /** The network is wired: let the container start, with `inside` set up in its netns. */
  go(inside: string): void {
    this.control?.write(inside ? `go ${inside}\n` : 'go\n');
  }

  /** Undo the start (the shim kills the process and removes the netns it made). */
  async abort(): Promise<void> {
    this.control?.destroy();
    if (!this.control) this.child.kill('SIGKILL');
    await this.exited;
  }
}
