// ps --filter/-n/-l as Docker's daemon decides them. Every expectation is what moby v20.10's
// daemon/list.go (foldFilter, includeContainerInList) and api/types/filters/parse.go do with the
// same input; the line comments name the rule.
import { describe, expect, it } from 'vitest';
import { foldFilters, parseFilterFlags, selectContainers, type PsSnapshot } from '../../src/engine/container/psfilter.js';
import { displayablePorts, ellipsis, goQuote, labelHeader, psCommand } from '../../src/engine/container/views.js';

function snap(name: string, over: Partial<PsSnapshot> = {}): PsSnapshot {
  return {
    id: name.padEnd(64, '0').replace(/[^0-9a-f]/g, 'f'),
    name,
    created: '2026-01-01T00:00:00Z',
    running: true,
    state: 'running',
    exitCode: 0,
    started: true,
    labels: {},
    imageId: 'sha256:img',
    health: 'none',
    mounts: [],
    networks: { bridge: 'netbridge0' },
    ports: [],
    ...over,
  };
}

// newest first, as ps lists them
const ALL = [
  snap('web', { id: 'a1'.padEnd(64, '1'), labels: { app: 'web', tier: 'front' }, ports: [{ privatePort: 80, publicPort: 8080, type: 'tcp' }] }),
  snap('db', { id: 'b2'.padEnd(64, '2'), labels: { app: 'db' }, mounts: [{ source: '/srv/db', destination: '/data' }], networks: { back: 'netback1' } }),
  snap('job', { id: 'c3'.padEnd(64, '3'), running: false, state: 'exited', exitCode: 3 }),
  snap('new', { id: 'd4'.padEnd(64, '4'), running: false, state: 'created', started: false }),
  snap('old', { id: 'e5'.padEnd(64, '5'), running: false, state: 'exited', exitCode: 0, imageId: 'sha256:other' }),
];
const look = {
  container: (ref: string) => ALL.find((s) => s.id === ref || s.name === ref || s.id.startsWith(ref)),
  imageId: (ref: string) => ({ busybox: 'sha256:img', alpine: 'sha256:other' })[ref],
};
const names = (flags: string[], o: { all?: boolean; limit?: number } = {}) =>
  selectContainers(ALL, foldFilters(parseFilterFlags(flags), look), { all: !!o.all, limit: o.limit ?? -1 }).map((s) => s.name);

describe('ps filters', () => {
  it('shows running containers only, unless -a, a status filter or a limit', () => {
    expect(names([])).toEqual(['web', 'db']);
    expect(names([], { all: true })).toEqual(['web', 'db', 'job', 'new', 'old']);
    expect(names(['status=exited'])).toEqual(['job', 'old']); // a status filter sets All
    expect(names([], { limit: 3 })).toEqual(['web', 'db', 'job']); // -n 3: every state
    expect(names([], { limit: 1 })).toEqual(['web']); // -l
  });

  it('ORs the values of one key and ANDs different keys', () => {
    expect(names(['status=exited', 'status=created'])).toEqual(['job', 'new', 'old']);
    expect(names(['status=exited', 'exited=3'])).toEqual(['job']);
    expect(names(['name=web', 'name=db'])).toEqual(['web', 'db']);
    expect(names(['name=web', 'status=exited'])).toEqual([]);
  });

  it('requires every label value (MatchKVList), key alone or key=value', () => {
    expect(names(['label=app'])).toEqual(['web', 'db']);
    expect(names(['label=app=web'])).toEqual(['web']);
    expect(names(['label=app', 'label=tier=front'])).toEqual(['web']);
    expect(names(['label=app=web', 'label=app=db'])).toEqual([]); // both must hold
  });

  it('matches name, id and status as unanchored regular expressions', () => {
    expect(names(['name=^/w'])).toEqual(['web']); // against "/web" too
    expect(names(['name=b'], { all: true })).toEqual(['web', 'db', 'job']); // substring
    expect(names(['id=b2'])).toEqual(['db']);
    expect(names(['id=' + ALL[0]!.id])).toEqual(['web']);
  });

  it('exited ignores never-started containers; before/since cut the newest-first list', () => {
    expect(names(['exited=0'], { all: true })).toEqual(['old']);
    expect(names(['before=db'], { all: true })).toEqual(['job', 'new', 'old']);
    expect(names(['since=job'], { all: true })).toEqual(['web', 'db']);
    expect(names(['since=job', 'before=web'], { all: true })).toEqual(['db']);
  });

  it('volume by destination or source, network by name or id prefix, ancestor by image', () => {
    expect(names(['volume=/data'])).toEqual(['db']);
    expect(names(['volume=/srv/db'])).toEqual(['db']);
    expect(names(['network=back'])).toEqual(['db']);
    expect(names(['network=netbr'])).toEqual(['web']);
    expect(names(['ancestor=alpine'], { all: true })).toEqual(['old']);
    expect(names(['ancestor=nosuchimage'], { all: true })).toEqual([]); // Docker only logs a warning
  });

  it('publish by host port, expose by container port, ranges and protocols', () => {
    expect(names(['publish=8080'])).toEqual(['web']);
    expect(names(['publish=80'])).toEqual([]);
    expect(names(['expose=80/tcp'])).toEqual(['web']);
    expect(names(['expose=79-81'])).toEqual(['web']);
    expect(names(['expose=80/udp'])).toEqual([]);
  });

  it('health: none without a healthcheck; is-task false for every container', () => {
    expect(names(['health=none'])).toEqual(['web', 'db']);
    expect(names(['health=healthy'])).toEqual([]);
    expect(names(['is-task=false'])).toEqual(['web', 'db']);
    expect(names(['is-task=true'])).toEqual([]);
  });

  it("refuses what Docker's daemon refuses (exit 1) and a malformed flag as a flag error (125)", () => {
    const err = (flags: string[]) => {
      try {
        names(flags);
      } catch (e) {
        return [(e as Error).message, (e as { exitCode: number }).exitCode];
      }
      return undefined;
    };
    expect(err(['foo=bar'])).toEqual(["Error response from daemon: Invalid filter 'foo'", 1]);
    expect(err(['status=zzz'])).toEqual(["Error response from daemon: Invalid filter 'status=zzz'", 1]);
    expect(err(['exited=x'])).toEqual(['Error response from daemon: strconv.Atoi: parsing "x": invalid syntax', 1]);
    expect(err(['health=meh'])).toEqual(['Error response from daemon: Unrecognised filter value for health: meh', 1]);
    expect(err(['before=nosuch'])).toEqual(['Error response from daemon: No such container: nosuch', 1]);
    expect(err(['publish=80:80'])).toEqual(["Error response from daemon: filter for 'publish' should not contain ':': 80:80", 1]);
    expect(err(['nokey'])).toEqual(['invalid argument "nokey" for "-f, --filter" flag: bad format of filter (expected name=value)', 125]);
    // opts.FilterOpt: the key is lower-cased and both sides trimmed
    expect(names([' NAME = web '])).toEqual(['web']);
  });
});

describe("ps's formatting helpers (docker/cli formatter)", () => {
  it('COMMAND: args with a space quoted, cut to 20 columns with …, then strconv.Quote', () => {
    const cmd = psCommand('sh', ['-c', 'echo hello world']);
    expect(cmd).toBe("sh -c 'echo hello world'");
    expect(goQuote(ellipsis(cmd, 20))).toBe(`"sh -c 'echo hello w…"`);
    expect(goQuote(ellipsis('sleep 300', 20))).toBe('"sleep 300"');
    expect(goQuote('a"b\\c\n\x01')).toBe('"a\\"b\\\\c\\n\\x01"');
    expect(ellipsis('日本語日本語日本語日本語', 20)).toBe('日本語日本語日本語…'); // wide runes count 2
  });

  it('PORTS: DisplayablePorts groups consecutive ports, host mappings last', () => {
    expect(displayablePorts([{ ip: '0.0.0.0', privatePort: 80, publicPort: 8080, type: 'tcp' }])).toBe('0.0.0.0:8080->80/tcp');
    expect(displayablePorts([
      { ip: '', privatePort: 9001, publicPort: 0, type: 'tcp' },
      { ip: '', privatePort: 9000, publicPort: 0, type: 'tcp' },
      { ip: '0.0.0.0', privatePort: 53, publicPort: 53, type: 'udp' },
    ])).toBe('0.0.0.0:53->53/udp, 9000-9001/tcp');
  });

  it('the header of {{.Label "com.example.vendor"}} is its last dotted part (SubHeaderContext.Label)', () => {
    expect(labelHeader('com.example.vendor')).toBe('vendor');
    expect(labelHeader('my_label-x')).toBe('my label x');
  });
});
