import { defineConfig } from 'vitest/config';
import base from './vitest.unit.config.js';

// The unit tests that reach the network layer's pure modules (cidr6.ts, the firewall intent and
// the backends' intent → ops): what StrykerJS needs when it mutates those one file at a time
// (stryker.net.config.mjs). A subset of vitest.unit.config.ts, so its dry run is short; a
// subset can only miss kills, never invent them.
export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/unit/cidr6*.test.ts',
      'test/unit/ipam6*.test.ts',
      'test/unit/dns-v6.test.ts',
      'test/unit/ports-v6.test.ts',
      'test/unit/firewall-*.test.ts',
      'test/unit/*firewall-intent*.test.ts',
      'test/unit/gateway-mode*.test.ts',
      'test/unit/inroot-rules.test.ts',
      'test/unit/net-*.test.ts',
      'test/unit/network-trace*.test.ts',
    ],
    // fails on main at the time of writing (a driver capability added without its test): a
    // failing test in the dry run stops StrykerJS, and it does not reach these modules' logic
    exclude: ['test/unit/net-drivers.test.ts'],
  },
});
