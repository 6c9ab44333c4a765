// A compiled seccomp program as a file, so that the init need not compile on the start path (compiling
// Docker's default profile is a few ms of cold JavaScript; see docs/security.md). The header says what the
// program was compiled from — sha256 of the compiler version, the architecture and the `linux.seccomp`
// JSON — and carries the program's own sha256, so a reader can tell a stale, foreign or torn file and
// compile instead:   "minibox-seccomp <key> <program sha256>\n" + struct sock_filter[] bytes
import { readFileSync } from "node:fs";
import type { Seccomp } from "../oci/spec.ts";

/** Its name in a container's bundle, next to config.json. */
export const SECCOMP_PROGRAM_FILE = "seccomp.bpf";

/** Bump whenever compile.ts can emit a different program for the same input. */
export const COMPILER_VERSION = 1;
const MAGIC = "minibox-seccomp";
const HEADER_LENGTH = MAGIC.length + 1 + 64 + 1 + 64 + 1;

export interface ProgramFile { key: string; program: Uint8Array }

function sha256(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

/** What a compiled program is valid for. */
export function seccompKey(seccomp: Seccomp, arch: string = process.arch): string {
  return sha256(`${COMPILER_VERSION}\n${arch}\n${JSON.stringify(seccomp)}`);
}

export function encodeProgramFile(key: string, program: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(`${MAGIC} ${key} ${sha256(program)}\n`);
  const out = new Uint8Array(header.length + program.length);
  out.set(header);
  out.set(program, header.length);
  return out;
}

/** undefined for anything that is not a whole, intact program file. */
export function decodeProgramFile(bytes: Uint8Array): ProgramFile | undefined {
  if (bytes.length <= HEADER_LENGTH) return undefined;
  const header = new TextDecoder().decode(bytes.subarray(0, HEADER_LENGTH));
  const m = /^minibox-seccomp ([0-9a-f]{64}) ([0-9a-f]{64})\n$/.exec(header);
  if (!m) return undefined;
  const program = bytes.slice(HEADER_LENGTH);
  if (program.length % 8 !== 0 || sha256(program) !== m[2]) return undefined;
  return { key: m[1]!, program };
}

/** The program of `file` if it was compiled from exactly this `linux.seccomp`. */
export function programFor(seccomp: Seccomp, file: Uint8Array | undefined): Uint8Array | undefined {
  if (!file) return undefined;
  const decoded = decodeProgramFile(file);
  return decoded && decoded.key === seccompKey(seccomp) ? decoded.program : undefined;
}

/** The bundle's compiled program file, if the host wrote one (it does whenever there is a filter). */
export function readSeccompProgramFile(bundle: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(`${bundle}/${SECCOMP_PROGRAM_FILE}`));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
