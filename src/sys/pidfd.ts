// Waiting for a process that is not our child (a container started by another minibox process).
import { libc } from "./libc.ts";
import { check, lastErrno } from "./call.ts";
import { SyscallError } from "./errno.ts";

const SYS_PIDFD_OPEN = 434; // same number on x86_64 and arm64
const POLLIN = 0x1;

/** A pidfd for `pid`, or undefined when the process is already gone. */
export function pidfdOpen(pid: number): number | undefined {
  const fd = Number(libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0, 0));
  if (fd >= 0) return fd;
  const errno = lastErrno();
  if (errno === 3) return undefined; // ESRCH
  throw new SyscallError("pidfd_open", errno, String(pid));
}

/** Blocks up to `timeoutMs` (-1: forever) until the process exits; true when it did. */
export function pidfdWait(fd: number, timeoutMs: number): boolean {
  const pollfd = new Int32Array([fd, POLLIN]); // struct pollfd { int fd; short events; short revents; }
  const ready = check(libc.poll(pollfd, 1, timeoutMs), "poll", `pidfd ${fd}`);
  return ready > 0;
}
