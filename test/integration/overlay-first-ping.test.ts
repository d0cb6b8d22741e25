// A container that pings an overlay address before its container exists (issue 15's "reachable
// from host A within 1 s"): its neighbour entry for the address is unresolved, and the kernel
// asks again only at its next ARP retry. The watcher's sync drops that entry when it writes the
// new endpoint's, so the next packet asks at once and the VXLAN proxy answers. The retry is
// made 10 s here (retrans_time_ms of the pinging container), so without the sync's part the
// reply comes ~10 s late, not by luck of the 1 s timer's phase.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, until } from '../helpers/cluster.js';
import { sleep } from '../helpers/cli.js';

const c = new Cluster();
let pinger: ChildProcess | undefined;

beforeAll(async () => {
  await c.start(2);
}, 60_000);
afterAll(() => {
  pinger?.kill();
  c.destroy();
});

describe('overlay: the first ping to a container started after the pinger', () => {
  it('is answered at the pinger next packet once host 1 has the entry, not at its ARP retry', async () => {
    const [h1, h2] = c.hosts;
    h1.ok(['network', 'create', '-d', 'overlay', '--subnet', '10.78.0.0/24', 'ovp']);
    const id1 = h1.ok(['run', '-d', '--name', 'a1', '--network', 'ovp', 'busybox', 'sleep', '300']);
    const ns1 = `minidock-${id1.slice(0, 12)}`;
    const w = h1.exec('ip', ['netns', 'exec', ns1, 'sh', '-c', 'echo 10000 > /proc/sys/net/ipv4/neigh/eth0/retrans_time_ms']);
    expect(w.code, w.stderr).toBe(0);
    const ip = '10.78.0.50';
    // iputils ping (busybox has no -D): every 50 ms, each reply stamped; no -w (it stops at the first error)
    let out = '';
    pinger = spawn('nsenter', ['-t', String(h1.holder.pid), '-m', '-n', '--', 'ip', 'netns', 'exec', ns1, 'ping', '-D', '-n', '-i', '0.05', ip], { stdio: ['ignore', 'pipe', 'ignore'] });
    pinger.stdout!.on('data', (d) => (out += d));
    await sleep(300); // its first ARP request went unanswered: the entry waits for the retry
    expect(h1.exec('ip', ['netns', 'exec', ns1, 'ip', 'neigh', 'show', ip]).stdout).toMatch(/INCOMPLETE|FAILED/);
    h2.ok(['run', '-d', '--name', 'b1', '--network', 'ovp', '--ip', ip, 'busybox', 'sleep', '300']);
    const netId = h1.ok(['network', 'inspect', '-f', '{{.Id}}', 'ovp']);
    const vx = `mdvx-${netId.slice(0, 10)}`;
    expect(await until(() => h1.exec('ip', ['neigh', 'show', ip, 'dev', vx]).stdout.includes('PERMANENT'), 5000)).toBe(true);
    const entry = Date.now();
    expect(await until(() => / bytes from /.test(out), 3000)).toBe(true);
    const stamp = Number(/^\[(\d+\.\d+)\] \d+ bytes from/m.exec(out)![1]) * 1000;
    console.log(`overlay: first reply ${Math.round(stamp - entry)} ms after host 1's entry was seen`);
    expect(stamp - entry).toBeLessThan(2000);
  }, 60_000);
});
