// dist/trace-helper.cjs: the two small processes of `network trace`, apart from the CLI's bundle.
//
//   probe tcp|udp DST PORT SPORT TIMEOUT_MS   sends the one probe from the network namespace it
//                                             runs in (the CLI starts it under nsenter --net):
//                                             a TCP connect (SYN) or one UDP datagram, from the
//                                             source port the trace rules match; prints one JSON
//                                             line: {"answer": "syn-ack"|"reset"|"reply"|
//                                             "unreachable"|"none"|"error", "detail"?: …}
//   reap                                      the trace's guard: reads from stdin what removes
//                                             the trace rules ({"restore"|"restore6"|"nft": text, "pids":
//                                             [..]}) then waits; when stdin ends without "done"
//                                             (the CLI was killed), it removes them and ends the
//                                             monitors, so a killed trace leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { childEnv } from '../../../host/env.js';

function print(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

function probeTcp(host: string, port: number, localPort: number, timeout: number): void {
  const s = connect({ host, port, localPort, localAddress: undefined });
  const timer = setTimeout(() => {
    print({ answer: 'none' });
    s.destroy();
  }, timeout);
  s.on('connect', () => {
    clearTimeout(timer);
    print({ answer: 'syn-ack' });
    s.end();
    setTimeout(() => s.destroy(), 200);
  });
  s.on('error', (e: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (e.code === 'ECONNREFUSED') print({ answer: 'reset' });
    else if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') print({ answer: 'unreachable', detail: e.code });
    else print({ answer: 'error', detail: `${e.code ?? ''} ${e.message}`.trim() });
  });
}

function probeUdp(host: string, port: number, localPort: number, timeout: number): void {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const done = (o: object) => {
    clearTimeout(timer);
    print(o);
    s.close();
  };
  const timer = setTimeout(() => done({ answer: 'none' }), timeout);
  s.on('message', (m) => done({ answer: 'reply', detail: m.toString('utf8').slice(0, 80) }));
  s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? { answer: 'unreachable', detail: 'ICMP port unreachable' } : { answer: 'error', detail: `${e.code ?? ''} ${e.message}`.trim() }));
  s.bind(localPort, () => {
    // connected: an ICMP port unreachable comes back as ECONNREFUSED
    s.connect(port, host, () => s.send('minidock network trace probe\n'));
  });
}

function reap(): void {
  let buf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => (buf += d));
  process.stdin.on('end', () => {
    const lines = buf.split('\n').filter(Boolean);
    if (lines.includes('done') || !lines.length) return;
    let what: { restore?: string; restore6?: string; nft?: string; pids?: number[] } = {};
    try {
      what = JSON.parse(lines[lines.length - 1]);
    } catch {
      return;
    }
    for (const pid of what.pids ?? []) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    if (what.restore) spawnSync('iptables-restore', ['-w', '--noflush'], { input: what.restore, env: childEnv() });
    if (what.restore6) spawnSync('ip6tables-restore', ['-w', '--noflush'], { input: what.restore6, env: childEnv() });
    if (what.nft) spawnSync('nft', ['-f', '-'], { input: what.nft, env: childEnv() });
  });
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'probe') {
  const [proto, host, port, sport, timeout] = args;
  if (proto === 'tcp') probeTcp(host, Number(port), Number(sport), Number(timeout));
  else probeUdp(host, Number(port), Number(sport), Number(timeout));
} else if (mode === 'reap') reap();
else {
  process.stderr.write('usage: trace-helper probe tcp|udp DST PORT SPORT TIMEOUT_MS | reap\n');
  process.exitCode = 2;
}
