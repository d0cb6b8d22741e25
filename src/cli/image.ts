// Image commands: images (and, with issue 5, pull, tag, rmi, image …, load, save, import, login).
import type { Command } from 'commander';

export function registerImageCommands(program: Command): void {
  program
    .command('images')
    .description('List images')
    .option('-q, --quiet', 'Only show image IDs')
    .option('--digests', 'Show digests')
    .option('--no-trunc', "Don't truncate output")
    .option('--format <template>', 'Format output using a Go template')
    .action(async (opts) => {
      process.exitCode = await (await import('./commands/images.js')).images(opts);
    });
}
