// Network layer entry points used by the container engine.
// (Minimal: 'none' and 'host' only. The bridge driver, IPAM and firewall replace this.)
import { readFileSync } from 'node:fs';
import { run } from '../../host/exec.js';
import type { NetworkRequest, NetworkResult, NetworkSettings } from './types.js';

export function netnsName(containerId: string): string {
  return `minidock-${containerId.slice(0, 12)}`;
}

function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

export async function setupContainerNetwork(req: NetworkRequest): Promise<NetworkResult> {
  const empty: NetworkSettings = { SandboxKey: '', Ports: {}, Networks: {} };
  if (req.mode === 'host') return { netnsPath: '', settings: empty, hosts: [], resolvConf: hostResolvConf() };
  const ns = netnsName(req.containerId);
  await run('ip', ['-batch', '-'], { input: `netns add ${ns}\n-n ${ns} link set lo up\n` });
  return {
    netnsPath: `/run/netns/${ns}`,
    settings: { ...empty, SandboxKey: `/run/netns/${ns}`, Networks: {} },
    hosts: [],
    resolvConf: hostResolvConf(),
  };
}

/** Undoes setupContainerNetwork. Idempotent: missing pieces are not an error. */
export async function teardownContainerNetwork(containerId: string, _settings: NetworkSettings | undefined): Promise<void> {
  await run('ip', ['netns', 'del', netnsName(containerId)], { allowFail: true });
}
