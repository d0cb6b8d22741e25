// What shows the network: `network rules CONTAINER` for a container on several networks (the
// rules of each of them, not only eth0's), and `network diagram --trace` (the last trace drawn on
// the svg diagram as a path, listed in words under the ascii one), on both firewall backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot).each(['iptables', 'nftables'] as const)('rules of every network, diagram --trace (%s backend)', (backend) => {
  const md = new Minidock({ MINIDOCK_FIREWALL: backend });

  beforeAll(() => {
    md.ok(['network', 'create', '--subnet', '10.231.0.0/24', 'lab']);
    md.ok(['network', 'create', '--subnet', '10.232.0.0/24', 'far']);
    md.ok(['run', '-d', '--name', 'web', '-p', '8080:80', 'busybox', 'httpd', '-f', '-p', '80']);
    md.ok(['network', 'connect', 'lab', 'web']);
    md.ok(['run', '-d', '--name', 'solo', 'busybox', 'sleep', '3600']);
  }, 60_000);

  afterAll(() => md.cleanup());

  it('network rules CONTAINER: the rules of each network it is connected to, not another network\'s', () => {
    const out = md.ok(['network', 'rules', 'web']);
    expect(out).toMatch(/^container web is on bridge \(eth0\), lab \(eth1\): the rules of each$/m);
    expect(out).toContain('DNAT host port 8080 → web:80');
    // both networks' own rules (their masquerade), never the third's
    expect(out).toMatch(/containers of bridge \(172\.17\.0\.0\/16\)/);
    expect(out).toMatch(/containers of lab \(10\.231\.0\.0\/24\)/);
    expect(out).not.toMatch(/10\.232\.0\.0\/24|containers of far\b/);
    // a container on one network: its network only, and no head line
    const solo = md.ok(['network', 'rules', 'solo']);
    expect(solo).not.toMatch(/^container solo is on/m);
    expect(solo).toMatch(/containers of bridge \(172\.17\.0\.0\/16\)/);
    expect(solo).not.toMatch(/10\.231\.0\.0\/24|10\.232\.0\.0\/24/);
    expect(solo).not.toContain('→ web:80'); // another container's port
  });

  it('network diagram --trace before any trace: one line, exit 125', () => {
    rmSync(join(md.root, 'networks', 'last-trace.json'), { force: true });
    const r = md.run(['network', 'diagram', '--format', 'svg', '--trace']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^minidock: --trace: no trace to draw \(.*last-trace\.json is missing or not a trace: run network trace first\)\n$/);
  });

  it('network diagram --format svg --trace draws the last trace as a path; without --trace nothing of it', () => {
    const t = md.run(['network', 'trace', '--from', 'solo', '--to', 'web:80']);
    expect(t.code, t.stderr).toBe(0);
    expect(existsSync(join(md.root, 'networks', 'last-trace.json'))).toBe(true);
    const svg = md.ok(['network', 'diagram', '--format', 'svg', '--trace']);
    expect(svg).toContain('data-trace="path"');
    expect(svg).toMatch(/data-trace="head"[^>]*>last trace: solo → web:80 \(tcp\) · delivered: web answered/);
    expect(svg).toMatch(/data-step="1"/);
    const plain = md.ok(['network', 'diagram', '--format', 'svg']);
    expect(plain).not.toContain('data-trace');
    // into a file by its extension, as without --trace
    const file = join(md.root, 'd.svg');
    md.ok(['network', 'diagram', '-o', file, '--trace']);
    expect(md.inHost('cat', [file]).stdout).toContain('data-trace="path"');
  });

  it('network diagram --trace (ascii): the steps in words under the diagram', () => {
    const out = md.ok(['network', 'diagram', '--trace']);
    expect(out).toMatch(/^last trace: solo → web:80 \(tcp\) · delivered: web answered/m);
    expect(out).toMatch(/^ {2}1\. routing: routing in solo's namespace: out eth0/m);
    expect(out).toMatch(/^ {2}\d+\. FORWARD /m);
    expect(md.ok(['network', 'diagram'])).not.toMatch(/last trace:/);
  });

  it('--trace with dot or --serve: one line, exit 125', () => {
    for (const [args, msg] of [
      [['--format', 'dot', '--trace'], /^minidock: --trace is drawn on the svg diagram .*not in dot\n$/],
      [['--serve', '0', '--trace'], /^minidock: --serve draws the last trace by itself: --trace does not go with it\n$/],
    ] as [string[], RegExp][]) {
      const r = md.run(['network', 'diagram', ...args]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(msg);
    }
  });
});
