import { ptr, type Pointer } from "bun:ffi";

/** NUL-terminated copy of a JS string; keep the returned buffer alive while the pointer is in use. */
export function cstr(s: string): Buffer {
  return Buffer.from(s + "\0", "utf8");
}

/** A NULL-terminated char*[] (argv/envp). `keep` holds the backing buffers so GC cannot free them early. */
export function cstrArray(items: readonly string[]): { pointer: Pointer; keep: unknown[] } {
  const bufs = items.map(cstr);
  const table = new BigUint64Array(items.length + 1);
  bufs.forEach((b, i) => (table[i] = BigInt(ptr(b))));
  return { pointer: ptr(table), keep: [bufs, table] };
}
