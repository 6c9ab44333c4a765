// Manifests and small JSON blobs (configs) from a registry, verified before they are trusted: by the
// digest they were asked for, or by the Docker-Content-Digest the registry sends with a tag.
import { sha256Digest } from "../digest.ts";
import { statusError, type RegistryClient } from "./client.ts";
import { BlobVerificationError, ManifestUnknownError, RegistryError } from "./errors.ts";
import { MANIFEST_ACCEPT, type Descriptor } from "./media-types.ts";

const MAX_MANIFEST = 4 << 20;
const MAX_CONFIG = 32 << 20;

export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

async function limitedBytes(res: Response, max: number, client: RegistryClient, digest?: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) {
    await res.body?.cancel();
    throw new RegistryError(client.context(digest ? { digest } : {}), `document of ${declared} bytes is larger than ${max}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > max) throw new RegistryError(client.context(digest ? { digest } : {}), `document larger than ${max} bytes`);
  return bytes;
}

/** GET a manifest by tag or digest; `expected` (a descriptor from an index) also pins the size. */
export async function fetchManifest(client: RegistryClient, tagOrDigest: string, expected?: Descriptor): Promise<FetchedManifest> {
  const byDigest = tagOrDigest.startsWith("sha256:") ? tagOrDigest : undefined;
  const res = await client.request(`manifests/${tagOrDigest}`, { headers: { accept: MANIFEST_ACCEPT }, ...(byDigest && { digest: byDigest }) });
  if (res.status === 404) {
    await res.body?.cancel();
    throw new ManifestUnknownError(client.context({ status: 404 }), tagOrDigest);
  }
  if (res.status !== 200) throw await statusError(res, client.context(byDigest ? { digest: byDigest } : {}), `manifest ${tagOrDigest}`);
  const bytes = await limitedBytes(res, MAX_MANIFEST, client, byDigest);
  const digest = sha256Digest(bytes);
  const claimed = byDigest ?? res.headers.get("docker-content-digest") ?? undefined;
  if (claimed !== undefined && claimed.startsWith("sha256:") && claimed !== digest) {
    throw new BlobVerificationError(client.context({ digest: claimed }), `manifest digest mismatch: got ${digest}`);
  }
  if (expected && expected.size !== bytes.length) {
    throw new BlobVerificationError(client.context({ digest: expected.digest }), `manifest size ${bytes.length}, index says ${expected.size}`);
  }
  let mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string; schemaVersion?: number; manifests?: unknown };
    if (doc.schemaVersion === 1) throw new RegistryError(client.context(), `${tagOrDigest} is a schema 1 manifest, which is not supported`);
    if (doc.mediaType) mediaType = doc.mediaType;
    else if (!mediaType || mediaType === "application/json") mediaType = doc.manifests ? "application/vnd.oci.image.index.v1+json" : "application/vnd.oci.image.manifest.v1+json";
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw new RegistryError(client.context({ digest }), "manifest is not valid JSON");
  }
  return { bytes, mediaType, digest };
}

/** A small blob (the image config) read whole and checked against its descriptor. */
export async function fetchSmallBlob(client: RegistryClient, d: Descriptor): Promise<Uint8Array> {
  const res = await client.request(`blobs/${d.digest}`, { digest: d.digest });
  if (res.status !== 200) throw await statusError(res, client.context({ digest: d.digest }), "blob download");
  const bytes = await limitedBytes(res, MAX_CONFIG, client, d.digest);
  if (bytes.length !== d.size) throw new BlobVerificationError(client.context({ digest: d.digest }), `size ${bytes.length}, manifest says ${d.size}`);
  const got = sha256Digest(bytes);
  if (got !== d.digest) throw new BlobVerificationError(client.context({ digest: d.digest }), `digest mismatch: got ${got}`);
  return bytes;
}
