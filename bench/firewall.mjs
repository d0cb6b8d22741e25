#!/usr/bin/env node
// Firewall backend benchmarks (issue 12), run by bench/run.mjs (`npm run bench -- firewall`).
// For each backend, in a throwaway host netns and state root of its own:
//   - `run -d -p` with N-1 containers running vs with none (target for nftables: ≤ 1.05×)
//   - the number of minidock's rules (and map elements) with N containers
//   - the time of one firewall transaction with N containers: adding and deleting one published
//     port as minidock does it (iptables-restore --noflush / nft -f -), timed alone
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { BIN, labHost, timed } from './lab.mjs';

const N = Number(process.env.BENCH_CONTAINERS || 100);
// 21 starts each side: a start's wall time swings by ±15 ms here (the check-mode nft transaction
// alone takes ~14 ms of wall time, and varies), so medians of 5 gave 0.96–1.18× for the same
// code on a quiet machine
const TRIALS = Number(process.env.BENCH_FW_TRIALS || 21);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function bench(backend) {
  const ns = `mdbfw-${backend.slice(0, 3)}-${process.pid}`;
  const { root, inHost, md } = labHost(ns, 'mdbench-fw-', { MINIDOCK_FIREWALL: backend });
  const startCost = (port) => {
    const xs = [];
    for (let i = 0; i < TRIALS; i++) {
      let id = '';
      xs.push(timed(() => (id = md('run', '-d', '-p', `${port}:80`, 'busybox', 'sleep', '600'))));
      md('rm', '-f', id);
    }
    return median(xs);
  };
  try {
    md('run', '--rm', '-p', '20999:80', 'busybox', 'true'); // warm-up: the image store, the bridge, the base rules
    const first = startCost(21000);
    const ids = [];
    for (let i = 1; i < N; i++) ids.push(md('run', '-d', '-p', `${21000 + i}:80`, 'busybox', 'sleep', '600'));
    const last = startCost(21000 + N);
    // N containers running: count the rules, time one transaction
    ids.push(md('run', '-d', '-p', `${21000 + N}:80`, 'busybox', 'sleep', '600'));
    let rules;
    let elements = 0;
    let tx;
    if (backend === 'iptables') {
      rules = inHost('iptables-save', []).stdout.split('\n').filter((l) => l.startsWith('-A ') && l.includes('minidock')).length;
      const add = '*nat\n-A MINIDOCK-DNAT -p tcp -m tcp --dport 29999 -m comment --comment "minidock bench" -j DNAT --to-destination 172.17.0.250:80\nCOMMIT\n';
      const del = add.replace('-A ', '-D ');
      tx = median(Array.from({ length: 15 }, () => timed(() => inHost('iptables-restore', ['-w', '--noflush'], add)) + timed(() => inHost('iptables-restore', ['-w', '--noflush'], del))) ) / 2;
    } else {
      const text = inHost('nft', ['list', 'table', 'ip', 'minidock']).stdout;
      // rules: the lines inside `chain … { }` blocks, but their `type … hook …` line
      let inChain = false;
      rules = 0;
      for (const l of text.split('\n')) {
        if (/^\tchain /.test(l)) inChain = true;
        else if (l === '\t}') inChain = false;
        else if (inChain && /^\t\t\S/.test(l) && !/^\t\ttype /.test(l)) rules++;
      }
      elements = (text.match(/comment "minidock [0-9a-f]{12} /g) ?? []).length;
      const add = 'add element ip minidock pub { tcp . 29999 comment "minidock bench" : 172.17.0.250 . 80 }\n';
      const del = 'delete element ip minidock pub { tcp . 29999 }\n';
      tx = median(Array.from({ length: 15 }, () => timed(() => inHost('nft', ['-f', '-'], add)) + timed(() => inHost('nft', ['-f', '-'], del)))) / 2;
    }
    md('rm', '-f', ...ids);
    return { first, last, rules, elements, tx };
  } finally {
    const left = inHost(process.execPath, ['--', BIN, 'ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (left.length) inHost(process.execPath, ['--', BIN, 'rm', '-f', ...left]);
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(root, { recursive: true, force: true });
  }
}

console.log(`\n# firewall backends (issue 12), ${N} containers, start medians of ${TRIALS}`);
const res = {};
for (const b of ['iptables', 'nftables']) {
  const r = (res[b] = bench(b));
  console.log(`${b.padEnd(9)} run -d -p with 0 running: ${r.first.toFixed(1)} ms, with ${N - 1}: ${r.last.toFixed(1)} ms → ${(r.last / r.first).toFixed(2)}×${b === 'nftables' ? ' (target ≤ 1.05×)' : ''}`);
  console.log(`${b.padEnd(9)} rules with ${N} containers: ${r.rules}${b === 'nftables' ? ` (+ ${r.elements} map/set elements, one per published port)` : ''}; one transaction (add or delete one port): ${r.tx.toFixed(1)} ms`);
}
console.log(`nftables / iptables: start with ${N - 1} running ${(res.nftables.last / res.iptables.last).toFixed(2)}×, one transaction ${(res.nftables.tx / res.iptables.tx).toFixed(2)}×`);
