// Which cluster this host is in: MINIDOCK_CLUSTER=etcd://ADDR:PORT[,ADDR:PORT…] and
// MINIDOCK_CLUSTER_ADVERTISE=IP (the address other hosts send VXLAN to), or the same as
// Docker's daemon.json keys `cluster-store` and `cluster-advertise` in <root>/config.json.
// The environment wins over the file. How to talk to the store — TLS and etcd's own auth — is
// Docker's `cluster-store-opts` in the file only (certificate paths and a password do not belong
// in the environment of every container start):
//   kv.cacertfile  the CA that signed the members' certificates: the store is then https://
//   kv.certfile, kv.keyfile   a client certificate (etcd --client-cert-auth), both or neither
//   kv.username, kv.password  etcd's auth (`etcdctl user add`, `auth enable`): minidock's keys
// Read only by overlay code (loaded lazily).
import { readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { parseIp } from '../network/cidr.js';
import { readConfig } from '../../state/config.js';

export interface ClusterTls {
  /** file paths, as configured (the watcher reads them too) */
  cacert: string;
  cert?: string;
  key?: string;
}

export interface ClusterAuth {
  username: string;
  password: string;
}

export interface ClusterConfig {
  /** etcd client endpoints, `http://host:port` (`https://` with TLS) */
  endpoints: string[];
  /** This host's VTEP address (IPv4). */
  advertise: string;
  tls?: ClusterTls;
  auth?: ClusterAuth;
}

const OPTS = ['kv.cacertfile', 'kv.certfile', 'kv.keyfile', 'kv.username', 'kv.password'];

/** `cluster-store-opts`: TLS files (each readable) and etcd user/password, checked as a whole. */
export function parseStoreOpts(opts: unknown): { tls?: ClusterTls; auth?: ClusterAuth } {
  if (opts === undefined) return {};
  const bad = (why: string) => new UserError(`invalid "cluster-store-opts" in config.json: ${why}`);
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw bad('an object of strings');
  const o = opts as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (!OPTS.includes(k)) throw bad(`unknown option ${JSON.stringify(k)} (known: ${OPTS.join(', ')})`);
    if (typeof v !== 'string' || !v) throw bad(`${k} must be a non-empty string`);
  }
  const str = (k: string) => o[k] as string | undefined;
  const out: { tls?: ClusterTls; auth?: ClusterAuth } = {};
  if (!!str('kv.certfile') !== !!str('kv.keyfile')) throw bad('kv.certfile and kv.keyfile go together');
  if (str('kv.certfile') && !str('kv.cacertfile')) throw bad('a client certificate needs kv.cacertfile (the members are then reached by https)');
  if (str('kv.cacertfile')) {
    for (const k of ['kv.cacertfile', 'kv.certfile', 'kv.keyfile']) {
      const f = str(k);
      if (!f) continue;
      if (!f.startsWith('/')) throw bad(`${k} must be an absolute path`);
      try {
        readFileSync(f);
      } catch (e) {
        throw bad(`${k} ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    out.tls = { cacert: str('kv.cacertfile')!, cert: str('kv.certfile'), key: str('kv.keyfile') };
  }
  if (!!str('kv.username') !== !!str('kv.password')) throw bad('kv.username and kv.password go together');
  if (str('kv.username')) out.auth = { username: str('kv.username')!, password: str('kv.password')! };
  return out;
}

/** What to configure, said once (the refusal of `-d overlay` without a cluster). */
export const CONFIGURE = 'set MINIDOCK_CLUSTER=etcd://ADDR:2379 and MINIDOCK_CLUSTER_ADVERTISE=IP (or "cluster-store" and "cluster-advertise" in the state root\'s config.json)';

/** Parses the store URL and the advertise address (and the store options). Pure but for reading the TLS files. */
export function parseClusterConfig(store: string | undefined, advertise: string | undefined, opts?: unknown): ClusterConfig | undefined {
  if (!store) return undefined;
  const m = /^etcd:\/\/(.+)$/.exec(store);
  if (!m) throw new UserError(`invalid cluster store ${JSON.stringify(store)}: etcd://ADDR:PORT[,ADDR:PORT…]`);
  const endpoints = m[1].split(',').map((hp) => {
    const h = /^(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(hp.trim());
    if (!h || Number(h[2]) < 1 || Number(h[2]) > 65535) throw new UserError(`invalid cluster store address ${JSON.stringify(hp)}: HOST:PORT`);
    return `${h[1]}:${h[2]}`;
  });
  if (!advertise) throw new UserError(`cluster store ${store} is set but not the address to advertise: ${CONFIGURE}`);
  if (parseIp(advertise) === undefined) throw new UserError(`invalid cluster advertise address ${JSON.stringify(advertise)}: this host's IPv4 address on the underlay`);
  const { tls, auth } = parseStoreOpts(opts);
  return { endpoints: endpoints.map((e) => `${tls ? 'https' : 'http'}://${e}`), advertise, ...(tls ? { tls } : {}), ...(auth ? { auth } : {}) };
}

/** The cluster of this host, or undefined when none is configured. */
export function clusterConfig(): ClusterConfig | undefined {
  const file = readConfig('fix it (a JSON object) or remove it') ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return parseClusterConfig(process.env.MINIDOCK_CLUSTER || str(file['cluster-store']), process.env.MINIDOCK_CLUSTER_ADVERTISE || str(file['cluster-advertise']), file['cluster-store-opts']);
}

/** The cluster, or the one-line refusal saying what to configure. */
export function requireCluster(what: string): ClusterConfig {
  const c = clusterConfig();
  if (!c) throw new UserError(`${what} needs a cluster store: ${CONFIGURE}`);
  return c;
}
