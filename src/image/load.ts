// `minibox load`: docker-archive or OCI archive (optionally gzipped, from a file or stdin) into the
// store. Per image: layers are unpacked and verified first, then the config, record and tags are
// written; if anything fails, the layers this load added are removed again and nothing is tagged.
import { emitImageEvent } from "../events/emit.ts"; // compat-sys: events
import { Archive, InvalidArchiveError } from "./archive.ts";
import { digestHex } from "./digest.ts";
import { dockerArchiveImages, isDockerArchive } from "./docker-archive.ts";
import type { ImageSource } from "./image-source.ts";
import { ociArchiveImages, isOciArchive } from "./oci-archive.ts";
import { familiarString, parseReference } from "./reference.ts";
import { spool } from "./spool.ts";
import { ImageStore, parseImageConfig } from "./store.ts";
import { TarFormatError } from "./tar/header.ts";
import { removeStaleWorkDirs } from "./tmp-work.ts";
import type { ByteInput } from "./tar/reader.ts";

export interface LoadedImage {
  id: string;
  tags: string[]; // familiar form
}

export type LoadInput = { path: string } | { stream: ByteInput; label: string };

async function commit(store: ImageStore, source: ImageSource): Promise<LoadedImage> {
  const config = parseImageConfig(source.config, source.what);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== source.layers.length) {
    throw new InvalidArchiveError(source.what, `config lists ${diffIds.length} layers, manifest ${source.layers.length}`);
  }
  if (source.configDigest !== undefined) digestHex(source.configDigest, source.what);
  // Tags are validated before any work, so a bad name leaves nothing behind.
  const tags = source.tags.map((t) => familiarString(parseReference(t)));
  const added: string[] = [];
  try {
    for (const [i, layer] of source.layers.entries()) {
      const diffId = diffIds[i]!;
      if (store.hasLayer(diffId)) continue;
      const got = await store.addLayer(layer.open(), { diffId, ...(layer.digest !== undefined && { digest: layer.digest }) }, layer.what, { keepBlob: true });
      if (got.added) added.push(got.diffId);
    }
    const record = store.commitImage(source.config, {
      tags: source.tags,
      what: source.what,
      ...(source.configDigest !== undefined && { expectedConfigDigest: source.configDigest }),
      ...(source.manifestDigest !== undefined && { manifestDigest: source.manifestDigest }),
    });
    return { id: record.id, tags };
  } catch (error) {
    store.discardLayers(added);
    if (error instanceof TarFormatError) throw new InvalidArchiveError(source.what, error.message);
    throw error;
  }
}

/** Loads every image in the archive; returns them in archive order. */
export async function loadImages(store: ImageStore, input: LoadInput): Promise<LoadedImage[]> {
  const label = "path" in input ? input.path : input.label;
  removeStaleWorkDirs(store.tmpDir()); // what a load or pull killed earlier left behind
  const spooled = await spool(input, store.tmpDir());
  try {
    const archive = Archive.open(spooled.path, label);
    let sources: ImageSource[];
    if (isDockerArchive(archive)) sources = await dockerArchiveImages(archive);
    else if (isOciArchive(archive)) sources = await ociArchiveImages(archive);
    else throw new InvalidArchiveError(label, "neither manifest.json (docker-archive) nor oci-layout + index.json (OCI archive) found");
    const loaded: LoadedImage[] = [];
    for (const source of sources) loaded.push(await commit(store, source));
    for (const image of loaded) emitImageEvent("load", image.id, image.id, store.root); // compat-sys: events
    return loaded;
  } finally {
    spooled.dispose();
  }
}

/** Docker's wording: "Loaded image: busybox:latest", or the id for an untagged image. */
export function loadedLines(images: LoadedImage[]): string[] {
  return images.flatMap((i) => (i.tags.length ? i.tags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: ${i.id}`]));
}
