// nftables: Debian's libnftables (one call applies a whole script as one atomic transaction, no process
// spawn), loaded on first use; the `nft` binary when the library is missing. Its own dlopen table:
// libnftables is optional, unlike libc.
import { dlopen, FFIType, type Pointer } from "bun:ffi";
import { cstr } from "./cstr.ts";

export class NftError extends Error {
  constructor(readonly detail: string, readonly script: string) {
    super(`nftables: ${detail.trim().split("\n")[0] || "command failed"}`);
    this.name = "NftError";
  }
}

const OUTPUT_HANDLE = 1 << 3, OUTPUT_JSON = 1 << 4;

type Lib = ReturnType<typeof open>;
function open() {
  return dlopen("libnftables.so.1", {
    nft_ctx_new: { args: [FFIType.u32], returns: FFIType.ptr },
    nft_ctx_free: { args: [FFIType.ptr], returns: FFIType.void },
    nft_ctx_buffer_output: { args: [FFIType.ptr], returns: FFIType.i32 },
    nft_ctx_buffer_error: { args: [FFIType.ptr], returns: FFIType.i32 },
    nft_ctx_get_output_buffer: { args: [FFIType.ptr], returns: FFIType.cstring },
    nft_ctx_get_error_buffer: { args: [FFIType.ptr], returns: FFIType.cstring },
    nft_ctx_output_set_flags: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.void },
    nft_run_cmd_from_buffer: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  }).symbols;
}

let lib: Lib | null | undefined;
function library(): Lib | null {
  if (lib === undefined) {
    try {
      lib = process.env.MINIBOX_NFT_BINARY === "1" ? null : open();
    } catch {
      lib = null; // not installed: fall back to the binary
    }
  }
  return lib;
}

/** Which backend runs the scripts (for docs and tests). */
export function nftBackend(): "libnftables" | "nft" {
  return library() ? "libnftables" : "nft";
}

/** Runs an nft script (one transaction); returns its output (JSON with `json`). */
export function nftRun(script: string, o: { json?: boolean; handles?: boolean } = {}): string {
  const l = library();
  if (!l) return nftBinary(script, o);
  const ctx = l.nft_ctx_new(0) as Pointer | null;
  if (!ctx) throw new NftError("nft_ctx_new failed", script);
  try {
    l.nft_ctx_buffer_output(ctx);
    l.nft_ctx_buffer_error(ctx);
    l.nft_ctx_output_set_flags(ctx, (o.json ? OUTPUT_JSON : 0) | (o.handles ? OUTPUT_HANDLE : 0));
    const rc = l.nft_run_cmd_from_buffer(ctx, cstr(script));
    if (rc !== 0) throw new NftError(String(l.nft_ctx_get_error_buffer(ctx)), script);
    return String(l.nft_ctx_get_output_buffer(ctx));
  } finally {
    l.nft_ctx_free(ctx);
  }
}

function nftBinary(script: string, o: { json?: boolean; handles?: boolean }): string {
  const flags = [...(o.json ? ["-j"] : []), ...(o.handles ? ["-a"] : [])];
  let result;
  try {
    result = Bun.spawnSync(["nft", ...flags, "-f", "-"], { stdin: Buffer.from(script), stdout: "pipe", stderr: "pipe" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NftError("neither libnftables.so.1 nor the nft binary is installed (apt-get install libnftables1)", script);
    throw e;
  }
  if (result.exitCode !== 0) throw new NftError(result.stderr.toString() || `nft exited with ${result.exitCode}`, script);
  return result.stdout.toString();
}
