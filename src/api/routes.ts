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

type Route = [method: string, path: RegExp, load: () => Promise<Handler>];

// The handlers' modules are loaded on first use (a service answering only `ps` never loads the
// network or image code).
const sys = () => import('./system.js');
const ctr = () => import('./containers.js');
const img = () => import('./images.js');
const net = () => import('./networks.js');
const exe = () => import('./exec.js');
const vol = () => import('./volumes.js');
const arc = () => import('./archive.js');

const ID = '([^/]+)';
const ROUTES: Route[] = [
  ['GET', /^\/_ping$/, async () => (await sys()).ping],
  ['HEAD', /^\/_ping$/, async () => (await sys()).ping],
  ['GET', /^\/version$/, async () => (await sys()).version],
  ['GET', /^\/info$/, async () => (await sys()).info],
  ['GET', /^\/events$/, async () => (await sys()).events],
  ['GET', /^\/containers\/json$/, async () => (await ctr()).list],
  ['POST', /^\/containers\/create$/, async () => (await ctr()).create],
  ['GET', new RegExp(`^/containers/${ID}/json$`), async () => (await ctr()).inspect],
  ['POST', new RegExp(`^/containers/${ID}/start$`), async () => (await ctr()).start],
  ['POST', new RegExp(`^/containers/${ID}/stop$`), async () => (await ctr()).stop],
  ['POST', new RegExp(`^/containers/${ID}/restart$`), async () => (await ctr()).restart],
  ['POST', new RegExp(`^/containers/${ID}/kill$`), async () => (await ctr()).kill],
  ['POST', new RegExp(`^/containers/${ID}/wait$`), async () => (await ctr()).wait],
  ['DELETE', new RegExp(`^/containers/${ID}$`), async () => (await ctr()).remove],
  ['GET', new RegExp(`^/containers/${ID}/logs$`), async () => (await ctr()).logs],
  ['GET', new RegExp(`^/containers/${ID}/top$`), async () => (await ctr()).top],
  ['POST', new RegExp(`^/containers/${ID}/rename$`), async () => (await ctr()).rename],
  ['POST', new RegExp(`^/containers/${ID}/pause$`), async () => (await ctr()).pause],
  ['POST', new RegExp(`^/containers/${ID}/unpause$`), async () => (await ctr()).unpause],
  ['POST', new RegExp(`^/containers/${ID}/exec$`), async () => (await exe()).create],
  ['POST', new RegExp(`^/exec/${ID}/start$`), async () => (await exe()).start],
  ['GET', new RegExp(`^/exec/${ID}/json$`), async () => (await exe()).inspect],
  ['HEAD', new RegExp(`^/containers/${ID}/archive$`), async () => (await arc()).head],
  ['GET', new RegExp(`^/containers/${ID}/archive$`), async () => (await arc()).get],
  ['PUT', new RegExp(`^/containers/${ID}/archive$`), async () => (await arc()).put],
  ['GET', /^\/images\/json$/, async () => (await img()).list],
  ['POST', /^\/images\/create$/, async () => (await img()).pull],
  ['GET', /^\/images\/(.+)\/json$/, async () => (await img()).inspect],
  ['POST', /^\/images\/(.+)\/tag$/, async () => (await img()).tag],
  ['DELETE', /^\/images\/(.+)$/, async () => (await img()).remove],
  ['GET', /^\/volumes$/, async () => (await vol()).list],
  ['POST', /^\/volumes\/create$/, async () => (await vol()).create],
  ['POST', /^\/volumes\/prune$/, async () => (await vol()).prune],
  ['GET', new RegExp(`^/volumes/${ID}$`), async () => (await vol()).inspect],
  ['DELETE', new RegExp(`^/volumes/${ID}$`), async () => (await vol()).remove],
  ['GET', /^\/system\/df$/, async () => (await vol()).df],
  ['GET', /^\/networks$/, async () => (await net()).list],
  ['POST', /^\/networks\/create$/, async () => (await net()).create],
  ['POST', /^\/networks\/prune$/, async () => (await net()).prune],
  ['GET', new RegExp(`^/networks/${ID}$`), async () => (await net()).inspect],
  ['DELETE', new RegExp(`^/networks/${ID}$`), async () => (await net()).remove],
  ['POST', new RegExp(`^/networks/${ID}/connect$`), async () => (await net()).connect],
  ['POST', new RegExp(`^/networks/${ID}/disconnect$`), async () => (await net()).disconnect],
];

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
