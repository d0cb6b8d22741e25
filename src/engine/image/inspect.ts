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
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: '',
    Comment: history.length ? (history[history.length - 1]!.comment ?? '') : '',
    Created: img.created,
    DockerVersion: '',
    Author: cfg.author ?? '',
    Config: cfg.config ?? {},
    Architecture: cfg.architecture,
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    Os: cfg.os,
    Size: img.size,
    VirtualSize: img.size, // Docker 20.10: the same as Size (one storage driver, shared layers counted)
    GraphDriver: {
      Name: 'overlay2',
      Data: { LowerDir: [...img.layerDirs].reverse().join(':') },
    },
    RootFS: { Type: 'layers', Layers: img.layers },
    Metadata: { LastTagTime: tagged ?? '0001-01-01T00:00:00Z' },
    ...(img.digest ? { Descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest } } : {}),
  };
}

