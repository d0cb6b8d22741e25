// Python's Docker SDK (Debian's python3-docker, installed by scripts/test.sh) against
// `minidock system service`: version negotiation, a detached run, wait, logs by stream, list,
// remove, and a foreground run (the SDK's: create, start, wait, then logs).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { useService } from '../helpers/api-service.js';

// Debian's python3 with python3-docker (scripts/test.sh installs it): a python3 earlier on PATH
// (pyenv, a venv) may have another SDK or none.
const PYTHON = '/usr/bin/python3';
if (spawnSync(PYTHON, ['-c', 'import docker']).status !== 0) throw new Error(`${PYTHON} has no docker module: scripts/test.sh installs python3-docker`);

describe("Python's Docker SDK through minidock system service", () => {
  const ctx = useService();

  it('runs a container and reads its logs', () => {
    const script = `
import docker, json
c = docker.from_env()
out = {'api': c.version()['ApiVersion']}
ct = c.containers.run('busybox', ['sh', '-c', 'echo hi from python; echo oops >&2; exit 4'], detach=True, name='pyct', labels={'by': 'sdk'})
out['wait'] = ct.wait()
out['both'] = ct.logs().decode()
out['err'] = ct.logs(stdout=False, stderr=True).decode()
out['listed'] = [x.name for x in c.containers.list(all=True, filters={'label': 'by=sdk'})]
ct.reload()
out['status'] = ct.status
ct.remove()
out['fg'] = c.containers.run('busybox', 'echo foreground', remove=True).decode()
try:
    c.containers.get('pyct')
except docker.errors.NotFound as e:
    out['gone'] = e.explanation
print(json.dumps(out))
`;
    const r = spawnSync(PYTHON, ['-c', script], { env: ctx.svc.dockerEnv, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr + ctx.svc.log()).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.api).toBe('1.44');
    expect(out.wait).toEqual({ StatusCode: 4, Error: null });
    expect(out.both.split('\n').sort()).toEqual(['', 'hi from python', 'oops']);
    expect(out.err).toBe('oops\n');
    expect(out.listed).toEqual(['pyct']);
    expect(out.status).toBe('exited');
    expect(out.fg).toBe('foreground\n');
    expect(out.gone).toBe('No such container: pyct');
    expect(ctx.md.ok(['ps', '-aq'])).toBe('');
  });
});
