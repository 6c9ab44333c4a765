// Moving file descriptors to given numbers (runc's --preserve-fds: the caller's fds become 3..3+N-1 in
// the container process).
import { libc } from "./libc.ts";
import { check } from "./call.ts";

const F_DUPFD_CLOEXEC = 1030;

/** A close-on-exec copy of `fd` at the lowest free number >= `min`. */
export function dupAtLeast(fd: number, min: number): number {
  return check(libc.fcntl(fd, F_DUPFD_CLOEXEC, min), "fcntl(F_DUPFD_CLOEXEC)", String(fd));
}

/** `fd` copied to `target` (replacing what was there), without close-on-exec: it survives execve. */
export function dupTo(fd: number, target: number): void {
  check(libc.dup2(fd, target), "dup2", String(target));
}
