// `commit`: the container's upper dir as a new top layer (whiteouts and opaque directories as
// Docker writes them), the config with -c changes, history, author and message; the image runs,
// `images` lists it, and `save`/`load` carry it. A running container is frozen while its layer
// is read (--pause, the default), and its symlinks are data, never followed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Minidock, sleep } from '../helpers/cli.js';
import { TarOut, type Entry, type Sink } from '../../src/engine/container/cp.js';
import { writeUpperTar } from '../../src/engine/container/commit.js';

let md: Minidock;
let tmp: string;

function inside(name: string, script: string): string {
  return md.ok(['exec', name, 'sh', '-c', script]);
}

beforeAll(() => {
  md = new Minidock();
  tmp = mkdtempSync(join(tmpdir(), 'md-commit-'));
  md.ok(['run', '-d', '--network', 'none', '--name', 'src', '-e', 'FOO=bar', '-l', 'team=x', 'busybox', 'sleep', '1000']);
  inside('src', [
    'echo made > /made.txt',
    'rm /bin/ls', // a whiteout
    'mkdir -p /opq && echo a > /opq/a',
    'rm -rf /var && mkdir /var && echo fresh > /var/only', // an opaque directory
    `ln -s /etc/shadow /link`,
  ].join(' && '));
}, 60_000);

afterAll(() => {
  md?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Records the entries a layer writer emits. */
class Names implements Sink {
  names: string[] = [];
  entry(e: Entry): void {
    this.names.push(e.path.join('/') + (e.type === 'dir' ? '/' : ''));
  }
  data(): void {}
  endEntry(): void {}
  end(): void {}
}

describe('commit', () => {
  it('makes an image whose top layer is the upper dir, with Docker\'s whiteout entries', () => {
    const id = md.ok(['commit', '-m', 'my message', '-a', 'Ann <ann@x>', 'src', 'committed:v1']);
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(md.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toContain('committed:v1');
    const ins = JSON.parse(md.ok(['image', 'inspect', 'committed:v1']))[0];
    expect(ins.Id).toBe(id);
    const base = JSON.parse(md.ok(['image', 'inspect', 'busybox']))[0];
    expect(ins.RootFS.Layers.length).toBe(base.RootFS.Layers.length + 1);
    expect(ins.Author).toBe('Ann <ann@x>');
    expect(ins.Config.Env).toContain('FOO=bar');
    expect(ins.Config.Env.some((e: string) => e.startsWith('HOSTNAME='))).toBe(false);
    expect(ins.Config.Labels).toEqual({ team: 'x' });
    expect(ins.Config.Cmd).toEqual(['sleep', '1000']);
    // the layer as a tar: whiteout for /bin/ls, opaque marker for /etc
    const upper = join(md.root, 'containers', JSON.parse(md.ok(['inspect', 'src']))[0].Id, 'upper');
    const n = new Names();
    writeUpperTar(upper, n);
    expect(n.names).toContain('bin/.wh.ls');
    expect(n.names).toContain('var/.wh..wh..opq');
    expect(n.names).toContain('var/only');
    expect(n.names).toContain('made.txt');
  });

  it('the new image runs with the container\'s changes (whiteouts and opaque dirs applied)', () => {
    expect(md.ok(['run', '--rm', '--network', 'none', 'committed:v1', 'cat', '/made.txt'])).toBe('made');
    expect(md.ok(['run', '--rm', '--network', 'none', 'committed:v1', 'sh', '-c', 'ls /var; test -e /bin/ls || echo no-ls'])).toBe('only\nno-ls');
    expect(md.ok(['run', '--rm', '--network', 'none', 'committed:v1', 'readlink', '/link'])).toBe('/etc/shadow');
  });

  it('-c changes: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR; others refused', () => {
    const id = md.ok([
      'commit',
      '-c', 'CMD ["cat", "/made.txt"]',
      '-c', 'ENV A=1 B=2',
      '-c', 'EXPOSE 8080',
      '-c', 'LABEL k=v',
      '-c', 'ONBUILD RUN echo hi',
      '-c', 'USER 0',
      '-c', 'VOLUME /vol',
      '-c', 'WORKDIR /opq',
      'src', 'committed:v2',
    ]);
    const c = JSON.parse(md.ok(['image', 'inspect', id]))[0].Config;
    expect(c.Cmd).toEqual(['cat', '/made.txt']);
    expect(c.Env).toEqual(expect.arrayContaining(['A=1', 'B=2', 'FOO=bar']));
    expect(c.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(c.Labels).toEqual({ team: 'x', k: 'v' });
    expect(c.OnBuild).toEqual(['RUN echo hi']);
    expect(c.User).toBe('0');
    expect(c.Volumes).toEqual({ '/vol': {} });
    expect(c.WorkingDir).toBe('/opq');
    expect(md.ok(['run', '--rm', '--network', 'none', 'committed:v2'])).toBe('made');
    const before = md.ok(['images', '-q']);
    const r = md.run(['commit', '-c', 'RUN echo no', 'src', 'committed:bad']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('run is not a valid change command');
    expect(md.ok(['images', '-q'])).toBe(before);
  });

  it('history gets an entry with the message; an unchanged container adds an empty_layer entry and no layer', () => {
    const id = md.ok(['commit', 'src']);
    const hist = JSON.parse(readFileSync(join(md.root, 'images', 'blobs', 'sha256', id.slice(7)), 'utf8')).history;
    expect(hist[hist.length - 1].created_by).toBe('sleep 1000');
    md.ok(['create', '--name', 'fresh', '--network', 'none', 'busybox', 'true']);
    const id2 = md.ok(['commit', 'fresh']);
    const cfg = JSON.parse(readFileSync(join(md.root, 'images', 'blobs', 'sha256', id2.slice(7)), 'utf8'));
    const base = JSON.parse(md.ok(['image', 'inspect', 'busybox']))[0];
    expect(cfg.rootfs.diff_ids).toEqual(base.RootFS.Layers);
    expect(cfg.history[cfg.history.length - 1].empty_layer).toBe(true);
  });

  it('pauses a running container while it reads (and leaves it running); --pause=false does not', async () => {
    const id = JSON.parse(md.ok(['inspect', 'src']))[0].Id;
    const state = join('/sys/fs/cgroup/freezer/minidock', id, 'freezer.state');
    // Stopped at the moment the layer is read: frozen with --pause (default), running without.
    for (const [flags, want] of [[[], 'FROZEN'], [['--pause=false'], 'THAWED']] as const) {
      const marker = join(tmp, `pause-${want}`);
      const [cmd, ...pre] = md.prefix;
      const child = spawn(cmd!, [...pre, process.execPath, '--', BIN, 'commit', ...flags, 'src'], { env: { ...md.env, MINIDOCK_PAUSE_AT: 'commit:reading', MINIDOCK_PAUSE_FILE: marker }, stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      for (let i = 0; i < 300 && !existsSync(marker); i++) await sleep(50);
      expect(existsSync(marker)).toBe(true);
      expect(readFileSync(state, 'utf8').trim()).toBe(want);
      child.kill('SIGKILL');
      await exited;
      writeFileSync(state, 'THAWED'); // the killed commit could not thaw it
    }
    md.ok(['commit', 'src', 'committed:paused']);
    expect(readFileSync(state, 'utf8').trim()).toBe('THAWED');
    // the killed commits' scratch directories were swept by the next one
    expect(readdirSync(md.root).filter((n) => n.startsWith('.commit-'))).toEqual([]);
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'src'])).toBe('running');
    expect(inside('src', 'echo alive')).toBe('alive');
    md.ok(['commit', '--pause=false', 'src', 'committed:nopause']);
    expect(inside('src', 'echo alive')).toBe('alive');
  });

  it('save and load carry the committed image', () => {
    const f = join(tmp, 'c.tar');
    md.ok(['save', '-o', f, 'committed:v1']);
    const id = md.ok(['image', 'inspect', '-f', '{{.Id}}', 'committed:v1']);
    md.ok(['rmi', 'committed:v1']);
    md.ok(['load', '-i', f]);
    expect(md.ok(['image', 'inspect', '-f', '{{.Id}}', 'committed:v1'])).toBe(id);
    expect(md.ok(['run', '--rm', '--network', 'none', 'committed:v1', 'cat', '/made.txt'])).toBe('made');
  });

  it('the layer tar is a tar GNU tar reads, entries in order', () => {
    const upper = join(md.root, 'containers', JSON.parse(md.ok(['inspect', 'src']))[0].Id, 'upper');
    const f = join(tmp, 'layer.tar');
    const fd = openSync(f, 'w');
    writeUpperTar(upper, new TarOut(fd));
    closeSync(fd);
    const r = spawnSync('tar', ['-tf', f], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['made.txt', 'bin/.wh.ls', 'var/', 'var/.wh..wh..opq', 'link']));
  });
});
