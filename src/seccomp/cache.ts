// Host side: the compiled program of a `linux.seccomp`, from a cache in the store (one file per distinct
// profile × capability set × architecture, so Docker's default is compiled once per store, not per start).
// A cache file is only ever used after decodeProgramFile has checked it whole; an unreadable or stale one
// is compiled again and replaced (rename, so a reader never sees half a file).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Seccomp } from "../oci/spec.ts";
import { replaceFile } from "../state/atomic.ts";
import { encode } from "./cbpf.ts";
import { compileSeccomp } from "./compile.ts";
import { decodeProgramFile, encodeProgramFile, seccompKey } from "./program-file.ts";

/** The program file (header + program) for `seccomp`, compiled or taken from `cacheDir`. */
export function compiledProgramFile(seccomp: Seccomp, cacheDir: string): Uint8Array {
  const key = seccompKey(seccomp);
  const path = join(cacheDir, `${key}.bpf`);
  try {
    const bytes = new Uint8Array(readFileSync(path));
    if (decodeProgramFile(bytes)?.key === key) return bytes;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const file = encodeProgramFile(key, encode(compileSeccomp(seccomp)));
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  replaceFile(path, file);
  return file;
}
