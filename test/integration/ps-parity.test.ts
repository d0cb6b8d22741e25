// Issue 13, ps: --filter, -l, -n, -s, --format json/table with Docker's headers and COMMAND
// quoting, against real containers. Expected outputs are Docker's, written out literally; each
// comment names where it comes from (docker/cli v20.10 cli/command/formatter/container.go and
// formatter.go, moby v20.10 daemon/list.go and container/view.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const PS_USAGE = "\n\nUsage:  minidock ps [OPTIONS]\n\nRun 'minidock ps --help' for more information";

const md = new Minidock();
const empty = new Minidock();
const dataDir = mkdtempSync(join(tmpdir(), 'mdps-'));
const names = (args: string[]) => md.ok(['ps', ...args, '--format', '{{.Names}}']).split('\n').filter(Boolean);

beforeAll(() => {
  md.ok(['run', '-d', '--name', 'web', '-p', '8080:80', '-l', 'app=web', '-l', 'com.example.vendor=acme', 'busybox', 'sh', '-c', 'echo hello world; sleep 300']);
  md.ok(['run', '-d', '--name', 'db', '-v', `${dataDir}:/data`, '-l', 'app=db', 'busybox', 'sleep', '300']);
  expect(md.run(['run', '--name', 'job', 'busybox', 'sh', '-c', 'exit 3']).code).toBe(3);
  md.ok(['create', '--name', 'fresh', 'busybox', 'true']);
}, 120_000);

afterAll(() => {
  md.cleanup();
  empty.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ps output as Docker prints it', () => {
  it('the empty table is Docker\'s header, padded by tabwriter (minwidth 10, padding 3)', () => {
    // `docker ps` on an engine without containers prints exactly this line
    expect(empty.run(['ps']).stdout).toBe('CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
    expect(empty.run(['ps', '-s']).stdout).toBe('CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES     SIZE\n');
  });

  it('COMMAND: an arg with a space in single quotes, cut at 20 columns with …, Go-quoted', () => {
    // moby container/view.go builds "sh -c 'echo hello world; sleep 300'"; Ellipsis(…, 20) + strconv.Quote
    expect(md.ok(['ps', '-f', 'name=web', '--format', '{{.Command}}'])).toBe(`"sh -c 'echo hello w…"`);
    expect(md.ok(['ps', '-f', 'name=web', '--no-trunc', '--format', '{{.Command}}'])).toBe(`"sh -c 'echo hello world; sleep 300'"`);
    const ps = md.ok(['ps']);
    expect(ps.split('\n')[0]).toMatch(/^CONTAINER ID   IMAGE     COMMAND                  CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(ps).toMatch(/^[0-9a-f]{12}   busybox   "sh -c 'echo hello w…"   .* ago\s+Up .*   0\.0\.0\.0:8080->80\/tcp   web$/m);
  });

  it('--format json is {{json .}}: docker 28\'s 15 fields in Go\'s key order, Label left out', () => {
    const lines = md.ok(['ps', '-a', '--format', 'json']).split('\n');
    expect(lines).toHaveLength(4);
    const web = JSON.parse(lines.find((l) => l.includes('"Names":"web"'))!);
    expect(Object.keys(web)).toEqual(['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
    expect(web).toMatchObject({
      Command: `"sh -c 'echo hello w…"`,
      Image: 'busybox',
      Labels: 'app=web,com.example.vendor=acme', // sorted k=v, as docker/cli's Labels()
      LocalVolumes: '0',
      Networks: 'bridge',
      Platform: null,
      Ports: '0.0.0.0:8080->80/tcp', // the line has `-\u003e` (json.Marshal escapes HTML)
      State: 'running',
    });
    expect(web.CreatedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/); // time.Unix(…).String()
    // the literal `json` asks for no sizes (docker/cli's FieldsUsed probe runs the word itself); {{json .}} does
    expect(web.Size).toBe('0B');
    const viaTemplate = md.ok(['ps', '-a', '--format', '{{json .}}']).split('\n').map((l) => JSON.parse(l));
    expect(viaTemplate.map((r) => r.Names)).toEqual(lines.map((l) => JSON.parse(l).Names));
    expect(viaTemplate.find((r) => r.Names === 'web').Size).toMatch(/^\d+(\.\d+)?[kMG]?B \(virtual [\d.]+MB\)$/);
  });

  it('table formats get Docker\'s header names (CONTAINER ID, CREATED AT, LABELS, …)', () => {
    const out = md.ok(['ps', '-a', '--format', 'table {{.ID}}\t{{.Names}}\t{{.State}}\t{{.CreatedAt}}\t{{.Labels}}\t{{.Networks}}\t{{.Mounts}}']).split('\n');
    expect(out[0]).toMatch(/^CONTAINER ID   NAMES\s+STATE\s+CREATED AT\s+LABELS\s+NETWORKS\s+MOUNTS$/);
    expect(out.find((l) => / db /.test(l))).toContain(dataDir.slice(0, 14) + '…'); // Mounts: Ellipsis(source, 15)
  });
});

describe('ps --filter, -n, -l', () => {
  it('running only by default; -a, a status filter, -n and -l show every state', () => {
    expect(names([])).toEqual(['db', 'web']);
    expect(names(['-a'])).toEqual(['fresh', 'job', 'db', 'web']);
    expect(names(['-f', 'status=exited'])).toEqual(['job']); // status implies -a (daemon sets All)
    expect(names(['-n', '2'])).toEqual(['fresh', 'job']);
    expect(names(['-l'])).toEqual(['fresh']);
    expect(md.ok(['ps', '-lq'])).toMatch(/^[0-9a-f]{12}$/);
  });

  it('same key OR, different keys AND; label values all must match', () => {
    expect(names(['-a', '-f', 'status=exited', '-f', 'status=created'])).toEqual(['fresh', 'job']);
    expect(names(['-a', '-f', 'status=exited', '-f', 'exited=3'])).toEqual(['job']);
    expect(names(['-f', 'label=app'])).toEqual(['db', 'web']);
    expect(names(['-f', 'label=app=web'])).toEqual(['web']);
    expect(names(['-f', 'label=app', '-f', 'label=com.example.vendor=acme'])).toEqual(['web']);
    expect(names(['-f', 'name=web', '-f', 'name=db'])).toEqual(['db', 'web']);
    expect(names(['-f', 'name=^/w'])).toEqual(['web']); // regexp against "/web"
  });

  it('id, ancestor, network, volume, publish, expose, health, before, since', () => {
    const dbId = md.ok(['inspect', '-f', '{{.Id}}', 'db']);
    expect(names(['-f', `id=${dbId.slice(0, 8)}`])).toEqual(['db']);
    expect(names(['-a', '-f', 'ancestor=busybox'])).toEqual(['fresh', 'job', 'db', 'web']);
    expect(names(['-a', '-f', 'ancestor=busybox:latest', '-f', 'exited=3'])).toEqual(['job']);
    expect(names(['-f', 'network=bridge'])).toEqual(['db', 'web']);
    expect(names(['-f', 'network=nosuchnet'])).toEqual([]);
    expect(names(['-f', 'volume=/data'])).toEqual(['db']);
    expect(names(['-f', `volume=${dataDir}`])).toEqual(['db']);
    expect(names(['-f', 'publish=8080'])).toEqual(['web']);
    expect(names(['-f', 'publish=8080/udp'])).toEqual([]);
    expect(names(['-f', 'expose=80'])).toEqual(['web']);
    expect(names(['-f', 'expose=79-81/tcp'])).toEqual(['web']);
    expect(names(['-f', 'health=none'])).toEqual(['db', 'web']);
    expect(names(['-a', '-f', 'before=job'])).toEqual(['db', 'web']);
    expect(names(['-a', '-f', 'since=db'])).toEqual(['fresh', 'job']);
  });

  it('bad filters: a daemon error (exit 1, as the docker CLI prints it) or a flag error (125), one line', () => {
    const cases: [string[], number, string][] = [
      [['-f', 'color=red'], 1, "Error response from daemon: Invalid filter 'color'"],
      [['-f', 'status=sleeping'], 1, "Error response from daemon: Invalid filter 'status=sleeping'"],
      [['-f', 'exited=abc'], 1, 'Error response from daemon: strconv.Atoi: parsing "abc": invalid syntax'],
      [['-f', 'health=great'], 1, 'Error response from daemon: Unrecognised filter value for health: great'],
      [['-f', 'before=nosuch'], 1, 'Error response from daemon: No such container: nosuch'],
      [['-f', 'expose=80:80'], 1, "Error response from daemon: filter for 'expose' should not contain ':': 80:80"],
      // the CLI's own checks of the flags: with its usage block (cli-flag-values.test.ts)
      [['-f', 'justakey'], 125, `invalid argument "justakey" for "-f, --filter" flag: bad format of filter (expected name=value)${PS_USAGE}`],
      [['-n', 'x'], 125, `invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax${PS_USAGE}`],
    ];
    for (const [args, code, line] of cases) {
      const r = md.run(['ps', ...args]);
      expect([r.code, r.stderr, r.stdout], args.join(' ')).toEqual([code, line + '\n', '']);
    }
  });
});

describe('ps -s', () => {
  it('SIZE: the upper dir, and virtual with the image (units.HumanSizeWithPrecision, 3 digits)', () => {
    md.ok(['exec', 'db', 'sh', '-c', 'head -c 1000 /dev/zero > /f1; head -c 1000 /dev/zero > /f2; ln /f2 /f3']);
    const imgSize = Number(md.ok(['image', 'inspect', '-f', '{{.Size}}', 'busybox']));
    const virtual = `${Number(((imgSize + 2000) / 1e6).toPrecision(3))}MB`;
    const table = md.ok(['ps', '-s', '-f', 'name=db']).split('\n');
    expect(table[0]).toMatch(/   NAMES     SIZE$/);
    // 2000 bytes: the hard link counts once, as Docker's directory.Size
    expect(table[1]).toMatch(new RegExp(`   db        2kB \\(virtual ${virtual.replace('.', '\\.')}\\)$`));
    // a template naming .Size gets sizes without -s (docker/cli's FieldsUsed probe)
    expect(md.ok(['ps', '-f', 'name=db', '--format', '{{.Size}}'])).toBe(`2kB (virtual ${virtual})`);
  });
});
