// The one place that picks the firewall backend (backend.ts is the interface):
//   MINIDOCK_FIREWALL=iptables|nftables, else "firewall-backend" in <root>/config.json (the key
//   of Docker 29's daemon.json), else iptables (learners compare with Docker's rules).
// Also what every backend shares: the per-boot "base checked" marker, the firewall part of
// endpoint records (intent + backend name, so teardown works after a switch; records of older
// minidocks kept iptables rule specs, which still tear down), and the switch of backend.
import { join } from 'node:path';
import { type Op, undoPlanOf, type IptOp } from '../../../host/plan.js';
import { readState, writeJsonAtomic } from '../../../state/atomic.js';
import { paths } from '../../../state/paths.js';
import { UserError } from '../../../errors.js';
import { FIREWALL_BACKENDS, type FirewallBackend, type FirewallName, type FirewallRecord, type NetIntent, type OwnContext, type PortsIntent } from './backend.js';
import { configPath, readConfig } from '../../../state/config.js';
import { hostKeyOf } from './hostkey.js';

export type { FirewallBackend, FirewallName, FirewallRecord, NetIntent, PortsIntent } from './backend.js';

const isName = (s: unknown): s is FirewallName => typeof s === 'string' && (FIREWALL_BACKENDS as readonly string[]).includes(s);

/** The backend this process uses, and where that choice came from. */
export function firewallChoice(): { name: FirewallName; from: string } {
  const env = process.env.MINIDOCK_FIREWALL;
  if (env !== undefined && env !== '') {
    if (!isName(env)) throw new UserError(`invalid MINIDOCK_FIREWALL ${JSON.stringify(env)}: iptables or nftables`);
    return { name: env, from: 'MINIDOCK_FIREWALL' };
  }
  const file = configPath();
  const cfg = readConfig<{ 'firewall-backend'?: unknown }>('fix it (a JSON object, e.g. {"firewall-backend": "nftables"}) or remove it');
  const v = cfg?.['firewall-backend'];
  if (v !== undefined) {
    if (!isName(v)) throw new UserError(`invalid "firewall-backend" ${JSON.stringify(v)} in ${file}: iptables or nftables`);
    return { name: v, from: file };
  }
  return { name: 'iptables', from: 'default' };
}

export function firewallName(): FirewallName {
  return firewallChoice().name;
}

/** A backend by name (loaded lazily: the one not in use costs nothing). */
export async function backendOf(name: FirewallName): Promise<FirewallBackend> {
  if (name === 'nftables') return (await import('./nftables.js')).nftablesBackend;
  return (await import('./iptables.js')).iptablesBackend;
}

/** The backend in use. */
export function firewall(): Promise<FirewallBackend> {
  return backendOf(firewallName());
}

// ---------------------------------------------------------------- endpoint records

/** The firewall part of a new endpoint record: the intent, and which backend made it. */
export function firewallRecord(ports: PortsIntent): FirewallRecord {
  return { backend: firewallName(), ports };
}

/** What removes an endpoint's firewall rules, whichever backend (or older minidock) made them. */
export async function endpointUndoOps(ep: { firewall?: FirewallRecord; rules?: IptOp[] }): Promise<Op[]> {
  if (ep.firewall) return (await backendOf(ep.firewall.backend)).portUndoOps(ep.firewall.ports);
  return undoPlanOf(ep.rules ?? []); // a record of today's-format: iptables rule specs
}

/** What makes an endpoint's firewall rules. */
export async function endpointOps(ep: { firewall?: FirewallRecord; rules?: IptOp[] }): Promise<Op[]> {
  if (ep.firewall) return (await backendOf(ep.firewall.backend)).portOps(ep.firewall.ports);
  return ep.rules ?? [];
}

// ---------------------------------------------------------------- "already done" marker

// Checking the rules costs a read of the whole ruleset, whose time grows with the host's rule
// count. It is done once per boot, network namespace and backend (and whenever the bridge had to
// be repaired), then remembered here, so starting a container does not pay for it.
function markerFile(): string {
  return join(paths.networks(), 'firewall.json');
}

export function hostKey(): string {
  return hostKeyOf(firewallName());
}

interface Marker {
  key: string;
  networks: Record<string, string>;
}

// A per-boot cache ("base rules checked"): not durable; a damaged one reads as absent, so the
// rules are simply checked again.
const readMarker = (): Marker | undefined => readState<Marker>(markerFile(), 'cache');

export function firewallKnownGood(n: NetIntent): boolean {
  const m = readMarker();
  return !!m && m.key === hostKey() && m.networks[n.name] === JSON.stringify(n);
}

export function markFirewallGood(n: NetIntent): void {
  const m = readMarker();
  const key = hostKey();
  const next: Marker = m && m.key === key ? m : { key, networks: {} };
  next.networks[n.name] = JSON.stringify(n);
  writeJsonAtomic(markerFile(), next);
}

export function forgetFirewall(name?: string): void {
  const m = readMarker();
  if (!m) return;
  if (name) delete m.networks[name];
  else m.networks = {};
  writeJsonAtomic(markerFile(), m);
}

// ---------------------------------------------------------------- switching backend

/** Which backend holds this root's rules now (durable: written when a switch completes). */
function activeFile(): string {
  return join(paths.networks(), 'firewall-backend.json');
}

/** The backend this root's rules are in (roots of older minidocks: iptables). */
export function activeBackendName(): FirewallName {
  const v = readState<{ backend?: unknown }>(activeFile(), 'remove it: minidock then takes the backend its records name')?.backend;
  return isName(v) ? v : 'iptables';
}

/**
 * Call under the `network` lock before making rules. When the chosen backend is not the one
 * this root's rules are in: refused (one line) while any of its containers holds rules; else
 * every network's rules move to the new backend in this one step — never a mix.
 */
export async function settleBackend(
  nets: () => NetIntent[],
  endpoints: () => { containerName: string; firewall?: FirewallRecord; rules?: unknown[] }[],
  explain?: (line: string) => void,
): Promise<void> {
  const want = firewallName();
  const have = activeBackendName();
  if (want === have) return;
  refuseSwitchWhileWired(want, have, endpoints());
  const { applyPlan } = await import('../../../host/plan.js');
  const from = await backendOf(have);
  const to = await backendOf(want);
  explain?.(`# the firewall backend changes from ${have} to ${want}: every network's rules move, in one step`);
  const removal: Op[] = [];
  for (const n of nets()) removal.push(...(await from.removeOps(n)).filter((o) => !(o.kind === 'ip')));
  if (removal.length) await applyPlan(removal, { explain, tolerant: true });
  const make: Op[] = [];
  for (const n of nets()) make.push(...(await to.ensureOps(n)));
  if (make.length) await applyPlan(make, { explain });
  forgetFirewall();
  for (const n of nets()) markFirewallGood(n);
  writeJsonAtomic(activeFile(), { backend: want });
}

/**
 * Any wired container refuses a switch, as one line: its connections would break while the
 * rules move, and its port rules are the old backend's.
 */
function refuseSwitchWhileWired(want: FirewallName, have: FirewallName, holding: { containerName: string }[]): void {
  if (!holding.length) return;
  const names = holding.map((e) => e.containerName).filter(Boolean);
  throw new UserError(
    `firewall backend ${want} was chosen, but ${holding.length} container${holding.length > 1 ? 's' : ''} of this state root (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}) hold ${have} rules: stop them first, or keep the ${have} backend`,
  );
}

/** The early check (before a container is created): the same refusal as settleBackend's. */
export function checkBackendSwitch(endpoints: () => { containerName: string }[]): void {
  const want = firewallName();
  const have = activeBackendName();
  if (want !== have) refuseSwitchWhileWired(want, have, endpoints());
}

/** This root's leftovers in every backend (prune), and the rules of a trace whose CLI was killed. */
export async function allOrphans(own: OwnContext) {
  const out = [];
  for (const name of FIREWALL_BACKENDS) out.push(...(await (await backendOf(name)).orphans(own)));
  const { traceOrphans } = await import('../trace/rules.js');
  const { tableName } = await import('./nftables.js');
  out.push(...(await traceOrphans(own.root, tableName())));
  return out;
}
