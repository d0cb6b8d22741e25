// The survivors of the first mutation runs of the firewall intent (backend.ts) and of the
// backends' intent → ops (iptables.ts, nftables.ts): issue 18, docs/mutation.md. Expectations
// are Docker's (its option names; the rules docs/bridge-mode.md and docs/nftables.md show),
// never a copy of the code under test.
import { describe, expect, it } from 'vitest';
import type { IptOp, NftOp, Op } from '../../src/host/plan.js';
import { GATEWAY_MODE6_OPT, GATEWAY_MODE_OPT, familiesOf, netOfFamily } from '../../src/engine/network/firewall/backend.js';

const DUAL = { name: 'web6', bridge: 'mdbr-0123456789', subnet: '172.20.0.0/16', gateway: '172.20.0.1', subnet6: 'fd00:db8:1::/64', gateway6: 'fd00:db8:1::1', root: 'abcdef012345' };

describe('firewall intent (backend.ts)', () => {
  it("the gateway-mode options are Docker 28's names", () => {
    expect(GATEWAY_MODE_OPT).toBe('com.docker.network.bridge.gateway_mode_ipv4');
    expect(GATEWAY_MODE6_OPT).toBe('com.docker.network.bridge.gateway_mode_ipv6');
  });

  it('familiesOf: 4 unless IPv6-only, 6 with --ipv6', () => {
    expect(familiesOf(DUAL)).toEqual([4, 6]);
    expect(familiesOf({ ...DUAL, subnet6: undefined, gateway6: undefined })).toEqual([4]);
    expect(familiesOf({ ...DUAL, subnet: '', gateway: '' })).toEqual([6]);
  });

  it("netOfFamily(6): the v6 subnet, gateway and mode in the v4 ones' places; '' when the network has none", () => {
    expect(netOfFamily({ ...DUAL, gatewayMode: 'routed', gatewayMode6: 'nat-unprotected' }, 6)).toEqual({
      name: 'web6', bridge: DUAL.bridge, subnet: 'fd00:db8:1::/64', gateway: 'fd00:db8:1::1', subnet6: 'fd00:db8:1::/64', gateway6: 'fd00:db8:1::1', gatewayMode: 'nat-unprotected', root: DUAL.root,
    });
    const v4only = netOfFamily({ ...DUAL, subnet6: undefined, gateway6: undefined }, 6);
    expect([v4only.subnet, v4only.gateway, v4only.gatewayMode]).toEqual(['', '', undefined]);
    const n4 = { ...DUAL, gatewayMode6: 'routed' as const };
    expect(netOfFamily(n4, 4)).toBe(n4);
  });
});

export const whys = (ops: Op[]): string[] => ops.flatMap((o) => [o.why, ...((o as IptOp | NftOp).undo ?? []).map((u) => u.why)]);
