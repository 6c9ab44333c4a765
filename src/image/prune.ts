// `image prune`: untagged images no container uses, then every layer and blob no remaining image needs,
// and stale work left in tmp/ by crashed loads and pulls (whose locks nobody holds). Runs under the
// store lock (exclusive), so no `create` starts using an image or layer while it is judged unused.
// Damaged images are not pruned (`rmi -f` or `system check --repair` removes them), but what they still
// name is kept: a layer is only an orphan when no record or config names it.
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { withStoreLockAsync } from "../state/store-lock.ts";
import { containersUsing } from "./containers-using.ts";
import { repairPullTmp } from "./layer-fetch.ts";
import type { BrokenImage, ImageRecord, ImageStore } from "./store.ts";
import { removeStaleWorkDirs } from "./tmp-work.ts";
import { NO_FILTER, pruneFilterMatches, type PruneFilter } from "../prune/filter.ts";

/** compat-sys: `-a` takes tagged images too (those no container uses); the filter narrows either. */
export interface PruneOptions { all?: boolean; filter?: PruneFilter }

export interface PruneResult {
  /** Damaged images, left alone (rmi -f or system check --repair removes them). */
  skipped: BrokenImage[];
  deletedImages: string[];
  /** Tags removed, familiar form (Docker's "untagged:" lines). */
  untagged: string[];
  deletedLayers: string[];
  reclaimed: number;
}

const STALE_TMP_MS = 60 * 60 * 1000;
// A layer or blob no image refers to may belong to a pull still in progress (layers are committed
// before the image): orphans younger than this are left alone. Those of images deleted here go at once.
const ORPHAN_MIN_AGE_MS = Number(process.env.MINIBOX_PRUNE_MIN_AGE_MS ?? 10 * 60 * 1000);

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

function oldEnough(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs >= ORPHAN_MIN_AGE_MS;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

function manifestBlobs(store: ImageStore, manifestDigest: string | undefined): string[] {
  if (!manifestDigest || !store.hasBlob(manifestDigest)) return [];
  const out = [manifestDigest];
  // An index keeps the per-platform manifests it lists.
  try {
    const doc = JSON.parse(new TextDecoder().decode(store.readBlob(manifestDigest))) as { manifests?: { digest?: unknown }[] } | null;
    for (const m of Array.isArray(doc?.manifests) ? doc.manifests : []) if (typeof m?.digest === "string") out.push(m.digest);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error; // not JSON: nothing more to keep
  }
  return out;
}

function blobsOf(store: ImageStore, image: ImageRecord | BrokenImage): string[] {
  const out = [image.id];
  const diffIds = "layers" in image ? image.layers.map((l) => l.diffId) : image.diffIds ?? [];
  for (const d of diffIds) { const m = store.layerMeta(d); if (m?.digest) out.push(m.digest); }
  return [...out, ...manifestBlobs(store, image.manifestDigest)];
}

function treeSize(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false } as never) as ReturnType<typeof statSync> | undefined;
    if (!st) return;
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    else total += Number(st.size);
  };
  try { walk(path); } catch (error) { if (!isMissing(error)) throw error; /* racing with a delete */ }
  return total;
}

export async function pruneImages(store: ImageStore, opts: PruneOptions = {}): Promise<PruneResult> {
  return withStoreLockAsync(store.root, "exclusive", () => pruneLocked(store, opts));
}

async function pruneLocked(store: ImageStore, opts: PruneOptions): Promise<PruneResult> {
  const deletedImages: string[] = [];
  const untagged: string[] = [];
  const freed = new Set<string>();
  const filter = opts.filter ?? NO_FILTER;
  let reclaimed = 0;
  for (const image of await store.list()) {
    if ((image.repoTags.length > 0 && !opts.all) || containersUsing(join(store.root, "containers"), image.id).length > 0) continue;
    if (!pruneFilterMatches(filter, image.created, image.config.config?.Labels ?? undefined)) continue;
    for (const d of blobsOf(store, image)) freed.add(d);
    reclaimed += image.size;
    // force: several tags are no obstacle here (no container uses the image, checked above).
    for (const line of await store.remove(image.id, { force: true })) if (line.startsWith("Untagged: ")) untagged.push(line.slice("Untagged: ".length));
    deletedImages.push(image.id);
  }
  // Layers and blobs that no image refers to any more (also those left by failed pulls).
  const { images, broken } = await store.listAll();
  const usedLayers = store.usedLayers();
  const orphanLayers = store.layerIds().filter((d) => !usedLayers.has(d) && oldEnough(store.layerDir(d)));
  for (const d of orphanLayers) reclaimed += treeSize(store.layerDir(d));
  const deletedLayers = store.discardLayers(orphanLayers);
  const usedBlobs = new Set([...images, ...broken].flatMap((i) => blobsOf(store, i)));
  for (const digest of store.blobDigests()) {
    if (usedBlobs.has(digest) || (!freed.has(digest) && !oldEnough(store.blobPath(digest)))) continue;
    reclaimed += treeSize(store.blobPath(digest));
    store.removeBlob(digest);
  }
  // Work dirs of loads and pulls nobody holds, and other tmp/ leftovers old enough to be from a dead process.
  const tmp = store.tmpDir();
  repairPullTmp(store, true);
  removeStaleWorkDirs(tmp, (path) => { reclaimed += treeSize(path); });
  for (const name of readdirSync(tmp)) {
    if (/^pull-|^(layer|input)-/.test(name)) continue; // judged by their locks, above
    const p = join(tmp, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > STALE_TMP_MS) { reclaimed += treeSize(p); rmSync(p, { recursive: true, force: true }); }
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  return { skipped: broken, deletedImages, untagged, deletedLayers, reclaimed };
}
