// `minidock network diagram` and `minidock network rules`: parsing and printing only; the model
// is src/engine/network/diagram.ts, the renderers diagram-render.ts, the rules rules.ts. Every
// implementation module is loaded lazily inside the action.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from '../errors.js';

type Format = 'ascii' | 'svg' | 'dot';

function formatOf(opt: string | undefined, file: string | undefined): Format {
  if (opt !== undefined) {
    if (opt !== 'ascii' && opt !== 'svg' && opt !== 'dot') throw new UserError(`invalid --format ${JSON.stringify(opt)}: ascii, svg or dot`);
    return opt;
  }
  if (file && /\.svg$/i.test(file)) return 'svg';
  if (file && /\.(dot|gv)$/i.test(file)) return 'dot';
  return 'ascii';
}

/**
 * --serve [ADDR:]PORT: where to listen. PORT alone is loopback (127.0.0.1); any other address
 * only when written out (0.0.0.0:PORT, 192.0.2.7:PORT, [::1]:PORT). PORT 0: a free port.
 */
export function serveAddressOf(spec: string): { host: string; port: number } {
  const bad = (why: string) => new UserError(`invalid --serve ${JSON.stringify(spec)}: ${why}`);
  const m = /^(?:(\[[^\]]*\]|[^:]*):)?(\d{1,5})$/.exec(spec);
  if (!m) throw bad('[ADDR:]PORT, e.g. 8080 (loopback), 127.0.0.1:8080 or 0.0.0.0:8080');
  const port = Number(m[2]);
  if (port > 65535) throw bad('the port must be between 0 and 65535');
  let host = m[1] === undefined || m[1] === 'localhost' ? '127.0.0.1' : m[1];
  if (host.startsWith('[')) host = host.slice(1, -1);
  const ipv6 = m[1]?.startsWith('[');
  if (ipv6 ? !isIPv6(host) : !isIPv4(host)) throw bad(`${JSON.stringify(host)} is not an IP address${ipv6 ? '' : ' (IPv6: [ADDR]:PORT)'}`);
  return { host, port };
}

export async function diagramCommand(networks: string[], opts: { format?: string; output?: string; serve?: string; trace?: boolean }): Promise<number> {
  const serve = opts.serve === undefined ? undefined : serveAddressOf(opts.serve);
  if (serve && (opts.format !== undefined || opts.output !== undefined)) throw new UserError('--serve serves the svg diagram as a web page: --format and --output do not go with it');
  if (serve && opts.trace) throw new UserError('--serve draws the last trace by itself: --trace does not go with it');
  const format = formatOf(opts.format, opts.output);
  // --trace: the last `network trace` of this root, drawn as a path (svg) or listed in words (ascii)
  if (opts.trace && format === 'dot') throw new UserError('--trace is drawn on the svg diagram (and listed under the ascii one): not in dot');
  let trace: import('../engine/network/last-trace.js').LastTrace | undefined;
  if (opts.trace) {
    const { readLastTrace, lastTracePath } = await import('../engine/network/last-trace.js');
    trace = readLastTrace();
    if (!trace) throw new UserError(`--trace: no trace to draw (${lastTracePath()} is missing or not a trace: run network trace first)`);
  }
  // overlay networks this host has not seen yet are the cluster's too (as network ls shows them)
  await (await import('../engine/network/networks.js')).refreshClusterNetworks();
  const { collectSnapshot, buildDiagram } = await import('../engine/network/diagram.js');
  const snap = await collectSnapshot();
  for (const n of networks) {
    if (!snap.networks.some((x) => x.name === n)) {
      const known = snap.networks.map((x) => x.name);
      throw new UserError(`network ${n} not found${known.length ? ` (bridge networks: ${known.join(', ')})` : ''}`);
    }
  }
  if (serve) {
    // its own bundle (dist/diagram-serve.cjs): loaded only here
    const { serveDiagram, isLoopback } = await import('../engine/network/diagram-serve.js');
    const onListening = (url: string) => {
      if (!isLoopback(serve.host)) process.stderr.write(`WARNING: serving on ${serve.host}, not loopback: whoever can reach this address sees this host's network, containers and published ports\n`);
      process.stdout.write(`serving the live network diagram on ${url}  (Ctrl-C to stop)\n`);
    };
    await serveDiagram({ ...serve, networks, onListening });
    return 0;
  }
  const d = buildDiagram(snap, networks);
  const r = await import('../engine/network/diagram-render.js');
  const toFile = opts.output !== undefined && opts.output !== '-';
  const text = format === 'svg' ? r.renderSvg(d, { trace }) : format === 'dot' ? r.renderDot(d) : r.renderAscii(d, { color: !toFile && !!process.stdout.isTTY && !process.env.NO_COLOR }) + (trace ? await traceInWords(trace) : '');
  if (toFile) writeFileSync(opts.output!, text);
  else process.stdout.write(text);
  return 0;
}

/** The last trace under the ascii diagram: its head line and its steps, as the svg's legend has them. */
async function traceInWords(t: import('../engine/network/last-trace.js').LastTrace): Promise<string> {
  const { stepWords, traceHead } = await import('../engine/network/diagram-trace.js');
  return `\n${traceHead(t)}\n${t.steps.map((s, i) => `  ${stepWords(s, i)}\n`).join('')}`;
}

async function rulesFrame(target: string | undefined, previous?: Map<string, { packets: number; bytes: number }>, color = false) {
  const { collectState, ownContextOf } = await import('../engine/network/diagram.js');
  const { filterRules, renderRules, ruleKey } = await import('../engine/network/rules.js');
  const { firewall } = await import('../engine/network/firewall/index.js');
  const state = await collectState();
  let filter: import('../engine/network/rules.js').RuleFilter;
  let head = '';
  if (target !== undefined) {
    const net = state.networks.find((n) => n.name === target);
    if (net) filter = { network: net.name };
    else {
      const { findContainer } = await import('../engine/container/record.js');
      const c = findContainer(target);
      if (!c) throw new UserError(`No such network or container: ${target}`);
      // every network it is on (one SnapContainer per endpoint: eth0's, then network connect's)
      const eps = state.containers.filter((x) => x.id === c.Id && x.endpoint).map((x) => x.endpoint!);
      filter = { container: c.Id, networks: eps.map((e) => e.network) };
      if (eps.length > 1) head = `container ${c.Name.replace(/^\//, '')} is on ${eps.map((e) => `${e.network} (${e.ifname ?? 'eth0'})`).join(', ')}: the rules of each\n\n`;
    }
  }
  let listed;
  try {
    listed = await (await firewall()).listRules(ownContextOf(state));
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const rules = filterRules(listed, filter);
  // macvlan/ipvlan networks have no rules of minidock's: say so rather than show nothing
  const lower = state.networks.filter((n) => n.lower && (filter?.container ? filter.networks?.includes(n.name) : !filter?.network || filter.network === n.name));
  const none = lower.map((n) => `network ${n.name} (${n.lower!.label}): no firewall rules — no NAT, no published ports; its containers have addresses of their own on ${n.bridge}'s LAN\n`).join('');
  // (the shared hooks are not this network's: for a macvlan/ipvlan network the line is all there is)
  const text = filter?.network && !filter.container && lower.length ? none : head + renderRules(rules, { previous, color }) + (none ? `\n${none}` : '');
  return { text, counters: new Map(rules.map((r) => [ruleKey(r), { packets: r.packets, bytes: r.bytes }])) };
}

export async function rulesCommand(target: string | undefined, opts: { watch?: boolean; interval?: string }): Promise<number> {
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  if (!opts.watch) {
    process.stdout.write((await rulesFrame(target, undefined, color)).text);
    return 0;
  }
  const every = opts.interval === undefined ? 1 : Number(opts.interval);
  if (!Number.isFinite(every) || every < 0.1 || every > 3600) throw new UserError(`invalid --interval ${JSON.stringify(opts.interval)}: seconds between 0.1 and 3600`);
  let stop = false;
  let wake: (() => void) | undefined;
  const onSig = () => {
    stop = true;
    wake?.();
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  let previous: Map<string, { packets: number; bytes: number }> | undefined;
  try {
    while (!stop) {
      const f = await rulesFrame(target, previous, color);
      const head = `Every ${every}s: minidock network rules${target ? ` ${target}` : ''}    ${new Date().toLocaleTimeString()}    (Ctrl-C to stop; changed counters are highlighted)\n\n`;
      // Like watch(1): clear the screen and redraw on a terminal; frames one after another otherwise.
      process.stdout.write((process.stdout.isTTY ? '\x1b[H\x1b[2J' : '\f\n') + head + f.text);
      previous = f.counters;
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, every * 1000);
      });
    }
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
  return 0;
}

/** Adds `diagram` and `rules` to the `network` command. */
export function registerDiagramCommands(net: Command): void {
  net
    .command('diagram')
    .description('Draw the host network as it really is now: uplink, bridges, veth pairs, containers, published ports, MASQUERADE (marks drift)')
    .argument('[network...]', 'only these networks')
    .option('--format <format>', 'ascii (default), svg or dot (Graphviz); from the -o extension when not given')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option(
      '--serve <[addr:]port>',
      'serve the svg diagram as a live web page that updates itself (containers, counters, the last trace), on 127.0.0.1:PORT; ' +
        'another address only when given (0.0.0.0:PORT: then anyone who can reach it sees this host\'s network); port 0 picks a free one; Ctrl-C to stop',
    )
    .option('--trace', 'draw the last network trace of this state root over the svg diagram as a path (listed in words under the ascii one)')
    .action(async (networks: string[], opts: { format?: string; output?: string; serve?: string; trace?: boolean }) => {
      process.exitCode = await diagramCommand(networks, opts);
    });
  net
    .command('rules')
    .description("List every firewall rule minidock owns, with live packet/byte counters and what it is for")
    .argument('[target]', 'a network or a container: only the rules that concern it')
    .option('-w, --watch', 'redraw every second, like watch(1); Ctrl-C to stop')
    .option('--interval <seconds>', 'seconds between redraws with --watch', '1')
    .action(async (target: string | undefined, opts: { watch?: boolean; interval?: string }) => {
      process.exitCode = await rulesCommand(target, opts);
    });
}
