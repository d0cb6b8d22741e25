// A SIGKILL of `minidock system service` in the middle of a `docker pull` (a layer half
// downloaded, from a registry proxy that stalls): no image appears, the next service's pull of
// the same image finishes and leaves no temporary file, and the image runs. The registry is
// Debian's docker-registry on this netns's loopback (a pull changes nothing in the kernel).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';
import { cleanupChecked, startService, type Service } from '../helpers/api-service.js';
import { buildLayout, busyboxEntries, push, startProxy, startRegistry, type Proxy, type Registry } from '../helpers/registry.js';

describe('SIGKILL of the service in the middle of a pull', () => {
  let reg: Registry;
  let px: Proxy;
  let md: Minidock;
  const services: Service[] = [];
  let bigDigest = '';
  let imageId = '';

  beforeAll(async () => {
    reg = await startRegistry();
    const big = buildLayout('1', {
      layers: [{ entries: busyboxEntries() }, { compress: 'none', entries: [{ path: 'big', type: 'file', data: randomBytes(3 << 20) }] }],
    });
    push(big, '1', `${reg.host}/crash/big:1`);
    rmSync(big.dir, { recursive: true, force: true }); // in the registry now
    bigDigest = big.images[0]!.layerDigests[1]!;
    imageId = big.images[0]!.id;
    // the big layer's first MiB, then nothing
    px = await startProxy(reg.port, { auth: 'none', stall: { path: new RegExp(bigDigest), after: 1 << 20 } });
    md = new Minidock();
  });

  afterAll(async () => {
    for (const s of services) await s.stop('SIGKILL');
    if (md) cleanupChecked(md);
    await px?.stop();
    await reg?.stop();
  });

  it('no image, no lock held; the next pull finishes cleanly and the image runs', async () => {
    const first = await startService(md, ['--time', '0'], { realNs: true });
    services.push(first);
    const pulling = first.dockerAsync(['pull', `${px.host}/crash/big:1`]);
    const until = Date.now() + 20_000;
    while (!px.requests.some((q) => q.path.includes(bigDigest)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(px.requests.some((q) => q.path.includes(bigDigest))).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    await first.stop('SIGKILL');
    const cut = await pulling;
    expect(cut.code).not.toBe(0); // the client lost its daemon

    const again = await startService(md, ['--time', '0'], { realNs: true });
    services.push(again);
    expect(again.docker(['images', '-q']).stdout.trim()).toBe('');
    const r = again.docker(['pull', `${reg.host}/crash/big:1`]);
    expect(r.code, r.stderr + again.log()).toBe(0);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${reg.host}/crash/big:1`);
    expect(again.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/crash/big:1`]).stdout.trim()).toBe(imageId);
    expect(readdirSync(join(md.root, 'images/layers')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    expect(readdirSync(join(md.root, 'images/blobs/sha256')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    const id = again.docker(['run', '-d', '--network', 'none', `${reg.host}/crash/big:1`, 'sh', '-c', 'wc -c < /big']).stdout.trim();
    expect(again.docker(['wait', id]).stdout.trim()).toBe('0');
    expect(again.docker(['logs', id]).stdout.trim()).toBe(String(3 << 20));
    expect(again.docker(['rm', id]).code).toBe(0);
  }, 120_000);
});
