// Container logs in Docker's json-file format, one JSON object per line:
//   {"log":"hello\n","stream":"stdout","time":"2024-01-01T00:00:00.000000000Z"}
// rotated by size (Docker has no rotation by default, and its users keep asking for one): when the file
// passes maxSize it becomes NAME.1, NAME.1 becomes NAME.2, … and the oldest beyond maxFiles is dropped.
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

import { LineSplitter } from "./line-splitter.ts"; // [cli] decoding and splitting of container output

export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 3;
/** A line longer than this many bytes is written in pieces, as Docker does (16 KiB). */
const MAX_LINE = 16 * 1024;

export type Stream = "stdout" | "stderr";

export function logPath(containerDir: string, id: string): string {
  return `${containerDir}/${id}-json.log`;
}

export class JsonFileLog {
  private fd: number;
  private size: number;
  private readonly partial: Record<Stream, string> = { stdout: "", stderr: "" };

  constructor(readonly path: string, readonly maxSize = DEFAULT_MAX_SIZE, readonly maxFiles = DEFAULT_MAX_FILES) {
    this.fd = openSync(path, "a", 0o640);
    this.size = fstatSync(this.fd).size;
  }

  write(stream: Stream, chunk: Uint8Array | string): void {
    for (const piece of this.lines[stream].push(chunk)) this.append(stream, piece);
  }

  /** Bytes of each stream's unfinished line, decoded only once whole (logs/line-splitter.ts). */
  private readonly lines: Record<Stream, LineSplitter> = { stdout: new LineSplitter(MAX_LINE), stderr: new LineSplitter(MAX_LINE) };

  /** Writes what is left of unterminated lines (at the container's exit). */
  flush(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.lines[stream].flush();
      if (rest) this.append(stream, rest);
    }
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private append(stream: Stream, log: string): void {
    const line = Buffer.from(JSON.stringify({ log, stream, time: timestamp() }) + "\n");
    if (this.size > 0 && this.size + line.length > this.maxSize) this.rotate();
    writeSync(this.fd, line);
    this.size += line.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    if (this.maxFiles <= 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${this.maxFiles - 1}`, { force: true });
      for (let i = this.maxFiles - 2; i >= 1; i--) {
        if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, "a", 0o640);
    this.size = 0;
  }
}

/** RFC 3339 with nanoseconds, as Docker writes it (sub-millisecond digits from the monotonic clock). */
function timestamp(): string {
  const now = performance.timeOrigin + performance.now();
  const ms = Math.floor(now);
  const sub = Math.floor((now - ms) * 1e6).toString().padStart(6, "0");
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, `.$1${sub}Z`);
}
