// `cp`, `commit` and `events` (and `system events`; `container cp|commit` are rewritten to the
// top-level commands by container-commands.ts). Declarations
// only: each action loads its implementation lazily, so none of this is on `run`'s start path.
import type { Command } from 'commander';

const collect = (v: string, prev: string[]) => [...prev, v];
const exit = (code: number): void => {
  process.exitCode = code;
};

/** Docker's boolean flags take `--flag=false`: true when given bare. */
function bool(v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Error(`invalid argument "${v}": strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function cp(cmd: Command): void {
  cmd
    .description("Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.")
    .usage('[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n       minidock cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .option('-q, --quiet', 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached')
    .argument('<src>')
    .argument('<dest>')
    .action(async (src, dest, opts) => exit(await (await import('./commands/cpcommit.js')).cp(src, dest, opts)));
}

function commit(cmd: Command): void {
  cmd
    .description("Create a new image from a container's changes")
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <string>', 'Commit message')
    .option('-p, --pause [bool]', 'Pause container during commit (--pause=false to not)', bool, true)
    .argument('<container>')
    .argument('[repository]', 'REPOSITORY[:TAG]')
    .action(async (ref, repo, opts) => exit(await (await import('./commands/cpcommit.js')).commit(ref, repo, opts)));
}

function events(cmd: Command): void {
  cmd
    .description('Get real time events from the server (minidock: from its journal of state changes)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', "Format output using a custom template: 'json' or a Go template")
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp')
    .action(async (opts) => exit(await (await import('./commands/events.js')).events(opts)));
}

export function registerCpCommitEvents(program: Command): void {
  cp(program.command('cp'));
  commit(program.command('commit'));
  events(program.command('events'));
}

/** `system events`, as Docker spells it too. */
export function registerSystemEvents(system: Command | undefined): void {
  if (system) events(system.command('events'));
}
