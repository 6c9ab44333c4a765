// OCI image layout archives (oci-layout, index.json, blobs/sha256/…), as written by skopeo, buildah,
// `docker save` (25+) and our own fixtures. Every blob is checked against its descriptor's digest.
import { hostArchitecture } from "../oci/image-config.ts";
import { Archive, InvalidArchiveError } from "./archive.ts";
import { DigestMismatchError, digestHex, sha256Digest } from "./digest.ts";
import type { ImageSource } from "./image-source.ts";

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

interface IndexOrManifest {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);
const REF_NAME = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME = "io.containerd.image.name";

export function isOciArchive(archive: Archive): boolean {
  return archive.has("oci-layout") && archive.has("index.json");
}

function blobName(d: Descriptor, archive: Archive): string {
  if (typeof d?.digest !== "string") throw new InvalidArchiveError(archive.label, "descriptor without a digest");
  return `blobs/sha256/${digestHex(d.digest, `${archive.label}: descriptor`)}`;
}

async function verifiedBlob(archive: Archive, d: Descriptor, what: string): Promise<Uint8Array> {
  const bytes = await archive.bytes(blobName(d, archive));
  const actual = sha256Digest(bytes);
  if (actual !== d.digest) throw new DigestMismatchError(`${archive.label}: ${what}`, d.digest, actual);
  return bytes;
}

async function verifiedJson(archive: Archive, d: Descriptor, what: string): Promise<IndexOrManifest> {
  const bytes = await verifiedBlob(archive, d, what);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as IndexOrManifest;
  } catch {
    throw new InvalidArchiveError(archive.label, `${what} ${d.digest} is not valid JSON`);
  }
}

function forThisHost(ds: Descriptor[]): Descriptor[] {
  const arch = hostArchitecture();
  const matching = ds.filter((d) => !d.platform || (d.platform.os === "linux" && d.platform.architecture === arch));
  return matching.length ? matching : ds.filter((d) => !d.platform);
}

/** The name to tag with: a full reference, or nothing when the annotation is only a tag. */
function nameOf(d: Descriptor): string[] {
  const name = d.annotations?.[CONTAINERD_NAME] ?? d.annotations?.[REF_NAME];
  return name && /[:/@]/.test(name) ? [name] : [];
}

export async function ociArchiveImages(archive: Archive): Promise<ImageSource[]> {
  const index = await archive.json<IndexOrManifest>("index.json");
  if (!Array.isArray(index.manifests) || index.manifests.length === 0) {
    throw new InvalidArchiveError(archive.label, "index.json lists no manifests");
  }
  const out: ImageSource[] = [];
  for (const top of forThisHost(index.manifests)) {
    let d = top;
    let doc = await verifiedJson(archive, d, "manifest");
    for (let depth = 0; INDEX_TYPES.has(d.mediaType ?? doc.mediaType ?? "") || (doc.manifests && !doc.config); depth++) {
      const pick = forThisHost(doc.manifests ?? [])[0];
      if (!pick || depth > 4) throw new InvalidArchiveError(archive.label, `no manifest for linux/${hostArchitecture()} in index ${d.digest}`);
      d = pick;
      doc = await verifiedJson(archive, d, "manifest");
    }
    if (!doc.config || !Array.isArray(doc.layers)) throw new InvalidArchiveError(archive.label, `manifest ${d.digest} has no config or layers`);
    const config = await verifiedBlob(archive, doc.config, "config");
    out.push({
      what: `${archive.label}: image ${d.digest}`,
      config,
      configDigest: doc.config.digest,
      manifestDigest: d.digest,
      layers: doc.layers.map((l, n) => {
        const name = blobName(l, archive);
        archive.blob(name);
        return { what: `${archive.label}: layer ${n + 1} (${l.digest})`, open: () => archive.blob(name).stream(), digest: l.digest };
      }),
      tags: nameOf(top),
    });
  }
  return out;
}
