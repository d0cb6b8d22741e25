// `minidock network diagram --serve [ADDR:]PORT`: the SVG diagram as a live web page.
//
//   GET /             the page (diagram-page.ts) with the diagram as it is now
//   GET /events       server-sent events: a `frame` ({svg, drift, time} or {error, time})
//                     at once, then whenever the diagram changes (a container came or went, a
//                     counter rose, drift appeared, a new trace was written)
//   GET /diagram.svg  the diagram as it is now, as a file
//
// Reading the host is the costly part (collectSnapshot: `ip` in every container's netns and
// the firewall backend's listing with counters), so it is read at most once a second, shared
// by every client, and only while a client is connected to /events: an open server with no
// page open reads nothing. A build of its own (dist/diagram-serve.cjs, scripts/build.mjs):
// no other command loads a byte of it.
//
// Loopback by default; another address only when asked for. On loopback the Host header must
// name loopback too, so a web page elsewhere cannot read the diagram by DNS rebinding.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../errors.js';
import { buildDiagram, collectSnapshot } from './diagram.js';
import { renderSvg } from './diagram-render.js';
import { renderPage } from './diagram-page.js';
import { readLastTrace } from './last-trace.js';

/** A reading of the host, as the page gets it. */
export interface Frame {
  svg?: string;
  drift?: number;
  error?: string;
  /** When it was read (ISO 8601). */
  time: string;
}

export interface ServeOptions {
  host: string;
  port: number;
  /** Only these networks (as `network diagram NET…`). */
  networks: string[];
  /** Least time between two readings of the host (ms). */
  intervalMs?: number;
  /** Told the address once listening (the CLI prints it). */
  onListening?: (url: string) => void;
}

export const isLoopback = (addr: string) => /^127\.\d+\.\d+\.\d+$/.test(addr) || addr === '::1';

/** On a loopback server, a Host header that names loopback (any port), else refused. */
export function hostAllowed(hostHeader: string | undefined, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  if (!hostHeader) return false;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(1, hostHeader.indexOf(']')) : hostHeader.replace(/:\d+$/, '');
  return name === 'localhost' || isLoopback(name);
}

const stripXmlDecl = (svg: string) => svg.replace(/^<\?xml[^>]*\?>\n/, '');

/** Readings of the host, at most one per interval, shared; and who listens for them. */
class Live {
  private last?: { at: number; frame: Frame };
  private reading?: Promise<Frame>;
  private timer?: NodeJS.Timeout;
  private loop = 0;
  /** The newest frame the clients have. */
  private sent?: Frame;
  readonly clients = new Set<ServerResponse>();
  private stopped = false;

  constructor(private readonly networks: string[], private readonly intervalMs: number) {}

  /** The latest frame: the last reading if younger than the interval, else a new one. */
  frame(): Promise<Frame> {
    if (this.last && Date.now() - this.last.at < this.intervalMs) return Promise.resolve(this.last.frame);
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<Frame> {
    const at = Date.now();
    let frame: Frame;
    try {
      const d = buildDiagram(await collectSnapshot(), this.networks);
      frame = { svg: stripXmlDecl(renderSvg(d, { trace: readLastTrace() })), drift: d.drift.length, time: new Date(at).toISOString() };
    } catch (e) {
      frame = { error: (e as Error).message, time: new Date(at).toISOString() };
    }
    this.last = { at, frame };
    return frame;
  }

  add(res: ServerResponse): void {
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (!this.clients.size) this.idle();
    });
    void this.frame().then((f) => {
      send(res, f);
      this.sent ??= f;
    });
    if (!this.timer) this.tick();
  }

  /** The polling loop: one reading per interval while anyone listens; a frame when it changed. */
  private tick(): void {
    const loop = ++this.loop; // a loop left by idle() and started again must not run twice
    this.timer = setTimeout(async () => {
      const f = await this.frame();
      if (loop !== this.loop || this.stopped) return;
      // the svg and the error say everything the page shows; the time alone is no change
      if (!this.sent || f.svg !== this.sent.svg || f.error !== this.sent.error) {
        for (const c of this.clients) send(c, f);
        this.sent = f;
      }
      if (this.clients.size) this.tick();
    }, this.intervalMs);
  }

  private idle(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.loop++;
  }

  stop(): void {
    this.stopped = true;
    this.idle();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}

function send(res: ServerResponse, f: Frame): void {
  if (!res.writableEnded) res.write(`event: frame\ndata: ${JSON.stringify(f)}\n\n`);
}

const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' };

function plain(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** Serves until SIGINT or SIGTERM; then closes every connection and returns. */
export async function serveDiagram(o: ServeOptions): Promise<void> {
  const live = new Live(o.networks, o.intervalMs ?? 1000);
  const loopbackOnly = isLoopback(o.host);
  const title = `minidock network diagram${o.networks.length ? ` ${o.networks.join(' ')}` : ''}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, loopbackOnly)) return plain(res, 403, 'minidock: this server answers to a loopback host name only');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'minidock: GET only');
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/events') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      res.write('retry: 2000\n\n'); // the page reconnects by itself if the server restarts
      live.add(res);
      return;
    }
    if (path === '/' || path === '/diagram.svg') {
      const f = await live.frame();
      if (path === '/diagram.svg') {
        if (f.error) return plain(res, 500, `minidock: ${f.error}`);
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'image/svg+xml; charset=utf-8' });
        return res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${f.svg}`);
      }
      const nonce = randomBytes(16).toString('base64');
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/html; charset=utf-8',
        // nothing from elsewhere: the page's own script, inline styles (the SVG's), its own events
        'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      });
      return res.end(renderPage({ svg: f.svg ?? `<p>✗ ${f.error}</p>`, title, nonce }));
    }
    plain(res, 404, 'minidock: not found (the page is /)');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) plain(res, 500, `minidock: ${e.message}`);
      else res.end();
    });
  });
  // Ctrl-C and SIGTERM are taken from before the address is told: a client told may stop it at once
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      live.stop();
      server.close(() => resolve());
      server.closeAllConnections();
    };
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EADDRNOTAVAIL' ? 'no interface of this host has that address' : e.code === 'EACCES' ? 'permission denied' : e.message;
        reject(new UserError(`cannot serve on ${o.host}:${o.port}: ${why}`));
      });
      server.listen(o.port, o.host, () => resolve());
    });
  } catch (e) {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    throw e;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  o.onListening?.(`http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`);
  await stopped;
}
