// `network diagram` after `network connect`: a connected container's extra interfaces (eth1,
// eth2… and their host ends md…x1) are its own, on a bridge and on a macvlan network. The
// "LAN" of the macvlan network is a veth pair whose far end lives in a netns this file makes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Minidock, sh } from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const LAN = `mdt-dcl-${randomBytes(3).toString('hex')}`;

describe.runIf(isRoot)('network diagram after network connect (real kernel)', () => {
  const md = new Minidock();
  let web1 = '';
  const ifindex = (name: string, ns?: string) =>
    (JSON.parse((ns ? md.inHost('ip', ['-n', ns, '-j', 'link', 'show', 'dev', name]) : md.inHost('ip', ['-j', 'link', 'show', 'dev', name])).stdout) as { ifindex: number; link_index?: number }[])[0];
  const ipOn = (net: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'web1'])) as Record<string, { IPAddress: string }>)[net].IPAddress;

  beforeAll(() => {
    sh('ip', ['netns', 'add', LAN]);
    md.inHost('ip', ['link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'peer0', 'netns', LAN]);
    md.inHost('ip', ['link', 'set', 'lan0', 'up']);
    sh('ip', ['-n', LAN, 'link', 'set', 'peer0', 'up']);
    md.ok(['network', 'create', '--subnet', '10.231.0.0/24', 'lab']);
    md.ok(['network', 'create', '-d', 'macvlan', '--subnet', '10.232.0.0/24', '--gateway', '10.232.0.1', '-o', 'parent=lan0', 'mv']);
    web1 = md.ok(['run', '-d', '--name', 'web1', '-p', '8081:80', 'busybox', 'httpd', '-f', '-p', '80']);
    md.ok(['network', 'connect', 'lab', 'web1']);
    md.ok(['network', 'connect', 'mv', 'web1']);
  });
  afterAll(() => {
    md.run(['rm', '-f', 'web1']);
    md.run(['network', 'rm', 'lab', 'mv']);
    md.cleanup();
    sh('ip', ['netns', 'del', LAN]);
  });

  it('ascii: web1 on bridge (eth0), lab (eth1, host end md…x1) and mv (eth2, a macvlan of lan0); no disagreement', () => {
    const id12 = web1.slice(0, 12);
    const ns = `minidock-${id12}`;
    const x1 = `md${web1.slice(0, 10)}x1`;
    const t = md.ok(['network', 'diagram']);
    expect(t).not.toContain('✗');
    expect(t).toContain("the kernel and minidock's state agree");
    const h0 = ifindex(`md${id12}`);
    const h1 = ifindex(x1);
    const e1 = ifindex('eth1', ns);
    const e2 = ifindex('eth2', ns);
    const lan0 = ifindex('lan0');
    expect(t).toContain(`${h0.ifindex}: md${id12}@if${h0.link_index} ═══veth═══ ${h0.link_index}: eth0@if${h0.ifindex}  web1  ${ipOn('bridge')}/16  netns ${ns}`);
    expect(t).toContain(`${h1.ifindex}: ${x1}@if${e1.ifindex} ═══veth═══ ${e1.ifindex}: eth1@if${h1.ifindex}  web1  ${ipOn('lab')}/24  netns ${ns}`);
    expect(t).toContain(`lan0 ═══macvlan═══ ${e2.ifindex}: eth2@if${lan0.ifindex}  web1  ${ipOn('mv')}/24  netns ${ns}`);
    // the published port stays with eth0's network, drawn once
    expect(t.match(/⇨ 0\.0\.0\.0:8081\/tcp/g)).toHaveLength(1);
  });

  it('svg and dot: each interface once, in its network', () => {
    const svg = md.ok(['network', 'diagram', '--format', 'svg']);
    expect(svg).not.toContain('class="drift"');
    expect(svg).toContain("the kernel and minidock's state agree");
    expect(svg.match(/>web1</g)).toHaveLength(3);
    for (const i of ['eth0', 'eth1', 'eth2']) expect(svg).toContain(`: ${i}@if`);
    const dot = md.ok(['network', 'diagram', '--format', 'dot']);
    const ns = `minidock-${web1.slice(0, 12)}`;
    for (const i of ['eth0', 'eth1', 'eth2']) expect(dot).toContain(`"${i}:${ns}" [label=`);
  });

  it('only one network: the interface on it', () => {
    const t = md.ok(['network', 'diagram', 'lab']);
    expect(t).toContain(': eth1@if');
    expect(t).not.toContain(': eth0@if');
    expect(t).not.toContain('✗');
  });

  it('drift is still found on the extra interface: its host end deleted', () => {
    const x1 = `md${web1.slice(0, 10)}x1`;
    expect(md.inHost('ip', ['link', 'del', x1]).code).toBe(0);
    const t = md.ok(['network', 'diagram']);
    expect(t).toContain(`✗ veth ${x1} is gone from the host`);
    expect(t).toContain(`✗ eth1 is gone from minidock-${web1.slice(0, 12)}`);
    expect(t).not.toContain('eth0 is gone');
    expect(t).toMatch(/2 disagreements between the kernel and minidock's state/);
  });
});
