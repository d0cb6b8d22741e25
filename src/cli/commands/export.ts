// `export [-o FILE] CONTAINER`: the container's filesystem as a tar stream, to stdout (never a
// terminal, as Docker refuses) or to FILE — written beside it under a temporary name and renamed
// when complete, as Docker's CLI does, so a failed export leaves no half file.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { BareError, UserError, fileError } from '../../errors.js';
import { randomHex } from '../../state/random.js';
import { mustFind } from '../../engine/container/record.js';
import { exportContainer as exportTo } from '../../engine/container/export.js';

export async function exportContainer(ref: string, o: { output?: string }): Promise<number> {
  if (o.output === undefined && process.stdout.isTTY) throw new UserError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
  if (o.output === '') throw new UserError('open : no such file or directory', 1);
  // docker/cli's check of the path comes before it asks for the container
  const refused = o.output === undefined ? undefined : (await import('../output-path.js')).outputPathRefusal(o.output);
  if (refused) throw new BareError(`failed to export container: ${refused}`, 1);
  mustFind(ref); // (said before a file is made)
  if (o.output === undefined) {
    // A reader that goes away (`export c | tar t | head`) ends the export quietly, as a closed
    // pipe ends any writer; the walk stops at the next chunk.
    const gone = new Error('reader gone');
    try {
      await exportTo(ref, async (chunk) => {
        if (process.stdout.destroyed) throw gone;
        if (process.stdout.write(chunk)) return;
        try {
          await once(process.stdout, 'drain');
        } catch {
          throw gone;
        }
      });
    } catch (e) {
      if (e !== gone) throw e;
    }
    return 0;
  }
  const tmp = join(dirname(o.output), `.minidock_temp_${basename(o.output)}.${randomHex(4)}`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (e) {
    throw new BareError(`failed to export container: ${fileError('open', o.output, e).message}`, 1);
  }
  try {
    await exportTo(ref, (chunk) => {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
    });
    closeSync(fd);
    renameSync(tmp, o.output);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* closed already */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  return 0;
}
