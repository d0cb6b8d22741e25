import { defineConfig } from 'vitest/config';

// Unit tests only: pure logic, no root, no kernel state (npm run test:unit, and StrykerJS's
// runs, which must never touch the host). The integration tests keep vitest.config.ts.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
