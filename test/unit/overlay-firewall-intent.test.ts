// The overlay driver's firewall needs are the bridge driver's intent on its per-host bridge
// (mdov-…), made by whichever backend is in use; a host without that bridge has no rules of it.
import { describe, expect, it } from 'vitest';
import { driverNamed } from '../../src/engine/network/drivers/index.js';
import { bridgeNetOf } from '../../src/engine/network/drivers/bridge.js';
import { overlayBridge } from '../../src/engine/network/drivers/overlay.js';
import type { NetworkRecord } from '../../src/engine/network/networks.js';

const ID = 'fedcba9876543210' + '0'.repeat(48);
const CID = '0123456789ab' + 'c'.repeat(52);
const rec: NetworkRecord = { Name: 'ov', Id: ID, Created: '', Driver: 'overlay', Subnet: '10.0.3.0/24', Gateway: '10.0.3.1', Internal: false, Options: {}, VNI: 4100 };
const ports = [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }];

describe('overlay firewall intent', () => {
  it('has rules of its own, published ports as the bridge driver describes them', () => {
    const d = driverNamed('overlay');
    expect(d.caps).toMatchObject({ firewall: true, publish: true });
    expect(d.portsIntent(rec, CID, 'web', '10.0.3.2', ports)).toEqual(driverNamed('bridge').portsIntent(rec, CID, 'web', '10.0.3.2', ports));
  });

  it('no network intent on a host without its bridge (a backend switch makes no rules for it)', () => {
    expect(overlayBridge(ID)).toBe('mdov-fedcba9876');
    expect(bridgeNetOf({ ...rec, Bridge: overlayBridge(ID) }).bridge).toBe('mdov-fedcba9876');
    expect(driverNamed('overlay').netIntent(rec)).toBeUndefined();
  });
});
