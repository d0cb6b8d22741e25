// Container commands other than run: ps, start, stop, restart, kill, wait, rm, logs, exec, inspect.
import { BareError, errorLine, UserError } from '../../errors.js';
import { tabwrite } from '../tabwriter.js';
import { trace } from '../../state/trace.js';
import { mustFind, findContainer } from '../../engine/container/record.js';
// lifecycle.ts (and the network code behind it) only for the commands that change a container:
// `ps`, `inspect`, `logs` and `exec` never initialise those modules (~10 ms of their start).
const lifecycle = () => import('../../engine/container/lifecycle.js');
import { parseEnv, parseSignal, parseWorkdir, parseUser } from '../../engine/container/options.js';
import { writeErr, writeOut } from '../output.js';

/** Runs fn for each ref like Docker: print what succeeded, one error line each, exit 1 if any failed. */
export async function each(refs: string[], fn: (ref: string) => Promise<string | void>): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      if (out !== undefined) writeOut(out + '\n');
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      writeErr(`${errorLine(e)}\n`); // (never run's: each serves the commands that name containers)
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  trunc?: boolean;
  format?: string;
  size?: boolean;
  latest?: boolean;
  last?: string;
  filter?: string[];
}

/** Docker's table format for ps (docker/cli formatter.defaultContainerTableFormat: `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}`, `\t{{.Size}}` with -s). */
const PS_COLUMNS = ['ID', 'Image', 'Command', 'RunningFor', 'Status', 'Ports', 'Names'] as const;

/**
 * Docker requests sizes when the template uses .Size — including through `{{json .}}`, whose
 * MarshalJSON calls every field (docker/cli buildContainerListOptions' FieldsUsed probe). That
 * probe runs the text as given: `--format json` is the literal word there, and asks for none.
 */
function formatWantsSize(format: string): boolean {
  return /\.Size\b/.test(format) || /\bjson\s+\.\s*(\}\}|\|)/.test(format);
}

export async function ps(o: PsOptions): Promise<number> {
  const { psRow, psCells, containerSize, PS_HEADERS, labelHeader } = await import('../../engine/container/views.js');
  let limit = -1;
  if (o.last !== undefined) {
    if (!/^[+-]?\d+$/.test(o.last.trim())) throw new UserError(`invalid argument "${o.last}" for "-n, --last" flag: strconv.ParseInt: parsing ${JSON.stringify(o.last)}: invalid syntax`);
    limit = Number(o.last);
  }
  if (o.latest && limit === -1) limit = 1;
  const now = Date.now();
  const wantSize = !!o.size || formatWantsSize(o.format ?? '');
  const { listContainers } = await import('../../engine/container/list.js');
  const { recs, states, shown: ids, resolveImage } = await listContainers({ all: o.all, limit, filters: o.filter ?? [], wantStore: wantSize });
  const shown = ids.map((id) => ({ id }));
  const byId = new Map(recs.map((r) => [r.Id, r]));
  if (o.quiet) {
    if (o.format) writeErr('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
    for (const s of shown) writeOut((o.trunc === false ? s.id : s.id.slice(0, 12)) + '\n');
    return 0;
  }
  const imageSize = (id: string) => resolveImage?.(id)?.size;
  const rowOptions = (rec: import('../../engine/container/record.js').ContainerRecord) => ({ noTrunc: o.trunc === false, now, size: wantSize ? containerSize(rec, imageSize) : undefined });
  if (!o.format || o.format === 'table') {
    // Docker's default table (PS_TABLE), its cells made straight from the records: the same
    // output as running the template, without a template per cell, nor the fields the table
    // does not show (ps stays cheap)
    const columns = o.size ? [...PS_COLUMNS, 'Size' as const] : PS_COLUMNS;
    const head = columns.map((k) => PS_HEADERS[k]);
    const body = shown.map((s) => {
      const rec = byId.get(s.id)!;
      return psCells(rec, states.get(s.id)!, rowOptions(rec), columns);
    });
    trace('ps: cells made');
    writeOut(tabwrite([head, ...body], 10, 3) + '\n');
    trace('ps: written');
    return 0;
  }
  const rows = shown.map((s) => {
    const rec = byId.get(s.id)!;
    return psRow(rec, states.get(s.id)!, rowOptions(rec));
  });
  // Docker's ContainerContext (its method Label(name) included), and its SubHeaderContext for
  // a table's header (whose Label(name) names the column)
  // the template engine only for --format: the default table is made without it
  const { goStruct, writeFormatted } = await import('../template.js');
  const ctxs = rows.map((r) => goStruct('formatter.ContainerContext', r));
  // docker ps parses its template before it lists (docker/cli's "failed to parse template")
  writeFormatted(o.format, ctxs, { type: 'formatter.ContainerContext', headers: { ...PS_HEADERS, Label: labelHeader }, parseError: 'failed to parse template' });
  return 0;
}

const control = () => import('../../engine/container/control.js');

export async function start(refs: string[]): Promise<number> {
  const failed: string[] = [];
  const code = await each(refs, async (ref) => {
    try {
      await (await control()).startRef(ref);
    } catch (e) {
      failed.push(ref);
      throw e;
    }
    return ref;
  });
  // docker/cli's RunStart: one more line naming every container that did not start
  if (code) writeErr(`Error: failed to start containers: ${failed.join(', ')}\n`);
  return code;
}

export async function stop(refs: string[], o: { time?: string; signal?: string }): Promise<number> {
  const { stopRef, stopTimeout } = await control();
  if (o.time !== undefined) stopTimeout(o.time);
  if (o.signal !== undefined) parseSignal(o.signal, 1);
  return each(refs, async (ref) => {
    await stopRef(ref, o);
    return ref;
  });
}

export async function restart(refs: string[], o: { time?: string }): Promise<number> {
  const { restartRef, stopTimeout } = await control();
  if (o.time !== undefined) stopTimeout(o.time);
  return each(refs, async (ref) => {
    await restartRef(ref, o);
    return ref;
  });
}

export function kill(refs: string[], o: { signal: string }): Promise<number> {
  return each(refs, async (ref) => {
    const { killContainer } = await lifecycle();
    await killContainer(ref, o.signal);
    return ref;
  });
}

export function wait(refs: string[]): Promise<number> {
  return each(refs, async (ref) => String(await (await control()).waitRef(ref)));
}

export async function rm(refs: string[], o: { force?: boolean; volumes?: boolean; explain?: boolean; dryRun?: boolean }): Promise<number> {
  if (o.dryRun) {
    // the plan on stdout, as run --dry-run; nothing is stopped, unwired or removed
    const { explainRemoveContainer } = await lifecycle();
    const code = await each(refs, async (ref) => {
      await explainRemoveContainer(ref, { force: !!o.force, explain: (line) => writeOut(line + '\n') });
    });
    if (code === 0) writeErr('(dry run: nothing was changed)\n');
    return code;
  }
  const explain = o.explain ? (line: string) => writeErr(line + '\n') : undefined;
  return each(refs, async (ref) => {
    // Docker's CLI (since 23.0, cli/command/container/rm.go): with -f a container that is not
    // there is no error and prints nothing, so `rm -f x || true` is never needed.
    if (o.force && !findContainer(ref)) return;
    const { removeContainer } = await lifecycle();
    await removeContainer(ref, { force: !!o.force, volumes: !!o.volumes, explain });
    return ref;
  });
}

export async function logs(
  ref: string,
  o: { follow?: boolean; tail: string; timestamps?: boolean; since?: string; until?: string; details?: boolean },
): Promise<number> {
  // the daemon's reading (moby daemon/logs.go): what strconv.Atoi cannot read, or a negative count, is all of it
  const n = /^[+-]?\d+$/.test(o.tail) ? Number(o.tail) : -1;
  const tail = n < 0 || !Number.isSafeInteger(n) ? undefined : n;
  const { parseTimestamp } = await import('../../engine/container/logtime.js');
  const now = Date.now();
  // Docker's CLI parses both before asking for the logs: a bad value is one line, exit 1
  const sinceNs = o.since ? parseTimestamp(o.since, 'since', now) : undefined;
  const untilNs = o.until ? parseTimestamp(o.until, 'until', now) : undefined;
  const rec = mustFind(ref);
  if (rec.HostConfig.LogConfig?.Type === 'none') throw new UserError('Error response from daemon: configured logging driver does not support reading', 1);
  const { streamLogs } = await import('../../engine/container/logs.js');
  await streamLogs(rec.Id, {
    follow: !!o.follow,
    tail,
    timestamps: !!o.timestamps,
    sinceNs,
    untilNs,
    write: (e) => {
      // --details: the entry's attributes (none: minidock sets no --log-opt labels/env) and a space
      const body = o.details ? ` ${e.log}` : e.log;
      const line = o.timestamps ? `${e.time} ${body}` : body;
      (e.stream === 'stderr' ? writeErr : writeOut)(line);
    },
  });
  return 0;
}

export async function exec(
  ref: string,
  cmd: string[],
  o: { detach?: boolean; interactive?: boolean; tty?: boolean; env: string[]; workdir?: string; user?: string },
): Promise<number> {
  const env = o.env.map((e) => parseEnv(e)).filter((e): e is string => e !== undefined);
  const workdir = o.workdir !== undefined ? parseWorkdir(o.workdir) : undefined;
  if (o.user !== undefined) parseUser(o.user);
  const { execInContainer } = await import('../../engine/container/exec.js');
  return execInContainer(ref, {
    cmd,
    env,
    workdir,
    user: o.user,
    tty: !!o.tty,
    interactive: !!o.interactive,
    detach: !!o.detach,
  });
}

const INSPECT_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];

export async function inspect(refs: string[], o: { format?: string; type?: string; size?: boolean }): Promise<number> {
  // docker/cli's own check of --type, before it looks anything up (swarm's kinds find nothing here)
  if (o.type && !INSPECT_TYPES.includes(o.type)) throw new BareError(`unknown type: ${JSON.stringify(o.type)}: must be one of ${INSPECT_TYPES.map((t) => JSON.stringify(t)).join(', ')}`, 1);
  // docker 28's CLI: its own line when it looked for any kind, the daemon's answer when --type
  // (or `container inspect`) said which
  const kind = o.type === 'container' || o.type === 'image' || o.type === 'network' || o.type === 'volume' ? o.type : undefined;
  const notFound = kind ? (await import('../not-found.js')).NOT_FOUND[kind] : (ref: string) => `Error: No such object: ${ref}`;
  const { printInspect } = await import('../template.js');
  return printInspect(refs, o.format, (ref) => inspectAny(ref, o.type, !!o.size), notFound);
}

async function inspectAny(ref: string, type: string | undefined, size: boolean): Promise<unknown> {
  if (type && !['container', 'image', 'network', 'volume'].includes(type)) return undefined; // swarm's kinds: none here
  if (!type || type === 'container') {
    const rec = findContainer(ref);
    if (rec) {
      const { inspectContainer } = await import('../../engine/container/inspect-view.js');
      const { containerSize } = await import('../../engine/container/views.js');
      if (!size) return inspectContainer(rec);
      // -s: SizeRw and SizeRootFs, as Docker's (only asked for, since it walks the upper dir)
      const { resolveImageSync } = await import('../../engine/image/store.js');
      const imageSize = (id: string) => {
        try {
          return resolveImageSync(id)?.size;
        } catch {
          return undefined;
        }
      };
      return inspectContainer(rec, { size: containerSize(rec, imageSize) });
    }
  }
  if (!type || type === 'image') {
    const { inspectImage } = await import('./images.js');
    const img = await inspectImage(ref);
    if (img) return img;
  }
  if (!type || type === 'network') {
    const { inspectNetworkByName } = await import('../../engine/network/index.js');
    const net = await inspectNetworkByName(ref);
    if (net) return net;
  }
  if (!type || type === 'volume') {
    const { loadVolume, inspectVolume } = await import('../../engine/volume/store.js');
    const v = loadVolume(ref);
    if (v) return inspectVolume(v);
  }
  return undefined;
}
