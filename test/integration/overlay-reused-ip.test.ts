// An overlay address used again by a new container on another host (issue 15; the first ping
// lost after a VXLAN repair in CI). Host 2's container talked to the old one, so it holds a
// neighbour entry for the address (its MAC is the address's: 02:42:…). Once the old container is
// gone, host 2's sync must take that entry too: left there, host 2's container answers the new
// container's first ping at once to that MAC, before host 2's own watcher has programmed the
// VXLAN for it, and the VXLAN has nowhere to send it (the reply is lost). Without the entry the
// reply waits on an ARP request until the sync writes the new endpoint's entries (it gives the
// local containers the MAC then, sync.ts): answered, later. Host 2's watcher is stopped
// (SIGSTOP) while the first ping is sent, so its sync comes after the reply — the order a loaded
// machine gave now and then, here every time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, until } from '../helpers/cluster.js';
import { sleep } from '../helpers/cli.js';

const c = new Cluster();
let stopped = 0;

beforeAll(async () => {
  await c.start(2);
}, 60_000);
afterAll(() => {
  if (stopped) process.kill(stopped, 'SIGCONT');
  c.destroy();
});

const watcherPid = (root: string) => Number(readFileSync(join(root, 'networks', 'overlay', 'watch.pid'), 'utf8'));

describe('overlay: an address used again by a container on another host', () => {
  it('the first ping from the new container is answered (no stale entry left on the peer host)', async () => {
    const [h1, h2] = c.hosts;
    const netId = h1.ok(['network', 'create', '-d', 'overlay', '--subnet', '10.79.0.0/24', 'ovr']);
    const vx = `mdvx-${netId.slice(0, 10)}`;
    const idB = h2.ok(['run', '-d', '--name', 'rb', '--network', 'ovr', 'busybox', 'sleep', '300']);
    const nsB = `minidock-${idB.slice(0, 12)}`;
    const ipB = h2.ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovr.IPAddress}}', 'rb']);
    const ip = '10.79.0.50';
    const inB = () => h2.exec('ip', ['netns', 'exec', nsB, 'ip', 'neigh', 'show', ip]).stdout.trim();
    const learnt = () => h2.exec('ip', ['neigh', 'show', ip, 'dev', vx]).stdout.includes('PERMANENT');
    const fdbToH1 = () => h2.exec('bridge', ['fdb', 'show', 'dev', vx]).stdout.includes(`dst ${h1.addr}`);

    h1.ok(['run', '-d', '--name', 'ra1', '--network', 'ovr', '--ip', ip, 'busybox', 'sleep', '300']);
    expect(await until(learnt, 5000)).toBe(true);
    expect(h2.run(['exec', 'rb', 'ping', '-c', '1', '-W', '2', ip]).stdout).toContain('1 packets received');
    expect(inB()).toContain('lladdr');

    h1.ok(['rm', '-f', 'ra1']);
    expect(await until(() => !learnt() && !fdbToH1(), 5000)).toBe(true);
    // the sync takes the container's entry with the VXLAN's (a batch of its own, just after)
    expect(await until(() => inB() === '', 2000), inB()).toBe(true);

    // the same address again on host 1, while host 2's watcher cannot learn it yet
    stopped = watcherPid(h2.root);
    process.kill(stopped, 'SIGSTOP');
    h1.ok(['run', '-d', '--name', 'ra2', '--network', 'ovr', '--ip', ip, 'busybox', 'sleep', '300']);
    const ping = h1.runAsync(['exec', 'ra2', 'ping', '-c', '1', '-W', '5', ipB]);
    await sleep(800); // the echo request has reached b, which asks for 10.79.0.50 (unanswered yet)
    process.kill(stopped, 'SIGCONT');
    stopped = 0;
    const r = await ping;
    expect(r.stdout, r.stderr).toContain('1 packets received');
    expect(learnt()).toBe(true);
  }, 60_000);
});
