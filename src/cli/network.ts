// `minidock network ls|inspect` and `minidock port`. Parsing and printing only; the work is in
// src/engine/network/.
import type { Command } from 'commander';
import { UserError } from './errors.js';
import { registerDiagramCommands } from './diagram.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s + '   ' : s.padEnd(n);
}

/** Docker's `network ls` table. */
export function formatNetworkTable(rows: { Id: string; Name: string; Driver: string }[], noTrunc = false): string {
  const lines = [`${pad('NETWORK ID', 15)}${pad('NAME', 10)}${pad('DRIVER', 10)}SCOPE`];
  for (const r of rows) lines.push(`${pad(noTrunc ? r.Id : r.Id.slice(0, 12), 15)}${pad(r.Name, 10)}${pad(r.Driver, 10)}local`);
  return lines.join('\n') + '\n';
}

async function render(template: string, value: unknown): Promise<string> {
  const { parseTemplate } = await import('./template.js');
  const t = parseTemplate(template);
  return t.render(value as Parameters<typeof t.render>[0]);
}

export async function networkLs(opts: { quiet?: boolean; format?: string; noTrunc?: boolean; filter?: string[] }): Promise<void> {
  const { listNetworks } = await import('../engine/network/networks.js');
  let nets = await listNetworks();
  for (const f of opts.filter ?? []) {
    const [k, v = ''] = f.split('=');
    if (k === 'name') nets = nets.filter((n) => n.Name.includes(v));
    else if (k === 'id') nets = nets.filter((n) => n.Id.startsWith(v));
    else if (k === 'driver') nets = nets.filter((n) => n.Driver === v);
    else throw new UserError(`invalid filter '${k}'`);
  }
  if (opts.quiet) {
    process.stdout.write(nets.map((n) => (opts.noTrunc ? n.Id : n.Id.slice(0, 12)) + '\n').join(''));
    return;
  }
  if (opts.format) {
    const out: string[] = [];
    for (const n of nets) {
      const row = { ID: opts.noTrunc ? n.Id : n.Id.slice(0, 12), Name: n.Name, Driver: n.Driver, Scope: 'local', IPv6: 'false', Internal: String(!!n.Internal), CreatedAt: n.Created };
      out.push(await render(opts.format, row));
    }
    process.stdout.write(out.map((l) => l + '\n').join(''));
    return;
  }
  process.stdout.write(formatNetworkTable(nets, opts.noTrunc));
}

export async function networkInspect(refs: string[], opts: { format?: string }): Promise<number> {
  const { inspectNetwork } = await import('../engine/network/networks.js');
  const found: unknown[] = [];
  let code = 0;
  for (const r of refs) {
    try {
      found.push(await inspectNetwork(r));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`Error response from daemon: ${e.message}\n`);
      code = 1;
    }
  }
  if (opts.format) {
    for (const v of found) process.stdout.write((await render(opts.format, v)) + '\n');
  } else process.stdout.write(JSON.stringify(found, null, 4) + '\n');
  return code;
}

/** `minidock port CONTAINER [PRIVATE_PORT[/PROTO]]`. */
export async function portCommand(ref: string, filter?: string): Promise<number> {
  const { findContainer, stateOf } = await import('../engine/container/record.js');
  const { formatPortLines } = await import('../engine/network/ports.js');
  const rec = findContainer(ref);
  if (!rec) throw new UserError(`No such container: ${ref}`, 1);
  const running = stateOf(rec).Running;
  const ports = running ? (rec.NetworkSettings?.Ports ?? {}) : {};
  if (filter && !/^\d{1,5}(\/(tcp|udp))?$/.test(filter)) throw new UserError(`invalid port ${JSON.stringify(filter)}`, 1);
  const lines = formatPortLines(ports, filter);
  if (filter && lines.length === 0) {
    throw new UserError(`No public port '${filter.includes('/') ? filter : `${filter}/tcp`}' published for ${rec.Name.replace(/^\//, '')}`, 1);
  }
  process.stdout.write(lines.map((l) => l + '\n').join(''));
  return 0;
}

export function registerNetworkCommands(program: Command): void {
  const net = program.command('network').description('Manage networks');
  registerDiagramCommands(net);
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
