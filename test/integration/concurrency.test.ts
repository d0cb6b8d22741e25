// 30 concurrent `run -d` interleaved with `rm -f`: no error, no duplicate address, no leak.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Minidock } from '../helpers/cli.js';
import { containerIds, emptyHeld, heldBy, hostLinks, iptablesSave, stateDebris, untilQuiet } from './crash-helpers.js';

const md = new Minidock();

beforeAll(() => {
  md.ok(['run', '--rm', 'busybox', 'true']);
});
afterAll(() => md.cleanup());

it('30 run -d -p and rm -f interleaved', async () => {
  const N = 30;
  const started: Promise<string>[] = [];
  const removed: Promise<void>[] = [];
  const seen: string[] = [];
  for (let i = 0; i < N; i++) {
    const p = md.runAsync(['run', '-d', '--name', `c${i}`, '-p', `${20000 + i}:80`, 'busybox', 'sleep', '600']).then((r) => {
      expect(r.code, `run c${i}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
      return r.stdout.trim();
    });
    started.push(p);
    // every third container is force-removed as soon as it runs, while the others still start
    if (i % 3 === 0) {
      removed.push(
        p.then(async (id) => {
          const r = await md.runAsync(['rm', '-f', id]);
          expect(r.code, `rm c${i}: ${r.stderr}`).toBe(0);
        }),
      );
    }
  }
  const ids = await Promise.all(started);
  await Promise.all(removed);
  seen.push(...ids);

  // the survivors: all running, each with its own address
  const alive = ids.filter((_, i) => i % 3 !== 0);
  const ips = alive.map((id) => md.ok(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', id]));
  expect(new Set(ips).size).toBe(alive.length);
  for (const id of alive) expect(md.ok(['inspect', '-f', '{{.State.Running}}', id])).toBe('true');
  // the removed ones hold nothing
  const links = hostLinks(md);
  const save = iptablesSave(md);
  for (const id of ids.filter((_, i) => i % 3 === 0)) expect(heldBy(md, id, links, save)).toSatisfy(emptyHeld);

  // then remove the rest concurrently too: nothing at all is left
  const rs = await Promise.all(alive.map((id) => md.runAsync(['rm', '-f', id])));
  for (const r of rs) expect(r.code, r.stderr).toBe(0);
  expect(containerIds(md)).toEqual([]);
  const links2 = hostLinks(md);
  const save2 = iptablesSave(md);
  for (const id of seen) expect(heldBy(md, id, links2, save2)).toSatisfy(emptyHeld);
  await untilQuiet(md, seen); // the shims' exit commands may outlive rm -f by a moment
  expect(stateDebris(md)).toEqual([]);
}, 240_000);
