// `minidock network ls|inspect|create|rm|prune|connect|disconnect` and `minidock port`.
// Parsing and printing only; the work is in src/engine/network/ (usernet.ts for user networks).
import { type Command, Option } from 'commander';
import { BareError, DaemonError, UserError } from '../errors.js';
import { registerDiagramCommands } from './diagram.js';
import { registerTraceCommand } from './trace.js';
import { scopeOf } from '../engine/network/scope.js';
import { writeErr, writeOut } from './output.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s + '   ' : s.padEnd(n);
}

/** Docker's `network ls` table (Go's tabwriter: min width 10, padding 3). */
export function formatNetworkTable(rows: { Id: string; Name: string; Driver: string }[], noTrunc = false): string {
  const cells = [['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...rows.map((r) => [noTrunc ? r.Id : r.Id.slice(0, 12), r.Name, r.Driver, scopeOf(r)])];
  const width = [0, 1, 2].map((i) => Math.max(10, ...cells.map((c) => c[i].length + 3)));
  return cells.map((c) => c.slice(0, 3).map((v, i) => pad(v, width[i])).join('') + c[3]).join('\n') + '\n';
}

export async function networkLs(opts: { quiet?: boolean; format?: string; noTrunc?: boolean; filter?: string[] }): Promise<void> {
  const { listNetworks } = await import('../engine/network/networks.js');
  const { selectNetworks } = await import('../engine/network/select.js');
  const { naturalCompare } = await import('./sortorder.js');
  const nets = selectNetworks(await listNetworks(), opts.filter ?? []).sort((a, b) => naturalCompare(a.Name, b.Name));
  if (opts.quiet) {
    writeOut(nets.map((n) => (opts.noTrunc ? n.Id : n.Id.slice(0, 12)) + '\n').join(''));
    return;
  }
  if (opts.format) {
    const { writeFormatted, NETWORK_FORMAT } = await import('./template.js');
    const { goTimeString } = await import('../units.js');
    // docker/cli's networkContext: Labels k=v joined by "," (sorted here: Go's map order is random), CreatedAt time.Time.String()
    const rows = nets.map((n) => ({
      ID: opts.noTrunc ? n.Id : n.Id.slice(0, 12), Name: n.Name, Driver: n.Driver, Scope: scopeOf(n), IPv6: String(!!n.EnableIPv6), IPv4: String(n.EnableIPv4 !== false), Internal: String(!!n.Internal),
      Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(','), CreatedAt: goTimeString(n.Created),
    }));
    writeFormatted(opts.format, rows, NETWORK_FORMAT);
    return;
  }
  writeOut(formatNetworkTable(nets, opts.noTrunc));
}

export async function networkInspect(refs: string[], opts: { format?: string }): Promise<number> {
  const { inspectNetwork } = await import('../engine/network/networks.js');
  const { printInspect } = await import('./template.js');
  const why = new Map<string, string>();
  const find = async (r: string): Promise<unknown> => {
    try {
      return await inspectNetwork(r);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      why.set(r, e.message);
      return undefined;
    }
  };
  return printInspect(refs, opts.format, find, (r) => `Error response from daemon: ${why.get(r)}`);
}

/** `minidock port CONTAINER [PRIVATE_PORT[/PROTO]]`. */
export async function portCommand(ref: string, filter?: string): Promise<number> {
  const { findContainer, stateOf } = await import('../engine/container/record.js');
  const { formatPortLines } = await import('../engine/network/ports.js');
  const rec = findContainer(ref);
  if (!rec) throw new DaemonError(`No such container: ${ref}`, 1);
  const running = stateOf(rec).Running;
  const ports = running ? (rec.NetworkSettings?.Ports ?? {}) : {};
  // docker/cli's port: PORT[/PROTO] (tcp by default, any protocol looked up), the port as Go's
  // ParseUint(…, 10, 16) takes it; what it does not find names the port and container as typed
  let want: string | undefined;
  if (filter) {
    const slash = filter.indexOf('/');
    const port = slash < 0 ? filter : filter.slice(0, slash);
    const proto = (slash < 0 ? '' : filter.slice(slash + 1)) || 'tcp';
    if (!/^\d+$/.test(port) || Number(port) > 65535) {
      throw new BareError(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: ${/^\d+$/.test(port) ? 'value out of range' : 'invalid syntax'}`, 1);
    }
    want = `${port}/${proto}`;
  }
  const lines = formatPortLines(ports, want);
  if (filter && lines.length === 0) throw new BareError(`Error: No public port '${filter}' published for ${ref}`, 1);
  writeOut(lines.map((l) => l + '\n').join(''));
  return 0;
}

const collect = (v: string, prev: string[]) => [...prev, v];

// --dry-run: the plan (what --explain would print) on stdout; the real code runs under
// withDryRun, so nothing on the host or in the state root changes.
const DRY_RUN_NOTE = '(dry run: nothing was changed)\n';
const plan = (line: string) => writeOut(line + '\n');

/**
 * Runs fn under withDryRun. With ctr, that container is looked up in the real state root first
 * and fn gets its full id (the sandbox holds only its records); unknown, fn gets undefined and
 * reports it as without --dry-run.
 */
async function dryRun(fn: (id?: string) => Promise<unknown>, ctr?: string): Promise<void> {
  const { withDryRun } = await import('../engine/network/dryrun.js');
  const id = ctr === undefined ? undefined : (await import('../engine/container/record.js')).findContainer(ctr)?.Id;
  await withDryRun(() => fn(id), { containers: id ? [id] : [] });
}

const explainer = (on?: boolean) => (on ? (line: string) => writeErr(line + '\n') : undefined);

/** Runs fn for each ref; Docker's per-item errors on stderr, exit code 1 if any failed. */
async function each(refs: string[], fn: (ref: string) => Promise<void>): Promise<number> {
  let code = 0;
  for (const r of refs) {
    try {
      await fn(r);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      writeErr(e instanceof DaemonError ? `${e.message}\n` : `Error response from daemon: ${e.message}\n`);
      code = 1;
    }
  }
  return code;
}

function registerUserNetworkCommands(net: Command): void {
  net
    .command('create')
    .description('Create a network')
    .option('-d, --driver <driver>', 'Driver to manage the Network', 'bridge')
    .option('--subnet <cidr>', 'Subnet in CIDR format that represents a network segment', collect, [] as string[])
    .option('--gateway <ip>', 'IPv4 or IPv6 Gateway for the master subnet (one of each family)', collect, [] as string[])
    .option('--ipv6', 'Enable IPv6 address assignment (--ipv6=false: not)')
    .addOption(new Option('--no-ipv6').hideHelp())
    .option('--ipv4', 'Enable IPv4 address assignment (--ipv4=false: IPv6 only)')
    .addOption(new Option('--no-ipv4').hideHelp())
    .option('--ip-range <cidr>', 'Allocate container ip from a sub-range', collect, [] as string[])
    .option('--internal', 'Restrict external access to the network')
    .option('-o, --opt <key=value>', 'Set driver specific options (com.docker.network.bridge.name=NAME)', collect, [] as string[])
    .option('--label <key=value>', 'Set metadata on a network', collect, [] as string[])
    .option('--attachable', 'Accepted for compatibility (every minidock network is attachable)')
    .option('--explain', 'Print every host change as the command a person would type (to stderr)')
    .option('--dry-run', 'Print the plan (what --explain would print) and change nothing')
    .argument('<name>')
    .action(async (name: string, o: { driver?: string; subnet: string[]; gateway: string[]; ipRange: string[]; internal?: boolean; opt: string[]; label: string[]; ipv6?: boolean; ipv4?: boolean; explain?: boolean; dryRun?: boolean }) => {
      await (await import('./flag-values.js')).checkNetworkValues(o);
      const { createNetwork } = await import('../engine/network/usernet.js');
      const spec = { driver: o.driver, subnet: o.subnet, gateway: o.gateway, ipRange: o.ipRange, internal: o.internal, opt: o.opt, label: o.label, ipv6: !!o.ipv6, ipv4: o.ipv4 !== false };
      if (o.dryRun) {
        // the real code runs with host changes explained, not applied, and state sandboxed
        await dryRun(() => createNetwork(name, spec, plan));
        writeErr(DRY_RUN_NOTE);
        return;
      }
      const rec = await createNetwork(name, spec, explainer(o.explain));
      writeOut(rec.Id + '\n');
    });
  net
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .option('-f, --force', 'Do not error if the network does not exist')
    .option('--explain', 'Print every host change as the command a person would type (to stderr)')
    .option('--dry-run', 'Print the plan (what --explain would print) and change nothing')
    .argument('<network...>')
    .action(async (refs: string[], o: { force?: boolean; explain?: boolean; dryRun?: boolean }) => {
      const { removeNetwork } = await import('../engine/network/usernet.js');
      const { findNetworkSync } = await import('../engine/network/networks.js');
      process.exitCode = await each(refs, async (r) => {
        if (o.force && !findNetworkSync(r)) return;
        if (o.dryRun) await dryRun(() => removeNetwork(r, plan));
        else {
          await removeNetwork(r, explainer(o.explain));
          writeOut(r + '\n');
        }
      });
      // docker/cli's network rm ends with a StatusError of no words of its own: "exit status 1"
      if (process.exitCode) writeErr(`exit status ${process.exitCode}\n`);
      if (o.dryRun && process.exitCode === 0) writeErr(DRY_RUN_NOTE);
    });
  net
    .command('prune')
    .description('Remove all unused networks')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--explain', 'Print every host change as the command a person would type (to stderr)')
    .action(async (o: { force?: boolean; explain?: boolean }) => {
      if (!o.force) {
        writeOut('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ');
        const answer = await new Promise<string>((res) => {
          let buf = '';
          process.stdin.setEncoding('utf8');
          process.stdin.on('data', (d: string) => {
            buf += d;
            if (buf.includes('\n')) res(buf);
          });
          process.stdin.on('end', () => res(buf));
        });
        process.stdin.pause();
        if (!/^\s*y(es)?\s*$/i.test(answer.split('\n')[0])) return;
      }
      const { pruneNetworks } = await import('../engine/network/usernet.js');
      const gone = await pruneNetworks(explainer(o.explain));
      // docker/cli prints the report with Fprintln: a blank line after the names
      if (gone.length) writeOut(`Deleted Networks:\n${gone.map((n) => n + '\n').join('')}\n`);
    });
  net
    .command('connect')
    .description('Connect a running container to a network')
    .option('--ip <address>', 'IPv4 address (e.g. 172.30.100.104)')
    .option('--ip6 <address>', 'IPv6 address (e.g. 2001:db8::33)')
    .option('--alias <alias>', 'Add network-scoped alias for the container', collect, [] as string[])
    .option('--explain', 'Print every host change as the command a person would type (to stderr)')
    .option('--dry-run', 'Print the plan (what --explain would print) and change nothing')
    .argument('<network>')
    .argument('<container>')
    .action(async (netRef: string, ctr: string, o: { ip?: string; ip6?: string; alias: string[]; explain?: boolean; dryRun?: boolean }) => {
      const { connectContainer } = await import('../engine/container/connect.js');
      if (!o.dryRun) return connectContainer(netRef, ctr, { ip: o.ip, ip6: o.ip6, aliases: o.alias, explain: explainer(o.explain) });
      await dryRun((id) => connectContainer(netRef, id ?? ctr, { ip: o.ip, ip6: o.ip6, aliases: o.alias, explain: plan }), ctr);
      writeErr(DRY_RUN_NOTE);
    });
  net
    .command('disconnect')
    .description('Disconnect a running container from a network')
    .option('-f, --force', 'Accepted for compatibility')
    .option('--explain', 'Print every host change as the command a person would type (to stderr)')
    .option('--dry-run', 'Print the plan (what --explain would print) and change nothing')
    .argument('<network>')
    .argument('<container>')
    .action(async (netRef: string, ctr: string, o: { explain?: boolean; dryRun?: boolean }) => {
      const { disconnectContainer } = await import('../engine/container/connect.js');
      if (!o.dryRun) return disconnectContainer(netRef, ctr, { explain: explainer(o.explain) });
      await dryRun((id) => disconnectContainer(netRef, id ?? ctr, { explain: plan }), ctr);
      writeErr(DRY_RUN_NOTE);
    });
}

export function registerNetworkCommands(program: Command): void {
  const net = program.command('network').description('Manage networks');
  registerUserNetworkCommands(net);
  registerDiagramCommands(net);
  registerTraceCommand(net);
  net
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-q, --quiet', 'Only display network IDs')
    .option('--format <template>', 'Format output using a Go template')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "name=bridge")', (v: string, p: string[]) => [...p, v], [] as string[])
    .action(async (opts: { quiet?: boolean; format?: string; trunc?: boolean; filter?: string[] }) =>
      networkLs({ quiet: opts.quiet, format: opts.format, noTrunc: opts.trunc === false, filter: opts.filter }),
    );
  net
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .option('-f, --format <template>', 'Format output using a Go template')
    .argument('<network...>')
    .action(async (refs: string[], opts: { format?: string }) => {
      process.exitCode = await networkInspect(refs, opts);
    });

  if (!program.commands.some((c) => c.name() === 'port')) {
    program
      .command('port')
      .description('List port mappings or a specific mapping for the container')
      .argument('<container>')
      .argument('[private_port]')
      .action(async (ref: string, filter?: string) => {
        process.exitCode = await portCommand(ref, filter);
      });
  }
}
