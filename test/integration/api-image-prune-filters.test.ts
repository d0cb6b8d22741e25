// `image prune` with Docker's filters (#17): dangling=true|false, until=<timestamp|duration>,
// label=k, label=k=v, label!=…, through each docker CLI (POST /images/prune) and minidock's
// own `image prune --filter`, the same steps and the same outcome; bad filters are the
// daemon's errors and remove nothing.
import { describe, expect, it } from 'vitest';
import type { Result } from '../helpers/cli.js';
import { DOCKERS, http, useService } from '../helpers/api-service.js';

interface Driver {
  prune(args: string[]): Result;
  /** the daemon's part of an error, as the client prints it */
  errorOf(r: Result): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pruneSteps(name: string, ctx: ReturnType<typeof useService>, driver: () => Driver) {
  it(`${name}: dangling, until (unix seconds, RFC 3339, a duration), label, label!=`, async () => {
    const md = ctx.md;
    const { prune } = driver();
    const tags = () => md.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').filter(Boolean).sort();
    const ids = () => md.ok(['images', '-q', '--no-trunc']).split('\n').filter(Boolean).sort();
    const commit = (...a: string[]) => md.ok(['commit', ...a]);
    md.ok(['create', '--name', 'keep', '--network', 'none', 'busybox', 'true']); // busybox stays: a container uses it
    const oldDangling = commit('keep');
    commit('-c', 'LABEL tier=old env=dev', 'keep', 'old:1');
    await sleep(1100);
    const t = Math.floor(Date.now() / 1000);
    await sleep(1100);
    const newDangling = commit('keep');
    commit('-c', 'LABEL tier=new', 'keep', 'new:1');
    commit('-c', 'LABEL tier=new env=prod', 'keep', 'new:2');
    commit('keep', 'nolabel:1');
    const lastMade = Date.now();
    const all = ['busybox:latest', 'new:1', 'new:2', 'nolabel:1', 'old:1'];
    expect(tags()).toEqual([...all, '<none>:<none>', '<none>:<none>'].sort());

    // dangling only (no -a): until keeps the newer dangling image
    const r1 = prune(['-f', '--filter', `until=${t}`]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toContain(`deleted: ${oldDangling}`);
    expect(r1.stdout).not.toContain(newDangling);
    expect(ids()).toContain(newDangling);
    expect(tags()).toEqual([...all, '<none>:<none>'].sort());

    // label=k=v and label!=k=v together: tier=new without env=prod
    const r2 = prune(['-a', '-f', '--filter', 'label=tier=new', '--filter', 'label!=env=prod']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toContain('untagged: new:1');
    expect(tags()).toEqual(['busybox:latest', 'new:2', 'nolabel:1', 'old:1', '<none>:<none>'].sort());

    // -a with until (RFC 3339): the image made before it; those after it stay, dangling or not
    const r3 = prune(['-a', '-f', '--filter', `until=${new Date(t * 1000).toISOString()}`]);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stdout).toContain('untagged: old:1');
    expect(tags()).toEqual(['busybox:latest', 'new:2', 'nolabel:1', '<none>:<none>'].sort());

    // label=k (any value)
    const r4 = prune(['-a', '-f', '--filter', 'label=env']);
    expect(r4.code, r4.stderr).toBe(0);
    expect(r4.stdout).toContain('untagged: new:2');
    expect(tags()).toEqual(['busybox:latest', 'nolabel:1', '<none>:<none>'].sort());

    // until as a duration: 10m ago keeps everything; 0s takes what no container uses
    expect(prune(['-a', '-f', '--filter', 'until=10m']).stdout.trim()).toBe('Total reclaimed space: 0B');
    // (until is whole seconds, as Docker's: an image made in this very second is not before it)
    await sleep(Math.max(0, 1100 - (Date.now() - lastMade)));
    const r5 = prune(['-a', '-f', '--filter', 'until=0s']);
    expect(r5.code, r5.stderr).toBe(0);
    expect(r5.stdout).toContain('untagged: nolabel:1');
    expect(r5.stdout).toContain(`deleted: ${newDangling}`);
    expect(tags()).toEqual(['busybox:latest']);
  }, 120_000);

  it(`${name}: bad filters are the daemon's errors, and nothing is removed`, () => {
    const md = ctx.md;
    const { prune, errorOf } = driver();
    md.ok(['commit', 'keep', 'spare:1']);
    const before = md.ok(['images', '-q', '--no-trunc']);
    const cases: [string[], string][] = [
      [['--filter', 'until=yesterday'], `invalid value for 'until' filter: failed to parse value as time or duration: "yesterday"`],
      [['--filter', 'until=1h', '--filter', 'until=2h'], 'more than one until filter specified'],
      [['--filter', 'nosuch=1'], "invalid filter 'nosuch'"],
      [['--filter', 'dangling=maybe'], "invalid filter 'dangling=false,maybe'"],
    ];
    for (const [args, msg] of cases) {
      const r = prune(['-a', '-f', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(errorOf(r), args.join(' ')).toBe(msg);
    }
    expect(md.ok(['images', '-q', '--no-trunc'])).toBe(before);
  });
}

for (const cli of DOCKERS)
  describe(`docker ${cli.version} image prune --filter through the service`, () => {
    const ctx = useService({ docker: cli.path });
    pruneSteps(`docker ${cli.version}`, ctx, () => ({
      prune: (args) => ctx.svc.docker(['image', 'prune', ...args]),
      errorOf: (r) => r.stderr.trim().replace(/^Error response from daemon: /, ''),
    }));
  });

describe('minidock image prune --filter, and POST /images/prune over HTTP', () => {
  const ctx = useService();
  pruneSteps('minidock', ctx, () => ({
    prune: (args) => ctx.md.run(['image', 'prune', ...args]),
    // as the docker CLI prints a daemon's refusal outside `run`: no program name (cli-daemon-values)
    errorOf: (r) => r.stderr.trim().replace(/^Error response from daemon: /, ''),
  }));

  it('the API: dangling=maybe and label filters as JSON, Docker\'s 400s and its report', async () => {
    const bad = await http(ctx.svc.sock, 'POST', `/images/prune?filters=${encodeURIComponent('{"dangling":{"maybe":true}}')}`);
    expect([bad.status, bad.json()]).toEqual([400, { message: "invalid filter 'dangling=maybe'" }]);
    ctx.md.ok(['commit', '-c', 'LABEL via=api', 'keep', 'viaapi:1']);
    const r = await http(ctx.svc.sock, 'POST', `/images/prune?filters=${encodeURIComponent('{"dangling":["false"],"label":{"via=api":true}}')}`);
    expect(r.status, r.body.toString()).toBe(200);
    const rep = r.json<{ ImagesDeleted: Record<string, string>[]; SpaceReclaimed: number }>();
    expect(rep.ImagesDeleted).toContainEqual({ Untagged: 'viaapi:1' });
    expect(ctx.md.run(['image', 'inspect', 'viaapi:1']).code).toBe(1);
    expect(ctx.md.ok(['image', 'inspect', '-f', '{{.Id}}', 'spare:1'])).toMatch(/^sha256:/);
  });
});

describe('minidock container prune --filter: the same filter code', () => {
  const ctx = useService();
  it('label=, label!=, until: only the stopped containers they keep go', async () => {
    const md = ctx.md;
    const mk = (name: string, ...labels: string[]) => md.ok(['create', '--name', name, '--network', 'none', ...labels.flatMap((l) => ['--label', l]), 'busybox', 'true']);
    const old = mk('old', 'tier=old');
    await sleep(1100);
    const t = Math.floor(Date.now() / 1000);
    await sleep(1100);
    const a = mk('ca', 'tier=new');
    mk('cb', 'tier=new', 'env=prod');
    const names = () => md.ok(['ps', '-a', '--format', '{{.Names}}']).split('\n').sort();
    expect(md.ok(['container', 'prune', '-f', '--filter', 'label=tier=new', '--filter', 'label!=env=prod'])).toContain(a);
    expect(names()).toEqual(['cb', 'old']);
    expect(md.ok(['container', 'prune', '-f', '--filter', `until=${t}`])).toContain(old);
    expect(names()).toEqual(['cb']);
    const bad = md.run(['container', 'prune', '-f', '--filter', 'until=1h', '--filter', 'until=2h']);
    expect([bad.code, bad.stderr.trim()]).toEqual([1, 'Error response from daemon: more than one until filter specified']);
    expect(names()).toEqual(['cb']);
  });
});
