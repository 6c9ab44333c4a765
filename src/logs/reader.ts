// Reading a json-file log (logs/json-file.ts) back: one JSON object per line, in the current file and its
// rotated predecessors NAME.1 (newest) … NAME.N (oldest). Pure parsing and selection here; following a
// growing file is in follow.ts.
import { existsSync, readFileSync } from "node:fs";
import type { Stream } from "./json-file.ts";

export interface LogEntry {
  log: string;
  stream: Stream;
  /** RFC 3339 with nanoseconds, as written. */
  time: string;
}

/** The rotated files and the current one, oldest first; files that do not exist are left out. */
export function logFiles(path: string): string[] {
  const rotated: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) rotated.push(`${path}.${i}`);
  const files = rotated.reverse();
  if (existsSync(path)) files.push(path);
  return files;
}

/** One line of the file; undefined for a line that is not a log entry (never thrown: a log must stay readable). */
export function parseEntry(line: string): LogEntry | undefined {
  if (line.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { log, stream, time } = value as Record<string, unknown>;
  if (typeof log !== "string" || typeof time !== "string") return undefined;
  return { log, stream: stream === "stderr" ? "stderr" : "stdout", time };
}

/**
 * Splits text read from a log file into entries. The text after the last newline is a line still being
 * written: it is returned as `rest`, for the caller to prepend to what it reads next (or to drop).
 */
export function parseChunk(text: string): { entries: LogEntry[]; rest: string } {
  const end = text.lastIndexOf("\n");
  const complete = end < 0 ? "" : text.slice(0, end);
  const entries = complete === "" ? [] : complete.split("\n").flatMap((l) => parseEntry(l) ?? []);
  return { entries, rest: text.slice(end + 1) };
}

/** Every complete entry of the log and its rotations, oldest first. A file rotated away meanwhile is skipped. */
export function readAll(path: string): LogEntry[] {
  return logFiles(path).flatMap(readFileEntries);
}

/** The complete entries of one file; none when it was rotated away (removed) meanwhile. */
export function readFileEntries(file: string): LogEntry[] {
  try {
    return parseChunk(readFileSync(file, "utf8")).entries;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

/** Nanoseconds since the epoch of an RFC 3339 time; NaN-free: undefined when it cannot be read. */
export function timeNanos(time: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

export interface Selection {
  /** Only entries at or after this instant (ns since the epoch). */
  since?: bigint;
  /** Only entries before this instant. */
  until?: bigint;
  /** Only the last N of the selected entries; undefined for all. */
  tail?: number;
}

export function select(entries: LogEntry[], sel: Selection): LogEntry[] {
  let out = entries;
  if (sel.since !== undefined || sel.until !== undefined) {
    out = out.filter((e) => {
      const t = timeNanos(e.time);
      if (t === undefined) return true;
      return (sel.since === undefined || t >= sel.since) && (sel.until === undefined || t < sel.until);
    });
  }
  if (sel.tail !== undefined) out = sel.tail <= 0 ? [] : out.slice(-sel.tail);
  return out;
}

/**
 * What `logs` prints for an entry: the text as logged, after the timestamp and a space with -t. With
 * --details (compat-run), Docker's attribute field and a space come first; minibox logs no attributes
 * (the labels=/env= log options), so the field is empty and only the space shows, as in Docker.
 */
export function formatEntry(entry: LogEntry, timestamps: boolean, details = false): string {
  const text = details ? ` ${entry.log}` : entry.log;
  return timestamps ? `${entry.time} ${text}` : text;
}
