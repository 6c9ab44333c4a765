// Manifests and small JSON blobs (configs) from a registry, verified before they are trusted: by the
// digest they were asked for, or by the Docker-Content-Digest the registry sends with a tag.
import { sha256Digest } from "../digest.ts";
import { statusError, type RegistryClient } from "./client.ts";
import { BlobVerificationError, ManifestUnknownError, RegistryError } from "./errors.ts";
import { isIndexType, isManifestType, MANIFEST_ACCEPT, MT, type Descriptor } from "./media-types.ts";

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
  const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RegistryError(client.context({ digest }), "manifest is not valid JSON");
  }
  if ((doc as { schemaVersion?: unknown } | null)?.schemaVersion === 1) throw new RegistryError(client.context(), `${tagOrDigest} is a schema 1 manifest, which is not supported`);
  const typed = documentMediaType(doc, contentType);
  if (!typed.ok) throw new RegistryError(client.context({ digest }), `refusing ${tagOrDigest}: ${typed.why}`);
  const mediaType = typed.mediaType;
  if (expected && (isIndexType(expected.mediaType) || isManifestType(expected.mediaType)) && expected.mediaType !== mediaType) {
    throw new RegistryError(client.context({ digest }), `refusing ${tagOrDigest}: the index lists it as ${expected.mediaType}, it is ${mediaType}`);
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

/**
 * What a registry document is, or why it is ambiguous (OCI image-spec: a manifest has config/layers, an
 * index has manifests; a mediaType field, when present, must match how it is served). A document that
 * could be read as both, or whose Content-Type and mediaType disagree, is refused rather than guessed:
 * a client that reads it as an index while another reads it as a manifest would run different images
 * from the same digest. A generic Content-Type (application/json, or none) defers to the document.
 */
export function documentMediaType(doc: unknown, contentType: string): { ok: true; mediaType: string } | { ok: false; why: string } {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return { ok: false, why: "document is not a JSON object" };
  const d = doc as Record<string, unknown>;
  const manifestFields = "config" in d || "layers" in d;
  const indexFields = "manifests" in d;
  if (manifestFields && indexFields) return { ok: false, why: "document is ambiguous: it has both manifests (an index) and config/layers (a manifest)" };
  if (d.mediaType !== undefined && typeof d.mediaType !== "string") return { ok: false, why: "mediaType is not a string" };
  const declared = d.mediaType as string | undefined;
  const served = isIndexType(contentType) || isManifestType(contentType) ? contentType : undefined;
  if (declared !== undefined && served !== undefined && declared !== served) {
    return { ok: false, why: `served as ${served} but its mediaType is ${declared}` };
  }
  const mediaType = declared ?? served ?? (indexFields ? MT.ociIndex : MT.ociManifest);
  if (isIndexType(mediaType) && manifestFields) return { ok: false, why: `${mediaType} with config/layers (a manifest's fields)` };
  if (isManifestType(mediaType) && indexFields) return { ok: false, why: `${mediaType} with manifests (an index's field)` };
  return { ok: true, mediaType };
}
