// Messages between the main thread (unpack-in-worker.ts) and an unpack worker (unpack-worker.ts). Every
// message names its layer (`id`), so messages about a layer that already failed are recognised and dropped.
import type { TarResult } from "./unpack.ts";
import type { WireError } from "./worker-error.ts";

export type ToWorker =
  | { t: "start"; id: number; dest: string; label: string }
  | { t: "chunk"; id: number; chunk: Uint8Array }
  /** No more chunks; `abort` when the input failed, so the worker stops writing into `dest` at once. */
  | { t: "end"; id: number; abort: boolean };

export type FromWorker =
  /** `n` bytes taken from the queue: the main thread may send that much more (flow control). */
  | { t: "ack"; id: number; n: number }
  | { t: "done"; id: number; result: TarResult }
  | { t: "error"; id: number; error: WireError };
