// A detached container's stdout and stderr are named pipes in its directory (stdout.fifo, stderr.fifo)
// rather than anonymous pipes to the monitor. The container's end is opened O_RDWR, so the container
// itself always holds a reader: when the monitor dies its writes never fail with EPIPE (nor kill it with
// SIGPIPE); they queue in the pipe buffer (grown to 1 MiB, allocated only as it fills) and, once that is
// full, block until the next monitor reopens the FIFOs and drains them into the log. Nothing is dropped by
// the kernel; a chatty container may stall while no monitor runs.
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { join } from "node:path";
import { makeFifo, setPipeSize } from "../sys/fifo.ts";
import type { LogSink, Stream } from "../logs/json-file.ts";
import { describe, monitorLog } from "./log.ts";

const PIPE_BYTES = 1024 * 1024;
const STREAMS = ["stdout", "stderr"] as const;

export interface OutputReaders { stdout: number; stderr: number }
export interface OutputPipes { readers: OutputReaders; writers: { stdout: number; stderr: number } }

function fifoPath(containerDir: string, stream: Stream): string {
  return join(containerDir, `${stream}.fifo`);
}

function openReader(path: string): number {
  const fd = openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new Error(`${path} is not a FIFO`);
  }
  return fd;
}

function openFd(path: string, flags: number): number {
  // O_NOFOLLOW: the container dir is the store's, but a symlink planted there must still not be followed.
  return openSync(path, flags | constants.O_NOFOLLOW);
}

/** Creates (or reuses) the FIFOs and opens both ends; the caller hands `writers` to the init and closes them. */
export function openOutputPipes(containerDir: string): OutputPipes {
  const opened: number[] = [];
  try {
    const readers = {} as OutputReaders;
    const writers = {} as OutputReaders;
    for (const stream of STREAMS) {
      const path = fifoPath(containerDir, stream);
      makeFifo(path);
      readers[stream] = openReader(path);
      opened.push(readers[stream]);
      writers[stream] = openFd(path, constants.O_RDWR);
      opened.push(writers[stream]);
      try {
        setPipeSize(writers[stream], PIPE_BYTES);
      } catch (e) {
        monitorLog(`${path}: keeping the default pipe size: ${describe(e)}`);
      }
    }
    return { readers, writers };
  } catch (e) {
    for (const fd of opened) closeSync(fd);
    throw e;
  }
}

/** The read ends of a running container's FIFOs, for a monitor adopting it; undefined when it has none. */
export function reopenOutput(containerDir: string): OutputReaders | undefined {
  const readers: number[] = [];
  try {
    for (const stream of STREAMS) readers.push(openReader(fifoPath(containerDir, stream)));
  } catch (e) {
    for (const fd of readers) closeSync(fd);
    // Started with a terminal or by a monitor without FIFOs: its output went with the old monitor.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  return { stdout: readers[0]!, stderr: readers[1]! };
}

/** Copies both FIFOs into the log until every writer (the container's processes) has closed them. */
export async function drainOutput(readers: OutputReaders, log: LogSink, id: string): Promise<void> {
  await Promise.all(STREAMS.map((stream) => pump(readers[stream], stream, log, id)));
}

async function pump(fd: number, stream: Stream, log: LogSink, id: string): Promise<void> {
  try {
    for await (const chunk of Bun.file(fd).stream()) {
      try {
        log.write(stream, chunk);
      } catch (e) {
        monitorLog(`container ${id}: ${stream} line lost: ${describe(e)}`);
      }
    }
  } catch (e) {
    monitorLog(`container ${id}: reading ${stream} failed: ${describe(e)}`);
  } finally {
    try { closeSync(fd); } catch (e) { if ((e as NodeJS.ErrnoException).code !== "EBADF") throw e; }
  }
}
