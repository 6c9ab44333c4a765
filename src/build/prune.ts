// `builder prune`: forgets every build cache entry and deletes the layers (and their blobs) only the
// cache kept, i.e. those no image uses. Entries go first, so a prune killed half-way leaves layers that
// `image prune` later collects as orphans, never an entry pointing at a deleted layer being trusted
// (BuildCache.get checks the layers anyway).
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ImageStore } from "../image/store.ts";

export interface BuilderPruneResult { entries: number; deletedLayers: string[]; reclaimed: number }

export function pruneBuildCache(store: ImageStore): BuilderPruneResult {
  const dir = join(store.root, "build-cache");
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { entries: 0, deletedLayers: [], reclaimed: 0 };
    throw error;
  }
  const layers = new Set<string>();
  for (const name of names) {
    const path = join(dir, name);
    try {
      const config = JSON.parse(readFileSync(path, "utf8")) as { rootfs?: { diff_ids?: unknown } };
      const ids = config.rootfs?.diff_ids;
      if (Array.isArray(ids)) for (const d of ids) if (typeof d === "string" && /^sha256:[0-9a-f]{64}$/.test(d)) layers.add(d);
    } catch (error) {
      if (!(error instanceof SyntaxError) && (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    rmSync(path, { force: true });
  }
  // RUN --mount=type=cache directories go with the entries (BuildKit's prune removes them too).
  rmSync(join(dir, "mounts"), { recursive: true, force: true });
  let reclaimed = 0;
  const sizes = new Map([...layers].map((d) => [d, store.layerMeta(d)?.size ?? 0]));
  const deletedLayers = store.discardLayers(layers);
  for (const d of deletedLayers) reclaimed += sizes.get(d) ?? 0;
  return { entries: names.length, deletedLayers, reclaimed };
}
