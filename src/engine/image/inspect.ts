// Docker's `image inspect` JSON: the CLI's `inspect`/`image inspect` and the Engine API's
// GET /images/{name}/json.
import { CorruptStateError } from '../../state/atomic.js';
import { readIndex, resolveImage, type ImageRecord } from './store.js';

/** Docker's `image inspect` shape (the parts minidock has). */
export async function inspectImage(ref: string): Promise<unknown> {
  let img: ImageRecord | undefined;
  try {
    img = await resolveImage(ref);
  } catch (e) {
    if (e instanceof CorruptStateError) throw e;
    return undefined; // not an image reference at all
  }
  if (!img) return undefined;
  const tagged = readIndex().images[img.id]?.tagged;
  const cfg = img.config;
  const history = cfg.history ?? [];
  const extra = cfg as unknown as Record<string, unknown>; // a Docker-built image's blob has these too
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: img.parent ?? '',
    Comment: history.length ? (history[history.length - 1]!.comment ?? '') : '',
    Created: img.created,
    Container: typeof extra.container === 'string' ? extra.container : '',
    ContainerConfig: dockerConfig(isObject(extra.container_config) ? extra.container_config : {}),
    DockerVersion: typeof extra.docker_version === 'string' ? extra.docker_version : '',
    Author: cfg.author ?? '',
    Config: dockerConfig(cfg.config ?? {}),
    Architecture: cfg.architecture,
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    Os: cfg.os,
    Size: img.size,
    VirtualSize: img.size, // Docker 20.10: the same as Size (one storage driver, shared layers counted)
    GraphDriver: {
      Data: { LowerDir: [...img.layerDirs].reverse().join(':') },
      Name: 'overlay2', // GraphDriverData's order: Data, then Name
    },
    RootFS: { Type: 'layers', Layers: img.layers },
    Metadata: { LastTagTime: tagged ?? '0001-01-01T00:00:00Z' },
    ...(img.digest ? { Descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest } } : {}),
  };
}


const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * An image's config as Docker 20.10's daemon answers it: the whole container.Config, in its key
 * order, what the blob lacks at Go's zero value (null for slices and maps), the omitempty
 * members only when set — so `{{.Config.User}}` or `{{.Config.WorkingDir}}` name a field.
 */
export function dockerConfig(c: Record<string, unknown>): Record<string, unknown> {
  const v = (k: string, zero: unknown) => (c[k] === undefined ? zero : c[k]);
  const opt = (...keys: string[]) => Object.fromEntries(keys.filter((k) => c[k] !== undefined && c[k] !== null && c[k] !== '' && c[k] !== false).map((k) => [k, c[k]]));
  return {
    Hostname: v('Hostname', ''),
    Domainname: v('Domainname', ''),
    User: v('User', ''),
    AttachStdin: v('AttachStdin', false),
    AttachStdout: v('AttachStdout', false),
    AttachStderr: v('AttachStderr', false),
    ...opt('ExposedPorts'),
    Tty: v('Tty', false),
    OpenStdin: v('OpenStdin', false),
    StdinOnce: v('StdinOnce', false),
    Env: v('Env', null),
    Cmd: v('Cmd', null),
    ...opt('Healthcheck', 'ArgsEscaped'),
    Image: v('Image', ''),
    Volumes: v('Volumes', null),
    WorkingDir: v('WorkingDir', ''),
    Entrypoint: v('Entrypoint', null),
    ...opt('NetworkDisabled', 'MacAddress'),
    OnBuild: v('OnBuild', null),
    Labels: v('Labels', null),
    ...opt('StopSignal', 'StopTimeout', 'Shell'),
  };
}
