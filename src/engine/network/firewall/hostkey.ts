// Which kernel ruleset a cached firewall fact is about: this boot, this network namespace, this
// chain prefix and backend. A fact cached under another key (a reboot, another netns) is not
// believed. Shared by firewall/index.ts's "base checked" marker and nftables.ts's check script.
import { readFileSync, statSync } from 'node:fs';
import type { FirewallName } from './backend.js';

export function hostKeyOf(name: FirewallName): string {
  let boot = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    /* not Linux? */
  }
  let ns = 0;
  try {
    ns = statSync('/proc/self/ns/net').ino;
  } catch {
    /* ignore */
  }
  const prefix = process.env.MINIDOCK_CHAIN_PREFIX || 'MINIDOCK';
  // the iptables key is the one older minidocks wrote: their marker stays valid
  return `${boot}:${ns}:${prefix}${name === 'iptables' ? '' : `:${name}`}`;
}
