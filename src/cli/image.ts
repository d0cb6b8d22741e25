// Image commands: images, pull, tag, rmi, load, save, import, login, logout, and the `image`
// group (ls, inspect, rm, prune, pull, tag, load, save, import). Declarations only: every
// action loads its implementation with import(), so none of this is on `run`'s start path.
import type { Command } from 'commander';

const collect = (v: string, prev: string[]) => [...prev, v];

type Impl = typeof import('./commands/images.js');
const impl = (): Promise<Impl> => import('./commands/images.js');
const exit = (code: number): void => {
  process.exitCode = code;
};

function images(cmd: Command): void {
  cmd
    .description('List images')
    .option('-q, --quiet', 'Only show image IDs')
    .option('-a, --all', 'Show all images (same as without: there are no intermediate images)')
    .option('--digests', 'Show digests')
    .option('--no-trunc', "Don't truncate output")
    .option('--format <template>', 'Format output using a Go template')
    .option('-f, --filter <filter>', 'Filter output (dangling=true|false, reference=PATTERN)', collect, [])
    .argument('[repository]', 'only images of this repository[:tag]')
    .action(async (repo, opts) => exit(await (await impl()).images({ ...opts, repository: repo })));
}

function pull(cmd: Command): void {
  cmd
    .description('Download an image from a registry')
    .option('-q, --quiet', 'Suppress verbose output')
    .option('--platform <os/arch[/variant]>', 'Pull this platform of a multi-platform image (default: the host)')
    .option('--insecure-registry <host[:port]>', 'Allow plain HTTP for this registry (repeatable)', collect, [])
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .action(async (name, opts) => exit(await (await impl()).pull(name, opts)));
}

function tag(cmd: Command): void {
  cmd
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>', 'SOURCE_IMAGE[:TAG]')
    .argument('<target>', 'TARGET_IMAGE[:TAG]')
    .action(async (src, dst) => exit(await (await impl()).tag(src, dst)));
}

function rmi(cmd: Command): void {
  cmd
    .description('Remove one or more images')
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Accepted for compatibility (unused layers are always removed)')
    .argument('<image...>')
    .action(async (refs, opts) => exit(await (await impl()).rmi(refs, opts)));
}

function load(cmd: Command): void {
  cmd
    .description('Load an image from a tar archive (docker save or OCI layout, plain or gzipped) or STDIN')
    .option('-i, --input <file>', 'Read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (opts) => exit(await (await impl()).load(opts)));
}

function save(cmd: Command): void {
  cmd
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .argument('<image...>')
    .action(async (refs, opts) => exit(await (await impl()).save(refs, opts)));
}

function importCmd(cmd: Command): void {
  cmd
    .description('Import the contents from a tarball to create a filesystem image')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <message>', 'Set commit message for imported image')
    .option('--platform <os/arch>', 'Accepted for compatibility (the host platform is recorded)')
    .argument('<file>', 'file, or - for STDIN')
    .argument('[reference]', 'REPOSITORY[:TAG]')
    .action(async (file, ref, opts) => exit(await (await impl()).importImage(file, ref, opts)));
}

function push(cmd: Command): void {
  cmd
    .description('Upload an image to a registry')
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('-q, --quiet', 'Suppress verbose output')
    .argument('<name>', 'NAME[:TAG]')
    .action(async (ref, opts) => exit(await (await impl()).push(ref, opts)));
}

function history(cmd: Command): void {
  cmd
    .description('Show the history of an image')
    .option('-H, --human [bool]', 'Print sizes and dates in human readable format (default true)', (v) => v !== 'false')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .option('--format <template>', 'Format output using a Go template')
    .argument('<image>')
    .action(async (ref, opts) => exit((await import('./commands/history.js')).history(ref, opts)));
}

export function registerImageCommands(program: Command): void {
  history(program.command('history'));
  images(program.command('images'));
  pull(program.command('pull'));
  tag(program.command('tag'));
  rmi(program.command('rmi'));
  load(program.command('load'));
  save(program.command('save'));
  importCmd(program.command('import'));

  push(program.command('push'));

  program
    .command('login')
    .description('Log in to a registry (credentials are kept in $MINIDOCK_ROOT/auth.json, mode 0600)')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin')
    .option('--insecure-registry <host[:port]>', 'Allow plain HTTP for this registry (repeatable)', collect, [])
    .argument('[server]', 'registry host (default: Docker Hub)')
    .action(async (server, opts) => exit(await (await impl()).login(server, opts)));

  program
    .command('logout')
    .description('Log out from a registry')
    .argument('[server]', 'registry host (default: Docker Hub)')
    .action(async (server) => exit(await (await impl()).logout(server)));

  const image = program.command('image').description('Manage images');
  images(image.command('ls').alias('list'));
  pull(image.command('pull'));
  tag(image.command('tag'));
  rmi(image.command('rm').alias('remove'));
  load(image.command('load'));
  save(image.command('save'));
  importCmd(image.command('import'));
  history(image.command('history'));
  push(image.command('push'));
  image
    .command('inspect')
    .description('Display detailed information on one or more images')
    .option('-f, --format <template>', 'Format output using a Go template')
    .argument('<image...>')
    .action(async (refs, opts) => exit(await (await impl()).inspectImages(refs, opts)));
  image
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'Remove all images not used by a container, not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=24h", "label=key=value", "label!=key")', collect, [])
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (opts) => exit(await (await impl()).prune(opts)));
}
