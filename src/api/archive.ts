// /containers/{id}/archive: HEAD (stat), GET (a tar of a path), PUT (a tar extracted into a
// directory) — the daemon's half of `docker cp`, through the engine's `cp` (engine/container/
// copy.ts: every path resolved inside the container's root). The tar passes through a temporary
// file: the engine's tar code reads and writes file descriptors synchronously.
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError, boolParam, sendNoContent } from './http.js';
import type { Handler } from './routes.js';

const copyMod = () => import('../engine/container/copy.js');

function pathParam(q: URLSearchParams): string {
  const p = q.get('path');
  if (!p) throw new ApiError(400, 'path is required');
  return p;
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

async function statHeader(ref: string, path: string): Promise<string> {
  const st = await (await copyMod()).statContainerPath(ref, path);
  return Buffer.from(JSON.stringify(st)).toString('base64');
}

/** A temporary file for a tar the engine writes or reads with descriptors (cp, save). */
export async function withTemp<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'minidock-api-cp-'));
  try {
    return await fn(join(dir, 'archive.tar'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const head: Handler = async (c, [ref]) => {
  const stat = await statHeader(ref, pathParam(c.query));
  c.res!.writeHead(200, { [STAT_HEADER]: stat, 'Content-Type': 'application/json' });
  c.res!.end();
  return 200;
};

export const get: Handler = async (c, [ref]) => {
  const path = pathParam(c.query);
  const stat = await statHeader(ref, path);
  const { copy } = await copyMod();
  return withTemp(async (file) => {
    const fd = openSync(file, 'wx', 0o600);
    try {
      await copy(`${ref}:${path}`, '-', { followLink: false, archive: true, stdout: fd, warn: () => undefined });
    } finally {
      closeSync(fd);
    }
    c.res!.writeHead(200, { [STAT_HEADER]: stat, 'Content-Type': 'application/x-tar' });
    try {
      await pipeline(createReadStream(file), c.res!);
    } catch (e) {
      // the client may stop reading once it has the stat header (docker cp -L of a symlink)
      if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
    }
    return 200;
  });
};

export const put: Handler = async (c, [ref]) => {
  const path = pathParam(c.query);
  // The engine's extraction always refuses to replace a directory by a non-directory or the
  // reverse: Docker's noOverwriteDirNonDir=true, which the docker CLI always sends (docs/engine-api.md).
  const { copy } = await copyMod();
  return withTemp(async (file) => {
    await pipeline(c.req, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    const fd = openSync(file, 'r');
    try {
      await copy('-', `${ref}:${path}`, { followLink: false, archive: boolParam(c.query, 'copyUIDGID'), stdin: fd, warn: () => undefined });
    } finally {
      closeSync(fd);
    }
    sendNoContent(c.res!, 200);
    return 200;
  });
};
