// Arguments, environment and paths on Linux are bytes, not text; the host shell may hand us bytes that are
// not UTF-8 ($'\xff'), and they must reach the container's execve and mount exactly as given. JS strings
// are UTF-16, so minibox carries such bytes inside strings as Python's "surrogateescape" (PEP 383) does:
// every byte that is not part of valid UTF-8 becomes the lone surrogate U+DC00+byte (U+DC80..U+DCFF).
//
// - Valid UTF-8 decodes to itself, so plain strings are untouched everywhere (runc-compatible config.json).
// - Valid UTF-8 never contains a surrogate, so the escape is unambiguous and decode→encode is the identity
//   on every byte string (test/unit/bytes-string.test.ts checks it on random bytes).
// - In config.json (and every other JSON record) JSON.stringify writes a lone surrogate as the escape
//   "\udcff", which is plain ASCII JSON; JSON.parse gives the same string back. That escape is the marker:
//   a reader that does not know the convention (Go's encoding/json) sees U+FFFD, as it would anyway.
// - The only places where strings become bytes again are the C strings (src/sys/cstr.ts) and node:fs paths
//   (fsPath below): both go through encodeBytes.

const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf8 = new TextEncoder();

const ESCAPE_BASE = 0xdc00;
/** A lone surrogate of the escaped range (not the second half of a pair): the string needs encodeBytes. */
const ESCAPED = /(?<![\ud800-\udbff])[\udc80-\udcff]/;

/** Bytes as a string: valid UTF-8 as text, every other byte as U+DC00+byte. */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  let out = "";
  let textStart = 0;
  for (let i = 0; i < bytes.length; ) {
    const n = validSequenceLength(bytes, i);
    if (n > 0) { i += n; continue; }
    out += utf8Strict.decode(bytes.subarray(textStart, i)) + String.fromCharCode(ESCAPE_BASE + bytes[i]!);
    i += 1;
    textStart = i;
  }
  return out + utf8Strict.decode(bytes.subarray(textStart));
}

/** The bytes a decodeBytes string stands for (plain strings: their UTF-8). */
export function encodeBytes(text: string): Uint8Array {
  if (!ESCAPED.test(text)) return utf8.encode(text);
  const parts: number[] = [];
  let textStart = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc80 || unit > 0xdcff) continue;
    // A low surrogate right after a high one is half of a real character, not an escape.
    const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
    if (prev >= 0xd800 && prev <= 0xdbff && i - 1 >= textStart) continue;
    for (const b of utf8.encode(text.slice(textStart, i))) parts.push(b);
    parts.push(unit - ESCAPE_BASE);
    textStart = i + 1;
  }
  for (const b of utf8.encode(text.slice(textStart))) parts.push(b);
  return Uint8Array.from(parts);
}

/** True when the string holds escaped bytes (it is not valid text). */
export function hasEscapedBytes(text: string): boolean {
  return ESCAPED.test(text);
}

/**
 * A path for node:fs: the string itself when it is plain text, else a Buffer of its bytes (node:fs would
 * write a lone surrogate as U+FFFD and name another file).
 */
export function fsPath(path: string): string | Buffer {
  return ESCAPED.test(path) ? Buffer.from(encodeBytes(path)) : path;
}

/** Length of the valid UTF-8 sequence at `i` (Unicode 15, table 3-7), or 0 when the byte starts none. */
function validSequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
