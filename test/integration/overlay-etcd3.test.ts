// Overlay networks on a 3-member etcd cluster (one member on each host): killing one host and
// its member — host 1, whose member is the first store address every host is given — leaves
// the other two working (the store keeps its quorum, the CLI and the watchers move to the next
// member) and clean (its containers' entries go after the lease TTL).
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
    h1.ok(['network', 'create', '-d', 'overlay', '--subnet', '10.88.0.0/24', 'ov']);
    h1.ok(['run', '-d', '--name', 'a1', '--network', 'ov', 'busybox', 'sleep', '300']);
    h2.ok(['run', '-d', '--name', 'b1', '--network', 'ov', 'busybox', 'sleep', '300']);
    h3.ok(['run', '-d', '--name', 'c1', '--network', 'ov', 'busybox', 'sleep', '300']);
    const ipA = ipOf(0, 'a1');
    const vx = `mdvx-${h2.ok(['network', 'inspect', '-f', '{{.Id}}', 'ov']).slice(0, 10)}`;
    expect(await until(() => neigh(1, vx).includes(ipA) && neigh(2, vx).includes(ipA), 3000)).toBe(true);
    expect(h2.run(['exec', 'b1', 'ping', '-c', '1', '-W', '2', 'a1']).stdout).toContain('1 packets received');
    h1.kill();
    // the store still answers (2 of 3 members) and the other hosts drop a1 after the lease TTL (10 s)
    expect(await until(() => !neigh(1, vx).includes(ipA) && !neigh(2, vx).includes(ipA), 20_000)).toBe(true);
    expect(c.keys().some((k) => k.endsWith(`/${ipA}`))).toBe(false);
    expect(c.keys().filter((k) => k.startsWith('/minidock/hosts/'))).toHaveLength(2);
    expect(h2.run(['exec', 'b1', 'ping', '-c', '1', '-W', '2', 'c1']).stdout).toContain('1 packets received');
    // new containers are learnt by the others (their watchers now on another member), networks still made
    h3.ok(['run', '-d', '--name', 'c2', '--network', 'ov', 'busybox', 'sleep', '300']);
    const ipC2 = ipOf(2, 'c2');
    expect(await until(() => neigh(1, vx).includes(ipC2), 2000)).toBe(true);
    expect(h2.run(['exec', 'b1', 'ping', '-c', '1', '-W', '2', 'c2']).stdout).toContain('1 packets received');
    h2.ok(['network', 'create', '-d', 'overlay', 'ov-after']);
    expect(h3.ok(['network', 'ls', '--filter', 'name=ov-after'])).toContain('swarm');
  }, 120_000);
});
