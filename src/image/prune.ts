// `image prune`: untagged images no container uses, then every layer and blob no remaining image needs,
// and stale work left in tmp/ by crashed pulls (whose locks nobody holds).
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { containersUsing } from "./containers-using.ts";
import { repairPullTmp } from "./layer-fetch.ts";
import type { ImageRecord, ImageStore } from "./store.ts";

export interface PruneResult {
  deletedImages: string[];
  deletedLayers: string[];
  reclaimed: number;
}

const STALE_TMP_MS = 60 * 60 * 1000;
// A layer or blob no image refers to may belong to a pull still in progress (layers are committed
// before the image): orphans younger than this are left alone. Those of images deleted here go at once.
const ORPHAN_MIN_AGE_MS = Number(process.env.MINIBOX_PRUNE_MIN_AGE_MS ?? 10 * 60 * 1000);

function oldEnough(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs >= ORPHAN_MIN_AGE_MS;
  } catch {
    return false;
  }
}

function blobsOf(store: ImageStore, image: ImageRecord): string[] {
  const out = [image.id];
  for (const l of image.layers) { const m = store.layerMeta(l.diffId); if (m?.digest) out.push(m.digest); }
  if (image.manifestDigest && store.hasBlob(image.manifestDigest)) {
    out.push(image.manifestDigest);
    // An index keeps the per-platform manifests it lists.
    try {
      const doc = JSON.parse(new TextDecoder().decode(store.readBlob(image.manifestDigest))) as { manifests?: { digest: string }[] };
      for (const m of doc.manifests ?? []) out.push(m.digest);
    } catch { /* not JSON: nothing more to keep */ }
  }
  return out;
}

function treeSize(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false } as never) as ReturnType<typeof statSync> | undefined;
    if (!st) return;
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    else total += Number(st.size);
  };
  try { walk(path); } catch { /* racing with a delete */ }
  return total;
}

export async function pruneImages(store: ImageStore): Promise<PruneResult> {
  const deletedImages: string[] = [];
  const freed = new Set<string>();
  let reclaimed = 0;
  for (const image of await store.list()) {
    if (image.repoTags.length > 0 || containersUsing(join(store.root, "containers"), image.id).length > 0) continue;
    for (const d of blobsOf(store, image)) freed.add(d);
    reclaimed += image.size;
    await store.remove(image.id);
    deletedImages.push(image.id);
  }
  // Layers and blobs that no image refers to any more (also those left by failed pulls).
  const images = await store.list();
  const usedLayers = new Set(images.flatMap((i) => i.layers.map((l) => l.diffId)));
  const orphanLayers = store.layerIds().filter((d) => !usedLayers.has(d) && oldEnough(join(store.layerPath(d), "..")));
  for (const d of orphanLayers) reclaimed += treeSize(join(store.layerPath(d), ".."));
  const deletedLayers = store.discardLayers(orphanLayers);
  const usedBlobs = new Set(images.flatMap((i) => blobsOf(store, i)));
  for (const digest of store.blobDigests()) {
    if (usedBlobs.has(digest) || (!freed.has(digest) && !oldEnough(store.blobPath(digest)))) continue;
    reclaimed += treeSize(store.blobPath(digest));
    store.removeBlob(digest);
  }
  // Pull work dirs nobody holds, and other tmp/ leftovers old enough to be from a dead process.
  repairPullTmp(store, true);
  const tmp = store.tmpDir();
  for (const name of readdirSync(tmp)) {
    if (name.startsWith("pull-")) continue;
    const p = join(tmp, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_TMP_MS) { reclaimed += treeSize(p); rmSync(p, { recursive: true, force: true }); }
    } catch { /* gone */ }
  }
  return { deletedImages, deletedLayers, reclaimed };
}
