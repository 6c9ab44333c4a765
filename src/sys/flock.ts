// flock(2): advisory whole-file locks that the kernel drops when the holder dies (even by SIGKILL), so a
// crashed process can never leave a lock that others must guess to be stale.
import { libc } from "./libc.ts";
import { lastErrno } from "./call.ts";
import { Errno, SyscallError } from "./errno.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** Tries to take an exclusive lock without blocking; false when another open file holds it. */
export function tryLockExclusive(fd: number, path?: string): boolean {
  if (libc.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const errno = lastErrno();
  if (errno === Errno.EAGAIN || errno === Errno.EINTR) return false;
  throw new SyscallError("flock", errno, path);
}

export function unlock(fd: number): void {
  libc.flock(fd, LOCK_UN);
}

// --- blocking locks (image-store: the store-wide lock, src/state/store-lock.ts) ---------------------
const LOCK_SH = 1;

function lockBlocking(fd: number, operation: number, path?: string): void {
  for (;;) {
    if (libc.flock(fd, operation) === 0) return;
    const errno = lastErrno();
    if (errno !== Errno.EINTR) throw new SyscallError("flock", errno, path);
  }
}

/** Waits for a shared lock (many holders at once, none while an exclusive one is held). */
export function lockShared(fd: number, path?: string): void {
  lockBlocking(fd, LOCK_SH, path);
}

/** Waits for an exclusive lock (no other holder of any kind). */
export function lockExclusive(fd: number, path?: string): void {
  lockBlocking(fd, LOCK_EX, path);
}
