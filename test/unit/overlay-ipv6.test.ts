// Pure parts of IPv6 on overlay networks: the endpoint key's address, the v6 claim's txn (still one
// put), the v6 neighbour entries of the VXLAN's diff, and the VXLAN device on a host that
// disables IPv6 on new interfaces.
import { describe, expect, it } from 'vitest';
import { b64, claimTxn, keyAddress, unb64, unchangedSince } from '../../src/engine/cluster/keys.js';
import { endpointAddresses } from '../../src/engine/cluster/store.js';
import { peerOps, vxlanOps } from '../../src/engine/network/drivers/overlay.js';
import { commandOf } from '../../src/host/plan.js';
import type { NetworkRecord } from '../../src/engine/network/networks.js';

describe('endpoint keys with IPv6', () => {
  it('the key is named by the IPv4 address, or the IPv6 one on an IPv6-only network', () => {
    expect(keyAddress({ ip: '10.0.0.2', ip6: 'fd00::2' })).toBe('10.0.0.2');
    expect(keyAddress({ ip: '', ip6: 'fd00::2' })).toBe('fd00::2');
    expect(keyAddress({ ip: '10.0.0.2' })).toBe('10.0.0.2');
  });
  it('and read back: a v6 key is IPv6-only, a v4 key has its v6 address in the value', () => {
    expect(endpointAddresses('fd00::2', {})).toEqual({ ip: '', ip6: 'fd00::2' });
    expect(endpointAddresses('10.0.0.2', { ip6: 'fd00::2' })).toEqual({ ip: '10.0.0.2', ip6: 'fd00::2' });
    expect(endpointAddresses('10.0.0.2', {})).toEqual({ ip: '10.0.0.2' });
  });
  it('a claim with IPv6: only if absent and no endpoint of the network changed since the read; one put', () => {
    const t = claimTxn('net1', '10.0.0.2', '{"ip6":"fd00::2"}', '42', '99');
    expect(t.compare).toHaveLength(2);
    expect(unb64(t.compare[0].key)).toBe('/minidock/endpoints/net1/10.0.0.2');
    expect(t.compare[1]).toEqual(unchangedSince('/minidock/endpoints/net1/', '99'));
    expect(t.compare[1]).toMatchObject({ target: 'MOD', result: 'LESS', mod_revision: '100' });
    expect(t.success).toHaveLength(1);
    expect(t.success[0]).toMatchObject({ request_put: { key: b64('/minidock/endpoints/net1/10.0.0.2'), lease: '42' } });
    // IPv4 only: as before, the key alone
    expect(claimTxn('net1', '10.0.0.2', '{}', '42').compare).toHaveLength(1);
  });
});

describe('VXLAN peer entries with IPv6', () => {
  it('a permanent v6 neighbour entry per remote v6 address (ip -6 …), removed when it goes', () => {
    const want = [
      { ip: '10.0.0.3', ip6: 'fd00::3', mac: '02:42:0a:00:00:03', vtep: '192.0.2.2' },
      { ip: '', ip6: 'fd01::4', mac: '02:42:fd:01:00:04', vtep: '192.0.2.3' },
    ];
    const have = {
      fdb: [
        { mac: '00:00:00:00:00:00', dst: '192.0.2.2' },
        { mac: '02:42:0a:00:00:03', dst: '192.0.2.2' },
      ],
      neigh: [
        { ip: '10.0.0.3', mac: '02:42:0a:00:00:03' },
        { ip: 'fd00::9', mac: '02:42:0a:00:00:09' },
      ],
    };
    expect(peerOps('vx0', want, have).map(commandOf)).toEqual([
      'ip -6 neigh del fd00::9 dev vx0',
      'bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.0.2.3 self permanent',
      'bridge fdb append 02:42:fd:01:00:04 dev vx0 dst 192.0.2.3 self permanent',
      'ip -6 neigh replace fd00::3 lladdr 02:42:0a:00:00:03 dev vx0 nud permanent',
      'ip -6 neigh replace fd01::4 lladdr 02:42:fd:01:00:04 dev vx0 nud permanent',
    ]);
    const all = { fdb: [...have.fdb, { mac: '00:00:00:00:00:00', dst: '192.0.2.3' }, { mac: '02:42:fd:01:00:04', dst: '192.0.2.3' }], neigh: [have.neigh[0], { ip: 'fd00::3', mac: '02:42:0a:00:00:03' }, { ip: 'fd01::4', mac: '02:42:fd:01:00:04' }] };
    expect(peerOps('vx0', want, all)).toEqual([]);
  });
  it('IPv6 allowed on the VXLAN device where new interfaces have it disabled (else proxy answers no Neighbour Solicitation)', () => {
    const rec = { Name: 'ov6', Id: 'abcdef0123456789', VNI: 4097, Subnet6: 'fd00::/64' } as NetworkRecord;
    expect(vxlanOps(rec, '10.231.0.2', 1450, true).map(commandOf)).toEqual([
      'ip link add mdvx-abcdef0123 mtu 1450 type vxlan id 4097 dstport 4789 local 10.231.0.2 nolearning proxy',
      'sysctl -w net.ipv6.conf.mdvx-abcdef0123.disable_ipv6=0',
      'ip link set mdvx-abcdef0123 master mdov-abcdef0123',
      'ip link set mdvx-abcdef0123 up',
    ]);
  });
});
