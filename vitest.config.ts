import { defineConfig } from 'vitest/config';

// Integration tests share host state (netns, bridges, firewall hooks): one file at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
