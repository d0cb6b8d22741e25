// `history IMAGE` / `image history`: the image's history (engine/image/history.ts), newest first,
// in Docker's columns (IMAGE CREATED CREATED BY SIZE COMMENT).
import { goStruct, parseTemplate, timeAgo } from '../template.js';
import { tabwrite } from '../tabwriter.js';
import { humanSize } from '../../units.js';
import { imageHistory } from '../../engine/image/history.js';
import { writeOut } from '../output.js';

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
  const noTrunc = o.trunc === false;
  const human = o.human !== false;
  const now = Date.now();
  const rows: HistoryRow[] = imageHistory(ref).map((h) => {
    const by = h.createdBy.replace(/\t/g, ' ');
    return {
      ID: h.id === '<missing>' || noTrunc ? h.id : h.id.replace(/^sha256:/, '').slice(0, 12),
      CreatedSince: human ? timeAgo(h.created, now) : h.created.replace(/\.\d+Z$/, 'Z'),
      CreatedAt: h.created.replace(/\.\d+Z$/, 'Z'),
      CreatedBy: noTrunc ? by : ellipsis(by, 45),
      Size: human ? humanSize(h.size) : String(h.size),
      Comment: h.comment,
    };
  });
  if (o.quiet) {
    for (const r of rows) writeOut(r.ID + '\n');
    return 0;
  }
  const format = o.format ?? 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
  const t = parseTemplate(format);
  // docker/cli's historyContext (`{{json .}}`: its fields sorted, as its MarshalJSON prints them)
  const lines = rows.map((r) => t.render(goStruct('image.historyContext', r)));
  // The header is the template rendered with each field's column title, as Docker's formatter does.
  if (t.table) writeOut(tabwrite([t.render(HEADER), ...lines].map((l) => l.split('\t')), 10, 3) + '\n');
  else for (const l of lines) writeOut(l + '\n');
  return 0;
}
