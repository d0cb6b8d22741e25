// /images/…: list, inspect, create (pull, with Docker's JSON progress stream), tag, delete,
// history, prune, get (save), load, push; build answers 501 (minidock has no builder).
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
  const send = jsonStream(res);
  const credentials = registryAuth(c.req.headers['x-registry-auth']);
  return endStream(res, send, async () => {
    await pullImage(ref, {
      quiet: true,
      platform: q.get('platform') || undefined,
      credentials,
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
  });
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

/**
 * X-Registry-Auth: base64url JSON of Docker's AuthConfig (`username`, `password`, or `auth` =
 * base64 "user:password"). Absent or empty (`{}`): the credentials `minidock login` stored.
 */
export function registryAuth(header: string | string[] | undefined): import('../engine/image/credentials.js').Credentials | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  let j: { username?: unknown; password?: unknown; auth?: unknown };
  try {
    j = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as typeof j;
  } catch {
    throw new ApiError(400, 'invalid X-Registry-Auth header: not base64-encoded JSON');
  }
  if (!j || typeof j !== 'object') throw new ApiError(400, 'invalid X-Registry-Auth header: not a JSON object');
  let { username, password } = j;
  if ((!username || !password) && typeof j.auth === 'string' && j.auth) {
    const pair = Buffer.from(j.auth, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    if (colon > 0) [username, password] = [pair.slice(0, colon), pair.slice(colon + 1)];
  }
  if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) return undefined;
  return { username, password, source: 'X-Registry-Auth' };
}

/** A JSON message stream (pull, push, load): the headers with the first message. */
function jsonStream(res: NonNullable<Parameters<Handler>[0]['res']>): (m: Record<string, unknown>) => void {
  return (m) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify(m) + '\r\n');
  };
}

/** After the first message an error can only be Docker's `errorDetail` line. */
async function endStream(res: NonNullable<Parameters<Handler>[0]['res']>, send: (m: Record<string, unknown>) => void, run: () => Promise<void>): Promise<number> {
  try {
    await run();
  } catch (e) {
    if (!res.headersSent) throw e;
    const { apiErrorOf } = await import('./http.js');
    const message = apiErrorOf(e).message;
    send({ errorDetail: { message }, error: message });
  }
  res.end();
  return 200;
}

/** GET /images/{name}/history (`minidock history`): newest first. */
export const history: Handler = async (c, [ref]) => {
  const { imageHistory } = await import('../engine/image/history.js');
  sendJson(
    c.res!,
    200,
    imageHistory(ref).map((h) => ({
      Id: h.id,
      Created: Math.floor(Date.parse(h.created) / 1000),
      CreatedBy: h.createdBy,
      Tags: h.tags.length ? h.tags : null,
      Size: h.size,
      Comment: h.comment,
    })),
  );
  return 200;
};

/** POST /images/prune?filters={"dangling":{"false":true},"until":{"24h":true},"label":{"k=v":true}} (`image prune [-a] [--filter …]`). */
export const prune: Handler = async (c) => {
  const { pruneImages } = await import('../engine/image/remove.js');
  const r = await pruneImages(filterFlags(c.query));
  const deleted = r.lines.map((l) => {
    const m = /^(untagged|deleted): (.*)$/.exec(l);
    return m ? { [m[1] === 'untagged' ? 'Untagged' : 'Deleted']: m[2] } : { Deleted: l };
  });
  sendJson(c.res!, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: r.reclaimed });
  return 200;
};

/** GET /images/{name}/get and GET /images/get?names=…&names=… (`minidock save`): the archive. */
export const save: Handler = async (c, params) => {
  const names = params.length ? [params[0]!] : c.query.getAll('names');
  if (!names.length) throw new ApiError(400, 'no images named (names=…)');
  const { saveImages } = await import('../engine/image/archive.js');
  const { withTemp } = await import('./archive.js');
  const { closeSync, createReadStream, openSync } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  return withTemp(async (file) => {
    const fd = openSync(file, 'wx', 0o600);
    try {
      await saveImages(names, { fd });
    } finally {
      closeSync(fd);
    }
    c.res!.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await pipeline(createReadStream(file), c.res!);
    return 200;
  });
};

/** POST /images/load (`minidock load`): the archive in the body; Docker's `{"stream": "Loaded image: …\n"}` lines. */
export const load: Handler = async (c) => {
  const { loadImages } = await import('../engine/image/archive.js');
  const r = await loadImages(c.req);
  const send = jsonStream(c.res!);
  for (const l of r.lines) send({ stream: `${l}\n` });
  if (!c.res!.headersSent) send({ stream: '' });
  c.res!.end();
  return 200;
};

/** POST /images/{name}/push?tag= (`minidock push`), with the client's X-Registry-Auth; Docker's JSON progress. */
export const push: Handler = async (c, [name]) => {
  const tag = c.query.get('tag');
  const credentials = registryAuth(c.req.headers['x-registry-auth']);
  const { pushImage } = await import('../engine/image/push.js');
  const res = c.res!;
  const send = jsonStream(res);
  const lastPush = new Map<string, number>();
  // no tag: every tag of the repository, as Docker's daemon
  return endStream(res, send, () =>
    pushImage(tag ? `${name}:${tag}` : name!, {
      allTags: !tag,
      credentials,
      events: (e) => {
        if (e.aux) return send({ progressDetail: {}, aux: e.aux });
        if (e.status === 'Pushing' && e.id) {
          const now = Date.now();
          if (now - (lastPush.get(e.id) ?? 0) < 100 && e.current !== e.total) return; // at most ten a second a layer
          lastPush.set(e.id, now);
        }
        const m: Record<string, unknown> = { status: e.status };
        if (e.id) {
          m.id = e.id;
          m.progressDetail = e.status === 'Pushing' && e.total ? { current: e.current, total: e.total } : {};
        }
        send(m);
      },
    }),
  );
};

/** POST /build: minidock has no image builder; Docker's error shape, with what to use instead. */
export const build: Handler = async (c) => {
  // the build context is read and dropped, so the client gets the answer, not a broken pipe
  for await (const _ of c.req) void _;
  throw new ApiError(501, "image build is not supported by minidock (it has no image builder): build elsewhere and `docker load` or pull the image, or `docker commit` a container");
};

/** GET /images/search?term=&limit=&filters= (engine/image/search.ts: the registry's v1 search, as Docker's daemon). */
export const search: Handler = async (c) => {
  const q = c.query;
  const limitText = q.get('limit');
  let limit: number | undefined;
  if (limitText) {
    // moby's words for strconv.Atoi's failure
    if (!/^-?\d+$/.test(limitText) || Number(limitText) < 0) throw new ApiError(400, `invalid limit specified: strconv.Atoi: parsing ${JSON.stringify(limitText)}: invalid syntax`);
    limit = Number(limitText);
  }
  const filters: import('../engine/image/search.js').SearchFilters = {};
  for (const f of filterFlags(q)) {
    const [k, v = ''] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
    if (k === 'is-official' || k === 'is-automated') {
      const b = ({ true: true, '1': true, false: false, '0': false } as Record<string, boolean>)[v.toLowerCase()];
      if (b === undefined) throw new ApiError(400, `invalid filter '${k}=${v}'`);
      filters[k === 'is-official' ? 'isOfficial' : 'isAutomated'] = b;
    } else if (k === 'stars') {
      if (!/^-?\d+$/.test(v)) throw new ApiError(400, `invalid filter 'stars=${v}'`);
      filters.stars = Math.max(filters.stars ?? 0, Number(v));
    } else throw new ApiError(400, `invalid filter '${k}'`);
  }
  // as moby: a search with an unreadable X-Registry-Auth goes on without credentials
  let credentials;
  try {
    credentials = registryAuth(c.req.headers['x-registry-auth']);
  } catch {
    credentials = undefined;
  }
  const { searchImages, SearchFailed } = await import('../engine/image/search.js');
  try {
    sendJson(c.res!, 200, await searchImages(q.get('term') ?? '', { limit, filters, credentials }));
  } catch (e) {
    if (e instanceof SearchFailed) throw new ApiError(500, e.message);
    throw e;
  }
  return 200;
};
