// A LAN host that routes 127.0.0.1:PORT (TCP) to us, as an attacker on the link would
// (moby#45610): route_localnet on, a table sending 127.0.0.1 via the host, a rule for the port
// ahead of `local`. The commands, for the test's own runner; used by the bridge and trace tests.
export function lanRoutesLoopbackCmds(lan: string, hostIp: string, lanIp: string, port: number): [string, string[]][] {
  return [
    ['ip', ['netns', 'exec', lan, 'sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1', 'net.ipv4.conf.eth0.route_localnet=1']],
    ['ip', ['-n', lan, 'route', 'add', '127.0.0.1/32', 'via', hostIp, 'dev', 'eth0', 'src', lanIp, 'table', '100']],
    ['ip', ['-n', lan, 'rule', 'add', 'to', '127.0.0.1/32', 'ipproto', 'tcp', 'dport', String(port), 'lookup', '100', 'pref', '10']],
    ['ip', ['-n', lan, 'rule', 'add', 'lookup', 'local', 'pref', '20']],
    ['ip', ['-n', lan, 'rule', 'del', 'pref', '0']],
  ];
}
