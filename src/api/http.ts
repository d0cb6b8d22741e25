// The Engine API's HTTP plumbing: versioned paths, Docker's error bodies and status codes,
// JSON bodies and query parameters. Pure where it can be (test/unit/api-http.test.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UserError } from '../errors.js';

/** The API version minidock speaks, and the oldest one it accepts (as Docker 25's daemon). */
export const API_VERSION = '1.44';
export const MIN_API_VERSION = '1.24';

/** A request failed: Docker's status code and the message its clients print. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const cmpVersion = (a: string, b: string): number => {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
};

/**
 * `/v1.41/containers/json` → version 1.41 and `/containers/json`; an unversioned path is the
 * newest version. Docker refuses a version outside its range with 400 and these words.
 */
export function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v(\d+)\.(\d+)(\/.*)$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const version = `${Number(m[1])}.${Number(m[2])}`;
  if (cmpVersion(version, API_VERSION) > 0) throw new ApiError(400, `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  if (cmpVersion(version, MIN_API_VERSION) < 0) throw new ApiError(400, `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  return { version, path: m[3] };
}

/** Is `v` older than `than`? (for the fields whose shape changed between versions) */
export const versionBefore = (v: string, than: string): boolean => cmpVersion(v, than) < 0;

/**
 * The engine's errors as Docker's daemon reports them. The engine words its messages as the
 * CLI prints them ("Error response from daemon: No such container: x"); the API sends the
 * daemon's part, with the status code Docker gives that kind of failure.
 */
export function apiErrorOf(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (!(e instanceof Error)) return new ApiError(500, String(e));
  const message = e.message.replace(/^(minidock: )?(Error response from daemon: )?(Error: )?/, '');
  if (!(e instanceof UserError)) return new ApiError(500, message);
  return new ApiError(statusOfMessage(message), message);
}

/** Docker's status for an error it reports with these words (errdefs: NotFound, Conflict, InvalidParameter). */
export function statusOfMessage(message: string): number {
  // what a kill refuses is wrapped (moby's kill route), its status the cause's
  message = message.replace(/^cannot kill container: [^:]+: /, '');
  if (/^No such (container|image|network|volume|exec instance|object)\b|^network \S+ not found|not found$|: no such volume$|^Could not find the file /i.test(message)) return 404;
  if (/already in use|is in use|already exists|is not running|is paused|is running|cannot remove|conflict|in use by|has active endpoints|is already (connected|attached)|is not connected/i.test(message)) return 409;
  return 400;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { message: e.message });
}

/** No content: Docker's 204 (start, stop, kill, rm …). */
export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

const MAX_BODY = 4 << 20;

/** The request's JSON body (empty: undefined); bounded, and a bad body is Docker's 400. */
export async function readJson<T>(req: IncomingMessage): Promise<T | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new ApiError(400, 'request body too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new ApiError(400, `invalid JSON: ${(e as Error).message}`);
  }
}

/** Docker's boolean query values: 1/true/True… (strconv.ParseBool); absent → dflt. */
export function boolParam(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(v)}`);
}

/** Docker's resize h/w (strconv.Atoi; a bad one is 400). */
export function intParam(q: URLSearchParams, name: string): number {
  const v = q.get(name) ?? '';
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new ApiError(400, `strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/**
 * Docker's `filters` query parameter: JSON `{"name":{"x":true}}` (or the older `{"name":["x"]}`)
 * → the CLI's `name=x` flags, which the engine's filter code reads.
 */
export function filterFlags(q: URLSearchParams): string[] {
  const raw = q.get('filters');
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError(400, `invalid filter: ${raw}`);
  }
  if (!parsed || typeof parsed !== 'object') throw new ApiError(400, `invalid filter: ${raw}`);
  const out: string[] = [];
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]) : [];
    for (const x of values) out.push(`${k}=${String(x)}`);
  }
  return out;
}
