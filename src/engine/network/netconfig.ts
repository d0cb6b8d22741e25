// The networking keys of config.json (Docker daemon.json's names): "ipv6" and "fixed-cidr-v6"
// for the default `bridge` network, "default-address-pools" for the subnets networks get when
// none is given. Checked here, once, with one line naming the key and the file.
import { UserError } from '../../errors.js';
import { configPath, readConfig } from '../../state/config.js';

export interface NetConfig {
  /** "ipv6": the default bridge network has IPv6 (Docker: false). */
  ipv6: boolean;
  /** "fixed-cidr-v6": the default bridge's IPv6 subnet (else one from the pools). */
  fixedCidrV6?: string;
  /** "default-address-pools": [{ "base": CIDR, "size": N }, …] of either family. */
  pools?: { base?: unknown; size?: unknown }[];
}

export function networkConfig(): NetConfig {
  const cfg = readConfig<Record<string, unknown>>('fix it (a JSON object, e.g. {"ipv6": true, "fixed-cidr-v6": "fd00:1::/64"}) or remove it');
  if (!cfg) return { ipv6: false };
  const bad = (key: string, want: string) => new UserError(`invalid "${key}" ${JSON.stringify(cfg[key])} in ${configPath()}: ${want}`);
  const ipv6 = cfg.ipv6;
  if (ipv6 !== undefined && typeof ipv6 !== 'boolean') throw bad('ipv6', 'true or false');
  const fixed = cfg['fixed-cidr-v6'];
  if (fixed !== undefined && typeof fixed !== 'string') throw bad('fixed-cidr-v6', 'an IPv6 CIDR like "fd00:1::/64"');
  const pools = cfg['default-address-pools'];
  if (pools !== undefined && (!Array.isArray(pools) || pools.some((p) => typeof p !== 'object' || p === null || Array.isArray(p)))) {
    throw bad('default-address-pools', 'a list of {"base": CIDR, "size": N}');
  }
  return { ipv6: !!ipv6, ...(fixed ? { fixedCidrV6: fixed } : {}), ...(pools ? { pools: pools as NetConfig['pools'] } : {}) };
}
