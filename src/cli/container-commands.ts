// Container commands beyond the everyday ones main.ts declares: top, rename, pause, unpause, diff,
// export, and the `container` group (Docker's `container ls|inspect|prune|rm|start|…`).
// Declarations only; each action loads its implementation with import().
import type { Command } from 'commander';
import { UserError } from '../errors.js';

const collect = (v: string, prev: string[]) => [...prev, v];
const exit = (code: number): void => {
  process.exitCode = code;
};

/** Docker's `container` subcommands that are the top-level command of the same name. */
const SAME_AS_TOP = new Set([
  'attach', 'commit', 'cp', 'create', 'diff', 'exec', 'export', 'kill', 'logs', 'pause', 'port', 'rename',
  'restart', 'rm', 'run', 'start', 'stats', 'stop', 'top', 'unpause', 'update', 'wait',
]);

/**
 * `container ls …` is `ps …`, `container inspect …` is `inspect --type container …`, `container
 * rm …` is `rm …`: rewritten before parsing, so each keeps one declaration (and `container ls`
 * the fast start of `ps`). `container prune` and `container --help` are the group's own.
 */
export function rewriteContainerAlias(argv: string[]): string[] {
  if (argv[2] !== 'container') return argv;
  const sub = argv[3];
  const rest = argv.slice(4);
  if (sub === 'ls' || sub === 'list' || sub === 'ps') return [argv[0], argv[1], 'ps', ...rest];
  if (sub === 'inspect') return [argv[0], argv[1], 'inspect', '--type', 'container', ...rest];
  if (sub !== undefined && SAME_AS_TOP.has(sub)) return [argv[0], argv[1], sub, ...rest];
  return argv;
}

/** The words Docker names a rewritten `container …` command by (`container ls` for `container ps`). */
export function containerAliasPath(argv: string[]): string[] | undefined {
  const sub = argv[3];
  if (argv[2] !== 'container' || sub === undefined) return undefined;
  if (sub === 'ls' || sub === 'list' || sub === 'ps') return ['container', 'ls'];
  return sub === 'inspect' || SAME_AS_TOP.has(sub) ? ['container', sub] : undefined;
}

export function registerContainerCommands(program: Command): void {
  program
    .command('top')
    .description('Display the running processes of a container')
    .usage('CONTAINER [ps OPTIONS]')
    .argument('<container>')
    .argument('[ps-options...]', "options for ps (default -ef)")
    .passThroughOptions()
    .allowUnknownOption()
    .action(async (ref, psArgs) => exit((await import('./commands/top.js')).top(ref, psArgs)));

  program
    .command('rename')
    .description('Rename a container')
    .argument('<container>')
    .argument('<new-name>')
    .action(async (ref, name) => exit(await (await import('./commands/rename.js')).rename(ref, name)));

  program
    .command('pause')
    .description('Pause all processes within one or more containers (cgroup freezer)')
    .argument('<container...>')
    .action(async (refs) => exit(await (await import('./commands/pause.js')).pause(refs)));

  program
    .command('unpause')
    .description('Unpause all processes within one or more containers')
    .argument('<container...>')
    .action(async (refs) => exit(await (await import('./commands/pause.js')).unpause(refs)));

  program
    .command('diff')
    .description("Inspect changes to files or directories on a container's filesystem (A added, C changed, D deleted)")
    .argument('<container>')
    .action(async (ref) => exit((await import('./commands/diff.js')).diff(ref)));

  program
    .command('export')
    .description("Export a container's filesystem as a tar archive (streamed to STDOUT by default)")
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .argument('<container>')
    .action(async (ref, opts) => exit(await (await import('./commands/export.js')).exportContainer(ref, opts)));

  program
    .command('update')
    .description('Update configuration of one or more containers')
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', 'Swap limit equal to memory plus swap: -1 to enable unlimited swap')
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--restart <policy>', 'Restart policy to apply when a container exits')
    .argument('<container...>')
    .action(async (refs, opts) => exit(await (await import('./commands/update.js')).update(refs, opts)));

  program
    .command('attach')
    .description('Attach local standard input, output, and error streams to a running container')
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy [bool]', 'Proxy all received signals to the process (default true)')
    .argument('<container>')
    .action(async (ref, opts) => exit(await (await import('./commands/attach.js')).attach(ref, opts)));

  // `container …`: help lists what the aliases reach; only prune is the group's own action.
  const group = program.command('container').description('Manage containers');
  const alias = (name: string, what: string) =>
    group.command(name).description(what).allowUnknownOption().helpOption(false).argument('[args...]').action(() => {
      // never reached: rewriteContainerAlias turns `container NAME` into NAME before parsing
      throw new UserError(`unknown command '${name}'`, 1);
    });
  alias('ls', 'List containers (same as ps)');
  alias('inspect', 'Display detailed information on one or more containers');
  for (const [n, d] of [
    ['create', 'Create a new container'], ['run', 'Create and run a new container'], ['start', 'Start one or more stopped containers'],
    ['stop', 'Stop one or more running containers'], ['restart', 'Restart one or more containers'], ['kill', 'Kill one or more running containers'],
    ['wait', 'Block until one or more containers stop'], ['rm', 'Remove one or more containers'], ['logs', 'Fetch the logs of a container'],
    ['exec', 'Execute a command in a running container'], ['stats', 'Display resource usage statistics'], ['top', 'Display the running processes of a container'],
    ['rename', 'Rename a container'], ['pause', 'Pause all processes within one or more containers'], ['unpause', 'Unpause all processes within one or more containers'],
    ['diff', "Inspect changes on a container's filesystem"], ['update', 'Update configuration of one or more containers'], ['export', "Export a container's filesystem as a tar archive"], ['port', 'List port mappings'],
    ['cp', 'Copy files/folders between a container and the local filesystem'], ['attach', 'Attach to a running container'], ['commit', "Create a new image from a container's changes"],
  ]) alias(n, d);
  group
    .command('prune')
    .description('Remove all stopped containers')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=24h", "label=key=value", "label!=key")', collect, [])
    .action(async (opts) => exit(await (await import('./commands/container-prune.js')).containerPrune(opts)));
}
