// What an archive format hands to the loader: one image's config and layers, not yet trusted.
import type { ByteInput } from "./tar/reader.ts";

export interface LayerSource {
  what: string; // for messages: "archive.tar: layer 2 (blobs/sha256/…)"
  open(): ByteInput;
  /** Digest of the blob as stored, when the format names one (checked while unpacking). */
  digest?: string;
}

export interface ImageSource {
  what: string;
  config: Uint8Array;
  /** Digest the config was published under, when the format names one. */
  configDigest?: string;
  manifestDigest?: string;
  layers: LayerSource[];
  /** References to point at the image, as written in the archive. */
  tags: string[];
}
