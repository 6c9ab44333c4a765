// The content-addressed image store. Layout under the root:
//   blobs/sha256/<hex>        config, manifest and layer blobs (as downloaded or loaded: compressed or
//                             not), verified before they become visible; kept so push/save are byte-exact
//   layers/<diffid-hex>/fs    each layer unpacked once, shared by every image that has it
//   layers/<diffid-hex>/meta.json  {diffId, size, digest (of the blob it came from), tarSize}
//   images/<config-hex>.json  one record per image
//   refs/<escaped ref>        one file per name:tag, holding the image id (atomic rename, no global lock)
//   tmp/                      work in progress; renamed into place when complete
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { OciImageConfig } from "../oci/image-config.ts";
import { makeTempDir, removeTree, writeFileAtomic } from "../state/atomic.ts";
import { containersUsing } from "./containers-using.ts";
import { DigestMismatchError, digestHex, sha256Digest, shortId } from "./digest.ts";
import { familiarString, isFullImageId, parseReference, type Reference } from "./reference.ts";
import { RefStore, tagReference } from "./refs.ts";
import type { ByteInput } from "./tar/reader.ts";

export function storeRoot(): string {
  return process.env.MINIBOX_ROOT || "/var/lib/minibox";
}

export interface ImageRecord {
  id: string; // "sha256:<hex>" of the config blob
  repoTags: string[];
  created?: string;
  config: OciImageConfig;
  layers: { diffId: string; path: string }[]; // bottom first
  size: number;
  /** Digest of the manifest (or index) the image was pulled or loaded by, when known. */
  manifestDigest?: string;
}

export class ImageNotFoundError extends UserError {
  constructor(readonly reference: string) {
    super(`Unable to find image '${reference}' locally`);
    this.name = "ImageNotFoundError";
  }
}

export class ImageConflictError extends UserError {
  constructor(message: string) {
    super(`conflict: ${message}`);
    this.name = "ImageConflictError";
  }
}

export class InvalidImageConfigError extends UserError {
  constructor(what: string, why: string) {
    super(`${what}: invalid image config: ${why}`);
    this.name = "InvalidImageConfigError";
  }
}

/** What images/<hex>.json holds; the config itself stays in its blob. */
interface StoredImage {
  id: string;
  diffIds: string[];
  size: number;
  manifestDigest?: string;
  loaded: string;
}

export interface LayerMeta {
  diffId: string;
  size: number;
  /** Digest of the blob the layer was unpacked from (kept in blobs/ when the store has it). */
  digest?: string;
  /** Length of the uncompressed tar (the diffID's input). */
  tarSize?: number;
}

export interface AddLayerOptions {
  /** Unpack here (must not exist; the caller holds a lock on it) instead of a fresh dir under tmp/. */
  workDir?: string;
  /** Copy the raw input into blobs/ once it is verified. */
  keepBlob?: boolean;
}

export class DiskFullError extends UserError {
  constructor(readonly path: string, what: string) {
    super(`${what}: no space left on device (${path}); nothing was committed — free some space (e.g. 'minibox image prune') and retry`);
    this.name = "DiskFullError";
  }
}

export function isDiskFull(error: unknown): boolean {
  const e = error as { code?: string; errno?: number } | null;
  return !!e && (e.code === "ENOSPC" || e.code === "EDQUOT" || (e instanceof Error && /ENOSPC|No space left/.test(e.message)));
}

async function* teeToFile(input: ByteInput, path: string): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, "wx", 0o644);
  try {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
      yield chunk;
    }
  } finally {
    closeSync(fd);
  }
}

const HEX_PREFIX = /^(?:sha256:)?([0-9a-f]{1,64})$/;

export function parseImageConfig(bytes: Uint8Array, what: string): OciImageConfig {
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new InvalidImageConfigError(what, "not JSON");
  }
  const c = config as Partial<OciImageConfig> | null;
  if (!c || typeof c !== "object" || !c.rootfs || !Array.isArray(c.rootfs.diff_ids)) {
    throw new InvalidImageConfigError(what, "no rootfs.diff_ids");
  }
  for (const d of c.rootfs.diff_ids) digestHex(String(d), `${what}: diff_id`);
  return c as OciImageConfig;
}

export class ImageStore {
  readonly root: string;
  private readonly blobs: string;
  private readonly layers: string;
  private readonly images: string;
  private readonly refs: RefStore;
  private readonly containers: string;
  private readonly tmp: string;

  constructor(root: string = storeRoot()) {
    this.root = root;
    this.blobs = join(root, "blobs", "sha256");
    this.layers = join(root, "layers");
    this.images = join(root, "images");
    this.refs = new RefStore(join(root, "refs"), () => this.tmpDir());
    this.containers = join(root, "containers");
    this.tmp = join(root, "tmp");
  }

  /** The store's scratch directory (same filesystem), created on first use. */
  tmpDir(): string {
    for (const dir of [this.blobs, this.layers, this.images, join(this.root, "refs"), this.tmp]) mkdirSync(dir, { recursive: true });
    return this.tmp;
  }

  // --- blobs -------------------------------------------------------------------------------------

  /** Stores a blob after checking it against `expected` (when given); returns its digest. */
  putBlob(data: Uint8Array, expected: string | undefined, what: string): string {
    const digest = sha256Digest(data);
    if (expected !== undefined && expected !== digest) throw new DigestMismatchError(what, expected, digest);
    const path = join(this.blobs, digestHex(digest, what));
    if (!existsSync(path)) writeFileAtomic(path, data, this.tmpDir());
    return digest;
  }

  readBlob(digest: string): Uint8Array {
    return readFileSync(join(this.blobs, digestHex(digest, "blob")));
  }

  blobPath(digest: string): string {
    return join(this.blobs, digestHex(digest, "blob"));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  /** Moves a file whose content the caller has verified to be `digest` into blobs/ (same filesystem). */
  adoptBlob(path: string, digest: string): void {
    const target = this.blobPath(digest);
    if (existsSync(target)) { rmSync(path, { force: true }); return; }
    chmodSync(path, 0o644);
    renameSync(path, target);
  }

  /** Every blob digest in the store. */
  blobDigests(): string[] {
    try {
      return readdirSync(this.blobs).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
    } catch {
      return [];
    }
  }

  removeBlob(digest: string): void {
    rmSync(this.blobPath(digest), { force: true });
  }

  // --- layers ------------------------------------------------------------------------------------

  layerPath(diffId: string): string {
    return join(this.layers, digestHex(diffId, "layer"), "fs");
  }

  hasLayer(diffId: string): boolean {
    return existsSync(join(this.layers, digestHex(diffId, "layer"), "meta.json"));
  }

  layerMeta(diffId: string): LayerMeta | null {
    try {
      return JSON.parse(readFileSync(join(this.layers, digestHex(diffId, "layer"), "meta.json"), "utf8")) as LayerMeta;
    } catch {
      return null;
    }
  }

  private layerSize(diffId: string): number {
    return this.layerMeta(diffId)?.size ?? 0;
  }

  /** Every layer's diffID in the store. */
  layerIds(): string[] {
    try {
      return readdirSync(this.layers).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
    } catch {
      return [];
    }
  }

  /**
   * Unpacks a layer into tmp/, checks its digests, and renames it into layers/<diffid>. `added` is false
   * when the layer was already there (or another process won the race to add it).
   */
  async addLayer(input: ByteInput, expect: { diffId?: string; digest?: string }, what: string, opts: AddLayerOptions = {}): Promise<{ diffId: string; size: number; added: boolean }> {
    let work: string;
    if (opts.workDir !== undefined) {
      this.tmpDir();
      work = opts.workDir;
      mkdirSync(work, 0o755);
    } else {
      work = makeTempDir(this.tmpDir(), "layer-");
    }
    chmodSync(work, 0o755); // mkdtemp makes it 0700; the layer is read by container processes through overlayfs
    try {
      const fs = join(work, "fs");
      mkdirSync(fs, 0o755);
      // Loaded here, not at the top: `run` and every read-only command would otherwise load the unpacker.
      // A worker thread unpacks unless MINIBOX_UNPACK_WORKERS=0 (this thread, e.g. to compare).
      const unpack = process.env.MINIBOX_UNPACK_WORKERS === "0"
        ? (await import("./unpack.ts")).unpackLayer
        : (await import("./unpack-in-worker.ts")).unpackLayerInWorker;
      const blobCopy = join(work, "blob");
      const got = await unpack(opts.keepBlob ? teeToFile(input, blobCopy) : input, fs, what);
      if (expect.digest !== undefined && expect.digest !== got.digest) throw new DigestMismatchError(what, expect.digest, got.digest);
      if (expect.diffId !== undefined && expect.diffId !== got.diffId) {
        throw new DigestMismatchError(`${what} (uncompressed, diff_id)`, expect.diffId, got.diffId);
      }
      if (opts.keepBlob) this.adoptBlob(blobCopy, got.digest);
      const meta: LayerMeta = { diffId: got.diffId, size: got.size, digest: got.digest, tarSize: got.tarSize };
      writeFileAtomic(join(work, "meta.json"), JSON.stringify(meta), this.tmp);
      const target = join(this.layers, digestHex(got.diffId, what));
      try {
        renameSync(work, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
        return { diffId: got.diffId, size: got.size, added: false };
      }
      return { diffId: got.diffId, size: got.size, added: true };
    } catch (error) {
      if (isDiskFull(error) || isDiskFull((error as { original?: unknown }).original)) throw new DiskFullError(this.root, what);
      if (error instanceof Error && error.name === "UnpackError") {
        const { rawDigest, original } = error as Error & { rawDigest?: string; original?: unknown };
        if (expect.digest !== undefined && rawDigest !== undefined && rawDigest !== expect.digest) throw new DigestMismatchError(what, expect.digest, rawDigest);
        throw original;
      }
      throw error;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Deletes the given layers unless an image still uses them; returns the ones deleted. */
  discardLayers(diffIds: Iterable<string>): string[] {
    const used = new Set(this.storedImages().flatMap((i) => i.diffIds));
    const deleted: string[] = [];
    for (const diffId of new Set(diffIds)) {
      if (used.has(diffId)) continue;
      const dir = join(this.layers, digestHex(diffId, "layer"));
      if (!existsSync(dir)) continue;
      const blob = this.layerMeta(diffId)?.digest;
      removeTree(dir, this.tmpDir());
      if (blob !== undefined) this.removeBlob(blob); // the compressed blob the layer came from
      deleted.push(diffId);
    }
    return deleted;
  }

  /** Deletes a manifest (and, for an index, the manifests it lists) unless another image refers to it. */
  private discardManifest(digest: string | undefined): void {
    if (digest === undefined || !this.hasBlob(digest)) return;
    if (this.storedImages().some((i) => i.manifestDigest === digest)) return;
    let children: string[] = [];
    try {
      const doc = JSON.parse(new TextDecoder().decode(this.readBlob(digest))) as { manifests?: { digest?: unknown }[] };
      children = (doc.manifests ?? []).map((m) => m.digest).filter((d): d is string => typeof d === "string" && /^sha256:[0-9a-f]{64}$/.test(d));
    } catch { /* not JSON */ }
    this.removeBlob(digest);
    const kept = new Set(this.storedImages().map((i) => i.manifestDigest));
    for (const child of children) if (!kept.has(child)) this.removeBlob(child);
  }

  // --- images ------------------------------------------------------------------------------------

  /**
   * Records an image whose layers are all in the store, then points `tags` at it. The config blob is
   * checked against `expectedConfigDigest` first; nothing is written if anything is wrong.
   */
  commitImage(configBytes: Uint8Array, opts: { tags?: string[]; expectedConfigDigest?: string; manifestDigest?: string; what: string }): ImageRecord {
    const config = parseImageConfig(configBytes, opts.what);
    const digest = sha256Digest(configBytes);
    if (opts.expectedConfigDigest !== undefined && opts.expectedConfigDigest !== digest) {
      throw new DigestMismatchError(`${opts.what}: config`, opts.expectedConfigDigest, digest);
    }
    const refs = (opts.tags ?? []).map(tagReference);
    for (const d of config.rootfs.diff_ids) {
      if (!this.hasLayer(d)) throw new InvalidImageConfigError(opts.what, `layer ${d} is missing`);
    }
    this.putBlob(configBytes, digest, opts.what);
    const stored: StoredImage = {
      id: digest,
      diffIds: config.rootfs.diff_ids,
      size: config.rootfs.diff_ids.reduce((n, d) => n + this.layerSize(d), 0),
      ...(opts.manifestDigest !== undefined && { manifestDigest: opts.manifestDigest }),
      loaded: new Date().toISOString(),
    };
    const recordPath = join(this.images, `${digestHex(digest, "image")}.json`);
    const previous = this.readStored(digest);
    if (!previous || (opts.manifestDigest !== undefined && previous.manifestDigest !== opts.manifestDigest)) {
      writeFileAtomic(recordPath, JSON.stringify(previous ? { ...previous, manifestDigest: opts.manifestDigest } : stored), this.tmpDir());
    }
    for (const ref of refs) this.refs.set(ref, digest);
    return this.record(this.readStored(digest)!);
  }

  private readStored(id: string): StoredImage | null {
    try {
      return JSON.parse(readFileSync(join(this.images, `${digestHex(id, "image")}.json`), "utf8")) as StoredImage;
    } catch {
      return null;
    }
  }

  private storedImages(): StoredImage[] {
    let names: string[];
    try {
      names = readdirSync(this.images);
    } catch {
      return [];
    }
    return names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).flatMap((n) => this.readStored(`sha256:${n.slice(0, 64)}`) ?? []);
  }

  private record(stored: StoredImage, allRefs = this.refs.all()): ImageRecord {
    const config = parseImageConfig(this.readBlob(stored.id), stored.id);
    const repoTags = [...allRefs].filter(([, id]) => id === stored.id).map(([ref]) => familiarString(parseReference(ref)));
    return {
      id: stored.id,
      repoTags: repoTags.sort(),
      ...(config.created !== undefined && { created: config.created }),
      config,
      layers: stored.diffIds.map((diffId) => ({ diffId, path: this.layerPath(diffId) })),
      size: stored.size,
      ...(stored.manifestDigest !== undefined && { manifestDigest: stored.manifestDigest }),
    };
  }

  // --- the API the CLI and `run` use -------------------------------------------------------------

  /** By full id, by reference (name[:tag] or name@digest), or by unique id prefix. */
  async resolve(nameOrIdOrPrefix: string): Promise<ImageRecord> {
    const input = nameOrIdOrPrefix;
    if (isFullImageId(input)) {
      const stored = this.readStored(input.startsWith("sha256:") ? input : `sha256:${input}`);
      if (!stored) throw new ImageNotFoundError(input);
      return this.record(stored);
    }
    let ref: Reference | undefined;
    let refError: unknown;
    try {
      ref = parseReference(input);
    } catch (error) {
      refError = error;
    }
    if (ref?.tag !== undefined && ref.digest === undefined) {
      const id = this.refs.get(ref);
      const stored = id ? this.readStored(id) : null;
      if (stored) return this.record(stored);
    } else if (ref?.digest !== undefined) {
      const wanted = ref.digest;
      const stored = this.storedImages().find((s) => s.id === wanted || s.manifestDigest === wanted);
      if (stored) return this.record(stored);
    }
    const prefix = HEX_PREFIX.exec(input);
    if (prefix) {
      const matches = this.storedImages().filter((s) => s.id.slice("sha256:".length).startsWith(prefix[1]!));
      if (matches.length > 1) throw new UserError(`image id prefix '${input}' is ambiguous (${matches.length} images match)`);
      if (matches.length === 1) return this.record(matches[0]!);
    }
    if (refError) throw refError;
    throw new ImageNotFoundError(ref ? familiarString(ref) : input);
  }

  /** Every image, newest first. */
  async list(): Promise<ImageRecord[]> {
    const refs = this.refs.all();
    const records = this.storedImages().map((s) => this.record(s, refs));
    const time = (r: ImageRecord) => (r.created ? Date.parse(r.created) || 0 : 0);
    return records.sort((a, b) => time(b) - time(a) || a.id.localeCompare(b.id));
  }

  async tag(source: string, target: string): Promise<void> {
    const image = await this.resolve(source);
    this.refs.set(tagReference(target), image.id);
  }

  /**
   * Docker's rmi: by name, removes that tag and deletes the image when it was the last one; by id,
   * removes every tag (only with force if there are several) and deletes it. An image a container
   * uses is kept unless forced, and even then only its tags go, because the container needs the layers.
   */
  async remove(ref: string, opts: { force?: boolean } = {}): Promise<string[]> {
    const image = await this.resolve(ref);
    const force = opts.force ?? false;
    const lines: string[] = [];
    let byName: Reference | undefined;
    if (!isFullImageId(ref)) {
      try {
        const parsed = parseReference(ref);
        if (parsed.digest === undefined && this.refs.get(parsed) === image.id) byName = parsed;
      } catch {
        // an id prefix that is not a valid name
      }
    }
    const users = containersUsing(this.containers, image.id);
    const untag = (r: Reference) => {
      this.refs.delete(r);
      lines.push(`Untagged: ${familiarString(r)}`);
    };
    if (byName) {
      const name = familiarString(byName);
      if (image.repoTags.length > 1) {
        untag(byName);
        return lines;
      }
      if (users.length && !force) {
        throw new ImageConflictError(`unable to remove repository reference "${name}" (must force) - container ${shortId(users[0]!)} is using its referenced image ${shortId(image.id)}`);
      }
      untag(byName);
    } else {
      if (image.repoTags.length > 1 && !force) {
        throw new ImageConflictError(`unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
      }
      if (users.length && !force) {
        throw new ImageConflictError(`unable to delete ${shortId(image.id)} (must be forced) - image is being used by container ${shortId(users[0]!)}`);
      }
      for (const tag of image.repoTags) untag(parseReference(tag));
    }
    if (users.length) return lines;
    // Untag everything still pointing here (e.g. a tag written by a concurrent `tag`), then delete.
    for (const [full, id] of this.refs.all()) if (id === image.id) untag(parseReference(full));
    const hex = digestHex(image.id, "image");
    try { unlinkSync(join(this.images, `${hex}.json`)); } catch { /* removed concurrently */ }
    try { unlinkSync(join(this.blobs, hex)); } catch { /* shared or gone */ }
    this.discardManifest(image.manifestDigest);
    lines.push(`Deleted: ${image.id}`);
    for (const d of this.discardLayers(image.layers.map((l) => l.diffId))) lines.push(`Deleted: ${d}`);
    return lines;
  }
}
