// Named pipes for container output: the kernel keeps their buffer while the container holds them, so a
// monitor that dies and a new one that reopens them lose nothing in between (see src/monitor/output.ts).
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { cstr } from "./cstr.ts";
import { Errno, SyscallError } from "./errno.ts";

const F_SETPIPE_SZ = 1031;

/** Creates the FIFO unless it exists (left by an earlier start of the same container). */
export function makeFifo(path: string, mode = 0o600): void {
  if (libc.mkfifo(cstr(path), mode) === 0) return;
  const errno = lastErrno();
  if (errno !== Errno.EEXIST) throw new SyscallError("mkfifo", errno, path);
}

/** Grows the pipe buffer (pages are allocated only as data is queued); returns the size the kernel set. */
export function setPipeSize(fd: number, bytes: number): number {
  return check(libc.fcntl(fd, F_SETPIPE_SZ, bytes), "fcntl(F_SETPIPE_SZ)", `fd ${fd}`);
}
