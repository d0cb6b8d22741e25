// An overlay network's per-host firewall rules are the backend's like a bridge network's
// (MINIDOCK_FIREWALL picks it: run this file once with each): made with its first container on
// a host, kept by `system prune` while in use (its bridge is mdov-…, not in the record), gone
// with its last container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../helpers/cluster.js';
import { sleep } from '../helpers/cli.js';

const c = new Cluster();
const h1 = () => c.hosts[0];
const backend = process.env.MINIDOCK_FIREWALL || 'iptables';

beforeAll(async () => {
  await c.start(2);
}, 60_000);
afterAll(() => c.destroy());

/** The lines of this host's ruleset that name the bridge, in the backend in use (without counters). */
const rulesOn = (bridge: string) =>
  (backend === 'nftables' ? h1().exec('nft', ['list', 'ruleset']) : h1().exec('iptables-save', [])).stdout
    .split('\n')
    .filter((l) => l.includes(bridge))
    .map((l) => l.replace(/packets \d+ bytes \d+/, '')); // nft's counters move with the traffic

async function fetchWeb(): Promise<string> {
  let got = '';
  for (let i = 0; i < 20 && !got.includes('hello-ov'); i++) {
    got = c.inSwitch('curl', ['-s', '--max-time', '2', `http://${c.hosts[0].addr}:8081/`]).stdout;
    if (!got.includes('hello-ov')) await sleep(100);
  }
  return got;
}

describe(`overlay firewall rules (${backend})`, () => {
  it('are the backend in use, survive system prune while in use, and go with the last container', async () => {
    h1().ok(['network', 'create', '-d', 'overlay', '--subnet', '10.86.0.0/24', 'ovp']);
    const br = `mdov-${h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ovp']).slice(0, 10)}`;
    expect(rulesOn(br)).toEqual([]); // no container of it on this host yet: no bridge, no rules
    h1().ok(['run', '-d', '--name', 'web', '--network', 'ovp', '-p', '8081:80', 'busybox', 'sh', '-c', 'mkdir -p /w && echo hello-ov > /w/index.html && exec httpd -f -p 80 -h /w']);
    const before = rulesOn(br);
    expect(before.length).toBeGreaterThan(0);
    expect(h1().ok(['info', '-f', '{{.FirewallBackend.Driver}}'])).toBe(backend);
    c.switchAddr();
    expect(h1().run(['exec', 'web', 'ping', '-c', '1', '-W', '2', c.outside]).stdout).toContain('1 packets received');
    expect(await fetchWeb()).toContain('hello-ov');

    const p = h1().run(['system', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(rulesOn(br)).toEqual(before);
    expect(h1().run(['exec', 'web', 'ping', '-c', '1', '-W', '2', c.outside]).stdout).toContain('1 packets received');
    expect(await fetchWeb()).toContain('hello-ov');

    h1().ok(['rm', '-f', 'web']);
    // the watcher's sync removes this host's bridge, VXLAN and rules once its last container is gone
    for (let i = 0; i < 60 && h1().exec('ip', ['link', 'show', br]).code === 0; i++) await sleep(100);
    expect(h1().exec('ip', ['link', 'show', br]).code).not.toBe(0);
    expect(rulesOn(br)).toEqual([]);
    h1().ok(['network', 'rm', 'ovp']);
  }, 60_000);
});
