// A blob as a stream of chunks that survives a dropped connection: the download picks up where it
// stopped with a Range request, or, when the registry answers 200 to a Range, skips the bytes it already
// has. The size is enforced here; the digest is checked by whoever consumes the stream.
import { statusError, type RegistryClient } from "./client.ts";
import { BlobVerificationError, RegistryError } from "./errors.ts";
import { DEFAULT_RETRY, retryDelay, retryableNetworkError, sleep, type RetryPolicy } from "./retry.ts";

export interface BlobStreamOptions {
  /** Bytes already held (e.g. a partial file from an interrupted pull): start the download there. */
  offset?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Called for every chunk received from the network, after the skipped prefix. */
  onResume?: (offset: number, ranged: boolean) => void;
}

const IDLE_TIMEOUT_MS = Number(process.env.MINIBOX_REGISTRY_TIMEOUT_MS) || 60_000;

interface ChunkReader { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> }

async function readWithIdleTimeout(reader: ChunkReader): Promise<{ done: boolean; value?: Uint8Array | undefined }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("connection idle timeout"), { code: "ETIMEDOUT" })), IDLE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

export async function* blobStream(client: RegistryClient, digest: string, size: number, opts: BlobStreamOptions = {}): AsyncGenerator<Uint8Array> {
  const policy = opts.retry ?? DEFAULT_RETRY;
  let offset = opts.offset ?? 0;
  let failures = 0;
  const ctx = client.context({ digest });
  while (offset < size || (size === 0 && offset === 0 && failures === 0)) {
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const res = await client.request(`blobs/${digest}`, { headers, digest, ...(opts.signal && { signal: opts.signal }) });
    let skip = 0;
    if (res.status === 206) {
      const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
      if (!m || Number(m[1]) !== offset) {
        await res.body?.cancel();
        throw new BlobVerificationError(ctx, `registry answered Range ${offset}- with ${res.headers.get("content-range") ?? "no Content-Range"}`);
      }
    } else if (res.status === 200) {
      skip = offset; // Range ignored: the whole blob again, of which we already have `offset` bytes
    } else {
      throw await statusError(res, ctx, "blob download");
    }
    opts.onResume?.(offset, res.status === 206);
    if (!res.body) throw new RegistryError(ctx, "blob response without a body");
    const reader = res.body.getReader();
    let progressed = false;
    try {
      for (;;) {
        const { done, value } = await readWithIdleTimeout(reader);
        if (done || !value) break;
        let chunk: Uint8Array = value;
        if (skip > 0) {
          const n = Math.min(skip, chunk.length);
          skip -= n;
          chunk = chunk.subarray(n);
          if (chunk.length === 0) continue;
        }
        if (offset + chunk.length > size) throw new BlobVerificationError(ctx, `registry sent more than the ${size} bytes the manifest declares`);
        offset += chunk.length;
        progressed = true;
        yield chunk;
      }
    } catch (error) {
      await reader.cancel().catch(() => {});
      if (error instanceof RegistryError || opts.signal?.aborted) throw error;
      if (!retryableNetworkError(error)) throw error;
      // A dropped connection: resume below.
    } finally {
      reader.releaseLock();
    }
    if (offset >= size) break;
    if (progressed) failures = 0;
    failures++;
    if (failures >= policy.attempts) {
      throw new BlobVerificationError(ctx, `download stopped at ${offset} of ${size} bytes after ${failures} tries`);
    }
    await sleep(retryDelay(policy, failures));
  }
}
