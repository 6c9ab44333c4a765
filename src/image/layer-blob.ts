// The blob a stored layer came from, for push and save: the bytes downloaded or loaded, kept in blobs/
// and named by the digest recorded in the layer's meta.json, with a media type read from its magic bytes.
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { detectCompression, type Compression } from "./compression.ts";
import { UserError } from "../errors.ts";
import { MT } from "./registry/media-types.ts";
import type { ImageStore } from "./store.ts";

export interface LayerBlob {
  diffId: string;
  digest: string;
  size: number;
  path: string;
  compression: Compression;
  /** Length of the uncompressed tar, when recorded. */
  tarSize?: number;
}

export class LayerBlobMissingError extends UserError {
  constructor(readonly image: string, readonly diffId: string, why: string) {
    super(`${image}: ${why}; pull or load the image again`);
    this.name = "LayerBlobMissingError";
  }
}

function head(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(4);
    return buf.subarray(0, readSync(fd, buf, 0, 4, 0));
  } finally {
    closeSync(fd);
  }
}

export function layerBlob(store: ImageStore, diffId: string, image: string): LayerBlob {
  const problem = store.layerProblem(diffId);
  if (problem !== undefined) throw new LayerBlobMissingError(image, diffId, problem);
  const meta = store.layerMeta(diffId)!;
  if (!meta.digest) throw new LayerBlobMissingError(image, diffId, `layer ${diffId} has no blob (it was stored by an older minibox)`);
  if (!store.hasBlob(meta.digest)) throw new LayerBlobMissingError(image, diffId, `the blob ${meta.digest} of layer ${diffId} is missing from the store`);
  const path = store.blobPath(meta.digest);
  return {
    diffId, digest: meta.digest, size: statSync(path).size, path,
    compression: detectCompression(head(path), path),
    ...(meta.tarSize !== undefined && { tarSize: meta.tarSize }),
  };
}

export function ociLayerMediaType(c: Compression): string {
  return c === "gzip" ? MT.ociLayerGzip : c === "zstd" ? MT.ociLayerZstd : MT.ociLayerTar;
}
