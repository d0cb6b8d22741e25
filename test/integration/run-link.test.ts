// --link (issue 13): on the default bridge Docker's legacy links (a hosts line "IP alias
// hostname name", ALIAS_PORT_…/ALIAS_NAME/ALIAS_ENV_… variables); on a user network only a
// name the linking container resolves; refusals as Docker's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock } from '../helpers/cli.js';

describe('run --link', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => {
    md.run(['rm', '-f', 'lk-db', 'lk-svc', 'lk-stopped']);
    md.run(['network', 'rm', 'lk-net']);
    md.cleanup();
  });

  it('default bridge: hosts line, variables, reachable by the alias', () => {
    md.ok(['run', '-d', '--name', 'lk-db', '-e', 'SECRET=x', '-e', 'PATH=/bin', '-p', '127.0.0.1:15433:5432', 'busybox', 'sleep', '60']);
    const ip = md.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'lk-db']).trim();
    const host = md.ok(['inspect', '-f', '{{.Config.Hostname}}', 'lk-db']).trim();
    const out = md.ok(['run', '--rm', '--name', 'lk-web', '--link', 'lk-db:database', 'busybox', 'sh', '-c',
      'cat /etc/hosts; echo ---; env | grep ^DATABASE_ | sort; echo ---; ping -c1 -W2 database >/dev/null && echo reachable']);
    const [hosts, env, ping] = out.split('---\n');
    const lines = hosts.trim().split('\n');
    // after the standard lines, before the container's own
    expect(lines[6]).toBe(`${ip}\tdatabase ${host} lk-db`);
    expect(lines[7]).toMatch(/^\d+\.\d+\.\d+\.\d+\t[0-9a-f]{12} lk-web$/);
    expect(env.trim().split('\n')).toEqual([
      'DATABASE_ENV_SECRET=x',
      'DATABASE_NAME=/lk-web/database',
      `DATABASE_PORT=tcp://${ip}:5432`,
      `DATABASE_PORT_5432_TCP=tcp://${ip}:5432`,
      `DATABASE_PORT_5432_TCP_ADDR=${ip}`,
      'DATABASE_PORT_5432_TCP_PORT=5432',
      'DATABASE_PORT_5432_TCP_PROTO=tcp',
    ]);
    expect(ping.trim()).toBe('reachable');
    // the alias defaults to the name (then not repeated); inspect shows Docker's form
    expect(md.ok(['run', '--rm', '--link', 'lk-db', 'busybox', 'grep', 'lk-db', '/etc/hosts']).trim()).toBe(`${ip}\tlk-db ${host}`);
    md.ok(['create', '--name', 'lk-stopped', '--link', 'lk-db:db', 'busybox', 'true']);
    expect(md.ok(['inspect', '-f', '{{json .HostConfig.Links}}', 'lk-stopped']).trim()).toBe('["/lk-db:/lk-stopped/db"]');
  });

  it('user network: the alias resolves in the linking container only, no variables', () => {
    md.ok(['network', 'create', 'lk-net']);
    md.ok(['run', '-d', '--name', 'lk-svc', '--network', 'lk-net', 'busybox', 'sleep', '60']);
    const ip = JSON.parse(md.ok(['inspect', 'lk-svc']))[0].NetworkSettings.Networks['lk-net'].IPAddress as string;
    const out = md.ok(['run', '--rm', '--network', 'lk-net', '--link', 'lk-svc:backend', 'busybox', 'sh', '-c',
      'getent hosts backend || grep backend /etc/hosts; env | grep -c ^BACKEND_ || true']);
    expect(out).toContain(ip);
    expect(out.trim().split('\n').pop()).toBe('0');
  });

  it('refuses as Docker does, and changes nothing', () => {
    const r1 = md.run(['run', '--rm', '--link', 'nosuch:x', 'busybox', 'true']);
    expect(r1.code).toBe(125);
    expect(r1.stderr).toContain('could not get container for nosuch');
    const r2 = md.run(['run', '--rm', '--network', 'host', '--link', 'lk-db', 'busybox', 'true']);
    expect(r2.code).toBe(125);
    expect(r2.stderr).toContain("conflicting options: host type networking can't be used with links");
    md.ok(['stop', '-t', '0', 'lk-svc']);
    const r3 = md.run(['run', '--rm', '--network', 'lk-net', '--link', 'lk-svc', 'busybox', 'true']);
    expect(r3.code).toBe(125);
    expect(r3.stderr).toMatch(/Cannot link to a non running container: \/lk-svc AS \/\w+\/lk-svc/);
    const r4 = md.run(['run', '--rm', '--link', 'a:b:c', 'busybox', 'true']);
    expect(r4.code).toBe(125);
    expect(r4.stderr).toContain('bad format for links: a:b:c');
  });
});
