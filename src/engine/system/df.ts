// What `system df` counts, with docker/cli's formulas: images' size is that of their unique
// layers, what no container uses is reclaimable; containers' size is their writable layers, the
// stopped ones' reclaimable; volumes' size is their _data trees, the unused ones' reclaimable.
// The CLI's `system df` and the Engine API's GET /system/df.
import { listImages, layerMeta } from '../image/store.js';
import { allRecords, statesOf } from '../container/record.js';
import { sizeRw, treeSize } from '../container/size.js';
import { allVolumes, volumeData } from '../volume/store.js';
import { volumeUsers } from '../volume/use.js';

export function diskUsage() {
  const images = listImages();
  const containers = allRecords().sort((a, b) => b.Created.localeCompare(a.Created));
  const layerSize = new Map<string, number>();
  const layerUsers = new Map<string, number>();
  for (const img of images) {
    for (const l of new Set(img.layers)) {
      if (!layerSize.has(l)) layerSize.set(l, layerMeta(l)?.size ?? 0);
      layerUsers.set(l, (layerUsers.get(l) ?? 0) + 1);
    }
  }
  const layersTotal = [...layerSize.values()].reduce((a, b) => a + b, 0);
  const imgInfo = images.map((img) => {
    const size = [...new Set(img.layers)].reduce((a, l) => a + (layerSize.get(l) ?? 0), 0);
    const shared = [...new Set(img.layers)].filter((l) => (layerUsers.get(l) ?? 0) > 1).reduce((a, l) => a + (layerSize.get(l) ?? 0), 0);
    return { img, size, shared, users: containers.filter((c) => c.Image === img.id).length };
  });
  const used = imgInfo.filter((i) => i.users > 0).reduce((a, i) => a + i.size - i.shared, 0);
  const states = statesOf(containers);
  const cInfo = containers.map((rec, i) => ({ rec, st: states[i], size: sizeRw(rec.Id) }));
  const cTotal = cInfo.reduce((a, c) => a + c.size, 0);
  const cReclaim = cInfo.filter((c) => !c.st.Running).reduce((a, c) => a + c.size, 0);
  // Volumes: LINKS is how many containers use one (Docker's RefCount); the unused ones are reclaimable.
  const users = volumeUsers(containers);
  const vInfo = allVolumes().map((v) => ({ v, links: users.get(v.Name)?.length ?? 0, size: treeSize(volumeData(v.Name)) }));
  const vTotal = vInfo.reduce((a, x) => a + x.size, 0);
  const vReclaim = vInfo.filter((x) => x.links === 0).reduce((a, x) => a + x.size, 0);
  return { images, containers, layersTotal, imgInfo, used, cInfo, cTotal, cReclaim, vInfo, vTotal, vReclaim };
}
