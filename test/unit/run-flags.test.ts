// Parsing and validation of the issue-13 run flags (src/engine/container/runflags.ts): Docker's
// accepted forms and its messages; resolv.conf and /etc/hosts rendering; the shim records.
import { describe, expect, it } from 'vitest';
import {
  applyDnsFlags, extraHostLines, hasRunFlags, parseDnsSearch, parseDnsServer, parseExpose, parseExtraHost, parseLabelFileText,
  parseMacAddress, parseRunFlags, parseStopTimeout, parseSysctl, parseUintList, parseUlimit, resolveGroupAdd, rlimitShimRecords,
  runFlagsShimConfig, sysctlPath,
} from '../../src/engine/container/runflags.js';
import { buildDnsRecords } from '../../src/engine/network/dns.js';
import { v1Writes, v2Writes, NO_LIMITS } from '../../src/runtime/cgroups.js';
import { encodeShimConfig } from '../../src/runtime/shim.js';

describe('--add-host', () => {
  it('takes name:ip, name=ip, brackets and host-gateway (normalised to name:ip)', () => {
    expect(parseExtraHost('db:10.0.0.1')).toBe('db:10.0.0.1');
    expect(parseExtraHost('db=10.0.0.1')).toBe('db:10.0.0.1');
    expect(parseExtraHost('v6:::1')).toBe('v6:::1');
    expect(parseExtraHost('v6=[2001:db8::1]')).toBe('v6:2001:db8::1');
    expect(parseExtraHost('gw:host-gateway')).toBe('gw:host-gateway');
  });
  it("refuses with Docker's messages", () => {
    expect(() => parseExtraHost('nocolon')).toThrow('bad format for add-host: "nocolon"');
    expect(() => parseExtraHost(':1.2.3.4')).toThrow('bad format for add-host');
    expect(() => parseExtraHost('h:1.2.3')).toThrow('invalid IP address in add-host: "1.2.3"');
    expect(() => parseExtraHost('a\nb:1.2.3.4')).toThrow('bad format');
  });
  it('renders hosts lines, host-gateway as the gateway', () => {
    expect(extraHostLines(['db:10.0.0.1', 'gw:host-gateway'], '172.17.0.1')).toEqual(['10.0.0.1\tdb', '172.17.0.1\tgw']);
    expect(() => extraHostLines(['gw:host-gateway'], undefined)).toThrow('no bridge gateway');
  });
});

describe('DNS flags', () => {
  it('validates servers and search domains as Docker does', () => {
    expect(parseDnsServer(' 1.1.1.1 ')).toBe('1.1.1.1');
    expect(() => parseDnsServer('x')).toThrow('IP address is not correctly formatted: x');
    expect(parseDnsSearch('example.com')).toBe('example.com');
    expect(parseDnsSearch('example.com.')).toBe('example.com');
    expect(parseDnsSearch('.')).toBe('.');
    expect(() => parseDnsSearch('123')).toThrow('123 is not a valid domain');
    expect(() => parseDnsSearch('-bad.com')).toThrow('is not a valid domain');
  });
  const host = 'nameserver 10.1.1.1\nsearch host.example\noptions edns0\n';
  it('replaces each given part of resolv.conf; "." clears search', () => {
    expect(applyDnsFlags(host, { Dns: ['9.9.9.9'] }, false)).toBe('search host.example\nnameserver 9.9.9.9\noptions edns0\n'); // resolvconf.Build's order
    expect(applyDnsFlags(host, { DnsSearch: ['.'] }, false)).toBe('nameserver 10.1.1.1\noptions edns0\n');
    expect(applyDnsFlags(host, { DnsOptions: ['ndots:3'] }, false)).toBe('search host.example\nnameserver 10.1.1.1\noptions ndots:3\n');
  });
  it('with the embedded DNS keeps 127.0.0.11 and adds ndots:0 unless given', () => {
    const emb = 'nameserver 127.0.0.11\noptions ndots:0\n';
    expect(applyDnsFlags(emb, { Dns: ['9.9.9.9'] }, true)).toBe(emb);
    expect(applyDnsFlags(emb, { DnsOptions: ['timeout:1'] }, true)).toBe('nameserver 127.0.0.11\noptions timeout:1 ndots:0\n');
    expect(applyDnsFlags(emb, { DnsOptions: ['ndots:5'] }, true)).toBe('nameserver 127.0.0.11\noptions ndots:5\n');
  });
  it('the embedded resolver learns a container\'s own upstreams (s lines after its c line)', () => {
    const net = { Id: 'n'.repeat(64), Name: 'u', Driver: 'bridge' } as never;
    const ep = { containerId: 'a'.repeat(64), containerName: 'web', networkId: 'n'.repeat(64), ip: '10.5.0.2', netns: 'minidock-aaaa', dns: ['127.0.0.1', '::1'] } as never;
    const text = buildDnsRecords([ep], [net], [{ ip: '10.1.1.1', port: 53 }]);
    // an IPv6 --dns is an upstream too (forwarded over the dual-stack socket, as Docker's)
    expect(text).toContain('u 10.1.1.1 53\nc /run/netns/minidock-aaaa nnnnnnnnnnnn\ns 127.0.0.1 53\ns ::1 53\n');
  });
});

describe('other flags', () => {
  it('--mac-address: six octets, lower-cased; multicast and zero refused', () => {
    expect(parseMacAddress('02:42:AC:11:00:02')).toBe('02:42:ac:11:00:02');
    expect(parseMacAddress('02-42-ac-11-00-02')).toBe('02:42:ac:11:00:02');
    expect(() => parseMacAddress('02:42:ac:11:00')).toThrow('is not a valid mac address');
    expect(() => parseMacAddress('01:00:5e:00:00:01')).toThrow('multicast');
    expect(() => parseMacAddress('00:00:00:00:00:00')).toThrow('all zeros');
  });
  it('--expose: ports, ranges, protocols', () => {
    expect(parseExpose('80')).toEqual(['80/tcp']);
    expect(parseExpose('53/udp')).toEqual(['53/udp']);
    expect(parseExpose('8000-8002')).toEqual(['8000/tcp', '8001/tcp', '8002/tcp']);
    expect(() => parseExpose('80:80')).toThrow('invalid port format for --expose: 80:80');
    expect(() => parseExpose('70000')).toThrow('value out of range');
    expect(() => parseExpose('9-8')).toThrow('invalid range format for --expose');
    expect(() => parseExpose('80/sctp')).toThrow('tcp and udp');
  });
  it('--stop-timeout is an integer', () => {
    expect(parseStopTimeout('5')).toBe(5);
    expect(parseStopTimeout('-1')).toBe(-1);
    expect(() => parseStopTimeout('1.5')).toThrow('invalid argument "1.5" for "--stop-timeout" flag');
  });
  it('--sysctl: only the namespaced ones, paths never leave /proc/sys', () => {
    expect(parseSysctl('net.ipv4.ip_forward=1')).toEqual(['net.ipv4.ip_forward', '1']);
    expect(parseSysctl('kernel.sem=250 32000 32 128')).toEqual(['kernel.sem', '250 32000 32 128']);
    expect(parseSysctl('fs.mqueue.msg_max=20')).toEqual(['fs.mqueue.msg_max', '20']);
    for (const bad of ['kernel.hostname=x', 'vm.swappiness=1', 'kernel.shmmaxx=1', 'net.ipv4', '=1']) expect(() => parseSysctl(bad)).toThrow('is not allowed');
    expect(sysctlPath('net.ipv4.conf.eth0.rp_filter')).toBe('net/ipv4/conf/eth0/rp_filter');
    expect(sysctlPath('net/ipv4/conf/eth0.100/rp_filter')).toBe('net/ipv4/conf/eth0.100/rp_filter');
    expect(sysctlPath('net/../../kernel/x')).toBeUndefined();
    expect(() => parseSysctl('net/../kernel/core_pattern=|x')).toThrow('invalid key');
  });
  it("--ulimit: go-units' forms and messages; shim records", () => {
    expect(parseUlimit('nofile=100:200')).toEqual({ Name: 'nofile', Soft: 100, Hard: 200 });
    expect(parseUlimit('nproc=50')).toEqual({ Name: 'nproc', Soft: 50, Hard: 50 });
    expect(parseUlimit('core=-1')).toEqual({ Name: 'core', Soft: -1, Hard: -1 });
    expect(parseUlimit('memlock=infinity')).toEqual({ Name: 'memlock', Soft: -1, Hard: -1 });
    expect(() => parseUlimit('nofile')).toThrow('invalid ulimit argument: nofile');
    expect(() => parseUlimit('as=1')).toThrow('invalid ulimit type: as');
    expect(() => parseUlimit('nofile=1:2:3')).toThrow('too many limit value arguments');
    expect(() => parseUlimit('nofile=3:2')).toThrow('ulimit soft limit must be less than or equal to hard limit: 3 > 2');
    expect(() => parseUlimit('nofile=-1:2')).toThrow('soft: -1 (unlimited), hard: 2');
    expect(rlimitShimRecords([{ Name: 'nofile', Soft: 1, Hard: -1 }])).toEqual([['7', '1', '-1']]);
  });
  it('--label-file reads KEY=VALUE lines (comments, blank lines, bare keys)', () => {
    expect(parseLabelFileText('# c\na=1\n\nb\n  c=x y\n', 'f')).toEqual({ a: '1', b: '', c: 'x y' });
    expect(() => parseLabelFileText('bad key=1\n', 'f')).toThrow("invalid env file f line 1: variable 'bad key' contains whitespaces");
  });
  it('--group-add: ids as they are, names from the group file', () => {
    expect(resolveGroupAdd(['5', 'wheel'], 'root:x:0:\nwheel:x:10:root\n')).toEqual([5, 10]);
    expect(() => resolveGroupAdd(['nosuch'], 'root:x:0:\n')).toThrow('Unable to find group nosuch: no matching entries in group file');
  });
  it('cpuset lists', () => {
    expect(parseUintList('0-2,4')).toEqual([0, 1, 2, 4]);
    expect(() => parseUintList('2-1')).toThrow();
    expect(() => parseUintList('a')).toThrow();
  });
  it('cpuset and memory reservation: the files for v1 and v2', () => {
    const r = { ...NO_LIMITS, CpusetCpus: '0-1', CpusetMems: '0', MemoryReservation: 1 << 24 };
    expect(v1Writes(r, true)).toEqual([['memory', 'memory.soft_limit_in_bytes', '16777216'], ['cpuset', 'cpuset.mems', '0'], ['cpuset', 'cpuset.cpus', '0-1']]);
    expect(v2Writes(r)).toEqual([['memory', 'memory.low', '16777216'], ['cpuset', 'cpuset.mems', '0'], ['cpuset', 'cpuset.cpus', '0-1']]);
  });
});

describe('parseRunFlags', () => {
  it('nothing given: not even parsed', () => {
    expect(hasRunFlags({ addHost: [], dns: [], expose: [] })).toBe(false);
    expect(hasRunFlags({ stopTimeout: '1' })).toBe(true);
  });
  it('depends on the network mode where Docker does', async () => {
    await expect(parseRunFlags({ macAddress: '02:00:00:00:00:01' }, 'host')).rejects.toThrow('conflicting options: mac-address and the network mode');
    await expect(parseRunFlags({ sysctl: ['net.ipv4.ip_forward=1'] }, 'host')).rejects.toThrow('not allowed in host network namespace');
    await expect(parseRunFlags({ addHost: ['a:1.2.3.4'] }, 'container:x')).rejects.toThrow('conflicting options');
    await expect(parseRunFlags({ sysctl: ['kernel.shmmax=1'] }, 'host')).resolves.toMatchObject({ hostConfig: { Sysctls: { 'kernel.shmmax': '1' } } });
  });
  it('refuses --userns and --runtime', async () => {
    await expect(parseRunFlags({ userns: 'host' }, 'bridge')).rejects.toThrow('--userns: minidock has no user namespaces');
    await expect(parseRunFlags({ runtime: 'runc' }, 'bridge')).rejects.toThrow('--runtime: minidock has one runtime');
  });
  it('the shim records pass the config encoding (no control characters)', () => {
    const cfg = runFlagsShimConfig({ Sysctls: { 'net.ipv4.ip_forward': '1' }, Ulimits: [{ Name: 'nofile', Soft: 5, Hard: 6 }], ShmSize: 1024 } as never);
    expect(encodeShimConfig(cfg)).toBe('sysctl=net/ipv4/ip_forward\t1\0rlimit=7\t5\t6\0shmsize=1024\0');
  });
});
