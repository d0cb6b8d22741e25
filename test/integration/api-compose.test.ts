// Debian's docker-compose 1.29 driving `minidock system service`: a project of two services on
// two user networks, one published port, DNS between the services, `ps`, `logs`, and `down`
// leaving nothing behind — no container, network, netns, link or firewall rule of the test's
// root. compose creates each container, disconnects it from its network and connects it again
// with the service's aliases, then connects the service's other networks (engine: connect.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { minidockNetns } from '../helpers/cli.js';
import { createdIds, useService } from '../helpers/api-service.js';

// scripts/test.sh installs it (Debian's docker-compose): without it this fails, not skips
const COMPOSE = 'docker-compose';
const PORT = 18093;

const PROJECT = `
version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo web up; echo served-by-web > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]
    ports: ["${PORT}:80"]
    networks:
      front: {}
      back:
        aliases: [www]
  client:
    image: busybox
    command: ["sh", "-c", "echo client up; echo oops >&2; exec sleep 600"]
    networks: [back]
networks:
  front: {}
  back: {}
`;

describe('docker-compose 1.29 through minidock system service', () => {
  const ctx = useService();
  let dir = '';
  const project = `mdt${Math.random().toString(16).slice(2, 8)}`;
  const compose = (args: string[]) => {
    const r = spawnSync(COMPOSE, ['-p', project, ...args], { cwd: dir, env: ctx.svc.dockerEnv, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const ok = (args: string[]) => {
    const r = compose(args);
    if (r.code !== 0) throw new Error(`docker-compose ${args.join(' ')} exited ${r.code}: ${r.stderr}\nservice log:\n${ctx.svc.log()}`);
    return r;
  };
  // what the host netns has: links, and the firewall (counters and comments left out)
  const hostState = () => ({
    links: (JSON.parse(ctx.md.inHost('ip', ['-j', 'link']).stdout) as { ifname: string }[]).map((l) => l.ifname).sort(),
    iptables: ctx.md.inHost('iptables-save', []).stdout.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '')),
    nft: ctx.md.inHost('nft', ['list', 'ruleset']).stdout.replace(/counter packets \d+ bytes \d+/g, 'counter'),
  });
  let before: ReturnType<typeof hostState>;

  beforeAll(() => {
    expect(spawnSync(COMPOSE, ['version'], { stdio: 'ignore' }).status, `${COMPOSE} is not installed (scripts/test.sh installs it)`).toBe(0);
    dir = mkdtempSync(join(tmpdir(), 'mdtest-compose-'));
    writeFileSync(join(dir, 'docker-compose.yml'), PROJECT);
    // the builtin busybox image is made by a first create (compose inspects the image first)
    ctx.md.ok(['create', '--name', 'seed', 'busybox', 'true']);
    ctx.md.ok(['rm', 'seed']);
    // and minidock's base chains, which stay (as Docker's DOCKER-* chains), by a first network
    ctx.md.ok(['network', 'create', 'seednet']);
    ctx.md.ok(['network', 'rm', 'seednet']);
    before = hostState();
  });

  afterAll(() => {
    if (dir) {
      compose(['down', '-t', '0']);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('up -d: both services run, each on its networks', () => {
    const up = ok(['up', '-d']);
    expect(up.stderr).toContain(`Creating network "${project}_front" with the default driver`);
    expect(up.stderr).toMatch(new RegExp(`Creating ${project}_web_1 .*done`));
    const nets = (c: string) => ctx.md.ok(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', c]).trim();
    expect(nets(`${project}_web_1`)).toBe(`${project}_back ${project}_front`);
    expect(nets(`${project}_client_1`)).toBe(`${project}_back`);
  });

  it('ps shows both up, with the published port', () => {
    const rows = ok(['ps']).stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^\s*Name\s+Command\s+State\s+Ports\s*$/);
    expect(rows.find((l) => l.startsWith(`${project}_web_1 `))).toMatch(new RegExp(`\\sUp\\s+0\\.0\\.0\\.0:${PORT}->80/tcp`));
    expect(rows.find((l) => l.startsWith(`${project}_client_1 `))).toMatch(/\sUp\s*$/);
    expect(ok(['ps', '-q']).stdout.trim().split('\n')).toHaveLength(2);
  });

  it('DNS between the services (service name, alias), and the published port from the host', async () => {
    const fetch = (name: string) => ctx.md.run(['exec', `${project}_client_1`, 'wget', '-qO-', `http://${name}/index.html`]);
    let r = fetch('web');
    for (let i = 0; i < 50 && r.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = fetch('web');
    }
    expect(r.stdout).toBe('served-by-web\n');
    expect(fetch('www').stdout).toBe('served-by-web\n');
    // the client is not on front: web's address there is not the one it resolves
    const webOnBack = ctx.md.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${project}_back").IPAddress}}`, `${project}_web_1`]);
    expect(ctx.md.run(['exec', `${project}_client_1`, 'nslookup', 'web']).stdout).toContain(`Address: ${webOnBack}`);
    expect(ctx.md.inHost('wget', ['-qO-', `http://127.0.0.1:${PORT}/index.html`]).stdout).toBe('served-by-web\n');
  });

  it('logs: each service\'s output, both streams', () => {
    const out = ok(['logs', '--no-color']).stdout;
    expect(out).toMatch(/^web_1\s+\| web up$/m);
    expect(out).toMatch(/^client_1\s+\| client up$/m);
    expect(out).toMatch(/^client_1\s+\| oops$/m);
    expect(ok(['logs', '--no-color', 'client']).stdout).not.toContain('web up');
  });

  it('down leaves nothing behind: containers, networks, netns, links, firewall rules', () => {
    const ids = createdIds(ctx.md.root);
    expect(ids).toHaveLength(3); // the seed, and the two services
    const down = ok(['down', '-t', '1']);
    expect(down.stderr).toContain(`Removing network ${project}_back`);
    expect(ctx.md.ok(['ps', '-aq'])).toBe('');
    expect(ctx.md.ok(['network', 'ls', '--format', '{{.Name}}']).split('\n').sort()).toEqual(['bridge', 'host', 'none']);
    const left = new Set(minidockNetns());
    expect(ids.filter((id) => left.has(`minidock-${id.slice(0, 12)}`))).toEqual([]);
    expect(hostState()).toEqual(before);
    expect(ok(['ps', '-q']).stdout.trim()).toBe('');
  });
});
