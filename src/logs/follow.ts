// `logs -f`: everything logged so far, then what the monitor appends, until the caller says the container
// has stopped and the file has been read to its end. The file is polled (a stat and a read every interval):
// cheap, and it sees rotation, which a watch on a renamed file would not. Rotation (json-file.ts renames
// NAME to NAME.1 and opens a new NAME) is noticed by the inode changing; the old file is still read to its
// end through the fd held open, then the new one from its start.
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { logFiles, parseChunk, readFileEntries, select, type LogEntry, type Selection } from "./reader.ts";

export interface FollowOptions {
  selection: Selection;
  /** True once no more output can come (the container's exit was recorded, or it was removed). */
  finished: () => boolean;
  emit: (entries: LogEntry[]) => void;
  intervalMs?: number;
}

class Tail {
  private fd: number | undefined;
  private ino = -1;
  get inode(): number { return this.ino; }
  private offset = 0;
  private pending: Buffer = Buffer.alloc(0);
  private readonly buf = Buffer.alloc(256 * 1024);

  constructor(private readonly path: string) {}

  /** Opens the current file if it exists; false when there is none (yet). */
  open(): boolean {
    try {
      this.fd = openSync(this.path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
    this.ino = fstatSync(this.fd).ino;
    this.offset = 0;
    this.pending = Buffer.alloc(0);
    return true;
  }

  /** Complete entries appended since the last call, following a rotation when there was one. */
  read(): LogEntry[] {
    if (this.fd === undefined) return this.open() ? this.drain() : [];
    const entries = this.drain();
    if (this.rotated()) {
      closeSync(this.fd);
      this.fd = undefined;
      if (this.open()) entries.push(...this.drain());
    }
    return entries;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private rotated(): boolean {
    try {
      return statSync(this.path).ino !== this.ino;
    } catch {
      return true; // renamed away, the new file not created yet
    }
  }

  private drain(): LogEntry[] {
    const chunks: Buffer[] = [this.pending];
    for (;;) {
      const n = readSync(this.fd!, this.buf, 0, this.buf.length, this.offset);
      if (n === 0) break;
      this.offset += n;
      chunks.push(Buffer.from(this.buf.subarray(0, n)));
    }
    const data = Buffer.concat(chunks);
    // Decode whole lines only, so that a character split across two reads is never mangled.
    const end = data.lastIndexOf(10);
    this.pending = data.subarray(end + 1);
    return end < 0 ? [] : parseChunk(data.toString("utf8", 0, end + 1)).entries;
  }
}

export async function followLog(path: string, opts: FollowOptions): Promise<void> {
  const interval = opts.intervalMs ?? 100;
  const tail = new Tail(path);
  try {
    // The current file is opened first and followed through that fd; rotated files are read whole. Should
    // a rotation come in between, the file we hold is already NAME.1: skipped by its inode, not read twice.
    const opened = tail.open();
    const rotated = logFiles(path).filter((f) => f !== path && inode(f) !== tail.inode);
    const first = [...rotated.flatMap(readFileEntries), ...(opened ? tail.read() : [])];
    opts.emit(select(first, opts.selection));
    const { since, until } = opts.selection;
    for (;;) {
      const finished = opts.finished(); // asked before the last read: nothing is written after it says so
      const entries = tail.read();
      if (entries.length) opts.emit(select(entries, { since, until }));
      if (finished) return;
      await Bun.sleep(interval);
    }
  } finally {
    tail.close();
  }
}

function inode(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}
