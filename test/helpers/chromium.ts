// Headless Chromium (Debian's `chromium`, /usr/bin/chromium) driven by the DevTools protocol
// over --remote-debugging-pipe: commands are JSON, NUL-terminated, written to the browser's
// fd 3; answers and events come back on its fd 4. No WebSocket, no port, no library, no
// browser download. Runs as root, so --no-sandbox; in a test's "host" netns when given one.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = () => existsSync(CHROMIUM);

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  method: string;
}

export class Browser {
  private readonly child: ChildProcess;
  private readonly profile: string;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buf = '';
  private exited: Promise<void>;
  stderr = '';

  constructor(opts: { netns?: string } = {}) {
    this.profile = mkdtempSync(join(tmpdir(), 'mdt-chromium-'));
    const argv = [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      '--remote-debugging-pipe',
      `--user-data-dir=${this.profile}`,
      'about:blank',
    ];
    const [cmd, args] = opts.netns ? ['nsenter', [`--net=/run/netns/${opts.netns}`, '--', CHROMIUM, ...argv]] : [CHROMIUM, argv];
    // its own process group: close() can end the browser's helpers too, should it not exit
    this.child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
    this.child.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    const out = this.child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (d: string) => this.onData(d));
    this.exited = new Promise((res) => this.child.once('exit', () => res()));
    void this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited during ${p.method}: ${this.stderr.slice(-500)}`));
      this.pending.clear();
    });
  }

  private onData(d: string): void {
    this.buf += d;
    let i: number;
    while ((i = this.buf.indexOf('\0')) >= 0) {
      const msg = JSON.parse(this.buf.slice(0, i)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
      this.buf = this.buf.slice(i + 1);
      const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (!p) continue; // an event: not listened for
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result ?? {});
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      (this.child.stdio[3] as Writable).write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  /** A new tab at url. */
  async open(url: string): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const page = new Page(this, sessionId, targetId);
    await this.send('Page.enable', {}, sessionId);
    await this.send('Page.navigate', { url }, sessionId);
    return page;
  }

  /** Closes the browser (and, if it lingers, its process group); removes its profile. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await Promise.race([this.send('Browser.close').catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
      const timer = setTimeout(() => {
        try {
          process.kill(-this.child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 3000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  constructor(private readonly b: Browser, readonly sessionId: string, readonly targetId: string) {}

  /** Evaluates an expression in the page; its value (JSON-able). */
  async eval<T>(expression: string): Promise<T> {
    const r = (await this.b.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId)) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Polls the expression until ok(value) (every 50 ms, at most timeoutMs); the value. */
  async waitFor<T>(expression: string, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    let last: T | undefined;
    for (;;) {
      try {
        last = await this.eval<T>(expression);
        if (ok(last)) return last;
      } catch (e) {
        if (Date.now() > end) throw e;
      }
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting on ${expression}: last ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
