// A CLI SIGKILLed in the middle of an overlay `run` (test/helpers/cluster.ts, 3 hosts): `system
// prune` and `network prune` remove the bridge, VXLAN (with its FDB/neighbour entries), rules and
// store keys it left — only those of the state root that made them: a second root in the same
// host netns keeps its overlay devices, and a look-alike link nobody's note names stays. The next
// `run` repairs a VXLAN left half made (not plugged into its bridge, down).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, until } from '../helpers/cluster.js';

const c = new Cluster();
const h1 = () => c.hosts[0];
const h2 = () => c.hosts[1];
/** A second state root on host 1 (same netns, same cluster): its overlay devices are its own. */
const rootB = mkdtempSync(join(tmpdir(), 'mdovB-'));
const inB = { MINIDOCK_ROOT: rootB };

beforeAll(async () => {
  await c.start(3);
}, 60_000);
afterAll(() => {
  try {
    h1().run(['rm', '-f', 'cz'], { env: inB });
    h1().run(['network', 'prune', '-f'], { env: inB });
    h1().exec('ip', ['link', 'del', 'mdvx-dec0de0000']);
  } finally {
    c.destroy();
    rmSync(rootB, { recursive: true, force: true });
  }
});

const links = (h = h1()) => (JSON.parse(h.exec('ip', ['-j', 'link', 'show']).stdout || '[]') as { ifname: string }[]).map((l) => l.ifname);
const overlayLinks = (h = h1()) => links(h).filter((l) => /^md(ov|vx)-/.test(l)).sort();
const fdb = (h: typeof c.hosts[0], dev: string) => h.exec('bridge', ['fdb', 'show', 'dev', dev]).stdout;
const rulesNaming = (dev: string) => h1().exec('iptables-save', []).stdout.split('\n').filter((l) => l.includes(dev));
const rootIdOf = (root: string) => readFileSync(join(root, 'networks', 'root-id'), 'utf8').trim();
/** The store's endpoint keys of a host (by its root id). */
function endpointKeysOf(root: string): string[] {
  const r = c.etcdctl(['get', '--prefix', '/minidock/endpoints/']);
  const lines = r.stdout.split('\n').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) if (JSON.parse(lines[i + 1]).host === rootIdOf(root)) out.push(lines[i]);
  return out;
}
const watcherRuns = (root: string) => {
  try {
    const pid = Number(readFileSync(join(root, 'networks', 'overlay', 'watch.pid'), 'utf8'));
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('minidock-ovwatch');
  } catch {
    return false;
  }
};

let netK = '';
let ipB = '';
let macB = '';
let devsB: string[] = [];
let ipK2 = '';

describe('overlay: a killed run leaves nothing prune does not find', () => {
  it('setup: a peer on host 2, a second root with its own overlay on host 1, a look-alike link', async () => {
    netK = h1().ok(['network', 'create', '-d', 'overlay', '--subnet', '10.87.0.0/24', 'ovk']);
    h2().ok(['run', '-d', '--name', 'cb', '--network', 'ovk', 'busybox', 'sleep', '300']);
    ipB = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovk.IPAddress}}', 'cb']);
    macB = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovk.MacAddress}}', 'cb']);
    const netZ = h1().run(['network', 'create', '-d', 'overlay', '--subnet', '10.88.0.0/24', 'ovz'], { env: inB }).stdout.trim();
    expect(netZ).toMatch(/^[0-9a-f]{64}$/);
    expect(h1().run(['run', '-d', '--name', 'cz', '--network', 'ovz', 'busybox', 'sleep', '300'], { env: inB }).code).toBe(0);
    devsB = [`mdov-${netZ.slice(0, 10)}`, `mdvx-${netZ.slice(0, 10)}`].sort();
    expect(h1().exec('ip', ['link', 'add', 'mdvx-dec0de0000', 'type', 'bridge']).code).toBe(0);
    expect(overlayLinks()).toEqual([...devsB, 'mdvx-dec0de0000'].sort());
  }, 60_000);

  it('killed once the VXLAN is made (mid-create): network prune removes its bridge, VXLAN, rules and host key', async () => {
    expect(await h1().killAt('op:link-add-vxlan', ['run', '-d', '--name', 'k1', '--network', 'ovk', 'busybox', 'sleep', '300'])).toBe(true);
    const mine = [`mdov-${netK.slice(0, 10)}`, `mdvx-${netK.slice(0, 10)}`];
    for (const l of mine) expect(links()).toContain(l);
    expect(rulesNaming(mine[0]).length).toBeGreaterThan(0);
    expect(c.keys()).toContain(`/minidock/hosts/${rootIdOf(h1().root)}`);

    const p = h1().run(['network', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(overlayLinks()).toEqual([...devsB, 'mdvx-dec0de0000'].sort()); // the other root's and the look-alike stay
    expect(rulesNaming(mine[0])).toEqual([]);
    expect(c.keys()).not.toContain(`/minidock/hosts/${rootIdOf(h1().root)}`); // the lease revoked
    expect(c.keys()).toContain(`/minidock/hosts/${rootIdOf(rootB)}`);
    expect(c.keys()).toContain('/minidock/networks/ovk'); // in use on host 2: the network stays
    // the second root's container is untouched, its devices still plugged together
    expect(h1().run(['inspect', '-f', '{{.State.Running}}', 'cz'], { env: inB }).stdout.trim()).toBe('true');
    expect(h1().exec('ip', ['-o', 'link', 'show', 'master', devsB[0]]).stdout).toContain(devsB[1]);
  }, 60_000);

  it('killed once its address is in the store (mid-run): system prune removes the key, the devices, the watcher; host 2 forgets it', async () => {
    expect(await h1().killAt('net:endpoint-written', ['run', '-d', '--name', 'k2', '--network', 'ovk', 'busybox', 'sleep', '300'])).toBe(true);
    const vx = `mdvx-${netK.slice(0, 10)}`;
    expect(endpointKeysOf(h1().root)).toHaveLength(1);
    ipK2 = endpointKeysOf(h1().root)[0].split('/').pop()!;
    expect(fdb(h1(), vx)).toContain(`${macB} dst ${c.hosts[1].addr} self permanent`); // its peers were programmed
    // host 2 learns the half-made container from the store, as any other
    expect(await until(() => fdb(h2(), vx).includes(`dst ${c.hosts[0].addr}`), 3000)).toBe(true);

    const p = h1().run(['system', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(h1().ok(['ps', '-a', '--format', '{{.Names}}'])).toBe('');
    expect(endpointKeysOf(h1().root)).toEqual([]);
    expect(overlayLinks()).toEqual([...devsB, 'mdvx-dec0de0000'].sort());
    expect(watcherRuns(h1().root)).toBe(false);
    expect(watcherRuns(rootB)).toBe(true);
    expect(await until(() => !fdb(h2(), vx).includes(`dst ${c.hosts[0].addr}`), 3000)).toBe(true);
    // the second root's watcher synced through all of this and left its devices alone
    expect(overlayLinks()).toEqual([...devsB, 'mdvx-dec0de0000'].sort());
  }, 60_000);

  it('a VXLAN left half made is repaired by the next run; a killed run beside a live one: only its part goes', async () => {
    expect(await h1().killAt('op:link-add-vxlan', ['run', '-d', '--name', 'k3', '--network', 'ovk', 'busybox', 'sleep', '300'])).toBe(true);
    const vx = `mdvx-${netK.slice(0, 10)}`;
    expect(h1().exec('ip', ['-o', 'link', 'show', 'master', `mdov-${netK.slice(0, 10)}`]).stdout).not.toContain(vx);
    h1().ok(['rm', '-f', 'k3']);
    h1().ok(['run', '-d', '--name', 'ca', '--network', 'ovk', 'busybox', 'sleep', '300']);
    expect(h1().exec('ip', ['-o', 'link', 'show', 'master', `mdov-${netK.slice(0, 10)}`]).stdout).toContain(vx);
    // The repaired path carries traffic both ways, from the very first packet. (ca has k2's old
    // address: cb's entry for it once outlived k2, and cb's reply went to its MAC before host 2's
    // sync had programmed the VXLAN, a lost first ping under load: overlay-reused-ip.test.ts.)
    expect(h1().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovk.IPAddress}}', 'ca'])).toBe(ipK2);
    const ping = h1().run(['exec', 'ca', 'ping', '-c', '1', '-W', '3', ipB]);
    expect(ping.stdout, ping.stderr).toContain('1 packets received');

    expect(await h1().killAt('net:endpoint-written', ['run', '-d', '--name', 'k4', '--network', 'ovk', 'busybox', 'sleep', '300'])).toBe(true);
    expect(endpointKeysOf(h1().root)).toHaveLength(2);
    const p = h1().run(['system', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(endpointKeysOf(h1().root)).toHaveLength(1); // a's only
    expect(links()).toContain(vx);
    expect(watcherRuns(h1().root)).toBe(true);
    expect(h1().run(['exec', 'ca', 'ping', '-c', '1', '-W', '2', ipB]).stdout).toContain('1 packets received');
    expect(h2().run(['exec', 'cb', 'ping', '-c', '1', '-W', '2', 'ca']).stdout).toContain('1 packets received');

    h1().ok(['rm', '-f', 'ca']);
    h2().ok(['rm', '-f', 'cb']);
    // the watcher's sync takes the devices with the last container
    expect(await until(() => !links().includes(vx), 5000)).toBe(true);
    h1().ok(['network', 'rm', 'ovk']);
    expect(overlayLinks()).toEqual([...devsB, 'mdvx-dec0de0000'].sort());
    expect(endpointKeysOf(h1().root)).toEqual([]);
  }, 90_000);
});
