// Entry point of the unpack worker thread (see unpack-in-worker.ts): it receives a layer's compressed bytes
// from the main thread and decompresses, hashes (diffID) and writes them, so that a pull uses a second
// CPU and several layers unpack at once. It is a separate entry of the compiled binary (scripts/build.ts)
// and is loaded only when a layer is unpacked, never on the `run` path.
import { unpackTar } from "./unpack.ts";
import type { FromWorker, ToWorker } from "./unpack-protocol.ts";
import { toWire } from "./worker-error.ts";

declare const self: { onmessage: ((event: MessageEvent<ToWorker>) => void) | null };
const reply = (message: FromWorker) => postMessage(message);

/** The chunks of one layer, in order, as an async iterable; each is acknowledged once it is taken. */
class Feed {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private aborted = false;
  private wake: (() => void) | null = null;

  constructor(readonly id: number) {}

  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.wake?.();
  }

  end(abort: boolean): void {
    this.ended = true;
    this.aborted = abort;
    this.wake?.();
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk) {
        reply({ t: "ack", id: this.id, n: chunk.length });
        yield chunk;
      } else if (this.ended) {
        if (this.aborted) throw new Error("layer input failed");
        return;
      } else {
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = null;
      }
    }
  }
}

let current: Feed | null = null;

async function run(feed: Feed, dest: string, label: string): Promise<void> {
  try {
    const result = await unpackTar(feed.chunks(), dest, label);
    reply({ t: "done", id: feed.id, result });
  } catch (error) {
    reply({ t: "error", id: feed.id, error: toWire(error) });
  } finally {
    // Chunks of a layer that failed may still arrive: with no current feed they are dropped.
    if (current === feed) current = null;
  }
}

self.onmessage = (event) => {
  const m = event.data;
  if (m.t === "start") {
    current = new Feed(m.id);
    void run(current, m.dest, m.label);
  } else if (current && current.id === m.id) {
    if (m.t === "chunk") current.push(m.chunk);
    else current.end(m.abort);
  }
};
