// `minidock volume create|ls|inspect|rm|prune` (the local driver; src/engine/volume/). Only the
// declarations live here; each action loads the engine when it runs.
import type { Command } from 'commander';
import { DaemonError, UserError } from '../errors.js';
import { confirm } from './confirm.js';
import { writeErr, writeOut } from './output.js';

const collect = (v: string, prev: string[]) => [...prev, v];

function keyValues(specs: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UserError(`invalid argument "${s}" for "${what}" flag: must be key=value`);
    out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

function labels(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq === 0) throw new UserError(`invalid label: ${JSON.stringify(s)}`);
    out[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? '' : s.slice(eq + 1);
  }
  return out;
}

/** Docker's `volume ls` table: DRIVER and VOLUME NAME (Go's tabwriter: min width 10, padding 3). */
function table(rows: { Driver: string; Name: string }[]): string {
  const w = Math.max(10, 'DRIVER'.length + 3, ...rows.map((r) => r.Driver.length + 3));
  return [['DRIVER', 'VOLUME NAME'], ...rows.map((r) => [r.Driver, r.Name])].map(([d, n]) => d.padEnd(w) + n + '\n').join('');
}

export function registerVolumeCommands(program: Command): void {
  const vol = program.command('volume').description('Manage volumes');

  vol
    .command('create')
    .description('Create a volume')
    .argument('[name]')
    .option('-d, --driver <driver>', 'Specify volume driver name', 'local')
    .option('-o, --opt <key=value>', 'Set driver specific options (type=tmpfs|none, device=…, o=…)', collect, [])
    .option('--label <key=value>', 'Set metadata for a volume', collect, [])
    .option('--name <name>', 'Specify volume name')
    .action(async (name: string | undefined, o: { driver: string; opt: string[]; label: string[]; name?: string }) => {
      if (name !== undefined && o.name !== undefined && name !== o.name) throw new UserError(`conflicting options: either specify --name or provide positional arg, not both`, 1);
      if (o.driver !== 'local') throw new DaemonError(`create ${name ?? o.name ?? ''}: error looking up volume plugin ${o.driver}: plugin "${o.driver}" not found`, 1);
      const { createVolumeLocked } = await import('../engine/volume/store.js');
      const v = await createVolumeLocked(name ?? o.name, { options: keyValues(o.opt, '--opt'), labels: labels(o.label) });
      writeOut(v.Name + '\n');
    });

  vol
    .command('ls')
    .alias('list')
    .description('List volumes')
    .option('-q, --quiet', 'Only display volume names')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true", "name=…", "label=k[=v]", "driver=local")', collect, [])
    .option('--format <template>', "Format output using a Go template ('{{.Name}}', 'table {{.Name}}\\t{{.Driver}}', json)")
    .action(async (o: { quiet?: boolean; filter: string[]; format?: string }) => {
      const { allVolumes, inspectVolume } = await import('../engine/volume/store.js');
      const { selectVolumes } = await import('../engine/volume/select.js');
      const { naturalCompare } = await import('./sortorder.js');
      const vols = selectVolumes(allVolumes(), o.filter).sort((a, b) => naturalCompare(a.Name, b.Name));
      if (o.quiet) {
        writeOut(vols.map((v) => v.Name + '\n').join(''));
        return;
      }
      if (o.format !== undefined && o.format !== 'table') {
        // docker/cli's volumeContext: its fields (Links and Size without -s, and the cluster
        // volumes' Group, Availability, Status: N/A), Labels k=v sorted, and Label(name)
        const rows = vols.map((v) => {
          const i = inspectVolume(v);
          return {
            Name: i.Name, Driver: i.Driver, Scope: i.Scope, Mountpoint: i.Mountpoint,
            Labels: Object.entries(v.Labels).map(([k, x]) => `${k}=${x}`).sort().join(','),
            Links: 'N/A', Size: 'N/A', Group: 'N/A', Availability: 'N/A', Status: 'N/A',
            Label: (name: string) => v.Labels[name] ?? '',
          };
        });
        const { writeFormatted, VOLUME_FORMAT } = await import('./template.js');
        const { labelHeader } = await import('../engine/container/views.js');
        writeFormatted(o.format, rows, { ...VOLUME_FORMAT, headers: { ...VOLUME_FORMAT.headers, Label: labelHeader } });
        return;
      }
      writeOut(table(vols));
    });

  vol
    .command('inspect')
    .description('Display detailed information on one or more volumes')
    .option('-f, --format <template>', 'Format output using a Go template')
    .argument('<volume...>')
    .action(async (names: string[], o: { format?: string }) => {
      const { loadVolume, inspectVolume } = await import('../engine/volume/store.js');
      const { printInspect } = await import('./template.js');
      process.exitCode = await printInspect(names, o.format, async (n) => {
        const v = loadVolume(n);
        return v && inspectVolume(v);
      }, (n) => `Error response from daemon: get ${n}: no such volume`);
    });

  vol
    .command('rm')
    .alias('remove')
    .description('Remove one or more volumes. You cannot remove a volume that is in use by a container.')
    .option('-f, --force', 'Force the removal of one or more volumes (a missing one is no error)')
    .argument('<volume...>')
    .action(async (names: string[], o: { force?: boolean }) => {
      const { removeVolume } = await import('../engine/volume/use.js');
      let code = 0;
      for (const n of names) {
        try {
          await removeVolume(n, !!o.force);
          writeOut(n + '\n');
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          writeErr(e.message + '\n');
          code = 1;
        }
      }
      process.exitCode = code;
    });

  vol
    .command('prune')
    .description('Remove unused local volumes (anonymous ones only, unless -a: as Docker 23+)')
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<label>")', collect, [])
    .action(async (o: { all?: boolean; force?: boolean; filter: string[] }) => {
      if (!o.force) {
        const what = o.all ? 'all local volumes' : 'anonymous local volumes';
        if (!(await confirm(`WARNING! This will remove ${what} not used by at least one container.\nAre you sure you want to continue? [y/N] `))) return;
      }
      const { pruneVolumes } = await import('../engine/volume/use.js');
      const gone = await pruneVolumes({ all: !!o.all, filters: o.filter });
      const out = gone.length ? ['Deleted Volumes:', ...gone.map((v) => v.Name), ''] : [];
      out.push('Total reclaimed space: 0B');
      writeOut(out.join('\n') + '\n');
    });
}
