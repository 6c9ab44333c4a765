// Layer and archive compression, recognised by magic bytes rather than by media type or file name,
// because docker-archive layers carry no media type and registries are known to mislabel them.
import { Readable, pipeline, type Transform } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { UserError } from "../errors.ts";
import type { ByteInput } from "./tar/reader.ts";

export type Compression = "gzip" | "zstd" | "none";

export class UnsupportedCompressionError extends UserError {
  constructor(what: string, kind: string) {
    super(`${what}: ${kind}-compressed content is not supported (use gzip, zstd or plain tar)`);
    this.name = "UnsupportedCompressionError";
  }
}

export function detectCompression(head: Uint8Array, what: string): Compression {
  const [a, b, c, d] = head;
  if (a === 0x1f && b === 0x8b) return "gzip";
  if (a === 0x28 && b === 0xb5 && c === 0x2f && d === 0xfd) return "zstd";
  if (a === 0x42 && b === 0x5a && c === 0x68) throw new UnsupportedCompressionError(what, "bzip2");
  if (a === 0xfd && b === 0x37 && c === 0x7a && d === 0x58) throw new UnsupportedCompressionError(what, "xz");
  return "none";
}

/** Reads enough of the input to recognise its format, then yields it whole, decompressed. */
export async function* decompress(input: ByteInput, what: string): AsyncGenerator<Uint8Array> {
  const it = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 4) {
    const next = await it.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = new Uint8Array(headLength);
  head.reduce((at, part) => (first.set(part, at), at + part.length), 0);
  const kind = detectCompression(first, what);
  const rest = (async function* () {
    if (first.length) yield first;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  if (kind === "none") { yield* rest; return; }
  const inflater: Transform = kind === "gzip" ? createGunzip() : createZstdDecompress();
  // pipeline() carries an error of either side (a truncated gzip member, a failed read) to the iterator.
  const out = pipeline(Readable.from(rest), inflater, () => {});
  try {
    for await (const chunk of out) yield chunk as Uint8Array;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UserError(`${what}: invalid ${kind} data: ${message}`);
  }
}
