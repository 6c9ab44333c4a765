// Streaming the event log: the history up to the moment we opened it, then every line appended later,
// across rotations (the renamed file is drained before the new one is read from its start).
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { eventLogPath, parseEventLines, rotatedLogPath } from "./log.ts";
import type { EngineEvent } from "./types.ts";

const POLL_MS = 100;

function openIfPresent(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

function inodeAt(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Reads the log as a tail -F would; `next` hands out complete lines only. */
export class EventTail {
  private fd: number | undefined;
  private pending = "";

  private constructor(private readonly root: string) {
    this.fd = openIfPresent(eventLogPath(root));
  }

  /** Opens the log; `history()` then returns what was in it so far, `next()` what comes after. */
  static open(root: string): EventTail {
    return new EventTail(root);
  }

  /** The rotated file and the current one up to now, oldest first. */
  history(): EngineEvent[] {
    const old = this.readAll(rotatedLogPath(this.root));
    return [...old, ...this.drain()].map((e, i) => ({ e, i })).sort((a, b) => a.e.timeNano - b.e.timeNano || a.i - b.i).map(({ e }) => e);
  }

  private readAll(path: string): EngineEvent[] {
    const fd = openIfPresent(path);
    if (fd === undefined) return [];
    try {
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(64 * 1024);
      for (let n; (n = readSync(fd, buf)) > 0; ) chunks.push(Buffer.from(buf.subarray(0, n)));
      return parseEventLines(Buffer.concat(chunks).toString("utf8"));
    } finally {
      closeSync(fd);
    }
  }

  /** Complete lines appended to the open file since the last call. */
  private drain(): EngineEvent[] {
    if (this.fd === undefined) return [];
    const buf = Buffer.alloc(64 * 1024);
    let text = this.pending;
    for (let n; (n = readSync(this.fd, buf)) > 0; ) text += buf.subarray(0, n).toString("utf8");
    const end = text.lastIndexOf("\n");
    this.pending = text.slice(end + 1);
    return parseEventLines(text.slice(0, end + 1));
  }

  /** New events; follows the path to a new file once the open one was rotated away. */
  next(): EngineEvent[] {
    const events = this.drain();
    const linked = inodeAt(eventLogPath(this.root));
    const current = this.fd === undefined ? undefined : fstatSync(this.fd).ino;
    if (linked !== undefined && linked !== current) {
      if (this.fd !== undefined) {
        events.push(...this.drain());
        closeSync(this.fd);
      }
      this.pending = "";
      this.fd = openIfPresent(eventLogPath(this.root));
      events.push(...this.drain());
    }
    return events;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export const pollInterval = POLL_MS;
