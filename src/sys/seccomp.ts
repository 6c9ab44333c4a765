// Installs a classic-BPF seccomp filter on the calling thread: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
// &struct sock_fprog). The kernel copies the program, so the buffers need only live through the call.
// It requires CAP_SYS_ADMIN or no_new_privs: the init calls it before dropping capabilities, or, with
// no_new_privs, after (init/security.ts, applyPrivileges).
//
// No SECCOMP_FILTER_FLAG_TSYNC (which would need seccomp(2) instead of prctl): the filter must cover the
// thread that execve()s the container's command, and that is this one. Bun's other threads are not
// filtered, run none of the container's code, and vanish at that execve; the command and every process it
// starts inherit the filter, which can never be removed.
import { ptr } from "bun:ffi";
import { prctl, PR } from "./proc.ts";
import { SyscallError } from "./errno.ts";

const SECCOMP_MODE_FILTER = 2;
const BPF_MAXINSNS = 4096;

export function loadSeccompFilter(program: Uint8Array): void {
  const count = program.length / 8;
  if (!Number.isInteger(count) || count === 0 || count > BPF_MAXINSNS) {
    throw new SyscallError("prctl(PR_SET_SECCOMP)", 22, undefined, `${program.length} bytes is not a valid filter`);
  }
  // struct sock_fprog { unsigned short len; /* 6 bytes padding */ struct sock_filter *filter; }
  const fprog = new Uint8Array(16);
  const view = new DataView(fprog.buffer);
  view.setUint16(0, count, true);
  view.setBigUint64(8, BigInt(ptr(program)), true);
  prctl(PR.SET_SECCOMP, SECCOMP_MODE_FILTER, ptr(fprog));
}
