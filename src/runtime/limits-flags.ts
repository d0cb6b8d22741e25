// `run`/`create` flags for limits and privileges → validated HostConfig fields (issue 7).
// One call from run.ts, before anything is created: a bad value exits 125 and changes nothing.
import { checkResourcesSupported, parseResources, type ResourceFlags, type Resources } from './cgroups.js';
import { securityHostConfig, type SecurityHostConfig } from './security.js';

export function limitsHostConfig(f: ResourceFlags & { capAdd?: string[]; capDrop?: string[]; privileged?: boolean; securityOpt?: string[] }): Resources & Required<SecurityHostConfig> {
  const r = parseResources(f);
  const sec = securityHostConfig(f);
  checkResourcesSupported(r);
  return { ...r, ...sec };
}
