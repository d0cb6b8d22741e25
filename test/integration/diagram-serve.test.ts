// `network diagram --serve`: the live page in headless Chromium (Debian's chromium, driven by
// the DevTools protocol over a pipe: test/helpers/chromium.ts). The server, the browser and
// the containers all live in this file's throwaway "host" netns; the page is on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Minidock, sleep } from '../helpers/cli.js';
import { Browser, hasChromium, type Page } from '../helpers/chromium.js';

const isRoot = process.getuid?.() === 0;

/** The running server: its process, its URL, what it printed on stderr (MINIDOCK_TRACE's exec lines). */
interface Server {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startServer(md: Minidock, args: string[] = []): Promise<Server> {
  const [cmd, ...pre] = md.prefix;
  // MINIDOCK_TRACE=1: every subprocess it runs is a line on stderr, so the test counts readings
  const child = spawn(cmd, [...pre, process.execPath, '--', BIN, 'network', 'diagram', '--serve', '0', ...args], { env: { ...md.env, MINIDOCK_TRACE: '1' } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving the live network diagram on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ child, url: m[1], stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`the server exited ${code}: ${err}`)));
  });
}

/** How many times the server has read the firewall's counters (iptables-save -c). */
const readings = (s: Server) => (s.stderr().match(/exec iptables-save -c/g) ?? []).length;

const NAMES = `[...document.querySelectorAll('#diagram [data-container]')].map((e) => e.textContent)`;
const COUNTER = (port: string) => `(document.querySelector('#diagram [data-port="${port}"]') || {}).textContent || ''`;
const pkts = (t: string) => Number(/\[(\d+) pkts?\]/.exec(t)?.[1] ?? NaN);

/**
 * The setup of a describe: `web` publishing 8080, the server, a browser in the host netns;
 * all ended in afterAll (the server by SIGKILL if a test has not stopped it).
 */
function useLive(md: Minidock): { web: string; server: Server; browser: Browser } {
  const live = {} as { web: string; server: Server; browser: Browser };
  beforeAll(async () => {
    live.web = md.ok(['run', '-d', '--name', 'web', '-p', '8080:80', 'busybox', 'httpd', '-f', '-p', '80']);
    live.server = await startServer(md);
    live.browser = new Browser({ netns: md.hostNs });
  });
  afterAll(async () => {
    await live.browser?.close();
    if (live.server && live.server.child.exitCode === null) {
      live.server.child.kill('SIGKILL');
      await live.server.exited;
    }
    md.cleanup();
  });
  return live;
}

describe.runIf(isRoot && hasChromium())('network diagram --serve in headless Chromium', () => {
  const md = new Minidock({ MINIDOCK_FIREWALL: 'iptables' });
  const live = useLive(md);
  let page: Page;
  beforeAll(async () => {
    page = await live.browser.open(live.server.url);
  });

  it('the page loads and shows the containers by name, live (one frame by server-sent events)', async () => {
    expect(await page.waitFor<string[]>(NAMES, (n) => n.includes('web'))).toEqual(['web']);
    await page.waitFor<string>(`document.body.getAttribute('data-frames')`, (n) => Number(n) >= 1);
    expect(await page.eval<string>(`document.getElementById('status').textContent`)).toMatch(/^live · read .* · the kernel and minidock’s state agree$/);
    // nothing but the page itself was loaded (no external asset)
    const resources = await page.eval<string[]>(`performance.getEntriesByType('resource').map((e) => e.name)`);
    expect(resources.filter((u) => !u.startsWith(live.server.url))).toEqual([]);
  });

  it('a container started after the page loaded appears on it', async () => {
    md.ok(['run', '-d', '--name', 'late', 'busybox', 'sleep', '600']);
    const t0 = Date.now();
    expect(await page.waitFor<string[]>(NAMES, (n) => n.includes('late'), 5000)).toEqual(['late', 'web']);
    expect(Date.now() - t0).toBeLessThan(3000);
    md.ok(['rm', '-f', 'late']);
    await page.waitFor<string[]>(NAMES, (n) => !n.includes('late'), 5000);
  });

  it('a curl to a published port makes its counter rise on the page within 2 s', async () => {
    const before = pkts(await page.waitFor<string>(COUNTER('0.0.0.0:8080/tcp'), (t) => /\[\d+ pkts?\]/.test(t)));
    const r = md.inHost('curl', ['-s', '-o', '/dev/null', '--max-time', '5', 'http://127.0.0.1:8080/']);
    expect(r.code, r.stderr).toBe(0); // httpd answers (404 for /): the connection is what counts
    const t0 = Date.now();
    const after = await page.waitFor<string>(COUNTER('0.0.0.0:8080/tcp'), (t) => pkts(t) > before, 5000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(pkts(after)).toBe(before + 1); // a DNAT rule counts a connection's first packet
    expect(await page.eval<string>(`document.querySelector('#diagram [data-port="0.0.0.0:8080/tcp"]').getAttribute('class')`)).toContain('rose');
  });

  it('the last trace (networks/last-trace.json) is drawn on the page as a path, and a new one replaces it', async () => {
    const id12 = live.web.slice(0, 12);
    const fixture = readFileSync(new URL('../fixtures/last-trace.json', import.meta.url), 'utf8').replace(/a5c2194c28cc/g, id12);
    writeFileSync(join(md.root, 'networks', 'last-trace.json'), fixture);
    await page.waitFor<boolean>(`!!document.querySelector('#diagram [data-trace="path"]')`, (v) => v, 5000);
    expect(await page.eval<number>(`document.querySelectorAll('#diagram [data-step]').length`)).toBe(6);
    expect(await page.eval<string>(`document.querySelector('#diagram [data-step="5"]').textContent`)).toBe(`5. bridge: out the port of web  (in minidock0, out md${id12})`);
    const dropped = { version: 1, from: 'lan', to: '172.17.0.2:80', outcome: 'dropped', steps: [{ hook: 'PREROUTING', table: 'raw', chain: 'MINIDOCK-RAW', verdict: 'drop', iif: 'minidock0' }] };
    writeFileSync(join(md.root, 'networks', 'last-trace.json'), JSON.stringify(dropped));
    expect(await page.waitFor<string>(`(document.querySelector('#diagram [data-trace="head"]') || {}).textContent`, (t) => /dropped/.test(t ?? ''), 5000)).toBe('last trace: lan → 172.17.0.2:80 · dropped');
    expect(await page.eval<number>(`document.querySelectorAll('#diagram [data-step]').length`)).toBe(1);
  });

  it('reads the host at most once a second, shared by every client, and not at all with no page open', async () => {
    // a second client (curl on the event stream) for 3 s beside the page: still ≤ 1 reading a second
    const n0 = readings(live.server);
    const t0 = Date.now();
    // (asynchronously: the server's stderr is read meanwhile)
    await new Promise((res) => spawn('nsenter', [`--net=/run/netns/${md.hostNs}`, '--', 'curl', '-s', '-N', '-o', '/dev/null', '--max-time', '3', `${live.server.url}events`]).on('close', res));
    const n1 = readings(live.server);
    expect(n1 - n0).toBeGreaterThanOrEqual(2);
    expect(n1 - n0).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / 1000) + 1);
    // the page closed: nothing read any more
    await live.browser.send('Target.closeTarget', { targetId: page.targetId });
    await sleep(1500); // a reading under way ends
    const idle = readings(live.server);
    await sleep(2500);
    expect(readings(live.server)).toBe(idle);
    page = await live.browser.open(live.server.url); // and a page open again: live again
    await page.waitFor<string>(`document.body.getAttribute('data-frames')`, (n) => Number(n) >= 1);
  });

  it('the server refuses what it does not serve, and a Host header that is not loopback', () => {
    const get = (args: string[]) => md.inHost('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args]).stdout;
    expect(get([`${live.server.url}diagram.svg`])).toBe('200');
    expect(get([`${live.server.url}nosuch`])).toBe('404');
    expect(get(['-X', 'POST', live.server.url])).toBe('405');
    expect(get(['-H', 'Host: rebind.example:80', live.server.url])).toBe('403');
    expect(get(['-H', `Host: localhost:1`, live.server.url])).toBe('200');
  });

  it('SIGTERM stops the server cleanly: exit 0, the port closed, the page says it is not connected', async () => {
    live.server.child.kill('SIGTERM');
    expect(await live.server.exited).toBe(0);
    expect(md.inHost('curl', ['-s', '--max-time', '2', live.server.url]).code).toBe(7); // connection refused
    await page.waitFor<string>(`document.getElementById('status').textContent`, (t) => t.startsWith('not connected'), 5000);
  });

  it('SIGINT (Ctrl-C) too', async () => {
    const s = await startServer(md);
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
  });
});

// The counters come from the firewall backend's listing: on nftables, a port's map element.
describe.runIf(isRoot && hasChromium())('network diagram --serve on the nftables backend', () => {
  const md = new Minidock({ MINIDOCK_FIREWALL: 'nftables' });
  const live = useLive(md);

  it('shows the container, and a curl makes its port counter rise within 2 s', async () => {
    const page = await live.browser.open(live.server.url);
    expect(await page.waitFor<string[]>(NAMES, (n) => n.includes('web'))).toEqual(['web']);
    const before = pkts(await page.waitFor<string>(COUNTER('0.0.0.0:8080/tcp'), (t) => /\[\d+ pkts?\]/.test(t)));
    const r = md.inHost('curl', ['-s', '-o', '/dev/null', '--max-time', '5', 'http://127.0.0.1:8080/']);
    expect(r.code, r.stderr).toBe(0);
    const t0 = Date.now();
    await page.waitFor<string>(COUNTER('0.0.0.0:8080/tcp'), (t) => pkts(t) > before, 5000);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe.runIf(isRoot)('network diagram --serve: bad input', () => {
  const md = new Minidock();
  afterAll(() => md.cleanup());

  it('one line, exit 125, for a bad address, a port in use, a format with --serve, an unknown network', async () => {
    for (const [args, msg] of [
      [['--serve', 'x'], /invalid --serve "x": \[ADDR:\]PORT/],
      [['--serve', '70000'], /the port must be between 0 and 65535/],
      [['--serve', '1.2.3:80'], /"1\.2\.3" is not an IP address/],
      [['--serve', '::1:80'], /invalid --serve/],
      [['--serve', '8080', '--format', 'svg'], /--format and --output do not go with it/],
      [['--serve', '8080', 'nosuchnet'], /network nosuchnet not found/],
      [['--serve', '192.0.2.7:8080'], /cannot serve on 192\.0\.2\.7:8080: no interface of this host has that address/],
    ] as [string[], RegExp][]) {
      const r = md.run(['network', 'diagram', ...args]);
      expect(r.code, args.join(' ')).toBe(125);
      expect(r.stderr.split('\n').filter(Boolean), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    const s = await startServer(md);
    const port = new URL(s.url).port;
    const r = md.run(['network', 'diagram', '--serve', `127.0.0.1:${port}`]);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`minidock: cannot serve on 127.0.0.1:${port}: the address is in use\n`);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('a non-loopback address is served only when written out, with a warning', async () => {
    const [cmd, ...pre] = md.prefix;
    const child = spawn(cmd, [...pre, process.execPath, '--', BIN, 'network', 'diagram', '--serve', '0.0.0.0:0'], { env: md.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    for (let i = 0; i < 100 && !out.includes('serving'); i++) await sleep(50);
    expect(out).toMatch(/^serving the live network diagram on http:\/\/0\.0\.0\.0:\d+\/ {2}\(Ctrl-C to stop\)\n$/);
    expect(err).toBe("WARNING: serving on 0.0.0.0, not loopback: whoever can reach this address sees this host's network, containers and published ports\n");
    const port = /:(\d+)\//.exec(out)![1];
    // not loopback: any Host header is answered
    expect(md.inHost('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: lan-name:1', `http://127.0.0.1:${port}/`]).stdout).toBe('200');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(md.ok(['network', 'diagram', '--help'])).toMatch(/--serve <\[addr:\]port>\s+serve the svg diagram as a live web page[^]*on\s+127\.0\.0\.1:PORT;\s+another address only when given/);
  });
});
