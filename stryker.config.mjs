// Mutation testing of the pure modules (issue 18): `npm run mutation`. Not part of CI (minutes,
// not seconds). Runs the unit tests only (vitest.unit.config.ts), as any user; the machine is
// shared, so two workers at most. Iterate on one file with `npx stryker run --mutate <file>`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.unit.config.ts' },
  mutate: [
    'src/engine/network/cidr.ts',
    'src/engine/network/ipam.ts',
    'src/engine/network/ports.ts',
    'src/engine/network/portalloc.ts',
    'src/engine/network/cidr6.ts',
    // the firewall's neutral intent (networkIntent / portIntent, v4 and v6)
    'src/engine/network/firewall/backend.ts',
    // the backends' intent → ops (no I/O): iptables's hooks, network and port rules; nftables's
    // base, a network's objects and their removal, the FORWARD accepts, buildOps, port elements.
    // The rest of each reads or writes the kernel (integration tests).
    'src/engine/network/firewall/iptables.ts:49-204',
    'src/engine/network/firewall/nftables.ts:43-241',
    'src/engine/network/firewall/nftables.ts:391-405',
    'src/engine/network/firewall/nftables.ts:503-533',
    'src/engine/image/reference.ts',
    'src/engine/image/tarreader.ts',
    'src/engine/image/platform.ts',
    'src/cli/template.ts',
    'src/cli/template/*.ts',
    'src/cli/tabwriter.ts',
    'src/engine/container/options.ts',
    'src/runtime/security.ts',
    // cgroups.ts: only the pure part (flag parsing, what to write per version, mountinfo);
    // the rest writes to /sys/fs/cgroup and is covered by the integration tests.
    'src/runtime/cgroups.ts:1-225',
  ],
  concurrency: 2,
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 85, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'reports', 'bench', '.stryker-tmp'],
  timeoutMS: 10000,
};
