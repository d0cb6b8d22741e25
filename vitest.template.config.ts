import { defineConfig } from 'vitest/config';
import base from './vitest.unit.config.js';

// The unit tests that reach the template engine and the tabwriter: what StrykerJS needs when it
// mutates src/cli/template*.ts and src/cli/tabwriter.ts one file at a time
// (stryker.template.config.mjs). A subset of vitest.unit.config.ts, so its dry run is short.
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/unit/template*.test.ts', 'test/unit/tabwriter*.test.ts', 'test/unit/cmd-parsers.test.ts', 'test/unit/net-user.test.ts', 'test/unit/prop-parsers.test.ts'],
  },
});
