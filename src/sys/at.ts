// fd-relative file operations (openat2, openat, mkdirat, mknodat, statx, …): the init touches paths inside a
// container's root only relative to descriptors it has checked, never through a path string the kernel
// would resolve again (see init/in-root.ts). Flag values differ between x86_64 and aarch64 where noted.
import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { cstr } from "./cstr.ts";
import { SyscallError } from "./errno.ts";
import { makedev } from "./fs.ts";

const ARM64 = process.arch === "arm64";

export const O = {
  RDONLY: 0, WRONLY: 0o1, RDWR: 0o2, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400,
  DIRECTORY: ARM64 ? 0o40000 : 0o200000,
  NOFOLLOW: ARM64 ? 0o100000 : 0o400000,
  CLOEXEC: 0o2000000, PATH: 0o10000000,
} as const;

export const RESOLVE = { NO_XDEV: 0x01, NO_MAGICLINKS: 0x02, NO_SYMLINKS: 0x04, BENEATH: 0x08, IN_ROOT: 0x10 } as const;
export const AT = { FDCWD: -100, SYMLINK_NOFOLLOW: 0x100, EMPTY_PATH: 0x1000, RECURSIVE: 0x8000 } as const;

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFCHR = 0o020000;

/** f_type values of statfs(2) the init checks. */
export const FS_MAGIC = {
  PROC: 0x9fa0, SYSFS: 0x62656572, TMPFS: 0x01021994, DEVPTS: 0x1cd1, OVERLAYFS: 0x794c7630,
} as const;

// openat2 has the same number on every architecture (it came after the syscall tables were unified).
const SYS_OPENAT2 = 437;

/** The path of `fd` through the host's procfs: a magic link the kernel follows to the very object. */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** openat2(2); throws SyscallError (ENOSYS on kernels before 5.6, EAGAIN when a rename raced the lookup). */
export function openat2(dirfd: number, path: string, flags: number, resolve: number, mode = 0): number {
  const how = new BigUint64Array([BigInt(flags), BigInt(mode), BigInt(resolve)]);
  const p = cstr(path);
  const fd = Number(libc.syscall(SYS_OPENAT2, dirfd, ptr(p), ptr(how), 24, 0));
  if (fd === -1) throw new SyscallError("openat2", lastErrno(), path);
  return fd;
}

export function openat(dirfd: number, path: string, flags: number, mode = 0): number {
  return check(libc.openat(dirfd, cstr(path), flags, mode), "openat", path);
}

export function mkdirat(dirfd: number, name: string, mode: number): void {
  check(libc.mkdirat(dirfd, cstr(name), mode), "mkdirat", name);
}

export function mknodat(dirfd: number, name: string, mode: number, major: number, minor: number): void {
  check(libc.mknodat(dirfd, cstr(name), mode, makedev(major, minor)), "mknodat", name);
}

export function symlinkat(target: string, dirfd: number, name: string): void {
  check(libc.symlinkat(cstr(target), dirfd, cstr(name)), "symlinkat", name);
}

export function fchownat(dirfd: number, name: string, uid: number, gid: number, flags: number = AT.SYMLINK_NOFOLLOW): void {
  check(libc.fchownat(dirfd, cstr(name), uid, gid, flags), "fchownat", name);
}

/** readlinkat(2); with an empty name, reads the symlink an O_PATH|O_NOFOLLOW fd refers to. */
export function readlinkat(dirfd: number, name: string): string {
  const buf = Buffer.alloc(4096);
  const n = Number(libc.readlinkat(dirfd, cstr(name), buf, buf.length));
  if (n === -1) throw new SyscallError("readlinkat", lastErrno(), name || `fd ${dirfd}`);
  return buf.toString("utf8", 0, n);
}

export function renameExchange(dirfd: number, a: string, b: string): void {
  const RENAME_EXCHANGE = 2;
  check(libc.renameat2(dirfd, cstr(a), dirfd, cstr(b), RENAME_EXCHANGE), "renameat2", `${a} <-> ${b}`);
}

export interface FileStat {
  /** S_IFMT bits and permissions. */
  mode: number;
  ino: bigint;
  dev: string;
  rdevMajor: number;
  rdevMinor: number;
  mntId: bigint;
}

const STATX_BASIC_STATS = 0x7ff, STATX_MNT_ID = 0x1000;
/** statx(2) of the object `fd` refers to (O_PATH fds included), without following a symlink. */
export function fstatx(fd: number): FileStat {
  const buf = Buffer.alloc(256);
  check(libc.statx(fd, cstr(""), AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID, buf), "statx", `fd ${fd}`);
  return {
    mode: buf.readUInt16LE(28),
    ino: buf.readBigUInt64LE(32),
    rdevMajor: buf.readUInt32LE(128),
    rdevMinor: buf.readUInt32LE(132),
    dev: `${buf.readUInt32LE(136)}:${buf.readUInt32LE(140)}`,
    mntId: buf.readBigUInt64LE(144),
  };
}

/** The f_type of the filesystem `fd` is on (struct statfs starts with it on 64-bit Linux). */
export function fstatfsType(fd: number): number {
  const buf = Buffer.alloc(128);
  check(libc.fstatfs(fd, buf), "fstatfs", `fd ${fd}`);
  return Number(buf.readBigInt64LE(0));
}

export const isDir = (st: FileStat): boolean => (st.mode & S_IFMT) === S_IFDIR;
export const isSymlink = (st: FileStat): boolean => (st.mode & S_IFMT) === S_IFLNK;
export const isCharDev = (st: FileStat, major: number, minor: number): boolean =>
  (st.mode & S_IFMT) === S_IFCHR && st.rdevMajor === major && st.rdevMinor === minor;

// hardening-flags: device nodes and sysctls through fds (init/spec-devices.ts, init/sysctl.ts).
export const AT_FDCWD = AT.FDCWD;
export const AT_SYMLINK_NOFOLLOW = AT.SYMLINK_NOFOLLOW;

export function unlinkat(dirfd: number, name: string, flags = 0): void {
  check(libc.unlinkat(dirfd, cstr(name), flags), "unlinkat", name);
}

export function fchmodat(dirfd: number, name: string, mode: number): void {
  check(libc.fchmodat(dirfd, cstr(name), mode, 0), "fchmodat", name);
}
