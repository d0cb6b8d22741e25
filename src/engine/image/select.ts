// The images `images -f` shows (dangling=, reference=): the CLI's `images` and the Engine API's
// GET /images/json.
import { DaemonError } from '../../errors.js';
import type { ImageRecord } from './store.js';

const repoOf = (ref: string): string => ref.slice(0, ref.lastIndexOf(ref.includes('@') ? '@' : ':'));

function matches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

export function selectImages(list: ImageRecord[], filters: string[]): ImageRecord[] {
  for (const f of filters) {
    const eq = f.indexOf('=');
    const [k, v] = [f.slice(0, eq < 0 ? f.length : eq), eq < 0 ? '' : f.slice(eq + 1)];
    if (k === 'dangling') list = list.filter((i) => (i.repoTags.length === 0) === (v === 'true' || v === '1'));
    else if (k === 'reference') list = list.filter((i) => i.repoTags.some((t) => matches(v, t) || matches(v, repoOf(t))));
    else throw new DaemonError(`invalid filter '${k}'`);
  }
  return list;
}
