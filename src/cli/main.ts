// minidock's command line: Docker's commands and flags. This file only declares them; each
// action loads its implementation lazily, so `minidock run` does not pay for `images`' code.
import { Command, Option, CommanderError } from 'commander';
import { BareError, DaemonError, errorLine, FlagValueError, RunCheckError, UserError } from '../errors.js';
import { trace } from '../state/trace.js';
import { registerNetworkCommands } from './network.js';
import { registerImageCommands } from './image.js';
import { registerSystemCommands } from './system.js';
import { containerAliasPath, registerContainerCommands, rewriteContainerAlias } from './container-commands.js';
import { registerCpCommitEvents, registerSystemEvents } from './cpcommit.js';
import { addRunFlagOptions } from './run-flag-options.js';
import { registerVolumeCommands } from './volume.js';

const collect = (v: string, prev: string[]) => [...prev, v];
import { VERSION } from './version.js';
import { guardStdio, writeErr, writeOut } from './output.js';
export { VERSION };

// The commands this file declares. When the command line names one of them (`minidock run …`),
// only that one is declared: building the whole tree of ~40 commands costs ~4 ms of every start.
// A command of another file (`images`, `network ls`, `port`) gets only what that file declares.
// Anything else (help, an unknown word) gets the whole tree, so help and errors read as always.
// (test/integration/cli-fast-start.test.ts: each name's help is the whole tree's.)
const OWN_COMMANDS = new Set(['run', 'create', 'ps', 'start', 'stop', 'restart', 'kill', 'wait', 'rm', 'logs', 'exec', 'inspect', 'stats', 'version', 'internal-cleanup', 'internal-restart', 'internal-overlay-sync']);
const REGISTRARS: [(program: Command) => void, string[]][] = [
  [registerContainerCommands, ['attach', 'container', 'diff', 'export', 'pause', 'rename', 'top', 'unpause', 'update']],
  [registerImageCommands, ['history', 'images', 'pull', 'tag', 'rmi', 'load', 'save', 'import', 'push', 'login', 'logout', 'image']],
  [registerNetworkCommands, ['network', 'port']],
  [
    (program) => {
      registerSystemCommands(program);
      registerSystemEvents(program.commands.find((c) => c.name() === 'system'));
    },
    ['info', 'system'],
  ],
  [registerCpCommitEvents, ['cp', 'commit', 'events']],
  [registerVolumeCommands, ['volume']],
];

// Output goes to the descriptors until something needs Node's streams; a broken pipe is
// ignored either way (output.ts).
guardStdio();

/** `container run …` is parsed as `run …`; Docker's words name it `container run` (parse-errors.ts). */
let aliasPath: string[] | undefined;

async function main(argv: string[]): Promise<number> {
  trace('cli loaded');
  aliasPath = containerAliasPath(argv);
  argv = rewriteContainerAlias(argv);
  const name = argv[2] ?? '';
  const registrar = REGISTRARS.find(([, names]) => names.includes(name))?.[0];
  const only = OWN_COMMANDS.has(name) || registrar ? name : undefined;
  const wanted = (name: string) => !only || only === name;
  const program = new Command('minidock')
    .description('A small, real, Docker-compatible container runtime that shows every kernel step it takes.\nState lives in $MINIDOCK_ROOT (default /var/lib/minidock).')
    .version(VERSION, '-v, --version', 'Print version information and quit')
    .enablePositionalOptions()
    .showSuggestionAfterError(false)
    .exitOverride();
  // commander's errors are printed in Docker's words where main's catch knows them (parse-errors.ts)
  program.configureOutput({ writeOut, writeErr, outputError: () => {} });

  const runLike = (cmd: Command) =>
    addRunFlagOptions(cmd)
      .helpOption('--help', 'Print usage')
      .option('-d, --detach', 'Run container in background and print container ID')
      .option('--rm', 'Automatically remove the container when it exits')
      .option('--name <name>', 'Assign a name to the container')
      .option('-e, --env <NAME=value>', 'Set environment variables', collect, [])
      .option('--env-file <file>', 'Read in a file of environment variables', collect, [])
      .option('-w, --workdir <dir>', 'Working directory inside the container')
      .option('-h, --hostname <name>', 'Container host name')
      .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
      .option('-v, --volume <host:ctr[:ro]>', 'Bind mount a host path (/host:/ctr), a named volume (name:/ctr) or an anonymous one (/ctr)', collect, [])
      .option('--mount <spec>', 'Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…[,readonly]', collect, [])
      .option('--volumes-from <container[:ro|rw]>', 'Mount volumes from the specified container(s)', collect, [])
      .option('--tmpfs <path>', 'Mount a tmpfs directory', collect, [])
      .option('-i, --interactive', 'Keep STDIN open')
      .option('-t, --tty', 'Allocate a pseudo-TTY')
      .option('-u, --user <user[:group]>', 'Username or UID (format: <name|uid>[:<group|gid>])')
      .addOption(new Option('--network <mode>', 'Connect a container to a network: bridge (the default), host, none, container:<name|id>, or a network name'))
      .addOption(new Option('--net <mode>').hideHelp())
      .option('-p, --publish <[ip:]hostPort:containerPort[/proto]>', "Publish a container's port(s) to the host", collect, [])
      .option('-P, --publish-all', 'Publish all exposed ports to random ports')
      .option('--ip <address>', 'IPv4 address (e.g. 172.30.100.104)')
      .option('--ip6 <address>', 'IPv6 address (e.g. 2001:db8::33)')
      .option('--network-alias <alias>', 'Add network-scoped alias for the container', collect, [])
      .option('--read-only', "Mount the container's root filesystem as read only")
      .option('-m, --memory <bytes>', 'Memory limit (e.g. 512m, 1g)')
      .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
      .option('--cpus <number>', 'Number of CPUs (e.g. 1.5)')
      .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
      .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
      .option('--cap-add <cap>', 'Add Linux capabilities (e.g. NET_ADMIN, ALL)', collect, [])
      .option('--cap-drop <cap>', 'Drop Linux capabilities (e.g. NET_RAW, ALL)', collect, [])
      .option('--privileged', 'Give extended privileges to this container (all capabilities, no seccomp, nothing masked)')
      .option('--security-opt <opt>', 'Security options: no-new-privileges, seccomp=unconfined', collect, [])
      .option('-l, --label <key=value>', 'Set meta data on a container', collect, [])
      .option('-a, --attach <stream>', 'Attach to STDIN, STDOUT or STDERR', collect, [])
      .option('--sig-proxy [bool]', 'Proxy received signals to the process (default true)')
      .option('--link <name[:alias]>', 'Add link to another container', collect, [])
      .option('--health-cmd <command>', 'Command to run to check health')
      .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)')
      .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)')
      .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)')
      .option('--health-start-interval <duration>', 'Time between running the check during the start period (ms|s|m|h) (default 0s)')
      .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy')
      .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
      .option('--log-driver <driver>', 'Logging driver for the container: json-file (default) or none')
      .option('--log-opt <key=value>', 'Log driver options: max-size=SIZE, max-file=N (json-file)', collect, [])
      .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
      .option('--restart <policy>', 'Restart policy to apply when a container exits: no, always, unless-stopped, on-failure[:max-retries]')
      .option('--explain', 'Print every host change as the command a person would type (to stderr)')
      .option('--dry-run', 'Print the plan (what --explain would print) and change nothing')
      .argument('<image>', 'image to run')
      .argument('[command...]', 'command and arguments')
      .passThroughOptions();

  if (wanted('run')) {
    runLike(program.command('run').description('Create and run a new container from an image'))
      .option('--detach-keys <keys>', 'Override the key sequence for detaching a container (with -it; default ctrl-p,ctrl-q)')
      .action(async (image, command, opts) => {
      await (await import('./flag-values.js')).checkRunValues(opts);
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(image, command, opts, { start: true });
    });
  }
  if (wanted('create')) {
    runLike(program.command('create').description('Create a new container')).action(async (image, command, opts) => {
      await (await import('./flag-values.js')).checkRunValues(opts);
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(image, command, opts, { start: false });
    });
  }

  if (wanted('ps')) {
    program
      .command('ps')
      .description('List containers')
      .option('-a, --all', 'Show all containers (default shows just running)')
      .option('-q, --quiet', 'Only display container IDs')
      .option('--no-trunc', "Don't truncate output")
      .option('-s, --size', 'Display total file sizes')
      .option('-l, --latest', 'Show the latest created container (includes all states)')
      .option('-n, --last <int>', 'Show n last created containers (includes all states)')
      .option('-f, --filter <key=value>', 'Filter output based on conditions provided (name, id, label, status, exited, ancestor, network, volume, before, since, health, publish, expose, is-task, isolation)', collect, [])
      .option('--format <template>', "Format output using a Go template ('json', '{{json .}}', '{{.Names}}', 'table {{.ID}}\\t{{.Label \"k\"}}')")
      .action(async (opts) => {
        process.exitCode = await (await import('./commands/container.js')).ps(opts);
      });
  }

  if (wanted('start')) {
    program
      .command('start')
      .description('Start one or more stopped containers')
      .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
      .option('-i, --interactive', "Attach container's STDIN")
      .option('--detach-keys <keys>', 'Override the key sequence for detaching a container')
      .argument('<container...>')
      .action(async (refs, opts) => {
        process.exitCode = opts.attach || opts.interactive
          ? await (await import('./commands/attach.js')).startAttached(refs, opts)
          : await (await import('./commands/container.js')).start(refs);
      });
  }

  if (wanted('stop')) {
    program
      .command('stop')
      .description('Stop one or more running containers (SIGTERM, then SIGKILL after a grace period)')
      .option('-t, --timeout <seconds>', "Seconds to wait before killing the container (default: the container's --stop-timeout, else 10)")
      .addOption(new Option('--time <seconds>').hideHelp()) // Docker's deprecated name
      .option('-s, --signal <signal>', "Signal to send to the container (default: the container's --stop-signal, else SIGTERM)")
      .argument('<container...>')
      .action(async (refs, opts) => {
        process.exitCode = await (await import('./commands/container.js')).stop(refs, { ...opts, time: opts.timeout ?? opts.time });
      });
  }

  if (wanted('restart')) {
    program
      .command('restart')
      .description('Restart one or more containers')
      .option('-t, --timeout <seconds>', "Seconds to wait before killing the container (default: the container's --stop-timeout, else 10)")
      .addOption(new Option('--time <seconds>').hideHelp()) // Docker's deprecated name
      .argument('<container...>')
      .action(async (refs, opts) => {
        process.exitCode = await (await import('./commands/container.js')).restart(refs, { ...opts, time: opts.timeout ?? opts.time });
      });
  }

  if (wanted('kill')) {
    program
      .command('kill')
      .description('Kill one or more running containers')
      .option('-s, --signal <signal>', 'Signal to send to the container', 'KILL')
      .argument('<container...>')
      .action(async (refs, opts) => {
        process.exitCode = await (await import('./commands/container.js')).kill(refs, opts);
      });
  }

  if (wanted('wait')) {
    program
      .command('wait')
      .description('Block until one or more containers stop, then print their exit codes')
      .argument('<container...>')
      .action(async (refs) => {
        process.exitCode = await (await import('./commands/container.js')).wait(refs);
      });
  }

  if (wanted('rm')) {
    program
      .command('rm')
      .description('Remove one or more containers')
      .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
      .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
      .option('--explain', 'Print every host change as the command a person would type (to stderr)')
      .option('--dry-run', 'Print the plan (what --explain would print) and change nothing')
      .argument('<container...>')
      .action(async (refs, opts) => {
        process.exitCode = await (await import('./commands/container.js')).rm(refs, opts);
      });
  }

  if (wanted('logs')) {
    program
      .command('logs')
      .description('Fetch the logs of a container')
      .option('-f, --follow', 'Follow log output')
      .option('-n, --tail <lines>', 'Number of lines to show from the end of the logs', 'all')
      .option('-t, --timestamps', 'Show timestamps')
      .option('--since <time>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
      .option('--until <time>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
      .option('--details', 'Show extra details provided to logs')
      .argument('<container>')
      .action(async (ref, opts) => {
        process.exitCode = await (await import('./commands/container.js')).logs(ref, opts);
      });
  }

  if (wanted('exec')) {
    program
      .command('exec')
      .description('Execute a command in a running container')
      .option('-d, --detach', 'Detached mode: run command in the background')
      .option('-i, --interactive', 'Keep STDIN open')
      .option('-t, --tty', 'Allocate a pseudo-TTY')
      .option('-e, --env <NAME=value>', 'Set environment variables', collect, [])
      .option('-w, --workdir <dir>', 'Working directory inside the container')
      .option('-u, --user <user[:group]>', 'Username or UID')
      .argument('<container>')
      .argument('<command...>')
      .passThroughOptions()
      .action(async (ref, cmd, opts) => {
        process.exitCode = await (await import('./commands/container.js')).exec(ref, cmd, opts);
      });
  }

  if (wanted('inspect')) {
    program
      .command('inspect')
      .description('Return low-level information on containers, images, networks or volumes')
      .option('-f, --format <template>', 'Format output using a Go template')
      .option('--type <type>', 'Return JSON for specified type (container, image, network, volume)')
      .option('-s, --size', 'Display total file sizes if the type is container')
      .argument('<name...>')
      .action(async (refs, opts) => {
        process.exitCode = await (await import('./commands/container.js')).inspect(refs, opts);
      });
  }

  if (wanted('stats')) {
    program
      .command('stats')
      .description('Display container(s) resource usage statistics')
      .option('-a, --all', 'Show all containers (default shows just running)')
      .option('--no-stream', 'Disable streaming stats and only pull the first result')
      .option('--no-trunc', "Don't truncate output")
      .option('--format <template>', "Format output using a Go template ('{{json .}}', 'table {{.Name}}\\t{{.CPUPerc}}')")
      .argument('[container...]')
      .action(async (refs, opts) => {
        process.exitCode = await (await import('./commands/stats.js')).stats(refs, opts);
      });
  }

  if (wanted('version')) {
    program
      .command('version')
      .description('Show the minidock version information')
      .action(async () => {
        const { firewallChoice } = await import('../engine/network/firewall/index.js');
        const fw = firewallChoice();
        writeOut(`minidock version ${VERSION}\nNode.js ${process.version}\nOS/Arch linux/${process.arch === 'x64' ? 'amd64' : process.arch}\nFirewall backend ${fw.name}${fw.from === 'default' ? '' : ` (${fw.from})`}\n`);
      });
  }

  if (wanted('internal-cleanup')) {
    program
      .command('internal-cleanup', { hidden: true })
      .description('Run by the shim after a container ended: release its network, honour --rm')
      .argument('<id>')
      .argument('[startedAt]', 'the start this cleanup belongs to (a later start owns the container)')
      .action(async (id, startedAt) => (await import('../engine/container/lifecycle.js')).cleanupContainer(id, startedAt));
  }

  if (wanted('internal-restart')) {
    program
      .command('internal-restart', { hidden: true })
      .description("Run by the shim's restarter after the backoff: start the container again (--restart)")
      .argument('<id>')
      .argument('<startedAt>', 'the start whose end asked for this restart')
      .action(async (id, startedAt) => (await import('../engine/container/restart.js')).restartByPolicy(id, startedAt));
  }

  if (wanted('internal-overlay-sync')) {
    program
      .command('internal-overlay-sync', { hidden: true })
      .description("Run by the host's overlay watcher (minidock-ovwatch) on every change in the cluster store")
      .action(async () => {
        process.exitCode = await (await import('../engine/cluster/sync.js')).syncOverlay();
      });
  }

  if (!only) for (const [register] of REGISTRARS) register(program);
  else registrar?.(program);

  // each command's errors carry the command (for Docker's usage line and its name in them)
  const mark = (c: Command, path: string[]): void => {
    c.exitOverride((e) => {
      throw Object.assign(e, { path });
    });
    for (const sub of c.commands) mark(sub, [...path, sub.name()]);
  };
  mark(program, []);

  // `help WORD…` of something that is not a command: Docker's "unknown help topic", exit 1
  if (argv[2] === 'help') {
    let c: Command = program;
    const words = argv.slice(3).filter((a) => !a.startsWith('-'));
    for (const [i, w] of words.entries()) {
      const sub = c.commands.find((x) => x.name() === w || x.aliases().includes(w));
      if (!sub) {
        writeErr(`unknown help topic: ${words.slice(i).join(' ')}\n`);
        return 1;
      }
      c = sub;
    }
  }

  // flag values as Docker's CLI checks them, before anything else is (flag-values.ts)
  if (argv.slice(2).some((a) => a.startsWith('-'))) {
    const { dockerUsage } = await import('./parse-errors.js');
    argv = await (await import('./flag-values.js')).checkFlagValues(program, argv, (path) => dockerUsage('minidock', aliasPath ?? path));
  }
  trace('flags checked');
  await program.parseAsync(argv);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

const ARG_ERRORS = new Set(['commander.unknownCommand', 'commander.missingArgument', 'commander.excessArguments']);

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    if (e instanceof CommanderError) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
      // Docker: a bad flag is the CLI's own error (125), but an unknown command or a wrong
      // number of arguments is a plain error (exit 1: docker/cli cli/required.go, cmd/docker).
      process.exitCode = ok ? 0 : ARG_ERRORS.has(e.code) ? 1 : 125;
      if (!ok) {
        const path = aliasPath ?? (e as CommanderError & { path?: string[] }).path ?? [];
        const words = (await import('./parse-errors.js')).dockerParseError('minidock', path, e.code, e.message, process.argv.slice(2));
        writeErr(words ?? `minidock: ${e.message.replace(/^error: /, '')}\n`);
      }
      return;
    }
    if (e instanceof FlagValueError && e.shown) {
      writeErr(e.shown);
      process.exitCode = 125;
      return;
    }
    if (e instanceof BareError) {
      writeErr(`${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    const cmd = process.argv[2] === 'container' ? process.argv[3] : process.argv[2];
    if (e instanceof DaemonError) {
      // docker run wraps the daemon's refusal in its own status error; the other commands print it as it is, exit 1
      if (cmd === 'run') writeErr(`minidock: ${e.message}\n\nRun 'minidock run --help' for more information\n`);
      else writeErr(`${e.message}\n`);
      process.exitCode = cmd !== 'run' ? 1 : e.exitCode === 1 ? 125 : e.exitCode;
      return;
    }
    if (e instanceof UserError) {
      // docker run/create: "Run 'docker run --help' …" after what its CLI checks past parsing
      const more = e instanceof RunCheckError && (cmd === 'run' || cmd === 'create') ? `\n\nRun 'minidock ${cmd} --help' for more information` : '';
      writeErr(`${e instanceof RunCheckError ? `minidock: ${e.message}` : errorLine(e, cmd)}${more}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    writeErr(`minidock: ${e instanceof Error ? (process.env.MINIDOCK_DEBUG ? e.stack : e.message) : String(e)}\n`);
    process.exitCode = 125;
  },
).then(() => {
  // Done, and nothing left that would keep Node running: exit now. Left to end by itself, Node
  // first tears the whole heap down (~110 more system calls after a `ps` of 100, unmapping its
  // pages). Anything still active (a stream made, a child, a server, a timer) gets the natural end.
  if (process.getActiveResourcesInfo().length === 0) process.exit();
});
