// The registry client's transport: one GET (or HEAD) with node:http / node:https, no redirects
// followed (the caller does that, by hand). Not Node's fetch: its first use loads undici and
// compiles its WebAssembly HTTP parser, ~50-70 ms of every `pull` (measured on loopback: two
// requests 65-90 ms with fetch, 13-18 ms with node:http), and its bodies are web streams that
// a layer then crosses into a Node stream again. Keep-alive sockets as fetch (Node's default
// agents keep them).
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  /** The body, a Node stream (read it, or cancel()). */
  body: Readable;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** Discards the body. */
  cancel(): Promise<void>;
}

/** A network failure, shaped as fetch's ("fetch failed", the system error as `cause`). */
class HttpFailure extends TypeError {
  constructor(readonly cause: Error) {
    super('fetch failed');
  }
}

function wrap(res: IncomingMessage): HttpResponse {
  const status = res.statusCode ?? 0;
  const all = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  return {
    status,
    statusText: res.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers: {
      get(name: string): string | null {
        const v = res.headers[name.toLowerCase()];
        if (v === undefined) return null;
        return Array.isArray(v) ? v.join(', ') : String(v);
      },
    },
    body: res,
    text: async () => (await all()).toString('utf8'),
    json: async () => JSON.parse((await all()).toString('utf8')) as unknown,
    cancel: async () => {
      res.resume();
    },
  };
}

export async function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise<HttpResponse>((resolve, reject) => {
    const req = mod.request(u, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      res.on('error', () => undefined); // surfaces to whoever reads the body
      resolve(wrap(res));
    });
    req.on('error', (e) => reject(new HttpFailure(e)));
    req.end();
  });
}
