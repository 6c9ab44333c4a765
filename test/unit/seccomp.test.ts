// The default seccomp profile, checked on its bytes, its syscall numbers (against the installed kernel
// headers) and its meaning: a small interpreter of the classic-BPF instructions the builder emits runs the
// program against struct seccomp_data inputs, with the kernel's semantics (jumps go to pc + 1 + jt/jf,
// JGE is unsigned, a load reads a native u32 of seccomp_data).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { Assembler, encode, OP, type Insn } from "../../src/seccomp/cbpf.ts";
import { AARCH64, DENIED, SPECIAL, X86_64, type SyscallTable } from "../../src/seccomp/syscalls.ts";
import { AUDIT_ARCH, CLONE_NAMESPACE_FLAGS, DATA, defaultProgram, RET } from "../../src/seccomp/profile.ts";
import { parseSecurityOpts } from "../../src/cli/container-args.ts";

interface Data { nr: number; arch: number; args?: number[] }

function run(program: readonly Insn[], d: Data): number {
  const mem = new DataView(new ArrayBuffer(64));
  mem.setInt32(0, d.nr, true);
  mem.setUint32(4, d.arch, true);
  (d.args ?? []).forEach((v, i) => mem.setBigUint64(DATA.argLow(i), BigInt(v), true));
  let a = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const p = program[pc]!;
    switch (p.code) {
      case OP.LD_W_ABS:
        if (p.k % 4 !== 0 || p.k > 60) throw new Error(`bad load at ${pc}`);
        a = mem.getUint32(p.k, true);
        break;
      case OP.JEQ_K: pc += a === p.k ? p.jt : p.jf; break;
      case OP.JGE_K: pc += a >>> 0 >= p.k ? p.jt : p.jf; break;
      case OP.JSET_K: pc += (a & p.k) !== 0 ? p.jt : p.jf; break;
      case OP.RET_K: return p.k;
      default: throw new Error(`unexpected opcode ${p.code} at ${pc}`);
    }
  }
  throw new Error("fell off the end of the program");
}

const EPERM = RET.errno(1), ENOSYS = RET.errno(38);
const x86 = (nr: number, ...args: number[]): Data => ({ nr, arch: AUDIT_ARCH.X86_64, args });
const arm = (nr: number, ...args: number[]): Data => ({ nr, arch: AUDIT_ARCH.AARCH64, args });

describe("classic BPF assembler", () => {
  test("exact bytes of a tiny profile", () => {
    const a = new Assembler().load(0).jump(OP.JEQ_K, 250, "deny").ret(RET.ALLOW).label("deny").ret(RET.errno(1));
    const bytes = encode(a.assemble());
    expect([...bytes]).toEqual([
      0x20, 0, 0, 0, 0, 0, 0, 0, // ld [0]
      0x15, 0, 1, 0, 250, 0, 0, 0, // jeq #250, jt 1, jf 0
      0x06, 0, 0, 0, 0, 0, 0xff, 0x7f, // ret ALLOW
      0x06, 0, 0, 0, 1, 0, 5, 0, // ret ERRNO(1)
    ]);
  });

  test("refuses backward, undefined and too far jumps", () => {
    expect(() => new Assembler().label("x").jump(OP.JEQ_K, 1, "x").assemble()).toThrow(/out of range/);
    expect(() => new Assembler().jump(OP.JEQ_K, 1, "nowhere").assemble()).toThrow(/undefined label/);
    const far = new Assembler().jump(OP.JEQ_K, 1, "end");
    for (let i = 0; i < 256; i++) far.ret(0);
    expect(() => far.label("end").ret(0).assemble()).toThrow(/out of range/);
  });
});

describe("syscall tables", () => {
  const header = (path: string) => {
    const nr = new Map<string, number>();
    for (const m of readFileSync(path, "utf8").matchAll(/^#define __NR3?2?_(\w+)\s+(\d+)\s*$/gm)) nr.set(m[1]!, Number(m[2]));
    return nr;
  };
  const check = (table: SyscallTable, nr: Map<string, number>) => {
    for (const name of [...DENIED, ...SPECIAL]) expect([name, table[name]]).toEqual([name, nr.get(name)]);
  };
  test("x86_64 matches asm/unistd_64.h", () => check(X86_64, header("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")));
  test.skipIf(!existsSync("/usr/include/asm-generic/unistd.h"))("aarch64 matches asm-generic/unistd.h", () =>
    check(AARCH64, header("/usr/include/asm-generic/unistd.h")));
});

describe("default profile", () => {
  const program = defaultProgram();

  test("fits the kernel's limits", () => {
    expect(program.length).toBeLessThan(4096);
    expect(encode(program).length).toBe(program.length * 8);
  });

  test("an unknown architecture is killed; x32 gets ENOSYS", () => {
    expect(run(program, { nr: 0, arch: 0x40000003 /* i386 */ }) >>> 0).toBe(RET.KILL_PROCESS);
    expect(run(program, x86(0x40000000 + 0))).toBe(ENOSYS);
    expect(run(program, x86(0x40000000 + 250))).toBe(ENOSYS);
  });

  test("denied syscalls get EPERM on both architectures, others are allowed", () => {
    for (const [table, data] of [[X86_64, x86], [AARCH64, arm]] as const) {
      for (const name of DENIED) if (table[name] !== undefined) expect([name, run(program, data(table[name]!))]).toEqual([name, EPERM]);
      expect(run(program, data(table.clone3!))).toBe(ENOSYS);
    }
    expect(run(program, x86(250))).toBe(EPERM); // keyctl
    expect(run(program, x86(0))).toBe(RET.ALLOW); // read
    expect(run(program, x86(59))).toBe(RET.ALLOW); // execve
    expect(run(program, arm(63))).toBe(RET.ALLOW); // read on aarch64
    expect(run(program, arm(250))).toBe(RET.ALLOW); // 250 is not keyctl on aarch64
  });

  test("clone with a namespace flag is EPERM, plain clone (fork, threads) is allowed", () => {
    const SIGCHLD = 17, CLONE_NEWUSER = 0x10000000, CLONE_NEWNET = 0x40000000, CLONE_NEWNS = 0x20000;
    const THREAD = 0x3d0f00; // glibc pthread_create's flags
    for (const f of [CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS]) {
      expect(run(program, x86(56, f | SIGCHLD))).toBe(EPERM);
      expect(run(program, arm(220, f | SIGCHLD))).toBe(EPERM);
    }
    expect(CLONE_NAMESPACE_FLAGS & THREAD).toBe(0);
    expect(run(program, x86(56, SIGCHLD))).toBe(RET.ALLOW);
    expect(run(program, x86(56, THREAD))).toBe(RET.ALLOW);
    expect(run(program, arm(220, SIGCHLD))).toBe(RET.ALLOW);
  });

  test("personality: only Docker's values", () => {
    for (const v of [0, 8, 0x20000, 0x20008, 0xffffffff]) expect(run(program, x86(135, v))).toBe(RET.ALLOW);
    expect(run(program, x86(135, 0x0040000 /* ADDR_NO_RANDOMIZE */))).toBe(EPERM);
    expect(run(program, arm(92, 0x0040000))).toBe(EPERM);
  });
});

describe("--security-opt", () => {
  test("seccomp=unconfined only", () => {
    expect(parseSecurityOpts([])).toBeUndefined();
    expect(parseSecurityOpts(["seccomp=unconfined"])).toBe(true);
    expect(() => parseSecurityOpts(["seccomp=/tmp/p.json"])).toThrow(/only seccomp=unconfined is supported/);
    expect(() => parseSecurityOpts(["no-new-privileges"])).toThrow(/only seccomp=unconfined is supported/);
  });
});
