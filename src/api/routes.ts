// The Engine API's endpoints: method and path → handler. Each handler calls the engine function
// the CLI's command calls; the table is the list of what is served (docs/engine-api.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from './http.js';

export interface Ctx {
  req: IncomingMessage;
  /** undefined on a hijacked (upgraded) connection */
  res: ServerResponse | undefined;
  hijack?: { socket: Socket; head: Buffer };
  /** the path without its /v1.xx prefix */
  path: string;
  query: URLSearchParams;
  version: string;
  explain?: (line: string) => void;
}

/** A handler answers the request and returns the status it sent (for the service's log). */
export type Handler = (c: Ctx, params: string[]) => Promise<number>;

type Module = () => Promise<Record<string, unknown>>;
type Route = [method: string, path: RegExp, load: () => Promise<Handler>];

// The handlers' modules are loaded on first use (a service answering only `ps` never loads the
// network or image code).
const sys: Module = () => import('./system.js');
const ctr: Module = () => import('./containers.js');
const img: Module = () => import('./images.js');
const net: Module = () => import('./networks.js');
const exe: Module = () => import('./exec.js');
const vol: Module = () => import('./volumes.js');
const arc: Module = () => import('./archive.js');
const att: Module = () => import('./attach.js');
const sta: Module = () => import('./stats.js');
const cmt: Module = () => import('./commit.js');

/** `/containers/{id}/json`: {id} is one path segment, {name*} the rest (an image name has slashes). */
function entry(method: string, path: string, mod: Module, name: string): Route {
  const re = new RegExp(`^${path.replace(/\{id\}/g, '([^/]+)').replace(/\{name\*\}/g, '(.+)')}$`);
  return [method, re, async () => (await mod())[name] as Handler];
}

/** method, path, the handler's module and its export (test/unit/api-http.test.ts checks each is there) */
export const TABLE: [string, string, Module, string][] = [
  ['GET', '/_ping', sys, 'ping'],
  ['HEAD', '/_ping', sys, 'ping'],
  ['GET', '/version', sys, 'version'],
  ['GET', '/info', sys, 'info'],
  ['GET', '/events', sys, 'events'],
  ['POST', '/auth', sys, 'auth'],
  ['GET', '/containers/json', ctr, 'list'],
  ['POST', '/containers/create', ctr, 'create'],
  ['POST', '/containers/prune', ctr, 'prune'],
  ['GET', '/containers/{id}/json', ctr, 'inspect'],
  ['POST', '/containers/{id}/start', ctr, 'start'],
  ['POST', '/containers/{id}/stop', ctr, 'stop'],
  ['POST', '/containers/{id}/restart', ctr, 'restart'],
  ['POST', '/containers/{id}/kill', ctr, 'kill'],
  ['POST', '/containers/{id}/wait', ctr, 'wait'],
  ['DELETE', '/containers/{id}', ctr, 'remove'],
  ['GET', '/containers/{id}/logs', ctr, 'logs'],
  ['GET', '/containers/{id}/top', ctr, 'top'],
  ['POST', '/containers/{id}/rename', ctr, 'rename'],
  ['POST', '/containers/{id}/pause', ctr, 'pause'],
  ['POST', '/containers/{id}/unpause', ctr, 'unpause'],
  ['GET', '/containers/{id}/export', ctr, 'exportTar'],
  ['GET', '/containers/{id}/changes', ctr, 'changes'],
  ['POST', '/containers/{id}/update', ctr, 'update'],
  ['GET', '/containers/{id}/stats', sta, 'stats'],
  ['POST', '/containers/{id}/attach', att, 'attach'],
  ['GET', '/containers/{id}/attach/ws', att, 'attachWs'],
  ['POST', '/containers/{id}/resize', att, 'resize'],
  ['POST', '/containers/{id}/exec', exe, 'create'],
  ['POST', '/exec/{id}/start', exe, 'start'],
  ['GET', '/exec/{id}/json', exe, 'inspect'],
  ['POST', '/exec/{id}/resize', exe, 'resize'],
  ['HEAD', '/containers/{id}/archive', arc, 'head'],
  ['GET', '/containers/{id}/archive', arc, 'get'],
  ['PUT', '/containers/{id}/archive', arc, 'put'],
  ['POST', '/commit', cmt, 'commit'],
  ['GET', '/images/json', img, 'list'],
  ['POST', '/images/create', img, 'pull'],
  ['POST', '/images/prune', img, 'prune'],
  ['GET', '/images/search', img, 'search'],
  ['POST', '/images/load', img, 'load'],
  ['GET', '/images/get', img, 'save'],
  ['POST', '/build', img, 'build'],
  ['GET', '/images/{name*}/history', img, 'history'],
  ['GET', '/images/{name*}/get', img, 'save'],
  ['POST', '/images/{name*}/push', img, 'push'],
  ['GET', '/images/{name*}/json', img, 'inspect'],
  ['POST', '/images/{name*}/tag', img, 'tag'],
  ['DELETE', '/images/{name*}', img, 'remove'],
  ['GET', '/volumes', vol, 'list'],
  ['POST', '/volumes/create', vol, 'create'],
  ['POST', '/volumes/prune', vol, 'prune'],
  ['GET', '/volumes/{id}', vol, 'inspect'],
  ['DELETE', '/volumes/{id}', vol, 'remove'],
  ['GET', '/system/df', vol, 'df'],
  ['GET', '/networks', net, 'list'],
  ['POST', '/networks/create', net, 'create'],
  ['POST', '/networks/prune', net, 'prune'],
  ['GET', '/networks/{id}', net, 'inspect'],
  ['DELETE', '/networks/{id}', net, 'remove'],
  ['POST', '/networks/{id}/connect', net, 'connect'],
  ['POST', '/networks/{id}/disconnect', net, 'disconnect'],
];
const ROUTES: Route[] = TABLE.map(([m, p, mod, name]) => entry(m, p, mod, name));

/** Which route answers: a path known under another method is Docker's 405, an unknown one 404. */
export function match(method: string, path: string): { load: () => Promise<Handler>; params: string[] } {
  let pathKnown = false;
  for (const [m, re, load] of ROUTES) {
    const hit = re.exec(path);
    if (!hit) continue;
    pathKnown = true;
    if (m === method) return { load, params: hit.slice(1).map(decodeURIComponent) };
  }
  if (pathKnown) throw new ApiError(405, `method ${method} not allowed on ${path}`);
  // Docker's router says "page not found"; this says which endpoint minidock lacks.
  throw new ApiError(404, `page not found: ${method} ${path} is not served by minidock's Engine API (docs/engine-api.md lists what is)`);
}

export async function route(c: Ctx): Promise<number> {
  const { load, params } = match(c.req.method ?? 'GET', c.path);
  return (await load())(c, params);
}
