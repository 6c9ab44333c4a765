// The monitor: one small process per store that is the parent of every detached container, so that each
// exit is reaped and recorded and its output logged, without a Bun process per container (≥ 13 MB each).
// It is started on demand and exits when it has nothing left to watch; containers outlive it.
// Requests and replies are one JSON object per line over an abstract unix socket (no file to go stale).
import { storeRoot } from "../image/store.ts";

export type Request = { op: "start"; id: string } | { op: "ping" };
export type Reply = { ok: true; pid?: number; warnings?: string[] } | { ok: false; error: string; exitCode: number };

export function monitorSocketName(root = storeRoot()): string {
  return `\0minibox-monitor-${Bun.hash(root).toString(16)}`;
}
