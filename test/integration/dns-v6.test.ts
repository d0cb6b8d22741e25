// The embedded DNS with IPv6 (issue 14), against the real resolver: dist/minidock-dns is started
// in a throwaway "host" netns with a records file buildDnsRecords wrote from v4, dual-stack and
// v6-only endpoints, serving two throwaway "container" netns; queries go from inside them to
// 127.0.0.11:53 (UDP, and TCP) with a small DNS client, and are checked field by field: AAAA for
// names and aliases, PTR for v6 addresses (ip6.arpa nibble names), NODATA (NOERROR, no answer)
// for AAAA of a v4-only name and A of a v6-only one, names scoped to the asker's networks, and
// everything else still forwarded to the upstream (a fake one on the host netns' loopback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildDnsRecords, controlResolver } from '../../src/engine/network/dns.js';
import type { EndpointRecord, NetworkRecord } from '../../src/engine/network/networks.js';
import { Minidock, sh } from '../helpers/cli.js';

const DNS_BIN = fileURLToPath(new URL('../../dist/minidock-dns', import.meta.url));
const UP_PORT = 5353;

// The upstream: answers every query NOERROR with one record of the asked type, so a forwarded
// query is told from a local one by its data (198.51.100.53, 2001:db8::53, upstream.ptr).
const UPSTREAM = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  let o = 12;
  while (m[o]) o += m[o] + 1;
  const qend = o + 5, qtype = m.readUInt16BE(o + 1);
  const hdr = Buffer.from(m.subarray(0, 12));
  hdr[2] = 0x80 | (m[2] & 1); hdr[3] = 0x80;
  const data = qtype === 1 ? Buffer.from([198, 51, 100, 53])
    : qtype === 28 ? Buffer.from('20010db8000000000000000000000053', 'hex')
    : qtype === 12 ? Buffer.from('\\x08upstream\\x03ptr\\x00', 'latin1') : null;
  hdr.writeUInt16BE(1, 4); hdr.writeUInt16BE(data ? 1 : 0, 6); hdr.writeUInt32BE(0, 8);
  const parts = [hdr, m.subarray(12, qend)];
  if (data) { const rr = Buffer.from([0xc0, 12, 0, qtype, 0, 1, 0, 0, 0, 60, 0, data.length]); parts.push(rr, data); }
  s.send(Buffer.concat(parts), r.port, r.address);
});
s.bind(${UP_PORT}, '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

// The client, run inside a container netns: argv[1] = JSON [[name, qtype, 'udp'|'tcp'], …];
// prints JSON [{rcode, aa, answers: [{type, data}]}, …] (A/AAAA as text, PTR as a name).
const CLIENT = `
const dgram = require('node:dgram'), net = require('node:net');
const qs = JSON.parse(process.argv[1]);
const query = (name, type, id) => {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const h = Buffer.alloc(12); h.writeUInt16BE(id, 0); h[2] = 1; h.writeUInt16BE(1, 4);
  const t = Buffer.alloc(4); t.writeUInt16BE(type, 0); t.writeUInt16BE(1, 2);
  return Buffer.concat([h, ...labels, Buffer.from([0]), t]);
};
const nameAt = (m, o) => {
  const out = []; let end = -1;
  for (let hops = 0; m[o] && hops < 50; hops++) {
    if ((m[o] & 0xc0) === 0xc0) { if (end < 0) end = o + 2; o = m.readUInt16BE(o) & 0x3fff; continue; }
    out.push(m.subarray(o + 1, o + 1 + m[o]).toString()); o += m[o] + 1;
  }
  return [out.join('.'), end < 0 ? o + 1 : end];
};
const hex6 = (b) => { const g = []; for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16)); return g.join(':'); };
const parse = (m) => {
  let [, o] = nameAt(m, 12); o += 4;
  const answers = [];
  for (let i = 0; i < m.readUInt16BE(6); i++) {
    const [, p] = nameAt(m, o); const type = m.readUInt16BE(p), len = m.readUInt16BE(p + 8), rd = m.subarray(p + 10, p + 10 + len);
    const data = type === 1 ? [...rd].join('.') : type === 28 ? hex6(rd) : type === 12 ? nameAt(m, p + 10)[0] : rd.toString('hex');
    answers.push({ type, data }); o = p + 10 + len;
  }
  return { id: m.readUInt16BE(0), rcode: m[3] & 15, aa: !!(m[2] & 4), answers };
};
const one = ([name, type, proto], id) => new Promise((res) => {
  const q = query(name, type, id);
  const timer = setTimeout(() => res({ error: 'timeout' }), 4000);
  if (proto === 'tcp') {
    const c = net.connect(53, '127.0.0.11'); let buf = Buffer.alloc(0);
    const len = Buffer.alloc(2); len.writeUInt16BE(q.length);
    c.on('connect', () => c.write(Buffer.concat([len, q])));
    c.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { clearTimeout(timer); c.destroy(); res(parse(buf.subarray(2))); } });
    c.on('error', (e) => { clearTimeout(timer); res({ error: e.message }); });
  } else {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => { clearTimeout(timer); s.close(); res(parse(m)); });
    s.send(q, 53, '127.0.0.11');
  }
});
(async () => { const out = []; for (let i = 0; i < qs.length; i++) out.push(await one(qs[i], 0x1000 + i)); process.stdout.write(JSON.stringify(out)); })();
`;

interface Reply {
  rcode: number;
  aa: boolean;
  answers: { type: number; data: string }[];
  error?: string;
}

const A = 1;
const AAAA = 28;
const PTR = 12;
const MX = 15;

/** The ip6.arpa name of a full (uncompressed) v6 address given as 8 hex groups. */
function ip6arpa(groups: string): string {
  const hex = groups.split(':').map((g) => g.padStart(4, '0')).join('');
  return [...hex].reverse().join('.') + '.ip6.arpa';
}

const ID1 = 'a1'.repeat(32);
const ID2 = 'b2'.repeat(32);
const ID3 = 'c3'.repeat(32);
const ID4 = 'd4'.repeat(32);
const NET_DUAL = 'e5'.repeat(32);
const NET_SIX = 'f6'.repeat(32);
const NET_FOUR = '07'.repeat(32);

describe('minidock-dns answers AAAA, v6 PTR and NODATA, and forwards the rest (real resolver, throwaway netns)', () => {
  const tag = randomBytes(3).toString('hex');
  const HOSTNS = `mdt-d6h-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'mdt-dns6-'));
  const records = join(dir, 'records');
  const ctl = join(dir, 'ctl.sock');
  const ctrNs = (id: string) => `mdt-d6c-${id.slice(0, 4)}-${tag}`;
  const kids: ChildProcess[] = [];
  const made: string[] = [];

  const net = (name: string, id: string): NetworkRecord => ({ Name: name, Id: id, Created: '', Driver: 'bridge' });
  const ep = (cid: string, name: string, netId: string, ip: string, ip6?: string, aliases?: string[]): EndpointRecord => ({
    containerId: cid, containerName: name, network: '', networkId: netId, endpointId: '', ip, prefixLen: 24, gateway: '', mac: '', netns: ctrNs(cid), hostIf: '', ports: [], ...(ip6 ? { ip6 } : {}), ...(aliases ? { aliases } : {}),
  });

  /** Asks from inside container `id`'s netns. */
  const ask = (id: string, qs: [string, number, ('udp' | 'tcp')?][]): Reply[] => {
    const r = spawnSync('nsenter', [`--net=/run/netns/${ctrNs(id)}`, '--', process.execPath, '-e', CLIENT, JSON.stringify(qs.map(([n, t, p]) => [n, t, p ?? 'udp']))], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`dns client: ${r.stderr}`);
    return JSON.parse(r.stdout) as Reply[];
  };
  const data = (r: Reply) => r.answers.map((a) => `${a.type} ${a.data}`);

  beforeAll(async () => {
    const must = (r: { code: number; stderr: string }) => {
      if (r.code !== 0) throw new Error(r.stderr);
    };
    for (const ns of [HOSTNS, ...[ID1, ID2, ID3, ID4].map(ctrNs)]) {
      must(sh('ip', ['netns', 'add', ns]));
      made.push(ns);
      must(sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']));
    }
    const up = spawn('nsenter', [`--net=/run/netns/${HOSTNS}`, '--', process.execPath, '-e', UPSTREAM], { stdio: ['ignore', 'pipe', 'inherit'] });
    kids.push(up);
    await new Promise<void>((res, rej) => {
      up.stdout!.once('data', () => res());
      up.once('exit', (c) => rej(new Error(`upstream exited ${c}`)));
    });
    // web: dual stack with an alias; only6: v6-only (ip ''); only4: v4-only; far: alone on another v4 network
    const text = buildDnsRecords(
      [
        ep(ID1, 'web', NET_DUAL, '10.61.0.2', 'fd00:61::2', ['www']),
        ep(ID2, 'only6', NET_DUAL, '', 'fd00:61::3'),
        ep(ID2, 'only6', NET_SIX, '', 'fd00:62::2', ['six']),
        ep(ID3, 'only4', NET_DUAL, '10.61.0.4'),
        ep(ID4, 'far', NET_FOUR, '10.63.0.2'),
      ],
      [net('dual', NET_DUAL), net('six', NET_SIX), net('four', NET_FOUR)],
      [{ ip: '127.0.0.1', port: UP_PORT }],
    );
    writeFileSync(records, text);
    const srv = spawn('nsenter', [`--net=/run/netns/${HOSTNS}`, '--', DNS_BIN, records, ctl], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    kids.push(srv);
    const report = await new Promise<string>((res) => {
      let s = '';
      const fd3 = srv.stdio[3] as NodeJS.ReadableStream;
      fd3.setEncoding('utf8');
      fd3.on('data', (d: string) => (s += d));
      fd3.on('end', () => res(s));
    });
    if (!report.startsWith('ok')) throw new Error(`minidock-dns: ${report}`);
  }, 60_000);

  afterAll(async () => {
    await controlResolver('quit', ctl).catch(() => undefined);
    for (const k of kids) k.kill('SIGKILL');
    for (const ns of made) sh('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves every container netns of the records file', async () => {
    expect(await controlResolver('ping', ctl)).toBe('ok 4');
  });

  it('AAAA for a dual-stack name, its alias and short id; A still answers; over UDP and TCP', () => {
    const [aaaa, alias, short, a, tcp] = ask(ID3, [['web', AAAA], ['www', AAAA], [ID1.slice(0, 12), AAAA], ['web', A], ['WWW', AAAA, 'tcp']]);
    for (const r of [aaaa, alias, short, tcp]) {
      expect(r).toMatchObject({ rcode: 0, aa: true });
      expect(data(r)).toEqual([`${AAAA} fd00:61:0:0:0:0:0:2`]);
    }
    expect(data(a)).toEqual([`${A} 10.61.0.2`]);
  });

  it('NODATA: AAAA of a v4-only name and A of a v6-only name are NOERROR with no answer (not forwarded, not NXDOMAIN)', () => {
    const [aaaa4, a6, mx] = ask(ID1, [['only4', AAAA], ['only6', A], ['web', MX]]);
    for (const r of [aaaa4, a6, mx]) expect(r).toEqual({ id: expect.any(Number), rcode: 0, aa: true, answers: [] });
    // the v6-only container's AAAA on the network both share, and A of the v4-only one
    const [aaaa6, a4] = ask(ID1, [['only6', AAAA], ['only4', A]]);
    expect(data(aaaa6)).toEqual([`${AAAA} fd00:61:0:0:0:0:0:3`]);
    expect(data(a4)).toEqual([`${A} 10.61.0.4`]);
  });

  it('a v6-only container is served; it sees its peers by name on each of its networks and nothing beyond them', () => {
    const [web, self, far, farA] = ask(ID2, [['web', AAAA], ['six', AAAA], ['far', AAAA], ['far', A]]);
    expect(data(web)).toEqual([`${AAAA} fd00:61:0:0:0:0:0:2`]);
    expect(data(self)).toEqual([`${AAAA} fd00:62:0:0:0:0:0:2`]);
    // far is on a network only6 is not on: unknown single-label name, NXDOMAIN (as for v4)
    expect(far.rcode).toBe(3);
    expect(farA.rcode).toBe(3);
    // from a container on the "six" network only the six address of only6 is visible; from one on "dual" only the dual one
    expect(data(ask(ID1, [['only6', AAAA]])[0])).toEqual([`${AAAA} fd00:61:0:0:0:0:0:3`]);
  });

  it('PTR for v6 addresses in ip6.arpa nibble form, either case; v4 PTR unchanged', () => {
    const [p6, upper, p4, tcp] = ask(ID3, [
      [ip6arpa('fd00:61:0:0:0:0:0:2'), PTR],
      [ip6arpa('fd00:61:0:0:0:0:0:3').toUpperCase().replace('IP6.ARPA', 'ip6.ARPA'), PTR],
      ['2.0.61.10.in-addr.arpa', PTR],
      [ip6arpa('fd00:61:0:0:0:0:0:2'), PTR, 'tcp'],
    ]);
    expect(data(p6)).toEqual([`${PTR} web`]);
    expect(p6).toMatchObject({ rcode: 0, aa: true });
    expect(data(upper)).toEqual([`${PTR} only6`]);
    expect(data(p4)).toEqual([`${PTR} web`]);
    expect(data(tcp)).toEqual([`${PTR} web`]);
    // the address of a network the asker is not on is not ours to answer: forwarded
    expect(data(ask(ID3, [[ip6arpa('fd00:62:0:0:0:0:0:2'), PTR]])[0])).toEqual([`${PTR} upstream.ptr`]);
  });

  it('everything else is forwarded: AAAA, A and PTR of other names and addresses, malformed nibble names', () => {
    const [aaaa, a, ptr6, ptr4, short, tcp] = ask(ID1, [
      ['upstream.test', AAAA],
      ['upstream.test', A],
      [ip6arpa('2001:db8:0:0:0:0:0:99'), PTR],
      ['9.9.51.198.in-addr.arpa', PTR],
      ['0.0.0.1.ip6.arpa', PTR], // not a full 32-nibble name
      ['upstream.test', AAAA, 'tcp'],
    ]);
    expect(data(aaaa)).toEqual([`${AAAA} 2001:db8:0:0:0:0:0:53`]);
    expect(aaaa.aa).toBe(false); // the upstream's answer, relayed
    expect(data(a)).toEqual([`${A} 198.51.100.53`]);
    expect(data(ptr6)).toEqual([`${PTR} upstream.ptr`]);
    expect(data(ptr4)).toEqual([`${PTR} upstream.ptr`]);
    expect(data(short)).toEqual([`${PTR} upstream.ptr`]);
    expect(data(tcp)).toEqual([`${AAAA} 2001:db8:0:0:0:0:0:53`]);
  });

  it('an old records file (v4 lines only) still parses after a reload; v6 lines of a new file come back with the next', async () => {
    const old = ['u 127.0.0.1 5353', `c /run/netns/${ctrNs(ID1)} ${NET_DUAL.slice(0, 12)}`, `n ${NET_DUAL.slice(0, 12)} 10.61.0.9 oldname`].join('\n') + '\n';
    const current = (await import('node:fs')).readFileSync(records, 'utf8');
    writeFileSync(records, old);
    try {
      expect(await controlResolver('reload', ctl)).toBe('ok 1');
      const [a, aaaa, gone] = ask(ID1, [['oldname', A], ['oldname', AAAA], ['web', AAAA]]);
      expect(data(a)).toEqual([`${A} 10.61.0.9`]);
      expect(aaaa).toMatchObject({ rcode: 0, answers: [] });
      expect(gone.rcode).toBe(3);
    } finally {
      writeFileSync(records, current);
      expect(await controlResolver('reload', ctl)).toBe('ok 4');
    }
    expect(data(ask(ID1, [['www', AAAA]])[0])).toEqual([`${AAAA} fd00:61:0:0:0:0:0:2`]);
  });
});

describe('end to end: a dual-stack and a v6-only user network, busybox nslookup inside containers', () => {
  // Nothing is forwarded anywhere real: the upstream is the throwaway host netns' loopback.
  const md = new Minidock({ MINIDOCK_DNS_UPSTREAM: '127.0.0.1:53' });
  const look = (ctr: string, ...args: string[]) => {
    const r = md.run(['exec', ctr, 'nslookup', ...args]);
    const out = r.stdout + r.stderr;
    return { out, addrs: [...out.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]), nx: /NXDOMAIN/.test(out) };
  };

  beforeAll(() => {
    md.ok(['network', 'create', '--ipv6', '--subnet', 'fd00:dd6::/64', 'dual6']);
    md.ok(['network', 'create', '--ipv6', '--ipv4=false', '--subnet', 'fd00:dd7::/64', 'six']);
    md.ok(['run', '-d', '--name', 'web', '--network', 'dual6', '--network-alias', 'www', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'lone6', '--network', 'six', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'client', '--network', 'dual6', 'busybox', 'sleep', '600']);
  }, 120_000);
  afterAll(() => md.cleanup());

  it('AAAA for a name and an alias, A alongside, PTR of the v6 address; names scoped to shared networks', () => {
    const ip6 = md.ok(['inspect', '-f', '{{.NetworkSettings.Networks.dual6.GlobalIPv6Address}}', 'web']);
    const ip4 = md.ok(['inspect', '-f', '{{.NetworkSettings.Networks.dual6.IPAddress}}', 'web']);
    expect(ip6).toMatch(/^fd00:dd6::\d+$/);
    expect(look('client', '-type=AAAA', 'web').addrs).toEqual([ip6]);
    expect(look('client', '-type=AAAA', 'www').addrs).toEqual([ip6]);
    expect(look('client', '-type=A', 'web').addrs).toEqual([ip4]);
    expect(look('client', ip6).out).toMatch(/ip6\.arpa\s+name = web$/m);
    // lone6 is on "six" only: client does not see it
    expect(look('client', '-type=AAAA', 'lone6').nx).toBe(true);
  });

  it('a v6-only container is served at 127.0.0.11; A of a v6-only name is NODATA (no address, not NXDOMAIN)', () => {
    md.ok(['network', 'connect', 'six', 'web']);
    try {
      const web6 = (JSON.parse(md.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'web'])) as Record<string, { GlobalIPv6Address: string }>).six.GlobalIPv6Address;
      const lone = md.ok(['inspect', '-f', '{{.NetworkSettings.Networks.six.GlobalIPv6Address}}', 'lone6']);
      expect(md.ok(['exec', 'lone6', 'cat', '/etc/resolv.conf'])).toMatch(/^nameserver 127\.0\.0\.11$/m);
      expect(look('lone6', '-type=AAAA', 'web').addrs).toEqual([web6]);
      expect(look('web', '-type=AAAA', 'lone6').addrs).toEqual([lone]);
      const a = look('web', '-type=A', 'lone6');
      expect(a.addrs).toEqual([]);
      expect(a.nx).toBe(false);
      expect(a.out).not.toMatch(/SERVFAIL|timed out|can't/);
    } finally {
      md.ok(['network', 'disconnect', 'six', 'web']);
    }
    expect(look('lone6', '-type=AAAA', 'web').nx).toBe(true);
  });
});
