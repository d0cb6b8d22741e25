// /volumes/…: list, create, inspect, delete, prune; and /system/df.
import { ApiError, boolParam, filterFlags, readJson, sendJson, sendNoContent } from './http.js';
import type { Handler } from './routes.js';

const store = () => import('../engine/volume/store.js');

export const list: Handler = async (c) => {
  const { allVolumes, inspectVolume } = await store();
  const { selectVolumes } = await import('../engine/volume/select.js');
  sendJson(c.res!, 200, { Volumes: selectVolumes(allVolumes(), filterFlags(c.query)).map(inspectVolume), Warnings: [] });
  return 200;
};

export const create: Handler = async (c) => {
  const b = (await readJson<{ Name?: string; Driver?: string; DriverOpts?: Record<string, string> | null; Labels?: Record<string, string> | null; ClusterVolumeSpec?: unknown }>(c.req)) ?? {};
  if (b.Driver && b.Driver !== 'local') throw new ApiError(404, `create ${b.Name ?? ''}: error looking up volume plugin ${b.Driver}: plugin "${b.Driver}" not found`);
  if (b.ClusterVolumeSpec) throw new ApiError(400, 'cluster volumes are not supported by minidock');
  const { createVolumeLocked, inspectVolume } = await store();
  const v = await createVolumeLocked(b.Name || undefined, { options: b.DriverOpts ?? {}, labels: b.Labels ?? {} });
  sendJson(c.res!, 201, inspectVolume(v));
  return 201;
};

export const inspect: Handler = async (c, [name]) => {
  const { loadVolume, inspectVolume } = await store();
  const v = loadVolume(name);
  if (!v) throw new ApiError(404, `get ${name}: no such volume`);
  sendJson(c.res!, 200, inspectVolume(v));
  return 200;
};

export const remove: Handler = async (c, [name]) => {
  const { removeVolume } = await import('../engine/volume/use.js');
  await removeVolume(name, boolParam(c.query, 'force'));
  sendNoContent(c.res!);
  return 204;
};

export const prune: Handler = async (c) => {
  const { pruneVolumes } = await import('../engine/volume/use.js');
  const flags = filterFlags(c.query);
  // Docker 23+: `all=true` among the filters removes named volumes too
  const all = flags.some((f) => f === 'all=true' || f === 'all=1');
  const gone = await pruneVolumes({ all, filters: flags.filter((f) => !f.startsWith('all=')) });
  sendJson(c.res!, 200, { VolumesDeleted: gone.map((v) => v.Name), SpaceReclaimed: 0 });
  return 200;
};

/** Docker's DiskUsage: what `docker system df` (and -v) renders, from the same counts as `minidock system df`. */
export const df: Handler = async (c) => {
  const { diskUsage } = await import('../engine/system/df.js');
  const { inspectVolume } = await store();
  const u = diskUsage();
  const { summary } = await import('./containers.js');
  const now = Date.now();
  const containers = [];
  for (const x of u.cInfo) containers.push({ ...(await summary(x.rec, now)), SizeRw: x.size, SizeRootFs: 0 });
  sendJson(c.res!, 200, {
    LayersSize: u.layersTotal,
    Images: u.imgInfo.map((i) => ({
      Id: i.img.id,
      ParentId: '',
      RepoTags: i.img.repoTags,
      RepoDigests: i.img.repoDigests,
      Created: Math.floor(Date.parse(i.img.created) / 1000),
      Size: i.size,
      SharedSize: i.shared,
      VirtualSize: i.size,
      Labels: i.img.config.config?.Labels ?? {},
      Containers: i.users,
    })),
    Containers: containers,
    Volumes: u.vInfo.map((x) => ({ ...inspectVolume(x.v), UsageData: { Size: x.size, RefCount: x.links } })),
    BuildCache: [],
  });
  return 200;
};
