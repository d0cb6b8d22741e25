// Reading minidock's firewall in a test's "host" netns, whichever backend the run uses
// (MINIDOCK_FIREWALL, as the tests that re-run the bridge scenarios with nftables set it).
type Sh = (cmd: string, args: string[]) => { code: number; stdout: string };

export const FIREWALL = process.env.MINIDOCK_FIREWALL === 'nftables' ? 'nftables' : 'iptables';

/**
 * Packet counter of one of minidock's rules (-1: no such rule). `needle` is what the iptables
 * rule's text contains: a comment (`no direct access from outside`, the same words in both
 * backends) or `--dport N` (a published port: with nftables, its element of @lo_only for table
 * raw, of @pub/@pub_addr for table nat).
 */
export function ruleCounter(inHost: Sh, table: string, needle: string, tableName = 'minidock'): number {
  if (FIREWALL === 'iptables') {
    const line = inHost('iptables-save', ['-c', '-t', table]).stdout.split('\n').find((l) => l.includes(needle));
    const m = line && /^\[(\d+):/.exec(line);
    return m ? Number(m[1]) : -1;
  }
  const text = inHost('nft', ['list', 'table', 'ip', tableName]).stdout;
  const port = /--dport (\d+)/.exec(needle)?.[1];
  if (port) {
    const sets = table === 'raw' ? ['lo_only'] : ['pub', 'pub_addr'];
    for (const s of sets) {
      const block = new RegExp(`(?:set|map) ${s} \\{[\\s\\S]*?\\n\\t\\}`).exec(text)?.[0] ?? '';
      const m = new RegExp(`\\. ${port} counter packets (\\d+)`).exec(block);
      if (m) return Number(m[1]);
    }
    return -1;
  }
  const line = text.split('\n').find((l) => l.includes(needle) && / counter packets /.test(l));
  const m = line && /counter packets (\d+)/.exec(line);
  return m ? Number(m[1]) : -1;
}

/** Every firewall rule of the host netns as text (both backends, both families: a check that something is gone covers all). */
export function firewallText(inHost: Sh): string {
  return inHost('iptables-save', []).stdout + inHost('ip6tables-save', []).stdout + inHost('nft', ['list', 'ruleset']).stdout;
}

/** Only minidock's base is left: no published port (the chains/table stay, like docker0). */
export function onlyBaseLeft(inHost: Sh, prefix = 'MINIDOCK'): boolean {
  if (FIREWALL === 'iptables') {
    const save = inHost('iptables-save', []).stdout;
    return save.includes(`:${prefix}-DNAT`) && !new RegExp(`^-A ${prefix}-DNAT`, 'm').test(save);
  }
  const text = inHost('nft', ['list', 'table', 'ip', prefix.toLowerCase()]).stdout;
  const blocks = ['pub', 'pub_addr', 'lo_only'].map((s) => new RegExp(`(?:set|map) ${s} \\{[\\s\\S]*?\\n\\t\\}`).exec(text)?.[0]);
  return blocks.every((b) => b !== undefined && !b.includes('elements'));
}

/** The trace rules of `network trace` left in the host netns (both backends): none after a trace ends, even a killed one. */
export function traceRulesLeft(inHost: Sh): string[] {
  return firewallText(inHost).split('\n').filter((l) => /minidock trace \d+|chain trace_(pre|out)_\d+/.test(l));
}
