// A network's gateway mode comes from its driver's caps (caps.gatewayModes), in one place
// (drivers/index.ts gatewayModeOfNet), not from tests of the driver's name: the diagram and
// whatever else shows a mode ask it.
import { describe, expect, it } from 'vitest';
import { driverOf, gatewayModeOfNet } from '../../src/engine/network/drivers/index.js';

const OPT = 'com.docker.network.bridge.gateway_mode_ipv4';
const rec = (Driver: string, mode?: string): { Driver: string; Options: Record<string, string> } => ({ Driver, Options: mode ? { [OPT]: mode } : {} });

describe('gateway mode by driver caps', () => {
  it('a bridge network has the mode of its option, nat without one', () => {
    expect(driverOf(rec('bridge'))!.caps.gatewayModes).toBe(true);
    for (const m of ['routed', 'nat-unprotected', 'isolated', 'nat']) expect(gatewayModeOfNet(rec('bridge', m))).toBe(m);
    expect(gatewayModeOfNet(rec('bridge'))).toBe('nat');
  });

  it('drivers without gateway modes are nat whatever their options say', () => {
    for (const d of ['macvlan', 'ipvlan', 'overlay']) {
      expect(driverOf(rec(d))!.caps.gatewayModes).toBe(false);
      expect(gatewayModeOfNet(rec(d, 'routed'))).toBe('nat');
    }
    expect(gatewayModeOfNet(rec('host', 'routed'))).toBe('nat'); // a mode, not a driver
  });

  it('a driver is asked by its caps, not its name', () => {
    const bridge = driverOf(rec('bridge'))!;
    const caps = bridge.caps;
    try {
      (bridge as { caps: typeof caps }).caps = { ...caps, gatewayModes: false };
      expect(gatewayModeOfNet(rec('bridge', 'routed'))).toBe('nat');
    } finally {
      (bridge as { caps: typeof caps }).caps = caps;
    }
  });
});
