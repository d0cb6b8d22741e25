import { describe, expect, it } from 'vitest';
import { type IptOp, type Op, Plan, commandOf, deleteRuleOf, explainOps, ipBatchLine, restoreScript, shellQuote, toBatches, undoPlanOf } from '../../src/host/plan.js';
import { bridgeOps, containerLinkOf, containerOps, containerTeardownOps, shimInsideOf } from '../../src/engine/network/drivers/bridge.js';
import { deleteByCommentOps, hookOps, missingOps, networkRuleOps, parseSave, portRuleOps, splitSaveLine } from '../../src/engine/network/firewall/iptables.js';
import { containerResolvConf } from '../../src/engine/network/index.js';

const net = { name: 'bridge', bridge: 'minidock0', subnet: '172.17.0.0/16', gateway: '172.17.0.1' };
const ID = 'abcdef012345' + '0'.repeat(52);

describe('plan ops', () => {
  it('shell-quotes only when needed', () => {
    expect(shellQuote('172.17.0.0/16')).toBe('172.17.0.0/16');
    expect(shellQuote('!')).toBe('!');
    expect(shellQuote('minidock abc web')).toBe("'minidock abc web'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
  });

  it('renders commands like the tutorials', () => {
    const p = new Plan().ip(['netns', 'add', 'minidock-x'], 'ns').ipIn('minidock-x', ['link', 'set', 'lo', 'up'], 'lo').iptables('filter', ['-A', 'FORWARD', '-i', 'br0', '-j', 'ACCEPT'], 'fwd').sysctl('net.ipv4.ip_forward', '1', 'fwd on');
    expect(explainOps(p.ops)).toEqual([
      '# ns', 'ip netns add minidock-x',
      '# lo', 'ip netns exec minidock-x ip link set lo up',
      '# fwd', 'iptables -A FORWARD -i br0 -j ACCEPT',
      '# fwd on', 'sysctl -w net.ipv4.ip_forward=1',
    ]);
  });

  it('batches consecutive ops of one kind (ip per netns), iptables regrouped per table', () => {
    const ops: Op[] = [
      { kind: 'ip', args: ['netns', 'add', 'n'], why: '' },
      { kind: 'ip', args: ['link', 'add', 'a', 'type', 'dummy'], why: '' },
      { kind: 'ip', netns: 'n', args: ['link', 'set', 'lo', 'up'], why: '' },
      { kind: 'iptables', table: 'nat', args: ['-A', 'X', '-j', 'RETURN'], why: '' },
      { kind: 'iptables', table: 'raw', args: ['-A', 'Y', '-j', 'RETURN'], why: '' },
      { kind: 'iptables', table: 'nat', args: ['-A', 'Z', '-j', 'RETURN'], why: '' },
      { kind: 'ip', args: ['link', 'set', 'a', 'up'], why: '' },
    ];
    const b = toBatches(ops);
    expect(b.map((x) => [x.key, x.ops.length])).toEqual([['ip:', 2], ['ip:n', 1], ['iptables', 3], ['ip:', 1]]);
    expect((b[2].ops as IptOp[]).map((o) => o.args[1])).toEqual(['X', 'Z', 'Y']);
    const s = restoreScript(b[2].ops as IptOp[]);
    expect(s.text).toBe('*nat\n-A X -j RETURN\n-A Z -j RETURN\nCOMMIT\n*raw\n-A Y -j RETURN\nCOMMIT\n');
    expect(s.line).toEqual([2, 3, 6]);
    expect(s.commitLine).toEqual([4, 4, 7]);
  });

  it('refuses arguments that could smuggle a second command into a batch', () => {
    expect(() => ipBatchLine({ kind: 'ip', args: ['link', 'del', 'x\nnetns del y'], why: '' })).toThrow(/unsafe/);
    expect(() => restoreScript([{ kind: 'iptables', table: 'nat', args: ['-A', 'X', '--comment', 'a"b'], why: '' }])).toThrow(/unsafe/);
  });

  it('undo of -A/-I is -D with the exact spec; undo runs latest first', () => {
    const a: IptOp = { kind: 'iptables', table: 'nat', args: ['-A', 'C', '-p', 'tcp', '-j', 'ACCEPT'], why: 'x' };
    const i: IptOp = { kind: 'iptables', table: 'filter', args: ['-I', 'FORWARD', '1', '-j', 'C'], why: 'y' };
    expect(deleteRuleOf(a).args).toEqual(['-D', 'C', '-p', 'tcp', '-j', 'ACCEPT']);
    expect(deleteRuleOf(i).args).toEqual(['-D', 'FORWARD', '-j', 'C']);
    const ops: Op[] = [{ ...a, undo: [deleteRuleOf(a)] }, { kind: 'ip', args: ['x'], why: '' }, { ...i, undo: [deleteRuleOf(i)] }];
    expect(undoPlanOf(ops).map(commandOf)).toEqual(['iptables -D FORWARD -j C', 'iptables -t nat -D C -p tcp -j ACCEPT']);
  });
});

describe('bridge driver ops', () => {
  it('creates only what is missing on the bridge', () => {
    expect(bridgeOps(net, { exists: true, up: true, addrs: ['172.17.0.1/16'], ipForward: '1', routeLocalnet: '1' })).toEqual([]);
    const all = bridgeOps(net, { exists: false, up: false, addrs: [], ipForward: '0' }).map(commandOf);
    expect(all).toEqual([
      'ip link add minidock0 type bridge',
      'ip addr add 172.17.0.1/16 dev minidock0',
      'ip link set minidock0 up',
      'sysctl -w net.ipv4.conf.minidock0.route_localnet=1',
      'sysctl -w net.ipv4.ip_forward=1',
    ]);
    expect(bridgeOps(net, { exists: true, up: false, addrs: [], ipForward: '1', routeLocalnet: '1' }).map(commandOf)).toEqual([
      'ip addr add 172.17.0.1/16 dev minidock0',
      'ip link set minidock0 up',
    ]);
  });

  it('wires a container in the order of the tutorials, and its undo removes veth then netns', () => {
    const link = containerLinkOf(net, ID, 'minidock-abcdef012345', '172.17.0.2');
    const ops = containerOps(net, link);
    expect(ops.map(commandOf)).toEqual([
      'ip netns add minidock-abcdef012345',
      'ip link add mdabcdef012345 type veth peer name eth0 address 02:42:ac:11:00:02 netns minidock-abcdef012345',
      'ip link set mdabcdef012345 master minidock0',
      'ip link set mdabcdef012345 type bridge_slave hairpin on',
      'ip link set mdabcdef012345 up',
      'ip netns exec minidock-abcdef012345 ip link set lo up',
      'ip netns exec minidock-abcdef012345 ip addr add 172.17.0.2/16 dev eth0',
      'ip netns exec minidock-abcdef012345 ip link set eth0 up',
      'ip netns exec minidock-abcdef012345 ip route add default via 172.17.0.1',
    ]);
    expect(link.hostIf.length).toBeLessThanOrEqual(15);
    expect(undoPlanOf(ops).map(commandOf)).toEqual(['ip link del mdabcdef012345', 'ip netns del minidock-abcdef012345']);
    for (const l of explainOps(ops).filter((_, i) => i % 2 === 0)) expect(l).toMatch(/^# \S/);
  });

  it("leaves the netns and the inside to minidock-shim: only explained, and its go line says the same", () => {
    const link = containerLinkOf(net, ID, 'minidock-abcdef012345', '172.17.0.2');
    const ops = containerOps(net, link);
    const byShim = ops.filter((o) => o.kind === 'ip' && o.by === 'shim').map(commandOf);
    expect(byShim).toEqual([
      'ip netns add minidock-abcdef012345',
      'ip netns exec minidock-abcdef012345 ip link set lo up',
      'ip netns exec minidock-abcdef012345 ip addr add 172.17.0.2/16 dev eth0',
      'ip netns exec minidock-abcdef012345 ip link set eth0 up',
      'ip netns exec minidock-abcdef012345 ip route add default via 172.17.0.1',
    ]);
    expect(toBatches(ops).map((b) => [b.key, b.ops.length])).toEqual([['shim', 1], ['ip:', 4], ['shim', 4]]);
    expect(explainOps(ops)[0]).toMatch(/minidock-shim does this/);
    expect(shimInsideOf(ops)).toBe('eth0 172.17.0.2/16 172.17.0.1');
    expect(shimInsideOf(containerOps({ ...net, internal: true }, { ...link, defaultRoute: false }))).toBe('eth0 172.17.0.2/16 -');
    expect(shimInsideOf([])).toBe('');
    // an op the shim cannot do is refused rather than explained and not done
    const odd: Op = { kind: 'ip', netns: 'n', args: ['route', 'add', '10.0.0.0/8', 'via', '172.17.0.1'], why: '', by: 'shim' };
    expect(() => shimInsideOf([...ops, odd])).toThrow(/cannot do/);
  });

  it('teardown: the netns, or nothing to do when the shim removed it, or the veths when it vanished otherwise', () => {
    expect(containerTeardownOps(['mdx'], 'minidock-x', true).map(commandOf)).toEqual(['ip netns del minidock-x']);
    const byShim = containerTeardownOps(['mdx'], 'minidock-x', false, true);
    expect(byShim.map(commandOf)).toEqual(['ip netns del minidock-x']);
    expect(toBatches(byShim)[0].key).toBe('shim');
    expect(containerTeardownOps(['mdx', 'mdy'], 'minidock-x', false).map(commandOf)).toEqual(['ip link del mdx', 'ip link del mdy']);
  });
});

describe('firewall rules', () => {
  it('a constant set of rules per network, in minidock chains', () => {
    const rules = networkRuleOps(net);
    expect(rules).toHaveLength(9);
    const text = restoreScript(toBatches(rules)[0].ops as IptOp[]).text;
    expect(text).toBe(
      [
        '*raw',
        '-A MINIDOCK-RAW -d 172.17.0.0/16 ! -i minidock0 -m addrtype ! --dst-type LOCAL -m comment --comment "minidock net bridge: no direct access from outside" -j DROP',
        'COMMIT',
        '*nat',
        '-A MINIDOCK-POSTROUTING -s 172.17.0.0/16 ! -o minidock0 -m comment --comment "minidock net bridge: outbound" -j MASQUERADE',
        '-A MINIDOCK-POSTROUTING -o minidock0 -m addrtype --src-type LOCAL -m comment --comment "minidock net bridge: from the host" -j MASQUERADE',
        '-A MINIDOCK-POSTROUTING -s 172.17.0.0/16 -o minidock0 -m conntrack --ctstate DNAT -m comment --comment "minidock net bridge: hairpin" -j MASQUERADE',
        'COMMIT',
        '*filter',
        '-A MINIDOCK-FORWARD -o minidock0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "minidock net bridge: replies" -j ACCEPT',
        '-A MINIDOCK-FORWARD -o minidock0 -m conntrack --ctstate DNAT -m comment --comment "minidock net bridge: published ports" -j ACCEPT',
        '-A MINIDOCK-FORWARD -i minidock0 -m comment --comment "minidock net bridge: from containers" -j ACCEPT',
        '-A MINIDOCK-ISOLATION-1 -i minidock0 ! -o minidock0 -m comment --comment "minidock net bridge: isolation 1" -j MINIDOCK-ISOLATION-2',
        '-A MINIDOCK-ISOLATION-2 -o minidock0 -m conntrack ! --ctstate DNAT -m comment --comment "minidock net bridge: isolation 2" -j DROP',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('hooks: never a policy, never a flush, only jumps into minidock chains', () => {
    const { chain, hook } = hookOps();
    const text = restoreScript(toBatches([...chain, ...hook])[0].ops as IptOp[]).text;
    expect(text).not.toMatch(/^-[PFXZ] /m);
    expect(text).toContain(':MINIDOCK-DNAT - [0:0]');
    expect(text).toContain('-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports" -j MINIDOCK-DNAT');
    expect(text).toContain('-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports from the host" -j MINIDOCK-DNAT');
    expect(text).toContain('-I FORWARD 1 -m comment --comment "minidock: forward" -j MINIDOCK-FORWARD');
    for (const o of hook) expect(o.args[o.args.length - 1]).toMatch(/^MINIDOCK-/);
  });

  it('per published port: one DNAT, plus a raw DROP when bound to loopback', () => {
    const ops = portRuleOps(net, ID, 'web', '172.17.0.2', [
      { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, proto: 'udp' },
    ]);
    expect(ops.map(commandOf)).toEqual([
      "iptables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment 'minidock abcdef012345 web' -j DNAT --to-destination 172.17.0.2:80",
      "iptables -t nat -A MINIDOCK-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 5353 -m comment --comment 'minidock abcdef012345 web' -j DNAT --to-destination 172.17.0.2:53",
      "iptables -t raw -A MINIDOCK-RAW -d 127.0.0.1/32 ! -i lo -p udp -m udp --dport 5353 -m comment --comment 'minidock abcdef012345 web' -j DROP",
    ]);
    expect(undoPlanOf(ops).map((o) => (o as IptOp).args[0])).toEqual(['-D', '-D', '-D']);
  });

  it('finds what is missing by chain and comment in iptables-save output', () => {
    const save = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':MINIDOCK-DNAT - [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "minidock: published ports" -j MINIDOCK-DNAT',
      '-A MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "minidock abcdef012345 web" -j DNAT --to-destination 172.17.0.2:80',
      'COMMIT',
      '*filter',
      ':FORWARD DROP [0:0]',
      'COMMIT',
    ].join('\n');
    const saved = parseSave(save);
    const { chain, hook } = hookOps();
    expect(missingOps(saved, chain).map((o) => o.args[1])).toEqual(['MINIDOCK-RAW', 'MINIDOCK-POSTROUTING', 'MINIDOCK-FORWARD', 'MINIDOCK-ISOLATION-1', 'MINIDOCK-ISOLATION-2']);
    expect(missingOps(saved, hook).map((o) => `${o.table} ${o.args[1]}`)).toEqual(['raw PREROUTING', 'nat OUTPUT', 'nat POSTROUTING', 'filter FORWARD', 'filter MINIDOCK-FORWARD']);
    const del = deleteByCommentOps(saved, 'minidock abcdef012345');
    expect(del.map(commandOf)).toEqual([
      "iptables -t nat -D MINIDOCK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment 'minidock abcdef012345 web' -j DNAT --to-destination 172.17.0.2:80",
    ]);
    expect(splitSaveLine('-A X -m comment --comment "a b" -j Y')).toEqual(['-A', 'X', '-m', 'comment', '--comment', 'a b', '-j', 'Y']);
  });
});

describe('resolv.conf for a container', () => {
  it('drops host-loopback resolvers, falls back to public ones', () => {
    expect(containerResolvConf('nameserver 10.0.0.2\nsearch lan\n')).toBe('nameserver 10.0.0.2\nsearch lan\n');
    expect(containerResolvConf('nameserver 127.0.0.53\noptions edns0\n')).toBe('options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(containerResolvConf('')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    // as Docker's TransformForLegacyNw: IPv6 resolvers only for a container with IPv6
    expect(containerResolvConf('nameserver 10.0.0.2\nnameserver 2001:db8::53\n')).toBe('nameserver 10.0.0.2\n');
    expect(containerResolvConf('nameserver 10.0.0.2\nnameserver 2001:db8::53\n', true)).toBe('nameserver 10.0.0.2\nnameserver 2001:db8::53\n');
    expect(containerResolvConf('nameserver fe80::1%eth0\n')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(containerResolvConf('nameserver ::1\n', true)).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n');
  });
});
