// `history IMAGE` / `image history`: the image config's history, newest first, Docker's columns
// (IMAGE CREATED CREATED BY SIZE COMMENT). Each entry that is not an empty layer owns the next
// layer, bottom-up; the top row carries the image id, the others <missing> (no intermediate images).
import { UserError } from '../../errors.js';
import { parseTemplate, timeAgo } from '../template.js';
import { tabwrite } from '../tabwriter.js';
import { humanSize } from '../../units.js';
import { layerMeta, resolveImageSync } from '../../engine/image/store.js';
import { normalizeRef } from '../../engine/image/reference.js';

interface HistoryRow {
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  CreatedBy: string;
  Size: string;
  Comment: string;
}

const HEADER: HistoryRow = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

/** Docker's Ellipsis: at most `max` characters, the last one "…" when cut. */
const ellipsis = (s: string, max: number) => ([...s].length <= max ? s : [...s].slice(0, max - 1).join('') + '…');

export function history(ref: string, o: { human?: boolean; trunc?: boolean; quiet?: boolean; format?: string }): number {
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
  const noTrunc = o.trunc === false;
  const human = o.human !== false;
  const layers = [...img.layers];
  const now = Date.now();
  const rows: HistoryRow[] = (img.config.history ?? []).map((h) => {
    const diffId = h.empty_layer ? undefined : layers.shift();
    const size = diffId ? (layerMeta(diffId)?.size ?? 0) : 0;
    const created = h.created ?? img.created;
    const by = (h.created_by ?? '').replace(/\t/g, ' ');
    return {
      ID: '<missing>',
      CreatedSince: human ? timeAgo(created, now) : created.replace(/\.\d+Z$/, 'Z'),
      CreatedAt: created.replace(/\.\d+Z$/, 'Z'),
      CreatedBy: noTrunc ? by : ellipsis(by, 45),
      Size: human ? humanSize(size) : String(size),
      Comment: h.comment ?? '',
    };
  });
  rows.reverse();
  if (rows.length) rows[0].ID = noTrunc ? img.id : img.id.replace(/^sha256:/, '').slice(0, 12);
  if (o.quiet) {
    for (const r of rows) process.stdout.write(r.ID + '\n');
    return 0;
  }
  const format = o.format ?? 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
  const t = parseTemplate(format);
  const lines = rows.map((r) => t.render(r));
  // The header is the template rendered with each field's column title, as Docker's formatter does.
  if (t.table) process.stdout.write(tabwrite([t.render(HEADER), ...lines].map((l) => l.split('\t')), 10, 3) + '\n');
  else for (const l of lines) process.stdout.write(l + '\n');
  return 0;
}
