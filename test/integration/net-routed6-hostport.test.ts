// IPv6 gateway mode routed (gateway_mode_ipv6) uses no host port either: a binding gets none
// (HostPort "", nothing reserved) when every family it is served in is routed; one also served by
// the other family's NAT keeps its reserved host port in that family only (its DNAT uses it; the
// routed family's entry shows HostPort "", as Docker 28's). nftables backend, in a
// throwaway host netns; the host-port logic is the engine's, the same for both backends.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const md = new Minidock({ MINIDOCK_FIREWALL: 'nftables' });
afterAll(() => md.cleanup());

const heldFile = () => join(md.root, 'networks', 'ports.json');
const held = () => (existsSync(heldFile()) ? JSON.parse(readFileSync(heldFile(), 'utf8')) : []) as { hostPort: number; containerId: string }[];
const portsOf = (name: string) => JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', name]));
const run = (name: string, net: string, p: string) => md.run(['run', '-d', '--name', name, '--network', net, '-p', p, 'busybox', 'sleep', '600']);
const GW6 = 'com.docker.network.bridge.gateway_mode_ipv6';

describe('routed IPv6: no host port reserved', () => {
  it('[::]:P on a v6-routed network: none reserved, twice; the v6 routed set has the container port', () => {
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.89.6.0/24', '--subnet', 'fd00:89:6::/64', '-o', `${GW6}=routed`, '-o', 'com.docker.network.bridge.name=mdrt6', 'r6']);
    const a = run('a6', 'r6', '[::]:8083:80');
    expect(a.code, a.stderr).toBe(0);
    const b = run('b6', 'r6', '[::]:8083:80');
    expect(b.code, b.stderr).toBe(0);
    expect(portsOf('a6')).toEqual({ '80/tcp': [{ HostIp: '::', HostPort: '' }] });
    expect(held().map((h) => h.containerId)).not.toContain(a.stdout.trim());
    const ip6 = md.ok(['inspect', '-f', '{{.NetworkSettings.Networks.r6.GlobalIPv6Address}}', 'a6']);
    expect(md.inHost('nft', ['list', 'set', 'ip6', 'minidock', 'rt_mdrt6']).stdout).toContain(`${ip6} . tcp . 80`);
  });

  it('P:80 on the same network (IPv4 nat, IPv6 routed): reserved, its DNAT needs it', () => {
    const c = run('c6', 'r6', '8083:80');
    expect(c.code, c.stderr).toBe(0);
    expect(portsOf('c6')).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8083' }, { HostIp: '::', HostPort: '' }] });
    expect(held().filter((h) => h.hostPort === 8083).map((h) => h.containerId)).toEqual([c.stdout.trim()]);
  });

  it('P:80 on a network routed in both families, and on an IPv6-only routed one: none reserved (c6 holds P)', () => {
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.89.7.0/24', '--subnet', 'fd00:89:7::/64', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=routed', '-o', `${GW6}=routed`, 'r46']);
    const d = run('d46', 'r46', '8083:80');
    expect(d.code, d.stderr).toBe(0);
    expect(portsOf('d46')).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }, { HostIp: '::', HostPort: '' }] });
    md.ok(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:89:8::/64', '-o', `${GW6}=routed`, 'only6rt']);
    const e = run('e6', 'only6rt', '8083:80');
    expect(e.code, e.stderr).toBe(0);
    for (const x of portsOf('e6')['80/tcp']) expect(x.HostPort).toBe('');
    expect(held().filter((h) => h.hostPort === 8083)).toHaveLength(1); // c6's alone
  });
});
