// Extended attributes of an open file (not O_PATH: the f*xattr calls need a real descriptor), so a copy
// acts on the object it opened, never on a path looked up again.
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { cstr } from "./cstr.ts";
import { Errno, SyscallError } from "./errno.ts";

/** The attribute names of `fd`; empty where the filesystem has none (ENOTSUP). */
export function flistxattr(fd: number): string[] {
  const size = Number(libc.flistxattr(fd, null, 0));
  if (size === -1) {
    if (lastErrno() === Errno.EOPNOTSUPP) return [];
    throw new SyscallError("flistxattr", lastErrno(), `fd ${fd}`);
  }
  if (size === 0) return [];
  const buf = Buffer.alloc(size);
  const n = Number(check(libc.flistxattr(fd, buf, size), "flistxattr", `fd ${fd}`));
  return buf.toString("latin1", 0, n).split("\0").filter(Boolean);
}

/** The value, or undefined when the attribute went away meanwhile (ENODATA). */
export function fgetxattr(fd: number, name: string): Buffer | undefined {
  const key = cstr(name);
  const size = Number(libc.fgetxattr(fd, key, null, 0));
  if (size === -1) {
    if (lastErrno() === Errno.ENODATA) return undefined;
    throw new SyscallError("fgetxattr", lastErrno(), `fd ${fd} ${name}`);
  }
  const buf = Buffer.alloc(size);
  const n = Number(check(libc.fgetxattr(fd, key, size ? buf : null, size), "fgetxattr", `fd ${fd} ${name}`));
  return buf.subarray(0, n);
}

export function fsetxattr(fd: number, name: string, value: Uint8Array): void {
  check(libc.fsetxattr(fd, cstr(name), value.length ? value : null, value.length, 0), "fsetxattr", `fd ${fd} ${name}`);
}
