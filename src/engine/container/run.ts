// `run` and `create`, below the CLI: validate every option first (a bad one changes nothing),
// make the image ready, then create the container. The CLI (src/cli/commands/run.ts) and the
// Engine API (src/api/) both come here with the same flags.
import { hostname as osHostname } from 'node:os';
import { DaemonError, UserError } from '../../errors.js';
import { trace } from '../../state/trace.js';
import { pausePoint } from '../../state/pause.js';
import { ensureImage, type ImageRecord } from '../image/store.js';
import { createContainer, type CreateOptions } from './lifecycle.js';
import {
  checkBindSource, checkVolumeSpec, parseBoolFlag, envKey, mergeEnv, parseEnv, parseLogConfig, parseRestartPolicy, parseHostname, parseTmpfs, parseUser, parseVolume, parseWorkdir, readEnvFile, validateName,
} from './options.js';
import { parsePortSpec, publishAllPorts, checkNetworkMode, checkPortsFree } from '../network/index.js';
import type { PortBinding } from '../network/types.js';
import { limitsHostConfig } from '../../runtime/limits-flags.js';
import { hasRunFlags, type RunFlagValues, type RunFlagsConfig } from './runflags.js';
import type { ContainerRecord, HostConfig } from './record.js';
import type { HealthConfig, HealthFlags } from './health.js';

export interface RunFlags extends RunFlagValues, HealthFlags {
  detach?: boolean;
  rm?: boolean;
  name?: string;
  env: string[];
  envFile: string[];
  workdir?: string;
  hostname?: string;
  entrypoint?: string;
  /** The Engine API's Entrypoint (a list; [] clears the image's): as --entrypoint, not combined with it */
  entrypointList?: string[];
  volume: string[];
  /** --mount, --volumes-from (src/engine/volume/mounts.ts) */
  mount?: string[];
  volumesFrom?: string[];
  tmpfs: string[];
  interactive?: boolean;
  tty?: boolean;
  user?: string;
  network?: string;
  net?: string;
  publish: string[];
  publishAll?: boolean;
  ip?: string;
  /** --ip6 */
  ip6?: string;
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
  restart?: string;
  init?: boolean;
  logDriver?: string;
  logOpt?: string[];
  link?: string[];
  attach?: string[];
  sigProxy?: string | boolean;
}

/** -a (docker/cli's validateAttach) and --sig-proxy (Go's ParseBool); foreground runs only. */
function attachFlags(f: RunFlags): { attach?: { stdin: boolean; stdout: boolean; stderr: boolean }; sigProxy: boolean } {
  const streams = (f.attach ?? []).map((a) => {
    const s = a.toLowerCase();
    if (s !== 'stdin' && s !== 'stdout' && s !== 'stderr') throw new UserError(`invalid argument "${a}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
    return s;
  });
  const sigProxy = parseBoolFlag('--sig-proxy', f.sigProxy === undefined || f.sigProxy === true ? f.sigProxy : String(f.sigProxy), true);
  if (streams.length && f.detach) throw new UserError('Conflicting options: -a and -d');
  if (!streams.length) return { sigProxy };
  return { attach: { stdin: streams.includes('stdin'), stdout: streams.includes('stdout'), stderr: streams.includes('stderr') }, sigProxy };
}

/** --link: parsed here, resolved at each start (links.ts). */
async function linkHostConfig(specs: string[], network: string): Promise<Partial<HostConfig>> {
  const { checkLinkNetwork, parseLink } = await import('./links.js');
  const links = specs.map(parseLink);
  checkLinkNetwork(links, network || 'bridge');
  return { Links: links };
}

/**
 * The other containers this one names (--pid/--ipc/--network container:NAME, --link NAME) must
 * exist before anything is made: Docker's daemon refuses the missing one with these words.
 */
async function checkNamedContainers(f: RunFlags, network: string): Promise<void> {
  const refs = [f.pid, f.ipc, network].filter((m) => m?.startsWith('container:')).map((m) => m!.slice('container:'.length));
  const links = (f.link ?? []).map((l) => l.split(':')[0]);
  if (!refs.length && !links.length) return;
  const { findContainer } = await import('./record.js');
  for (const ref of refs) if (ref && !findContainer(ref)) throw new DaemonError(`No such container: ${ref}`);
  for (const name of links) if (name && !findContainer(name)) throw new DaemonError(`could not get container for ${name}: No such container: ${name}`);
}

/** Loaded only when a --health-* flag is given (the common path does not pay for it). */
function healthFlagsGiven(f: RunFlags): boolean {
  return f.healthCmd !== undefined || f.healthInterval !== undefined || f.healthTimeout !== undefined ||
    f.healthStartPeriod !== undefined || f.healthStartInterval !== undefined || f.healthRetries !== undefined || f.healthcheck === false;
}

/** The image's HEALTHCHECK as it is, when no flag changes it. */
function imageHealth(h: unknown): HealthConfig | undefined {
  const hc = h as HealthConfig | undefined;
  return hc && Array.isArray(hc.Test) && hc.Test.length ? { ...hc } : undefined;
}

/** --restart, and Docker's refusal to combine it with --rm. */
function restartHostConfig(f: RunFlags): Partial<HostConfig> {
  if (f.restart === undefined) return {};
  const policy = parseRestartPolicy(f.restart);
  if (policy.Name === 'no') return {};
  if (f.rm) throw new UserError('conflicting options: cannot specify both --restart and --rm');
  return { RestartPolicy: policy };
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

/** What a run takes from its image. */
type RunImage = { id: string; config: { config?: ImageRecord['config']['config'] }; layerDirs: string[] };

/**
 * --dry-run: the local image, or — when a real run would first build or pull it — a stand-in
 * with what is known without doing so (the builtin's recipe config; nothing for a registry
 * image: its `-u` user is then not checked either) and the plan line that says so.
 */
async function dryRunImage(ref: string): Promise<{ img: RunImage; imagePlan?: string }> {
  const { imageSource } = await import('../image/store.js');
  const src = imageSource(ref);
  if ('img' in src) return { img: src.img };
  const { paths } = await import('../../state/paths.js');
  if ('build' in src) {
    const { builtinPlan } = await import('../image/builtin.js');
    const p = builtinPlan();
    return { img: { id: '<busybox:latest, once built>', config: { config: p.config }, layerDirs: [`${paths.layers()}/<busybox:latest, once built>/diff`] }, imagePlan: p.line };
  }
  const name = src.pull.display;
  return {
    img: { id: `<${name}, once pulled>`, config: {}, layerDirs: [`${paths.layers()}/<the layers of ${name}, once pulled>/diff`] },
    imagePlan: `# the image ${name} is not in the store: pull it from its registry first (as \`minidock pull ${name}\`; its config, command and ports are known only then)`,
  };
}

/** Docker's Config.ExposedPorts: the image's EXPOSE, and every -p's container port (nat.ParsePortSpecs). */
function exposedPortsOf(image: Record<string, object> | undefined, ports: PortBinding[]): Record<string, Record<string, never>> {
  const out: Record<string, Record<string, never>> = {};
  for (const k of Object.keys(image ?? {})) out[k.includes('/') ? k : `${k}/tcp`] = {};
  for (const p of ports) out[`${p.containerPort}/${p.proto}`] = {};
  return out;
}

/** The image: ensureImage, or under --pull/--platform (image/pull-policy.ts). */
async function runImage(image: string, how: RunFlagsConfig['image']): Promise<ImageRecord> {
  if (!how) return ensureImage(image);
  const { ensureImageWith } = await import('../image/pull-policy.js');
  return ensureImageWith(image, how.pull, how.platform);
}

/**
 * Config fields of the issue-13 flags, merged with the image's as Docker does: --expose adds to
 * its ExposedPorts, its STOPSIGNAL holds unless --stop-signal is given. Undefined when neither.
 */
function imageConfigExtras(c: RunFlagsConfig['config'] | undefined, img: { ExposedPorts?: Record<string, unknown>; StopSignal?: string }): RunFlagsConfig['config'] | undefined {
  if (!c && !img.StopSignal) return undefined;
  const out = { ...c };
  if (img.StopSignal && out.StopSignal === undefined) out.StopSignal = img.StopSignal;
  if (c?.ExposedPorts) out.ExposedPorts = { ...(img.ExposedPorts as Record<string, Record<string, never>>), ...c.ExposedPorts };
  return out;
}

async function planRunMounts(f: RunFlags, imageVolumes: string[]) {
  const { planMounts, pointsOfRecord } = await import('../volume/mounts.js');
  const { findContainer } = await import('./record.js');
  return planMounts({
    volume: f.volume, mount: f.mount ?? [], volumesFrom: f.volumesFrom ?? [], imageVolumes, tmpfs: f.tmpfs,
    pointsOf: (ref) => {
      const r = findContainer(ref);
      return r && pointsOfRecord(r);
    },
  });
}

/** A run or create, checked and resolved, not yet done: what createPlanned then creates. */
export interface RunPlan {
  createOpts: CreateOptions;
  /** --dry-run: the line saying the image would first be built or pulled */
  imagePlan?: string;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean } | undefined;
  sigProxy: boolean;
  cidfile?: string;
}

/**
 * Everything a run or create was given, checked before anything is touched, and the image made
 * ready (built, pulled, or with `pull: 'never'` only found): the one implementation behind
 * `minidock run`/`create` and the Engine API's POST /containers/create.
 */
export async function planRun(image: string, command: string[], f: RunFlags, mode: { start: boolean }): Promise<RunPlan> {
  // 1. Everything the user typed, checked before anything is touched.
  // `--name ''` is no name: the daemon makes one, as for no --name
  const name = f.name ? validateName(f.name) : undefined;
  const userEnv = f.env.map((e) => parseEnv(e)).filter((e): e is string => e !== undefined);
  const fileEnv = f.envFile.flatMap(readEnvFile);
  for (const v of f.volume) checkVolumeSpec(v);
  // Volumes, --mount, --volumes-from: their own module, loaded only when used (or the image has VOLUMEs).
  const mountFlags = !!(f.mount?.length || f.volumesFrom?.length || f.volume.some((v) => !v.startsWith('/') || !v.includes(':')));
  const binds = mountFlags ? [] : f.volume.map(parseVolume);
  for (const b of binds) checkBindSource(b.source);
  if (mountFlags) await planRunMounts(f, []); // checked before the image is made or pulled; planned again with its VOLUMEs below
  const tmpfs = Object.fromEntries(f.tmpfs.map(parseTmpfs));
  const workdir = f.workdir !== undefined ? parseWorkdir(f.workdir) : undefined;
  const hostnameFlag = f.hostname !== undefined ? parseHostname(f.hostname) : undefined;
  if (f.user !== undefined) parseUser(f.user);
  // No --network: Docker's NetworkMode "default", which is the default bridge.
  const network = f.net ?? f.network ?? 'bridge';
  await (await import('../network/networks.js')).refreshClusterNetworks(network);
  checkNetworkMode(network, { hostname: f.hostname, publish: f.publish, ip: f.ip, ip6: f.ip6, aliases: f.networkAlias });
  let ports: PortBinding[] = f.publish.flatMap(parsePortSpec);
  const limits = limitsHostConfig(f);
  // Issue 13's flags (runflags.ts): parsed only when one is given.
  const extra: RunFlagsConfig | undefined = hasRunFlags(f) ? await (await import('./runflags.js')).parseRunFlags(f, network) : undefined;
  const labels = { ...extra?.fileLabels, ...parseLabels(f.label) };
  const restart = restartHostConfig(f);
  const logConfig = parseLogConfig(f.logDriver, f.logOpt ?? []);
  const health = healthFlagsGiven(f) ? await import('./health.js') : undefined;
  const userHealth = health?.parseHealthFlags(f);
  const links = f.link?.length ? await linkHostConfig(f.link, network) : {};
  await checkNamedContainers(f, network);
  const attach = attachFlags(f);

  trace('options parsed');
  pausePoint('run:parsed');
  // 2. The image (the builtin busybox is made on first use; others are pulled). A dry run
  // only says which it would do (imagePlan): it builds, pulls and writes nothing.
  const pullPlan = f.dryRun && extra?.image ? (await import('../image/pull-policy.js')).dryRunPullCheck(image, extra.image.pull, extra.image.platform) : undefined;
  const got: { img: RunImage; imagePlan?: string } = f.dryRun ? await dryRunImage(image) : { img: await runImage(image, extra?.image) };
  if (pullPlan) got.imagePlan = pullPlan;
  const img = got.img;
  const cfg = img.config.config ?? {};
  if (f.publishAll) ports = [...ports, ...publishAllPorts([...Object.keys(cfg.ExposedPorts ?? {}), ...Object.keys(extra?.config.ExposedPorts ?? {})], ports)];
  if (mode.start) await checkPortsFree(ports, network);
  const mountPlan = mountFlags || cfg.Volumes ? await planRunMounts(f, Object.keys(cfg.Volumes ?? {})) : undefined;
  if (f.user && !got.imagePlan) (await import('../system/validate.js')).checkUserInImage(f.user, img.layerDirs);

  let entrypoint: string[] | null = cfg.Entrypoint ?? null;
  let cmd: string[] | null = cfg.Cmd ?? null;
  if (f.entrypoint !== undefined) {
    entrypoint = f.entrypoint === '' ? null : [f.entrypoint];
    cmd = null; // Docker: --entrypoint clears the image's CMD
  }
  if (f.entrypointList !== undefined) {
    entrypoint = f.entrypointList.length ? f.entrypointList : null;
    cmd = null;
  }
  if (command.length) cmd = command;
  const isHostNet = network === 'host';
  const hostname = hostnameFlag ?? (isHostNet || f.uts === 'host' ? osHostname() : undefined);
  // Docker's order (daemon merge()): the user's variables first, then the image's it did not
  // set; TERM=xterm of -t is the process's only (processEnv), as Docker's daemon adds it
  const user = mergeEnv(fileEnv, userEnv);
  const userKeys = new Set(user.map(envKey));
  const env = [...user, ...mergeEnv(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], cfg.Env ?? []).filter((e) => !userKeys.has(envKey(e)))];

  trace('image ready');
  pausePoint('run:image-ready');
  const createOpts: CreateOptions = {
    image,
    imageId: img.id,
    imageDisplay: image,
    layerDirs: img.layerDirs,
    name,
    cmd,
    entrypoint,
    env,
    // Docker's Config.WorkingDir: -w, else the image's, else "" (the process then starts in /)
    workdir: workdir ?? cfg.WorkingDir ?? '',
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
    ip6: f.ip6,
    aliases: f.networkAlias,
    readonly: !!f.readOnly,
    labels,
    detach: mode.start && !!f.detach,
    exposedPorts: exposedPortsOf(cfg.ExposedPorts, ports),
    // -a: only the streams named (-i attaches stdin whatever -a says); -d conflicts with it
    attachStreams: attach.attach && { ...attach.attach, stdin: attach.attach.stdin || !!f.interactive },
    healthcheck: health ? health.mergeHealth(userHealth, cfg.Healthcheck as HealthConfig | undefined) : imageHealth(cfg.Healthcheck),
    hostConfig: {
      ...limits, ...extra?.hostConfig, ...(f.publishAll ? { PublishAllPorts: true } : {}), ...(f.net ?? f.network ? {} : { DefaultNetwork: true }),
      ...restart, ...(f.init ? { Init: true } : {}), ...(logConfig ? { LogConfig: logConfig } : {}), ...links,
    },
    config: imageConfigExtras(extra?.config, cfg),
    mountPlan,
  };
  return { createOpts, imagePlan: got.imagePlan, attach: attach.attach, sigProxy: attach.sigProxy, cidfile: extra?.cidfile };
}

/** Creates the planned container (and writes its --cidfile, claimed first). */
export async function createPlanned(plan: RunPlan): Promise<ContainerRecord> {
  const cid = plan.cidfile !== undefined ? (await import('./runflags.js')).claimCidfile(plan.cidfile) : undefined;
  try {
    const rec = await createContainer(plan.createOpts);
    cid?.write(rec.Id);
    return rec;
  } catch (e) {
    cid?.release();
    throw e;
  }
}
