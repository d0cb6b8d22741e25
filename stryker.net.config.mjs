// The network layer's newer pure code (issue 18), one file at a time:
//   nice -n 15 npx stryker run stryker.net.config.mjs --mutate src/engine/network/cidr6.ts --concurrency 1
// Loads only the unit tests that reach these modules (vitest.net.config.ts) and keeps an
// incremental file per mutated file (reports/mutation/<name>.incremental.json); the report goes
// to reports/mutation/<name>.json, <name> being the mutated file's base name. Use --force for a
// figure to quote (an incremental result is reused while a mutant's code and tests are unchanged).
import base from './stryker.config.mjs';

const i = process.argv.indexOf('--mutate');
const name = i > 0 ? process.argv[i + 1].replace(/^.*\//, '').replace(/:.*$/, '').replace(/[^\w.-]+/g, '_').replace(/\.ts$/, '') : 'net';

export default {
  ...base,
  mutate: base.mutate.filter((m) => m.startsWith('src/engine/network/cidr6') || m.startsWith('src/engine/network/firewall/')),
  vitest: { configFile: 'vitest.net.config.ts', related: false },
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['clear-text', 'json', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  timeoutMS: 5000,
  tempDirName: `.stryker-tmp-net/${name}`,
  // runs of other files at the same time keep their sandboxes there: not part of the project
  ignorePatterns: [...base.ignorePatterns, '.stryker-tmp-net', '.stryker-tmp-template'],
};
