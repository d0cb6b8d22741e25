// `rename CONTAINER NEW_NAME`: Docker's CLI prints the daemon's error, then its own line (exit 1).
import { UserError } from '../../errors.js';
import { renameContainer } from '../../engine/container/rename.js';

export async function rename(oldName: string, newName: string): Promise<number> {
  const newTrimmed = newName.trim();
  if (oldName === '' || newTrimmed === '') throw new UserError('Error: Neither old nor new names may be empty', 1);
  try {
    await renameContainer(oldName, newTrimmed);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // docker/cli: the daemon's answer as it is, then its own line (neither with a program name)
    const msg = e.message.startsWith('Error response from daemon: ') ? e.message : `Error response from daemon: ${e.message}`;
    process.stderr.write(`${msg}\n`);
    throw new UserError(`Error: failed to rename container named ${oldName}`, 1);
  }
  return 0;
}
