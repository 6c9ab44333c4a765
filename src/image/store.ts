// The content-addressed image store. Layout under the root:
//   blobs/sha256/<hex>        config, manifest and layer blobs (as downloaded or loaded: compressed or
//                             not), verified before they become visible; kept so push/save are byte-exact
//   layers/<diffid-hex>/fs    each layer unpacked once, shared by every image that has it
//   layers/<diffid-hex>/meta.json  {diffId, size, digest (of the blob it came from), tarSize}
//   images/<config-hex>.json  one record per image
//   refs/<escaped ref>        one file per name:tag, holding the image id (atomic rename, no global lock)
//   tmp/                      work in progress; renamed into place when complete. Work dirs (layer-*,
//                             input-*) each have a <dir>.lock held with flock while their owner lives
//   store.lock                flock: shared while `create` goes from image to container record,
//                             exclusive while rmi/prune/system check --repair delete (src/state/store-lock.ts)
import { emitImageEvent } from "../events/emit.ts"; // compat-sys: events
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { OciImageConfig } from "../oci/image-config.ts";
import { removeTree, writeFileAtomic } from "../state/atomic.ts";
import { withStoreLock } from "../state/store-lock.ts";
import { containerRecordReadable, containersUsing } from "./containers-using.ts";
import { DigestMismatchError, digestHex, sha256Digest, shortId } from "./digest.ts";
import { familiarString, isFullImageId, parseReference, type Reference } from "./reference.ts";
import { RefStore, tagReference } from "./refs.ts";
import { createWorkDir, type WorkDir } from "./tmp-work.ts";
import { checkLayerMeta, checkStoredImage, type LayerMeta, type StoredImage } from "./store-records.ts";
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
  /** compat-sys: "repository@digest" a registry knows this image by (Docker's RepoDigests). */
  repoDigests?: string[];
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

export type { LayerMeta, StoredImage } from "./store-records.ts";

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

/** An image whose record, config or layers are damaged: listed and removable, never run or saved. */
export interface BrokenImage {
  id: string;
  repoTags: string[];
  /** What is wrong, e.g. "config blob does not match its digest". */
  problem: string;
  /** Its layers, when the record or the config still says which. */
  diffIds?: string[];
  manifestDigest?: string;
}

export class BrokenImageError extends UserError {
  constructor(readonly image: BrokenImage) {
    super(`image ${shortId(image.id)} is damaged (${image.problem}); remove it with 'minibox rmi -f ${shortId(image.id)}' and pull or load it again`);
    this.name = "BrokenImageError";
  }
}

type ImageState = { ok: true; record: ImageRecord } | { ok: false; broken: BrokenImage };
type StoredState = { state: "absent" } | { state: "ok"; stored: StoredImage } | { state: "broken"; why: string };

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR";

/** sha256 of a file, read in chunks (layer blobs can be large). */
export function fileDigest(path: string): string {
  const hasher = new Bun.CryptoHasher("sha256");
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hasher.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return `sha256:${hasher.digest("hex")}`;
}

export class ImageStore {
  readonly root: string;
  readonly refsDir: string;
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
    this.refsDir = join(root, "refs");
    this.refs = new RefStore(this.refsDir, () => this.tmpDir());
    this.containers = join(root, "containers");
    this.tmp = join(root, "tmp");
  }

  /** The store's scratch directory (same filesystem), created on first use. */
  tmpDir(): string {
    for (const dir of [this.blobs, this.layers, this.images, join(this.root, "refs"), this.tmp]) mkdirSync(dir, { recursive: true });
    return this.tmp;
  }

  // --- blobs -------------------------------------------------------------------------------------

  /** Stores a blob after checking it against `expected` (when given); returns its digest. A stored copy
   *  that does not match (damaged on disk) is replaced. */
  putBlob(data: Uint8Array, expected: string | undefined, what: string): string {
    const digest = sha256Digest(data);
    if (expected !== undefined && expected !== digest) throw new DigestMismatchError(what, expected, digest);
    const path = join(this.blobs, digestHex(digest, what));
    if (!this.blobMatches(digest)) writeFileAtomic(path, data, this.tmpDir());
    return digest;
  }

  /** The blob is there and its content hashes to its name. */
  blobMatches(digest: string): boolean {
    try {
      return fileDigest(this.blobPath(digest)) === digest;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
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
    // An existing copy is kept only if it is intact; a damaged one is replaced by this verified one.
    if (this.blobMatches(digest)) { rmSync(path, { force: true }); return; }
    chmodSync(path, 0o644);
    renameSync(path, target);
  }

  /** Every blob digest in the store. */
  blobDigests(): string[] {
    return this.listNames(this.blobs).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  removeBlob(digest: string): void {
    rmSync(this.blobPath(digest), { force: true });
  }

  private listNames(dir: string): string[] {
    try {
      return readdirSync(dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  // --- layers ------------------------------------------------------------------------------------

  layerDir(diffId: string): string {
    return join(this.layers, digestHex(diffId, "layer"));
  }

  layerPath(diffId: string): string {
    return join(this.layerDir(diffId), "fs");
  }

  /** What is wrong with a stored layer, or undefined when it is whole (meta.json valid, fs/ present). */
  layerProblem(diffId: string): string | undefined {
    const dir = this.layerDir(diffId);
    let text: string;
    try {
      text = readFileSync(join(dir, "meta.json"), "utf8");
    } catch (error) {
      if (!isMissing(error)) throw error;
      return existsSync(dir) ? `layer ${diffId} has no meta.json` : `layer ${diffId} is missing`;
    }
    const meta = checkLayerMeta(text, diffId);
    if (!meta.ok) return `layer ${diffId}: meta.json: ${meta.why}`;
    try {
      if (!lstatSync(join(dir, "fs")).isDirectory()) return `layer ${diffId}: fs is not a directory`;
    } catch (error) {
      if (!isMissing(error)) throw error;
      return `layer ${diffId}: its files (fs/) are missing`;
    }
    return undefined;
  }

  hasLayer(diffId: string): boolean {
    return this.layerProblem(diffId) === undefined;
  }

  /** The layer's meta.json, or null when it is missing or malformed. */
  layerMeta(diffId: string): LayerMeta | null {
    let text: string;
    try {
      text = readFileSync(join(this.layerDir(diffId), "meta.json"), "utf8");
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    const meta = checkLayerMeta(text, diffId);
    return meta.ok ? meta.value : null;
  }

  private layerSize(diffId: string): number {
    return this.layerMeta(diffId)?.size ?? 0;
  }

  /** Every layer's diffID in the store (whole or not). */
  layerIds(): string[] {
    return this.listNames(this.layers).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Removes a layer directory (whole or damaged) and the blob it came from. */
  removeLayer(diffId: string): void {
    const blob = this.layerMeta(diffId)?.digest;
    removeTree(this.layerDir(diffId), this.tmpDir());
    if (blob !== undefined) this.removeBlob(blob);
  }

  /**
   * Unpacks a layer into tmp/, checks its digests, and renames it into layers/<diffid>. `added` is false
   * when the layer was already there (or another process won the race to add it). A damaged layer
   * under that name is replaced.
   */
  async addLayer(input: ByteInput, expect: { diffId?: string; digest?: string }, what: string, opts: AddLayerOptions = {}): Promise<{ diffId: string; size: number; added: boolean }> {
    let work: string;
    let owned: WorkDir | undefined;
    if (opts.workDir !== undefined) {
      this.tmpDir();
      work = opts.workDir;
      mkdirSync(work, 0o755);
    } else {
      owned = createWorkDir(this.tmpDir(), "layer-");
      work = owned.path;
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
      const target = this.layerDir(got.diffId);
      for (let attempt = 0; ; attempt++) {
        try {
          renameSync(work, target);
          return { diffId: got.diffId, size: got.size, added: true };
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
          if (this.hasLayer(got.diffId)) return { diffId: got.diffId, size: got.size, added: false };
          if (attempt > 0) throw error;
          // A damaged layer of that name (e.g. its meta.json deleted): ours replaces it, unless a container
          // may have it mounted (deleting files under a running container's overlay is not a repair).
          const user = this.containerUsingLayer(got.diffId);
          if (user !== undefined) throw new UserError(`${what}: the stored layer ${got.diffId} is damaged (${this.layerProblem(got.diffId)}) and container ${shortId(user)} uses it; remove that container first`);
          removeTree(target, this.tmp);
        }
      }
    } catch (error) {
      if (isDiskFull(error) || isDiskFull((error as { original?: unknown }).original)) throw new DiskFullError(this.root, what);
      if (error instanceof Error && error.name === "UnpackError") {
        const { rawDigest, original } = error as Error & { rawDigest?: string; original?: unknown };
        if (expect.digest !== undefined && rawDigest !== undefined && rawDigest !== expect.digest) throw new DigestMismatchError(what, expect.digest, rawDigest);
        throw original;
      }
      throw error;
    } finally {
      if (owned) owned.dispose();
      else rmSync(work, { recursive: true, force: true });
    }
  }

  /** Deletes the given layers unless an image (whole or damaged, if it says) still uses them; returns the ones deleted. */
  discardLayers(diffIds: Iterable<string>): string[] {
    const used = this.usedLayers();
    const deleted: string[] = [];
    for (const diffId of new Set(diffIds)) {
      if (used.has(diffId)) continue;
      if (!existsSync(this.layerDir(diffId))) continue;
      this.removeLayer(diffId);
      deleted.push(diffId);
    }
    return deleted;
  }

  /** A container whose image lists the layer (or whose record cannot be read), if any. */
  private containerUsingLayer(diffId: string): string | undefined {
    for (const id of this.imageIds()) {
      const layers = this.imageLayers(id);
      if (layers !== undefined && !layers.includes(diffId)) continue;
      const users = containersUsing(this.containers, id);
      if (users.length) return users[0];
    }
    return undefined;
  }

  /** Layers some image record (or, when the record is damaged, its config) names. */
  usedLayers(): Set<string> {
    const used = new Set<string>();
    for (const id of this.imageIds()) for (const d of this.imageLayers(id) ?? []) used.add(d);
    return used;
  }

  /** The layers image `id` names: by its record, or by its config when the record is damaged; undefined when neither says. */
  imageLayers(id: string): string[] | undefined {
    const s = this.readStored(id);
    return s.state === "ok" ? s.stored.diffIds : this.configDiffIds(id);
  }

  /** Every damaged image (record, config blob or a layer), for `system check`. */
  brokenImages(): BrokenImage[] {
    const refs = this.refs.all();
    return this.imageIds().flatMap((id) => { const st = this.imageState(id, refs); return st.ok ? [] : [st.broken]; });
  }

  /** Deletes a manifest (and, for an index, the manifests it lists) unless another image refers to it. */
  private discardManifest(digest: string | undefined): void {
    if (digest === undefined || !this.hasBlob(digest)) return;
    const kept = () => new Set(this.readableImages().map((i) => i.manifestDigest));
    if (kept().has(digest)) return;
    let children: string[] = [];
    try {
      const doc = JSON.parse(new TextDecoder().decode(this.readBlob(digest))) as { manifests?: { digest?: unknown }[] };
      children = (Array.isArray(doc.manifests) ? doc.manifests : []).map((m) => m?.digest).filter((d): d is string => typeof d === "string" && /^sha256:[0-9a-f]{64}$/.test(d));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error; // not JSON: no children to follow
    }
    this.removeBlob(digest);
    const stillKept = kept();
    for (const child of children) if (!stillKept.has(child)) this.removeBlob(child);
  }

  // --- images ------------------------------------------------------------------------------------

  /**
   * Records an image whose layers are all in the store, then points `tags` at it. The config blob is
   * checked against `expectedConfigDigest` first; nothing is written if anything is wrong. A damaged
   * record or config of the same image is replaced.
   */
  commitImage(configBytes: Uint8Array, opts: { tags?: string[]; expectedConfigDigest?: string; manifestDigest?: string; what: string }): ImageRecord {
    const config = parseImageConfig(configBytes, opts.what);
    const digest = sha256Digest(configBytes);
    if (opts.expectedConfigDigest !== undefined && opts.expectedConfigDigest !== digest) {
      throw new DigestMismatchError(`${opts.what}: config`, opts.expectedConfigDigest, digest);
    }
    const refs = (opts.tags ?? []).map(tagReference);
    for (const d of config.rootfs.diff_ids) {
      const problem = this.layerProblem(d);
      if (problem !== undefined) throw new InvalidImageConfigError(opts.what, problem);
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
    const s = this.readStored(digest);
    const previous = s.state === "ok" ? s.stored : null;
    if (!previous || (opts.manifestDigest !== undefined && previous.manifestDigest !== opts.manifestDigest)) {
      writeFileAtomic(recordPath, JSON.stringify(previous ? { ...previous, manifestDigest: opts.manifestDigest } : stored), this.tmpDir());
    }
    for (const ref of refs) this.refs.set(ref, digest);
    const state = this.imageState(digest);
    if (!state.ok) throw new BrokenImageError(state.broken);
    return state.record;
  }

  private recordPath(id: string): string {
    return join(this.images, `${digestHex(id, "image")}.json`);
  }

  private readStored(id: string): StoredState {
    let text: string;
    try {
      text = readFileSync(this.recordPath(id), "utf8");
    } catch (error) {
      if (isMissing(error)) return { state: "absent" };
      throw error;
    }
    const checked = checkStoredImage(text, id);
    return checked.ok ? { state: "ok", stored: checked.value } : { state: "broken", why: `record images/${digestHex(id, "image")}.json: ${checked.why}` };
  }

  /** Ids of every image record file (whole or damaged). */
  imageIds(): string[] {
    return this.listNames(this.images).filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).map((n) => `sha256:${n.slice(0, 64)}`);
  }

  private readableImages(): StoredImage[] {
    return this.imageIds().flatMap((id) => { const s = this.readStored(id); return s.state === "ok" ? [s.stored] : []; });
  }

  /** The diff_ids of the config blob `id`, if it is there, matches its digest and parses. */
  private configDiffIds(id: string): string[] | undefined {
    try {
      const bytes = this.readBlob(id);
      if (sha256Digest(bytes) !== id) return undefined;
      return parseImageConfig(bytes, id).rootfs.diff_ids;
    } catch (error) {
      if (isMissing(error) || error instanceof InvalidImageConfigError || error instanceof UserError) return undefined;
      throw error;
    }
  }

  private tagsOf(id: string, allRefs: Map<string, string>): string[] {
    return [...allRefs].filter(([, target]) => target === id).map(([ref]) => familiarString(parseReference(ref))).sort();
  }

  /** The image `id` checked whole — record, config blob (by digest), every layer — or what is wrong with it. */
  private imageState(id: string, allRefs = this.refs.all()): ImageState {
    const s = this.readStored(id);
    const broken = (problem: string, extra: Partial<BrokenImage> = {}): ImageState =>
      ({ ok: false, broken: { id, repoTags: this.tagsOf(id, allRefs), problem, ...extra } });
    if (s.state === "absent") return broken("no image record");
    if (s.state === "broken") {
      const diffIds = this.configDiffIds(id);
      return broken(s.why, diffIds ? { diffIds } : {});
    }
    const stored = s.stored;
    const known = { diffIds: stored.diffIds, ...(stored.manifestDigest !== undefined && { manifestDigest: stored.manifestDigest }) };
    let bytes: Uint8Array;
    try {
      bytes = this.readBlob(id);
    } catch (error) {
      if (!isMissing(error)) throw error;
      return broken("its config blob is missing", known);
    }
    if (sha256Digest(bytes) !== id) return broken("its config blob does not match its digest", known);
    let config: OciImageConfig;
    try {
      config = parseImageConfig(bytes, "config");
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return broken(error.message, known);
    }
    if (config.rootfs.diff_ids.join() !== stored.diffIds.join()) return broken("its record and config list different layers", known);
    for (const d of stored.diffIds) {
      const problem = this.layerProblem(d);
      if (problem !== undefined) return broken(problem, known);
    }
    return {
      ok: true,
      record: {
        id,
        repoTags: this.tagsOf(id, allRefs),
        ...(config.created !== undefined && { created: config.created }),
        config,
        layers: stored.diffIds.map((diffId) => ({ diffId, path: this.layerPath(diffId) })),
        size: stored.size,
        ...(stored.manifestDigest !== undefined && { manifestDigest: stored.manifestDigest }),
        ...(stored.repoDigests !== undefined && { repoDigests: stored.repoDigests }), // compat-sys
      },
    };
  }

  /**
   * compat-sys: records that a registry knows the image as `repoDigest` ("repository@sha256:…"): called
   * after a pull saw that manifest digest or a push was acknowledged with it. One atomic record rewrite;
   * two commands recording different digests for the same image at the same instant may keep only one.
   */
  addRepoDigest(id: string, repoDigest: string): void {
    const s = this.readStored(id);
    if (s.state !== "ok" || s.stored.repoDigests?.includes(repoDigest)) return;
    const next: StoredImage = { ...s.stored, repoDigests: [...(s.stored.repoDigests ?? []), repoDigest] };
    writeFileAtomic(this.recordPath(id), JSON.stringify(next), this.tmpDir());
  }

  // --- the API the CLI and `run` use -------------------------------------------------------------

  /** The id of the image named: by full id, by reference (name[:tag] or name@digest), or by unique id prefix. Damaged images count. */
  resolveId(nameOrIdOrPrefix: string): string {
    const input = nameOrIdOrPrefix;
    const exists = (id: string) => existsSync(this.recordPath(id));
    if (isFullImageId(input)) {
      const id = input.startsWith("sha256:") ? input : `sha256:${input}`;
      if (!exists(id)) throw new ImageNotFoundError(input);
      return id;
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
      if (id && /^sha256:[0-9a-f]{64}$/.test(id) && exists(id)) return id;
    } else if (ref?.digest !== undefined) {
      const wanted = ref.digest;
      if (exists(wanted)) return wanted;
      const stored = this.readableImages().find((s) => s.manifestDigest === wanted);
      if (stored) return stored.id;
    }
    const prefix = HEX_PREFIX.exec(input);
    if (prefix) {
      const matches = this.imageIds().filter((id) => id.slice("sha256:".length).startsWith(prefix[1]!));
      if (matches.length > 1) throw new UserError(`image id prefix '${input}' is ambiguous (${matches.length} images match)`);
      if (matches.length === 1) return matches[0]!;
    }
    if (refError) throw refError;
    throw new ImageNotFoundError(ref ? familiarString(ref) : input);
  }

  /** The image named, checked whole; a damaged one throws BrokenImageError. */
  async resolve(nameOrIdOrPrefix: string): Promise<ImageRecord> {
    return this.resolveSync(nameOrIdOrPrefix);
  }

  resolveSync(nameOrIdOrPrefix: string): ImageRecord {
    const state = this.imageState(this.resolveId(nameOrIdOrPrefix));
    if (!state.ok) throw new BrokenImageError(state.broken);
    return state.record;
  }

  /** Every whole image, newest first. */
  async list(): Promise<ImageRecord[]> {
    return (await this.listAll()).images;
  }

  /** Every image, whole ones newest first, and the damaged ones by id. */
  async listAll(): Promise<{ images: ImageRecord[]; broken: BrokenImage[] }> {
    const refs = this.refs.all();
    const images: ImageRecord[] = [];
    const broken: BrokenImage[] = [];
    for (const id of this.imageIds()) {
      const state = this.imageState(id, refs);
      if (state.ok) images.push(state.record);
      else if (state.broken.problem !== "no image record") broken.push(state.broken); // removed while we listed
    }
    const time = (r: ImageRecord) => (r.created ? Date.parse(r.created) || 0 : 0);
    images.sort((a, b) => time(b) - time(a) || a.id.localeCompare(b.id));
    return { images, broken };
  }

  async tag(source: string, target: string): Promise<void> {
    const image = await this.resolve(source);
    this.refs.set(tagReference(target), image.id);
    emitImageEvent("tag", image.id, familiarString(tagReference(target)), this.root); // compat-sys: events
  }

  /**
   * Docker's rmi: by name, removes that tag and deletes the image when it was the last one; by id,
   * removes every tag (only with force if there are several) and deletes it. An image a container
   * uses is kept unless forced, and even then only its tags go, because the container needs the layers.
   * A damaged image can be removed too. Runs under the store lock (exclusive), so no `create` can
   * start using the image between the check and the delete.
   */
  async remove(ref: string, opts: { force?: boolean } = {}): Promise<string[]> {
    return this.removeSync(ref, opts);
  }

  removeSync(ref: string, opts: { force?: boolean } = {}): string[] {
    return withStoreLock(this.root, "exclusive", () => this.removeLocked(ref, opts));
  }

  private removeLocked(ref: string, opts: { force?: boolean }): string[] {
    const id = this.resolveId(ref);
    const state = this.imageState(id);
    const image = state.ok
      ? { id, repoTags: state.record.repoTags, diffIds: state.record.layers.map((l) => l.diffId), manifestDigest: state.record.manifestDigest }
      : { id, repoTags: state.broken.repoTags, diffIds: state.broken.diffIds ?? [], manifestDigest: state.broken.manifestDigest };
    const force = opts.force ?? false;
    const lines: string[] = [];
    let byName: Reference | undefined;
    if (!isFullImageId(ref)) {
      try {
        const parsed = parseReference(ref);
        if (parsed.digest === undefined && this.refs.get(parsed) === image.id) byName = parsed;
      } catch (error) {
        if (!(error instanceof UserError)) throw error; // an id prefix that is not a valid name
      }
    }
    const users = containersUsing(this.containers, image.id);
    const userName = (c: string) => `${shortId(c)}${containerRecordReadable(this.containers, c) ? "" : " (its record cannot be read, so it counts as using every image; see 'minibox system check')"}`;
    const untag = (r: Reference) => {
      this.refs.delete(r);
      lines.push(`Untagged: ${familiarString(r)}`);
      emitImageEvent("untag", image.id, image.id, this.root); // compat-sys: events
    };
    if (byName) {
      const name = familiarString(byName);
      if (image.repoTags.length > 1) {
        untag(byName);
        return lines;
      }
      if (users.length && !force) {
        throw new ImageConflictError(`unable to remove repository reference "${name}" (must force) - container ${userName(users[0]!)} is using its referenced image ${shortId(image.id)}`);
      }
      untag(byName);
    } else {
      if (image.repoTags.length > 1 && !force) {
        throw new ImageConflictError(`unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
      }
      if (users.length && !force) {
        throw new ImageConflictError(`unable to delete ${shortId(image.id)} (must be forced) - image is being used by container ${userName(users[0]!)}`);
      }
      for (const tag of image.repoTags) untag(parseReference(tag));
    }
    if (users.length) return lines;
    // Untag everything still pointing here (e.g. a tag written by a concurrent `tag`), then delete.
    for (const [full, target] of this.refs.all()) if (target === image.id) untag(parseReference(full));
    const hex = digestHex(image.id, "image");
    for (const path of [join(this.images, `${hex}.json`), join(this.blobs, hex)]) {
      try { unlinkSync(path); } catch (error) { if (!isMissing(error)) throw error; }
    }
    this.discardManifest(image.manifestDigest);
    lines.push(`Deleted: ${image.id}`);
    emitImageEvent("delete", image.id, image.id, this.root); // compat-sys: events
    for (const d of this.discardLayers(image.diffIds)) lines.push(`Deleted: ${d}`);
    return lines;
  }
}
