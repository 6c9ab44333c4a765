import { read } from "bun:ffi";
import { libc } from "./libc.ts";
import { SyscallError } from "./errno.ts";

export function lastErrno(): number {
  const p = libc.__errno_location();
  return p ? read.i32(p, 0) : 0;
}

/** Throws a SyscallError when a libc call returned -1; errno is read at once, before any other call. */
export function check<T extends number | bigint>(ret: T, syscall: string, path?: string): T {
  if (ret === -1 || ret === -1n) throw new SyscallError(syscall, lastErrno(), path);
  return ret;
}
