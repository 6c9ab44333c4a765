// `minibox save`: images to a docker-archive (Docker 25's layout: manifest.json + repositories, and an
// OCI layout over the same blobs, layers as uncompressed tars named by their diffID) or to an OCI archive
// (the layer blobs as the store keeps them, compressed or not, under an OCI manifest). Layers come from
// the blobs the store kept when it pulled or loaded them, so every digest and diffID is the original one.
import { emitImageEvent } from "../events/emit.ts"; // compat-sys: events
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../errors.ts";
import { decompress } from "./compression.ts";
import { digestHex, sha256Digest } from "./digest.ts";
import { layerBlob } from "./layer-blob.ts";
import { buildOciManifest } from "./oci-manifest.ts";
import { checkOutputPath } from "./output-path.ts";
import { familiarName, familiarString, parseReference, referenceString } from "./reference.ts";
import { MT } from "./registry/media-types.ts";
import type { ImageRecord, ImageStore } from "./store.ts";
import { writeTar, type TarWriteEntry } from "./tar/writer.ts";
import { verifiedStream } from "./verify-stream.ts";

export type SaveFormat = "docker-archive" | "oci-archive";

export class SaveFormatError extends UserError {
  constructor(format: string) {
    super(`unknown format "${format}" (use docker-archive or oci-archive)`);
    this.name = "SaveFormatError";
  }
}

const MTIME = 0;
const text = (s: string) => new TextEncoder().encode(s);
const file = (name: string, body: Uint8Array): TarWriteEntry => ({ name, body, mtime: MTIME });
const dir = (name: string): TarWriteEntry => ({ name, type: "dir", mtime: MTIME });
const blobName = (digest: string) => `blobs/sha256/${digestHex(digest, "blob")}`;

async function* uncompressedLength(path: string, label: string): AsyncGenerator<number> {
  let n = 0;
  for await (const chunk of decompress(Bun.file(path).stream(), label)) n += chunk.length;
  yield n;
}

interface Selected { image: ImageRecord; tags: string[] }

async function select(store: ImageStore, names: string[]): Promise<Selected[]> {
  const out: Selected[] = [];
  for (const name of names) {
    const image = await store.resolve(name);
    let tags: string[] = [];
    try {
      const ref = parseReference(name);
      // `save busybox` saves the tag asked for; an id saves the image without names, as Docker does.
      if (ref.digest === undefined && image.repoTags.includes(familiarString(ref))) tags = [familiarString(ref)];
    } catch {
      // an id
    }
    const existing = out.find((s) => s.image.id === image.id);
    if (existing) existing.tags.push(...tags.filter((t) => !existing.tags.includes(t)));
    else out.push({ image, tags });
  }
  return out;
}

async function dockerArchiveEntries(store: ImageStore, images: Selected[]): Promise<TarWriteEntry[]> {
  const entries: TarWriteEntry[] = [dir("blobs"), dir("blobs/sha256")];
  const seen = new Set<string>();
  const manifestJson: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const index: unknown[] = [];
  for (const { image, tags } of images) {
    const label = tags[0] ?? image.id;
    const layers = [];
    for (const l of image.layers) {
      const b = layerBlob(store, l.diffId, label);
      let size = b.compression === "none" ? b.size : b.tarSize;
      if (size === undefined) for await (const n of uncompressedLength(b.path, label)) size = n;
      layers.push({ diffId: l.diffId, size: size!, path: b.path, compression: b.compression });
      if (seen.has(l.diffId)) continue;
      seen.add(l.diffId);
      entries.push({
        name: blobName(l.diffId), mtime: MTIME, size: size!,
        // The blob is checked against its digest and the tar against the diffID as they stream.
        stream: () => {
          const raw = verifiedStream(Bun.file(b.path).stream() as AsyncIterable<Uint8Array>, b.digest, `${label}: layer blob ${b.digest}`);
          return b.compression === "none" ? raw : verifiedStream(decompress(raw, label), l.diffId, `${label}: layer ${l.diffId} (uncompressed)`);
        },
      });
    }
    const config = store.readBlob(image.id);
    if (!seen.has(image.id)) { seen.add(image.id); entries.push(file(blobName(image.id), config)); }
    const manifest = text(JSON.stringify({
      schemaVersion: 2, mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: image.id, size: config.length },
      layers: layers.map((l) => ({ mediaType: MT.ociLayerTar, digest: l.diffId, size: l.size })),
    }));
    const manifestDigest = sha256Digest(manifest);
    if (!seen.has(manifestDigest)) { seen.add(manifestDigest); entries.push(file(blobName(manifestDigest), manifest)); }
    const descriptor = { mediaType: MT.ociManifest, digest: manifestDigest, size: manifest.length };
    if (tags.length === 0) index.push(descriptor);
    for (const t of tags) {
      const ref = parseReference(t);
      index.push({ ...descriptor, annotations: { "io.containerd.image.name": referenceString(ref), "org.opencontainers.image.ref.name": ref.tag } });
      (repositories[familiarName(ref)] ??= {})[ref.tag!] = digestHex(image.id, "image");
    }
    manifestJson.push({ Config: blobName(image.id), RepoTags: tags.length ? tags : null, Layers: layers.map((l) => blobName(l.diffId)) });
  }
  entries.push(
    file("index.json", text(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: index }))),
    file("manifest.json", text(JSON.stringify(manifestJson))),
    file("oci-layout", text(JSON.stringify({ imageLayoutVersion: "1.0.0" }))),
    file("repositories", text(JSON.stringify(repositories))),
  );
  return entries;
}

function ociArchiveEntries(store: ImageStore, images: Selected[]): TarWriteEntry[] {
  const entries: TarWriteEntry[] = [dir("blobs"), dir("blobs/sha256")];
  const seen = new Set<string>();
  const index: unknown[] = [];
  for (const { image, tags } of images) {
    const plan = buildOciManifest(store, image, tags[0] ?? image.id);
    for (const b of plan.blobs) {
      if (seen.has(b.digest)) continue;
      seen.add(b.digest);
      entries.push({
        name: blobName(b.digest), mtime: MTIME, size: b.size,
        stream: () => verifiedStream(Bun.file(b.path).stream() as AsyncIterable<Uint8Array>, b.digest, `${tags[0] ?? image.id}: blob ${b.digest}`),
      });
    }
    const digest = sha256Digest(plan.manifest);
    if (!seen.has(digest)) { seen.add(digest); entries.push(file(blobName(digest), plan.manifest)); }
    const descriptor = { mediaType: plan.mediaType, digest, size: plan.manifest.length };
    if (tags.length === 0) index.push(descriptor);
    for (const t of tags) {
      index.push({ ...descriptor, annotations: { "org.opencontainers.image.ref.name": t, "io.containerd.image.name": referenceString(parseReference(t)) } });
    }
  }
  entries.push(
    file("index.json", text(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: index }))),
    file("oci-layout", text(JSON.stringify({ imageLayoutVersion: "1.0.0" }))),
  );
  return entries;
}

/** The archive as a stream of bytes. */
export async function saveStream(store: ImageStore, names: string[], format: SaveFormat): Promise<AsyncIterable<Uint8Array>> {
  if (format !== "docker-archive" && format !== "oci-archive") throw new SaveFormatError(format);
  const images = await select(store, names);
  for (const { image } of images) emitImageEvent("save", image.id, image.id, store.root); // compat-sys: events
  const entries = format === "docker-archive" ? await dockerArchiveEntries(store, images) : ociArchiveEntries(store, images);
  return writeTar(entries);
}

/**
 * Writes the archive to `path` through a temp file beside it, so a failure never leaves half an archive.
 * A FIFO is written directly (there is nothing to replace); anything else that is not a regular file
 * (a device, a directory, a socket) is refused before any work, as Docker does.
 */
export async function saveToFile(store: ImageStore, names: string[], format: SaveFormat, path: string): Promise<void> {
  const kind = checkOutputPath(path, "failed to save image");
  const stream = await saveStream(store, names, format);
  if (kind === "fifo") {
    await writeToFifo(path, stream);
    return;
  }
  const tmp = join(dirname(path), `.${process.pid}.${Math.random().toString(36).slice(2)}.minibox-save.tmp`);
  const fd = openSync(tmp, "wx", 0o644);
  try {
    for await (const chunk of stream) for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (error) {
    try { closeSync(fd); } catch { /* closed */ }
    rmSync(tmp, { force: true });
    throw error;
  }
}

async function writeToFifo(path: string, stream: AsyncIterable<Uint8Array>): Promise<void> {
  // O_NOFOLLOW-free on purpose: the path was checked to be a FIFO; no O_TRUNC/O_CREAT, so nothing else is made or cut.
  const fd = openSync(path, constants.O_WRONLY);
  try {
    for await (const chunk of stream) for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
  } finally {
    closeSync(fd);
  }
}
