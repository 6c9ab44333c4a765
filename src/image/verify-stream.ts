// A stream that proves its content: bytes pass through while they are hashed, and the last chunk is
// held back until the digest is known to match. A consumer writing an archive therefore never gets
// the whole of a damaged blob; it gets a DigestMismatchError instead of the final bytes.
import { DigestMismatchError } from "./digest.ts";

export async function* verifiedStream(input: AsyncIterable<Uint8Array>, expected: string, what: string): AsyncGenerator<Uint8Array> {
  const hasher = new Bun.CryptoHasher("sha256");
  let held: Uint8Array | undefined;
  for await (const chunk of input) {
    hasher.update(chunk);
    if (held) yield held;
    held = chunk;
  }
  const got = `sha256:${hasher.digest("hex")}`;
  if (got !== expected) throw new DigestMismatchError(what, expected, got);
  if (held) yield held;
}
