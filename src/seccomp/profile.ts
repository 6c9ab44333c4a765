// minibox's default seccomp profile: a *deny-list*. Docker's default profile is an allow-list of ~350
// syscalls with per-capability exceptions; getting that exactly right was out of scope, so this denies the
// syscalls Docker's profile refuses for kernel-wide or namespace-escaping power (keys, kexec, bpf, perf,
// io_uring, modules, clock, mount API, new namespaces, …) and allows everything else. Layout:
//   A = arch; x86_64 → x86 block; aarch64 → arm block; anything else (i386, x32 via arch) → KILL_PROCESS
//   block: A = nr; (x86_64 only: nr ≥ 0x40000000, the x32 ABI → ENOSYS)
//          each denied nr → EPERM; clone3 → ENOSYS (its flags sit in memory that BPF cannot read, so
//          libc must fall back to clone, as with Docker); clone → flags check; personality → value check;
//          else ALLOW
import { Assembler, encode, OP, type Insn } from "./cbpf.ts";
import { AARCH64, DENIED, X86_64, type SyscallTable } from "./syscalls.ts";

export const DEFAULT_PROFILE = "minibox-default";

export const AUDIT_ARCH = { X86_64: 0xc000003e, AARCH64: 0xc00000b7 } as const;

export const RET = {
  KILL_PROCESS: 0x80000000,
  ALLOW: 0x7fff0000,
  errno: (e: number) => (0x00050000 | (e & 0xffff)) >>> 0,
} as const;

const EPERM = 1, ENOSYS = 38;
const X32_SYSCALL_BIT = 0x40000000;

/** struct seccomp_data: int nr @0, u32 arch @4, u64 ip @8, u64 args[6] @16 (low 32 bits first, LE). */
export const DATA = { nr: 0, arch: 4, argLow: (i: number) => 16 + 8 * i } as const;

/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET: all in the low 32 bits of flags. */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/**
 * Docker's allowed personality values: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and
 * 0xffffffff (query). Others — ADDR_NO_RANDOMIZE above all — would switch off ASLR and friends.
 */
export const PERSONALITY_ALLOWED = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff] as const;

export function defaultProgram(): Insn[] {
  const a = new Assembler();
  a.load(DATA.arch);
  a.jump(OP.JEQ_K, AUDIT_ARCH.X86_64, "x86_64");
  a.jump(OP.JEQ_K, AUDIT_ARCH.AARCH64, "aarch64");
  a.ret(RET.KILL_PROCESS);
  archBlock(a, "x86_64", X86_64, true);
  archBlock(a, "aarch64", AARCH64, false);
  return a.assemble();
}

export function defaultProgramBytes(): Uint8Array {
  return encode(defaultProgram());
}

function archBlock(a: Assembler, arch: string, table: SyscallTable, x32: boolean): void {
  const l = (name: string) => `${arch}.${name}`;
  a.label(arch).load(DATA.nr);
  if (x32) a.jump(OP.JGE_K, X32_SYSCALL_BIT, l("enosys"));
  for (const name of DENIED) {
    const nr = table[name];
    if (nr !== undefined) a.jump(OP.JEQ_K, nr, l("eperm"));
  }
  a.jump(OP.JEQ_K, table.clone3!, l("enosys"));
  a.jump(OP.JEQ_K, table.clone!, l("clone"));
  a.jump(OP.JEQ_K, table.personality!, l("personality"));
  a.ret(RET.ALLOW);
  // clone(flags, …) on both x86_64 and aarch64: flags is arg0.
  a.label(l("clone")).load(DATA.argLow(0));
  a.jump(OP.JSET_K, CLONE_NAMESPACE_FLAGS, l("eperm"), l("allow"));
  a.label(l("personality")).load(DATA.argLow(0));
  for (const value of PERSONALITY_ALLOWED) a.jump(OP.JEQ_K, value, l("allow"));
  a.label(l("eperm")).ret(RET.errno(EPERM));
  a.label(l("allow")).ret(RET.ALLOW);
  a.label(l("enosys")).ret(RET.errno(ENOSYS));
}
