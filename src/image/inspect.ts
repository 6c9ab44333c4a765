// `image inspect`: Docker's shape for an image (Id, RepoTags, RepoDigests, Config, RootFS, …), built
// from the stored config blob. Exported for the top-level `minibox inspect` as well.
import type { OciImageConfig, OciImageRuntimeConfig } from "../oci/image-config.ts";
import { ImageStore } from "./store.ts";

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Author: string;
  Architecture: string;
  Variant?: string;
  Os: string;
  Config: OciImageRuntimeConfig;
  Size: number;
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
  /** The image config blob itself, as stored. */
  ImageConfig: OciImageConfig;
}

/** Resolves `ref` (name, name@digest, id or id prefix) and describes it; throws ImageNotFoundError. */
export async function inspectImage(ref: string, store: ImageStore = new ImageStore()): Promise<ImageInspect> {
  const image = await store.resolve(ref);
  const c = image.config;
  return {
    Id: image.id,
    RepoTags: image.repoTags,
    // Only what a registry knows (a pull saw it, a push was acknowledged), never a local manifest's digest.
    RepoDigests: image.repoDigests ?? [],
    Parent: "",
    Comment: c.history?.at(-1)?.comment ?? "",
    Created: c.created ?? "",
    Author: c.author ?? "",
    Architecture: c.architecture,
    ...(c.variant !== undefined && { Variant: c.variant }),
    Os: c.os,
    Config: c.config ?? {},
    Size: image.size,
    RootFS: { Type: c.rootfs.type, Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: "" },
    ImageConfig: c,
  };
}
