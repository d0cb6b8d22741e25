// linkExists (drivers/bridge.ts) looks a name up in this process's network namespace (its IPv4
// conf directory, or its IPv6 snmp6 file) instead of reading /proc/net/dev, a line per interface
// (issue 12): it must agree with /proc/net/dev for every interface there is, and for names that
// are not interfaces. Read-only: the test process's own namespace is only read.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { linkExists } from '../../src/engine/network/drivers/bridge.js';

const listed = readFileSync('/proc/net/dev', 'utf8')
  .split('\n')
  .slice(2)
  .map((l) => l.split(':')[0].trim())
  .filter(Boolean);

describe('linkExists', () => {
  it('finds every interface /proc/net/dev lists', () => {
    expect(listed).toContain('lo');
    for (const n of listed) expect(linkExists(n), n).toBe(true);
  });

  it('finds no name that is not an interface, the conf directory\'s "all" and "default" included', () => {
    for (const n of ['mdnope0', 'all', 'default', 'lo0', 'l', '..']) expect(linkExists(n), n).toBe(listed.includes(n));
  });
});
