// `minidock network trace`: parsing and printing only; the work is src/engine/network/trace/,
// a bundle of its own (dist/trace.cjs) that only this command loads.
import type { Command } from 'commander';

export function registerTraceCommand(net: Command): void {
  net
    .command('trace')
    .description('Send one real probe and follow it through the kernel: each hook and chain it passed, the NAT, the routing, the rule that accepted or dropped it, the answer')
    .requiredOption('--from <where>', 'host, a container, or remote:NETNS (a network namespace of /run/netns)')
    .requiredOption('--to <where>', 'HOST_IP:PORT, [IPV6]:PORT, CONTAINER[:PORT] or ADDR:PORT (no port: a ping)')
    .option('-6, --ipv6', "to a container's IPv6 address (a dual-stack network's); an address given says its family itself")
    .option('--proto <proto>', 'tcp (default with a port), udp, or icmp (default without)')
    .option('--format <format>', 'text (default) or json: the same steps as objects')
    .option('--explain', 'Print the trace rules added and removed as the commands a person would type (to stderr)')
    .addHelpText('after', `
The probe alone is traced: a rule matching its source port (a ping: its length) switches the
firewall's own tracing on (iptables: -j TRACE in raw PREROUTING/OUTPUT, read with
xtables-monitor --trace; nftables: meta nftrace set 1 in minidock's table, read with
nft monitor trace; an IPv6 probe: ip6tables, read with nft -a monitor trace, or the
ip6 minidock table), added and removed in one transaction each; conntrack -E and ip route get
add the connection and the routing decision. A killed trace leaves nothing: its guard removes
the rules, and system prune removes any left by a trace whose CLI is gone.

Examples:
  minidock network trace --from remote:lan --to 192.168.1.10:8080
  minidock network trace --from web --to db --proto icmp
  minidock network trace -6 --from web --to db:5432
  minidock network trace --from remote:lan --to '[2001:db8::1]:8080'
  minidock network trace --from host --to 127.0.0.1:8080 --format json`)
    .action(async (o: { from: string; to: string; proto?: string; format?: string; ipv6?: boolean; explain?: boolean }) => {
      const { networkTrace } = await import('../engine/network/trace/index.js');
      const r = await networkTrace({ ...o, explain: o.explain ? (line) => process.stderr.write(line + '\n') : undefined });
      process.stdout.write(r.text);
      process.exitCode = r.code;
    });
}
