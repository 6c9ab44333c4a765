// `minibox push`: the image's config and layer blobs, then its manifest. The manifest the image was
// pulled with is pushed byte for byte when every blob it names is in the store (same digests as the
// source registry); otherwise an OCI manifest is written for the blobs the store holds.
import { emitImageEvent } from "../events/emit.ts"; // compat-sys: events
import { familiarName } from "./reference.ts"; // compat-sys: events
import { statSync } from "node:fs";
import { UserError } from "../errors.ts";
import { DigestMismatchError, sha256Digest, shortId } from "./digest.ts";
import { buildOciManifest, type PushPlan } from "./oci-manifest.ts";
import { RegistryClient, statusError } from "./registry/client.ts";
import { RegistryError } from "./registry/errors.ts";
import { MT, isIndexType, type Descriptor, type ImageIndex, type ImageManifest } from "./registry/media-types.ts";
import type { PullProgress } from "./pull-progress.ts";
import { familiarString, parseReference, repositoryName } from "./reference.ts";
import { fileDigest, type ImageRecord, type ImageStore } from "./store.ts";

export interface PushResult {
  digest: string;
  size: number;
  tag: string;
}


function readJson<T>(bytes: Uint8Array): T | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    return undefined;
  }
}

/** The stored manifest for this image, if it and all its blobs are here. */
function storedPlan(store: ImageStore, image: ImageRecord): PushPlan | undefined {
  if (!image.manifestDigest || !store.hasBlob(image.manifestDigest)) return undefined;
  let bytes = store.readBlob(image.manifestDigest);
  let doc = readJson<ImageManifest & ImageIndex>(bytes);
  if (doc && isIndexType(doc.mediaType) && Array.isArray(doc.manifests)) {
    const child = doc.manifests.find((d) => store.hasBlob(d.digest) && readJson<ImageManifest>(store.readBlob(d.digest))?.config?.digest === image.id);
    if (!child) return undefined;
    bytes = store.readBlob(child.digest);
    doc = readJson<ImageManifest & ImageIndex>(bytes);
  }
  if (!doc?.config || doc.config.digest !== image.id || !Array.isArray(doc.layers)) return undefined;
  const blobs = [...doc.layers, doc.config];
  if (!blobs.every((d) => store.hasBlob(d.digest) && statSync(store.blobPath(d.digest)).size === d.size)) return undefined;
  return {
    manifest: bytes,
    mediaType: doc.mediaType ?? MT.ociManifest,
    blobs: blobs.map((d) => ({ ...d, path: store.blobPath(d.digest) })),
  };
}

async function blobExists(client: RegistryClient, digest: string): Promise<boolean> {
  const res = await client.request(`blobs/${digest}`, { method: "HEAD", digest });
  await res.body?.cancel();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new RegistryError(client.context({ digest, status: res.status }), "blob check failed");
}

async function uploadBlob(client: RegistryClient, blob: Descriptor & { path: string }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const start = await client.request("blobs/uploads/", { method: "POST", headers: { "content-length": "0" }, digest: blob.digest });
      if (start.status !== 202) throw await statusError(start, client.context({ digest: blob.digest }), "starting the upload");
      await start.body?.cancel();
      const location = start.headers.get("location");
      if (!location) throw new RegistryError(client.context({ digest: blob.digest }), "upload started without a Location");
      const url = new URL(location, client.baseUrl);
      url.searchParams.set("digest", blob.digest);
      const res = await client.request(url.toString(), {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "content-length": String(blob.size) },
        body: () => Bun.file(blob.path),
        digest: blob.digest,
      });
      if (res.status !== 201) throw await statusError(res, client.context({ digest: blob.digest }), "blob upload");
      await res.body?.cancel();
      return;
    } catch (error) {
      if (attempt >= 3 || !(error instanceof RegistryError) || (error.context.status !== undefined && error.context.status < 500)) throw error;
    }
  }
}

export async function pushImage(store: ImageStore, input: string, progress: PullProgress): Promise<PushResult> {
  const ref = parseReference(input);
  if (ref.digest !== undefined) throw new UserError(`cannot push a digest reference: ${input}`);
  const image = await store.resolve(input);
  const label = familiarString(ref);
  const client = new RegistryClient(ref.domain, ref.path, { actions: ["pull", "push"] });
  progress.message(`The push refers to repository [${repositoryName(ref)}]`);
  await client.ping();
  const plan = storedPlan(store, image) ?? buildOciManifest(store, image, label);
  const queue = [...plan.blobs];
  const worker = async () => {
    for (let blob = queue.shift(); blob; blob = queue.shift()) {
      const id = shortId(blob.digest);
      if (await blobExists(client, blob.digest)) { progress.layer(id, "exists"); continue; }
      // A damaged blob in the store is caught here, with the store named as the culprit, not by the registry.
      const got = fileDigest(blob.path);
      if (got !== blob.digest) throw new DigestMismatchError(`${label}: stored blob ${blob.digest} (run 'minibox system check')`, blob.digest, got);
      progress.layer(id, "downloading", 0, blob.size);
      await uploadBlob(client, blob);
      progress.layer(id, "complete", blob.size, blob.size);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const res = await client.request(`manifests/${ref.tag}`, {
    method: "PUT",
    headers: { "content-type": plan.mediaType },
    body: () => plan.manifest,
  });
  if (res.status !== 201) throw await statusError(res, client.context(), `manifest upload for ${label}`);
  await res.body?.cancel();
  const digest = sha256Digest(plan.manifest);
  // compat-cli: the "TAG: digest: … size: …" line is the command's result, printed once on stdout (cli/push.ts)
  progress.close();
  store.addRepoDigest(image.id, `${familiarName(ref)}@${digest}`); // compat-sys: RepoDigests the registry knows
  emitImageEvent("push", familiarString(ref), familiarName(ref), store.root); // compat-sys: events
  return { digest, size: plan.manifest.length, tag: ref.tag! };
}
