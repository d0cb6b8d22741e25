// A small etcd v3 client over its JSON gateway (HTTP/1.1 POST, base64 keys): put, range,
// delete, txn, lease grant. No gRPC dependency: etcd (3.4 in Debian 12) serves the gateway on its
// client port at /v3/…. Endpoints are tried in order; an unreachable store is one clear error.
// TLS (https:// endpoints: the configured CA, a client certificate if one is set) through
// node:https, loaded only then; etcd's auth by a token from /v3/auth/authenticate, sent as the
// `Authorization` header — one per member (etcd's "simple" tokens are each member's own),
// fetched on first use in this process and again when a member says it is no longer valid.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { UserError } from '../../errors.js';
import type { ClusterAuth, ClusterTls } from './config.js';
import { type Txn, b64, prefixEnd, unb64 } from './keys.js';

export interface KV {
  key: string;
  value: string;
  createRevision: string;
  modRevision: string;
  lease?: string;
}

interface RawKV {
  key: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  lease?: string;
}

/** An answer within 3 s; a connection within 1 s (a member whose host is gone answers nothing). */
const TIMEOUT_MS = 3000;
const CONNECT_MS = 1000;
/** The member that last answered, tried first by the next call (in this process). */
let preferred = 0;

interface Transport {
  request: typeof request;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
}

/** What a failed TLS handshake means, in the settings' words. */
function tlsError(endpoint: string, e: NodeJS.ErrnoException): UserError | undefined {
  const code = e.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME/.test(code)) return new UserError(`cluster store ${endpoint}: its certificate is not trusted (${e.message}): check kv.cacertfile in "cluster-store-opts"`);
  if (/SSL|TLS|ECONNRESET|EPROTO/.test(code) && /alert|handshake|certificate|wrong version|SSL/i.test(e.message)) return new UserError(`cluster store ${endpoint}: TLS handshake failed (${e.message.split('\n')[0]}): check the "cluster-store-opts" certificates`);
  return undefined;
}

function post(t: Transport, endpoint: string, path: string, body: unknown, token?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    if (token) headers.authorization = token;
    const req = t.request(`${endpoint}${path}`, { method: 'POST', headers, timeout: TIMEOUT_MS, ...(t.tls ?? {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let j: { error?: string; message?: string } = {};
        try {
          j = JSON.parse(text || '{}');
        } catch {
          const said = text.trim().split('\n')[0].slice(0, 200);
          // etcd's gateway, with --client-cert-auth and auth on, takes no certificate that names a user
          if (/CommonName of client/.test(said)) return reject(new StoreError(`cluster store ${endpoint}: ${said} (with auth enabled, etcd's JSON gateway takes only a client certificate without a Common Name: kv.certfile)`, said));
          if ((res.statusCode ?? 500) >= 300) return reject(new StoreError(`cluster store ${endpoint}: HTTP ${res.statusCode}: ${said}`, said));
          return reject(new Error(`etcd ${endpoint}${path}: not JSON (${text.slice(0, 80)})`));
        }
        if ((res.statusCode ?? 500) >= 300) return reject(new StoreError(`cluster store ${endpoint}: ${j.message ?? j.error ?? `HTTP ${res.statusCode}`}`, j.message ?? j.error ?? ''));
        resolve(j);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('socket', (s) => {
      const timer = setTimeout(() => req.destroy(new Error('no connection within 1 s')), CONNECT_MS);
      s.once('connect', () => clearTimeout(timer));
      req.once('close', () => clearTimeout(timer));
    });
    req.on('error', (e) => reject(tlsError(endpoint, e) ?? e));
    req.end(data);
  });
}

/** An answer of the store that is not a success (the store's own words kept apart, to tell an expired token). */
class StoreError extends UserError {
  constructor(
    message: string,
    readonly said: string,
  ) {
    super(message);
  }
}

/** The token of each member (etcd's simple tokens are per member), for this process. */
const tokens = new Map<string, string>();

export class Etcd {
  private transport?: Transport;

  constructor(
    readonly endpoints: string[],
    private readonly opts: { tls?: ClusterTls; auth?: ClusterAuth } = {},
  ) {}

  private async transportOf(): Promise<Transport> {
    if (this.transport) return this.transport;
    const tls = this.opts.tls;
    if (!tls) return (this.transport = { request });
    const https = await import('node:https');
    const read = (f: string | undefined) => (f ? readFileSync(f) : undefined);
    return (this.transport = { request: https.request as unknown as typeof request, tls: { ca: readFileSync(tls.cacert), cert: read(tls.cert), key: read(tls.key) } });
  }

  /** One member: with its auth token (fetched first, and again once if it expired). */
  private async send<T>(t: Transport, endpoint: string, path: string, body: unknown): Promise<T> {
    const auth = this.opts.auth;
    if (!auth) return (await post(t, endpoint, path, body)) as T;
    for (let attempt = 0; ; attempt++) {
      let token = tokens.get(endpoint);
      if (!token) {
        const r = (await post(t, endpoint, '/v3/auth/authenticate', { name: auth.username, password: auth.password }).catch((e) => {
          if (e instanceof StoreError) throw new UserError(`${e.message}: check kv.username and kv.password in "cluster-store-opts"`);
          throw e;
        })) as { token?: string };
        if (!r.token) throw new UserError(`cluster store ${endpoint}: authentication gave no token (is auth enabled on the store?)`);
        tokens.set(endpoint, (token = r.token));
      }
      try {
        return (await post(t, endpoint, path, body, token)) as T;
      } catch (e) {
        if (attempt === 0 && e instanceof StoreError && /invalid auth token/.test(e.said)) {
          tokens.delete(endpoint);
          continue;
        }
        throw e;
      }
    }
  }

  private async call<T>(path: string, body: unknown): Promise<T> {
    const t = await this.transportOf();
    let last: Error | undefined;
    for (let i = 0; i < this.endpoints.length; i++) {
      const k = (preferred + i) % this.endpoints.length;
      try {
        const r = await this.send<T>(t, this.endpoints[k], path, body);
        preferred = k;
        return r;
      } catch (e) {
        if (e instanceof UserError) throw e;
        last = e as Error;
      }
    }
    throw new UserError(`cluster store unreachable (${this.endpoints.join(', ')}): ${last?.message ?? 'no endpoint'}`);
  }

  async range(prefix: string): Promise<{ kvs: KV[]; revision: string }> {
    const r = await this.call<{ kvs?: RawKV[]; header?: { revision?: string } }>('/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) });
    return { kvs: (r.kvs ?? []).map(kvOf), revision: r.header?.revision ?? '0' };
  }

  async get(key: string): Promise<KV | undefined> {
    const r = await this.call<{ kvs?: RawKV[] }>('/v3/kv/range', { key: b64(key) });
    return r.kvs?.[0] ? kvOf(r.kvs[0]) : undefined;
  }

  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.call('/v3/kv/put', { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) });
  }

  async delete(key: string): Promise<void> {
    await this.call('/v3/kv/deleterange', { key: b64(key) });
  }

  /** Whether the txn's compares held (its success ops were applied). */
  async txn(t: Txn): Promise<boolean> {
    const r = await this.call<{ succeeded?: boolean }>('/v3/kv/txn', t);
    return r.succeeded === true;
  }

  async grant(ttl: number): Promise<string> {
    const r = await this.call<{ ID?: string }>('/v3/lease/grant', { TTL: String(ttl) });
    if (!r.ID) throw new UserError('cluster store: lease grant returned no ID');
    return r.ID;
  }

  /** Ends a lease now: etcd deletes every key under it. */
  async revoke(id: string): Promise<void> {
    await this.call('/v3/lease/revoke', { ID: id });
  }

  /** The lease's remaining TTL (-1: expired or unknown). */
  async ttl(id: string): Promise<number> {
    const r = await this.call<{ TTL?: string }>('/v3/lease/timetolive', { ID: id });
    return Number(r.TTL ?? -1);
  }
}

function kvOf(k: RawKV): KV {
  return { key: unb64(k.key), value: unb64(k.value), createRevision: k.create_revision ?? '0', modRevision: k.mod_revision ?? '0', lease: k.lease };
}
