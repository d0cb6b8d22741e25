// `network diagram --format svg` of an overlay network on the 3-host harness: the VXLAN bar,
// the other two hosts as cards with their containers (name, IP), a tunnel to each labelled
// with the VNI and VTEP, and — after an FDB entry is removed by hand — the disagreement in red
// on the host it concerns. The SVG is parsed as XML by python3's xml.etree (the browser's
// parser is as strict). The picture itself was looked at once by hand (docs/diagram.md).
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../helpers/cluster.js';
import { sleep } from '../helpers/cli.js';

const c = new Cluster();
const h = (i: number) => c.hosts[i];

beforeAll(async () => {
  await c.start(3);
}, 60_000);
afterAll(() => c.destroy());

/** The SVG's text elements as [class, data-* attribute or '', text], read by python3's XML parser (throws on malformed XML). */
function parseSvg(svg: string): [string, string, string][] {
  const py = [
    'import sys, json, xml.etree.ElementTree as E',
    'r = E.fromstring(sys.stdin.buffer.read())',
    "ns = '{http://www.w3.org/2000/svg}'",
    "assert r.tag == ns + 'svg', r.tag",
    "print(json.dumps([[t.get('class', ''), ' '.join(f'{k}={v}' for k, v in t.attrib.items() if k.startswith('data-')), t.text or ''] for t in r.iter(ns + 'text')]))",
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: svg, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`not XML: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const names = [['s1a', 's1b'], ['s2a', 's2b', 's2c'], ['s3a', 's3b']];
const ips: Record<string, string> = {};
let vni = '';
let vx = '';

describe('network diagram --format svg of an overlay network', () => {
  it('shows the VXLAN, the other hosts with their containers, and a tunnel to each', async () => {
    h(0).ok(['network', 'create', '-d', 'overlay', '--subnet', '10.96.0.0/24', 'ovs']);
    vni = h(0).ok(['network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', 'ovs']);
    vx = `mdvx-${h(0).ok(['network', 'inspect', '-f', '{{.Id}}', 'ovs']).slice(0, 10)}`;
    names.forEach((ns, i) => ns.forEach((n) => h(i).ok(['run', '-d', '--name', n, '--network', 'ovs', 'busybox', 'sleep', '300'])));
    names.forEach((ns, i) => ns.forEach((n) => (ips[n] = h(i).ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovs.IPAddress}}', n]))));
    // the watcher programs host 1's VXLAN with the other hosts' containers
    for (let i = 0; i < 50 && (h(0).exec('ip', ['neigh', 'show', 'dev', vx]).stdout.match(/PERMANENT/g) ?? []).length < 5; i++) await sleep(100);

    const svg = h(0).ok(['network', 'diagram', '--format', 'svg', 'ovs']);
    const texts = parseSvg(svg);
    const [a1, a2, a3] = c.hosts.map((x) => x.addr);
    const line = (s: string) => texts.find(([, , t]) => t.includes(s));
    expect(line(`VXLAN ${vni} · ${vx} · UDP 4789`)?.[1]).toBe(`data-vxlan=${vx}`);
    expect(line(`VTEP ${a1} · 2 containers of it here`)).toBeDefined();
    for (const n of names[0]) expect(texts.some(([, d, t]) => d === `data-container=${n}` && t === n)).toBe(true); // this host's, as cards
    for (const [i, vtep] of [[1, a2], [2, a3]] as const) {
      expect(texts.some(([, d]) => d === `data-host=${vtep}`)).toBe(true);
      expect(texts.some(([cls, d, t]) => d === `data-tunnel=${vtep}` && t === `⇄ tunnel VNI ${vni} to ${vtep}` && cls === 'tunneltext')).toBe(true);
      expect(line(`VTEP ${a1} ⇄ ${vtep}`)).toBeDefined(); // the tunnel line's label
      for (const n of names[i]) {
        const t = texts.find(([, d]) => d === `data-remote-container=${vtep}/${n}`);
        expect(t?.[2]).toMatch(new RegExp(`^${n}  ${ips[n].replace(/\./g, '\\.')}  02:42:`));
        expect(t?.[0]).toBe('mono');
      }
    }
    expect(texts.some(([, d]) => d === `data-host=${a1}`)).toBe(false); // this host is not drawn as a remote
    expect(svg.match(/class="tunnel"/g)).toHaveLength(2);
    expect(texts.filter(([cls]) => cls === 'drift')).toEqual([]);
    expect(line("the kernel and minidock's state agree")).toBeDefined();
  }, 120_000);

  it('an FDB entry removed by hand: the disagreement in red, on the host it concerns', () => {
    const a3 = c.hosts[2].addr;
    const mac = h(2).ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovs.MacAddress}}', 's3a']);
    expect(h(0).exec('bridge', ['fdb', 'del', mac, 'dev', vx, 'dst', a3, 'self']).code).toBe(0);
    const svg = h(0).ok(['network', 'diagram', '--format', 'svg', 'ovs']);
    const texts = parseSvg(svg);
    const red = texts.filter(([cls]) => cls === 'drift').map(([, , t]) => t);
    // wrapped over lines in host 3's card, and listed whole at the bottom
    expect(red.join(' ')).toContain(`✗ the store has what the kernel lacks (bridge fdb append ${mac} dev ${vx} dst ${a3} self permanent)`);
    expect(texts.find(([, d]) => d === `data-remote-container=${a3}/s3a`)?.[0]).toBe('drift'); // that container in red
    expect(texts.find(([, d]) => d === `data-remote-container=${a3}/s3b`)?.[0]).toBe('mono');
    expect(svg.match(/class="rhost bad"/g)).toHaveLength(1);
    expect(svg).toContain('class="vxlan bad"');
    expect(texts.some(([, , t]) => t === "1 disagreement between the kernel and minidock's state")).toBe(true);
    // the watcher's sync puts it right, and the picture agrees again
    expect(h(0).run(['internal-overlay-sync']).code).toBe(0);
    expect(parseSvg(h(0).ok(['network', 'diagram', '--format', 'svg', 'ovs'])).filter(([cls]) => cls === 'drift')).toEqual([]);
  });

  it('cleans up', () => {
    names.forEach((ns, i) => h(i).ok(['rm', '-f', ...ns]));
    expect(h(0).ok(['network', 'rm', 'ovs'])).toBe('ovs');
  });
});
