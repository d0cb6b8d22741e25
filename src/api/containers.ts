// /containers/…: list, create, inspect, start, stop, restart, kill, wait, delete, logs. Every
// handler calls the engine function the CLI's command calls.
import { ApiError, boolParam, filterFlags, readJson, sendJson, sendNoContent } from './http.js';
import type { Handler } from './routes.js';
import { once } from 'node:events';
import { frame, STDERR, STDOUT } from './framing.js';
import { mustFind, stateOf, type ContainerRecord } from '../engine/container/record.js';

const control = () => import('../engine/container/control.js');
const lifecycle = () => import('../engine/container/lifecycle.js');

/** Docker's ContainerSummary (GET /containers/json), from the same view `inspect` shows. */
export async function summary(rec: ContainerRecord, now: number): Promise<Record<string, unknown>> {
  const { inspectContainer } = await import('../engine/container/inspect-view.js');
  const { statusText, healthOf } = await import('../engine/container/views.js');
  const st = stateOf(rec);
  const i = inspectContainer(rec) as {
    Config: { Image: string; Labels?: Record<string, string> };
    HostConfig: { NetworkMode: string };
    NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null>; Networks: Record<string, unknown> };
    Mounts: unknown[];
  };
  const ports: Record<string, unknown>[] = [];
  for (const [key, binds] of Object.entries(i.NetworkSettings.Ports ?? {})) {
    const [priv, type] = key.split('/');
    if (!binds || !binds.length) ports.push({ PrivatePort: Number(priv), Type: type });
    else for (const b of binds) ports.push({ IP: b.HostIp || '0.0.0.0', PrivatePort: Number(priv), PublicPort: Number(b.HostPort), Type: type });
  }
  return {
    Id: rec.Id,
    Names: [`/${rec.Name}`],
    Image: rec.ImageRef,
    ImageID: rec.Image,
    Command: [rec.Path, ...rec.Args].join(' '),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: ports,
    Labels: i.Config.Labels ?? {},
    State: st.Status,
    Status: statusText(st, now, healthOf(rec)),
    HostConfig: { NetworkMode: i.HostConfig.NetworkMode },
    NetworkSettings: { Networks: i.NetworkSettings.Networks },
    Mounts: i.Mounts,
  };
}

export const list: Handler = async (c) => {
  const { listContainers } = await import('../engine/container/list.js');
  const q = c.query;
  const limit = q.get('limit') ? Number(q.get('limit')) : -1;
  if (!Number.isInteger(limit)) throw new ApiError(400, `invalid limit: ${q.get('limit')}`);
  const size = boolParam(q, 'size');
  const { recs, shown, resolveImage } = await listContainers({ all: boolParam(q, 'all'), limit, filters: filterFlags(q), wantStore: size });
  const byId = new Map(recs.map((r) => [r.Id, r]));
  const now = Date.now();
  const out = [];
  for (const id of shown) {
    const rec = byId.get(id)!;
    const s = await summary(rec, now);
    if (size) {
      const { containerSize } = await import('../engine/container/views.js');
      const z = containerSize(rec, (img) => resolveImage?.(img)?.size);
      Object.assign(s, { SizeRw: z.rw, SizeRootFs: z.rootFs });
    }
    out.push(s);
  }
  sendJson(c.res!, 200, out);
  return 200;
};

export const create: Handler = async (c) => {
  const { createRequestOf } = await import('./create-body.js');
  const { planRun, createPlanned } = await import('../engine/container/run.js');
  const body = await readJson<Record<string, unknown>>(c.req);
  const name = c.query.get('name') || undefined;
  const r = createRequestOf(body, name, c.query.get('platform') || undefined);
  const plan = await planRun(r.image, r.command, r.flags, { start: false });
  const rec = await createPlanned(plan);
  if (r.consoleSize) {
    // (no CLI flag sets it: the CLI's own terminal gives the shim the size)
    const { withLock } = await import('../state/lock.js');
    const { loadRecord, saveRecord } = await import('../engine/container/record.js');
    await withLock(`c-${rec.Id}`, () => {
      const cur = loadRecord(rec.Id);
      if (!cur) return;
      cur.HostConfig.ConsoleSize = r.consoleSize;
      saveRecord(cur, 'config');
    });
  }
  sendJson(c.res!, 201, { Id: rec.Id, Warnings: [] });
  return 201;
};

export const inspect: Handler = async (c, [ref]) => {
  const rec = mustFind(ref);
  const { inspectContainer } = await import('../engine/container/inspect-view.js');
  if (!boolParam(c.query, 'size')) {
    sendJson(c.res!, 200, inspectContainer(rec));
    return 200;
  }
  const { containerSize } = await import('../engine/container/views.js');
  const { resolveImageSync } = await import('../engine/image/store.js');
  sendJson(c.res!, 200, inspectContainer(rec, { size: containerSize(rec, (id) => resolveImageSync(id)?.size) }));
  return 200;
};

export const start: Handler = async (c, [ref]) => {
  const rec = mustFind(ref);
  // Docker: 304 when it runs already
  if (stateOf(rec).Running) return notModified(c.res!);
  // clients attach first (`docker run`, `start -a`): the shim then holds the output until the
  // first of those attaches has said hello (attach.ts), as `minidock start -a` does
  const attaches = (await import('./attach.js')).takeWaiting(rec.Id);
  try {
    await (await control()).startRef(rec.Id, c.explain, attaches.length ? { attachWaitMs: 5000 } : {});
  } finally {
    for (const a of attaches) a(true);
  }
  await cleanupWhenEnded(rec.Id);
  sendNoContent(c.res!);
  return 204;
};

/** A container this service just started: cleaned up by the service as soon as it ends (exits.ts). */
async function cleanupWhenEnded(id: string): Promise<void> {
  const startedAt = (await import('../engine/container/record.js')).loadRecord(id)?.StartedAt;
  if (!startedAt) return;
  const { cleanupOnExit } = await import('./exits.js');
  cleanupOnExit(id, startedAt, (e) => process.stderr.write(`minidock api: cleanup of ${id.slice(0, 12)}: ${(e as Error).message}\n`));
}

function notModified(res: NonNullable<Parameters<Handler>[0]['res']>): number {
  sendNoContent(res, 304);
  return 304;
}

/** ?t= (or ?timeout=, Docker's older name) and ?signal= of stop/restart. */
function stopQuery(q: URLSearchParams): { time?: string; signal?: string } {
  return { time: q.get('t') ?? q.get('timeout') ?? undefined, signal: q.get('signal') || undefined };
}

export const stop: Handler = async (c, [ref]) => {
  const rec = mustFind(ref);
  if (!stateOf(rec).Running) return notModified(c.res!);
  await (await control()).stopRef(rec.Id, stopQuery(c.query));
  sendNoContent(c.res!);
  return 204;
};

export const restart: Handler = async (c, [ref]) => {
  const id = mustFind(ref).Id;
  await (await control()).restartRef(id, stopQuery(c.query));
  await cleanupWhenEnded(id);
  sendNoContent(c.res!);
  return 204;
};

export const kill: Handler = async (c, [ref]) => {
  await (await lifecycle()).killContainer(ref, c.query.get('signal') || 'KILL');
  sendNoContent(c.res!);
  return 204;
};

/**
 * Docker's wait: the headers at once (a client waits on them before it starts a container), the
 * body `{"StatusCode":N}` once the condition holds: not-running (default), next-exit, removed.
 */
export const wait: Handler = async (c, [ref]) => {
  const rec = mustFind(ref);
  const condition = c.query.get('condition') || 'not-running';
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw new ApiError(400, `invalid condition: "${condition}"`);
  const res = c.res!;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  const { exitNow } = await lifecycle();
  const { loadRecord, readExit } = await import('../engine/container/record.js');
  const { until, exitCodeSeen } = await import('./exits.js');
  // woken by the container's state files changing (exits.ts), not on an interval
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const o = { abort: gone.signal };
  const id = rec.Id;
  // next-exit on a container that is not running yet: wait for it to run first
  if (condition !== 'not-running') {
    await until(id, () => {
      const cur = loadRecord(id);
      return !cur || stateOf(cur).Running || !!readExit(id);
    }, o);
  }
  let end: ReturnType<typeof exitNow>;
  await until(id, () => (end = exitNow(id)) !== undefined, o);
  // (removed already: the exit code this service saw before its cleanup removed it)
  const code = end?.code ?? readExit(id)?.code ?? exitCodeSeen(id) ?? 0;
  if (condition === 'removed') await until(id, () => !loadRecord(id), o);
  if (gone.signal.aborted) return 200;
  res.end(JSON.stringify({ StatusCode: code, Error: null }));
  return 200;
};

export const remove: Handler = async (c, [ref]) => {
  const force = boolParam(c.query, 'force');
  const rec = mustFind(ref);
  if (!force && stateOf(rec).Running) {
    throw new ApiError(409, `cannot remove container "/${rec.Name}": container is running: stop the container before removing or force remove`);
  }
  await (await lifecycle()).removeContainer(rec.Id, { force, volumes: boolParam(c.query, 'v'), explain: c.explain });
  sendNoContent(c.res!);
  return 204;
};

/**
 * The container's log: Docker's multiplexed stream (8-byte headers) without a TTY, the bytes
 * as they are with one; `follow` streams until the container stops or the client goes.
 */
export const logs: Handler = async (c, [ref]) => {
  const q = c.query;
  const rec = mustFind(ref);
  const wantOut = boolParam(q, 'stdout');
  const wantErr = boolParam(q, 'stderr');
  if (!wantOut && !wantErr) throw new ApiError(400, 'Bad parameters: you must choose at least one stream');
  if (rec.HostConfig.LogConfig?.Type === 'none') throw new ApiError(501, 'configured logging driver does not support reading');
  const tailText = q.get('tail') ?? 'all';
  const tail = tailText === 'all' || tailText === '' ? undefined : Number(tailText);
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new ApiError(400, `invalid tail: ${tailText}`);
  const { parseTimestamp } = await import('../engine/container/logtime.js');
  const now = Date.now();
  const since = q.get('since');
  const until = q.get('until');
  const sinceNs = since && since !== '0' ? parseTimestamp(since, 'since', now) : undefined;
  const untilNs = until && until !== '0' ? parseTimestamp(until, 'until', now) : undefined;
  const timestamps = boolParam(q, 'timestamps');
  const tty = rec.Config.Tty;
  const res = c.res!;
  let gone = false;
  res.once('close', () => (gone = true));
  res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
  res.flushHeaders();
  const { streamLogs } = await import('../engine/container/logs.js');
  await streamLogs(rec.Id, {
    follow: boolParam(q, 'follow'),
    tail,
    timestamps,
    sinceNs,
    untilNs,
    stopped: () => gone,
    write: (e) => {
      if (gone) return;
      if (e.stream === 'stderr' ? !wantErr : !wantOut) return;
      const line = timestamps ? `${e.time} ${e.log}` : e.log;
      res.write(tty ? line : frame(e.stream === 'stderr' ? STDERR : STDOUT, line));
    },
  });
  res.end();
  return 200;
};

export const top: Handler = async (c, [ref]) => {
  const { topContainer } = await import('../engine/container/top.js');
  // moby splits ps_args on spaces
  const args = (c.query.get('ps_args') || '').split(' ').filter(Boolean);
  sendJson(c.res!, 200, topContainer(ref, args));
  return 200;
};

export const rename: Handler = async (c, [ref]) => {
  const name = (c.query.get('name') ?? '').trim();
  if (!name) throw new ApiError(400, 'Neither old nor new names may be empty');
  const { renameContainer } = await import('../engine/container/rename.js');
  await renameContainer(ref, name);
  sendNoContent(c.res!);
  return 204;
};

export const pause: Handler = async (c, [ref]) => {
  await (await import('../engine/container/pause.js')).pauseContainer(ref);
  sendNoContent(c.res!);
  return 204;
};

export const unpause: Handler = async (c, [ref]) => {
  await (await import('../engine/container/pause.js')).unpauseContainer(ref);
  sendNoContent(c.res!);
  return 204;
};

/** GET /containers/{id}/export (`minidock export`): the merged filesystem as a tar stream. */
export const exportTar: Handler = async (c, [ref]) => {
  const { exportContainer } = await import('../engine/container/export.js');
  mustFind(ref); // a 404 before the headers
  const res = c.res!;
  const gone = new Error('client gone');
  res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await exportContainer(ref, async (chunk) => {
      if (res.destroyed) throw gone;
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    });
  } catch (e) {
    if (e !== gone) throw e; // (after the headers: the connection is cut, http.ts's sendError)
  }
  res.end();
  return 200;
};

/** GET /containers/{id}/changes (`minidock diff`): Kind 0 changed, 1 added, 2 deleted. */
export const changes: Handler = async (c, [ref]) => {
  const { diffContainer } = await import('../engine/container/diff.js');
  const KIND = { C: 0, A: 1, D: 2 } as const;
  sendJson(c.res!, 200, diffContainer(ref).map((ch) => ({ Path: ch.Path, Kind: KIND[ch.Kind] })));
  return 200;
};

/** POST /containers/prune?filters= (`container prune`): until, label, label!. */
export const prune: Handler = async (c) => {
  const { pruneContainers } = await import('../engine/container/prune.js');
  const r = await pruneContainers(filterFlags(c.query));
  sendJson(c.res!, 200, { ContainersDeleted: r.deleted.length ? r.deleted : null, SpaceReclaimed: r.reclaimed });
  return 200;
};

/** POST /containers/{id}/update (`minidock update`): the limits and restart policy minidock honours; any other field with a value is 400. */
export const update: Handler = async (c, [ref]) => {
  const { updateRequestOf } = await import('./create-body.js');
  const body = (await readJson<Record<string, unknown>>(c.req)) ?? {};
  const u = updateRequestOf(body);
  const { updateContainer } = await import('../engine/container/update.js');
  await updateContainer(ref, u);
  sendJson(c.res!, 200, { Warnings: [] });
  return 200;
};
