// An OCI image manifest over the blobs the store holds for an image (its config and the layer blobs it
// was pulled or loaded from), for push and for OCI archives.
import { statSync } from "node:fs";
import { layerBlob, ociLayerMediaType } from "./layer-blob.ts";
import { MT, type Descriptor } from "./registry/media-types.ts";
import type { ImageRecord, ImageStore } from "./store.ts";

export interface PushPlan {
  manifest: Uint8Array;
  mediaType: string;
  blobs: (Descriptor & { path: string })[];
}

/** A new OCI manifest over the layer blobs the store kept. */
export function buildOciManifest(store: ImageStore, image: ImageRecord, label: string): PushPlan {
  const layers = image.layers.map((l) => {
    const b = layerBlob(store, l.diffId, label);
    return { mediaType: ociLayerMediaType(b.compression), digest: b.digest, size: b.size, path: b.path };
  });
  const configPath = store.blobPath(image.id);
  const config = { mediaType: MT.ociConfig, digest: image.id, size: statSync(configPath).size, path: configPath };
  const strip = ({ path: _p, ...d }: Descriptor & { path: string }): Descriptor => d;
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: MT.ociManifest, config: strip(config), layers: layers.map(strip),
  }));
  return { manifest, mediaType: MT.ociManifest, blobs: [...layers, config] };
}

