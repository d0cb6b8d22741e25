// Drivers describe what their networks need of the firewall as intent (firewall/backend.ts),
// never as a backend's ops: the backend in use renders it. Pure.
import { describe, expect, it } from 'vitest';
import { driverNamed } from '../../src/engine/network/drivers/index.js';
import { bridgeNetOf } from '../../src/engine/network/drivers/bridge.js';
import { networkIntent, portIntent } from '../../src/engine/network/firewall/backend.js';
import type { NetworkRecord } from '../../src/engine/network/networks.js';

const ID = 'abcdef0123456789' + '0'.repeat(48);
const CID = '0123456789ab' + 'c'.repeat(52);
const rec = (driver: string, o: Partial<NetworkRecord> = {}): NetworkRecord => ({ Name: 'lan', Id: ID, Created: '', Driver: driver, Subnet: '10.1.0.0/24', Gateway: '10.1.0.1', Internal: false, Options: {}, ...o });
const ports = [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }];

describe('driver firewall intent', () => {
  it('bridge: the network intent is its bridge network; published ports are a PortsIntent', () => {
    const d = driverNamed('bridge');
    const r = rec('bridge', { Bridge: 'mdbr-1' });
    const n = d.netIntent(r)!;
    expect(n).toEqual(bridgeNetOf(r));
    expect(networkIntent(n).map((x) => x.kind)).toEqual(['no-direct-access', 'masquerade', 'forward', 'isolate']);
    const p = d.portsIntent(r, CID, 'web', '10.1.0.2', ports)!;
    expect(p).toEqual({ containerId: CID, name: 'web', ip: '10.1.0.2', ports, root: n.root });
    expect(portIntent(p).map((x) => x.kind)).toEqual(['dnat', 'loopback-only']);
  });

  it('macvlan and ipvlan: no firewall intent at all', () => {
    for (const name of ['macvlan', 'ipvlan']) {
      const d = driverNamed(name);
      const r = rec(name, { Parent: 'eth1' });
      expect(d.caps.firewall).toBe(false);
      expect(d.netIntent(r)).toBeUndefined();
      expect(d.portsIntent(r, CID, 'web', '10.1.0.2', [])).toBeUndefined();
    }
  });
});
