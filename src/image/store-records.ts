// Shape checks for what the image store reads back from disk. Every file under the store may have been
// truncated, garbled or hand-edited, so nothing read from it is trusted as typed until it passes here.
// Each check returns the value or a short reason; callers turn the reason into a warning or a problem.
import { isSha256Digest } from "./digest.ts";

export type Checked<T> = { ok: true; value: T } | { ok: false; why: string };

/** What images/<hex>.json holds; the config itself stays in its blob. */
export interface StoredImage {
  id: string;
  diffIds: string[];
  size: number;
  manifestDigest?: string;
  loaded?: string;
  /** compat-sys: "repository@digest" that a registry knows (seen by a pull, acknowledged to a push). */
  repoDigests?: string[];
}

export interface LayerMeta {
  diffId: string;
  size: number;
  /** Digest of the blob the layer was unpacked from (kept in blobs/ when the store has it). */
  digest?: string;
  /** Length of the uncompressed tar (the diffID's input). */
  tarSize?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isDigest = (v: unknown): v is string => typeof v === "string" && isSha256Digest(v);

export function parseJson(text: string): Checked<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, why: "not JSON" };
  }
}

export function checkStoredImage(text: string, id: string): Checked<StoredImage> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isObject(v)) return { ok: false, why: "not an object" };
  if (v.id !== id) return { ok: false, why: `id is ${JSON.stringify(v.id)}, not the file's name` };
  if (!Array.isArray(v.diffIds) || !v.diffIds.every(isDigest)) return { ok: false, why: "diffIds is not a list of sha256 digests" };
  if (!isCount(v.size)) return { ok: false, why: "size is not a count of bytes" };
  if (v.manifestDigest !== undefined && !isDigest(v.manifestDigest)) return { ok: false, why: "manifestDigest is not a sha256 digest" };
  if (v.loaded !== undefined && typeof v.loaded !== "string") return { ok: false, why: "loaded is not a date" };
  if (v.repoDigests !== undefined && !(Array.isArray(v.repoDigests) && v.repoDigests.every((d) => typeof d === "string" && /^[^@\s]+@sha256:[0-9a-f]{64}$/.test(d)))) return { ok: false, why: "repoDigests is not a list of repository@sha256 digests" }; // compat-sys
  return { ok: true, value: v as unknown as StoredImage };
}

export function checkLayerMeta(text: string, diffId: string): Checked<LayerMeta> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isObject(v)) return { ok: false, why: "not an object" };
  if (v.diffId !== diffId) return { ok: false, why: `diffId is ${JSON.stringify(v.diffId)}, not the directory's name` };
  if (!isCount(v.size)) return { ok: false, why: "size is not a count of bytes" };
  if (v.digest !== undefined && !isDigest(v.digest)) return { ok: false, why: "digest is not a sha256 digest" };
  if (v.tarSize !== undefined && !isCount(v.tarSize)) return { ok: false, why: "tarSize is not a count of bytes" };
  return { ok: true, value: v as unknown as LayerMeta };
}

/** A ref file holds one image id and a newline. */
export function checkRefTarget(text: string): Checked<string> {
  const id = text.trim();
  return isDigest(id) ? { ok: true, value: id } : { ok: false, why: "does not hold an image id" };
}
