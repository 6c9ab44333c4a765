// The event log: <store>/events.jsonl, one JSON object per line, appended by every minibox process that
// changes something. Each event is one write(2) to an O_APPEND fd, so lines from concurrent commands never
// interleave. The file is bounded: past MAX_BYTES it is renamed to events.jsonl.1 (the previous .1 is
// dropped), under a lock so that two writers never rotate twice. A kill -9 mid-rotation leaves either the
// old or the new name in place; both are read.
import { closeSync, fstatSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { tryLockExclusive, unlock } from "../sys/flock.ts";
import type { EngineEvent } from "./types.ts";

export const MAX_BYTES = 1024 * 1024;

export function eventLogPath(root: string): string {
  return join(root, "events.jsonl");
}

export function rotatedLogPath(root: string): string {
  return `${eventLogPath(root)}.1`;
}

/** Appends one event (one line, one write); rotates when the file has grown past `maxBytes`. */
export function appendEvent(root: string, event: EngineEvent, maxBytes = MAX_BYTES): void {
  const path = eventLogPath(root);
  const fd = openSync(path, "a", 0o600);
  let size: number;
  try {
    writeSync(fd, `${JSON.stringify(event)}\n`);
    size = fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
  if (size > maxBytes) rotate(root, maxBytes);
}

function rotate(root: string, maxBytes: number): void {
  const lockPath = join(root, "events.lock");
  const fd = openSync(lockPath, "a", 0o600);
  try {
    // Another writer rotating right now does the job for us.
    if (!tryLockExclusive(fd, lockPath)) return;
    try {
      // Re-checked under the lock: the file may already be the fresh one a rotation left.
      if (sizeOf(eventLogPath(root)) > maxBytes) renameSync(eventLogPath(root), rotatedLogPath(root));
    } finally {
      unlock(fd);
    }
  } finally {
    closeSync(fd);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
}

/** Every complete line of `text` parsed; a torn or foreign line is skipped, never fatal. */
export function parseEventLines(text: string): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const value = JSON.parse(line) as EngineEvent;
      if (value && typeof value === "object" && typeof value.Action === "string" && typeof value.timeNano === "number" && value.Actor) events.push(value);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
    }
  }
  return events;
}

function readIfPresent(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw e;
  }
}

/** The stored history, oldest first (writers may land a few microseconds out of order: sorted). */
export function readEvents(root: string): EngineEvent[] {
  const all = [...parseEventLines(readIfPresent(rotatedLogPath(root))), ...parseEventLines(readIfPresent(eventLogPath(root)))];
  return all.map((e, i) => ({ e, i })).sort((a, b) => a.e.timeNano - b.e.timeNano || a.i - b.i).map(({ e }) => e);
}
