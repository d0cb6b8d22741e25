// The parsers of -v, --mount, --volumes-from and the local driver's options (src/engine/volume/),
// and the precedence planMounts applies: --volumes-from, then the image's VOLUMEs, then -v/--mount.
import { describe, expect, it } from 'vitest';
import { mountOrder, parseMountFlag, parseVolumeFlag, parseVolumesFrom, planMounts, mountSpecPoint, type MountPoint, type ShimMount } from '../../src/engine/volume/mounts.js';
import { isVolumeName, validateOptions, validateVolumeName } from '../../src/engine/volume/store.js';

const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('-v', () => {
  it('bind, named, anonymous', () => {
    expect(parseVolumeFlag('/tmp:/x:ro')).toMatchObject({ Type: 'bind', Source: '/tmp', Destination: '/x', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    expect(parseVolumeFlag('data:/var/lib/x/')).toMatchObject({ Type: 'volume', Name: 'data', Destination: '/var/lib/x', Mode: 'z', RW: true, CopyData: true });
    expect(parseVolumeFlag('data:/x:ro,nocopy')).toMatchObject({ RW: false, CopyData: false, Mode: 'ro,nocopy' });
    expect(parseVolumeFlag('/only')).toMatchObject({ Type: 'volume', Name: '', Destination: '/only', Anonymous: true });
  });
  it("Docker's errors", () => {
    expect(err(() => parseVolumeFlag('a/b:/x'))).toMatch(/^Error response from daemon: create a\/b: "a\/b" includes invalid characters for a local volume name/);
    expect(err(() => parseVolumeFlag('data:rel'))).toBe(`Error response from daemon: invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`);
    expect(err(() => parseVolumeFlag('rel'))).toMatch(/mount path must be absolute/);
    expect(err(() => parseVolumeFlag('data:/'))).toMatch(/destination can't be '\/'/);
    expect(err(() => parseVolumeFlag('data:/x:bogus'))).toBe('Error response from daemon: invalid mode: bogus');
    expect(err(() => parseVolumeFlag('data:/x:ro,rw'))).toBe('Error response from daemon: invalid mode: ro,rw');
    expect(err(() => parseVolumeFlag('data:/x:nocopy,nocopy'))).toBe('Error response from daemon: invalid mode: nocopy,nocopy');
    expect(err(() => parseVolumeFlag('a:b:c:d'))).toBe(`Error response from daemon: invalid volume specification: 'a:b:c:d'`);
    expect(err(() => parseVolumeFlag('data:/x\n'))).toMatch(/control character/);
  });
});

describe('--mount', () => {
  it("reads Docker's fields", () => {
    expect(parseMountFlag('type=bind,source=/tmp,target=/x,readonly')).toEqual({ Type: 'bind', Source: '/tmp', Target: '/x', ReadOnly: true });
    expect(parseMountFlag('type=bind,src=/tmp,dst=/x,ro=false,bind-propagation=rprivate')).toEqual({ Type: 'bind', Source: '/tmp', Target: '/x', ReadOnly: false, BindOptions: { Propagation: 'rprivate' } });
    expect(parseMountFlag('source=vv,target=/x,volume-nocopy,volume-label=a=b,volume-opt=type=tmpfs')).toEqual({
      Type: 'volume', Source: 'vv', Target: '/x', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { type: 'tmpfs' } } },
    });
    expect(parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770')).toEqual({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 } });
    expect(mountSpecPoint(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=1k,ro'))).toMatchObject({ Type: 'tmpfs', TmpfsOptions: 'size=1024,ro', RW: false });
    expect(mountSpecPoint(parseMountFlag('target=/anon'))).toMatchObject({ Type: 'volume', Anonymous: true, CopyData: true });
  });
  it("Docker's errors", () => {
    expect(err(() => parseMountFlag('type=bind,target=/x'))).toBe('invalid mount config for type "bind": field Source must not be empty');
    expect(err(() => parseMountFlag('type=bind,source=rel,target=/x'))).toMatch(/'rel' mount path must be absolute/);
    expect(err(() => parseMountFlag('type=volume,source=v'))).toBe('invalid argument "type=volume,source=v" for "--mount" flag: target is required');
    expect(err(() => parseMountFlag('type=tmpfs,source=x,target=/t'))).toBe('invalid mount config for type "tmpfs": field Source must not be specified');
    expect(err(() => parseMountFlag('type=volume,target=/t,bind-propagation=rshared'))).toBe(`invalid argument "type=volume,target=/t,bind-propagation=rshared" for "--mount" flag: cannot mix 'bind-*' options with mount type 'volume'`);
    expect(err(() => parseMountFlag('type=bind,source=/tmp,target=/t,tmpfs-size=1m'))).toBe(`invalid argument "type=bind,source=/tmp,target=/t,tmpfs-size=1m" for "--mount" flag: cannot mix 'tmpfs-*' options with mount type 'bind'`);
    expect(err(() => parseMountFlag('type=bind,source=/tmp,target=/t,bind-propagation=rshared'))).toMatch(/not supported by minidock/);
    expect(err(() => parseMountFlag('type=nfs,target=/t'))).toBe('Error response from daemon: invalid mount config for type "nfs": mount type unknown');
    expect(err(() => parseMountFlag('target=/t,foo=bar'))).toBe(`invalid argument "target=/t,foo=bar" for "--mount" flag: unexpected key 'foo' in 'foo=bar'`);
    expect(err(() => parseMountFlag('target=/t,junk'))).toMatch(/invalid field 'junk' must be a key=value pair/);
    expect(err(() => parseMountFlag('target=/t,readonly=maybe'))).toMatch(/invalid value for readonly: maybe/);
    expect(err(() => parseMountFlag('source=a/b,target=/t'))).toMatch(/invalid characters for a local volume name/);
    expect(err(() => parseMountFlag('target=/t,volume-driver=nfs'))).toMatch(/volume driver nfs is not supported/);
  });
});

describe('--volumes-from', () => {
  it('CONTAINER[:ro|rw]', () => {
    expect(parseVolumesFrom('web')).toEqual({ ref: 'web', mode: undefined });
    expect(parseVolumesFrom('web:ro')).toEqual({ ref: 'web', mode: 'ro' });
    expect(err(() => parseVolumesFrom('web:xx'))).toBe('invalid mode for --volumes-from: web:xx');
  });
});

describe('planMounts', () => {
  const donor: MountPoint[] = [
    { Type: 'volume', Name: 'shared', Source: '/s', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '', Anonymous: true, CopyData: true },
    { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
  ];
  const plan = (o: Partial<Parameters<typeof planMounts>[0]>) =>
    planMounts({ volume: [], mount: [], volumesFrom: [], imageVolumes: [], tmpfs: [], pointsOf: (r) => (r === 'donor' ? donor : undefined), ...o });

  it('precedence, sorting, Binds and Config.Volumes', () => {
    const p = plan({ volumesFrom: ['donor:ro'], imageVolumes: ['/data', '/img', '/img/sub'], volume: ['/tmp:/img/sub', 'named:/n', '/anon'] });
    expect(p.points.map((x) => [x.Destination, x.Type, x.Name ?? x.Source])).toEqual([
      ['/data', 'volume', 'shared'], // from the donor, not the image's anonymous one
      ['/img', 'volume', ''],
      ['/n', 'volume', 'named'],
      ['/anon', 'volume', ''],
      ['/img/sub', 'bind', '/tmp'], // -v over the image's VOLUME, and after its parent
    ]);
    expect(p.points[0]).toMatchObject({ RW: false, Anonymous: false, CopyData: false }); // :ro, and not ours
    expect(p.binds).toEqual(['/tmp:/img/sub', 'named:/n']);
    expect(p.configVolumes).toEqual({ '/data': {}, '/img': {}, '/img/sub': {}, '/anon': {} });
    expect(p.points.some((x) => x.Destination === '/t')).toBe(false); // tmpfs is not shared by --volumes-from
  });
  it('refuses duplicates, missing bind sources, unknown containers — before anything is made', () => {
    expect(err(() => plan({ volume: ['aa:/x'], mount: ['source=bb,target=/x'] }))).toBe('Duplicate mount point: /x');
    expect(err(() => plan({ volume: ['aa:/x', '/x'] }))).toBe('Duplicate mount point: /x');
    expect(err(() => plan({ volume: ['aa:/x'], tmpfs: ['/x'] }))).toBe('Duplicate mount point: /x');
    expect(err(() => plan({ mount: ['type=bind,source=/nonexistent-md,target=/x'] }))).toMatch(/bind source path does not exist: \/nonexistent-md/);
    expect(err(() => plan({ volumesFrom: ['ghost'] }))).toBe('Error response from daemon: No such container: ghost');
    expect(plan({ imageVolumes: ['/v'], tmpfs: ['/v'] }).points).toEqual([]); // --tmpfs wins over the image's VOLUME
  });
});

describe('volume names and local driver options', () => {
  it("Docker's name rule, bounded", () => {
    for (const ok of ['ab', 'a.b-c_d', '0x']) expect(isVolumeName(ok)).toBe(true);
    for (const bad of ['a', '-ab', '.ab', 'a/b', 'a b', '..', 'x'.repeat(129)]) expect(isVolumeName(bad)).toBe(false);
    expect(err(() => validateVolumeName('x'.repeat(129)))).toMatch(/at most 128 characters/);
  });
  it('tmpfs and bind options; other types refused', () => {
    expect(() => validateOptions({})).not.toThrow();
    expect(() => validateOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=10m,uid=1000,mode=0700' })).not.toThrow();
    expect(() => validateOptions({ type: 'none', o: 'bind', device: '/srv' })).not.toThrow();
    expect(err(() => validateOptions({ type: 'tmpfs', o: 'size=10m,evil=1' }))).toBe('Error response from daemon: create : invalid tmpfs option "evil=1" in o=size=10m,evil=1');
    expect(err(() => validateOptions({ type: 'none', o: 'bind', device: 'rel' }))).toMatch(/device=\/absolute/);
    expect(err(() => validateOptions({ type: 'none', o: 'remount' }))).toMatch(/o=bind/);
    expect(err(() => validateOptions({ type: 'nfs', o: 'addr=1.2.3.4', device: ':/x' }))).toMatch(/type=nfs is not supported/);
    expect(err(() => validateOptions({ color: 'red' }, 1, 'vv'))).toBe('Error response from daemon: create vv: invalid option key: "color"');
  });
});

describe('mountOrder', () => {
  it('parents before children whatever their kinds, stable otherwise', () => {
    const m: ShimMount[] = [
      ['bind', ['/s1', '/a/b', 'rw']],
      ['bind', ['/s2', '/z', 'rw']],
      ['tmpfs', ['/a/']],
      ['tmpfs', ['/a/b/c', 'size=1m']],
      ['bind', ['/s3', '/y', 'ro']],
    ];
    expect(mountOrder(m).map((x) => (x[0] === 'bind' ? x[1][1] : x[1][0]))).toEqual(['/z', '/a/', '/y', '/a/b', '/a/b/c']);
  });
});
