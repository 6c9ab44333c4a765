// compat-run: the stdin of a detached container started with -i is a named pipe in its directory
// (stdin.fifo), so that `attach` can write to it later. The container's end is opened O_RDWR: the container
// itself holds a writer, so it never reads EOF when an attach goes away (Docker keeps a -i container's stdin
// open across attaches, unless --attach'd once with stdin-once, which minibox does not have).
import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { makeFifo } from "../sys/fifo.ts";

function stdinFifoPath(containerDir: string): string {
  return join(containerDir, "stdin.fifo");
}

/** For the container's parent: creates (or reuses) the FIFO and opens the container's end. */
export function openContainerStdin(containerDir: string): number {
  const path = stdinFifoPath(containerDir);
  makeFifo(path);
  return openFifo(path, constants.O_RDWR);
}

/**
 * For the parent of a `-t -i` container: the FIFO's read end, to relay into the pty master. O_RDWR (never
 * EOF when an attach leaves) and non-blocking (read through the event loop; see runtime/terminal.ts).
 */
export function openTerminalStdin(containerDir: string): number {
  const path = stdinFifoPath(containerDir);
  makeFifo(path);
  return openFifo(path, constants.O_RDWR | constants.O_NONBLOCK);
}

/**
 * For `attach`: the write end, or undefined when the container has none (not started with -i, started in
 * the foreground, or by an older minibox). Non-blocking: the open never waits for a reader.
 */
export function openStdinWriter(containerDir: string): StdinWriter | undefined {
  let fd: number;
  try {
    fd = openFifo(stdinFifoPath(containerDir), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENXIO") return undefined; // no FIFO, or nobody reading it (container gone)
    throw e;
  }
  return new StdinWriter(fd);
}

export class StdinWriter {
  constructor(private fd: number | undefined) {}

  /** Writes everything; a full pipe (the container not reading) is waited out, a gone reader ends it. */
  async write(data: Uint8Array): Promise<boolean> {
    let off = 0;
    while (off < data.length && this.fd !== undefined) {
      try {
        off += writeSync(this.fd, data, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") { await Bun.sleep(10); continue; }
        if (code === "EPIPE") return false;
        throw e;
      }
    }
    return this.fd !== undefined;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function openFifo(path: string, flags: number): number {
  // O_NOFOLLOW, and a FIFO or nothing: the directory is the store's, but a planted file must not be written.
  const fd = openSync(path, flags | constants.O_NOFOLLOW);
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new Error(`${path} is not a FIFO`);
  }
  return fd;
}
