// Issue 13, volumes: `volume create|ls|inspect|rm|prune` (the local driver: plain, type=tmpfs,
// type=none with o=bind), `-v NAME:/path` and `-v /path`, `--mount`, the image's VOLUMEs with
// their content copied in on first use (never through a symlink out of the image), `rm -v`,
// `run --rm`, `--volumes-from`, `system prune --volumes`, and the inspect fields Docker has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';
import { busyboxEntries } from '../helpers/registry.js';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';
import { END, entry, pax } from '../helpers/tar-cases.js';

const md = new Minidock();
const tmp = mkdtempSync(join(tmpdir(), 'mdvol-'));
/** A host directory a hostile image aims at with its symlinks. */
const hostDir = join(tmp, 'host-dir');
const run = (...a: string[]) => md.run(['run', '--rm', '--network', 'none', ...a]);
const inspect = (ref: string) => JSON.parse(md.ok(['inspect', ref]))[0];
const vol = (name: string) => JSON.parse(md.ok(['volume', 'inspect', name]))[0];

beforeAll(() => {
  mkdirSync(hostDir);
  writeFileSync(join(hostDir, 'hostonly'), 'host content\n');
  const entries: TarEntry[] = [
    ...busyboxEntries(['sh', 'cat', 'ls', 'echo', 'stat', 'readlink', 'test', 'true', 'mount', 'grep', 'touch']),
    { path: 'tmp', type: 'dir', mode: 0o1777 },
    { path: 'data', type: 'dir', mode: 0o750, uid: 1000, gid: 1001 },
    { path: 'data/hello', type: 'file', mode: 0o640, uid: 1000, gid: 1001, data: 'from the image\n', mtime: 1_000_000_000 },
    { path: 'data/sub', type: 'dir', mode: 0o700 },
    { path: 'data/sub/deep', type: 'file', mode: 0o4755, data: 'deep\n' },
    { path: 'data/escape', type: 'symlink', linkname: hostDir }, // absolute, to a host directory
    { path: 'data/up', type: 'symlink', linkname: '../tmp' }, // relative, inside
    // a VOLUME path that is itself a symlink to the host directory: resolved inside the root
    { path: 'linked', type: 'symlink', linkname: hostDir },
  ];
  writeFileSync(join(tmp, 'img.tar'), buildTar(entries));
  md.ok(['import', '-c', 'VOLUME ["/data", "/linked"]', '-c', 'CMD ["true"]', join(tmp, 'img.tar'), 'volimg']);
  // deep trees: the copy recurses on the shim child's small stack, and is bounded (128 levels);
  // paths that long need pax headers
  const deep = (levels: number): Buffer => {
    const base = buildTar([...busyboxEntries(['sh', 'true']), { path: 'deep', type: 'dir', mode: 0o755 }]);
    const parts: Buffer[] = [base.subarray(0, base.length - 1024)];
    let p = 'deep';
    for (let i = 0; i < levels; i++) parts.push(pax([['path', (p += '/d') + '/']]), entry({ name: 'x/', type: '5', mode: '0000755\0' }));
    parts.push(pax([['path', `${p}/leaf`]]), entry({ name: 'leaf', type: '0', mode: '0000644\0' }, 'leaf\n'), END);
    return Buffer.concat(parts);
  };
  writeFileSync(join(tmp, 'deep.tar'), deep(120));
  md.ok(['import', '-c', 'VOLUME /deep', '-c', 'CMD ["true"]', join(tmp, 'deep.tar'), 'voldeep']);
  writeFileSync(join(tmp, 'deeper.tar'), deep(140));
  md.ok(['import', '-c', 'VOLUME /deep', '-c', 'CMD ["true"]', join(tmp, 'deeper.tar'), 'voldeeper']);
}, 120_000);

afterAll(() => {
  md.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('volume commands', () => {
  it('create, ls, inspect, rm as Docker', () => {
    expect(md.ok(['volume', 'create', 'v1'])).toBe('v1');
    expect(md.ok(['volume', 'create', 'v1'])).toBe('v1'); // an existing one: no error, as Docker
    expect(md.ok(['volume', 'create', '--label', 'team=a', '--label', 'x', 'v2'])).toBe('v2');
    const anon = md.ok(['volume', 'create']).trim();
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    const i = vol('v2');
    expect(Object.keys(i)).toEqual(['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    expect(i).toMatchObject({ Driver: 'local', Labels: { team: 'a', x: '' }, Mountpoint: join(md.root, 'volumes/v2/_data'), Name: 'v2', Options: null, Scope: 'local' });
    expect(i.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(statSync(i.Mountpoint).isDirectory()).toBe(true);
    expect(md.ok(['volume', 'ls'])).toBe(`DRIVER    VOLUME NAME\nlocal     ${anon}\nlocal     v1\nlocal     v2`);
    expect(md.ok(['volume', 'ls', '-q', '--filter', 'label=team=a'])).toBe('v2');
    expect(md.ok(['volume', 'ls', '-q', '--filter', 'label=team=b'])).toBe('');
    expect(md.ok(['volume', 'ls', '-q', '--filter', 'name=v'])).toBe('v1\nv2');
    expect(md.ok(['volume', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}', '-f', 'name=v1'])).toBe('v1 local local');
    expect(md.ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'v1'])).toBe(join(md.root, 'volumes/v1/_data'));
    expect(JSON.parse(md.ok(['inspect', 'v1']))).toEqual([vol('v1')]); // plain inspect finds volumes too, as Docker's
    expect(md.ok(['inspect', '--type', 'volume', '-f', '{{.Name}}', 'v1'])).toBe('v1');
    expect(md.run(['inspect', '--type', 'volume', 'nosuch']).stderr).toBe('Error response from daemon: get nosuch: no such volume\n');
    expect(md.ok(['volume', 'ls', '--format', 'table {{.Name}}\t{{.Driver}}', '-f', 'name=v'])).toBe('VOLUME NAME   DRIVER\nv1            local\nv2            local');
    expect(JSON.parse(md.ok(['volume', 'ls', '--format', 'json', '-f', 'name=v2']))).toMatchObject({ Name: 'v2', Driver: 'local', Labels: 'team=a,x=', Scope: 'local' });
    expect(md.ok(['volume', 'rm', 'v1', anon])).toBe(`v1\n${anon}`);
    expect(existsSync(join(md.root, 'volumes/v1'))).toBe(false);
    md.ok(['volume', 'rm', 'v2']);
  });

  it('bad input: one line, exit 1, nothing made', () => {
    const r = md.run(['volume', 'create', 'a/b']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^Error response from daemon: create a\/b: "a\/b" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/);
    expect(md.run(['volume', 'create', 'x'.repeat(200)]).code).toBe(1);
    expect(md.run(['volume', 'create', '-o', 'type=ext4', '-o', 'device=/dev/sda1', 'ee']).stderr).toMatch(/type=ext4 is not supported/);
    expect(md.run(['volume', 'create', '-o', 'type=tmpfs', '-o', 'o=size=1m,evil', 'tt']).code).not.toBe(0);
    expect(md.run(['volume', 'create', '-d', 'nfs', 'nn']).stderr).toMatch(/plugin "nfs" not found/);
    const missing = md.run(['volume', 'inspect', 'nosuch']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error response from daemon: get nosuch: no such volume\n']);
    const rm = md.run(['volume', 'rm', 'nosuch']);
    expect([rm.code, rm.stderr]).toEqual([1, 'minidock: Error response from daemon: get nosuch: no such volume\n'.replace('minidock: ', '')]);
    expect(md.run(['volume', 'rm', '-f', 'nosuch']).code).toBe(0);
    expect(md.ok(['volume', 'ls', '-q'])).toBe('');
  });
});

describe('named and anonymous volumes in containers', () => {
  it('-v NAME:/path is made on first use, keeps its content, :ro is read-only', () => {
    expect(run('-v', 'keep:/store', 'volimg', 'sh', '-c', 'echo kept > /store/f').code).toBe(0);
    expect(vol('keep').Labels).toBeNull(); // named: not anonymous
    const r = run('-v', 'keep:/store:ro', 'volimg', 'sh', '-c', 'cat /store/f; touch /store/g');
    expect(r.stdout).toBe('kept\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.code).toBe(1);
  });

  it('--dry-run makes no volume', () => {
    const r = md.run(['run', '--dry-run', '--network', 'none', '-v', 'dryvol:/x', '-v', '/anon', 'volimg', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(md.ok(['volume', 'ls', '-q'])).not.toContain('dryvol');
    expect(existsSync(join(md.root, 'volumes/dryvol'))).toBe(false);
  });

  it('refuses to remove a volume a container (even stopped) uses, with Docker\'s message', () => {
    const id = md.ok(['create', '--network', 'none', '-v', 'busy:/b', 'volimg']).trim();
    const r = md.run(['volume', 'rm', 'busy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error response from daemon: remove busy: volume is in use - [${id}]\n`);
    expect(md.run(['volume', 'rm', '-f', 'busy']).code).toBe(1);
    expect(md.ok(['volume', 'ls', '-q', '-f', 'dangling=false'])).toContain('busy');
    md.ok(['rm', id]);
    expect(md.ok(['volume', 'ls', '-q', '-f', 'dangling=true'])).toContain('busy');
    md.ok(['volume', 'rm', 'busy']);
  });

  it('inspect: Mounts, HostConfig.Binds and Mounts, Config.Volumes as Docker', () => {
    const src = join(tmp, 'bindsrc');
    mkdirSync(src, { recursive: true });
    const id = md.ok(['create', '--network', 'none', '-v', `${src}:/b:ro`, '-v', 'named:/n', '-v', '/anon', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m', '--mount', `type=bind,source=${src},target=/mb`, 'volimg']).trim();
    const c = inspect(id);
    const byDest = Object.fromEntries(c.Mounts.map((m: { Destination: string }) => [m.Destination, m]));
    expect(byDest['/b']).toEqual({ Type: 'bind', Source: src, Destination: '/b', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    expect(byDest['/n']).toEqual({ Type: 'volume', Name: 'named', Source: join(md.root, 'volumes/named/_data'), Destination: '/n', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });
    expect(byDest['/anon']).toMatchObject({ Type: 'volume', Driver: 'local', Mode: '', RW: true });
    expect(byDest['/anon'].Name).toMatch(/^[0-9a-f]{64}$/);
    expect(byDest['/data'].Name).toMatch(/^[0-9a-f]{64}$/); // the image's VOLUMEs
    expect(byDest['/linked'].Type).toBe('volume');
    expect(byDest['/t']).toEqual({ Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' });
    expect(byDest['/mb']).toMatchObject({ Type: 'bind', Source: src, RW: true });
    expect(c.HostConfig.Binds).toEqual([`${src}:/b:ro`, 'named:/n']);
    expect(c.HostConfig.Mounts).toEqual([{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576 } }, { Type: 'bind', Source: src, Target: '/mb' }]);
    expect(c.Config.Volumes).toEqual({ '/data': {}, '/linked': {}, '/anon': {} });
    expect(vol(byDest['/anon'].Name).Labels).toEqual({ 'com.docker.volume.anonymous': '' });
    // ps: Docker's .Mounts (a volume's name, else the source), .LocalVolumes, --filter volume=
    const ps = md.ok(['ps', '-a', '--no-trunc', '--filter', 'volume=named', '--format', '{{.ID}} {{.LocalVolumes}} {{.Mounts}}']);
    expect(ps.split(' ').slice(0, 2)).toEqual([id, '4']); // named, /anon and the image's two
    expect(ps.split(' ')[2]!.split(',')).toEqual(expect.arrayContaining(['named', src, byDest['/anon'].Name]));
    expect(md.ok(['ps', '-a', '-q', '--filter', 'volume=nosuchvol'])).toBe('');
    md.ok(['rm', '-v', id]);
    expect(existsSync(byDest['/anon'].Source)).toBe(false); // rm -v: anonymous ones gone
    expect(existsSync(byDest['/data'].Source)).toBe(false);
    expect(vol('named').Name).toBe('named'); // named ones stay, as Docker
    md.ok(['volume', 'rm', 'named']);
  });

  it('rm without -v keeps anonymous volumes; run --rm removes them (not named ones)', () => {
    const id = md.ok(['create', '--network', 'none', '-v', '/a', 'volimg']).trim();
    const name = inspect(id).Mounts.find((m: { Destination: string }) => m.Destination === '/a').Name;
    md.ok(['rm', id]);
    expect(vol(name).Name).toBe(name);
    const before = md.ok(['volume', 'ls', '-q']);
    expect(run('-v', '/a2', '-v', 'stays:/s', 'volimg', 'true').code).toBe(0);
    expect(md.ok(['volume', 'ls', '-q']).split('\n').filter(Boolean).sort()).toEqual([...before.split('\n').filter(Boolean), 'stays'].sort());
  });

  it('volume prune: anonymous unused ones only, -a all unused (Docker 23+)', () => {
    md.ok(['volume', 'create', 'named-unused']);
    const anon = md.ok(['volume', 'create', '--label', 'com.docker.volume.anonymous=']).trim();
    const id = md.ok(['create', '--network', 'none', '-v', '/inuse', 'volimg']).trim();
    const inuse = inspect(id).Mounts.find((m: { Destination: string }) => m.Destination === '/inuse').Name;
    // leftovers of a create or removal that died half-way go with a prune
    mkdirSync(join(md.root, 'volumes/.new-0123456789abcdef/_data'), { recursive: true });
    mkdirSync(join(md.root, 'volumes/.gone-0123456789abcdef/_data'), { recursive: true });
    const out = md.ok(['volume', 'prune', '-f']);
    expect(readdirSync(join(md.root, 'volumes')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(out).toMatch(/^Deleted Volumes:\n/);
    expect(out).toContain(anon);
    expect(out).not.toContain(inuse);
    expect(out).toMatch(/Total reclaimed space: /);
    const left = md.ok(['volume', 'ls', '-q']);
    expect(left).toContain('named-unused');
    expect(left).toContain(inuse);
    expect(md.ok(['volume', 'prune', '-f', '-a'])).toContain('named-unused');
    expect(md.ok(['volume', 'ls', '-q']).trim().split('\n')).toEqual(expect.arrayContaining([inuse]));
    md.ok(['rm', '-v', id]);
    expect(md.ok(['volume', 'ls', '-q'])).toBe('');
  });

  it('system df counts volumes: total, active, size, reclaimable; -v per volume and per container', () => {
    md.ok(['volume', 'create', 'dfa']);
    md.ok(['volume', 'create', 'dfb']);
    writeFileSync(join(md.root, 'volumes/dfa/_data/f'), 'x'.repeat(3000));
    writeFileSync(join(md.root, 'volumes/dfb/_data/f'), 'x'.repeat(1000));
    const id = md.ok(['create', '--network', 'none', '-v', 'dfa:/a', 'volimg']).trim();
    const row = md.ok(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}']).split('\n').find((l) => l.startsWith('Local Volumes'));
    // the container's two anonymous volumes (the image's VOLUMEs) are empty and in use
    expect(row).toBe('Local Volumes|4|3|4kB|1kB (25%)');
    const v = md.ok(['system', 'df', '-v']);
    expect(v).toMatch(/^dfa +1 +3kB$/m);
    expect(v).toMatch(/^dfb +0 +1kB$/m);
    expect(v).toMatch(new RegExp(`^${id.slice(0, 12)} +volimg +"true" +3 `, 'm'));
    md.ok(['rm', '-v', id]);
    md.ok(['volume', 'rm', 'dfa', 'dfb']);
  });

  it('system prune --volumes removes anonymous unused volumes, keeps named ones', () => {
    md.ok(['volume', 'create', 'sysnamed']);
    const id = md.ok(['create', '--network', 'none', '-v', '/x', 'volimg']).trim();
    const anon = inspect(id).Mounts.find((m: { Destination: string }) => m.Destination === '/x').Name;
    const out = md.ok(['system', 'prune', '-f', '--volumes']);
    expect(out).toContain(`Deleted Volumes:\n`);
    expect(out).toContain(anon);
    expect(md.ok(['volume', 'ls', '-q'])).toBe('sysnamed');
    md.ok(['volume', 'rm', 'sysnamed']);
  });
});

// With openat2 and with the shim's O_NOFOLLOW walk (kernels without openat2).
describe.each([['openat2', '0'], ['the O_NOFOLLOW walk', '1']])("the image's content is copied into a new volume, inside the image (%s)", (_how, noOpenat2) => {
  beforeAll(() => {
    md.env.MINIDOCK_SHIM_NO_OPENAT2 = noOpenat2;
  });
  afterAll(() => {
    delete md.env.MINIDOCK_SHIM_NO_OPENAT2;
  });

  it('copies files, owner, mode, times, set-id bits, symlinks as symlinks; never the host', () => {
    const r = run('-v', 'seeded:/data', 'volimg', 'sh', '-c', 'cat /data/hello; ls /data/escape/ 2>&1; readlink /data/escape');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('from the image\n');
    expect(r.stdout).not.toContain('hostonly');
    const d = join(md.root, 'volumes/seeded/_data');
    const st = statSync(d);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1000, 1001, 0o750]);
    const f = statSync(join(d, 'hello'));
    expect([f.uid, f.gid, f.mode & 0o7777, f.mtimeMs]).toEqual([1000, 1001, 0o640, 1_000_000_000_000]);
    expect(statSync(join(d, 'sub/deep')).mode & 0o7777).toBe(0o4755);
    expect(readlinkSync(join(d, 'escape'))).toBe(hostDir);
    expect(lstatSync(join(d, 'escape')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(d, 'up')).isSymbolicLink()).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['escape', 'hello', 'sub', 'up']);
    expect(readdirSync(hostDir)).toEqual(['hostonly']); // nothing written on the host side
    md.ok(['volume', 'rm', 'seeded']);
  });

  it('a VOLUME path that is a symlink out of the image is resolved inside it (nothing of the host copied)', () => {
    const id = md.ok(['run', '-d', '--network', 'none', 'volimg', 'sh', '-c', 'ls -A /linked; ls -A ' + hostDir]).trim();
    md.ok(['wait', id]);
    const m = inspect(id).Mounts.find((x: { Destination: string }) => x.Destination === '/linked');
    expect(readdirSync(m.Source)).toEqual([]);
    expect(readdirSync(hostDir)).toEqual(['hostonly']);
    md.ok(['rm', '-v', id]);
  });

  it("copies from the container's own root only: not from a bind or a kernel filesystem mounted there", () => {
    const src = join(tmp, 'over-data');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub/hostfile'), 'host\n');
    // -v over /data, a volume at /data/sub: the image's /data/sub is copied, not the bind's
    let r = run('-v', `${src}:/data`, '-v', 'under:/data/sub', 'volimg', 'true');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(md.root, 'volumes/under/_data'))).toEqual(['deep']);
    expect(readdirSync(join(src, 'sub'))).toEqual(['hostfile']); // the bind: untouched
    // a volume at /dev: the image has no /dev; what the container's root has there is the init
    // layer's (console, pts, shm: Docker's copy takes them too, from its -init layer), and the
    // shim's /dev (a tmpfs: null, fd -> /proc/self/fd…) is not copied
    r = run('-v', 'devv:/dev', 'volimg', 'true');
    expect(r.code).toBe(125); // the volume hides the container's /dev/null: one clear line
    expect(readdirSync(join(md.root, 'volumes/devv/_data')).sort()).toEqual(['console', 'pts', 'shm']);
    md.ok(['volume', 'rm', 'under', 'devv']);
  });

  it('copies 120 levels deep; refuses more than 128 with one line', () => {
    expect(run('-v', 'deepv:/deep', 'voldeep', 'true').code).toBe(0);
    expect(readFileSync(join(md.root, 'volumes/deepv/_data', ...Array(120).fill('d'), 'leaf'), 'utf8')).toBe('leaf\n');
    const r = run('-v', 'deeperv:/deep', 'voldeeper', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/volume copy of \/deep: more than 128 directory levels/);
    md.ok(['volume', 'rm', 'deepv', 'deeperv']);
  });

  it('only into an empty volume, only on the first start, not with nocopy', () => {
    md.ok(['volume', 'create', 'full']);
    writeFileSync(join(md.root, 'volumes/full/_data/mine'), 'x');
    expect(run('-v', 'full:/data', 'volimg', 'true').code).toBe(0);
    expect(readdirSync(join(md.root, 'volumes/full/_data'))).toEqual(['mine']);
    expect(run('--mount', 'type=volume,source=nc,target=/data,volume-nocopy', 'volimg', 'true').code).toBe(0);
    expect(readdirSync(join(md.root, 'volumes/nc/_data'))).toEqual([]);
    expect(run('-v', 'nc2:/data:nocopy', 'volimg', 'true').code).toBe(0);
    expect(readdirSync(join(md.root, 'volumes/nc2/_data'))).toEqual([]);
    // read-only: filled, then read-only
    const r = run('-v', 'rofill:/data:ro', 'volimg', 'sh', '-c', 'cat /data/hello; touch /data/n');
    expect(r.stdout).toBe('from the image\n');
    expect(r.stderr).toMatch(/Read-only/);
    md.ok(['volume', 'rm', 'full', 'nc', 'nc2', 'rofill']);
  });
});

describe('--mount, --volumes-from, local driver options', () => {
  it('--mount types and Docker\'s errors', () => {
    const src = join(tmp, 'msrc');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'f'), 'bound\n');
    let r = run('--mount', `type=bind,source=${src},target=/m,readonly`, '--mount', 'type=tmpfs,destination=/t,tmpfs-mode=1770', '--mount', 'source=mv,target=/v', 'volimg', 'sh', '-c', 'cat /m/f; stat -c %a /t; touch /m/x');
    expect(r.stdout).toBe('bound\n1770\n');
    expect(r.stderr).toMatch(/Read-only/);
    expect(md.ok(['volume', 'ls', '-q'])).toContain('mv');
    r = run('--mount', `type=bind,source=${join(tmp, 'nope')},target=/m`, 'volimg', 'true');
    expect([r.code, r.stderr]).toEqual([125, `minidock: invalid mount config for type "bind": bind source path does not exist: ${join(tmp, 'nope')} (minidock does not create it, unlike docker run -v)\n`]);
    r = run('--mount', 'type=bind,target=/m', 'volimg', 'true');
    expect(r.stderr).toBe('minidock: invalid mount config for type "bind": field Source must not be empty\n');
    r = run('--mount', 'type=volume,source=x', 'volimg', 'true');
    // docker/cli's own check of the flag: its words and usage block (cli-flag-values.test.ts)
    expect(r.stderr.split('\n')[0]).toBe('invalid argument "type=volume,source=x" for "--mount" flag: target is required');
    r = run('--mount', 'type=tmpfs,source=x,target=/t', 'volimg', 'true');
    expect(r.stderr).toBe('minidock: invalid mount config for type "tmpfs": field Source must not be specified\n');
    r = run('--mount', 'type=volume,target=/t,foo=bar', 'volimg', 'true');
    expect(r.stderr.split('\n')[0]).toBe(`invalid argument "type=volume,target=/t,foo=bar" for "--mount" flag: unexpected key 'foo' in 'foo=bar'`);
    r = run('-v', 'dup:/d', '--mount', 'source=dup2,target=/d', 'volimg', 'true');
    expect([r.code, r.stderr]).toEqual([125, 'minidock: Duplicate mount point: /d\n']);
    r = run('-v', 'bad/name:/d', 'volimg', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/includes invalid characters for a local volume name/);
    expect(md.ok(['volume', 'ls', '-q'])).not.toMatch(/dup/); // refused before anything was made
    md.ok(['volume', 'rm', 'mv']);
    // a volume made by --mount gets its volume-label and volume-opt, as Docker
    r = run('--mount', 'source=made,target=/m,volume-label=team=a,volume-opt=type=tmpfs,volume-opt=o=size=1m', 'volimg', 'sh', '-c', 'grep " /m " /proc/mounts');
    expect(r.stdout).toMatch(/^tmpfs \/m tmpfs .*size=1024k/);
    expect(vol('made')).toMatchObject({ Labels: { team: 'a' }, Options: { type: 'tmpfs', o: 'size=1m' } });
    md.ok(['volume', 'rm', 'made']);
    r = run('--mount', 'source=made2,target=/m,volume-opt=type=ext4', 'volimg', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/type=ext4 is not supported/);
    r = run('-v', 'pr:/p:rshared', 'volimg', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/propagation rshared is not supported by minidock/);
    expect(md.ok(['volume', 'ls', '-q'])).toBe('');
  });

  it('mounts parents before children whatever their kinds (a tmpfs at /a does not hide a volume at /a/b)', () => {
    const src = join(tmp, 'ordersrc');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'f'), 'bound\n');
    md.ok(['volume', 'create', 'ordv']);
    writeFileSync(join(md.root, 'volumes/ordv/_data/g'), 'vol\n');
    const r = run('--tmpfs', '/a', '-v', 'ordv:/a/b', '--mount', 'type=tmpfs,target=/x', '-v', `${src}:/x/y/z`, 'volimg', 'sh', '-c', 'cat /a/b/g /x/y/z/f');
    expect(r.stdout, r.stderr).toBe('vol\nbound\n');
    md.ok(['volume', 'rm', 'ordv']);
  });

  it('--volumes-from shares the other container\'s volumes and binds, :ro forces read-only', () => {
    const src = join(tmp, 'vfsrc');
    mkdirSync(src, { recursive: true });
    const a = md.ok(['create', '--name', 'donor', '--network', 'none', '-v', 'shared:/s', '-v', `${src}:/b`, '-v', '/an', 'volimg']).trim();
    expect(run('--volumes-from', 'donor', 'volimg', 'sh', '-c', 'echo one > /s/f; echo two > /b/g; echo three > /an/h').code).toBe(0);
    expect(readFileSync(join(src, 'g'), 'utf8')).toBe('two\n');
    const r = run('--volumes-from', 'donor:ro', 'volimg', 'sh', '-c', 'cat /s/f /an/h; touch /s/x');
    expect(r.stdout).toBe('one\nthree\n');
    expect(r.stderr).toMatch(/Read-only/);
    const c = md.ok(['create', '--network', 'none', '--volumes-from', 'donor', 'volimg']).trim();
    expect(inspect(c).HostConfig.VolumesFrom).toEqual(['donor']);
    md.ok(['rm', '-v', c]); // the donor's anonymous volume is not this container's to remove
    const an = inspect(a).Mounts.find((m: { Destination: string }) => m.Destination === '/an');
    expect(existsSync(an.Source)).toBe(true);
    expect(run('--volumes-from', 'nosuch', 'volimg', 'true').stderr).toBe("minidock: Error response from daemon: No such container: nosuch\n\nRun 'minidock run --help' for more information\n");
    md.ok(['rm', '-v', a]);
    md.ok(['volume', 'rm', 'shared']);
  });

  it('type=tmpfs volumes are a tmpfs in the container; type=none,o=bind binds the device path', () => {
    md.ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m,uid=1000', 'tv']);
    let r = run('-v', 'tv:/t', 'volimg', 'sh', '-c', 'grep " /t " /proc/mounts; stat -c %u /t');
    expect(r.stdout).toMatch(/^tmpfs \/t tmpfs rw,nosuid,nodev,relatime,size=2048k.*uid=1000/m);
    expect(r.stdout).toMatch(/\n1000\n$/);
    expect(vol('tv').Options).toEqual({ type: 'tmpfs', device: 'tmpfs', o: 'size=2m,uid=1000' });
    const dev = join(tmp, 'dev');
    mkdirSync(dev, { recursive: true });
    md.ok(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${dev}`, 'bv']);
    r = run('-v', 'bv:/d', 'volimg', 'sh', '-c', 'echo via-volume > /d/file');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dev, 'file'), 'utf8')).toBe('via-volume\n');
    rmSync(dev, { recursive: true });
    r = run('-v', 'bv:/d', 'volimg', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/bind source path does not exist/);
    md.ok(['volume', 'rm', 'tv', 'bv']);
  });
});
