// `minibox import`: a root filesystem tarball (gzip, zstd or plain) becomes a one-layer image with a
// minimal config, as `docker import` does.
import { emitImageEvent } from "../events/emit.ts"; // compat-sys: events
import { hostArchitecture, type OciImageConfig } from "../oci/image-config.ts";
import { checkInputFile } from "./spool.ts";
import { parseReference } from "./reference.ts";
import { ImageStore } from "./store.ts";
import type { ByteInput } from "./tar/reader.ts";
import { InvalidArchiveError } from "./archive.ts";
import { TarFormatError } from "./tar/header.ts";
import { applyChanges } from "../files/change.ts";

export interface ImportOptions {
  /** Dockerfile instructions (CMD, ENV, …) for the image's config, as `--change`. */
  changes?: string[];
  /** The history entry's comment, as `--message`. */
  message?: string;
}

export type ImportInput = { path: string } | { stream: ByteInput; label: string };

/** Returns the new image id ("sha256:…"). */
export async function importRootfs(store: ImageStore, input: ImportInput, name?: string, now = new Date(), opts: ImportOptions = {}): Promise<string> {
  if (name !== undefined) parseReference(name); // a bad name fails before any work
  const runtime = applyChanges({}, opts.changes ?? []); // and so does a bad change
  const label = "path" in input ? input.path : input.label;
  if ("path" in input) checkInputFile(input.path);
  const stream = "path" in input ? Bun.file(input.path).stream() : input.stream;
  let layer: { diffId: string; added: boolean };
  try {
    layer = await store.addLayer(stream, {}, label, { keepBlob: true });
  } catch (error) {
    if (error instanceof TarFormatError) throw new InvalidArchiveError(label, error.message);
    throw error;
  }
  const created = now.toISOString();
  const config: OciImageConfig = {
    created,
    architecture: hostArchitecture(),
    os: "linux",
    config: runtime,
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created, created_by: "minibox import", comment: opts.message || "Imported from " + label }],
  };
  try {
    const record = store.commitImage(new TextEncoder().encode(JSON.stringify(config)), {
      tags: name === undefined ? [] : [name],
      what: label,
    });
    emitImageEvent("import", record.id, record.id, store.root); // compat-sys: events
    return record.id;
  } catch (error) {
    if (layer.added) store.discardLayers([layer.diffId]);
    throw error;
  }
}
