// `minidock system …`: prune (Docker's, plus minidock's reconciliation of the host with its
// state), df. The work lives in src/engine/system/.
import type { Command } from 'commander';
import { confirm } from './confirm.js';

function human(n: number): string {
  const u = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < u.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(3).replace(/\.?0+$/, '')}${u[i]}`;
}

const exit = (code: number): void => {
  process.exitCode = code;
};

function infoCmd(cmd: Command): void {
  cmd
    .description('Display system-wide information')
    .option('-f, --format <template>', "Format output using a Go template ('{{json .}}', '{{.CgroupVersion}}')")
    .action(async (opts: { format?: string }) => exit(await (await import('./commands/info.js')).info(opts)));
}

export function registerSystemCommands(program: Command): void {
  infoCmd(program.command('info'));
  const sys = program.command('system').description('Manage minidock');
  infoCmd(sys.command('info'));
  sys
    .command('df')
    .description('Show disk usage (images, containers, volumes, build cache)')
    .option('-v, --verbose', 'Show detailed information on space usage')
    .option('--format <template>', "Format output using a Go template ('table {{.Type}}\\t{{.Size}}')")
    .action(async (opts: { verbose?: boolean; format?: string }) => exit((await import('./commands/df.js')).systemDf(opts)));
  sys
    .command('prune')
    .description('Remove stopped containers, unused networks and dangling images, and release every leftover of a crash (netns, veth, rules, addresses, ports, cgroups, locks)')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--volumes', 'Prune anonymous volumes')
    .option('--explain', 'Print every host change as the command a person would type (to stderr)')
    .action(async (opts: { force?: boolean; volumes?: boolean; explain?: boolean }) => {
      if (!opts.force) {
        const ok = await confirm(
          'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
            (opts.volumes ? '  - all anonymous volumes not used by at least one container\n' : '') +
            '  - all dangling images\n  - every host object minidock created that no container owns any more\n\nAre you sure you want to continue? [y/N] ',
        );
        if (!ok) return;
      }
      const { systemPrune } = await import('../engine/system/prune.js');
      const explain = opts.explain ? (l: string) => process.stderr.write(l + '\n') : undefined;
      const r = await systemPrune({ docker: true, explain });
      // As Docker 23+: --volumes removes the anonymous volumes no container uses (after the containers went).
      const vols = opts.volumes ? await (await import('../engine/volume/use.js')).pruneVolumes({ all: false }) : [];
      const out: string[] = [];
      if (r.containers.length) out.push('Deleted Containers:', ...r.containers, '');
      if (r.networks.length) out.push('Deleted Networks:', ...r.networks, '');
      if (vols.length) out.push('Deleted Volumes:', ...vols.map((v) => v.Name), '');
      if (r.images.length) out.push('Deleted Images:', ...r.images, '');
      if (r.repaired.length) out.push('Released leftovers:', ...r.repaired, '');
      if (r.foreign.length) out.push('Left alone (named like minidock\'s, but no container or network of this state root owns them):', ...r.foreign, '');
      out.push(`Total reclaimed space: ${human(r.reclaimed)}`);
      process.stdout.write(out.join('\n') + '\n');
    });
  sys
    .command('service')
    .description("Serve the Docker Engine API (docker, docker-compose, Docker SDKs) on a socket; containers never depend on it (docs/engine-api.md)")
    .option('--socket <url>', 'Where to listen: unix:///PATH, or tcp://127.0.0.1:PORT (loopback only)', 'unix:///run/minidock.sock')
    .option('-t, --time <seconds>', 'Exit after this many seconds without a request (0: run until stopped)', '5')
    .option('--group <name>', 'The group that may use the unix socket (owner root, mode 0660; default group root)')
    .option('--explain', 'Print every host change a request makes as the command a person would type (to stderr)')
    .action(async (opts: { socket: string; time: string; group?: string; explain?: boolean }) => {
      const { runService } = await import('../api/service.js');
      exit(await runService(opts));
    });
  sys
    .command('restart-policies')
    .description("Start the stopped containers whose restart policy asks for it, as Docker's daemon does when it starts (for a boot-time unit: docs/shim.md)")
    .action(async () => {
      const { startByPolicies } = await import('../engine/container/restart.js');
      process.exitCode = await startByPolicies((name) => process.stdout.write(name + '\n'));
    });
}
