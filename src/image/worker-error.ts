// Errors cross the unpack worker's message port as plain data (structured clone keeps only name, message
// and stack). They are rebuilt on the main thread with their class, so callers keep telling an unsafe
// layer from a disk-full error or a bad gzip stream exactly as when unpacking ran on the main thread.
import { UserError } from "../errors.ts";
import { SyscallError } from "../sys/errno.ts";
import { UnsupportedCompressionError } from "./compression.ts";
import { UnsafeLayerError } from "./safe-path.ts";
import { TarFormatError, TruncatedTarError } from "./tar/reader.ts";

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable fields that are plain values: code, errno, syscall, path, exitCode, offset… */
  fields: Record<string, string | number | boolean>;
}

const CLASSES: Record<string, { prototype: Error }> = {
  UserError, SyscallError, UnsupportedCompressionError, UnsafeLayerError, TarFormatError, TruncatedTarError,
};

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const fields: WireError["fields"] = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") fields[key] = value;
  }
  return { name: error.name, message: error.message, ...(error.stack !== undefined && { stack: error.stack }), fields };
}

/** The error again, an instance of its original class when that is one of ours (else a plain Error). */
export function fromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  const cls = CLASSES[wire.name];
  // Not through the constructor: each class builds its message from other arguments, and the message is
  // already built. The prototype is all that instanceof and the CLI's exit code look at.
  if (cls) Object.setPrototypeOf(error, cls.prototype);
  Object.assign(error, wire.fields);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
