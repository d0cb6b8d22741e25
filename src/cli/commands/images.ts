// Image commands: images, image inspect, pull, tag, rmi, image prune, load, save, import,
// login, logout. Heavy parts (registry client, archives, garbage collection) load on demand.
import { BareError, UserError, checkReadableFile } from '../../errors.js';
import { IMAGES_FORMAT, columns, printInspect, timeAgo, writeFormatted } from '../template.js';
import { goTimeString, humanSize } from '../../units.js';
import { listImages, type ImageRecord } from '../../engine/image/store.js';
import { inspectImage } from '../../engine/image/inspect.js';
import { selectImages } from '../../engine/image/select.js';

export { inspectImage };
import { normalizeRef, referenceError } from '../../engine/image/reference.js';
import { writeErr, writeOut } from '../output.js';

/** docker/cli's ImageContext fields (what `{{json .}}` prints; the N/A ones are what `images` does not compute). */
interface ImageRow {
  Repository: string;
  Tag: string;
  Digest: string;
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  Containers: string;
  SharedSize: string;
  UniqueSize: string;
  VirtualSize: string;
}

const repoOf = (ref: string): string => ref.slice(0, ref.lastIndexOf(ref.includes('@') ? '@' : ':'));

function rowsOf(img: ImageRecord, noTrunc: boolean): ImageRow[] {
  const digestOf = (repo: string): string => img.repoDigests.find((d) => repoOf(d) === repo)?.slice(repo.length + 1) ?? '<none>';
  const base = {
    ID: noTrunc ? img.id : img.id.replace(/^sha256:/, '').slice(0, 12),
    CreatedSince: timeAgo(img.created),
    CreatedAt: goTimeString(img.created, true), // time.Unix(created, 0).String()
    Size: humanSize(img.size),
    Containers: 'N/A',
    SharedSize: 'N/A',
    UniqueSize: 'N/A',
    VirtualSize: humanSize(img.size, 4), // units.HumanSize
  };
  if (img.repoTags.length === 0) {
    // Docker: an untagged image with digest references shows its repository, tag <none>.
    const repos = [...new Set(img.repoDigests.map(repoOf))];
    if (repos.length === 0) return [{ Repository: '<none>', Tag: '<none>', Digest: '<none>', ...base }];
    return repos.map((r) => ({ Repository: r, Tag: '<none>', Digest: digestOf(r), ...base }));
  }
  return img.repoTags.map((t) => {
    const colon = t.lastIndexOf(':');
    const repo = t.slice(0, colon);
    return { Repository: repo, Tag: t.slice(colon + 1), Digest: digestOf(repo), ...base };
  });
}

export async function images(o: {
  quiet?: boolean;
  digests?: boolean;
  trunc?: boolean;
  format?: string;
  filter?: string[];
  repository?: string;
}): Promise<number> {
  const noTrunc = o.trunc === false;
  const list = selectImages(listImages(), o.filter ?? []);
  let rows = list.flatMap((i) => rowsOf(i, noTrunc));
  if (o.repository) {
    const hasTag = /:[\w][\w.-]*$/.test(o.repository.slice(o.repository.lastIndexOf('/') + 1));
    const n = normalizeRef(o.repository);
    rows = rows.filter((r) => r.Repository === n.familiarName && (!hasTag || r.Tag === n.tag));
  }
  if (o.quiet) {
    for (const id of new Set(rows.map((r) => r.ID))) writeOut(id + '\n');
    return 0;
  }
  if (o.format) {
    writeFormatted(o.format, rows, IMAGES_FORMAT);
    return 0;
  }
  const head = ['REPOSITORY', 'TAG', ...(o.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
  const body = rows.map((r) => [r.Repository, r.Tag, ...(o.digests ? [r.Digest] : []), r.ID, r.CreatedSince, r.Size]);
  writeOut(columns([head, ...body]) + '\n');
  return 0;
}

export async function inspectImages(refs: string[], o: { format?: string }): Promise<number> {
  return printInspect(refs, o.format, inspectImage, (await import('../not-found.js')).NOT_FOUND.image);
}

function isOffline(e: unknown): boolean {
  return e instanceof Error && /cannot reach registry/.test(e.message);
}

export async function pull(name: string, o: { quiet?: boolean; platform?: string; insecureRegistry?: string[] }): Promise<number> {
  const n = normalizeRef(name);
  const { pullImage } = await import('../../engine/image/pull.js');
  try {
    const r = await pullImage(name, { quiet: !!o.quiet, ...(o.platform ? { platform: o.platform } : {}), insecure: o.insecureRegistry ?? [], out: process.stdout });
    writeOut(`${n.name}${n.digest ? `@${n.digest}` : `:${n.tag}`}\n`);
    void r;
    return 0;
  } catch (e) {
    // Offline, busybox:latest still works: the builtin image (built from the host's busybox).
    const { BUILTIN_BUSYBOX_KEY, ensureImage } = await import('../../engine/image/store.js');
    if (n.key === BUILTIN_BUSYBOX_KEY && !o.platform && isOffline(e)) {
      writeErr(`minidock: ${(e as Error).message}\nminidock: using the builtin busybox:latest (built offline from the host's busybox-static)\n`);
      const img = await ensureImage('busybox:latest');
      if (!o.quiet) writeOut(`Status: Image is up to date for busybox:latest (builtin ${img.id.slice(7, 19)})\n`);
      writeOut(`${n.name}:${n.tag}\n`);
      return 0;
    }
    throw e;
  }
}

export async function tag(src: string, dst: string): Promise<number> {
  // docker's client (ImageTag) parses both before asking the daemon: ParseAnyReference, then ParseNormalizedNamed
  for (const ref of [src, dst]) {
    const why = ref === src && /^(sha256:)?[a-f0-9]{64}$/.test(ref) ? undefined : referenceError(ref);
    if (why) throw new BareError(`Error parsing reference: ${JSON.stringify(ref)} is not a valid repository/tag: ${why}`, 1);
  }
  if (normalizeRef(dst).digest) throw new BareError('refusing to create a tag with a digest reference', 1);
  const { tagImage } = await import('../../engine/image/store.js');
  await tagImage(src, dst);
  return 0;
}

export async function rmi(refs: string[], o: { force?: boolean }): Promise<number> {
  const { removeImage, NoSuchImageError } = await import('../../engine/image/remove.js');
  let code = 0;
  for (const ref of refs) {
    try {
      for (const l of await removeImage(ref, !!o.force)) writeOut(l + '\n');
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      writeErr(`Error response from daemon: ${e.message}\n`);
      // docker/cli's image rm: with -f, one it did not find is said but is no failure
      if (!o.force || !(e instanceof NoSuchImageError)) code = 1;
    }
  }
  return code;
}

async function confirm(question: string): Promise<boolean> {
  writeOut(`${question} [y/N] `);
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((res) => {
    rl.once('line', res);
    rl.once('close', () => res(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

export async function prune(o: { all?: boolean; force?: boolean; filter?: string[] }): Promise<number> {
  const { checkImagePruneFilters, pruneImages } = await import('../../engine/image/remove.js');
  // as Docker's CLI: -a is dangling=false, sent along with the user's filters
  const filters = [...(o.filter ?? []), `dangling=${!o.all}`];
  await checkImagePruneFilters(filters);
  if (!o.force) {
    const warning = o.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    writeOut(warning + '\n');
    if (!(await confirm('Are you sure you want to continue?'))) return 0;
  }
  const r = await pruneImages(filters);
  if (r.lines.length) writeOut(`Deleted Images:\n${r.lines.join('\n')}\n\n`);
  writeOut(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
  return 0;
}

/** load -i / import FILE: docker/cli opens it itself and prints Go's error as it is, exit 1. */
function readableOrBare(file: string): void {
  try {
    checkReadableFile(file);
  } catch (e) {
    throw e instanceof UserError ? new BareError(e.message, 1) : e;
  }
}

export async function load(o: { input?: string; quiet?: boolean }): Promise<number> {
  if (!o.input && process.stdin.isTTY) throw new UserError('requested load from stdin, but stdin is empty (use -i FILE or redirect a file)');
  if (o.input) readableOrBare(o.input);
  const { loadImages } = await import('../../engine/image/archive.js');
  const r = await loadImages(o.input ?? process.stdin);
  if (!o.quiet) for (const l of r.lines) writeOut(l + '\n');
  return 0;
}

export async function save(refs: string[], o: { output?: string }): Promise<number> {
  if (!o.output && process.stdout.isTTY) throw new UserError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  const refused = o.output === undefined ? undefined : (await import('../output-path.js')).outputPathRefusal(o.output);
  if (refused) throw new BareError(`failed to save image: ${refused}`, 1);
  const { saveImages } = await import('../../engine/image/archive.js');
  await saveImages(refs, o.output ? { file: o.output } : { fd: 1 });
  return 0;
}

export async function importImage(file: string, ref: string | undefined, o: { change?: string[]; message?: string }): Promise<number> {
  const { importRootfs } = await import('../../engine/image/archive.js');
  const src = file === '-' ? process.stdin : file;
  if (file !== '-') readableOrBare(file);
  const img = await importRootfs(src, {
    ...(ref ? { ref } : {}),
    ...(o.message ? { message: o.message } : {}),
    changes: o.change ?? [],
    sourceName: file,
  });
  writeOut(img.id + '\n');
  return 0;
}

async function readPasswordFromTty(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UserError('cannot perform an interactive login from a non-TTY device; use --password-stdin or -p');
  writeErr(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let pw = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer): void => {
        for (const c of b.toString('utf8')) {
          if (c === '\r' || c === '\n') {
            stdin.off('data', onData);
            return resolve();
          }
          if (c === '\u0003') {
            stdin.off('data', onData);
            return reject(new UserError('login cancelled', 130));
          }
          if (c === '\u007f') pw = pw.slice(0, -1);
          else pw += c;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    writeErr('\n');
  }
  return pw;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function login(server: string | undefined, o: { username?: string; password?: string; passwordStdin?: boolean; insecureRegistry?: string[] }): Promise<number> {
  let password = o.password;
  if (o.passwordStdin) {
    if (password !== undefined) throw new UserError('--password and --password-stdin are mutually exclusive');
    if (!o.username) throw new UserError('Must provide --username with --password-stdin');
    password = (await readStdin()).replace(/\r?\n$/, '');
  } else if (password !== undefined) {
    writeErr('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  let username = o.username;
  if (!username) {
    if (!process.stdin.isTTY) throw new UserError('cannot perform an interactive login from a non-TTY device; use -u with --password-stdin or -p');
    writeErr('Username: ');
    const { createInterface } = await import('node:readline');
    const rl = createInterface({ input: process.stdin });
    username = await new Promise<string>((res) => rl.once('line', res));
    rl.close();
  }
  if (password === undefined) password = await readPasswordFromTty('Password: ');
  if (!username || !password) throw new UserError('Error: Username and password are required');
  const { checkLogin } = await import('../../engine/image/login.js');
  const registry = await checkLogin(server, username, password, o.insecureRegistry ?? []);
  const { saveCredentials } = await import('../../engine/image/credentials.js');
  const key = saveCredentials(registry, username, password);
  const { join } = await import('node:path');
  const { paths } = await import('../../state/paths.js');
  writeErr(`Credentials stored for ${key} in ${join(paths.root(), 'auth.json')} (base64, not encrypted)\n`);
  writeOut('Login Succeeded\n');
  return 0;
}

export async function logout(server: string | undefined): Promise<number> {
  const { normalizeServer, removeCredentials, authKey } = await import('../../engine/image/credentials.js');
  const host = server ? normalizeServer(server) : 'docker.io';
  const key = authKey(host);
  if (!removeCredentials(host)) {
    writeOut(`Not logged in to ${key}\n`);
    return 0;
  }
  writeOut(`Removing login credentials for ${key}\n`);
  return 0;
}

/** `push [-a] NAME[:TAG]`: engine/image/push.ts, its progress as Docker prints it off a terminal. */
export async function push(ref: string, o: { allTags?: boolean; quiet?: boolean }): Promise<number> {
  const { pushImage } = await import('../../engine/image/push.js');
  await pushImage(ref, {
    allTags: !!o.allTags,
    events: (e) => {
      if (o.quiet || !e.status || e.status === 'Pushing') return;
      writeOut(e.id ? `${e.id}: ${e.status}\n` : `${e.status}\n`);
    },
  });
  if (o.quiet) writeOut(`${ref}\n`);
  return 0;
}
