// `diff CONTAINER`: one "KIND /path" line per change (A added, C changed, D deleted), as Docker prints them.
import { diffContainer } from '../../engine/container/diff.js';

export function diff(ref: string): number {
  const out = diffContainer(ref).map((c) => `${c.Kind} ${c.Path}\n`).join('');
  process.stdout.write(out);
  return 0;
}
