// The command line and environment exactly as the host gave them. Bun decodes process.argv and
// process.env as UTF-8 with U+FFFD for anything else, which would rewrite `run busybox printf $'\xff'`;
// the kernel keeps the original bytes in /proc/self/cmdline and /proc/self/environ. They are decoded
// with oci/bytes-string.ts, which keeps every byte.
import { readFileSync } from "node:fs";
import { decodeBytes, encodeBytes } from "../oci/bytes-string.ts";

/** NUL-terminated entries of a /proc file, decoded losslessly. */
export function nulSeparated(bytes: Uint8Array): string[] {
  const items: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    items.push(decodeBytes(bytes.subarray(start, i)));
    start = i + 1;
  }
  if (start < bytes.length) items.push(decodeBytes(bytes.subarray(start)));
  return items;
}

const lossyUtf8 = new TextDecoder();

/**
 * The user's arguments (those after the program) as the host gave them. `decoded` is Bun's view of the
 * same arguments (process.argv.slice(2)). The raw list is aligned on its end, because its start differs
 * (a compiled binary's process.argv begins ["bun", "/$bunfs/root/…"], /proc/self/cmdline with the path
 * it was run by). Each raw argument must decode, lossily, to Bun's: should they ever disagree, Bun's
 * view is used, never a misaligned one.
 */
export function hostArgv(decoded: readonly string[], cmdline: Uint8Array = readFileSync("/proc/self/cmdline")): string[] {
  const raw = nulSeparated(cmdline);
  if (raw.length < decoded.length) return [...decoded];
  const mine = raw.slice(raw.length - decoded.length);
  const aligned = mine.every((arg, i) => arg === decoded[i] || lossyUtf8.decode(encodeBytes(arg)) === decoded[i]);
  return aligned ? mine : [...decoded];
}

let environ: Record<string, string> | undefined;

/** The host's environment, values as bytes-strings (for `-e NAME` and env-file names without a value). */
export function hostEnv(): Record<string, string | undefined> {
  if (environ) return environ;
  environ = Object.create(null) as Record<string, string>; // no prototype: "constructor" is a valid name
  for (const entry of nulSeparated(readFileSync("/proc/self/environ"))) {
    const eq = entry.indexOf("=");
    if (eq > 0 && !(entry.slice(0, eq) in environ)) environ[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return environ;
}
