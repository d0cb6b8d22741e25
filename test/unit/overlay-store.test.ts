// Pure parts of the overlay networks (issue 15): the cluster store's key layout and the txns sent
// to etcd, the cluster configuration, and the FDB/neighbour diff the watcher's sync applies.
import { describe, expect, it } from 'vitest';
import { b64, claimTxn, createNetworkTxn, endpointKey, freeVni, noneUnder, prefixEnd, removeNetworkTxn, unb64 } from '../../src/engine/cluster/keys.js';
import { parseClusterConfig } from '../../src/engine/cluster/config.js';
import { chooseOverlaySubnet, peerOps, vxlanOps } from '../../src/engine/network/drivers/overlay.js';
import { parseCidr } from '../../src/engine/network/cidr.js';
import { commandOf } from '../../src/host/plan.js';
import type { NetworkRecord } from '../../src/engine/network/networks.js';

describe('cluster store keys and txns', () => {
  it('a prefix range ends at the prefix with its last byte plus one', () => {
    expect(unb64(prefixEnd('/minidock/'))).toBe('/minidock0');
    expect(unb64(prefixEnd('/a/b/'))).toBe('/a/b0');
    // keys are UTF-8: the last byte of 'ÿ' (c3 bf) goes up
    expect([...Buffer.from(prefixEnd('a\xff'), 'base64')]).toEqual([0x61, 0xc3, 0xc0]);
  });
  it('an address is taken only if its key is absent, under the host lease', () => {
    const t = claimTxn('net1', '10.0.0.2', '{"host":"h"}', '42');
    expect(unb64(t.compare[0].key)).toBe('/minidock/endpoints/net1/10.0.0.2');
    expect(t.compare[0]).toMatchObject({ target: 'CREATE', result: 'EQUAL', create_revision: '0' });
    expect(t.success).toEqual([{ request_put: { key: b64(endpointKey('net1', '10.0.0.2')), value: b64('{"host":"h"}'), lease: '42' } }]);
    expect(t.failure).toEqual([]);
  });
  it('a network is created only if no network key changed since it was checked', () => {
    const t = createNetworkTxn('ov1', '{}', '41');
    expect(t.compare[0]).toMatchObject({ key: b64('/minidock/networks/'), range_end: b64('/minidock/networks0'), target: 'MOD', result: 'LESS', mod_revision: '42' });
    expect(unb64(t.compare[1].key)).toBe('/minidock/networks/ov1');
    expect(t.success[0]).toMatchObject({ request_put: { key: b64('/minidock/networks/ov1') } });
    expect('lease' in (t.success[0] as { request_put: object }).request_put).toBe(false);
  });
  it('a network is removed only while no endpoint of it exists anywhere', () => {
    const t = removeNetworkTxn('ov1', 'abc', '7');
    expect(t.compare[0]).toEqual(noneUnder('/minidock/endpoints/abc/'));
    expect(t.compare[1]).toMatchObject({ target: 'MOD', result: 'EQUAL', mod_revision: '7' });
    expect(t.success).toEqual([{ request_delete_range: { key: b64('/minidock/networks/ov1') } }]);
  });
  it('VNIs from 4097, the first free one', () => {
    expect(freeVni([])).toBe(4097);
    expect(freeVni([4097, 4098, 4100])).toBe(4099);
  });
  it('overlay subnets: the first free /24 of 10.0.0.0/16', () => {
    expect(chooseOverlaySubnet([])).toBe('10.0.0.0/24');
    expect(chooseOverlaySubnet([parseCidr('10.0.0.0/23')!])).toBe('10.0.2.0/24');
  });
});

describe('cluster configuration', () => {
  it('etcd://ADDR:PORT[,…] and the advertise address', () => {
    expect(parseClusterConfig('etcd://10.0.0.1:2379,10.0.0.2:2379', '10.0.0.9')).toEqual({ endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'], advertise: '10.0.0.9' });
    expect(parseClusterConfig(undefined, undefined)).toBeUndefined();
  });
  it('refuses what is not an etcd URL, a bad port, a missing or bad advertise address', () => {
    expect(() => parseClusterConfig('consul://x:8500', '10.0.0.9')).toThrow(/etcd:\/\/ADDR:PORT/);
    expect(() => parseClusterConfig('etcd://x:99999', '10.0.0.9')).toThrow(/HOST:PORT/);
    expect(() => parseClusterConfig('etcd://x:2379', undefined)).toThrow(/MINIDOCK_CLUSTER_ADVERTISE/);
    expect(() => parseClusterConfig('etcd://x:2379', 'eth0')).toThrow(/invalid cluster advertise/);
  });
});

describe('VXLAN device and peer entries', () => {
  const rec = { Name: 'ov1', Id: 'abcdef0123456789', VNI: 4097 } as NetworkRecord;
  it('the VXLAN device as a person types it', () => {
    expect(vxlanOps(rec, '10.231.0.2', 1450).map(commandOf)).toEqual([
      'ip link add mdvx-abcdef0123 mtu 1450 type vxlan id 4097 dstport 4789 local 10.231.0.2 nolearning proxy',
      'ip link set mdvx-abcdef0123 master mdov-abcdef0123',
      'ip link set mdvx-abcdef0123 up',
    ]);
  });
  it('adds what is missing, removes what is stale, keeps the rest', () => {
    const want = [
      { ip: '10.0.0.3', mac: '02:42:0a:00:00:03', vtep: '192.0.2.2' },
      { ip: '10.0.0.4', mac: '02:42:0a:00:00:04', vtep: '192.0.2.3' },
    ];
    const have = {
      fdb: [
        { mac: '00:00:00:00:00:00', dst: '192.0.2.2' },
        { mac: '02:42:0a:00:00:03', dst: '192.0.2.2' },
        { mac: '02:42:0a:00:00:09', dst: '192.0.2.9' },
        { mac: '00:00:00:00:00:00', dst: '192.0.2.9' },
      ],
      neigh: [
        { ip: '10.0.0.3', mac: '02:42:0a:00:00:03' },
        { ip: '10.0.0.9', mac: '02:42:0a:00:00:09' },
      ],
    };
    expect(peerOps('vx0', want, have).map(commandOf)).toEqual([
      'bridge fdb del 02:42:0a:00:00:09 dev vx0 dst 192.0.2.9 self',
      'bridge fdb del 00:00:00:00:00:00 dev vx0 dst 192.0.2.9 self',
      'ip neigh del 10.0.0.9 dev vx0',
      'bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.0.2.3 self permanent',
      'bridge fdb append 02:42:0a:00:00:04 dev vx0 dst 192.0.2.3 self permanent',
      'ip neigh replace 10.0.0.4 lladdr 02:42:0a:00:00:04 dev vx0 nud permanent',
    ]);
    expect(peerOps('vx0', want.slice(0, 1), { fdb: have.fdb.slice(0, 2), neigh: have.neigh.slice(0, 1) })).toEqual([]);
  });
});
