// A tiny driver for the network layer, used by the net-* integration tests until (and beside)
// the real CLI: bundled by esbuild, run under `nsenter --net=<test host netns>`.
//   node net-fixture.mjs setup '<NetworkRequest JSON without lookup>' [lookupJSON]
//   node net-fixture.mjs teardown <containerId>
//   node net-fixture.mjs plan-explain   (prints nothing: reserved)
import { setupContainerNetwork, teardownContainerNetwork } from '../../src/engine/network/index.js';
import type { ContainerRef, NetworkRequest } from '../../src/engine/network/types.js';

async function main(): Promise<void> {
  const [cmd, arg, extra] = process.argv.slice(2);
  const explainOn = process.env.NET_FIXTURE_EXPLAIN === '1';
  const explain = explainOn ? (l: string) => process.stderr.write(l + '\n') : undefined;
  if (cmd === 'setup') {
    const req = JSON.parse(arg) as Omit<NetworkRequest, 'lookup'>;
    const refs = (extra ? JSON.parse(extra) : []) as ContainerRef[];
    const res = await setupContainerNetwork({
      ...req,
      explain,
      lookup: (r) => refs.find((c) => c.id.startsWith(r) || c.name === r),
    });
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
