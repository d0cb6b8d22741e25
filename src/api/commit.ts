// POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=…: `minidock commit`
// (engine/container/commit.ts). The body is an optional container Config whose fields go over
// the container's, as moby's daemon does; `changes` (repeated) are the `-c` instructions.
import { ApiError, boolParam, readJson, sendJson } from './http.js';
import type { Handler } from './routes.js';

export const commit: Handler = async (c) => {
  const q = c.query;
  const container = q.get('container') ?? '';
  // moby's GetContainer("") words
  if (!container) throw new ApiError(400, `invalid name or ID supplied: ""`);
  const repo = q.get('repo') || undefined;
  const tag = q.get('tag') || undefined;
  // as moby's RepoTagReference: a tag without a repository names nothing
  const ref = repo && tag ? `${repo}:${tag}` : repo;
  if (ref !== undefined) {
    const { normalizeRef } = await import('../engine/image/reference.js');
    try {
      normalizeRef(ref);
    } catch (e) {
      throw new ApiError(400, (e as Error).message.replace(/^(minidock: )?(Error response from daemon: )?/, ''));
    }
  }
  const body = await readJson<Record<string, unknown>>(c.req);
  // (python3-docker sends `{}`, the docker CLI nothing; JSON null is "none" too)
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw new ApiError(400, 'invalid JSON: the body must be a container config object');
  const { commitConfigOf } = await import('./create-body.js');
  const config = body ? commitConfigOf(body) : undefined;
  const { commitContainer } = await import('../engine/container/commit.js');
  const img = await commitContainer(container, {
    repo: ref,
    author: q.get('author') || undefined,
    message: q.get('comment') || undefined,
    // moby: the default is to pause (API ≥ 1.13)
    pause: boolParam(q, 'pause', true),
    // several `changes` values (the docker CLI), or one with newlines (older clients)
    changes: q.getAll('changes').flatMap((v) => v.split('\n')).filter((v) => v.trim() !== ''),
    config,
  });
  sendJson(c.res!, 201, { Id: img.id });
  return 201;
};
