// One layer from a registry into the store, exactly once even with concurrent pulls: under the blob's
// lock, the download is appended to tmp/pull-<hex>/blob.partial and at the same time decompressed and
// unpacked into tmp/pull-<hex>/layer; both become visible (layers/<diffid>, blobs/<hex>) only after the
// digest, size and diffID are verified. A partial file left by an interrupted pull is resumed from.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BlobLock } from "./blob-lock.ts";
import { DigestMismatchError, digestHex } from "./digest.ts";
import { blobStream } from "./registry/blob-stream.ts";
import type { RegistryClient } from "./registry/client.ts";
import { BlobVerificationError } from "./registry/errors.ts";
import type { Descriptor } from "./registry/media-types.ts";
import type { PullProgress } from "./pull-progress.ts";
import { DiskFullError, type ImageStore } from "./store.ts";

export type LayerOutcome = "exists" | "pulled";

const CHUNK = 1 << 20;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function* readPrefix(path: string, length: number): AsyncGenerator<Uint8Array> {
  if (length === 0) return;
  const reader = Bun.file(path).slice(0, length).stream();
  for await (const chunk of reader) yield chunk as Uint8Array;
}

/** The partial file's bytes, then the network's (each network chunk appended to the file first). */
async function* resumed(partial: string, have: number, network: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of readPrefix(partial, have)) { onBytes(chunk.length); yield chunk; }
  const fd = openSync(partial, "a", 0o600);
  try {
    for await (const chunk of network) {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, Math.min(CHUNK, chunk.length - at));
      onBytes(chunk.length);
      yield chunk;
    }
  } finally {
    closeSync(fd);
  }
}

export interface FetchLayerArgs {
  store: ImageStore;
  client: RegistryClient;
  layer: Descriptor;
  diffId: string;
  progress: PullProgress;
  signal?: AbortSignal;
}

export async function fetchLayer(a: FetchLayerArgs): Promise<LayerOutcome> {
  const { store, client, layer, diffId, progress } = a;
  const id = digestHex(layer.digest, "layer").slice(0, 12);
  if (store.hasLayer(diffId)) { progress.layer(id, "exists"); return "exists"; }
  const hex = digestHex(layer.digest, "layer");
  const tmp = store.tmpDir();
  const lock = await BlobLock.acquire(BlobLock.pathFor(tmp, hex), { ...(a.signal && { signal: a.signal }), onWait: () => progress.layer(id, "locked") });
  const dir = join(tmp, `pull-${hex}`);
  const partial = join(dir, "blob.partial");
  let done = false;
  try {
    if (store.hasLayer(diffId)) { progress.layer(id, "exists"); done = true; return "exists"; }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (let fresh = false; ; fresh = true) {
      rmSync(join(dir, "layer"), { recursive: true, force: true });
      let have = fresh ? 0 : fileSize(partial);
      if (have >= layer.size) have = 0; // complete but never verified, or junk: start over
      if (have === 0) rmSync(partial, { force: true });
      let received = 0;
      progress.layer(id, have > 0 ? "resuming" : "downloading", have, layer.size);
      const network = blobStream(client, layer.digest, layer.size, { offset: have, ...(a.signal && { signal: a.signal }) });
      const input = resumed(partial, have, network, (n) => { received += n; progress.layer(id, "downloading", received, layer.size); });
      try {
        await store.addLayer(input, { digest: layer.digest, diffId }, `${client.registry}/${client.repository}: layer ${layer.digest}`, { workDir: join(dir, "layer") });
      } catch (error) {
        // Bytes kept from an earlier run that do not verify: drop them and download once more from 0.
        if (error instanceof DigestMismatchError && have > 0 && !fresh) continue;
        if (error instanceof DigestMismatchError) {
          throw new BlobVerificationError(client.context({ digest: layer.digest }), error.message.replace(/^.*?: digest mismatch/, "digest mismatch"));
        }
        throw error;
      }
      store.adoptBlob(partial, layer.digest);
      progress.layer(id, "complete", layer.size, layer.size);
      done = true;
      return "pulled";
    }
  } catch (error) {
    progress.layer(id, "failed");
    // Keep a partial download for the next try only when the network, not the content, was at fault.
    if (error instanceof BlobVerificationError || error instanceof DiskFullError || error instanceof DigestMismatchError) done = true;
    throw error;
  } finally {
    if (done) rmSync(dir, { recursive: true, force: true });
    else rmSync(join(dir, "layer"), { recursive: true, force: true });
    lock.release();
  }
}

/**
 * After a crash (kill -9) a pull leaves tmp/pull-<hex>/ behind: any whose lock nobody holds is stale.
 * The half-unpacked layer is removed; the partial download stays, to be resumed, unless `all`.
 */
export function repairPullTmp(store: ImageStore, all = false): string[] {
  const tmp = store.tmpDir();
  const removed: string[] = [];
  for (const name of readdirSync(tmp)) {
    const m = /^pull-([0-9a-f]{64})(\.lock)?$/.exec(name);
    if (!m) continue;
    const lock = BlobLock.tryAcquire(BlobLock.pathFor(tmp, m[1]!));
    if (!lock) continue; // a live pull owns it
    try {
      const dir = join(tmp, `pull-${m[1]}`);
      if (existsSync(join(dir, "layer"))) { rmSync(join(dir, "layer"), { recursive: true, force: true }); removed.push(join(dir, "layer")); }
      if (all && existsSync(dir)) { rmSync(dir, { recursive: true, force: true }); removed.push(dir); }
    } finally {
      lock.release();
    }
  }
  return removed;
}
