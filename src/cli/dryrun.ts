// `minidock run --dry-run` / `create --dry-run`: print what --explain would print for this
// container — the network plan and the process — and change nothing: no container record, no
// netns, no rule, no address or port held. Called from src/cli/commands/run.ts once every option
// has been validated (so bad input fails exactly as without --dry-run).
import { UserError } from '../errors.js';
import type { CreateOptions } from '../engine/container/lifecycle.js';

/** imagePlan: the line saying the image would first be built or pulled (it is not here yet). */
export async function dryRunContainer(o: CreateOptions, start: boolean, imagePlan?: string): Promise<number> {
  const { allRecords, findContainer, stateOf } = await import('../engine/container/record.js');
  const { newId, explainProcess } = await import('../engine/container/lifecycle.js');
  const { generateName, validateName } = await import('../engine/container/options.js');
  const argv = [...(o.entrypoint ?? []), ...(o.cmd ?? [])];
  // An image still to be pulled: its own command is known only once it is here.
  if (argv.length === 0 && imagePlan) argv.push(`<the command of ${o.image}>`);
  if (argv.length === 0) throw new UserError('No command specified');
  const recs = allRecords();
  let name: string;
  if (o.name) {
    name = validateName(o.name);
    const other = recs.find((r) => r.Name === name);
    if (other) {
      throw new UserError(
        `Conflict. The container name "/${name}" is already in use by container "${other.Id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  } else name = generateName((n) => recs.some((r) => r.Name === n));
  const id = newId();
  const hostname = o.hostname ?? id.slice(0, 12);
  const out = (line: string) => process.stdout.write(line + '\n');
  process.stderr.write(`minidock: dry run: nothing is changed; the container would be ${name} (${id.slice(0, 12)})\n`);
  if (imagePlan) out(imagePlan);
  if (!start) {
    out(`# create: no host change until the container starts (minidock start ${name})`);
    return 0;
  }
  // Another container, for --network container:NAME, looked up before the state is sandboxed.
  const ref = o.network.startsWith('container:') ? o.network.slice('container:'.length) : undefined;
  const other = ref ? findContainer(ref) : undefined;
  const otherRef = other && { id: other.Id, name: other.Name, running: stateOf(other).Running, netnsPath: other.NetworkSettings?.SandboxKey ?? '' };
  const { withDryRun } = await import('../engine/network/dryrun.js');
  const { setupContainerNetwork } = await import('../engine/network/index.js');
  const net = await withDryRun(() =>
    setupContainerNetwork({
      containerId: id,
      containerName: name,
      hostname,
      mode: o.network,
      ip: o.ip,
      ip6: o.ip6,
      aliases: o.aliases,
      ports: o.ports,
      lookup: (r) => (otherRef && (r === ref || other!.Id.startsWith(r)) ? otherRef : undefined),
      explain: out,
    }),
  );
  for (const w of net.warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
  const pseudo = { Id: id, LayerDirs: o.layerDirs, Config: { Hostname: hostname }, Path: argv[0], Args: argv.slice(1) };
  out(explainProcess(pseudo as Parameters<typeof explainProcess>[0], net.netnsPath));
  return 0;
}
