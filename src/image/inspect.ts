// `image inspect`: Docker's shape for an image (Id, RepoTags, RepoDigests, Config, RootFS, …), built
// from the stored config blob. Exported for the top-level `minibox inspect` as well.
import type { OciImageConfig } from "../oci/image-config.ts";
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
  Config: Record<string, unknown>; // compat-sys: the image's runtime config over Docker's unset keys (null where Docker shows null)
  Size: number;
  // compat-sys: Docker 20.10's remaining keys (builder-era ones at their empty values)
  Container: string;
  ContainerConfig: Record<string, unknown>;
  DockerVersion: string;
  VirtualSize: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
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
    Config: { ...EMPTY_CONTAINER_CONFIG, ...(c.config ?? {}) },
    Size: image.size,
    Container: "",
    ContainerConfig: { ...EMPTY_CONTAINER_CONFIG },
    DockerVersion: "",
    VirtualSize: image.size,
    GraphDriver: { Name: "overlay2", Data: graphDriverData(image.layers.map((l) => l.path)) },
    RootFS: { Type: c.rootfs.type, Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: "" },
    ImageConfig: c,
  };
}

/** compat-sys: Docker's container-config keys at their unset values; the image's own config wins. */
const EMPTY_CONTAINER_CONFIG = {
  Hostname: "", Domainname: "", User: "", AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false,
  OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: "", Volumes: null, WorkingDir: "", Entrypoint: null,
  OnBuild: null, Labels: null,
};

/** compat-sys: Docker's overlay2 description of an image: its top layer as UpperDir, the rest as LowerDir. */
function graphDriverData(layers: readonly string[]): Record<string, string> {
  const top = layers.at(-1) ?? "";
  const lower = layers.slice(0, -1).reverse();
  return { ...(lower.length ? { LowerDir: lower.join(":") } : {}), MergedDir: "", UpperDir: top, WorkDir: "" };
}
