// Calls relative to a directory fd, and openat2() with its RESOLVE_* scoping: the init creates device
// nodes and writes sysctls through fds, never through path strings that a container's tree could bend.
import { constants } from "node:fs";
import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";
import { check } from "./call.ts";
import { cstr } from "./cstr.ts";
import { makedev } from "./fs.ts";

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;

/** include/uapi/linux/openat2.h */
export const RESOLVE = { NO_XDEV: 0x01, NO_MAGICLINKS: 0x02, NO_SYMLINKS: 0x04, BENEATH: 0x08, IN_ROOT: 0x10 } as const;

// O_PATH has the same value on x86_64 and aarch64; O_DIRECTORY/O_NOFOLLOW differ, so they come from Node.
export const O = {
  RDONLY: 0, WRONLY: 1, PATH: 0o10000000, CLOEXEC: 0o2000000,
  DIRECTORY: constants.O_DIRECTORY, NOFOLLOW: constants.O_NOFOLLOW,
} as const;

const SYS_OPENAT2 = 437; // the same on every architecture (added after the syscall tables were unified)

/** openat2(dirfd, path, {flags, mode, resolve}); returns the new fd. */
export function openat2(dirfd: number, path: string, flags: number, resolve: number, mode = 0): number {
  const how = new BigUint64Array([BigInt(flags), BigInt(mode), BigInt(resolve)]);
  const p = cstr(path);
  const fd = Number(libc.syscall(SYS_OPENAT2, dirfd, ptr(p), ptr(how), how.byteLength, 0));
  return check(fd, "openat2", path);
}

export function mknodat(dirfd: number, name: string, mode: number, major: number, minor: number): void {
  check(libc.mknodat(dirfd, cstr(name), mode, makedev(major, minor)), "mknodat", name);
}

export function mkdirat(dirfd: number, name: string, mode: number): void {
  check(libc.mkdirat(dirfd, cstr(name), mode), "mkdirat", name);
}

export function unlinkat(dirfd: number, name: string, flags = 0): void {
  check(libc.unlinkat(dirfd, cstr(name), flags), "unlinkat", name);
}

export function fchmodat(dirfd: number, name: string, mode: number): void {
  check(libc.fchmodat(dirfd, cstr(name), mode, 0), "fchmodat", name);
}

export function fchownat(dirfd: number, name: string, uid: number, gid: number, flags = AT_SYMLINK_NOFOLLOW): void {
  check(libc.fchownat(dirfd, cstr(name), uid, gid, flags), "fchownat", name);
}
