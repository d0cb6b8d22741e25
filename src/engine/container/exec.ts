// `exec`: one more process inside a running container, through the shim's exec mode, which
// joins every namespace of the container's PID 1 and applies the same user and restrictions.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomHex } from '../../state/random.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { childEnv } from '../../host/env.js';
import { shimPath, writeShimConfig } from '../../runtime/shim.js';
import { existingCgroupDirs } from '../../runtime/cgroups.js';
import { securityShimConfig } from '../../runtime/security.js';
import { files, livePid, mustFind, processEnv, stateOf } from './record.js';
import { mergeEnv, parseUser, resolveUserIn, type ResolvedUser } from './options.js';
import { readInProcRoot } from './rootfile.js';

export interface ExecOptions {
  cmd: string[];
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  interactive: boolean;
  detach: boolean;
  /**
   * The process's stdio as pipes handed to this function (the Engine API relays them over its
   * connection), instead of this process's own stdio. Foreground execs only.
   */
  pipes?: (child: ChildProcess) => void;
  /** With a TTY and no terminal of this process's own: the client's window (Docker's ConsoleSize) */
  winsize?: { rows: number; cols: number };
  /**
   * The shim listens on this attach socket while the process runs (docs/shim.md, "Attaching"):
   * the Engine API resizes the exec's pty through it (/exec/{id}/resize).
   */
  attachSock?: string;
}

export async function execInContainer(ref: string, o: ExecOptions): Promise<number> {
  const rec = mustFind(ref);
  const st = stateOf(rec);
  const notRunning = () => new UserError(`Error response from daemon: container ${rec.Id} is not running`, 1);
  if (!st.Running) throw notRunning();
  if (st.Paused) throw new UserError(`Error response from daemon: Container ${ref} is paused, unpause the container before exec`, 1);
  const userSpec = o.user ?? rec.Config.User;
  const spec = userSpec ? parseUser(userSpec) : undefined;
  // The container's own files, resolved inside its root (never through its symlinks on the
  // host), read through /proc/PID/root of its PID 1 — which must be that very process before
  // and after the read, so a PID reused meanwhile cannot lend its root.
  // (without -u too: root's supplementary groups come from the container's /etc/group, as Docker's)
  const pid = livePid(rec.Id);
  if (!pid) throw notRunning();
  const samePid = () => livePid(rec.Id) === pid;
  let user: ResolvedUser;
  try {
    user = resolveUserIn(spec, (p) => readInProcRoot(pid, p), 126);
  } catch (e) {
    throw samePid() ? e : notRunning(); // the read failed because the container ended
  }
  if (!samePid()) throw notRunning();
  if (rec.HostConfig.GroupAdd?.length) user = { ...user, groups: await execGroupAdd(rec.HostConfig.GroupAdd, rec.Id, user.groups, notRunning) };
  // Docker's exec gets the --link variables too, from the linked containers as they are now
  const linkEnv = rec.HostConfig.Links?.length ? (await import('./links.js')).resolveLinks(rec).env : [];
  const cfgFile = join(files.dir(rec.Id), `exec-${randomHex(6)}.config`);
  writeShimConfig(cfgFile, [
    ['pid', st.Pid],
    ['cwd', o.workdir ?? (rec.Config.WorkingDir || '/')],
    ['uid', user.uid],
    ['gid', user.gid],
    ...user.groups.map((g): [string, number] => ['group', g]),
    ...mergeEnv(processEnv(rec, linkEnv), o.env).map((e): [string, string] => ['env', e]),
    ...o.cmd.map((a): [string, string] => ['arg', a]),
    ['tty', o.tty],
    ...(o.tty && o.winsize && o.winsize.rows > 0 && o.winsize.cols > 0 ? [['winsize', `${o.winsize.rows}x${o.winsize.cols}`] as [string, string]] : []),
    ['stdin', o.interactive],
    ['detach', o.detach],
    ...(o.attachSock ? [['attachsock', o.attachSock] as [string, string]] : []),
    // Like Docker's exec: the container's cgroups, capabilities, seccomp and no_new_privs.
    ...existingCgroupDirs(rec.Id).map((d): [string, string] => ['cgroup', d]),
    ...securityShimConfig(rec.HostConfig, 'exec'),
    // --ulimit holds for execs too (runc gives them the container's rlimits)
    ...(rec.HostConfig.Ulimits?.length ? (await import('./runflags.js')).rlimitShimRecords(rec.HostConfig.Ulimits).map((r): [string, string[]] => ['rlimit', r]) : []),
  ]);
  const { journal, containerAttrs } = await import('../events.js');
  const execId = randomHex(32);
  const action = `${o.cmd.join(' ')}`;
  journal({ Type: 'container', Action: `exec_create: ${action}`, ID: rec.Id, Attributes: containerAttrs(rec, { execID: execId }) });
  try {
    journal({ Type: 'container', Action: `exec_start: ${action}`, ID: rec.Id, Attributes: containerAttrs(rec, { execID: execId }) });
    const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
    const ignore = () => undefined;
    if (!o.detach && !o.pipes) {
      // the CLI's own exec, in the foreground: through the spawn addon where it is built
      // (src/runtime/spawn.ts: no child_process to load, no fork of Node)
      const { canRunAndWait, runAndWait } = await import('../../runtime/spawn.js');
      if (canRunAndWait()) {
        for (const s of sigs) process.on(s, ignore);
        try {
          return runAndWait(shimPath(), ['exec', cfgFile], childEnv()) ?? 125;
        } catch (e) {
          throw new UserError(`cannot start minidock-shim: ${(e as Error).message}`);
        } finally {
          for (const s of sigs) process.off(s, ignore);
        }
      }
    }
    return await new Promise<number>((resolve, reject) => {
      const child = o.detach
        ? spawn(shimPath(), ['exec', cfgFile], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: childEnv() })
        : spawn(shimPath(), ['exec', cfgFile], { stdio: o.pipes ? 'pipe' : 'inherit', env: childEnv() });
      if (o.pipes && !o.detach) o.pipes(child);
      const ownSignals = !o.detach && !o.pipes; // a service's signals are its own, not the exec's
      if (ownSignals) for (const s of sigs) process.on(s, ignore);
      child.on('error', (e) => reject(new UserError(`cannot start minidock-shim: ${e.message}`)));
      if (o.detach) {
        let report = '';
        const fd3 = child.stdio[3] as NodeJS.ReadableStream;
        fd3.setEncoding('utf8').on('data', (d: string) => (report += d));
        fd3.on('end', () => {
          child.unref();
          const err = /^err (\d+) (.*)/s.exec(report);
          if (err) reject(new UserError(err[2].trim(), Number(err[1])));
          else resolve(0);
        });
      } else {
        // 'close': the exit, and every byte of its output read (a relay sees all of it)
        child.on(o.pipes ? 'close' : 'exit', (code) => {
          if (ownSignals) for (const s of sigs) process.off(s, ignore);
          resolve(code ?? 125);
        });
      }
    });
  } finally {
    rmSync(cfgFile, { force: true });
  }
}

/** --group-add holds for execs too (as Docker's): names read from the running container's /etc/group. */
async function execGroupAdd(groups: string[], id: string, have: number[], notRunning: () => Error): Promise<number[]> {
  const { resolveGroupAdd } = await import('./runflags.js');
  const byName = groups.some((g) => !/^\d+$/.test(g));
  const pid = byName ? livePid(id) : undefined;
  if (byName && !pid) throw notRunning();
  const extra = resolveGroupAdd(groups, byName ? (readInProcRoot(pid!, '/etc/group') ?? '') : '');
  if (byName && livePid(id) !== pid) throw notRunning();
  return [...new Set([...have, ...extra])];
}
