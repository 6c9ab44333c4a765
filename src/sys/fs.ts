import { libc } from "./libc.ts";
import { check } from "./call.ts";
import { cstr } from "./cstr.ts";

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  check(libc.mknod(cstr(path), mode, makedev(major, minor)), "mknod", path);
}

export function lsetxattr(path: string, name: string, value: Uint8Array | string): void {
  const v = typeof value === "string" ? Buffer.from(value) : value;
  check(libc.lsetxattr(cstr(path), cstr(name), v.length ? v : null, v.length, 0), `lsetxattr(${name})`, path);
}

export function lgetxattr(path: string, name: string): Buffer | null {
  const buf = Buffer.alloc(4096);
  const n = libc.lgetxattr(cstr(path), cstr(name), buf, buf.length);
  if (Number(n) < 0) return null;
  return buf.subarray(0, Number(n));
}

export function chdir(path: string): void {
  check(libc.chdir(cstr(path)), "chdir", path);
}

export function chroot(path: string): void {
  check(libc.chroot(cstr(path)), "chroot", path);
}

export function umask(mask: number): number {
  return libc.umask(mask);
}

const CLOSE_RANGE_CLOEXEC = 1 << 2;
/** Marks every descriptor from `first` up close-on-exec, so nothing of ours reaches the container's command. */
export function cloexecFrom(first: number): void {
  check(libc.close_range(first, 0xffffffff, CLOSE_RANGE_CLOEXEC), "close_range");
}

const F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
export function setCloexec(fd: number, on: boolean): void {
  const flags = check(libc.fcntl(fd, F_GETFD, 0), "fcntl(F_GETFD)");
  check(libc.fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC), "fcntl(F_SETFD)");
}

export const O_CLOEXEC = 0x80000;
/** pipe2(); both ends close-on-exec unless told otherwise. */
export function pipe(flags = O_CLOEXEC): [read: number, write: number] {
  const fds = new Int32Array(2);
  check(libc.pipe2(fds, flags), "pipe2");
  return [fds[0]!, fds[1]!];
}

export function closeFd(fd: number): void {
  libc.close(fd);
}
