// IPv6 forwarding, only as far as minidock needs it, without breaking the host's own IPv6.
//
// The kernel forwards IPv6 only with net.ipv6.conf.all.forwarding=1 (the per-interface flag
// does not route: ip6_forward checks `all`). But writing `all` also sets every interface's
// (and `default`'s) forwarding flag, and an interface with forwarding=1 acts as a router: with
// accept_ra=1 it ignores Router Advertisements — and turning forwarding on drops the default
// routes learnt from them at once (rt6_purge_dflt_routers skips only accept_ra=2). A host whose
// uplink is configured by RA (SLAAC) would lose its IPv6 default route. So, when `all` is off:
//   1. interfaces with accept_ra=1 and forwarding=0 get accept_ra=2 for a moment (kept routes),
//   2. all.forwarding=1,
//   3. every interface (and `default`) whose forwarding was 0 gets 0 back: it behaves as a
//      host again (RAs accepted with accept_ra=1), while packets are still forwarded,
//   4. accept_ra goes back to 1.
// accept_ra and each interface's forwarding end as they were; only `all` changed. Tested with
// a real RA in a netns (test/integration/ipv6-core.test.ts).
import { readdirSync } from 'node:fs';
import { type Op, Plan } from '../../host/plan.js';
import { readText } from '../../state/atomic.js';

const CONF = '/proc/sys/net/ipv6/conf';

function read(iface: string, key: string): string | undefined {
  return readText(`${CONF}/${iface}/${key}`)?.trim();
}

/** The sysctl key of an interface's setting: sysctl(8) writes a dot in a name as '/'. */
function key(iface: string, what: string): string {
  return `net.ipv6.conf.${iface.replace(/\./g, '/')}.${what}`;
}

/** Whether IPv6 forwarding is on in this netns (one /proc read). */
export function ipv6ForwardingOn(): boolean {
  return read('all', 'forwarding') === '1';
}

/** The ops that turn IPv6 forwarding on as above; [] when it is on already. Reads /proc only. */
export function ipv6ForwardingOps(): Op[] {
  if (ipv6ForwardingOn()) return [];
  let ifaces: string[] = [];
  try {
    ifaces = readdirSync(CONF).filter((i) => i !== 'all');
  } catch {
    return []; // no IPv6 in this kernel: the caller refuses earlier
  }
  const was = ifaces.map((i) => ({ i, fwd: read(i, 'forwarding'), ra: read(i, 'accept_ra') }));
  const keepRa = was.filter((w) => w.i !== 'default' && w.fwd === '0' && w.ra === '1').map((w) => w.i);
  const plan = new Plan();
  for (const i of keepRa) {
    plan.sysctl(key(i, 'accept_ra'), '2', `keep ${i} accepting Router Advertisements while forwarding switches on (with accept_ra=1 the kernel would drop its RA default route)`);
  }
  plan.sysctl('net.ipv6.conf.all.forwarding', '1', `turn on IPv6 forwarding: the host routes between containers and the outside (this also sets every interface's forwarding flag)`);
  for (const w of was.filter((x) => x.fwd === '0')) {
    plan.sysctl(key(w.i, 'forwarding'), '0', `${w.i} back to forwarding=0 as it was: it stays a host there (accepts RAs), packets are still forwarded`);
  }
  for (const i of keepRa) plan.sysctl(key(i, 'accept_ra'), '1', `${i}'s accept_ra back to 1, as it was`);
  return plan.ops;
}
