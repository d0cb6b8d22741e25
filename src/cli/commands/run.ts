// `run` and `create`: validate every option first (a bad one changes nothing), then create
// the container, then (run) start it detached or in the foreground.
import { hostname as osHostname } from 'node:os';
import { UserError } from '../errors.js';
import { trace } from '../../state/trace.js';
import { pausePoint } from '../../state/pause.js';
import { ensureImage } from '../../engine/image/store.js';
import { createContainer, removeContainer, startContainer } from '../../engine/container/lifecycle.js';
import {
  mergeEnv, parseEnv, parseHostname, parseTmpfs, parseUser, parseVolume, parseWorkdir, readEnvFile, validateName,
} from '../../engine/container/options.js';
import { parsePortSpec, publishAllPorts, checkNetworkMode, checkPortsFree } from '../../engine/network/index.js';
import type { PortBinding } from '../../engine/network/types.js';
import { limitsHostConfig } from '../../runtime/limits-flags.js';

export interface RunFlags {
  detach?: boolean;
  rm?: boolean;
  name?: string;
  env: string[];
  envFile: string[];
  workdir?: string;
  hostname?: string;
  entrypoint?: string;
  volume: string[];
  tmpfs: string[];
  interactive?: boolean;
  tty?: boolean;
  user?: string;
  network: string;
  net?: string;
  publish: string[];
  publishAll?: boolean;
  ip?: string;
  networkAlias: string[];
  readOnly?: boolean;
  label: string[];
  explain?: boolean;
  dryRun?: boolean;
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  securityOpt?: string[];
}

function parseLabels(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf('=');
    const k = eq < 0 ? s : s.slice(0, eq);
    if (!k) throw new UserError(`invalid label: ${JSON.stringify(s)}`);
    out[k] = eq < 0 ? '' : s.slice(eq + 1);
  }
  return out;
}

export async function runCommand(image: string, command: string[], f: RunFlags, mode: { start: boolean }): Promise<number> {
  // 1. Everything the user typed, checked before anything is touched.
  const name = f.name !== undefined ? validateName(f.name) : undefined;
  const userEnv = f.env.map((e) => parseEnv(e)).filter((e): e is string => e !== undefined);
  const fileEnv = f.envFile.flatMap(readEnvFile);
  const binds = f.volume.map(parseVolume);
  const tmpfs = Object.fromEntries(f.tmpfs.map(parseTmpfs));
  const workdir = f.workdir !== undefined ? parseWorkdir(f.workdir) : undefined;
  const hostnameFlag = f.hostname !== undefined ? parseHostname(f.hostname) : undefined;
  if (f.user !== undefined) parseUser(f.user);
  const network = f.net ?? f.network;
  checkNetworkMode(network, { hostname: f.hostname, publish: f.publish, ip: f.ip, aliases: f.networkAlias });
  let ports: PortBinding[] = f.publish.flatMap(parsePortSpec);
  const labels = parseLabels(f.label);
  const limits = limitsHostConfig(f);

  trace('options parsed');
  pausePoint('run:parsed');
  // 2. The image (the builtin busybox is made on first use; others are pulled later).
  const img = await ensureImage(image);
  const cfg = img.config.config ?? {};
  if (f.publishAll) ports = [...ports, ...publishAllPorts(Object.keys(cfg.ExposedPorts ?? {}), ports)];
  if (mode.start) await checkPortsFree(ports);
  if (f.user) (await import('../../engine/system/validate.js')).checkUserInImage(f.user, img.layerDirs);

  let entrypoint: string[] | null = cfg.Entrypoint ?? null;
  let cmd: string[] | null = cfg.Cmd ?? null;
  if (f.entrypoint !== undefined) {
    entrypoint = f.entrypoint === '' ? null : [f.entrypoint];
    cmd = null; // Docker: --entrypoint clears the image's CMD
  }
  if (command.length) cmd = command;
  const isHostNet = network === 'host';
  const hostname = hostnameFlag ?? (isHostNet ? osHostname() : undefined);
  const env = mergeEnv(
    ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cfg.Env ?? [],
    f.tty ? ['TERM=xterm'] : [],
    fileEnv,
    userEnv,
  );

  trace('image ready');
  pausePoint('run:image-ready');
  const createOpts: Parameters<typeof createContainer>[0] = {
    image,
    imageId: img.id,
    imageDisplay: image,
    layerDirs: img.layerDirs,
    name,
    cmd,
    entrypoint,
    env,
    workdir: workdir ?? (cfg.WorkingDir || '/'),
    hostname,
    user: f.user ?? cfg.User ?? '',
    tty: !!f.tty,
    interactive: !!f.interactive,
    autoRemove: !!f.rm,
    binds,
    tmpfs,
    network,
    ports,
    ip: f.ip,
    aliases: f.networkAlias,
    readonly: !!f.readOnly,
    labels,
    hostConfig: limits,
  };
  if (f.dryRun) return (await import('../dryrun.js')).dryRunContainer(createOpts, mode.start);
  const rec = await createContainer(createOpts);

  trace('container created');
  pausePoint('run:created');
  if (!mode.start) {
    process.stdout.write(rec.Id + '\n');
    return 0;
  }
  const explain = f.explain ? (line: string) => process.stderr.write(line + '\n') : undefined;
  try {
    if (f.detach) {
      await startContainer(rec, { detach: true, explain });
      process.stdout.write(rec.Id + '\n');
      return 0;
    }
    return await startContainer(rec, { detach: false, explain });
  } catch (e) {
    if (f.rm) await removeContainer(rec.Id, { force: true }).catch(() => undefined);
    throw e;
  }
}
