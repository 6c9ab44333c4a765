// sha256 digests as the image formats spell them ("sha256:<hex>"), and the error for content that does
// not match the digest it was published under.
import { UserError } from "../errors.ts";

const SHA256 = /^sha256:([0-9a-f]{64})$/;

export class DigestMismatchError extends UserError {
  constructor(what: string, expected: string, actual: string) {
    super(`${what}: digest mismatch: expected ${expected}, got ${actual}`);
    this.name = "DigestMismatchError";
  }
}

export class UnsupportedDigestError extends UserError {
  constructor(what: string, digest: string) {
    super(`${what}: unsupported or malformed digest "${digest}" (only sha256 is supported)`);
    this.name = "UnsupportedDigestError";
  }
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(data).digest("hex")}`;
}

/** The hex part of a sha256 digest; throws for anything else so no unchecked string reaches a path. */
export function digestHex(digest: string, what: string): string {
  const m = SHA256.exec(digest);
  if (!m) throw new UnsupportedDigestError(what, digest);
  return m[1]!;
}

export function isSha256Digest(s: string): boolean {
  return SHA256.test(s);
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
