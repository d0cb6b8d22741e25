// `network diagram`, `network rules` and `run --dry-run` against real containers, in a throwaway
// host netns (the Minidock helper): every kernel object lives and dies with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { BIN, Minidock, sh } from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const md = isRoot ? new Minidock() : (undefined as unknown as Minidock);
const out = mkdtempSync(join(tmpdir(), 'mdt-diagram-'));
let web = '';
let db = '';

const ipOf = (id: string) => md.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id]) || JSON.parse(md.ok(['inspect', id]))[0].NetworkSettings.Networks.bridge.IPAddress;
const linkIndex = (name: string) => (JSON.parse(md.inHost('ip', ['-j', 'link', 'show', 'dev', name]).stdout) as { ifindex: number; link_index: number }[])[0];

/** Everything a dry run must leave alone. */
function snapshot() {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      // a running container's attach.sock (a socket: no content to read) counts by its name
      else if (!e.isFile()) files.push(`${p.slice(md.root.length)} ${e.isSocket() ? 'socket' : 'other'}`);
      else files.push(`${p.slice(md.root.length)} ${createHash('sha1').update(readFileSync(p)).digest('hex')} ${statSync(p).mode}`);
    }
  };
  walk(md.root);
  return {
    link: md.inHost('ip', ['-j', 'link']).stdout,
    // IPv4 addresses only: an IPv6 link-local address settles by itself (DAD's "tentative" ends)
    addr: md.inHost('ip', ['-j', '-4', 'addr']).stdout,
    iptables: md.inHost('iptables-save', []).stdout.replace(/^#.*$/gm, ''),
    netns: sh('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean),
    state: files.sort(),
  };
}

describe('network diagram / rules / --dry-run (real kernel)', () => {
  beforeAll(() => {
    web = md.ok(['run', '-d', '--name', 'web', '-p', '8080:80', 'busybox', 'httpd', '-f', '-p', '80']);
    db = md.ok(['run', '-d', '--name', 'db', '-p', '127.0.0.1:5432:5432', 'busybox', 'sleep', '600']);
  });
  afterAll(() => {
    md?.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  it('ascii: the containers, their veth pairs with the kernel\'s ifindexes, addresses and ports', () => {
    const t = md.ok(['network', 'diagram']);
    const w = linkIndex(`md${web.slice(0, 12)}`);
    const d = linkIndex(`md${db.slice(0, 12)}`);
    expect(t).toContain(`${w.ifindex}: md${web.slice(0, 12)}@if${w.link_index}`);
    expect(t).toContain(`${d.ifindex}: md${db.slice(0, 12)}@if${d.link_index}`);
    expect(t).toContain(`${w.link_index}: eth0@if${w.ifindex}  web  ${ipOf(web)}/16  netns minidock-${web.slice(0, 12)}`);
    expect(t).toContain(`⇨ 0.0.0.0:8080/tcp ──DNAT──▶ ${ipOf(web)}:80`);
    expect(t).toContain(`⇨ 127.0.0.1:5432/tcp ──DNAT──▶ ${ipOf(db)}:5432`);
    expect(t).toMatch(/network "bridge"\s+bridge \d+: minidock0\s+gateway 172\.17\.0\.1/);
    expect(t).toContain('MASQUERADE (SNAT): traffic from 172.17.0.0/16');
    expect(t).toContain("the kernel and minidock's state agree");
  });

  it('svg and dot, to a file and to stdout', () => {
    const f = join(out, 'd.svg');
    md.ok(['network', 'diagram', '-o', f]);
    const svg = readFileSync(f, 'utf8');
    expect(svg).toMatch(/^<\?xml[^]*<svg [^]*<\/svg>\n$/);
    for (const s of ['>web<', '>db<', `md${web.slice(0, 12)}@if`, `0.0.0.0:8080/tcp`, `${ipOf(web)}:80`]) expect(svg).toContain(s);
    const dot = md.ok(['network', 'diagram', '--format', 'dot', 'bridge']);
    expect(dot).toContain(`"port:0.0.0.0:8080/tcp" -> "eth0:minidock-${web.slice(0, 12)}"`);
  });

  it('bad input: one line, exit 125', () => {
    for (const args of [['network', 'diagram', '--format', 'png'], ['network', 'diagram', 'nosuchnet'], ['network', 'rules', 'nosuch']]) {
      const r = md.run(args);
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('rules: counters rise after traffic to a published port', () => {
    const dnatLine = (t: string) => t.split('\n').find((l) => l.includes('DNAT host port 8080 → web:80'))!;
    const before = md.ok(['network', 'rules', 'web']);
    expect(before).toContain('table nat');
    expect(before).not.toContain('db:5432'); // another container's rule is filtered out
    const pk0 = Number(dnatLine(before).trim().split(/\s+/)[0]);
    const r = md.inHost('wget', ['-q', '-T', '5', '-t', '1', '-O', '/dev/null', 'http://127.0.0.1:8080/']);
    void r; // httpd answers 404 for /: the connection is what counts
    const after = md.ok(['network', 'rules', 'web']);
    expect(Number(dnatLine(after).trim().split(/\s+/)[0])).toBeGreaterThan(pk0);
    expect(after).toMatch(/connections from the host \(127\.0\.0\.1 included\) into bridge/);
  });

  it('rules --watch redraws until Ctrl-C', async () => {
    const [cmd, ...pre] = md.prefix;
    const c = spawn(cmd, [...pre, process.execPath, '--', BIN, 'network', 'rules', '--watch', '--interval', '0.2'], { env: md.env });
    let text = '';
    c.stdout.on('data', (d) => (text += d));
    let closed = false;
    c.on('close', () => (closed = true));
    await new Promise<void>((res) => {
      const check = () => ((text.match(/Every 0\.2s/g) ?? []).length >= 2 || closed ? res() : setTimeout(check, 50));
      check();
    });
    expect(closed).toBe(false); // still watching after two frames
    c.kill('SIGINT');
    const code = await new Promise<number | null>((res) => c.on('close', (n) => res(n)));
    expect(code).toBe(0);
    expect(text).toContain('MINIDOCK-DNAT');
  });

  it('network create --dry-run prints the plan and changes nothing', () => {
    const before = snapshot();
    const r = md.run(['network', 'create', '--dry-run', '--subnet', '10.213.0.0/24', 'drynet']);
    expect(r.code, r.stderr).toBe(0);
    const after = snapshot();
    expect(after.link).toBe(before.link);
    expect(after.addr).toBe(before.addr);
    expect(after.iptables).toBe(before.iptables);
    expect(after.state).toEqual(before.state);
    expect(r.stdout).toMatch(/^ip link add mdbr-[0-9a-f]+ type bridge$/m);
    expect(r.stdout).toMatch(/^ip addr add 10\.213\.0\.1\/24 dev mdbr-/m);
    expect(r.stdout).toMatch(/MASQUERADE/);
    expect(md.ok(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('drynet');
  });

  it('--dry-run prints what --explain prints and changes nothing', () => {
    const before = snapshot();
    const r = md.run(['run', '--dry-run', '--name', 'dry', '-p', '9090:90', 'busybox', 'echo', 'hi']);
    expect(r.code).toBe(0);
    const after = snapshot();
    const id12 = /\(([0-9a-f]{12})\)/.exec(r.stderr)![1];
    expect(after.link).toBe(before.link);
    expect(after.addr).toBe(before.addr);
    expect(after.iptables).toBe(before.iptables);
    expect(after.state).toEqual(before.state);
    expect(after.netns.filter((n) => !before.netns.includes(n) && n.includes(id12))).toEqual([]);
    expect(r.stdout).toContain(`ip netns add minidock-${id12}`);
    expect(r.stdout).toContain(`ip link add md${id12} type veth peer name eth0`);
    expect(r.stdout).toMatch(/iptables -t nat -A MINIDOCK-DNAT -p tcp -m tcp --dport 9090 .* -j DNAT --to-destination 172\.17\.0\.4:90/);
    expect(r.stdout).toContain('exec echo hi');
    // The real run, with --explain, prints the same plan (ids aside).
    const real = md.run(['run', '--rm', '--explain', '--name', 'dry', '-p', '9090:90', 'busybox', 'echo', 'hi']);
    expect(real.code).toBe(0);
    const norm = (s: string) =>
      s.replace(/[0-9a-f]{64}/g, 'ID').replace(/(md|minidock-|\b)[0-9a-f]{12}\b/g, '$1ID12').split('\n').filter((l) => l.trim());
    const explained = norm(real.stderr);
    const planned = norm(r.stdout);
    let k = 0;
    for (const l of explained) if (k < planned.length && l === planned[k]) k++;
    expect(planned.slice(k)).toEqual([]); // every planned line appears, in order, in the real --explain
    // bad input still fails as without --dry-run, changing nothing
    const bad = md.run(['run', '--dry-run', '--name', 'web', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('is already in use');
  });

  it('drift: a veth deleted behind minidock\'s back is marked', () => {
    const r = md.inHost('ip', ['link', 'del', `md${db.slice(0, 12)}`]);
    expect(r.code).toBe(0);
    const t = md.ok(['network', 'diagram']);
    expect(t).toContain(`✗ veth md${db.slice(0, 12)} is gone from the host`);
    expect(t).toContain(`✗ eth0 is gone from minidock-${db.slice(0, 12)}`); // deleting one end deletes both
    expect(t).toMatch(/\d+ disagreements? between the kernel and minidock's state/);
    const svg = md.ok(['network', 'diagram', '--format', 'svg']);
    expect(svg).toContain(`✗ db: veth md${db.slice(0, 12)} is gone from the host`);
  });
});
