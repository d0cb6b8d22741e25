// The macvlan driver (Docker's `-d macvlan`): each container gets a macvlan link of the parent
// with a MAC of its own, so it is one more machine on the parent's LAN. Modes as the kernel
// defines them (ip-link(8)): bridge — children of one parent reach each other directly;
// private — they do not; vepa — their traffic goes out to the switch (which may send it
// back); passthru — one child only, it takes the parent over (so the parent cannot be shared).
import { UserError } from '../../../errors.js';
import { Plan } from '../../../host/plan.js';
import { type LowerKind, lowerLinkDriver } from './lowerlink.js';

const MODES = ['bridge', 'private', 'vepa', 'passthru'];
const modeOf = (o: Record<string, string> | undefined) => o?.macvlan_mode || 'bridge';

const macvlan: LowerKind = {
  kind: 'macvlan',
  checkOptions(o) {
    if (o.macvlan_mode !== undefined && !MODES.includes(o.macvlan_mode)) {
      throw new UserError(`requested macvlan mode '${o.macvlan_mode}' is not valid, 'bridge' mode is the macvlan driver default`);
    }
  },
  typeArgs: (rec) => ['mode', modeOf(rec.Options)],
  modeText: (rec) => `mode ${modeOf(rec.Options)}`,
  shareRefusal(rec, other, parent) {
    if (other.Driver !== 'macvlan') return `network ${other.Name} (${other.Driver}) is already using parent interface ${parent}: a link cannot be both a macvlan and an ipvlan parent`;
    if (modeOf(rec.options) === 'passthru') return `cannot use mode passthru, macvlan network ${other.Id} is already using parent interface ${parent}`;
    if (modeOf(other.Options) === 'passthru') return `macvlan network ${other.Id} is already using parent interface ${parent} in mode passthru`;
    return undefined;
  },
  routed: () => false,
  ownMac: (rec) => modeOf(rec.Options) !== 'passthru', // passthru: the parent's own MAC
  hostLink: {
    name: (id) => `mdhl-${id.slice(0, 10)}`,
    // What the tutorials type to let the host talk to its macvlan containers.
    ops(rec, name, address) {
      const to = rec.IPRange ?? rec.Subnet!;
      return new Plan()
        .ip(['link', 'add', name, 'link', rec.Parent!, 'type', 'macvlan', 'mode', 'bridge'],
          `the host cannot reach its own macvlan containers through ${rec.Parent} (the kernel keeps a parent and its children apart): a macvlan link of its own on ${rec.Parent}, in mode bridge, can`)
        .ip(['addr', 'add', `${address}/32`, 'dev', name], `give the host link an address of the network (${address}, reserved in its pool)`)
        .ip(['link', 'set', name, 'up'], `bring the host link up`)
        .ip(['route', 'add', to, 'dev', name], `route the network's ${rec.IPRange ? 'range' : 'subnet'} ${to} through the host link`).ops;
    },
  },
};

export const macvlanDriver = lowerLinkDriver(macvlan);
