// Streaming tar reader: one pass over the input, entry bodies handed out as streams so a layer of any
// size never sits in memory. The input is read to its very end (past the end-of-archive blocks) so a
// caller hashing the stream sees every byte, as a diffID must.
import {
  BLOCK, ExtensionHeaders, TarFormatError, TruncatedTarError, decodeHeader, isZeroBlock, padding, type TarHeader,
} from "./header.ts";

export type { TarHeader, EntryType } from "./header.ts";
export { TarFormatError, TruncatedTarError } from "./header.ts";

export interface TarEntry extends TarHeader {
  /** Byte position of the body in the (uncompressed) archive. */
  dataOffset: number;
  /** The body; read it before asking for the next entry, or it is skipped. */
  body(): AsyncIterable<Uint8Array>;
  bytes(): Promise<Uint8Array>;
}

export type ByteInput = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Pull-based reader over chunks that hands out exact byte counts and knows its position. */
class ByteSource {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  private done = false;
  offset = 0;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(input: ByteInput) {
    this.it = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.done) return false;
      const next = await this.it.next();
      if (next.done) { this.done = true; return false; }
      this.chunk = next.value;
      this.at = 0;
    }
    return true;
  }

  /** Up to `max` bytes without copying; null at end of input. */
  async some(max: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    const n = Math.min(max, this.chunk.length - this.at);
    const out = this.chunk.subarray(this.at, this.at + n);
    this.at += n;
    this.offset += n;
    return out;
  }

  /** Exactly n bytes; null if the input ended before the first byte, TruncatedTarError if in between. */
  async exact(n: number): Promise<Uint8Array | null> {
    const first = await this.some(n);
    if (!first) return null;
    if (first.length === n) return first;
    const out = new Uint8Array(n);
    out.set(first);
    let got = first.length;
    while (got < n) {
      const part = await this.some(n - got);
      if (!part) throw new TruncatedTarError(this.offset);
      out.set(part, got);
      got += part.length;
    }
    return out;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      const part = await this.some(n);
      if (!part) throw new TruncatedTarError(this.offset);
      n -= part.length;
    }
  }

  async drain(): Promise<void> {
    while (await this.some(1 << 20));
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** Yields the archive's members; throws TruncatedTarError if it ends early, TarFormatError if malformed. */
export async function* readTar(input: ByteInput): AsyncGenerator<TarEntry> {
  const src = new ByteSource(input);
  const extensions = new ExtensionHeaders();
  let sawEnd = false;
  try {
    for (;;) {
      const headerOffset = src.offset;
      const block = await src.exact(BLOCK);
      if (!block) {
        // Zero bytes in total is an empty archive; a stream that stops between members has lost its end.
        if (headerOffset === 0) sawEnd = true;
        break;
      }
      if (isZeroBlock(block)) { sawEnd = true; break; }
      const raw = decodeHeader(block, headerOffset);
      const dataOffset = src.offset;
      if (ExtensionHeaders.isExtension(raw, headerOffset)) {
        const data = raw.size === 0 ? new Uint8Array(0) : await src.exact(raw.size);
        if (!data) throw new TruncatedTarError(src.offset);
        await src.skip(padding(raw.size));
        extensions.consume(raw, data, headerOffset);
        continue;
      }
      const header = extensions.resolve(raw, headerOffset);
      // Only regular files carry data; a size on a link or directory header is not followed by a body.
      const size = header.type === "file" ? header.size : 0;
      header.size = size;
      let remaining = size;
      let consumed = false;
      const body = async function* (): AsyncGenerator<Uint8Array> {
        if (consumed) throw new TarFormatError(`body of ${header.name} read twice`);
        consumed = true;
        while (remaining > 0) {
          const part = await src.some(remaining);
          if (!part) throw new TruncatedTarError(src.offset);
          remaining -= part.length;
          yield part;
        }
      };
      const bytes = async (): Promise<Uint8Array> => {
        const out = new Uint8Array(size);
        let at = 0;
        for await (const part of body()) { out.set(part, at); at += part.length; }
        return out;
      };
      yield { ...header, dataOffset, body, bytes };
      await src.skip(remaining + padding(size));
    }
    if (!sawEnd) throw new TruncatedTarError(src.offset);
    await src.drain();
  } finally {
    await src.close();
  }
}
