// A tiny driver for the network layer, used by the net-* integration tests until (and beside)
// the real CLI: bundled by esbuild, run under `nsenter --net=<test host netns>`.
//   node net-fixture.mjs setup '<NetworkRequest JSON without lookup>' [lookupJSON]
//   node net-fixture.mjs teardown <containerId>
//   node net-fixture.mjs plan-explain   (prints nothing: reserved)
// It stands in for minidock-shim too: creates the netns first and sets up the inside (the
// result's `inside` line) with `ip`, as the shim does with clone(CLONE_NEWNET) and ioctls.
import { clearStaleNetwork, netnsName, ownsNetns, setupContainerNetwork, teardownContainerNetwork } from '../../src/engine/network/index.js';
import { run } from '../../src/host/exec.js';
import type { ContainerRef, NetworkRequest } from '../../src/engine/network/types.js';

async function main(): Promise<void> {
  const [cmd, arg, extra] = process.argv.slice(2);
  const explainOn = process.env.NET_FIXTURE_EXPLAIN === '1';
  const explain = explainOn ? (l: string) => process.stderr.write(l + '\n') : undefined;
  if (cmd === 'setup') {
    const req = JSON.parse(arg) as Omit<NetworkRequest, 'lookup'>;
    const refs = (extra ? JSON.parse(extra) : []) as ContainerRef[];
    const ns = netnsName(req.containerId);
    const own = ownsNetns(req.mode || 'bridge') && /^[0-9a-f]{12,64}$/.test(req.containerId);
    if (own) {
      await clearStaleNetwork(req.containerId);
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    let res;
    try {
      res = await setupContainerNetwork({
        ...req,
        explain,
        lookup: (r) => refs.find((c) => c.id.startsWith(r) || c.name === r),
        netnsReady: Promise.resolve(),
      });
    } catch (e) {
      if (own) await run('ip', ['netns', 'del', ns], { allowFail: true });
      throw e;
    }
    if (res.inside) {
      const [dev, cidr, gw] = res.inside.split(' ');
      await run('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', dev]);
      await run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
      if (gw !== '-') await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', gw]);
    }
    process.stdout.write(JSON.stringify(res) + '\n');
  } else if (cmd === 'teardown') {
    await teardownContainerNetwork(arg, undefined, { explain });
  } else {
    throw new Error(`unknown command ${cmd}`);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`fixture: ${e.message}\n`);
  process.exit(e.constructor.name === 'UserError' ? 125 : 1);
});
