import { ptr, type Pointer } from "bun:ffi";
// The one import of sys/ from above: bytes-string.ts is a leaf (no imports), the codec that lets strings
// carry bytes that are not UTF-8. Every string becomes a C string here, so every syscall gets the bytes.
import { encodeBytes } from "../oci/bytes-string.ts";

/**
 * NUL-terminated copy of a string (its bytes per oci/bytes-string.ts: UTF-8, escaped bytes as themselves)
 * or of raw bytes; keep the returned buffer alive while the pointer is in use.
 */
export function cstr(s: string | Uint8Array): Buffer {
  const bytes = typeof s === "string" ? encodeBytes(s) : s;
  const buf = Buffer.allocUnsafe(bytes.length + 1);
  buf.set(bytes);
  buf[bytes.length] = 0;
  return buf;
}

/** A NULL-terminated char*[] (argv/envp). `keep` holds the backing buffers so GC cannot free them early. */
export function cstrArray(items: readonly (string | Uint8Array)[]): { pointer: Pointer; keep: unknown[] } {
  const bufs = items.map(cstr);
  const table = new BigUint64Array(items.length + 1);
  bufs.forEach((b, i) => (table[i] = BigInt(ptr(b))));
  return { pointer: ptr(table), keep: [bufs, table] };
}
