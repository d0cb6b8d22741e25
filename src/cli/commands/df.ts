// `system df [-v] [--format]`: Docker's disk usage table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE) and
// its verbose form, with docker/cli's formulas: images' size is that of their unique layers, what
// no container uses is reclaimable; containers' size is their writable layers, the stopped ones'
// reclaimable; volumes' size is their _data trees, the unused ones' reclaimable. minidock has no
// build cache: that row is 0, as it truly is.
import { UserError } from '../../errors.js';
import { parseTemplate, timeAgo } from '../template.js';
import { tabwrite } from '../tabwriter.js';
import { humanSize } from '../../units.js';
import { psRow } from '../../engine/container/views.js';
import { pointsOfRecord } from '../../engine/volume/mounts.js';
import { diskUsage } from '../../engine/system/df.js';

interface DfRow {
  Type: string;
  TotalCount: string;
  Active: string;
  Size: string;
  Reclaimable: string;
}

const HEADER: DfRow = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

/** "1.2MB (50%)" when there is a total, as docker/cli prints it (integer percent). */
const withPercent = (part: number, total: number) => (total > 0 ? `${humanSize(part)} (${Math.floor((part * 100) / total)}%)` : humanSize(part));

export function systemDf(o: { verbose?: boolean; format?: string }): number {
  if (o.verbose && o.format) throw new UserError('the --verbose and --format flags cannot be used together', 1);
  const { images, containers, layersTotal, imgInfo, used, cInfo, cTotal, cReclaim, vInfo, vTotal, vReclaim } = diskUsage();
  const rows: DfRow[] = [
    { Type: 'Images', TotalCount: String(images.length), Active: String(imgInfo.filter((i) => i.users > 0).length), Size: humanSize(layersTotal), Reclaimable: withPercent(layersTotal - used, layersTotal) },
    { Type: 'Containers', TotalCount: String(containers.length), Active: String(cInfo.filter((c) => c.st.Running).length), Size: humanSize(cTotal), Reclaimable: withPercent(cReclaim, cTotal) },
    { Type: 'Local Volumes', TotalCount: String(vInfo.length), Active: String(vInfo.filter((x) => x.links > 0).length), Size: humanSize(vTotal), Reclaimable: withPercent(vReclaim, vTotal) },
    { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
  ];
  if (!o.verbose) {
    const t = parseTemplate(o.format ?? 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}');
    const lines = rows.map((r) => t.render(r));
    if (t.table) process.stdout.write(tabwrite([t.render(HEADER), ...lines].map((l) => l.split('\t')), 10, 3) + '\n');
    else for (const l of lines) process.stdout.write(l + '\n');
    return 0;
  }
  const now = Date.now();
  const imgRows = imgInfo.flatMap((i) => {
    const id = i.img.id.replace(/^sha256:/, '').slice(0, 12);
    const cells = (repo: string, tag: string) => [repo, tag, id, timeAgo(i.img.created, now), humanSize(i.size), humanSize(i.shared, 4), humanSize(i.size - i.shared, 4), String(i.users)]; // shared, unique: units.HumanSize
    if (!i.img.repoTags.length) return [cells('<none>', '<none>')];
    return i.img.repoTags.map((t) => cells(t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)));
  });
  const cRows = cInfo.map((c) => {
    const p = psRow(c.rec, c.st, { noTrunc: false, now });
    const vols = pointsOfRecord(c.rec).filter((m) => m.Type === 'volume').length;
    return [p.ID, p.Image, p.Command, String(vols), humanSize(c.size), p.RunningFor, p.Status, p.Names]; // Status with its health, as ps
  });
  const out = [
    'Images space usage:',
    '',
    tabwrite([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], ...imgRows], 10, 3),
    '',
    'Containers space usage:',
    '',
    tabwrite([['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'], ...cRows], 10, 3),
    '',
    'Local Volumes space usage:',
    '',
    tabwrite([['VOLUME NAME', 'LINKS', 'SIZE'], ...vInfo.map((x) => [x.v.Name, String(x.links), humanSize(x.size)])], 10, 3),
    '',
    'Build cache usage: 0B',
    '',
    tabwrite([['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED']], 10, 3),
  ];
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
