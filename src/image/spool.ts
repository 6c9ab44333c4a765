// Image archives are read by offset, so input that is not a plain file on disk (stdin, a gzipped
// archive) is first written, decompressed, to a file in the store's tmp/.
import { closeSync, existsSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { createWorkDir } from "./tmp-work.ts";
import { decompress, detectCompression } from "./compression.ts";
import type { ByteInput } from "./tar/reader.ts";

export class InputFileError extends UserError {
  constructor(path: string, why: string) {
    super(`open ${path}: ${why}`);
    this.name = "InputFileError";
  }
}

export interface Spooled {
  path: string;
  /** Removes the spooled copy (a no-op for a file used in place). */
  dispose(): void;
}

function head(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(4);
    const n = readSync(fd, buf, 0, 4, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function checkInputFile(path: string): void {
  if (!existsSync(path)) throw new InputFileError(path, "no such file or directory");
  if (!statSync(path).isFile()) throw new InputFileError(path, "not a regular file");
}

/** A plain tar file for `input`: the file itself when it is one, else a decompressed copy in tmpDir. */
export async function spool(input: { path: string } | { stream: ByteInput; label: string }, tmpDir: string): Promise<Spooled> {
  let source: ByteInput;
  let label: string;
  if ("path" in input) {
    checkInputFile(input.path);
    if (detectCompression(head(input.path), input.path) === "none") return { path: input.path, dispose: () => {} };
    source = Bun.file(input.path).stream();
    label = input.path;
  } else {
    source = input.stream;
    label = input.label;
  }
  const work = createWorkDir(tmpDir, "input-");
  const path = join(work.path, "archive.tar");
  const cleanup = () => work.dispose();
  try {
    const fd = openSync(path, "wx", 0o600);
    try {
      for await (const chunk of decompress(source, label)) {
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
      }
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return { path, dispose: cleanup };
}
