// Unpacking a layer on a worker thread. The main thread keeps the network, the blob file and the blob
// digest; the worker decompresses, computes the diffID and writes the files. Measured on 2 vCPUs, the
// main thread alone was the bottleneck of a pull (one thread did everything while the other CPU idled),
// see docs/performance.md. One worker per layer, ended when the layer is done: starting one costs
// ~25-70 ms, paid while the download starts. Reusing workers across layers was tried and dropped: a
// reused worker's messages were not delivered while Bun's `expect().rejects` awaited the pull (a test
// hang), and a pull has few layers.
import { join } from "node:path";
import type { ByteInput } from "./tar/reader.ts";
import type { FromWorker, ToWorker } from "./unpack-protocol.ts";
import { UnpackError, drainDigest, type TarResult, type UnpackResult } from "./unpack.ts";
import { fromWire } from "./worker-error.ts";

/** Bytes sent to a worker but not yet taken by it: bounds memory when the network outruns the disk. */
const WINDOW = 8 << 20;

/**
 * In the compiled binary the worker is a second entry point of the build (scripts/build.ts), embedded in
 * Bun's virtual filesystem under the common root of the entry points (src/). From source (bun run,
 * bun test) it is the file next to this one. import.meta is not available in the CJS bytecode build.
 */
function workerEntry(): string {
  return Bun.main.startsWith("/$bunfs/") ? "/$bunfs/root/image/unpack-worker.ts" : join(__dirname, "unpack-worker.ts");
}

class Session {
  private inflight = 0;
  private wake: (() => void) | null = null;
  failed = false;
  readonly result: Promise<TarResult>;
  private settle!: { resolve: (r: TarResult) => void; reject: (e: unknown) => void };

  constructor(readonly id: number, private readonly post: (m: ToWorker, transfer?: Bun.Transferable[]) => void) {
    this.result = new Promise<TarResult>((resolve, reject) => { this.settle = { resolve, reject }; });
    this.result.catch(() => {}); // observed by the caller when it gets there; never an unhandled rejection
  }

  onMessage(m: FromWorker): void {
    if (m.t === "ack") this.inflight -= m.n;
    else if (m.t === "done") this.settle.resolve(m.result);
    else this.fail(fromWire(m.error));
    this.wake?.();
  }

  fail(error: unknown): void {
    this.failed = true;
    this.settle.reject(error);
    this.wake?.();
  }

  /** Hands `chunk` over (its buffer is transferred, not copied, when the chunk owns all of it). */
  async send(chunk: Uint8Array): Promise<void> {
    const owns = chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    const n = chunk.length;
    this.post({ t: "chunk", id: this.id, chunk }, owns ? [chunk.buffer] : []);
    this.inflight += n;
    while (this.inflight > WINDOW && !this.failed) {
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
    }
  }

  end(abort: boolean): void {
    this.post({ t: "end", id: this.id, abort });
  }
}

let nextId = 1;

class UnpackWorker {
  // ref: the main thread may have nothing but this worker left to wait for (the last layer's tail).
  private readonly worker = new Worker(workerEntry(), { name: "minibox-unpack", ref: true });
  private session: Session | null = null;

  constructor() {
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => { if (this.session?.id === e.data.id) this.session.onMessage(e.data); };
    this.worker.addEventListener("error", (e) => {
      this.session?.fail(new Error(`unpack worker failed: ${(e as ErrorEvent).message}`));
    });
  }

  start(dest: string, label: string): Session {
    const session = new Session(nextId++, (m, transfer = []) => this.worker.postMessage(m, transfer));
    this.session = session;
    this.worker.postMessage({ t: "start", id: session.id, dest, label } satisfies ToWorker);
    return session;
  }

  /** Only once its layer is settled (done, failed, or aborted and acknowledged): it no longer writes. */
  stop(): void {
    this.session = null;
    this.worker.terminate();
  }
}

/**
 * unpackLayer (unpack.ts) with the unpacking on a worker thread: same result, same errors (an unsafe
 * entry, a bad gzip stream, a full disk, with their classes), same digest of a malformed input. The
 * input's chunks are handed over to the worker: a producer must not reuse a chunk's buffer after
 * yielding it (none does: they come from fetch, files and decompressors, fresh each time).
 */
export async function unpackLayerInWorker(input: ByteInput, dest: string, label: string): Promise<UnpackResult> {
  const worker = new UnpackWorker();
  const session = worker.start(dest, label);
  const raw = new Bun.CryptoHasher("sha256");
  const source = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  try {
    while (!session.failed) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await source.next();
      } catch (error) {
        // The worker must have stopped writing into dest before the caller removes it.
        session.end(true);
        await session.result.catch(() => {});
        throw error;
      }
      if (next.done) break;
      raw.update(next.value); // before the chunk is handed over, after which it is no longer ours
      await session.send(next.value);
    }
    if (!session.failed) session.end(false);
    let got: TarResult;
    try {
      got = await session.result;
    } catch (error) {
      const rawDigest = await drainDigest(source, raw);
      await source.return?.();
      throw rawDigest === undefined ? error : new UnpackError(error, rawDigest);
    }
    const digest = `sha256:${raw.digest("hex")}`;
    return { digest, ...got, diffId: got.diffId ?? digest }; // a plain tar: its diffID is its digest
  } finally {
    worker.stop();
  }
}
