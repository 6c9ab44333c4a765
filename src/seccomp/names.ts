// The vocabulary of seccomp profiles (libseccomp's names, as Docker and the OCI spec use them) and what
// each word means to the kernel: SECCOMP_RET_* values (include/uapi/linux/seccomp.h) and AUDIT_ARCH_*
// values (include/uapi/linux/audit.h).

export const ACTIONS = [
  "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG",
] as const;
export type Action = (typeof ACTIONS)[number];

export const OPERATORS = [
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Every architecture name libseccomp knows; minibox compiles only those it has syscall tables for. */
export const ARCHITECTURES = [
  "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
] as const;

/** The OCI/libseccomp flags a runtime may pass to seccomp(2); minibox loads with none and says so. */
export const FLAGS = [
  "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
] as const;

export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
  errno: (e: number) => (0x00050000 | (e & 0xffff)) >>> 0,
} as const;

export const EPERM = 1;
export const ENOSYS = 38;

export const AUDIT_ARCH = { X86_64: 0xc000003e, I386: 0x40000003, AARCH64: 0xc00000b7, ARM: 0x40000028 } as const;

/** x32 processes run as AUDIT_ARCH_X86_64 with this bit set in the syscall number. */
export const X32_SYSCALL_BIT = 0x40000000;

/** struct seccomp_data: int nr @0, u32 arch @4, u64 ip @8, u64 args[6] @16 (low 32 bits first, LE). */
export const DATA = { nr: 0, arch: 4, argLow: (i: number) => 16 + 8 * i, argHigh: (i: number) => 20 + 8 * i } as const;

/** The kernel's return value of an action; errnoRet is the errno of ERRNO and the message of TRACE. */
export function actionValue(action: string, errnoRet: number | undefined): number {
  switch (action as Action) {
    case "SCMP_ACT_ALLOW": return RET.ALLOW;
    case "SCMP_ACT_ERRNO": return RET.errno(errnoRet ?? EPERM);
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD": return RET.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS": return RET.KILL_PROCESS;
    case "SCMP_ACT_TRAP": return RET.TRAP;
    case "SCMP_ACT_TRACE": return (RET.TRACE | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case "SCMP_ACT_LOG": return RET.LOG;
    default: throw new Error(`unknown seccomp action "${action}"`);
  }
}

/** A default that lets a syscall through: runc adds no ENOSYS stub for these. */
export function isPermissive(action: string): boolean {
  return action === "SCMP_ACT_ALLOW" || action === "SCMP_ACT_LOG";
}
