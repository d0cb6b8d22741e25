// /images/…: list, inspect, create (pull, with Docker's JSON progress stream).
import { ApiError, boolParam, filterFlags, sendJson } from './http.js';
import type { Handler } from './routes.js';

export const list: Handler = async (c) => {
  const { listImages } = await import('../engine/image/store.js');
  const { selectImages } = await import('../engine/image/select.js');
  const imgs = selectImages(listImages(), filterFlags(c.query));
  const all = boolParam(c.query, 'all');
  void all; // minidock's store holds no intermediate images: `all` lists the same ones
  sendJson(
    c.res!,
    200,
    imgs.map((i) => ({
      Id: i.id,
      ParentId: '',
      RepoTags: i.repoTags,
      RepoDigests: i.repoDigests,
      Created: Math.floor(Date.parse(i.created) / 1000),
      Size: i.size,
      SharedSize: -1,
      VirtualSize: i.size,
      Labels: i.config.config?.Labels ?? {},
      Containers: -1,
    })),
  );
  return 200;
};

export const inspect: Handler = async (c, [ref]) => {
  const { inspectImage } = await import('../engine/image/inspect.js');
  const img = await inspectImage(ref);
  if (!img) throw new ApiError(404, `No such image: ${ref}`);
  sendJson(c.res!, 200, img);
  return 200;
};

/**
 * POST /images/create?fromImage=NAME&tag=TAG: the pull of `minidock pull`, its progress as
 * Docker's JSON messages. A failure before the first message is an ordinary error response;
 * after it, Docker's `{"errorDetail":…,"error":…}` line ends the stream.
 */
export const pull: Handler = async (c) => {
  const q = c.query;
  if (q.get('fromSrc')) throw new ApiError(400, "fromSrc (image import) is not served by minidock's Engine API: use `minidock import`");
  const from = q.get('fromImage');
  if (!from) throw new ApiError(400, 'fromImage is required');
  const tag = q.get('tag');
  const ref = !tag ? from : tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`;
  const { pullImage } = await import('../engine/image/pull.js');
  const res = c.res!;
  const lastDownload = new Map<string, number>();
  const send = (m: Record<string, unknown>) => {
    if (!res.headersSent) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
    }
    res.write(JSON.stringify(m) + '\r\n');
  };
  try {
    await pullImage(ref, {
      quiet: true,
      platform: q.get('platform') || undefined,
      events: (e) => {
        if (e.status === 'Downloading' && e.id) {
          const now = Date.now();
          if (now - (lastDownload.get(e.id) ?? 0) < 100) return; // at most ten a second a layer
          lastDownload.set(e.id, now);
        }
        const m: Record<string, unknown> = { status: e.status };
        if (e.id) m.id = e.id;
        // a byte count only while bytes move (a client draws a bar for any message that has one)
        const moving = e.status === 'Downloading' || e.status === 'Extracting';
        if (e.id) m.progressDetail = moving && e.current !== undefined && e.total ? { current: e.current, total: e.total } : {};
        send(m);
      },
    });
  } catch (e) {
    if (!res.headersSent) throw e;
    const { apiErrorOf } = await import('./http.js');
    const message = apiErrorOf(e).message;
    send({ errorDetail: { message }, error: message });
  }
  res.end();
  return 200;
};

/** POST /images/{name}/tag?repo=&tag= (`minidock tag`). */
export const tag: Handler = async (c, [ref]) => {
  const repo = c.query.get('repo');
  if (!repo) throw new ApiError(400, 'repository name must have at least one component');
  const t = c.query.get('tag');
  const { tagImage } = await import('../engine/image/store.js');
  await tagImage(ref, t ? `${repo}:${t}` : repo);
  c.res!.writeHead(201, { 'Content-Length': 0 });
  c.res!.end();
  return 201;
};

/** DELETE /images/{name}?force= (`minidock rmi`): Docker's list of what was untagged and deleted. */
export const remove: Handler = async (c, [ref]) => {
  const { removeImage } = await import('../engine/image/remove.js');
  // (a refusal says "conflict: …": Docker's 409, as apiErrorOf maps it)
  const lines = await removeImage(ref, boolParam(c.query, 'force'));
  sendJson(
    c.res!,
    200,
    lines.map((l) => {
      const m = /^(Untagged|Deleted): (.*)$/.exec(l);
      return m ? { [m[1]!]: m[2] } : { Deleted: l };
    }),
  );
  return 200;
};
