// Drives a firewall backend straight from intent (no containers, no state root): bundled by a
// test (esbuild) and run inside a throwaway netns with `nsenter --net=…`, so the backends can be
// tested against the real kernel with addresses the test sets up itself.
//   node fw-direct.cjs '{"backend":"nftables","do":"create","net":{…}}'
// do: create | remove | ports | unports (with "ports": PortsIntent) | rules | orphans (with "own")
import { applyPlan, explainOps } from '../../src/host/plan.js';
import { backendOf } from '../../src/engine/network/firewall/index.js';
import type { FirewallName, NetIntent, OwnContext, PortsIntent } from '../../src/engine/network/firewall/backend.js';

interface Job {
  backend: FirewallName;
  do: 'create' | 'remove' | 'ports' | 'unports' | 'rules' | 'orphans';
  net?: NetIntent;
  ports?: PortsIntent;
  own?: OwnContext;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as Job;
  const fw = await backendOf(job.backend);
  const explained: string[] = [];
  const apply = async (ops: Awaited<ReturnType<typeof fw.createOps>>, tolerant = false) => {
    await applyPlan(ops, { explain: (l) => explained.push(l), tolerant });
    return explainOps(ops);
  };
  let out: unknown;
  switch (job.do) {
    case 'create':
      out = await apply(await fw.createOps(job.net!));
      break;
    case 'remove':
      out = await apply(await fw.removeOps(job.net!), true);
      break;
    case 'ports':
      out = await apply(fw.portOps(job.ports!));
      break;
    case 'unports':
      out = await apply(fw.portUndoOps(job.ports!), true);
      break;
    case 'rules':
      out = (await fw.listRules(job.own!)).map((r) => ({ table: r.table, chain: r.chain, command: r.command, words: r.words, packets: r.packets }));
      break;
    case 'orphans':
      out = (await fw.orphans(job.own!)).map((o) => o.why);
      break;
  }
  process.stdout.write(JSON.stringify({ out, explained }));
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
