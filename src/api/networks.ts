// /networks/…: list, inspect, create, connect, disconnect, delete.
import { ApiError, filterFlags, readJson, sendJson, sendNoContent } from './http.js';
import type { Handler } from './routes.js';

const usernet = () => import('../engine/network/usernet.js');
const connectMod = () => import('../engine/container/connect.js');

export const list: Handler = async (c) => {
  const { listNetworks, inspectNetwork } = await import('../engine/network/networks.js');
  const { selectNetworks } = await import('../engine/network/select.js');
  const nets = selectNetworks(await listNetworks(), filterFlags(c.query));
  const out = [];
  for (const n of nets) out.push(await inspectNetwork(n.Id));
  sendJson(c.res!, 200, out);
  return 200;
};

export const inspect: Handler = async (c, [ref]) => {
  const { inspectNetwork } = await import('../engine/network/networks.js');
  sendJson(c.res!, 200, await inspectNetwork(ref));
  return 200;
};

interface CreateBody {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  /** Docker 28: false for an IPv6-only network */
  EnableIPv4?: boolean;
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[]; Options?: Record<string, string> };
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: unknown;
  Scope?: string;
}

const pairs = (o: Record<string, string> | undefined) => Object.entries(o ?? {}).map(([k, v]) => `${k}=${v}`);

export const create: Handler = async (c) => {
  const b = (await readJson<CreateBody>(c.req)) ?? {};
  if (!b.Name) throw new ApiError(400, 'network name is required');
  // what minidock's networks cannot be: refused, not dropped
  if (b.Ingress || b.ConfigOnly || b.ConfigFrom) throw new ApiError(400, 'swarm networks (Ingress, ConfigOnly, ConfigFrom) are not supported by minidock');
  if (b.IPAM?.Driver && b.IPAM.Driver !== 'default') throw new ApiError(400, `IPAM driver ${b.IPAM.Driver} is not supported by minidock (only the default)`);
  if (Object.keys(b.IPAM?.Options ?? {}).length) throw new ApiError(400, 'IPAM.Options are not supported by minidock');
  const cfg = b.IPAM?.Config ?? [];
  if (cfg.some((x) => Object.keys(x.AuxiliaryAddresses ?? {}).length)) throw new ApiError(400, 'IPAM AuxiliaryAddresses are not supported by minidock');
  const { createNetwork } = await usernet();
  const rec = await createNetwork(
    b.Name,
    {
      driver: b.Driver || 'bridge',
      subnet: cfg.flatMap((x) => (x.Subnet ? [x.Subnet] : [])),
      gateway: cfg.flatMap((x) => (x.Gateway ? [x.Gateway] : [])),
      ipRange: cfg.flatMap((x) => (x.IPRange ? [x.IPRange] : [])),
      internal: !!b.Internal,
      ipv6: !!b.EnableIPv6,
      ipv4: b.EnableIPv4 !== false,
      opt: pairs(b.Options),
      label: pairs(b.Labels),
    },
    c.explain,
  );
  sendJson(c.res!, 201, { Id: rec.Id, Warning: '' });
  return 201;
};

export const remove: Handler = async (c, [ref]) => {
  await (await usernet()).removeNetwork(ref, c.explain);
  sendNoContent(c.res!);
  return 204;
};

interface ConnectBody {
  Container?: string;
  EndpointConfig?: { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null; Links?: string[] | null; MacAddress?: string };
  Force?: boolean;
}

export const connect: Handler = async (c, [ref]) => {
  const b = (await readJson<ConnectBody>(c.req)) ?? {};
  if (!b.Container) throw new ApiError(400, 'Container is required');
  const ep = b.EndpointConfig ?? {};
  if (ep.Links?.length || ep.MacAddress) throw new ApiError(400, "EndpointConfig Links and MacAddress on connect are not supported by minidock's Engine API");
  await (await connectMod()).connectContainer(ref, b.Container, { ip: ep.IPAMConfig?.IPv4Address || undefined, ip6: ep.IPAMConfig?.IPv6Address || undefined, aliases: ep.Aliases ?? [], explain: c.explain });
  sendJson(c.res!, 200, {});
  return 200;
};

export const disconnect: Handler = async (c, [ref]) => {
  const b = (await readJson<ConnectBody>(c.req)) ?? {};
  if (!b.Container) throw new ApiError(400, 'Container is required');
  await (await connectMod()).disconnectContainer(ref, b.Container, { explain: c.explain });
  sendJson(c.res!, 200, {});
  return 200;
};

export const prune: Handler = async (c) => {
  if (filterFlags(c.query).length) throw new ApiError(400, "network prune filters are not supported by minidock's Engine API");
  const gone = await (await usernet()).pruneNetworks(c.explain);
  sendJson(c.res!, 200, { NetworksDeleted: gone });
  return 200;
};
