// State roots stay apart (issue 11): several state roots share one "host" network namespace —
// two with the same chain prefix (each its own default bridge), one with another prefix — each
// with running containers that publish ports, a user network with a container and an idle one.
// `system prune -f` in a fresh root, and in one of them, must leave every other root's netns,
// veths, rules and bridges alone, and their published ports must keep answering (real traffic
// over the test netns' loopback). The second prefix's ports answer while the first is hooked.
// A root's own crash leftovers are still removed by its own prune, and only by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock, sleep } from '../helpers/cli.js';
import { containerIds, emptyHeld, heldBy, hostLinks, iptablesSave, killAt, settle } from './crash-helpers.js';

const rand = Math.random().toString(16).slice(2, 8);
// A: default prefix, default bridge; B: the same prefix, its own bridge; C: another prefix.
const A = new Minidock();
const B = new Minidock({ MINIDOCK_BRIDGE: `mdtb${rand}` }, { hostNs: A.hostNs });
const C = new Minidock({ MINIDOCK_BRIDGE: `mdtc${rand}`, MINIDOCK_CHAIN_PREFIX: `MDT${rand.toUpperCase()}` }, { hostNs: A.hostNs });
const scratch = mkdtempSync(join(tmpdir(), 'mdtest-roots-'));
const extra: Minidock[] = [];

const PORT = { A: 18301, B: 18302, C: 18303, Anet: 18304 };
const HTTPD = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

interface Footprint {
  id: string;
  netns: string;
  veth: string;
}
const fp: Record<string, Footprint> = {};
/** User networks that must keep their bridge (a root's own prune removes its idle ones). */
const nets: [Minidock, string][] = [[A, 'anet'], [A, 'aidle'], [B, 'bidle']];

function footprint(md: Minidock, name: string): Footprint {
  const id = md.ok(['inspect', '-f', '{{.Id}}', name]);
  return { id, netns: `minidock-${id.slice(0, 12)}`, veth: `md${id.slice(0, 12)}` };
}

const wget = (port: number) => A.inHost('timeout', ['2', 'busybox', 'wget', '-q', '-O-', `http://127.0.0.1:${port}/`]).stdout.trim();

/** What 127.0.0.1:port answers in the shared host netns (retried for up to ~5 s). */
async function answers(port: number, text: string): Promise<string> {
  const end = Date.now() + 5000;
  let got = wget(port);
  while (got !== text && Date.now() < end) {
    await sleep(100);
    got = wget(port);
  }
  return got;
}

/** Everything of every root's containers and networks is still there and working. */
async function allIntact(skip: string[] = []): Promise<void> {
  const links = hostLinks(A);
  const save = iptablesSave(A);
  for (const [k, f] of Object.entries(fp)) {
    if (skip.includes(k)) continue;
    expect(existsSync(`/run/netns/${f.netns}`), `${k}: netns ${f.netns}`).toBe(true);
    expect(links, `${k}: veth`).toContain(f.veth);
    expect(save, `${k}: its DNAT rule`).toContain(`minidock ${f.id.slice(0, 12)}`);
  }
  for (const br of ['minidock0', `mdtb${rand}`, `mdtc${rand}`]) expect(links, `bridge ${br}`).toContain(br);
  for (const [md, net] of nets) {
    const rec = JSON.parse(readFileSync(join(md.root, 'networks', 'nets', `${net}.json`), 'utf8')) as { Bridge: string };
    expect(links, `bridge of ${net}`).toContain(rec.Bridge);
  }
  const got: Record<string, string> = {};
  const want: Record<string, string> = {};
  for (const [k, port, text] of [['a', PORT.A, 'root-a'], ['b', PORT.B, 'root-b'], ['c', PORT.C, 'root-c'], ['anet', PORT.Anet, 'root-a-net']] as const) {
    if (skip.includes(k)) continue;
    want[k] = text;
    got[k] = await answers(port, text);
  }
  expect(got, 'published ports answer').toEqual(want);
}

beforeAll(async () => {
  A.ok(['network', 'create', '-o', `com.docker.network.bridge.name=mdta${rand}`, 'anet']);
  A.ok(['network', 'create', 'aidle']);
  A.ok(['run', '-d', '--name', 'web-a', '-p', `${PORT.A}:80`, 'busybox', ...HTTPD('root-a')]);
  A.ok(['run', '-d', '--name', 'web-anet', '--network', 'anet', '-p', `${PORT.Anet}:80`, 'busybox', ...HTTPD('root-a-net')]);
  B.ok(['network', 'create', 'bidle']);
  B.ok(['run', '-d', '--name', 'web-b', '-p', `${PORT.B}:80`, 'busybox', ...HTTPD('root-b')]);
  C.ok(['run', '-d', '--name', 'web-c', '-p', `${PORT.C}:80`, 'busybox', ...HTTPD('root-c')]);
  fp.a = footprint(A, 'web-a');
  fp.anet = footprint(A, 'web-anet');
  fp.b = footprint(B, 'web-b');
  fp.c = footprint(C, 'web-c');
}, 120_000);

afterAll(() => {
  for (const md of [...extra, C, B]) md.cleanup();
  A.cleanup(); // last: it owns the shared netns
  rmSync(scratch, { recursive: true, force: true });
});

describe('two state roots side by side in one host netns', () => {
  it('each root works: the same prefix twice and a second prefix, all published ports answer', async () => {
    await allIntact();
    // the second prefix has its own hooks, beside the first's
    const save = iptablesSave(A);
    const prefix = `MDT${rand.toUpperCase()}`;
    expect(save).toMatch(new RegExp(`^-A PREROUTING .*-j ${prefix}-DNAT$`, 'm'));
    expect(save).toMatch(/^-A PREROUTING .*-j MINIDOCK-DNAT$/m);
    // the same prefix: each root's network rules are its own (B's bridge has its masquerade)
    expect(save).toMatch(new RegExp(`^-A MINIDOCK-POSTROUTING .*-o mdtb${rand} .*--src-type LOCAL .*-j MASQUERADE$`, 'm'));
  });
});

describe('a root still removes its own crash leftovers (and no other root does)', () => {
  it('a run -d -p killed once wired, and a network create killed half-way', async () => {
    const marker = join(scratch, 'paused');
    const before = new Set(containerIds(A));
    const r = await killAt(A, 'op:iptables-nat-A', ['run', '-d', '-p', '18310:80', 'busybox', 'sleep', '600'], marker);
    expect(r.reached, r.out).toBe(true);
    await settle(A);
    const id = containerIds(A).find((x) => !before.has(x))!;
    const n = await killAt(A, 'op:iptables-filter-A', ['network', 'create', '-o', `com.docker.network.bridge.name=mdtk${rand}`, 'crashnet'], marker);
    expect(n.reached, n.out).toBe(true);
    const leftover = () => {
      const links = hostLinks(A);
      return {
        rule: heldBy(A, id, links, iptablesSave(A)).rules.length > 0,
        bridge: links.includes(`mdtk${rand}`),
        netRules: iptablesSave(A).includes('minidock net crashnet:'),
      };
    };
    expect(leftover()).toEqual({ rule: true, bridge: true, netRules: true });
    // other roots' prunes leave A's leftovers alone: they are A's
    for (const md of [B, C]) expect(md.run(['system', 'prune', '-f']).code).toBe(0);
    expect(leftover()).toEqual({ rule: true, bridge: true, netRules: true });
    B.ok(['network', 'create', 'bidle']); // (B's prune is Docker's too: it removed its own idle network)
    // A's own prune removes them, and nothing of anyone else's
    const p = A.run(['system', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(leftover()).toEqual({ rule: false, bridge: false, netRules: false });
    expect(heldBy(A, id, hostLinks(A), iptablesSave(A))).toSatisfy(emptyHeld);
    // (A's prune is Docker's too: its own idle network went, B's did not)
    expect(A.run(['network', 'inspect', 'aidle']).code).not.toBe(0);
    nets.splice(nets.findIndex(([, n]) => n === 'aidle'), 1);
    await allIntact();
  }, 120_000);
});

describe('prune in a fresh root and in one of them', () => {
  it('system prune -f in a fresh root touches nothing of theirs', async () => {
    const F = new Minidock({ MINIDOCK_BRIDGE: `mdtf${rand}` }, { hostNs: A.hostNs });
    extra.push(F);
    const p = F.run(['system', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).not.toMatch(/removed (veth|network namespace|rule|bridge)/);
    await allIntact();
  });

  it('system prune -f in one root (B) touches nothing of the others, and keeps its own running one', async () => {
    const p = B.run(['system', 'prune', '-f']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).not.toMatch(/removed (veth|network namespace|rule)/);
    // B's own idle network is gone (Docker's prune), A's idle one is not
    expect(B.run(['network', 'inspect', 'bidle']).code).not.toBe(0);
    B.ok(['network', 'create', 'bidle']);
    const c = C.run(['system', 'prune', '-f']);
    expect(c.code, c.stderr).toBe(0);
    expect(C.run(['network', 'ls', '-q']).code).toBe(0);
    await allIntact();
  });

  it("a root is refused another root's default bridge (it would hand out the same addresses)", async () => {
    const D = new Minidock({}, { hostNs: A.hostNs }); // MINIDOCK_BRIDGE unset: minidock0, A's
    extra.push(D);
    const save = iptablesSave(A);
    const r = D.run(['run', '--rm', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bridge minidock0 is the network bridge of another minidock state root');
    expect(r.stderr).toContain('MINIDOCK_BRIDGE');
    expect(D.run(['network', 'create', 'dnet']).code).toBe(125);
    expect(iptablesSave(A).replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '')).toBe(save.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, ''));
    await allIntact();
  });

  it('network diagram and rules show only the root\'s own objects', () => {
    const rules = B.ok(['network', 'rules']);
    expect(rules).toContain(`mdtb${rand}`);
    expect(rules).not.toContain('minidock0');
    expect(rules).not.toContain(fp.a.id.slice(0, 12));
    expect(rules).not.toContain(`MDT${rand.toUpperCase()}`);
    const diagram = B.ok(['network', 'diagram']);
    expect(diagram).not.toContain(fp.a.veth);
    expect(diagram).not.toContain(fp.c.veth);
    expect(diagram).not.toMatch(/belongs to no (running )?container/);
  });
});

describe('teardown of one root leaves the others working', () => {
  it('rm -f of every container of A keeps B and C answering', async () => {
    A.ok(['rm', '-f', 'web-a', 'web-anet']);
    delete fp.a;
    delete fp.anet;
    await allIntact(['a', 'anet']);
  });
});
