// Signal state a process hands on through execve: ignored dispositions and the blocked mask survive it
// (caught ones are reset by the kernel). Bun ignores SIGPIPE and SIGXFSZ, so without this every container
// command would start with them ignored ("yes | head" printing "Broken pipe").
import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";
import { lastErrno } from "./call.ts";
import { SyscallError } from "./errno.ts";

const ARM64 = process.arch === "arm64";
const SYS_RT_SIGACTION = ARM64 ? 134 : 13;
const SYS_RT_SIGPROCMASK = ARM64 ? 135 : 14;
const SIG_IGN = 1n, SIG_SETMASK = 2, NSIG = 64, SIGSET_BYTES = 8;
const SIGKILL = 9, SIGSTOP = 19;

/**
 * Sets every ignored signal back to SIG_DFL and unblocks all signals of the calling thread. Handlers stay
 * as they are: execve resets them anyway, and the JavaScript engine relies on its own (it suspends
 * threads with a signal) until that execve. Returns the signals that were ignored.
 */
export function resetSignalsForExec(): number[] {
  // struct kernel_sigaction: handler, flags, restorer, mask (x86_64 and aarch64 alike); SIG_DFL is all zero.
  const old = new BigUint64Array(4);
  const dfl = new BigUint64Array(4);
  const reset: number[] = [];
  for (let sig = 1; sig <= NSIG; sig++) {
    if (sig === SIGKILL || sig === SIGSTOP) continue;
    if (Number(libc.syscall(SYS_RT_SIGACTION, sig, 0, ptr(old), SIGSET_BYTES, 0)) === -1) continue; // not a valid signal here
    if (old[0] !== SIG_IGN) continue;
    if (Number(libc.syscall(SYS_RT_SIGACTION, sig, ptr(dfl), 0, SIGSET_BYTES, 0)) === -1) {
      throw new SyscallError("rt_sigaction", lastErrno(), `signal ${sig}`);
    }
    reset.push(sig);
  }
  const empty = new BigUint64Array(1);
  if (Number(libc.syscall(SYS_RT_SIGPROCMASK, SIG_SETMASK, ptr(empty), 0, SIGSET_BYTES, 0)) === -1) {
    throw new SyscallError("rt_sigprocmask", lastErrno());
  }
  return reset;
}
