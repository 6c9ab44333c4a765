// All CLI output goes through this module: data to stdout with writeStdout (or out.log), messages to
// stderr with out.error/out.warn. The consola instance is built from consola/core with a plain line
// reporter: the full `consola` entry loads node:tty and its fancy reporter (and node:util, for formatting),
// which cost ~30 ms at every start of the compiled binary (measured, docs/performance.md) — most of a
// container's start-up budget.
//
// A reader that went away (`minibox ps -a | head -1`) is not an error: like a Unix tool killed by SIGPIPE
// the command ends at once, silently, with 141 (128+SIGPIPE, what a shell reports for such a tool). Bun
// ignores SIGPIPE, so the write fails with EPIPE instead; writeStdout turns that into ClosedOutputError,
// which unwinds the command (its finally blocks still run) and cliMain maps to CLOSED_OUTPUT_EXIT.
import { writeSync } from "node:fs";
import { encodeBytes } from "../oci/bytes-string.ts";
import { createConsola, type ConsolaReporter, type LogObject } from "consola/core";

/** 128 + SIGPIPE: the status a shell shows for `tool | head` when the tool died of SIGPIPE. */
export const CLOSED_OUTPUT_EXIT = 141;

/** stdout's reader has gone; nothing more can be shown, so the command ends quietly. */
export class ClosedOutputError extends Error {
  constructor() {
    super("write /dev/stdout: broken pipe");
    this.name = "ClosedOutputError";
  }
}

let stdoutClosed = false;
let stderrClosed = false;

function errnoCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/** The whole buffer, blocking; false when the reader has gone (EPIPE). */
function writeFully(fd: number, data: Uint8Array): boolean {
  for (let off = 0; off < data.length; ) {
    try {
      off += writeSync(fd, data, off);
    } catch (e) {
      const code = errnoCode(e);
      if (code === "EPIPE") return false;
      // A non-blocking pipe shared with another process: wait for its reader rather than drop output.
      if (code !== "EAGAIN") throw e;
      Bun.sleepSync(1);
    }
  }
  return true;
}

// encodeBytes: a string holding bytes that are not UTF-8 (an argument, a file name) prints as those bytes.
const bytesOf = (data: string | Uint8Array): Uint8Array => (typeof data === "string" ? encodeBytes(data) : data);

/** Data for the user (tables, ids, JSON, logs, archives); throws ClosedOutputError once nobody reads it. */
export function writeStdout(data: string | Uint8Array): void {
  if (stdoutClosed || !writeFully(1, bytesOf(data))) {
    stdoutClosed = true;
    throw new ClosedOutputError();
  }
}

/** Messages; a closed stderr only silences them (the command's work and its stdout still matter). */
export function writeStderr(data: string | Uint8Array): void {
  if (stderrClosed) return;
  if (!writeFully(2, bytesOf(data))) stderrClosed = true;
}

const STDERR_TYPES = new Set(["error", "fatal", "warn", "trace", "debug"]);

const lineReporter: ConsolaReporter = {
  log(entry: LogObject) {
    const text = entry.args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : Bun.inspect(a))).join(" ");
    if (entry.type === "error" || entry.type === "fatal") writeStderr(`minibox: ${text}\n`);
    else if (STDERR_TYPES.has(entry.type)) writeStderr(`minibox: ${entry.type}: ${text}\n`);
    else writeStdout(`${text}\n`);
  },
};

// throttle 0: consola otherwise folds identical lines logged within a second into "(repeated N times)",
// which would lose rows of data output (and delays the last one on a timer).
export const out = createConsola({ reporters: [lineReporter], level: process.env.MINIBOX_DEBUG ? 4 : 3, throttle: 0 });
