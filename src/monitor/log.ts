// The monitor's own diagnostics, on its stderr (<store>/monitor.log). Writing them must never be what
// kills the monitor: on a full disk there is nowhere to say that the disk is full.
import { mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

export function monitorLog(message: string): void {
  try {
    writeSync(2, `${new Date().toISOString()} monitor[${process.pid}]: ${message}\n`);
  } catch {
    // ENOSPC, EIO, EPIPE…: every failure of this write means the same thing, and the caller goes on.
  }
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Where the monitor's own stderr goes: next to the containers it watches. */
export function monitorLogFd(root: string): number {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return openSync(join(root, "monitor.log"), "a", 0o600);
}
