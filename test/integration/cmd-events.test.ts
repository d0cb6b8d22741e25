// `events`: minidock's journal of state changes (one JSON line per change, appended by whichever
// process made it), read as `docker events` reads the daemon's: Docker's fields and default
// line, --since/--until, --filter, --format, following until interrupted, and a bounded journal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Minidock, sleep } from '../helpers/cli.js';

let md: Minidock;
let t0: string;

/** Unix seconds with nanoseconds, as --since takes them. */
const stamp = () => (Date.now() / 1000).toFixed(3);

function past(args: string[] = []): string[] {
  const out = md.ok(['events', '--since', t0, '--until', stamp(), ...args]);
  return out ? out.split('\n') : [];
}

beforeAll(() => {
  md = new Minidock();
  t0 = stamp();
}, 30_000);

afterAll(() => {
  md?.cleanup();
});

describe('events', () => {
  it('a run --rm: create, attach, start, die (exitCode), destroy, in order, in Docker\'s line format', () => {
    md.ok(['run', '--rm', '--network', 'none', '--name', 'once', '-l', 'team=blue', 'busybox', 'true']);
    const lines = past(['--filter', 'container=once']);
    expect(lines.map((l) => l.split(' ')[2])).toEqual(['create', 'attach', 'start', 'die', 'destroy']);
    const id = lines[0]!.split(' ')[3]!;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) container create [0-9a-f]{64} \(image=busybox, name=once, team=blue\)$/);
    expect(lines[3]).toContain('(exitCode=0, image=busybox, name=once, team=blue)');
  });

  it('stop and kill record the signal; die its exit code', () => {
    md.ok(['run', '-d', '--network', 'none', '--name', 'kk', 'busybox', 'sleep', '1000']);
    md.ok(['stop', '-t', '1', 'kk']); // sleep as PID 1 ignores SIGTERM: SIGKILL after the grace period
    const stop = past(['-f', 'container=kk', '--format', '{{json .}}']).map((l) => JSON.parse(l)).map((m) => `${m.Action} ${m.Actor.Attributes.signal ?? ''}${m.Actor.Attributes.exitCode ?? ''}`);
    expect(stop.slice(-5)).toEqual(['start ', 'kill 15', 'kill 9', 'die 137', 'stop ']);
    md.ok(['start', 'kk']);
    md.ok(['kill', '-s', 'USR1', 'kk']);
    md.ok(['kill', 'kk']);
    md.ok(['wait', 'kk']);
    const kill = past(['-f', 'container=kk', '-f', 'event=kill', '--format', '{{.Actor.Attributes.signal}}']);
    expect(kill).toEqual(['15', '9', '10', '9']); // stop's two, then kill -s USR1, kill
  });

  it('exec, pause, rename, network and image events', async () => {
    md.ok(['run', '-d', '--network', 'none', '--name', 'ex', 'busybox', 'sleep', '1000']);
    md.ok(['pause', 'ex']);
    md.ok(['unpause', 'ex']);
    md.ok(['rename', 'ex', 'ex2']);
    md.ok(['rename', 'ex2', 'ex']);
    expect(past(['-f', 'container=ex', '-f', 'event=pause', '-f', 'event=unpause', '-f', 'event=rename', '--format', '{{.Action}} {{.Actor.Attributes.name}}'])).toEqual(['pause ex', 'unpause ex', 'rename ex2', 'rename ex']); // container= matches name prefixes too (Docker's FuzzyMatch)
    md.ok(['exec', 'ex', 'true']);
    const ex = past(['-f', 'container=ex', '-f', 'event=exec_start', '--format', '{{.Action}}']);
    expect(ex).toEqual(['exec_start: true']);
    md.ok(['network', 'create', 'evnet']);
    md.ok(['network', 'rm', 'evnet']);
    expect(past(['-f', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.name}}'])).toEqual(['create evnet', 'destroy evnet']);
    md.ok(['tag', 'busybox', 'ev:1']);
    md.ok(['rmi', 'ev:1']);
    expect(past(['-f', 'type=image', '-f', 'image=ev', '--format', '{{.Action}} {{.Actor.Attributes.name}}'])).toEqual(['tag ev:1', 'untag ev:1']);
  });

  it('--format json and {{json .}} print Docker\'s message with an exact timeNano', () => {
    const lines = past(['-f', 'container=once', '-f', 'event=create', '--format', '{{json .}}']);
    expect(lines).toHaveLength(1);
    const m = JSON.parse(lines[0]!);
    expect(Object.keys(m)).toEqual(['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    expect(m).toMatchObject({ status: 'create', from: 'busybox', Type: 'container', Action: 'create', scope: 'local' });
    const nano = /"timeNano":(\d+)/.exec(lines[0]!)![1]!;
    expect(nano).toHaveLength(19);
    expect(BigInt(nano) / 1_000_000_000n).toBe(BigInt(m.time));
    expect(past(['-f', 'container=once', '-f', 'event=create', '--format', 'json'])).toEqual(lines);
  });

  it('filters: label, image, type; values of one key are alternatives', () => {
    expect(past(['-f', 'label=team=blue', '--format', '{{.Action}}'])).toEqual(['create', 'attach', 'start', 'die', 'destroy']);
    expect(past(['-f', 'label=team=red'])).toEqual([]);
    const both = past(['-f', 'event=create', '-f', 'event=destroy', '-f', 'container=once', '--format', '{{.Action}}']);
    expect(both).toEqual(['create', 'destroy']);
    expect(past(['-f', 'image=busybox', '-f', 'event=create', '--format', '{{.Actor.Attributes.name}}'])).toEqual(['once', 'kk', 'ex']);
  });

  it('bad input: an unknown filter, a filter without =, a bad time: one line each', () => {
    let r = md.run(['events', '--filter', 'bogus=1', '--until', '0s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error response from daemon: invalid filter 'bogus'\n");
    r = md.run(['events', '--filter', 'container', '--until', '0s']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('bad format of filter (expected name=value)');
    // the docker CLI parses --since itself: its plain line, exit 1 (cli-daemon-values' recording)
    r = md.run(['events', '--since', 'yesterday', '--until', '0s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('failed to parse value as time or duration: "yesterday"\n');
  });

  it('--since accepts durations and RFC 3339 times; --until in the past ends at once', () => {
    expect(md.ok(['events', '--since', '10m', '--until', '0s', '-f', 'container=once', '--format', '{{.Action}}']).split('\n')[0]).toBe('create');
    const iso = new Date(Date.now() - 600_000).toISOString();
    expect(md.ok(['events', '--since', iso, '--until', new Date().toISOString(), '-f', 'container=once', '--format', '{{.Action}}']).split('\n')).toHaveLength(5);
    expect(md.ok(['events', '--since', '1s', '--until', stamp(), '-f', 'container=once'])).toBe('');
  });

  it('without --until it follows new events until interrupted (exit 0); --until in the future ends then', async () => {
    const [cmd, ...pre] = md.prefix;
    const child = spawn(cmd!, [...pre, process.execPath, '--', BIN, 'events', '--filter', 'container=live', '--format', '{{.Action}}'], { env: md.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await sleep(700);
    md.ok(['run', '--rm', '--network', 'none', '--name', 'live', 'busybox', 'true']);
    for (let i = 0; i < 100 && !out.includes('destroy'); i++) await sleep(50);
    expect(out.trim().split('\n')).toEqual(['create', 'attach', 'start', 'die', 'destroy']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);

    const t = Date.now();
    const r = await md.runAsync(['events', '--until', ((Date.now() + 1500) / 1000).toFixed(3)]);
    expect(r.code).toBe(0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1400);
  });

  it('the journal is bounded: it rotates at MINIDOCK_EVENTS_MAX_BYTES and both files are read', () => {
    const small = new Minidock({ MINIDOCK_EVENTS_MAX_BYTES: '2000' });
    try {
      const since = stamp();
      for (let i = 0; i < 3; i++) small.ok(['run', '--rm', '--network', 'none', '--name', `r${i}`, 'busybox', 'true']);
      const log = join(small.root, 'events.log');
      expect(existsSync(`${log}.1`)).toBe(true);
      expect(statSync(log).size).toBeLessThan(2000 + 4096);
      expect(statSync(`${log}.1`).size).toBeLessThan(2000 + 4096);
      const all = small.ok(['events', '--since', since, '--until', stamp(), '-f', 'event=destroy', '--format', '{{.Actor.Attributes.name}}']).split('\n');
      expect(all).toContain('r2');
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).every((l) => JSON.parse(l).Type)).toBe(true);
    } finally {
      small.cleanup();
    }
  });
});
