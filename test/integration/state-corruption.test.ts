// A state file that is empty or corrupt (a power loss before minidock fsynced, a disk error, a
// hand edit) is one line naming the file and the way out, exit 125, never a stack trace; and a
// per-boot file (not fsynced on purpose) damaged before this boot reads as absent instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, type Result } from '../helpers/cli.js';

const md = new Minidock();
afterAll(() => md.cleanup());

const DAMAGE: Record<string, string> = { empty: '', truncated: '{"version": 1, "re', wrong: '"text"' };

/** Damages `file` each way in turn, runs each command, restores it. */
function expectClearError(file: string, commands: string[][], recovery: RegExp): void {
  const good = readFileSync(file);
  try {
    for (const [how, text] of Object.entries(DAMAGE)) {
      writeFileSync(file, text);
      for (const args of commands) {
        const r: Result = md.run(args);
        const what = `${how} ${file}: minidock ${args.join(' ')}\n${r.stderr}`;
        expect(r.code, what).toBe(125);
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines, what).toHaveLength(1);
        expect(lines[0], what).toContain(`minidock: ${file} is corrupt (`);
        expect(lines[0], what).toMatch(recovery);
        expect(r.stderr, what).not.toMatch(/\n\s+at |SyntaxError|Unexpected end of JSON/);
      }
    }
  } finally {
    writeFileSync(file, good);
  }
}

const RUN = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
let stopped: string;

beforeAll(() => {
  md.ok(RUN);
  stopped = md.ok(['run', '-d', '--network', 'none', '--name', 'stopped', 'busybox', 'true']);
  md.ok(['wait', stopped]);
  md.ok(['run', '--rm', '-p', '127.0.0.1:18123:80', 'busybox', 'true']); // bridge: IPAM, ports
});

describe('damaged state files', () => {
  it('images/repositories.json: images, run, inspect', () => {
    expectClearError(join(md.root, 'images', 'repositories.json'), [['images'], RUN, ['image', 'inspect', 'busybox']], /remove it to start with no images/);
  });

  it('a container record: ps, inspect, run with its name (the names index points run at that record)', () => {
    expectClearError(join(md.root, 'containers', stopped, 'container.json'), [['ps', '-a'], ['inspect', stopped], ['run', '--rm', '--network', 'none', '--name', 'stopped', 'busybox', 'true']], /remove the directory .*containers\/[0-9a-f]{64} to drop that container/);
  });

  it('a network record: network ls, network inspect, run on the default bridge', () => {
    const file = join(md.root, 'networks', 'nets', 'bridge.json');
    expectClearError(file, [['network', 'ls'], ['network', 'inspect', 'bridge'], ['run', '--rm', 'busybox', 'true']], /remove it: minidock creates it again/);
  });

  it('IPAM and port reservations written in this boot: run', () => {
    const ipamDir = join(md.root, 'networks', 'ipam');
    const ipam = join(ipamDir, readdirSync(ipamDir).find((n) => n.endsWith('.json'))!);
    expectClearError(ipam, [['run', '--rm', 'busybox', 'true']], /remove it once no container on that network runs/);
    expectClearError(join(md.root, 'networks', 'ports.json'), [['run', '--rm', '-p', '127.0.0.1:18124:80', 'busybox', 'true']], /remove it once no container publishes ports/);
  });

  it('a layer meta.json: save', () => {
    const layers = join(md.root, 'images', 'layers');
    const meta = join(layers, readdirSync(layers).find((n) => existsSync(join(layers, n, 'meta.json')))!, 'meta.json');
    expectClearError(meta, [['save', '-o', join(md.root, 'x.tar'), 'busybox']], /remove the directory .*layers\/[0-9a-f]{64}, then pull or load again/);
  });

  it('auth.json: logout', () => {
    const auth = join(md.root, 'auth.json');
    writeFileSync(auth, '{"auths": {}}\n');
    expectClearError(auth, [['logout', '127.0.0.1:1']], /remove it and log in again/);
  });
});

describe('per-boot files damaged by a power loss (written before this boot)', () => {
  const beforeBoot = new Date('2000-01-01T00:00:00Z');

  it('IPAM, ports and endpoints read as absent; the firewall cache is checked again', () => {
    const ipamDir = join(md.root, 'networks', 'ipam');
    for (const f of [...readdirSync(ipamDir).map((n) => join(ipamDir, n)), join(md.root, 'networks', 'ports.json')]) {
      writeFileSync(f, '');
      utimesSync(f, beforeBoot, beforeBoot);
    }
    const ep = join(md.root, 'networks', 'endpoints', `${'e'.repeat(64)}.json`);
    writeFileSync(ep, '');
    utimesSync(ep, beforeBoot, beforeBoot);
    writeFileSync(join(md.root, 'networks', 'firewall.json'), '{');
    expect(md.run(['run', '--rm', '-p', '127.0.0.1:18125:80', 'busybox', 'true']).stderr).toBe('');
    expect(md.run(['network', 'inspect', 'bridge']).code).toBe(0);
  });

  it('but a damaged record of a container without --rm is an error even then', () => {
    const file = join(md.root, 'containers', stopped, 'container.json');
    const good = readFileSync(file);
    try {
      writeFileSync(file, '');
      utimesSync(file, beforeBoot, beforeBoot);
      const r = md.run(['ps', '-a']);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(`${file} is corrupt (empty)`);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('a --rm container whose record was lost is no container; system prune removes it', () => {
    const id = 'f'.repeat(64);
    const dir = join(md.root, 'containers', id);
    md.inHost('mkdir', ['-p', join(dir, 'upper')]);
    writeFileSync(join(dir, 'autoremove'), '');
    writeFileSync(join(dir, 'container.json'), '');
    utimesSync(join(dir, 'container.json'), beforeBoot, beforeBoot);
    expect(md.ok(['ps', '-aq', '--no-trunc'])).not.toContain(id);
    md.ok(['system', 'prune', '-f']);
    expect(existsSync(dir)).toBe(false);
  });
});
