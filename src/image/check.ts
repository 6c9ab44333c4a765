// `minibox system check`, the image side: every blob against its digest, every layer (meta.json valid,
// files present, its blob there), every image record (config blob, layers), every ref (names an image
// that exists), and work left in tmp/ by dead processes. With `repair`, under the store lock (exclusive):
// stale tmp work and damaged blobs, layers, images and refs are removed — except what a container
// still uses (or may use: an unreadable container record counts as using everything), which is only
// reported. Then everything is checked again, so what is reported as remaining is what is really left.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Problem } from "../state/problem.ts";
import { withStoreLock } from "../state/store-lock.ts";
import { BlobLock } from "./blob-lock.ts";
import { containersUsing } from "./containers-using.ts";
import { shortId } from "./digest.ts";
import { repairPullTmp } from "./layer-fetch.ts";
import { InvalidReferenceError, parseReference, referenceString } from "./reference.ts";
import { checkRefTarget } from "./store-records.ts";
import { fileDigest, type ImageStore } from "./store.ts";
import { removeStaleWorkDirs } from "./tmp-work.ts";

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

class Findings {
  readonly list: Problem[] = [];
  add(kind: string, id: string, message: string, repaired = false): void {
    this.list.push({ kind, id, message, repaired });
  }
}

/** Checks (and with `repair`, fixes) the image store; returns what was found, `repaired` telling which are gone. */
export function checkImageStore(store: ImageStore, opts: { repair?: boolean } = {}): Problem[] {
  if (!opts.repair) return scan(store, false);
  return withStoreLock(store.root, "exclusive", () => {
    const fixed = scan(store, true);
    const remaining = scan(store, false);
    // What was repaired is reported once as repaired; whatever the second pass still finds remains
    // (the repair pass's wording for those, which says why they were kept).
    const kept = (p: Problem) => fixed.find((f) => !f.repaired && f.kind === p.kind && f.id === p.id) ?? p;
    return [...fixed.filter((p) => p.repaired), ...remaining.map(kept)];
  });
}

function scan(store: ImageStore, repair: boolean): Problem[] {
  const found = new Findings();
  const containers = join(store.root, "containers");
  const inUse = (imageId: string) => containersUsing(containers, imageId).length > 0;
  checkTmp(store, repair, found);
  checkBlobs(store, repair, found);
  checkLayers(store, repair, found, inUse);
  checkImages(store, repair, found, inUse);
  checkRefs(store, repair, found);
  return found.list;
}

function checkTmp(store: ImageStore, repair: boolean, found: Findings): void {
  const tmp = store.tmpDir();
  if (repair) {
    for (const path of [...repairPullTmp(store, true), ...removeStaleWorkDirs(tmp)]) found.add("tmp", path, "work left by a command that died", true);
    return;
  }
  for (const path of removeStaleWorkDirs(tmp, undefined, { dryRun: true })) found.add("tmp", path, "work left by a command that died");
  for (const name of readdirSync(tmp)) {
    const m = /^pull-([0-9a-f]{64})$/.exec(name);
    if (!m) continue;
    const lock = BlobLock.tryAcquire(BlobLock.pathFor(tmp, m[1]!));
    if (!lock) continue; // a pull is using it
    lock.release();
    found.add("tmp", join(tmp, name), "download left by a pull that died (resumed by the next pull)");
  }
}

function checkBlobs(store: ImageStore, repair: boolean, found: Findings): void {
  for (const digest of store.blobDigests()) {
    let got: string;
    try {
      got = fileDigest(store.blobPath(digest));
    } catch (error) {
      if (isMissing(error)) continue; // removed while we looked
      throw error;
    }
    if (got === digest) continue;
    if (repair) store.removeBlob(digest);
    found.add("blob", digest, `content does not match its digest (it hashes to ${got})`, repair);
  }
}

/** Layers that images used by containers list: never removed by a repair. */
function layersInUse(store: ImageStore, inUse: (imageId: string) => boolean): Set<string> {
  const used = new Set<string>();
  for (const id of store.imageIds()) {
    if (!inUse(id)) continue;
    for (const d of store.imageLayers(id) ?? store.layerIds()) used.add(d); // unknown layers: keep them all
  }
  return used;
}

function checkLayers(store: ImageStore, repair: boolean, found: Findings, inUse: (imageId: string) => boolean): void {
  const keep = repair ? layersInUse(store, inUse) : new Set<string>();
  for (const diffId of store.layerIds()) {
    let problem = store.layerProblem(diffId);
    if (problem === undefined) {
      const blob = store.layerMeta(diffId)?.digest;
      if (blob !== undefined && !store.hasBlob(blob)) problem = `layer ${diffId}: its blob ${blob} is missing (save and push need it)`;
    }
    if (problem === undefined) continue;
    const fix = repair && !keep.has(diffId);
    if (fix) store.removeLayer(diffId);
    found.add("layer", diffId, fix || !repair ? problem : `${problem}; kept: a container uses it`, fix);
  }
}

function checkImages(store: ImageStore, repair: boolean, found: Findings, inUse: (imageId: string) => boolean): void {
  for (const broken of store.brokenImages()) {
    const fix = repair && !inUse(broken.id);
    if (fix) store.removeSync(broken.id, { force: true });
    found.add("image", broken.id, fix || !repair ? broken.problem : `${broken.problem}; kept: container ${shortId(containersUsingFirst(store, broken.id))} uses it`, fix);
  }
}

function containersUsingFirst(store: ImageStore, id: string): string {
  return containersUsing(join(store.root, "containers"), id)[0] ?? "";
}

function checkRefs(store: ImageStore, repair: boolean, found: Findings): void {
  const dir = store.refsDir;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  for (const file of names) {
    const path = join(dir, file);
    let problem: string | undefined;
    let name = file;
    try {
      name = decodeURIComponent(file);
      const ref = parseReference(name);
      if (ref.digest !== undefined || referenceString(ref) !== name) throw new InvalidReferenceError(name, "not a tag in normal form");
      const target = checkRefTarget(readFileSync(path, "utf8"));
      if (!target.ok) problem = `ref ${target.why}`;
      else if (!store.imageIds().includes(target.value)) problem = `ref names image ${shortId(target.value)}, which is not in the store`;
    } catch (error) {
      if (isMissing(error)) continue;
      if (!(error instanceof URIError) && !(error instanceof Error && error.name === "InvalidReferenceError")) throw error;
      problem = "ref file name is not a valid reference";
    }
    if (problem === undefined) continue;
    if (repair) rmSync(path, { force: true });
    found.add("ref", name, problem, repair);
  }
}
