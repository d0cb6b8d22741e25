// `images` and image inspection.
import { columns, parseTemplate, timeAgo } from '../template.js';
import { listImages, resolveImage, type ImageRecord } from '../../engine/image/store.js';

function humanSize(bytes: number): string {
  // Docker uses decimal units: 4.26MB
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 3 : v < 100 ? 2 : 1).replace(/\.?0+$/, '')}${units[i]}`;
}

interface ImageRow {
  Repository: string;
  Tag: string;
  Digest: string;
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
}

function rowsOf(img: ImageRecord, noTrunc: boolean): ImageRow[] {
  const tags = img.repoTags.length ? img.repoTags : ['<none>:<none>'];
  return tags.map((t) => {
    const colon = t.lastIndexOf(':');
    return {
      Repository: t.slice(0, colon),
      Tag: t.slice(colon + 1),
      Digest: img.digest ?? '<none>',
      ID: noTrunc ? img.id : img.id.replace(/^sha256:/, '').slice(0, 12),
      CreatedSince: timeAgo(img.created),
      CreatedAt: img.created,
      Size: humanSize(img.size),
    };
  });
}

export async function images(o: { quiet?: boolean; digests?: boolean; trunc?: boolean; format?: string }): Promise<number> {
  const noTrunc = o.trunc === false;
  const rows = (await listImages()).flatMap((i) => rowsOf(i, noTrunc));
  if (o.quiet) {
    for (const id of new Set(rows.map((r) => r.ID))) process.stdout.write(id + '\n');
    return 0;
  }
  if (o.format) {
    const t = parseTemplate(o.format);
    const lines = rows.map((r) => t.render(r));
    if (t.table) process.stdout.write(columns([t.header(), ...lines].map((l) => l.split('\t'))) + '\n');
    else for (const l of lines) process.stdout.write(l + '\n');
    return 0;
  }
  const head = ['REPOSITORY', 'TAG', ...(o.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
  const body = rows.map((r) => [r.Repository, r.Tag, ...(o.digests ? [r.Digest] : []), r.ID, r.CreatedSince, r.Size]);
  process.stdout.write(columns([head, ...body]) + '\n');
  return 0;
}

export async function inspectImage(ref: string): Promise<unknown> {
  let img: ImageRecord | undefined;
  try {
    img = await resolveImage(ref);
  } catch {
    return undefined; // not an image reference at all
  }
  if (!img) return undefined;
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.digest ? img.repoTags.map((t) => `${t.slice(0, t.lastIndexOf(':'))}@${img!.digest}`) : [],
    Created: img.created,
    Architecture: img.config.architecture,
    Os: img.config.os,
    Size: img.size,
    Config: img.config.config ?? {},
    RootFS: { Type: 'layers', Layers: img.layers },
    GraphDriver: { Name: 'overlay2', Data: { LowerDir: [...img.layerDirs].reverse().join(':') } },
  };
}
