#!/usr/bin/env node
// Overlay benchmark (issue 15), run by bench/run.mjs (`npm run bench -- overlay`): TCP throughput
// (iperf3, medians of BENCH_OVERLAY_ROUNDS rounds of BENCH_OVERLAY_SECS s, the rows interleaved)
// between two hosts of the test cluster (test/helpers/cluster.ts: netns "hosts" on a switch
// bridge, etcd on host 1), three ways:
//   veth       host 1 → host 2 straight over the switch (no encapsulation): the ceiling
//   by hand    two netns "containers" on a VXLAN made with `ip` (docs/overlay.md, Part 1)
//   minidock   two containers on `network create -d overlay`
// The target: minidock ≥ 0.95 × the hand-made VXLAN path. The harness is TypeScript:
// bundled here with esbuild (a dev dependency) into .cache/bench/, which resolves bin/minidock.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repo, '.cache', 'bench', 'overlay-bulk.mjs');
await build({ entryPoints: [join(repo, 'test', 'helpers', 'overlay-bulk.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
const { Cluster, iperf } = await import(out);

const ROUNDS = Number(process.env.BENCH_OVERLAY_ROUNDS || 3);
const SECS = String(process.env.BENCH_OVERLAY_SECS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const must = (h, cmd, args) => {
  const r = h.exec(cmd, args);
  if (r.code !== 0) throw new Error(`host ${h.index}: ${cmd} ${args.join(' ')}: ${r.stderr}`);
};

const c = new Cluster();
try {
  await c.start(2);
  const [h1, h2] = c.hosts;
  // by hand: the docs' Part 1, VNI 42, 10.95.0.0/24
  for (const [h, me, peer, n] of [[h1, h1.addr, h2.addr, 1], [h2, h2.addr, h1.addr, 2]]) {
    const ns = `hand${n}`;
    for (const a of [
      ['netns', 'add', ns], ['-n', ns, 'link', 'set', 'lo', 'up'], ['link', 'add', 'handbr', 'type', 'bridge'], ['link', 'set', 'handbr', 'up'],
      ['link', 'add', 'handvx', 'mtu', '1450', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', me, 'nolearning', 'proxy'],
      ['link', 'set', 'handvx', 'master', 'handbr'], ['link', 'set', 'handvx', 'up'],
      ['link', 'add', `handv${n}`, 'mtu', '1450', 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', '1450', 'address', `02:42:0a:5f:00:0${n}`, 'netns', ns],
      ['link', 'set', `handv${n}`, 'master', 'handbr'], ['link', 'set', `handv${n}`, 'up'],
      ['-n', ns, 'addr', 'add', `10.95.0.${n}/24`, 'dev', 'eth0'], ['-n', ns, 'link', 'set', 'eth0', 'up'],
    ]) must(h, 'ip', a);
    const o = 3 - n;
    must(h, 'bridge', ['fdb', 'append', '00:00:00:00:00:00', 'dev', 'handvx', 'dst', peer, 'self', 'permanent']);
    must(h, 'bridge', ['fdb', 'append', `02:42:0a:5f:00:0${o}`, 'dev', 'handvx', 'dst', peer, 'self', 'permanent']);
    must(h, 'ip', ['neigh', 'replace', `10.95.0.${o}`, 'lladdr', `02:42:0a:5f:00:0${o}`, 'dev', 'handvx', 'nud', 'permanent']);
  }
  // minidock
  h1.ok(['network', 'create', '-d', 'overlay', '--subnet', '10.96.0.0/24', 'ovbench']);
  const id1 = h1.ok(['run', '-d', '--name', 'bench1', '--network', 'ovbench', 'busybox', 'sleep', '600']);
  const id2 = h2.ok(['run', '-d', '--name', 'bench2', '--network', 'ovbench', 'busybox', 'sleep', '600']);
  const ip2 = h2.ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovbench.IPAddress}}', 'bench2']);
  const rows = [
    ['veth, no encapsulation', () => iperf(h2, '', h1, '', h2.addr, ['-t', SECS])],
    ['VXLAN by hand', () => iperf(h2, 'hand2', h1, 'hand1', '10.95.0.2', ['-t', SECS])],
    ['minidock overlay', () => iperf(h2, `minidock-${id2.slice(0, 12)}`, h1, `minidock-${id1.slice(0, 12)}`, ip2, ['-t', SECS])],
  ];
  const xs = rows.map(() => []);
  for (let i = 0; i < ROUNDS; i++) rows.forEach(([, f], k) => xs[k].push(f().bps));
  const m = xs.map(median);
  console.log(`\n# overlay (issue 15): iperf3 TCP host 1 → host 2, median of ${ROUNDS} × ${SECS} s`);
  rows.forEach(([name], k) => console.log(`  ${name.padEnd(24)} ${(m[k] / 1e9).toFixed(2).padStart(6)} Gbit/s`));
  const vsHand = m[2] / m[1];
  console.log(`  minidock / by hand: ${vsHand.toFixed(2)}× (target ≥ 0.95×) ${vsHand >= 0.95 ? 'ok' : 'BELOW TARGET'}`);
  console.log(`  minidock / veth:    ${(m[2] / m[0]).toFixed(2)}× (the cost of encapsulation)`);
  if (vsHand < 0.95) process.exitCode = 1;
} finally {
  for (const [h, n] of c.hosts.slice(0, 2).map((h, i) => [h, i + 1])) {
    h.exec('ip', ['netns', 'del', `hand${n}`]);
    h.exec('ip', ['link', 'del', 'handvx']);
    h.exec('ip', ['link', 'del', 'handbr']);
  }
  c.destroy();
}
