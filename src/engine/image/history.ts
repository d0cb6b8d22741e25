// An image's history (`history`, GET /images/{name}/history): the config's history entries,
// newest first. Each entry that is not an empty layer owns the next layer, bottom-up; the top one
// carries the image id and its tags, and so does the last entry of each image a commit was made
// on (Parent) that is still here; the others none (Docker says `<missing>` for those).
import { UserError } from '../../errors.js';
import { normalizeRef } from './reference.js';
import { layerMeta, resolveImageSync } from './store.js';

export interface HistoryEntry {
  /** the image id on the newest entry, '<missing>' on the others */
  id: string;
  /** RFC 3339, as in the config */
  created: string;
  createdBy: string;
  /** bytes of the layer the entry made (0 for an empty layer) */
  size: number;
  comment: string;
  /** the image's tags on the newest entry */
  tags: string[];
}

export function imageHistory(ref: string): HistoryEntry[] {
  const img = resolveImageSync(ref);
  if (!img) {
    let shown = ref;
    try {
      shown = normalizeRef(ref).display;
    } catch {
      /* shown as typed */
    }
    throw new UserError(`Error response from daemon: No such image: ${shown}`, 1);
  }
  const layers = [...img.layers];
  const rows: HistoryEntry[] = (img.config.history ?? []).map((h) => {
    const diffId = h.empty_layer ? undefined : layers.shift();
    return {
      id: '<missing>',
      created: h.created ?? img.created,
      createdBy: h.created_by ?? '',
      size: diffId ? (layerMeta(diffId)?.size ?? 0) : 0,
      comment: h.comment ?? '',
      tags: [],
    };
  });
  rows.reverse();
  if (rows.length) Object.assign(rows[0]!, { id: img.id, tags: img.repoTags });
  // As Docker's daemon walks Parent: a committed image's base, while it is still here, names
  // the entry where its own history ends
  const seen = new Set([img.id]);
  for (let p = img.parent ? resolveImageSync(img.parent) : undefined; p && !seen.has(p.id); p = p.parent ? resolveImageSync(p.parent) : undefined) {
    seen.add(p.id);
    const at = rows.length - (p.config.history ?? []).length;
    if (at <= 0 || at >= rows.length) break;
    Object.assign(rows[at]!, { id: p.id, tags: p.repoTags });
  }
  return rows;
}
