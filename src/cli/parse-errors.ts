// Docker's words for a command line it cannot parse (cobra and docker/cli's cli/required.go, as
// docker 28 prints them), for the errors commander finds: an unknown flag or shorthand, a flag
// without its value (exit 125, the CLI's own error), a missing argument and an unknown command
// (exit 1). Loaded only when a command line is wrong.

/**
 * Docker's usage line (after the program's name), what a command requires of its arguments and
 * what it says of too many, as `docker <cmd> --nosuchflag`, `docker <cmd>` with no arguments and
 * with six print them (docker 28.2; '' where Docker goes on to the daemon).
 * A command Docker does not have (network diagram, system service) keeps commander's words.
 * `%p` is the program's name (cp's second usage line).
 */
const COMMANDS: Record<string, [usage: string, requires: string, tooMany: string]> = {
  'run': ['run [OPTIONS] IMAGE [COMMAND] [ARG...]', 'at least 1 argument', ''],
  'create': ['create [OPTIONS] IMAGE [COMMAND] [ARG...]', 'at least 1 argument', ''],
  'ps': ['ps [OPTIONS]', '', 'accepts no arguments'],
  'start': ['start [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'stop': ['stop [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'restart': ['restart [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'kill': ['kill [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'wait': ['wait CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'rm': ['rm [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'logs': ['logs [OPTIONS] CONTAINER', '1 argument', 'requires 1 argument'],
  'exec': ['exec [OPTIONS] CONTAINER COMMAND [ARG...]', 'at least 2 arguments', ''],
  'inspect': ['inspect [OPTIONS] NAME|ID [NAME|ID...]', 'at least 1 argument', ''],
  'stats': ['stats [OPTIONS] [CONTAINER...]', '', ''],
  'version': ['version [OPTIONS]', '', 'accepts no arguments'],
  'top': ['top CONTAINER [ps OPTIONS]', 'at least 1 argument', ''],
  'rename': ['rename CONTAINER NEW_NAME', '2 arguments', 'requires 2 arguments'],
  'pause': ['pause CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'unpause': ['unpause CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'diff': ['diff CONTAINER', '1 argument', 'requires 1 argument'],
  'export': ['export [OPTIONS] CONTAINER', '1 argument', 'requires 1 argument'],
  'attach': ['attach [OPTIONS] CONTAINER', '1 argument', 'requires 1 argument'],
  'history': ['history [OPTIONS] IMAGE', '1 argument', 'requires 1 argument'],
  'images': ['images [OPTIONS] [REPOSITORY[:TAG]]', '', 'requires at most 1 argument'],
  'pull': ['pull [OPTIONS] NAME[:TAG|@DIGEST]', '1 argument', 'requires 1 argument'],
  'push': ['push [OPTIONS] NAME[:TAG]', '1 argument', 'requires 1 argument'],
  'update': ['update [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'image push': ['image push [OPTIONS] NAME[:TAG]', '1 argument', 'requires 1 argument'],
  'container update': ['container update [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'tag': ['tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', '2 arguments', 'requires 2 arguments'],
  'rmi': ['rmi [OPTIONS] IMAGE [IMAGE...]', 'at least 1 argument', ''],
  'load': ['load [OPTIONS]', '', 'accepts no arguments'],
  'save': ['save [OPTIONS] IMAGE [IMAGE...]', 'at least 1 argument', ''],
  'import': ['import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]', 'at least 1 argument', ''],
  'login': ['login [OPTIONS] [SERVER]', '', 'requires at most 1 argument'],
  'logout': ['logout [SERVER]', '', 'requires at most 1 argument'],
  'port': ['port CONTAINER [PRIVATE_PORT[/PROTO]]', 'at least 1 and at most 2 arguments', 'requires at least 1 and at most 2 arguments'],
  'info': ['info [OPTIONS]', '', 'accepts no arguments'],
  'cp': ['cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\t%p cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH', '2 arguments', 'requires 2 arguments'],
  'commit': ['commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]', 'at least 1 and at most 2 arguments', 'requires at least 1 and at most 2 arguments'],
  'events': ['events [OPTIONS]', '', 'accepts no arguments'],
  'network': ['network', '', ''],
  'volume': ['volume COMMAND', '', ''],
  'image': ['image', '', ''],
  'container': ['container', '', ''],
  'system': ['system', '', ''],
  'network create': ['network create [OPTIONS] NETWORK', '1 argument', 'requires 1 argument'],
  'network rm': ['network rm NETWORK [NETWORK...]', 'at least 1 argument', ''],
  'network prune': ['network prune [OPTIONS]', '', 'accepts no arguments'],
  'network connect': ['network connect [OPTIONS] NETWORK CONTAINER', '2 arguments', 'requires 2 arguments'],
  'network disconnect': ['network disconnect [OPTIONS] NETWORK CONTAINER', '2 arguments', 'requires 2 arguments'],
  'network ls': ['network ls [OPTIONS]', '', 'accepts no arguments'],
  'network inspect': ['network inspect [OPTIONS] NETWORK [NETWORK...]', 'at least 1 argument', ''],
  'volume create': ['volume create [OPTIONS] [VOLUME]', '', 'requires at most 1 argument'],
  'volume ls': ['volume ls [OPTIONS]', '', 'accepts no arguments'],
  'volume inspect': ['volume inspect [OPTIONS] VOLUME [VOLUME...]', 'at least 1 argument', ''],
  'volume rm': ['volume rm [OPTIONS] VOLUME [VOLUME...]', 'at least 1 argument', ''],
  'volume prune': ['volume prune [OPTIONS]', '', 'accepts no arguments'],
  'image ls': ['image ls [OPTIONS] [REPOSITORY[:TAG]]', '', 'requires at most 1 argument'],
  'image pull': ['image pull [OPTIONS] NAME[:TAG|@DIGEST]', '1 argument', 'requires 1 argument'],
  'image tag': ['image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', '2 arguments', 'requires 2 arguments'],
  'image rm': ['image rm [OPTIONS] IMAGE [IMAGE...]', 'at least 1 argument', ''],
  'image load': ['image load [OPTIONS]', '', 'accepts no arguments'],
  'image save': ['image save [OPTIONS] IMAGE [IMAGE...]', 'at least 1 argument', ''],
  'image import': ['image import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]', 'at least 1 argument', ''],
  'image history': ['image history [OPTIONS] IMAGE', '1 argument', 'requires 1 argument'],
  'image inspect': ['image inspect [OPTIONS] IMAGE [IMAGE...]', 'at least 1 argument', ''],
  'image prune': ['image prune [OPTIONS]', '', 'accepts no arguments'],
  'container ls': ['container ls [OPTIONS]', '', 'accepts no arguments'],
  'container inspect': ['container inspect [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container create': ['container create [OPTIONS] IMAGE [COMMAND] [ARG...]', 'at least 1 argument', ''],
  'container run': ['container run [OPTIONS] IMAGE [COMMAND] [ARG...]', 'at least 1 argument', ''],
  'container start': ['container start [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container stop': ['container stop [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container restart': ['container restart [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container kill': ['container kill [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container wait': ['container wait CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container rm': ['container rm [OPTIONS] CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container logs': ['container logs [OPTIONS] CONTAINER', '1 argument', 'requires 1 argument'],
  'container exec': ['container exec [OPTIONS] CONTAINER COMMAND [ARG...]', 'at least 2 arguments', ''],
  'container stats': ['container stats [OPTIONS] [CONTAINER...]', '', ''],
  'container top': ['container top CONTAINER [ps OPTIONS]', 'at least 1 argument', ''],
  'container rename': ['container rename CONTAINER NEW_NAME', '2 arguments', 'requires 2 arguments'],
  'container pause': ['container pause CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container unpause': ['container unpause CONTAINER [CONTAINER...]', 'at least 1 argument', ''],
  'container diff': ['container diff CONTAINER', '1 argument', 'requires 1 argument'],
  'container export': ['container export [OPTIONS] CONTAINER', '1 argument', 'requires 1 argument'],
  'container port': ['container port CONTAINER [PRIVATE_PORT[/PROTO]]', 'at least 1 and at most 2 arguments', 'requires at least 1 and at most 2 arguments'],
  'container cp': ['container cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\t%p container cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH', '2 arguments', 'requires 2 arguments'],
  'container attach': ['container attach [OPTIONS] CONTAINER', '1 argument', 'requires 1 argument'],
  'container commit': ['container commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]', 'at least 1 and at most 2 arguments', 'requires at least 1 and at most 2 arguments'],
  'container prune': ['container prune [OPTIONS]', '', 'accepts no arguments'],
  'system info': ['system info [OPTIONS]', '', 'accepts no arguments'],
  'system df': ['system df [OPTIONS]', '', 'accepts no arguments'],
  'system prune': ['system prune [OPTIONS]', '', 'accepts no arguments'],
  'system events': ['system events [OPTIONS]', '', 'accepts no arguments'],
};

/** The root's usage line in an error (`docker --nosuch`). */
const ROOT_USAGE = '[OPTIONS] COMMAND [ARG...]';

/** What follows an invalid flag value: the command's usage block; undefined for a command Docker has not. */
export function dockerUsage(prog: string, path: string[]): string | undefined {
  const cmd = COMMANDS[path.join(' ')];
  return cmd && path.length ? `\n\nUsage:  ${prog} ${cmd[0].replaceAll('%p', prog)}\n\n${help(prog, path)}` : undefined;
}

const help = (prog: string, path: string[], verb = 'Run') => `${verb} '${[prog, ...path].join(' ')} --help' for more information\n`;

/**
 * What to print for commander's error `code`/`message` in the command at `path` (names from the
 * root; [] for the root itself), `argv` being the words typed; undefined: no Docker wording known.
 */
export function dockerParseError(prog: string, path: string[], code: string, message: string, argv: string[]): string | undefined {
  const key = path.join(' ');
  const cmd = path.length ? COMMANDS[key] : [ROOT_USAGE, '', ''];
  if (!cmd) return undefined;
  const usage = `\n\nUsage:  ${prog} ${cmd[0].replaceAll('%p', prog)}\n\n`;
  if (code === 'commander.unknownOption') {
    const flag = /unknown option '([^']+)'/.exec(message)?.[1] ?? '';
    const what = flag.startsWith('--') ? `unknown flag: ${flag.split('=')[0]}` : `unknown shorthand flag: '${flag[1]}' in ${flag}`;
    return what + usage + help(prog, path);
  }
  if (code === 'commander.optionMissingArgument') {
    const m = /option '(?:(-\w), )?(--[\w-]+)/.exec(message);
    if (!m) return undefined;
    const what = m[1] && argv.includes(m[1]) ? `'${m[1][1]}' in ${m[1]}` : m[2];
    return `flag needs an argument: ${what}` + usage + help(prog, path);
  }
  if (code === 'commander.missingArgument' && cmd[1]) {
    // cobra's RequiresMinArgs says "See", ExactArgs and RequiresRangeArgs "Run"
    const verb = cmd[1].startsWith('at least') && !cmd[1].includes('at most') ? 'See' : 'Run';
    return `${prog}: '${[prog, ...path].join(' ')}' requires ${cmd[1]}` + usage + help(prog, path, verb);
  }
  if (code === 'commander.excessArguments' && cmd[2]) {
    // cobra's NoArgs, ExactArgs and RequiresRangeArgs say "Run"; docker/cli's RequiresMaxArgs
    // format has a stray "S" before it in docker 28 ("SRun 'docker images --help' …"): as printed
    const verb = cmd[2].startsWith('requires at most') ? 'SRun' : 'Run';
    return `${prog}: '${[prog, ...path].join(' ')}' ${cmd[2]}` + usage + help(prog, path, verb);
  }
  if (code === 'commander.unknownCommand') {
    const name = /unknown command '([^']+)'/.exec(message)?.[1] ?? '';
    const line = `${prog}: unknown command: ${[prog, ...path, name].join(' ')}\n\n`;
    // the root's usage is not shown for an unknown command, a group's is
    return line + (path.length ? `Usage:  ${prog} ${cmd[0]}\n\n` : '') + help(prog, path);
  }
  return undefined;
}
