// This host in the cluster: its id (the state root's id), its lease (TTL below) under which its
// host key and its endpoint keys live, and its watcher (minidock-ovwatch), which keeps the lease
// alive while this host uses an overlay network. A host that dies stops renewing: after the TTL
// etcd deletes its keys, and the other hosts' watchers remove its FDB and neighbour entries.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { listDir, writeFileAtomic } from '../../state/atomic.js';
import { listNetworkRecords } from '../network/networks.js';
import { paths } from '../../state/paths.js';
import { rootId } from '../../state/rootid.js';
import { childEnv } from '../../host/env.js';
import { shimPath } from '../../runtime/shim.js';
import { UserError } from '../../errors.js';
import type { ClusterConfig } from './config.js';
import type { Etcd } from './etcd.js';
import { PREFIX, hostKey } from './keys.js';

/** Seconds a host's keys outlive its last keepalive (the watcher renews every 3 s). */
export const LEASE_TTL = 10;

export const hostId = () => rootId();
export const overlayDir = () => join(paths.networks(), 'overlay');
export const leaseFile = () => join(overlayDir(), 'lease');
const pidFile = () => join(overlayDir(), 'watch.pid');

export function readLease(): string | undefined {
  try {
    const s = readFileSync(leaseFile(), 'utf8').trim();
    return /^\d+$/.test(s) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** This host's live lease (registering the host when it has none, or it expired). */
export async function hostLease(cfg: ClusterConfig, etcd: Etcd): Promise<string> {
  const cur = readLease();
  if (cur && (await etcd.ttl(cur)) > 0) return cur;
  const id = await etcd.grant(LEASE_TTL);
  await etcd.put(hostKey(hostId()), JSON.stringify({ vtep: cfg.advertise, name: hostname() }), id);
  mkdirSync(overlayDir(), { recursive: true });
  writeFileAtomic(leaseFile(), id + '\n');
  return id;
}

/** Whether this root has anything overlay to reconcile (prune loads cluster/prune.ts only then). */
export function hasOverlayState(): boolean {
  return listDir(overlayDir()).length > 0 || listNetworkRecords().some((n) => n.Driver === 'overlay');
}

export function watcherPid(): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(), 'utf8').trim());
    if (!pid || !existsSync(`/proc/${pid}`)) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('minidock-ovwatch') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The store's members as the watcher takes them: IPv4:PORT (it does not resolve names). */
export function watcherEndpoints(cfg: ClusterConfig): string[] {
  const eps = cfg.endpoints.map((e) => e.replace(/^https?:\/\//, ''));
  const bad = eps.find((e) => !/^\d+\.\d+\.\d+\.\d+:\d+$/.test(e));
  if (bad) throw new UserError(`overlay containers need the cluster store's members as IPv4:PORT in MINIDOCK_CLUSTER / "cluster-store" (the host's watcher does not resolve names or speak IPv6): ${bad}`);
  return eps;
}

/** The body of /v3/auth/authenticate for the watcher, in a 0600 file (a password never goes in argv). */
const authFile = () => join(overlayDir(), 'watch-auth');

function watcherAuthArgs(cfg: ClusterConfig): string[] {
  if (!cfg.auth) {
    rmSync(authFile(), { force: true });
    return [];
  }
  const body = JSON.stringify({ name: cfg.auth.username, password: cfg.auth.password });
  let cur: string | undefined;
  try {
    cur = readFileSync(authFile(), 'utf8');
  } catch {
    /* none yet */
  }
  if (cur !== body) writeFileAtomic(authFile(), body, 0o600);
  return ['--auth', authFile()];
}

/** Starts this host's watcher unless it runs. Under the network lock. */
export function ensureWatcher(cfg: ClusterConfig, explain?: (line: string) => void): void {
  const eps = watcherEndpoints(cfg);
  mkdirSync(overlayDir(), { recursive: true });
  const auth = watcherAuthArgs(cfg);
  if (watcherPid()) return;
  const bin = join(dirname(shimPath()), 'minidock-ovwatch');
  if (!existsSync(bin)) throw new UserError('minidock-ovwatch not found: run `npm run build`');
  const tls = cfg.tls ? ['--cacert', cfg.tls.cacert, ...(cfg.tls.cert ? ['--cert', cfg.tls.cert, '--key', cfg.tls.key!] : [])] : [];
  const sync = [process.execPath, '--', process.argv[1], 'internal-overlay-sync'];
  const args = [...tls, ...auth, eps.slice(0, 8).join(','), PREFIX, leaseFile(), ...sync];
  explain?.(`# start this host's overlay watcher: it watches ${PREFIX} in etcd${cfg.tls ? ' over TLS' : ''}, renews the host's lease (TTL ${LEASE_TTL} s) and reprograms the FDB/neighbour entries on every change`);
  explain?.(`${bin} ${args.join(' ')} &`);
  const child = spawn(bin, args, { detached: true, cwd: '/', stdio: 'ignore', env: childEnv() });
  child.unref();
  writeFileAtomic(pidFile(), `${child.pid}\n`);
}
