// --link NAME[:ALIAS] (issue 13), as Docker: on the default bridge, the legacy links (moby's
// daemon/links: an /etc/hosts line "IP alias hostname [name]" and the ALIAS_PORT_…, ALIAS_NAME,
// ALIAS_ENV_… variables); on a user-defined network, only a name the linking container resolves
// (Docker's scoped DNS alias; here a line of its own /etc/hosts, which it alone reads).
import { DaemonError, FlagValueError, UserError } from '../../errors.js';
import { findContainer, stateOf, type ContainerRecord } from './record.js';

/** -link's value: "name" or "name:alias" (Docker's ParseLink), kept as "name:alias". */
export function parseLink(spec: string): string {
  const parts = spec.split(':');
  // Docker's ParseLink (its CLI's check of the flag); an empty part is minidock's refusal
  if (parts.length > 2) throw new FlagValueError(spec, '--link', `bad format for links: ${spec}`);
  if (parts.some((p) => p === '')) throw new UserError(`invalid value "${spec}" for --link: bad format for links: ${spec}`);
  const name = parts[0].replace(/^\//, '');
  const alias = parts[1] ?? name;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(alias)) throw new UserError(`invalid value "${spec}" for --link: invalid alias ${JSON.stringify(alias)}`);
  return `${name}:${alias}`;
}

/** Docker refuses links where there is no container network to link on. */
export function checkLinkNetwork(links: string[], network: string): void {
  if (!links.length) return;
  if (network === 'host') throw new UserError("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
  if (network === 'none' || network.startsWith('container:')) throw new UserError(`conflicting options: --link and the network mode ${network}`);
}

interface Port {
  port: number;
  proto: string;
}

function portsOf(child: ContainerRecord): Port[] {
  const seen = new Map<string, Port>();
  const exposed = Object.keys((child.Config as { ExposedPorts?: Record<string, object> }).ExposedPorts ?? {});
  for (const k of exposed) {
    const [p, proto = 'tcp'] = k.split('/');
    if (/^\d+$/.test(p)) seen.set(`${p}/${proto}`, { port: Number(p), proto });
  }
  for (const b of child.HostConfig.PortBindings) seen.set(`${b.containerPort}/${b.proto}`, { port: Number(b.containerPort), proto: b.proto });
  // nat.Sort: by number, tcp first for the same number
  return [...seen.values()].sort((a, b) => a.port - b.port || (a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : 0));
}

/** moby's Link.ToEnv (ranges of ports are not folded into _START/_END). */
export function linkEnv(parent: string, alias: string, child: ContainerRecord, ip: string): string[] {
  const A = alias.toUpperCase().replace(/-/g, '_');
  const env: string[] = [];
  const ports = portsOf(child);
  if (ports.length) env.push(`${A}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
  for (const p of ports) {
    const k = `${A}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(`${k}=${p.proto}://${ip}:${p.port}`, `${k}_ADDR=${ip}`, `${k}_PORT=${p.port}`, `${k}_PROTO=${p.proto}`);
  }
  env.push(`${A}_NAME=/${parent}/${alias}`);
  for (const e of child.Config.Env) {
    const eq = e.indexOf('=');
    if (eq < 0) continue;
    const name = e.slice(0, eq);
    if (name === 'HOME' || name === 'PATH') continue;
    env.push(`${A}_ENV_${name}=${e.slice(eq + 1)}`);
  }
  return env;
}

/**
 * At start: each linked container must be running on the network this one joins; returns the
 * /etc/hosts lines and (default bridge only) the variables.
 */
export function resolveLinks(rec: ContainerRecord): { hosts: string[]; env: string[] } {
  const out = { hosts: [] as string[], env: [] as string[] };
  const mode = rec.HostConfig.NetworkMode || 'bridge';
  for (const l of rec.HostConfig.Links ?? []) {
    const [name, alias] = l.split(':');
    const child = findContainer(name);
    if (!child) throw new DaemonError(`could not get container for ${name}: No such container: ${name}`);
    if (!stateOf(child).Running) throw new UserError(`Error response from daemon: Cannot link to a non running container: /${child.Name} AS /${rec.Name}/${alias}`);
    const ep = child.NetworkSettings?.Networks[mode];
    if (!ep?.IPAddress) {
      throw new UserError(mode === 'bridge'
        ? `Error response from daemon: Cannot link to /${child.Name}, as it does not belong to the default network`
        : `Error response from daemon: Cannot link to /${child.Name}, as it is not on network ${mode}`);
    }
    const names = [alias, child.Config.Hostname, ...(alias !== child.Name ? [child.Name] : [])];
    out.hosts.push(`${ep.IPAddress}\t${[...new Set(names)].join(' ')}`);
    if (mode === 'bridge') out.env.push(...linkEnv(rec.Name, alias, child, ep.IPAddress));
  }
  return out;
}
