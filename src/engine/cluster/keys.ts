// The cluster store's key layout and the transactions minidock sends to etcd (v3, through its
// JSON gateway: keys and values are base64, 64-bit numbers are strings). Pure: unit-tested.
//
//   /minidock/hosts/<hostId>            {"vtep","name"}                 under the host's lease
//   /minidock/networks/<name>           the overlay network record (with its VNI)
//   /minidock/endpoints/<netId>/<ip>    {"host","vtep","mac","container","name","aliases","ip6"}
//                                       under the host's lease: the address is taken (IPAM)
//                                       and the peers program their FDB/neighbour entries from it;
//                                       <ip> is the IPv4 address, or the IPv6 one on an IPv6-only
//                                       network; a dual-stack endpoint's IPv6 address is its "ip6"
//
// An address is taken by a txn that puts its key only if it does not exist (create_revision 0),
// so two hosts never get one address. A network is created by a txn that succeeds only if no key
// under /minidock/networks/ changed since it was read: names, subnets and VNIs are then checked
// against the whole cluster, race-free.
export const PREFIX = '/minidock/';
export const HOSTS = `${PREFIX}hosts/`;
export const NETWORKS = `${PREFIX}networks/`;
export const ENDPOINTS = `${PREFIX}endpoints/`;

export const hostKey = (hostId: string) => `${HOSTS}${hostId}`;
export const networkKey = (name: string) => `${NETWORKS}${name}`;
export const endpointsOf = (netId: string) => `${ENDPOINTS}${netId}/`;
export const endpointKey = (netId: string, ip: string) => `${endpointsOf(netId)}${ip}`;

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
export const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** The end of the range of every key starting with `prefix` (its last byte plus one), base64. */
export function prefixEnd(prefix: string): string {
  const b = Buffer.from(prefix, 'utf8');
  let i = b.length - 1;
  while (i >= 0 && b[i] === 0xff) i--;
  if (i < 0) return b64('\0');
  const out = Buffer.from(b.subarray(0, i + 1));
  out[i]++;
  return out.toString('base64');
}

export interface Compare {
  key: string;
  range_end?: string;
  target: 'CREATE' | 'MOD' | 'VERSION' | 'VALUE';
  result: 'EQUAL' | 'LESS' | 'GREATER' | 'NOT_EQUAL';
  create_revision?: string;
  mod_revision?: string;
}
export type RequestOp =
  | { request_put: { key: string; value: string; lease?: string } }
  | { request_delete_range: { key: string; range_end?: string } };
export interface Txn {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export const put = (key: string, value: string, lease?: string): RequestOp => ({ request_put: { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) } });
export const del = (key: string): RequestOp => ({ request_delete_range: { key: b64(key) } });
export const delPrefix = (prefix: string): RequestOp => ({ request_delete_range: { key: b64(prefix), range_end: prefixEnd(prefix) } });
/** The key does not exist. */
export const absent = (key: string): Compare => ({ key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' });
/** No key under `prefix` exists (etcd compares every key of a range; an empty range compares as a zero key). */
export const noneUnder = (prefix: string): Compare => ({ key: b64(prefix), range_end: prefixEnd(prefix), target: 'CREATE', result: 'EQUAL', create_revision: '0' });
/** No key under `prefix` was written after revision `rev`. */
export const unchangedSince = (prefix: string, rev: string): Compare => ({
  key: b64(prefix),
  range_end: prefixEnd(prefix),
  target: 'MOD',
  result: 'LESS',
  mod_revision: String(BigInt(rev) + 1n),
});

/** The address an endpoint's key is named by: its IPv4 address, or its IPv6 one on an IPv6-only network. */
export const keyAddress = (e: { ip: string; ip6?: string }) => e.ip || e.ip6 || '';

/**
 * Take one address: put its endpoint key if no one holds it. With `rev` (a network with IPv6,
 * whose IPv6 address is in the value, not the key) also only if no endpoint of the network was
 * written since `rev`, when both addresses were checked free: still one put.
 */
export function claimTxn(netId: string, ip: string, value: string, lease: string, rev?: string): Txn {
  const k = endpointKey(netId, ip);
  return { compare: [absent(k), ...(rev ? [unchangedSince(endpointsOf(netId), rev)] : [])], success: [put(k, value, lease)], failure: [] };
}

/** Create a network: only if nothing under /minidock/networks/ changed since `rev` (when it was checked). */
export function createNetworkTxn(name: string, record: string, rev: string): Txn {
  return { compare: [unchangedSince(NETWORKS, rev), absent(networkKey(name))], success: [put(networkKey(name), record)], failure: [] };
}

/** Remove a network: only while no endpoint of it exists anywhere, and its record is the one read. */
export function removeNetworkTxn(name: string, netId: string, modRev: string): Txn {
  return {
    compare: [noneUnder(endpointsOf(netId)), { key: b64(networkKey(name)), target: 'MOD', result: 'EQUAL', mod_revision: modRev }],
    success: [del(networkKey(name))],
    failure: [],
  };
}

/** The first free VNI from 4097 up (Docker's overlay starts its VNIs at 4097). Pure. */
export function freeVni(used: number[]): number {
  const taken = new Set(used);
  let v = 4097;
  while (taken.has(v)) v++;
  if (v > 0xffffff) throw new Error('no free VNI');
  return v;
}
