// The ipvlan driver (Docker's `-d ipvlan`): each container gets an ipvlan link of the parent,
// sharing its MAC. l2: like macvlan bridge, on the LAN with a gateway; l3/l3s: the parent
// routes, no broadcast, no gateway — the container's default route is `default dev eth0`.
// Flags (ip-link(8)): bridge (default) — children reach each other; private — they do not;
// vepa — their traffic goes out to the switch.
import { UserError } from '../../../errors.js';
import { type LowerKind, lowerLinkDriver } from './lowerlink.js';

const MODES = ['l2', 'l3', 'l3s'];
const FLAGS = ['bridge', 'private', 'vepa'];
const modeOf = (o: Record<string, string> | undefined) => o?.ipvlan_mode || 'l2';
const flagOf = (o: Record<string, string> | undefined) => o?.ipvlan_flag || 'bridge';

const ipvlan: LowerKind = {
  kind: 'ipvlan',
  checkOptions(o) {
    if (o.ipvlan_mode !== undefined && !MODES.includes(o.ipvlan_mode)) throw new UserError(`requested ipvlan mode '${o.ipvlan_mode}' is not valid, 'l2' mode is the ipvlan driver default`);
    if (o.ipvlan_flag !== undefined && !FLAGS.includes(o.ipvlan_flag)) throw new UserError(`requested ipvlan flag '${o.ipvlan_flag}' is not valid, 'bridge' is the ipvlan driver default`);
  },
  typeArgs: (rec) => ['mode', modeOf(rec.Options), flagOf(rec.Options)],
  modeText: (rec) => `mode ${modeOf(rec.Options)} ${flagOf(rec.Options)}`,
  shareRefusal(rec, other, parent) {
    if (other.Driver !== 'ipvlan') return `network ${other.Name} (${other.Driver}) is already using parent interface ${parent}: a link cannot be both a macvlan and an ipvlan parent`;
    // the kernel keeps one mode per parent: a second mode would switch the first network's too
    if (modeOf(other.Options) !== modeOf(rec.options)) return `ipvlan network ${other.Name} is already using parent interface ${parent} in mode ${modeOf(other.Options)}: networks on one parent share its ipvlan mode`;
    return undefined;
  },
  routed: (rec) => modeOf(rec.Options) !== 'l2',
  ownMac: () => false,
};

export const ipvlanDriver = lowerLinkDriver(ipvlan);
