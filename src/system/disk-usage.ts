// `system df`: what the store holds and what a prune could free, counted the way Docker counts it
// (docker/cli formatter/disk_usage.go): images by their layers (a layer shared by several images once),
// containers by their writable layers, volumes by their data, the build cache by the layers only it keeps.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerStore, type ContainerRecord } from "../container/store.ts";
import { asRecord, listEntries } from "../container/reconcile.ts";
import { currentState, type CurrentState } from "../container/status.ts";
import { directorySize, writableLayerSize } from "../container/rw-size.ts";
import { mountInfoOfContainer } from "../volume/mount-info.ts";
import { listVolumes } from "../volume/ops.ts";
import { volumeUsers } from "../volume/usage.ts";
import { ImageStore, type ImageRecord } from "../image/store.ts";

export interface ImageUsage { image: ImageRecord; size: number; sharedSize: number; containers: number }
export interface ContainerUsage { record: ContainerRecord; state: CurrentState; sizeRw: number; localVolumes: number }
export interface VolumeUsage { name: string; links: number; size: number }
export interface CacheUsage { id: string; size: number; created?: string }

export interface DiskUsage {
  layersSize: number;
  images: ImageUsage[];
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
  buildCache: CacheUsage[];
}

export async function diskUsage(root: string): Promise<DiskUsage> {
  const images = new ImageStore(root);
  const store = new ContainerStore(root);
  const records = listEntries(store).map((e) => asRecord(store, e));
  const containers = records.map((record) => {
    const state = currentState(record);
    const localVolumes = state.status === "dead" ? 0 : mountInfoOfContainer(store.dir(record.id)).filter((m) => m.Type === "volume").length;
    return { record, state, sizeRw: writableLayerSize(store, record), localVolumes };
  });
  const all = await images.list();
  const layerSize = (d: string) => images.layerMeta(d)?.size ?? 0;
  const imagesOfLayer = new Map<string, number>();
  for (const i of all) for (const l of i.layers) imagesOfLayer.set(l.diffId, (imagesOfLayer.get(l.diffId) ?? 0) + 1);
  const usage = all.map((image) => ({
    image,
    size: image.size,
    sharedSize: image.layers.filter((l) => (imagesOfLayer.get(l.diffId) ?? 0) > 1).reduce((n, l) => n + layerSize(l.diffId), 0),
    containers: records.filter((r) => r.image === image.id).length,
  }));
  const layersSize = [...imagesOfLayer.keys()].reduce((n, d) => n + layerSize(d), 0);
  const users = volumeUsers(root);
  const volumes = listVolumes(root).map((v) => ({ name: v.Name, links: users.get(v.Name)?.length ?? 0, size: directorySize(v.Mountpoint) }));
  return { layersSize, images: usage, containers, volumes, buildCache: buildCacheUsage(root, images, new Set(imagesOfLayer.keys())) };
}

/** Each cache entry with the size of the layers it names that no image uses (what `builder prune` frees). */
function buildCacheUsage(root: string, images: ImageStore, usedByImages: Set<string>): CacheUsage[] {
  const dir = join(root, "build-cache");
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const counted = new Set<string>();
  return names.map((name) => {
    let diffIds: string[] = [];
    let created: string | undefined;
    try {
      const config = JSON.parse(readFileSync(join(dir, name), "utf8")) as { created?: string; rootfs?: { diff_ids?: unknown } };
      if (Array.isArray(config.rootfs?.diff_ids)) diffIds = config.rootfs.diff_ids.filter((d): d is string => typeof d === "string");
      created = config.created;
    } catch (e) {
      if (!(e instanceof SyntaxError) && (e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    let size = 0;
    for (const d of diffIds) {
      if (usedByImages.has(d) || counted.has(d)) continue;
      counted.add(d);
      size += images.layerMeta(d)?.size ?? 0;
    }
    return { id: name.slice(0, -".json".length), size, created };
  });
}

/** Docker's RECLAIMABLE of the summary rows, in bytes. */
export function reclaimable(du: DiskUsage): { images: number; containers: number; volumes: number; buildCache: number } {
  const usedByImages = du.images.filter((i) => i.containers > 0).reduce((n, i) => n + i.size - i.sharedSize, 0);
  return {
    images: Math.max(0, du.layersSize - usedByImages),
    containers: du.containers.filter((c) => !c.state.running).reduce((n, c) => n + c.sizeRw, 0),
    volumes: du.volumes.filter((v) => v.links === 0).reduce((n, v) => n + v.size, 0),
    buildCache: du.buildCache.reduce((n, c) => n + c.size, 0),
  };
}
