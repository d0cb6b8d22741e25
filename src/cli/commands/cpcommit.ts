// `cp` and `commit`: parse, call the engine, print as Docker prints.
import { BareError } from '../../errors.js';
import { normalizeRef, referenceError } from '../../engine/image/reference.js';

/** go-units' HumanSizeWithPrecision(n, 3): decimal units, three significant digits. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

export async function cp(src: string, dest: string, o: { archive?: boolean; followLink?: boolean; quiet?: boolean }): Promise<number> {
  const { copy } = await import('../../engine/container/copy.js');
  const r = await copy(src, dest, { archive: !!o.archive, followLink: !!o.followLink });
  // Docker prints a summary only when its output is a terminal and -q is not given.
  if (!o.quiet && process.stdout.isTTY && r.dest !== '-') {
    const what = r.content !== r.transferred ? `${humanSize(r.content)} (transferred ${humanSize(r.transferred)})` : humanSize(r.content);
    process.stderr.write(`Successfully copied ${what} to ${r.dest}\n`);
  }
  return 0;
}

export async function commit(ref: string, repo: string | undefined, o: { author?: string; change: string[]; message?: string; pause: boolean }): Promise<number> {
  const { commitContainer } = await import('../../engine/container/commit.js');
  // docker's client (ContainerCommit) parses the reference before anything else; '' is none
  if (repo === '') repo = undefined;
  const why = repo === undefined ? undefined : referenceError(repo);
  if (why) throw new BareError(why, 1);
  if (repo && normalizeRef(repo).digest) throw new BareError('refusing to create a tag with a digest reference', 1);
  const img = await commitContainer(ref, { repo, author: o.author, changes: o.change, message: o.message, pause: o.pause });
  process.stdout.write(img.id + '\n');
  return 0;
}
