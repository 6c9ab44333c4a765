// Container logs in Docker's json-file format, one JSON object per line:
//   {"log":"hello\n","stream":"stdout","time":"2024-01-01T00:00:00.000000000Z"}
// rotated by size (Docker has no rotation by default, and its users keep asking for one): when the file
// passes maxSize it becomes NAME.1, NAME.1 becomes NAME.2, … and the oldest beyond maxFiles is dropped.
// A full disk (ENOSPC, EDQUOT) drops lines and counts them, and never throws: the writer is the monitor,
// which must go on reaping and logging every other container. A line is written whole or not at all (a
// short write is cut back off), so the reader never meets half a JSON object.
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { LineSplitter } from "./line-splitter.ts";

export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 3;
/** A line longer than this many bytes is written in pieces, as Docker does (16 KiB). */
const MAX_LINE = 16 * 1024;

export type Stream = "stdout" | "stderr";

/** Failures that mean "no room now": the line is dropped and counted, the next one tried again. */
const NO_ROOM = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/** Told when lines start being dropped, and when writing works again (with how many were lost). */
export type DropReporter = (event: { dropping: true; error: string } | { dropping: false; dropped: number }) => void;

/** What the monitor writes a container's output into (compat-run: json-file, or nothing with --log-driver none). */
export interface LogSink {
  write(stream: Stream, chunk: Uint8Array | string): void;
  flush(): void;
  close(): void;
}

/** --log-driver none: the output is still read (a container must never block on a full pipe), then dropped. */
export class DiscardLog implements LogSink {
  write(): void {}
  flush(): void {}
  close(): void {}
}

export function logPath(containerDir: string, id: string): string {
  return `${containerDir}/${id}-json.log`;
}

export class JsonFileLog implements LogSink {
  private fd = -1;
  private size = 0;
  /** Bytes of each stream's unfinished line, decoded only once whole (logs/line-splitter.ts). */
  private readonly lines: Record<Stream, LineSplitter> = { stdout: new LineSplitter(MAX_LINE), stderr: new LineSplitter(MAX_LINE) };
  /** Lines lost to a full disk since the log was opened. */
  dropped = 0;
  private dropping = false;

  constructor(readonly path: string, readonly maxSize = DEFAULT_MAX_SIZE, readonly maxFiles = DEFAULT_MAX_FILES, private readonly report?: DropReporter) {
    try {
      this.open();
    } catch (e) {
      if (!isNoRoom(e)) throw e;
      this.dropStarted(e); // the file cannot even be created yet: tried again with each line
    }
  }

  write(stream: Stream, chunk: Uint8Array | string): void {
    for (const piece of this.lines[stream].push(chunk)) this.append(stream, piece);
  }

  /** Writes what is left of unterminated lines (at the container's exit). */
  flush(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.lines[stream].flush();
      if (rest) this.append(stream, rest);
    }
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private open(): void {
    this.fd = openSync(this.path, "a", 0o640);
    this.size = fstatSync(this.fd).size;
  }

  private append(stream: Stream, log: string): void {
    const line = Buffer.from(JSON.stringify({ log, stream, time: timestamp() }) + "\n");
    try {
      if (this.fd < 0) this.open();
      if (this.size > 0 && this.size + line.length > this.maxSize) this.rotate();
      this.writeWhole(line);
    } catch (e) {
      if (!isNoRoom(e)) throw e;
      this.dropped++;
      this.dropStarted(e);
      return;
    }
    if (this.dropping) {
      this.dropping = false;
      this.report?.({ dropping: false, dropped: this.dropped });
    }
  }

  private writeWhole(line: Buffer): void {
    let written = 0;
    try {
      while (written < line.length) written += writeSync(this.fd, line, written);
    } catch (e) {
      // Cut a partial line back off, so the file stays one JSON object per line.
      if (written > 0) ftruncateSync(this.fd, this.size);
      throw e;
    }
    this.size += line.length;
  }

  private dropStarted(e: unknown): void {
    if (this.dropping) return;
    this.dropping = true;
    this.report?.({ dropping: true, error: (e as Error).message });
  }

  /** Renames first and swaps the fd last: a failure (no room for the new file) leaves a usable fd. */
  private rotate(): void {
    if (this.maxFiles <= 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${this.maxFiles - 1}`, { force: true });
      for (let i = this.maxFiles - 2; i >= 1; i--) {
        if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      }
      if (existsSync(this.path)) renameSync(this.path, `${this.path}.1`);
    }
    const fd = openSync(this.path, "a", 0o640);
    closeSync(this.fd);
    this.fd = fd;
    this.size = 0;
  }
}

function isNoRoom(e: unknown): boolean {
  return e instanceof Error && NO_ROOM.has((e as NodeJS.ErrnoException).code ?? "");
}

/** RFC 3339 with nanoseconds, as Docker writes it (sub-millisecond digits from the monotonic clock). */
function timestamp(): string {
  const now = performance.timeOrigin + performance.now();
  const ms = Math.floor(now);
  const sub = Math.floor((now - ms) * 1e6).toString().padStart(6, "0");
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, `.$1${sub}Z`);
}
