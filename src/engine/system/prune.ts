// `minidock system prune`: Docker's (stopped containers, unused networks, dangling images) plus
// minidock's own reconciliation of the host with its state — what a CLI killed half-way, a
// watcher that died, a reboot or another tool left behind.
//
// Order matters and every step is idempotent, so a prune killed half-way is finished by the next:
//   1. containers whose `rm` was interrupted (a `removing` mark, or a directory without a
//      record: a create killed between mkdir and the record) are removed;
//   2. a container that is not busy (owners.ts) but still holds its network is unwired through
//      the network layer's own teardown (the same plan ops `rm --explain` shows), its cgroup
//      removed; stopped containers are then removed (Docker's prune);
//   3. endpoint files, IPAM allocations and port reservations of no busy container are
//      released, under the `network` lock, re-checking "busy" there;
//   4. the kernel is scanned (in the current network namespace: veths md…, iptables rules in
//      this prefix's chains; globally: /run/netns/minidock-…, cgroups minidock/…) and what is
//      positively this root's and belongs to no busy container is removed with plan ops. "This
//      root's": named after one of its containers (owners.known: the ids are random), a rule
//      carrying its root id (tags.ts), or a bridge its own note in networks/creating/ names.
//      Anything else — another state root's, even when that root shares this network namespace
//      and chain prefix, or one made before root marks that no record proves — is left alone and
//      reported, so a prune in a fresh root touches nothing at all. Hooks are the prefix's,
//      shared by every root using it, and never removed;
//   5. lock directories of dead processes and temporary files of interrupted atomic writes go;
//   6. dangling images and unreferenced layers (image store's own prune).
// Nothing without a minidock name (md…, minidock-…, MINIDOCK… chains, `minidock` comments) is
// ever looked at, let alone removed; nothing of another state root is removed either.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan, type IpOp, type Op } from '../../host/plan.js';
import { run } from '../../host/exec.js';
import { paths } from '../../state/paths.js';
import { reapLocks, withLock } from '../../state/lock.js';
import { files, loadRecord, saveRecord, stateOf } from '../container/record.js';
import { isBusy, lockHolder, ownerOf, pidAlive, readOwners } from './owners.js';
import { listDir, readState } from '../../state/atomic.js';
import { vethOwnerPrefix } from '../network/tags.js';

export interface PruneOptions {
  /** Docker's part too (remove stopped containers, unused networks, dangling images). */
  docker: boolean;
  explain?: (line: string) => void;
}

export interface PruneReport {
  containers: string[];
  networks: string[];
  images: string[];
  reclaimed: number;
  /** minidock's own reconciliation: one line per leftover released */
  repaired: string[];
  /** things that look like minidock's but belong to no container of this root: left alone */
  foreign: string[];
}

const ID_DIR = /^[0-9a-f]{64}$/;

async function network() {
  return import('../network/index.js');
}

/** Releases what a non-busy container still holds (network, cgroup); keeps the container. */
async function unwireIfIdle(id: string, r: PruneReport, explain?: (l: string) => void): Promise<void> {
  await withLock(`c-${id}`, async () => {
    if (isBusyExceptLock(id)) return;
    const rec = loadRecord(id);
    const net = await network();
    const hasNet = existsSync(net.netnsPathOf(id)) || hasEndpoint(id);
    if (rec?.Wired || hasNet) {
      await net.teardownContainerNetwork(id, rec?.NetworkSettings ?? undefined, { explain });
      r.repaired.push(`released the network of ${rec ? rec.Name : id.slice(0, 12)} (its process is gone)`);
    }
    if (removeCgroupOf(id)) r.repaired.push(`removed the cgroup of ${rec ? rec.Name : id.slice(0, 12)}`);
    if (rec?.Wired) {
      rec.Wired = false;
      saveRecord(rec, 'state');
    }
  });
}

/** Busy, ignoring the c-<id> lock (which the caller holds). */
function isBusyExceptLock(id: string): boolean {
  const rec = loadRecord(id);
  if (rec && stateOf(rec).Running) return true;
  return liveShim(id);
}

function liveShim(id: string): boolean {
  // cheap: only the processes whose cmdline names this container's directory
  for (const pid of listDir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.startsWith('/') && cmd.split('\0')[0].endsWith('minidock-shim') && cmd.includes(files.dir(id) + '/')) return true;
  }
  return false;
}

function hasEndpoint(id: string): boolean {
  return listDir(join(paths.networks(), 'endpoints')).some((f) => f === `${id}.json` || f.startsWith(`${id}-`));
}

let cgroupsMod: typeof import('../../runtime/cgroups.js') | undefined;
async function loadCgroups(): Promise<void> {
  try {
    cgroupsMod = await import('../../runtime/cgroups.js');
  } catch {
    cgroupsMod = undefined;
  }
}

function removeCgroupOf(id: string): boolean {
  if (!cgroupsMod) return false;
  try {
    if (cgroupsMod.existingCgroupDirs(id).length === 0) return false;
    cgroupsMod.removeCgroup(id);
    return cgroupsMod.existingCgroupDirs(id).length === 0;
  } catch {
    return false;
  }
}

/** Finishes an interrupted removal / create. */
async function finishRemoval(id: string, r: PruneReport, explain?: (l: string) => void): Promise<boolean> {
  return withLock(`c-${id}`, async () => {
    const dir = files.dir(id);
    if (!existsSync(dir)) return false;
    const rec = loadRecord(id);
    const interrupted = existsSync(files.removing(id)) || !rec;
    if (!interrupted || isBusyExceptLock(id)) return false;
    // A directory without a record: `create` holds the `containers` lock from mkdir to the
    // record, so while a live process holds it, this one may still be being created.
    if (!rec && lockHolder('containers') !== undefined) return false;
    const net = await network();
    await net.teardownContainerNetwork(id, rec?.NetworkSettings ?? undefined, { explain });
    removeCgroupOf(id);
    rmSync(dir, { recursive: true, force: true });
    r.repaired.push(`finished removing ${rec ? rec.Name : id.slice(0, 12)} (an interrupted ${rec ? 'rm' : 'create or rm'})`);
    return true;
  });
}

export async function systemPrune(o: PruneOptions): Promise<PruneReport> {
  const r: PruneReport = { containers: [], networks: [], images: [], reclaimed: 0, repaired: [], foreign: [] };
  const explain = o.explain;
  await loadCgroups();

  // 1 + 2: containers.
  for (const id of listDir(paths.containers()).filter((n) => ID_DIR.test(n))) {
    if (await finishRemoval(id, r, explain)) continue;
    const rec = loadRecord(id);
    if (!rec) continue;
    await unwireIfIdle(id, r, explain);
    if (!o.docker) continue;
    const st = stateOf(rec);
    if (st.Running || isBusy(id)) continue;
    const { removeContainer } = await import('../container/lifecycle.js');
    try {
      await removeContainer(id, { force: false, explain });
      r.containers.push(id);
    } catch {
      /* started meanwhile */
    }
  }

  // 3 + 4: network state and kernel objects.
  await reconcileNetwork(r, explain);
  await reconcileOverlay(r, explain);
  reconcileCgroups(r);

  // Docker's unused networks: user-defined networks no container is attached to.
  if (o.docker) await pruneNetworks(r, explain);
  await reconcileBridges(r, explain);

  // 5: locks and temporary files of dead processes.
  cleanLocks(r);
  cleanTmpFiles(r);

  // 6: images.
  if (o.docker) {
    try {
      const { pruneImages } = await import('../image/remove.js');
      const p = await pruneImages([]);
      r.images.push(...p.lines);
      r.reclaimed += p.reclaimed;
    } catch (e) {
      r.repaired.push(`image prune failed: ${(e as Error).message}`);
    }
  }
  return r;
}

// ---------------------------------------------------------------- network reconciliation

interface LinkJson {
  ifname: string;
  linkinfo?: { info_kind?: string };
  master?: string;
}

async function hostLinks(): Promise<LinkJson[]> {
  const res = await run('ip', ['-j', '-d', 'link', 'show'], { allowFail: true });
  if (res.code !== 0) return [];
  return JSON.parse(res.stdout || '[]') as LinkJson[];
}

export { vethOwnerPrefix };

/** The id prefix of a container netns name (`minidock-<12hex>`). */
export function netnsOwnerPrefix(name: string): string | undefined {
  const m = /^minidock-([0-9a-f]{12})$/.exec(name);
  return m ? m[1] : undefined;
}

/** `minidock <12hex> <name>` → the 12 hex of the container a rule belongs to. */
export function ruleOwnerPrefix(comment: string): string | undefined {
  const m = /^minidock ([0-9a-f]{12})(?: |$)/.exec(comment);
  return m ? m[1] : undefined;
}

async function reconcileNetwork(r: PruneReport, explain?: (l: string) => void): Promise<void> {
  const net = await network();
  const { listNetworkRecords, endpointsDir } = await import('../network/networks.js');
  const { releaseAddresses, readIpam } = await import('../network/ipam.js');
  const { readHeldPorts, releasePorts } = await import('../network/portalloc.js');

  // Endpoints of containers that are not busy (or not of this root any more): full teardown.
  let owners = readOwners();
  const epIds = new Set(listDir(endpointsDir()).map((f) => /^([0-9a-f]{64})(?:-[0-9a-f]+)?\.json$/.exec(f)?.[1]).filter((x): x is string => !!x));
  for (const id of epIds) {
    if (owners.busy.has(id)) continue;
    if (owners.all.includes(id)) {
      await unwireIfIdle(id, r, explain);
      continue;
    }
    await net.teardownContainerNetwork(id, undefined, { explain });
    r.repaired.push(`released the network endpoint of a container that no longer exists (${id.slice(0, 12)})`);
  }

  // Addresses and ports held for containers that are neither busy nor wired.
  await withLock('network', () => {
    owners = readOwners();
    const keep = (id: string) => owners.busy.has(id) || (owners.all.includes(id) && (loadRecord(id)?.Wired ?? false));
    for (const n of listNetworkRecords()) {
      const st = readIpam(n.Id);
      if (!st) continue;
      for (const [ip, id] of Object.entries(st.allocated)) {
        if (keep(id) || isBusy(id)) continue;
        releaseAddresses(n.Id, id);
        r.repaired.push(`released address ${ip} on ${n.Name} (held for ${id.slice(0, 12)}, which holds nothing)`);
      }
    }
    for (const h of readHeldPorts()) {
      if (keep(h.containerId) || isBusy(h.containerId)) continue;
      releasePorts(h.containerId);
      r.repaired.push(`released host port ${h.hostIp || '0.0.0.0'}:${h.hostPort}/${h.proto} (held for ${h.containerId.slice(0, 12)})`);
    }
    // IPAM files of networks that no longer exist.
    const netIds = new Set(listNetworkRecords().map((n) => n.Id));
    for (const f of listDir(join(paths.networks(), 'ipam'))) {
      const nid = f.replace(/\.json$/, '');
      if (/^[0-9a-f]{64}\.json$/.test(f) && !netIds.has(nid)) {
        rmSync(join(paths.networks(), 'ipam', f), { force: true });
        r.repaired.push(`removed the address table of a network that no longer exists (${nid.slice(0, 12)})`);
      }
    }
  });

  // The kernel, under the `network` lock: a network being created has its rules before its
  // record, and a container being wired is busy (it holds its own lock).
  await withLock('network', async () => {
    // The kernel. Re-read owners: teardowns above changed nothing busy, but time passed.
    owners = readOwners();
    const wiredIds = owners.all.filter((id) => owners.busy.has(id) || loadRecord(id)?.Wired);
    // What this root can prove is its own: its containers (owners.known) and its networks.
    // Everything else named like minidock's is another root's (or made by hand): left alone.
    const ownIds = owners.known;
    const ops: Op[] = [];
    const why: string[] = [];

    // veths in this network namespace.
    const links = await hostLinks();
    const orphanVeth = new Set<string>();
    for (const l of links) {
      if (l.linkinfo?.info_kind !== 'veth') continue;
      const p = vethOwnerPrefix(l.ifname);
      if (!p) continue;
      if (!ownerOf(p, ownIds)) {
        r.foreign.push(`veth ${l.ifname}: no container of this state root owns it; left alone`);
        continue;
      }
      if (ownerOf(p, wiredIds)) continue;
      orphanVeth.add(p);
      ops.push({ kind: 'ip', args: ['link', 'del', l.ifname], why: `remove the leftover veth pair ${l.ifname}: its container holds no network any more` });
      why.push(`removed veth ${l.ifname} (its container holds no network any more)`);
    }

    // netns: only those of this root's containers (or whose veth was one of this root's).
    for (const name of listDir('/run/netns')) {
      const p = netnsOwnerPrefix(name);
      if (!p) continue;
      const owner = ownerOf(p, ownIds);
      if (owner && (owners.busy.has(owner) || loadRecord(owner)?.Wired)) continue;
      if (owner || orphanVeth.has(p)) {
        ops.push({ kind: 'ip', args: ['netns', 'del', name], why: `remove the leftover network namespace ${name}: its container holds no network any more` } satisfies IpOp);
        why.push(`removed network namespace ${name} (its container holds no network any more)`);
      } else {
        r.foreign.push(`network namespace ${name}: no container of this state root (${paths.root()}) owns it; left alone`);
      }
    }

    // Firewall rules this root made that nothing owns now, in every backend (firewall/*.ts:
    // the root id in their comment, or, for rules made before root marks, its records prove it).
    const { allOrphans } = await import('../network/firewall/index.js');
    const { rootIdIfAny } = await import('../../state/rootid.js');
    const { driverOf } = await import('../network/drivers/index.js');
    // as their drivers describe them (an overlay network's bridge is not in its record)
    const networks = listNetworkRecords().flatMap((n) => {
      const i = driverOf(n)?.caps.firewall ? driverOf(n)!.netIntent(n) : undefined;
      return i ? [{ name: i.name, bridge: i.bridge, subnet: i.subnet ?? '', internal: !!i.internal }] : [];
    });
    const orphans = await allOrphans({ root: rootIdIfAny(), ids: ownIds, wiredIds, networks, containers: [] });
    ops.unshift(...orphans.map((o) => o.op));
    why.unshift(...orphans.map((o) => o.why));

    if (ops.length) {
      await applyPlan(ops, { explain, tolerant: true });
      r.repaired.push(...why);
    }
  });
}

/** A killed overlay run's bridge, VXLAN (with its FDB/neighbour entries) and store keys (cluster/prune.ts). */
async function reconcileOverlay(r: PruneReport, explain?: (l: string) => void): Promise<void> {
  if (!(await import('../cluster/host.js')).hasOverlayState()) return;
  const { pruneOverlayHost } = await import('../cluster/prune.js');
  await pruneOverlayHost(r, explain);
}

function reconcileCgroups(r: PruneReport): void {
  if (!cgroupsMod) return;
  let ids: string[] = [];
  try {
    ids = cgroupsMod.listCgroupIds();
  } catch {
    return;
  }
  const owners = readOwners();
  for (const id of ids) {
    if (owners.busy.has(id)) continue;
    // A cgroup is named after its container's (random) id: only this root's containers' are its
    // own. Another root's, even empty and old, is that root's to remove.
    if (!owners.all.includes(id)) {
      r.foreign.push(`cgroup minidock/${id.slice(0, 12)}: no container of this state root owns it; left alone`);
      continue;
    }
    if (removeCgroupOf(id)) r.repaired.push(`removed cgroup minidock/${id.slice(0, 12)} (no running container)`);
  }
}

async function pruneNetworks(r: PruneReport, explain?: (l: string) => void): Promise<void> {
  // The default networks (bridge, host, none) are never pruned; user networks no container uses are.
  const { pruneNetworks: prune } = await import('../network/usernet.js');
  r.networks.push(...(await prune(explain)));
}

/** `mdbr-<10hex>`: the bridge of a user network (usernet.ts userBridgeName). */
export function isUserBridgeName(name: string): boolean {
  return /^mdbr-[0-9a-f]{10}$/.test(name);
}

/**
 * Bridges of a `network create` of this root that was killed half-way: named by a note in
 * networks/creating/ (written before the bridge, removed once the record is), with no record.
 * Any other bridge, named like minidock's or not, is not known as this root's: left alone.
 */
async function reconcileBridges(r: PruneReport, explain?: (l: string) => void): Promise<void> {
  const { listNetworkRecords } = await import('../network/networks.js');
  const { pendingCreateFile } = await import('../network/usernet.js');
  await withLock('network', async () => {
    const records = listNetworkRecords();
    const named = new Set(records.map((n) => n.Bridge).filter(Boolean));
    // links a network of this root uses or made (a parent, a sub-interface, a stand-in, a host link)
    const used = new Set(records.flatMap((n) => [n.Parent, ...(n.Made ?? []).map((m) => m.ifname)]).filter(Boolean));
    const ids = new Set(records.map((n) => n.Id));
    const links = await hostLinks();
    const ops: Op[] = [];
    const done: string[] = [];
    for (const f of listDir(join(paths.networks(), 'creating'))) {
      const m = /^([0-9a-f]{64})\.json$/.exec(f);
      if (!m) continue;
      const file = pendingCreateFile(m[1]);
      // A damaged note reads as none: its bridge is then left alone (and the note removed).
      const note = readState<{ Name?: string; Bridge?: string; Links?: { ifname: string; kind: string }[] }>(file, 'cache');
      const bridge = note?.Bridge;
      // the links a macvlan/ipvlan create makes (never one another network uses: it predates this create)
      for (const want of note?.Links ?? []) {
        if (want.kind === 'bridge' || ids.has(m[1]) || used.has(want.ifname)) continue;
        const kind = want.kind === 'hostlink' ? 'macvlan' : want.kind;
        const have = links.find((x) => x.ifname === want.ifname && x.linkinfo?.info_kind === kind);
        if (!have) continue;
        ops.push({ kind: 'ip', args: ['link', 'del', have.ifname], why: `remove the leftover ${kind} link ${have.ifname}: an interrupted network create of this root made it` });
        r.repaired.push(`removed ${kind} link ${have.ifname} (an interrupted network create${note?.Name ? ` of ${note.Name}` : ''})`);
      }
      const l = bridge && !ids.has(m[1]) && !named.has(bridge) ? links.find((x) => x.ifname === bridge && x.linkinfo?.info_kind === 'bridge') : undefined;
      if (l && links.some((x) => x.master === l.ifname)) {
        r.foreign.push(`bridge ${l.ifname}: an interrupted network create of this root made it, but interfaces are plugged into it; left alone`);
        continue;
      }
      if (l) {
        ops.push({ kind: 'ip', args: ['link', 'del', l.ifname], why: `remove the leftover bridge ${l.ifname}: an interrupted network create of this root made it` });
        r.repaired.push(`removed bridge ${l.ifname} (an interrupted network create${note?.Name ? ` of ${note.Name}` : ''})`);
      }
      done.push(file);
    }
    for (const l of links) {
      if (l.linkinfo?.info_kind !== 'bridge' || !isUserBridgeName(l.ifname) || named.has(l.ifname)) continue;
      if (ops.some((o) => o.kind === 'ip' && o.args[2] === l.ifname)) continue;
      r.foreign.push(`bridge ${l.ifname}: no network of this state root owns it; left alone`);
    }
    if (ops.length) await applyPlan(ops, { explain, tolerant: true });
    for (const f of done) rmSync(f, { force: true });
  });
}

function cleanLocks(r: PruneReport): void {
  // Freed the way a waiter takes a lock over (lock.ts), so a lock taken meanwhile is never removed.
  for (const name of reapLocks()) r.repaired.push(`removed lock ${name} of a dead process`);
}

/** `<file>.tmp-<pid>-<n>` left by an atomic write whose process died before the rename. */
function cleanTmpFiles(r: PruneReport): void {
  const walk = (dir: string, depth: number): void => {
    for (const n of listDir(dir)) {
      const p = join(dir, n);
      const m = /\.tmp-(\d+)-\d+$/.exec(n);
      if (m) {
        if (!pidAlive(Number(m[1]))) {
          rmSync(p, { force: true });
          r.repaired.push(`removed ${p.slice(paths.root().length + 1)} (an interrupted write)`);
        }
        continue;
      }
      if (depth > 0 && !['upper', 'work', 'rootfs', 'layers', 'blobs'].includes(n)) {
        let isDir = false;
        try {
          isDir = statSync(p).isDirectory();
        } catch {
          /* gone */
        }
        if (isDir) walk(p, depth - 1);
      }
    }
  };
  walk(paths.root(), 3);
}

