// GET /containers/{id}/stats through `minidock system service`: `docker stats --no-stream` of each
// docker CLI computes its columns from it (CPU % from cpu_stats against precpu_stats, memory,
// PIDs, net and block I/O); and the stream, a JSON line a second.
import { describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { DOCKERS, http, useService } from '../helpers/api-service.js';

for (const cli of DOCKERS) describe(`stats through the service, docker CLI ${cli.version}`, () => {
  const ctx = useService({ docker: cli.path });
  const ok = (args: string[]) => ctx.svc.dockerOk(args);

  it('docker stats --no-stream: a busy container\'s CPU, its memory, PIDs and I/O', () => {
    ok(['run', '-d', '--name', 'busy', '--memory', '64m', 'busybox', 'sh', '-c', 'sleep 60 & while :; do :; done']);
    ok(['run', '-d', '--name', 'idle', 'busybox', 'sleep', '60']);
    try {
      const rows = ok(['stats', '--no-stream', '--format', '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.PIDs}}|{{.NetIO}}|{{.BlockIO}}', 'busy', 'idle']).split('\n');
      const [busy, idle] = rows.map((r) => r.split('|'));
      expect(busy![0]).toBe('busy');
      expect(parseFloat(busy![1]!)).toBeGreaterThan(5);
      expect(busy![2]).toMatch(/^[\d.]+[KM]iB \/ 64MiB$/);
      expect(busy![4]).toBe('2'); // sh (its loop) and the sleep
      expect(busy![5]).toMatch(/^[\d.]+k?B \/ [\d.]+k?B$/);
      expect(busy![6]).toMatch(/^[\d.]+[kM]?B \/ [\d.]+[kM]?B$/);
      expect(idle![0]).toBe('idle');
      expect(parseFloat(idle![1]!)).toBeLessThan(5);
      expect(idle![4]).toBe('1');
      // the same figures minidock's own stats reads (PIDs do not move)
      expect(ctx.md.ok(['stats', '--no-stream', '--format', '{{.PIDs}}', 'idle'])).toBe('1');
    } finally {
      ctx.svc.docker(['rm', '-f', 'busy', 'idle']);
    }
  }, 60_000);

  it('stream=false of a stopped container: zeros; the stream: a line a second', async () => {
    ok(['create', '--name', 'still', 'busybox', 'sleep', '60']);
    const r = await http(ctx.svc.sock, 'GET', '/containers/still/stats?stream=false');
    expect(r.status).toBe(200);
    const j = r.json<{ read: string; name: string; pids_stats: object; memory_stats: object }>();
    expect([j.read, j.name, j.pids_stats, j.memory_stats]).toEqual(['0001-01-01T00:00:00Z', '/still', {}, {}]);
    ok(['start', 'still']);
    const lines: { read: string; pids_stats: { current: number }; precpu_stats: { cpu_usage: { total_usage: number } } }[] = [];
    await new Promise<void>((res, rej) => {
      const req = request({ socketPath: ctx.svc.sock, path: '/containers/still/stats' }, (resp) => {
        let buf = '';
        resp.on('data', (d) => {
          buf += d;
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            lines.push(JSON.parse(buf.slice(0, i)));
            buf = buf.slice(i + 1);
          }
          if (lines.length >= 2) {
            req.destroy();
            res();
          }
        });
      });
      req.on('error', rej);
      req.end();
    });
    expect(lines[1]!.pids_stats.current).toBe(1);
    expect(Date.parse(lines[1]!.read) - Date.parse(lines[0]!.read)).toBeGreaterThanOrEqual(900);
    expect((await http(ctx.svc.sock, 'GET', '/containers/nosuch/stats?stream=false')).status).toBe(404);
    ok(['rm', '-f', 'still']);
  }, 30_000);
});
