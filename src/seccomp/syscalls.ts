// Syscall numbers of the default profile, one table per architecture. x86_64 from
// arch/x86/entry/syscalls/syscall_64.tbl, aarch64 from include/uapi/asm-generic/unistd.h; both are checked
// against the installed headers by test/unit/seccomp.test.ts. A name missing from a table does not exist
// on that architecture (aarch64 never had uselib; vm86/vm86old are i386-only, so neither 64-bit table
// has them, and an i386 process is refused by the arch check anyway).

export const DENIED = [
  "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "bpf", "perf_event_open", "userfaultfd",
  "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at", "init_module", "finit_module",
  "delete_module", "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "adjtimex", "mount",
  "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsmount", "fspick", "lookup_dcookie", "quotactl",
  "nfsservctl", "uselib", "vm86", "vm86old", "unshare",
] as const;

/** Syscalls the profile looks at more closely than deny/allow. */
export const SPECIAL = ["clone", "clone3", "personality"] as const;

export type SyscallName = (typeof DENIED)[number] | (typeof SPECIAL)[number];
export type SyscallTable = Partial<Record<SyscallName, number>>;

export const X86_64: SyscallTable = {
  keyctl: 250, add_key: 248, request_key: 249, kexec_load: 246, kexec_file_load: 320, bpf: 321, perf_event_open: 298,
  userfaultfd: 323, io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, open_by_handle_at: 304,
  init_module: 175, finit_module: 313, delete_module: 176, reboot: 169, swapon: 167, swapoff: 168, acct: 163,
  settimeofday: 164, clock_settime: 227, adjtimex: 159, mount: 165, umount2: 166, pivot_root: 155, move_mount: 429,
  open_tree: 428, fsopen: 430, fsmount: 432, fspick: 433, lookup_dcookie: 212, quotactl: 179, nfsservctl: 180,
  uselib: 134, unshare: 272, clone: 56, clone3: 435, personality: 135,
};

export const AARCH64: SyscallTable = {
  keyctl: 219, add_key: 217, request_key: 218, kexec_load: 104, kexec_file_load: 294, bpf: 280, perf_event_open: 241,
  userfaultfd: 282, io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, open_by_handle_at: 265,
  init_module: 105, finit_module: 273, delete_module: 106, reboot: 142, swapon: 224, swapoff: 225, acct: 89,
  settimeofday: 170, clock_settime: 112, adjtimex: 171, mount: 40, umount2: 39, pivot_root: 41, move_mount: 429,
  open_tree: 428, fsopen: 430, fsmount: 432, fspick: 433, lookup_dcookie: 18, quotactl: 60, nfsservctl: 42,
  unshare: 97, clone: 220, clone3: 435, personality: 92,
};
