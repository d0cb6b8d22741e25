// A small etcd v3 client over its JSON gateway (HTTP/1.1 POST, base64 keys): put, range,
// delete, txn, lease grant. No gRPC dependency: etcd (3.4 in Debian 12) serves the gateway on its
// client port at /v3/…. Endpoints are tried in order; an unreachable store is one clear error.
import { request } from 'node:http';
import { UserError } from '../../errors.js';
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

function post(endpoint: string, path: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(`${endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let j: { error?: string; message?: string } = {};
        try {
          j = JSON.parse(text || '{}');
        } catch {
          return reject(new Error(`etcd ${endpoint}${path}: not JSON (${text.slice(0, 80)})`));
        }
        if ((res.statusCode ?? 500) >= 300) return reject(new UserError(`cluster store ${endpoint}: ${j.message ?? j.error ?? `HTTP ${res.statusCode}`}`));
        resolve(j);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('socket', (s) => {
      const t = setTimeout(() => req.destroy(new Error('no connection within 1 s')), CONNECT_MS);
      s.once('connect', () => clearTimeout(t));
      req.once('close', () => clearTimeout(t));
    });
    req.on('error', reject);
    req.end(data);
  });
}

export class Etcd {
  constructor(readonly endpoints: string[]) {}

  private async call<T>(path: string, body: unknown): Promise<T> {
    let last: Error | undefined;
    for (let i = 0; i < this.endpoints.length; i++) {
      const k = (preferred + i) % this.endpoints.length;
      try {
        const r = (await post(this.endpoints[k], path, body)) as T;
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
