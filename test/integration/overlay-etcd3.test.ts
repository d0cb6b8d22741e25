// Overlay networks on a 3-member etcd cluster (one member on each host): killing one host and
// its member leaves the other two working (the store keeps its quorum) and clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../helpers/cluster.js';
import { sleep } from '../helpers/cli.js';

const c = new Cluster();
beforeAll(async () => {
  await c.start(3, { members: 3 });
}, 90_000);
afterAll(() => c.destroy());

const ipOf = (i: number, name: string) => c.hosts[i].ok(['inspect', '-f', '{{.NetworkSettings.Networks.ov.IPAddress}}', name]);
const neigh = (i: number, dev: string) => c.hosts[i].exec('ip', ['neigh', 'show', 'dev', dev]).stdout;
async function until(f: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !f()) await sleep(100);
  return f();
}

describe('overlay on a 3-member etcd cluster', () => {
  it('a host and its etcd member die: the other two keep working, and its entries go', async () => {
    const [h1, h2, h3] = c.hosts;
    expect(h1.ok(['info'])).toContain(`Cluster Store: etcd://${c.etcdAddrs.map((a) => `${a}:2379`).join(',')}`);
    h3.ok(['network', 'create', '-d', 'overlay', '--subnet', '10.88.0.0/24', 'ov']);
    h1.ok(['run', '-d', '--name', 'a1', '--network', 'ov', 'busybox', 'sleep', '300']);
    h2.ok(['run', '-d', '--name', 'b1', '--network', 'ov', 'busybox', 'sleep', '300']);
    h3.ok(['run', '-d', '--name', 'c1', '--network', 'ov', 'busybox', 'sleep', '300']);
    const ipC = ipOf(2, 'c1');
    const vx = `mdvx-${h1.ok(['network', 'inspect', '-f', '{{.Id}}', 'ov']).slice(0, 10)}`;
    expect(await until(() => neigh(0, vx).includes(ipC) && neigh(1, vx).includes(ipC), 3000)).toBe(true);
    expect(h1.run(['exec', 'a1', 'ping', '-c', '1', '-W', '2', 'c1']).stdout).toContain('1 packets received');
    h3.kill();
    // the store still answers (2 of 3 members) and the other hosts drop c after the lease TTL (10 s)
    expect(await until(() => !neigh(0, vx).includes(ipC) && !neigh(1, vx).includes(ipC), 20_000)).toBe(true);
    expect(c.keys().some((k) => k.endsWith(`/${ipC}`))).toBe(false);
    expect(c.keys().filter((k) => k.startsWith('/minidock/hosts/'))).toHaveLength(2);
    expect(h1.run(['exec', 'a1', 'ping', '-c', '1', '-W', '2', 'b1']).stdout).toContain('1 packets received');
    // new containers and networks still work
    h2.ok(['run', '-d', '--name', 'b2', '--network', 'ov', 'busybox', 'sleep', '300']);
    const ipB2 = ipOf(1, 'b2');
    expect(await until(() => neigh(0, vx).includes(ipB2), 2000)).toBe(true);
    expect(h1.run(['exec', 'a1', 'ping', '-c', '1', '-W', '2', 'b2']).stdout).toContain('1 packets received');
    h1.ok(['network', 'create', '-d', 'overlay', 'ov-after']);
    expect(h2.ok(['network', 'ls', '--filter', 'name=ov-after'])).toContain('swarm');
  }, 120_000);
});
