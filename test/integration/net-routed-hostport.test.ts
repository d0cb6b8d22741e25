// Gateway mode routed uses no host port, so it reserves none (Docker's routed port mapper zeroes
// HostPort, "Host port ignored, because NAT is disabled", and inspect shows HostPort ""): two
// routed containers may publish the same -p, and a nat container may then take that host port.
// With both firewall backends, each in a throwaway host netns.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const helpers: Minidock[] = [];
afterAll(() => {
  for (const m of helpers) m.cleanup();
});

for (const backend of ['iptables', 'nftables']) {
  describe(`routed: no host port reserved (${backend})`, () => {
    const md = new Minidock({ MINIDOCK_FIREWALL: backend });
    helpers.push(md);
    const held = () => JSON.parse(readFileSync(join(md.root, 'networks', 'ports.json'), 'utf8')) as { hostPort: number; containerId: string }[];

    it('two routed containers publish the same -p; a nat one takes the host port after them', () => {
      md.ok(['network', 'create', '--subnet', '10.89.5.0/24', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=routed', 'rt']);
      const r1 = md.ok(['run', '-d', '--name', 'r1', '--network', 'rt', '-p', '8082:80', 'busybox', 'sleep', '600']);
      const r2 = md.run(['run', '-d', '--name', 'r2', '--network', 'rt', '-p', '8082:80', 'busybox', 'sleep', '600']);
      expect(r2.code, r2.stderr).toBe(0);
      expect(JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'r1']))).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] });
      expect(md.ok(['inspect', '-f', '{{json .HostConfig.PortBindings}}', 'r1'])).toContain('"HostPort":"8082"'); // what was asked stays
      const n1 = md.run(['run', '-d', '--name', 'n1', '-p', '8082:80', 'busybox', 'sleep', '600']);
      expect(n1.code, n1.stderr).toBe(0);
      const ids = held().map((h) => h.containerId);
      expect(ids).not.toContain(r1);
      expect(ids).not.toContain(r2.stdout.trim());
      expect(held().filter((h) => h.hostPort === 8082)).toHaveLength(1); // n1's
      md.ok(['rm', '-f', 'r1', 'r2', 'n1']);
      md.ok(['network', 'rm', 'rt']);
    });
  });
}
