// What macvlan and ipvlan share: a container's interface is a link *of a parent* on the host
// (eth1, an 802.1Q sub-interface eth1.60, or a stand-in of minidock's own), made straight into
// the container's netns — no bridge, no veth, no host end, no NAT: the container has its own
// address on the parent's LAN. Docker's rules (moby's macvlan/ipvlan drivers): a dotted parent
// that does not exist is created as a VLAN sub-interface and removed with the last network
// using it, never one that existed before; no parent means an internal network on a link of
// minidock's own (Docker: a dummy link; where the kernel has none, a veth pair stands in).
import { run } from '../../../host/exec.js';
import { type Op, Plan, applyPlan } from '../../../host/plan.js';
import { UserError } from '../../../errors.js';
import { macForIp, parseCidr, parseIp } from '../cidr.js';
import { macForIp6, parseCidr6, parseIp6 } from '../cidr6.js';
import { allocateAddress } from '../ipam.js';
import type { EndpointRecord, NetworkRecord } from '../networks.js';
import { linkExists } from './bridge.js';
import { type ContainerLink, type CreateSpec, type DiagramPart, type HostObject, type NetworkDriver, insideOps } from './driver.js';

const IFNAME_RE = /^[A-Za-z0-9_.:-]{1,15}$/;

/** minidock's stand-in parent of an internal network (no -o parent): `mdpl-` + 10 hex of its id. */
export function standInName(networkId: string): string {
  return `mdpl-${networkId.slice(0, 10)}`;
}

/** The veth stand-in's other end (the kernel has no dummy links). */
export function standInPeerName(networkId: string): string {
  return `mdpp-${networkId.slice(0, 10)}`;
}

/** A dotted parent `eth1.60`: the base link and the VLAN id, or undefined when not of that form. */
export function vlanOf(parent: string): { base: string; id: number } | undefined {
  const m = /^(.+)\.(\d+)$/.exec(parent);
  return m ? { base: m[1], id: Number(m[2]) } : undefined;
}

/**
 * Whether this kernel can make links of `kind` (macvlan, ipvlan, vlan, dummy), tried in a
 * throwaway network namespace of its own (`unshare --net`), so nothing on the host changes.
 */
export async function kernelHasLink(kind: 'macvlan' | 'ipvlan' | 'vlan' | 'dummy'): Promise<boolean> {
  const add = {
    macvlan: 'link add link p0 name p2 type macvlan mode bridge',
    ipvlan: 'link add link p0 name p2 type ipvlan mode l2',
    vlan: 'link add link p0 name p0.5 type vlan id 5',
    dummy: 'link add p2 type dummy',
  }[kind];
  const r = await run('unshare', ['--net', 'ip', '-batch', '-'], { input: `link add p0 type veth peer name p1\n${add}\n`, allowFail: true });
  return r.code === 0 || !/Unknown device type|not supported/i.test(r.stderr);
}

/** The kernel config option a missing link type needs, for the refusal line. */
const KCONFIG = { macvlan: 'CONFIG_MACVLAN', ipvlan: 'CONFIG_IPVLAN', vlan: 'CONFIG_VLAN_8021Q', dummy: 'CONFIG_DUMMY' } as const;

export function missingKernel(kind: keyof typeof KCONFIG, what: string): UserError {
  const name = kind === 'vlan' ? '802.1Q VLAN' : kind;
  return new UserError(`this kernel has no ${name} links (${KCONFIG[kind]}): ${what}`);
}

/** A link on the host and its kind (`ip -d link`), or undefined when there is none of that name. */
async function linkInfo(name: string): Promise<{ kind?: string } | undefined> {
  const r = await run('ip', ['-j', '-d', 'link', 'show', 'dev', name], { allowFail: true });
  if (r.code !== 0) return undefined;
  try {
    const j = JSON.parse(r.stdout) as { linkinfo?: { info_kind?: string } }[];
    return j.length ? { kind: j[0].linkinfo?.info_kind } : undefined;
  } catch {
    return undefined;
  }
}

/** What a driver on a parent link adds to the shared behaviour. */
export interface LowerKind {
  /** macvlan | ipvlan: the link type and the driver's name. */
  kind: 'macvlan' | 'ipvlan';
  /** Checks the driver's own -o options (modes). Pure. */
  checkOptions(o: Record<string, string>): void;
  /** `mode bridge` / `mode l2 bridge`: the words after `type KIND` in `ip link add`. */
  typeArgs(rec: NetworkRecord): string[];
  /** A short description of the mode: "mode bridge", "mode l3". */
  modeText(rec: NetworkRecord): string;
  /** Whether a network on the same parent may share it with this one (Docker's rules), or why not. */
  shareRefusal(rec: { options: Record<string, string> }, other: NetworkRecord, parent: string): string | undefined;
  /** ipvlan l3/l3s: no gateway, `default dev eth0`. */
  routed(rec: NetworkRecord): boolean;
  /** Whether each interface gets a MAC of its own (macvlan) or has the parent's (ipvlan, macvlan passthru). */
  ownMac(rec: NetworkRecord): boolean;
  /** -o minidock.host_link=true: the host link (macvlan only), or undefined. */
  hostLink?: HostLinkPart;
}

/** The well-known fix for host ↔ container reachability: a link of the same kind on the host. */
export interface HostLinkPart {
  name(networkId: string): string;
  ops(rec: NetworkRecord, name: string, address: string): Op[];
}

export const HOST_LINK_OPT = 'minidock.host_link';
/** Who holds the host link's address in the network's IPAM file. */
const HOST_LINK_OWNER = 'host-link';

/** The network's parent as containers use it. */
function parentOf(rec: NetworkRecord): string {
  return rec.Parent!;
}

/** The ops that make the network's own links that are missing now (the stand-in, the sub-interface, the host link). */
function madeOps(k: LowerKind, rec: NetworkRecord, exists: (n: string) => boolean): Op[] {
  const plan = new Plan();
  for (const m of rec.Made ?? []) {
    if (exists(m.ifname)) continue;
    const del = [{ kind: 'ip' as const, args: ['link', 'del', m.ifname], why: `remove ${m.ifname}` }];
    if (m.kind === 'dummy') {
      plan.ip(['link', 'add', m.ifname, 'type', 'dummy'], `create a dummy link ${m.ifname} as the parent of the internal network "${rec.Name}": its containers reach each other, nothing else`, del);
      plan.ip(['link', 'set', m.ifname, 'up'], `bring ${m.ifname} up`);
    } else if (m.kind === 'veth') {
      const peer = `mdpp-${m.ifname.slice(5)}`;
      plan.ip(['link', 'add', m.ifname, 'type', 'veth', 'peer', 'name', peer],
        `create a veth pair ${m.ifname}/${peer} as the parent of the internal network "${rec.Name}" (this kernel has no dummy links; a veth pair with nothing on its other end stands in): its containers reach each other, nothing else`, del);
      plan.ip(['link', 'set', peer, 'up'], `bring the stand-in's other end up (a veth has carrier only when both ends are up)`);
      plan.ip(['link', 'set', m.ifname, 'up'], `bring ${m.ifname} up`);
    } else if (m.kind === 'vlan') {
      const v = vlanOf(m.ifname)!;
      plan.ip(['link', 'add', 'link', v.base, 'name', m.ifname, 'type', 'vlan', 'id', String(v.id)],
        `create the 802.1Q sub-interface ${m.ifname} on ${v.base}: frames from network "${rec.Name}" leave ${v.base} tagged with VLAN ${v.id}`, del);
      plan.ip(['link', 'set', m.ifname, 'up'], `bring the sub-interface ${m.ifname} up`);
    } else if (m.kind === 'hostlink' && k.hostLink) {
      if (rec.HostLinkAddress) plan.add(...k.hostLink.ops(rec, m.ifname, rec.HostLinkAddress).map((o, i) => (i === 0 ? { ...o, undo: del } : o)));
    }
  }
  return plan.ops;
}

function describeParent(rec: NetworkRecord): string {
  const parent = parentOf(rec);
  const v = vlanOf(parent);
  const sub = rec.Made?.some((m) => m.kind === 'vlan' && m.ifname === parent);
  if (rec.Made?.some((m) => (m.kind === 'dummy' || m.kind === 'veth') && m.ifname === parent)) return `${parent} (minidock's own: no -o parent, an internal network)`;
  return v && sub ? `${parent} (802.1Q sub-interface of ${v.base}, VLAN ${v.id})` : parent;
}

/** Builds a driver on a parent link from what its kind adds. */
export function lowerLinkDriver(k: LowerKind): NetworkDriver {
  return {
    name: k.kind,
    caps: { publish: false, embeddedDns: true, hostEnd: false, firewall: false, gatewayModes: false },
    publishRefusal: `port publishing (-p) is not available on ${k.kind} networks: the container has its own address on the parent's LAN, reach it there`,
    check(spec: CreateSpec) {
      const o = spec.options;
      k.checkOptions(o);
      const parent = o.parent;
      if (parent === 'lo') throw new UserError(`loopback interface is not a valid ${k.kind} parent link`);
      if (parent !== undefined && !IFNAME_RE.test(parent)) throw new UserError(`invalid parent ${JSON.stringify(parent)}: an interface name of 1-15 characters`);
      const v = parent !== undefined ? vlanOf(parent) : undefined;
      if (v && (v.id < 1 || v.id > 4094)) throw new UserError(`vlan id must be between 1-4094, received: ${v.id}`);
      const hl = o[HOST_LINK_OPT];
      if (hl !== undefined) {
        if (hl !== 'true' && hl !== 'false') throw new UserError(`invalid ${HOST_LINK_OPT} ${JSON.stringify(hl)}: true or false`);
        if (hl === 'true') {
          if (!k.hostLink) throw new UserError(`${HOST_LINK_OPT} is for macvlan networks`);
          if (!parent || spec.internal) throw new UserError(`${HOST_LINK_OPT} needs -o parent and a network that is not internal`);
          if (spec.ipv4 === false) throw new UserError(`${HOST_LINK_OPT} needs IPv4 (the host link's address is an IPv4 one): not on an --ipv4=false network`);
          if ((o.macvlan_mode ?? 'bridge') !== 'bridge') throw new UserError(`${HOST_LINK_OPT} needs macvlan_mode=bridge (in mode ${o.macvlan_mode} the host link cannot reach the containers either)`);
        }
      }
    },
    async prepare(spec, id, nets) {
      if (!(await kernelHasLink(k.kind))) throw missingKernel(k.kind, `cannot create ${k.kind} networks`);
      const fields: Partial<NetworkRecord> = {};
      const made: { ifname: string; kind: string }[] = [];
      let parent = spec.options.parent;
      if (!parent) {
        // Docker: no parent = an internal network on a link of the driver's own.
        parent = standInName(id);
        fields.Internal = true;
        made.push({ ifname: parent, kind: (await kernelHasLink('dummy')) ? 'dummy' : 'veth' });
      } else {
        const have = await linkInfo(parent);
        const v = vlanOf(parent);
        if (have) {
          // made by minidock for another network: removed with the last network using it
          const inherited = nets.find((n) => n.Parent === parent && n.Made?.some((m) => m.ifname === parent));
          if (inherited) made.push(...inherited.Made!.filter((m) => m.ifname === parent));
        } else if (v) {
          if (!(await linkInfo(v.base))) throw new UserError(`-o parent interface was not found on the host: ${v.base}`);
          if (!(await kernelHasLink('vlan'))) throw missingKernel('vlan', `cannot create the sub-interface ${parent}`);
          made.push({ ifname: parent, kind: 'vlan' });
        } else {
          throw new UserError(`the requested parent interface ${parent} was not found on the host`);
        }
        for (const other of nets) {
          if (other.Parent !== parent) continue;
          const why = k.shareRefusal(spec, other, parent);
          if (why) throw new UserError(why);
        }
      }
      fields.Parent = parent;
      if (spec.options[HOST_LINK_OPT] === 'true' && k.hostLink) {
        made.push({ ifname: k.hostLink.name(id), kind: 'hostlink' });
        // the host link's own address, taken from the network's pool so no container gets it
        fields.HostLinkAddress = allocateAddress(id, spec.subnet!, spec.gateway!, HOST_LINK_OWNER, undefined, spec.ipRange);
      }
      fields.Made = made;
      return fields;
    },
    describe(rec) {
      const lines = [
        `# network ${rec.Name}: ${k.kind} (${k.modeText(rec)}) on ${describeParent(rec)}${rec.Subnet ? `, subnet ${rec.Subnet}` : ', IPv6 only'}${rec.Subnet6 ? `, IPv6 subnet ${rec.Subnet6}` : ''}${k.routed(rec) ? ', no gateway (routed: default dev eth0)' : `, gateway ${[rec.Gateway, rec.Gateway6].filter(Boolean).join(' and ')}`}${rec.Internal ? ', internal (no way out)' : ''}`,
        `# each container gets a ${k.kind} link of ${rec.Parent}${k.ownMac(rec) ? ' with a MAC of its own' : " sharing the parent's MAC"}, made straight into its netns: no bridge, no veth, no NAT, no published ports`,
      ];
      if (k.hostLink && !rec.Made?.some((m) => m.kind === 'hostlink') && !rec.Internal) {
        lines.push(`# the host itself cannot reach these containers through ${rec.Parent} (the kernel keeps a parent and its ${k.kind} children apart); -o ${HOST_LINK_OPT}=true adds a ${k.kind} link on the host for that`);
      }
      return lines.join('\n');
    },
    async createOps(rec) {
      return madeOps(k, rec, linkExists);
    },
    async removeOps(rec, others) {
      const ops: Op[] = [];
      // the host link first (its route goes with it), then the parent minidock made, if no other network uses it
      const order = [...(rec.Made ?? [])].sort((a, b) => (a.kind === 'hostlink' ? -1 : b.kind === 'hostlink' ? 1 : 0));
      for (const m of order) {
        if (!linkExists(m.ifname)) continue;
        if (m.ifname === rec.Parent && others.some((o) => o.Parent === rec.Parent)) continue;
        const what = m.kind === 'vlan' ? `the sub-interface ${m.ifname} (minidock made it for this network)` : m.kind === 'hostlink' ? `the host link ${m.ifname} (and its route)` : `the stand-in parent ${m.ifname}`;
        ops.push({ kind: 'ip', args: ['link', 'del', m.ifname], why: `remove ${what}` });
      }
      return ops;
    },
    async ensure(rec, explain) {
      const parent = parentOf(rec);
      const mine = rec.Made?.some((m) => m.ifname === parent);
      if (!mine && !linkExists(parent)) throw new UserError(`the parent interface ${parent} of network ${rec.Name} is gone from the host`);
      const ops = madeOps(k, rec, linkExists);
      if (ops.length) await applyPlan(ops, { explain });
      return undefined;
    },
    link(rec, containerId, netns, ip, ifname = 'eth0', ip6?: string): ContainerLink {
      return {
        containerId,
        netns,
        hostIf: '',
        ip,
        prefixLen: ip ? parseCidr(rec.Subnet!)!.prefix : 0,
        gateway: ip && !k.routed(rec) ? rec.Gateway! : '',
        // IPv6: the gateway is a router on the parent's LAN too ('' in l3/l3s: default dev eth0)
        ...(ip6 && rec.Subnet6 ? { ip6, prefixLen6: parseCidr6(rec.Subnet6)!.prefix, gateway6: k.routed(rec) ? '' : rec.Gateway6! } : {}),
        mac: !k.ownMac(rec) ? '' : ip ? macForIp(parseIp(ip)!) : macForIp6(parseIp6(ip6!)!),
        ifname,
        defaultRoute: !rec.Internal,
      };
    },
    attachOps(rec, l) {
      const plan = new Plan();
      const dev = l.ifname ?? 'eth0';
      const parent = parentOf(rec);
      const mac = k.ownMac(rec) && l.mac ? ['address', l.mac] : [];
      const note = k.hostLink && !rec.Made?.some((m) => m.kind === 'hostlink') && !rec.Internal ? ` (the host cannot reach it through ${parent}: see ${HOST_LINK_OPT})` : '';
      plan.ip(['link', 'add', 'link', parent, 'name', dev, ...mac, 'netns', l.netns, 'type', k.kind, ...k.typeArgs(rec)],
        `create a ${k.kind} link of ${parent} (${k.modeText(rec)}), made inside ${l.netns} already named ${dev} (same as making it on the host and moving it there)${k.ownMac(rec) ? `, with Docker's MAC 02:42 + the IP's bytes` : ''}${note}`,
        [{ kind: 'ip', netns: l.netns, args: ['link', 'del', dev], why: `remove ${dev} from ${l.netns}` }]);
      const route = !(l.defaultRoute ?? !rec.Internal)
        ? undefined
        : k.routed(rec)
          ? { dev: true as const, why: `default route straight out of ${dev}: in ${k.modeText(rec)} the parent routes, there is no gateway` }
          : { via: l.gateway, why: `default route via the gateway ${l.gateway} (a router on ${parent}'s LAN)` };
      plan.add(...insideOps(l, rec.Subnet, route, rec.Subnet6));
      return plan.ops;
    },
    detachOps(rec: NetworkRecord, ep: EndpointRecord, containerName: string): Op[] {
      const dev = ep.ifname ?? 'eth0';
      return [{ kind: 'ip', netns: ep.netns, args: ['link', 'del', dev], why: `remove ${dev} of ${containerName} from network ${rec.Name} (the ${k.kind} link of ${rec.Parent})` }];
    },
    // no firewall: the interface is on the parent's LAN, nothing of the host's is in its path
    netIntent: () => undefined,
    portsIntent: () => undefined,
    inspectOptions(rec): Record<string, string> {
      return rec.Options?.parent ? {} : { parent: rec.Parent! };
    },
    diagramOf(rec): DiagramPart {
      const v = vlanOf(rec.Parent!);
      const sub = v && rec.Made?.some((m) => m.kind === 'vlan' && m.ifname === rec.Parent);
      return { device: rec.Parent!, label: `${k.kind} ${k.modeText(rec)} on ${rec.Parent}${v && sub ? ` (VLAN ${v.id} of ${v.base}, made by minidock)` : ''}`, lowerOf: true };
    },
    owned(rec): HostObject[] {
      const made = (rec.Made ?? []).map((m) => ({ ifname: m.ifname, kind: m.kind === 'hostlink' ? k.kind : m.kind, made: true }));
      return made.some((m) => m.ifname === rec.Parent) ? made : [{ ifname: rec.Parent!, kind: '', made: false }, ...made];
    },
  };
}

