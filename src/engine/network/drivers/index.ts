// The one place that picks a network's driver. A new driver is one file and one line here.
// (host, none and container: are modes of the engine, not drivers: see ../index.ts.)
import { DaemonError } from '../../../errors.js';
import type { NetworkDriver } from './driver.js';
import { bridgeDriver, gatewayModeOf } from './bridge.js';
import type { GatewayMode } from '../firewall/backend.js';
import { ipvlanDriver } from './ipvlan.js';
import { macvlanDriver } from './macvlan.js';
import { overlayDriver } from './overlay.js';

const DRIVERS: Record<string, NetworkDriver> = {
  bridge: bridgeDriver,
  macvlan: macvlanDriver,
  ipvlan: ipvlanDriver,
  overlay: overlayDriver,
};

/** The driver `network create -d NAME` names, or Docker's error for an unknown one. */
export function driverNamed(name: string): NetworkDriver {
  const d = Object.hasOwn(DRIVERS, name) ? DRIVERS[name] : undefined;
  if (!d) throw new DaemonError(`plugin "${name}" not found`);
  return d;
}

/** The driver of a network record; undefined for host and none (modes, not drivers). */
export function driverOf(rec: { Driver: string }): NetworkDriver | undefined {
  return Object.hasOwn(DRIVERS, rec.Driver) ? DRIVERS[rec.Driver] : undefined;
}

/**
 * A network's gateway mode: its option (gateway_mode_ipv4, or `opt`: GATEWAY_MODE6_OPT for IPv6)
 * where its driver has gateway modes (caps.gatewayModes), else nat.
 */
export function gatewayModeOfNet(rec: { Driver: string; Options?: Record<string, string> }, opt?: string): GatewayMode {
  return driverOf(rec)?.caps.gatewayModes ? gatewayModeOf(rec, opt) : 'nat';
}

export type { NetworkDriver } from './driver.js';
