// `docker save` archives: manifest.json lists each image's config file, RepoTags and layer tars. The
// old layout names configs "<hex>.json" and layers "<id>/layer.tar"; Docker 25+ adds an OCI layout and
// points at "blobs/sha256/<hex>". Where a member is named by its digest, that digest is checked.
import { Archive, InvalidArchiveError } from "./archive.ts";
import type { ImageSource } from "./image-source.ts";

interface ManifestEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

const NAMED_BY_DIGEST = /(?:^|\/)(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/;

function digestInName(name: string): string | undefined {
  const m = NAMED_BY_DIGEST.exec(name);
  return m && !name.endsWith("layer.tar") ? `sha256:${m[1]}` : undefined;
}

function strings(v: unknown, what: string, archive: string): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw new InvalidArchiveError(archive, `${what} must be a list of strings`);
  return v as string[];
}

export function isDockerArchive(archive: Archive): boolean {
  return archive.has("manifest.json");
}

export async function dockerArchiveImages(archive: Archive): Promise<ImageSource[]> {
  const manifest = await archive.json<ManifestEntry[]>("manifest.json");
  if (!Array.isArray(manifest) || manifest.length === 0) throw new InvalidArchiveError(archive.label, "manifest.json lists no images");
  const out: ImageSource[] = [];
  for (const [i, entry] of manifest.entries()) {
    if (typeof entry?.Config !== "string") throw new InvalidArchiveError(archive.label, `manifest.json entry ${i} has no Config`);
    const configName = entry.Config;
    const configDigest = digestInName(configName);
    const layers = strings(entry.Layers, "Layers", archive.label).map((name, n) => {
      archive.blob(name); // fails now, with the member's name, if it is missing
      const digest = name.startsWith("blobs/") ? digestInName(name) : undefined;
      return {
        what: `${archive.label}: layer ${n + 1} (${name})`,
        open: () => archive.blob(name).stream(),
        ...(digest !== undefined && { digest }),
      };
    });
    out.push({
      what: `${archive.label}: image ${configName}`,
      config: await archive.bytes(configName),
      ...(configDigest !== undefined && { configDigest }),
      layers,
      tags: strings(entry.RepoTags, "RepoTags", archive.label),
    });
  }
  return out;
}
