// The template engine and the tabwriter, one file at a time (issue 18):
//   nice -n 15 npx stryker run stryker.template.config.mjs --mutate src/cli/template/fmt.ts
// Loads only the unit tests that reach these modules (vitest.template.config.ts) and keeps an
// incremental file per mutated file (reports/mutation/<name>.incremental.json), so a rerun after
// new tests only runs the mutants those tests could change. The report goes to
// reports/mutation/<name>.json, <name> being the mutated file's base name.
import base from './stryker.config.mjs';

const i = process.argv.indexOf('--mutate');
const name = i > 0 ? process.argv[i + 1].replace(/^.*\//, '').replace(/[^\w.-]+/g, '_').replace(/\.ts$/, '') : 'template';

export default {
  ...base,
  mutate: ['src/cli/template.ts', 'src/cli/template/*.ts', 'src/cli/tabwriter.ts'],
  vitest: { configFile: 'vitest.template.config.ts', related: false },
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['clear-text', 'json', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // the whole template test set takes under a second; an endless loop need not cost 10 s
  timeoutMS: 5000,
  tempDirName: `.stryker-tmp-template/${name}`,
};
