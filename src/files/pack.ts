// The tar of a walk (walk.ts) as ~1 MiB pieces, for commit, export and `cp … -`. A tree of small files is
// thousands of 512-byte headers, bodies and paddings: every consumer (a hash, the unpack worker, a pipe)
// pays per chunk, so they are gathered. File bodies are read straight into the piece (readSync at an
// offset): no buffer per file and no second copy, which on this VM cost more than the hashing (page faults
// on fresh memory). Pieces are filled to exactly `target` bytes and each is a whole buffer of its own, so
// the unpack worker takes it by transfer, not by copy. The bytes are writeTar's (tar/writer.ts), exactly:
// the same upper dir must keep giving the same diffID.
import { BLOCK, padding } from "../image/tar/header.ts";
import { entryHeader } from "../image/tar/writer.ts";
import type { CopyEntry } from "./walk.ts";

const TARGET = 1 << 20;

export async function* packTar(entries: AsyncIterable<CopyEntry>, target = TARGET): AsyncGenerator<Uint8Array> {
  // Uninitialised: every byte yielded is written first.
  let buf: Uint8Array = Buffer.allocUnsafeSlow(target);
  let used = 0;
  const full = () => used === target;
  const next = (): Uint8Array => {
    const piece = buf;
    buf = Buffer.allocUnsafeSlow(target);
    used = 0;
    return piece;
  };
  /** Copies `bytes` in, yielding each piece it fills. */
  function* put(bytes: Uint8Array): Generator<Uint8Array> {
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(target - used, bytes.length - at);
      buf.set(n === bytes.length ? bytes : bytes.subarray(at, at + n), used);
      used += n;
      at += n;
      if (full()) yield next();
    }
  }
  function* zeros(count: number): Generator<Uint8Array> {
    while (count > 0) {
      const n = Math.min(target - used, count);
      buf.fill(0, used, used + n);
      used += n;
      count -= n;
      if (full()) yield next();
    }
  }

  for await (const entry of entries) {
    const isFile = (entry.type ?? "file") === "file";
    if (!isFile || (!entry.readInto && !entry.stream)) {
      // writeTar's rule for an in-memory body (not produced by the walk, kept for completeness)
      const body = !isFile ? new Uint8Array(0) : typeof entry.body === "string" ? new TextEncoder().encode(entry.body) : entry.body ?? new Uint8Array(0);
      yield* put(entryHeader(entry, body.length));
      yield* put(body);
      yield* zeros(padding(body.length));
      continue;
    }
    const size = entry.size ?? 0;
    yield* put(entryHeader(entry, size));
    let left = size;
    if (entry.readInto) {
      while (left > 0) {
        const n = entry.readInto(buf, used, Math.min(target - used, left));
        if (n === 0) break; // shrank while read: zero-padded below to the size in the header
        used += n;
        left -= n;
        if (full()) yield next();
      }
    } else {
      for await (const part of entry.stream!()) {
        if (part.length > left) throw new Error(`tar writer: ${entry.name} streamed more bytes than its header's ${size}`);
        left -= part.length;
        yield* put(part);
      }
    }
    yield* zeros(left + padding(size));
  }
  yield* zeros(BLOCK * 2);
  if (used > 0) yield buf.subarray(0, used);
}
