// seccomp profiles compiled to classic BPF and *run* (test/unit/seccomp-bpf.ts interprets the program
// over struct seccomp_data), so Docker's default profile, its capability and kernel conditionals, argument
// filters, the ENOSYS stub and Docker-format JSON profiles are checked without the kernel.
import { describe, expect, test } from "bun:test";
import { Assembler, encode, MAX_INSNS, OP, type Insn } from "../../src/seccomp/cbpf.ts";
import { compileSeccomp } from "../../src/seccomp/compile.ts";
import { resolveProfile } from "../../src/seccomp/resolve.ts";
import { DOCKER_DEFAULT_PROFILE } from "../../src/seccomp/default-profile.ts";
import { AUDIT_ARCH, RET, X32_SYSCALL_BIT } from "../../src/seccomp/names.ts";
import { syscallTable } from "../../src/seccomp/tables.ts";

const X86_64 = syscallTable("x86_64"), I386 = syscallTable("i386"), X32 = syscallTable("x32"), AARCH64 = syscallTable("aarch64");
import { DEFAULT_CAPABILITIES } from "../../src/oci/defaults.ts";
import type { Seccomp } from "../../src/oci/spec.ts";
import { runFilter } from "./seccomp-bpf.ts";

const EPERM = RET.errno(1), ENOSYS = RET.errno(38), ALLOW = RET.ALLOW;

function defaultProgram(opts: { caps?: readonly string[]; kernel?: string; arch?: "x64" | "arm64" } = {}): Insn[] {
  const arch = opts.arch ?? "x64";
  const spec = resolveProfile(DOCKER_DEFAULT_PROFILE, {
    capabilities: opts.caps ?? DEFAULT_CAPABILITIES, arch: arch === "x64" ? "amd64" : "arm64", kernelRelease: opts.kernel ?? "6.18.4-generic",
  });
  return compileSeccomp(spec, arch);
}

/** Runs `name(args)` on one ABI of a program. */
function callOn(program: Insn[], abi: "x86_64" | "i386" | "x32" | "aarch64") {
  const table = { x86_64: X86_64, i386: I386, x32: X32, aarch64: AARCH64 }[abi];
  const arch = { x86_64: AUDIT_ARCH.X86_64, i386: AUDIT_ARCH.I386, x32: AUDIT_ARCH.X86_64, aarch64: AUDIT_ARCH.AARCH64 }[abi];
  return (name: string, ...args: (number | bigint)[]) => {
    const nr = table.get(name);
    if (nr === undefined) throw new Error(`${name} is not in the ${abi} table`);
    return runFilter(program, { nr, arch, args });
  };
}

describe("classic BPF assembler", () => {
  test("exact bytes of a tiny program", () => {
    const a = new Assembler().load(0).jump(OP.JEQ_K, 250, "deny").ret(RET.ALLOW).label("deny").ret(RET.errno(1));
    expect([...encode(a.assemble())]).toEqual([
      0x20, 0, 0, 0, 0, 0, 0, 0, // ld [0]
      0x15, 0, 1, 0, 250, 0, 0, 0, // jeq #250, jt 1, jf 0
      0x06, 0, 0, 0, 0, 0, 0xff, 0x7f, // ret ALLOW
      0x06, 0, 0, 0, 1, 0, 5, 0, // ret ERRNO(1)
    ]);
  });

  test("refuses backward and undefined jumps", () => {
    expect(() => new Assembler().label("x").jump(OP.JEQ_K, 1, "x").assemble()).toThrow(/back to x/);
    expect(() => new Assembler().jump(OP.JEQ_K, 1, "nowhere").assemble()).toThrow(/undefined label/);
  });

  test("a target more than 255 instructions away is reached through a ja", () => {
    const a = new Assembler().load(0).jump(OP.JEQ_K, 7, "far", "near").label("near");
    for (let i = 0; i < 300; i++) a.ret(1000 + i);
    a.label("far").ret(42);
    const program = a.assemble();
    expect(program.some((p) => p.code === OP.JA)).toBe(true);
    expect(runFilter(program, { nr: 7, arch: 0 })).toBe(42);
    expect(runFilter(program, { nr: 8, arch: 0 })).toBe(1000);
    // Both sides far.
    const both = new Assembler().load(0).jump(OP.JEQ_K, 7, "yes", "no");
    for (let i = 0; i < 300; i++) both.ret(1000 + i);
    both.label("yes").ret(1).label("no").ret(2);
    expect(runFilter(both.assemble(), { nr: 7, arch: 0 })).toBe(1);
    expect(runFilter(both.assemble(), { nr: 8, arch: 0 })).toBe(2);
    // A cascade: each widened jump pushes the targets of the jumps before it further away.
    const b = new Assembler().load(0);
    for (let i = 0; i < 60; i++) b.jump(OP.JEQ_K, i, `t${i}`);
    b.ret(2);
    for (let i = 0; i < 60; i++) {
      b.label(`t${i}`);
      for (let j = 0; j < 5; j++) b.ret(100 + i);
    }
    const cascade = b.assemble();
    for (const nr of [0, 1, 30, 59]) expect(runFilter(cascade, { nr, arch: 0 })).toBe(100 + nr);
    expect(runFilter(cascade, { nr: 60, arch: 0 })).toBe(2);
  });
});

describe("Docker's default profile on x86_64", () => {
  const program = defaultProgram();
  const x86 = callOn(program, "x86_64");

  test("fits the kernel's limit", () => {
    expect(program.length).toBeLessThanOrEqual(MAX_INSNS);
  });

  test("allows ordinary work", () => {
    for (const name of ["read", "write", "openat", "execve", "exit_group", "mmap", "futex", "rt_sigaction", "wait4", "statx", "close_range", "chown", "setresuid", "capset", "prctl", "seccomp"]) {
      expect([name, x86(name)]).toEqual([name, ALLOW]);
    }
  });

  test("refuses with EPERM what it does not list, and what needs a capability the container lacks", () => {
    for (const name of ["keyctl", "add_key", "request_key", "kexec_load", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
      "mount", "umount2", "unshare", "setns", "pivot_root", "open_by_handle_at", "init_module", "reboot", "swapon", "settimeofday",
      "clock_settime", "acct", "kcmp", "pidfd_getfd", "syslog", "iopl", "vhangup", "chroot" /* the default caps include SYS_CHROOT */]) {
      expect([name, x86(name)]).toEqual([name, name === "chroot" ? ALLOW : EPERM]);
    }
  });

  test("clone: no namespace flags without CAP_SYS_ADMIN; clone3 is ENOSYS so libc falls back", () => {
    const SIGCHLD = 17, THREAD = 0x3d0f00;
    expect(x86("clone", SIGCHLD)).toBe(ALLOW);
    expect(x86("clone", THREAD)).toBe(ALLOW);
    for (const flag of [0x10000000 /* NEWUSER */, 0x40000000 /* NEWNET */, 0x20000 /* NEWNS */, 0x02000000 /* NEWCGROUP */, 0x20000000 /* NEWPID */]) {
      expect(x86("clone", flag | SIGCHLD)).toBe(EPERM);
    }
    // The mask compares all 64 bits: high bits set do not hide the namespace flag, and alone do not matter.
    expect(x86("clone", (1n << 40n) | BigInt(SIGCHLD))).toBe(ALLOW);
    expect(x86("clone3")).toBe(ENOSYS);
    const admin = callOn(defaultProgram({ caps: [...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"] }), "x86_64");
    expect(admin("clone", 0x10000000 | SIGCHLD)).toBe(ALLOW);
    expect(admin("clone3")).toBe(ALLOW);
    expect(admin("mount")).toBe(ALLOW);
    expect(admin("setns")).toBe(ALLOW);
  });

  test("personality: only Docker's five values", () => {
    for (const v of [0, 8, 0x20000, 0x20008, 0xffffffff]) expect(x86("personality", v)).toBe(ALLOW);
    for (const v of [0x0040000 /* ADDR_NO_RANDOMIZE */, 0x0400000 /* READ_IMPLIES_EXEC */, 0x1_0000_0000]) expect(x86("personality", v)).toBe(EPERM);
  });

  test("socket: AF_ALG (38) and AF_VSOCK (40) are refused, other families allowed", () => {
    for (const family of [1, 2, 10, 16, 17, 37, 39, 41, 44]) expect([family, x86("socket", family, 1, 0)]).toEqual([family, ALLOW]);
    expect(x86("socket", 38, 5, 0)).toBe(EPERM);
    expect(x86("socket", 40, 1, 0)).toBe(EPERM);
  });

  test("capability conditionals follow the bounding set", () => {
    const withCaps = (...caps: string[]) => callOn(defaultProgram({ caps: [...DEFAULT_CAPABILITIES, ...caps] }), "x86_64");
    expect(withCaps("CAP_SYS_PTRACE")("kcmp")).toBe(ALLOW);
    expect(withCaps("CAP_SYS_PTRACE")("pidfd_getfd")).toBe(ALLOW);
    expect(withCaps("CAP_SYS_BOOT")("reboot")).toBe(ALLOW);
    expect(withCaps("CAP_SYS_TIME")("settimeofday")).toBe(ALLOW);
    expect(withCaps("CAP_SYS_MODULE")("finit_module")).toBe(ALLOW);
    expect(withCaps("CAP_BPF")("bpf")).toBe(ALLOW);
    expect(withCaps("CAP_DAC_READ_SEARCH")("open_by_handle_at")).toBe(ALLOW);
    expect(withCaps("CAP_SYS_NICE")("mbind")).toBe(ALLOW);
    // Without CAP_SYS_CHROOT, chroot is refused.
    const noChroot = callOn(defaultProgram({ caps: DEFAULT_CAPABILITIES.filter((c) => c !== "CAP_SYS_CHROOT") }), "x86_64");
    expect(noChroot("chroot")).toBe(EPERM);
  });

  test("ptrace and process_vm_* from kernel 4.8 on, before that only with CAP_SYS_PTRACE", () => {
    for (const name of ["ptrace", "process_vm_readv", "process_vm_writev"]) {
      expect(x86(name)).toBe(ALLOW);
      expect(callOn(defaultProgram({ kernel: "4.4.0-210-generic" }), "x86_64")(name)).toBe(EPERM);
      expect(callOn(defaultProgram({ kernel: "4.4.0", caps: ["CAP_SYS_PTRACE"] }), "x86_64")(name)).toBe(ALLOW);
    }
  });

  test("numbers above every syscall the profile names get ENOSYS; unlisted ones below, EPERM", () => {
    const top = Math.max(...DOCKER_DEFAULT_PROFILE.syscalls!.flatMap((s) => s.names!).map((n) => X86_64.get(n) ?? -1));
    expect(top).toBeGreaterThanOrEqual(466);
    for (const nr of [top + 1, 500, 1000, 0x3fffffff]) expect([nr, runFilter(program, { nr, arch: AUDIT_ARCH.X86_64 })]).toEqual([nr, ENOSYS]);
    expect(runFilter(program, { nr: 400, arch: AUDIT_ARCH.X86_64 })).toBe(EPERM); // in the gap 336–423
    // nr -1 (0xffffffff) carries the x32 bit: above every x32 number, so ENOSYS too.
    expect(runFilter(program, { nr: -1, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
  });

  test("i386 and x32 processes are filtered with their own numbers; other architectures are killed", () => {
    const i386 = callOn(program, "i386");
    expect(i386("read")).toBe(ALLOW);
    expect(i386("socketcall")).toBe(ALLOW);
    expect(i386("keyctl")).toBe(EPERM);
    expect(i386("clone", 0x10000000)).toBe(EPERM);
    expect(i386("clone3")).toBe(ENOSYS);
    expect(I386.get("keyctl")).not.toBe(X86_64.get("keyctl"));
    const x32 = callOn(program, "x32");
    expect(x32("read")).toBe(ALLOW);
    expect(x32("keyctl")).toBe(EPERM);
    expect(runFilter(program, { nr: X32_SYSCALL_BIT + 5000, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
    expect(runFilter(program, { nr: 0, arch: AUDIT_ARCH.AARCH64 })).toBe(RET.KILL_PROCESS);
    expect(runFilter(program, { nr: 0, arch: AUDIT_ARCH.ARM })).toBe(RET.KILL_PROCESS);
  });
});

describe("Docker's default profile on aarch64", () => {
  const program = defaultProgram({ arch: "arm64" });
  const arm = callOn(program, "aarch64");
  test("its own numbers; clone, clone3, personality rules as on x86_64", () => {
    expect(arm("read")).toBe(ALLOW);
    expect(arm("keyctl")).toBe(EPERM);
    expect(arm("clone", 17)).toBe(ALLOW);
    expect(arm("clone", 0x10000000 | 17)).toBe(EPERM);
    expect(arm("clone3")).toBe(ENOSYS);
    expect(arm("personality", 0x40000)).toBe(EPERM);
    expect(runFilter(program, { nr: 1000, arch: AUDIT_ARCH.AARCH64 })).toBe(ENOSYS);
    expect(runFilter(program, { nr: X86_64.get("read")!, arch: AUDIT_ARCH.X86_64 })).toBe(RET.KILL_PROCESS);
  });
});

describe("custom profiles", () => {
  const compile = (s: Seccomp) => compileSeccomp(s, "x64");
  const x86 = (program: Insn[], name: string, ...args: (number | bigint)[]) => runFilter(program, { nr: X86_64.get(name)!, arch: AUDIT_ARCH.X86_64, args });

  test("a deny-list: defaultAction ALLOW, mkdir gets EACCES; no ENOSYS stub", () => {
    const p = compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] });
    expect(x86(p, "mkdir")).toBe(RET.errno(13));
    expect(x86(p, "mkdirat")).toBe(RET.errno(13));
    expect(x86(p, "read")).toBe(ALLOW);
    expect(runFilter(p, { nr: 1000, arch: AUDIT_ARCH.X86_64 })).toBe(ALLOW);
  });

  test("an allow-list: defaultAction ERRNO with defaultErrnoRet", () => {
    const p = compile({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 13, syscalls: [{ names: ["read", "write", "exit_group", "not_a_syscall"], action: "SCMP_ACT_ALLOW" }] });
    expect(x86(p, "read")).toBe(ALLOW);
    expect(x86(p, "open")).toBe(RET.errno(13));
    expect(runFilter(p, { nr: 1000, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
    // ERRNO without errnoRet is EPERM.
    expect(runFilter(compile({ defaultAction: "SCMP_ACT_ERRNO" }), { nr: 0, arch: AUDIT_ARCH.X86_64 })).toBe(EPERM);
  });

  test("only the native architecture unless others are listed: x32 and i386 are killed", () => {
    const p = compile({ defaultAction: "SCMP_ACT_ALLOW" });
    expect(runFilter(p, { nr: 0, arch: AUDIT_ARCH.X86_64 })).toBe(ALLOW);
    expect(runFilter(p, { nr: X32_SYSCALL_BIT, arch: AUDIT_ARCH.X86_64 })).toBe(RET.KILL_PROCESS);
    expect(runFilter(p, { nr: 3, arch: AUDIT_ARCH.I386 })).toBe(RET.KILL_PROCESS);
    const listed = compile({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86", "SCMP_ARCH_S390X"] });
    expect(runFilter(listed, { nr: 3, arch: AUDIT_ARCH.I386 })).toBe(ALLOW);
    expect(runFilter(listed, { nr: X32_SYSCALL_BIT, arch: AUDIT_ARCH.X86_64 })).toBe(RET.KILL_PROCESS);
  });

  test("every action's return value", () => {
    const actions: [string, number | undefined, number][] = [
      ["SCMP_ACT_KILL", undefined, 0], ["SCMP_ACT_KILL_THREAD", undefined, 0], ["SCMP_ACT_KILL_PROCESS", undefined, 0x80000000],
      ["SCMP_ACT_TRAP", undefined, 0x00030000], ["SCMP_ACT_TRACE", 7, 0x7ff00007], ["SCMP_ACT_TRACE", undefined, 0x7ff00001],
      ["SCMP_ACT_LOG", undefined, 0x7ffc0000], ["SCMP_ACT_ERRNO", 95, 0x0005005f], ["SCMP_ACT_ALLOW", undefined, 0x7fff0000],
    ];
    for (const [action, errnoRet, want] of actions) {
      const p = compile({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["getpid"], action, ...(errnoRet === undefined ? {} : { errnoRet }) }] });
      expect([action, x86(p, "getpid")]).toEqual([action, want]);
    }
    expect(() => compile({ defaultAction: "SCMP_ACT_NOPE" })).toThrow(/unknown seccomp action/);
  });

  test("every comparison on full 64-bit arguments", () => {
    const big = 0x1_0000_0005; // high word 1, low word 5
    const cases: [string, number, (number | bigint)[], (number | bigint)[]][] = [
      // op, value, args that match, args that do not
      ["SCMP_CMP_EQ", big, [big], [5, 0x2_0000_0005, big + 1]],
      ["SCMP_CMP_NE", big, [5, 0x2_0000_0005, big + 1, 0], [big]],
      ["SCMP_CMP_GT", big, [big + 1, 0x2_0000_0000, 0xffffffffffffffffn], [big, 5, 0xffffffff, 0x1_0000_0004]],
      ["SCMP_CMP_GE", big, [big, big + 1, 0x2_0000_0000], [5, 0xffffffff, 0x1_0000_0004]],
      ["SCMP_CMP_LT", big, [5, 0xffffffff, 0x1_0000_0004, 0], [big, big + 1, 0x2_0000_0000]],
      ["SCMP_CMP_LE", big, [big, 5, 0x1_0000_0004], [big + 1, 0x2_0000_0000]],
    ];
    for (const [op, value, yes, no] of cases) {
      const p = compile({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["ioctl"], action: "SCMP_ACT_ALLOW", args: [{ index: 1, value, op }] }] });
      for (const v of yes) expect([op, String(v), x86(p, "ioctl", 3, v)]).toEqual([op, String(v), ALLOW]);
      for (const v of no) expect([op, String(v), x86(p, "ioctl", 3, v)]).toEqual([op, String(v), EPERM]);
    }
    // MASKED_EQ: (arg & value) == valueTwo, both words.
    const masked = compile({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["ioctl"], action: "SCMP_ACT_ALLOW", args: [{ index: 2, value: 0x1_0000_00f0, valueTwo: 0x1_0000_0010, op: "SCMP_CMP_MASKED_EQ" }] }] });
    expect(x86(masked, "ioctl", 0, 0, 0x1_0000_0010)).toBe(ALLOW);
    expect(x86(masked, "ioctl", 0, 0, 0xff_0000_ff1f)).toBe(ALLOW);
    expect(x86(masked, "ioctl", 0, 0, 0x0_0000_0010)).toBe(EPERM);
    expect(x86(masked, "ioctl", 0, 0, 0x1_0000_0020)).toBe(EPERM);
  });

  test("several conditions are AND; one argument named twice is OR (runc); an unconditional rule wins", () => {
    const and = compile({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2, op: "SCMP_CMP_EQ" }, { index: 1, value: 1, op: "SCMP_CMP_EQ" }] }] });
    expect(x86(and, "socket", 2, 1)).toBe(ALLOW);
    expect(x86(and, "socket", 2, 2)).toBe(EPERM);
    expect(x86(and, "socket", 1, 1)).toBe(EPERM);
    const or = compile({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }, { index: 0, value: 2, op: "SCMP_CMP_EQ" }] }] });
    expect(x86(or, "socket", 1)).toBe(ALLOW);
    expect(x86(or, "socket", 2)).toBe(ALLOW);
    expect(x86(or, "socket", 3)).toBe(EPERM);
    const wins = compile({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [
      { names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: 13, args: [{ index: 0, value: 2, op: "SCMP_CMP_EQ" }] },
      { names: ["socket"], action: "SCMP_ACT_ALLOW" },
    ] });
    expect(x86(wins, "socket", 2)).toBe(ALLOW);
  });

  test("a profile too big for the kernel is refused", () => {
    const syscalls = Array.from({ length: 1000 }, (_, i) => ({ names: ["ioctl"], action: "SCMP_ACT_ALLOW", args: [{ index: 1, value: i, op: "SCMP_CMP_EQ" }] }));
    expect(() => compile({ defaultAction: "SCMP_ACT_ERRNO", syscalls })).toThrow(/more than the kernel's 4096/);
  });
});

describe("resolving Docker profiles", () => {
  const ctx = { capabilities: ["CAP_A"], arch: "amd64", kernelRelease: "5.10.0-1-amd64" };
  test("includes and excludes on caps, arches and minKernel; archMap picks the native entry", () => {
    const r = resolveProfile({
      defaultAction: "SCMP_ACT_ERRNO",
      archMap: [{ architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] }, { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }],
      syscalls: [
        { names: ["a"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_A"] } },
        { names: ["b"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_A", "CAP_B"] } },
        { names: ["c"], action: "SCMP_ACT_ALLOW", excludes: { caps: ["CAP_B", "CAP_A"] } },
        { names: ["d"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64", "x32"] } },
        { names: ["e"], action: "SCMP_ACT_ALLOW", includes: { arches: ["arm64"] } },
        { names: ["f"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "5.10" } },
        { names: ["g"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "5.11" } },
        { names: ["h"], action: "SCMP_ACT_ALLOW", excludes: { minKernel: "4.8" } },
        { name: "i", action: "SCMP_ACT_ERRNO", errnoRet: 38, args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] },
      ],
    }, ctx);
    expect(r.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]);
    expect(r.syscalls!.map((s) => s.names[0])).toEqual(["a", "d", "f", "i"]);
    expect(r.syscalls![3]).toEqual({ names: ["i"], action: "SCMP_ACT_ERRNO", errnoRet: 38, args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }] });
  });

  test("Docker's default with the default capabilities: clone is masked, clone3 ENOSYS, no admin syscalls", () => {
    const r = resolveProfile(DOCKER_DEFAULT_PROFILE, { capabilities: DEFAULT_CAPABILITIES, arch: "amd64", kernelRelease: "6.1.0" });
    expect(r.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(r.defaultErrnoRet).toBe(1);
    expect(r.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    expect(r.syscalls!.find((s) => s.names.includes("clone"))).toEqual({ names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2114060288, op: "SCMP_CMP_MASKED_EQ" }] });
    expect(r.syscalls!.find((s) => s.names.includes("clone3"))).toEqual({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 });
    expect(r.syscalls!.some((s) => s.names.includes("mount"))).toBe(false);
    expect(r.syscalls!.some((s) => s.names.includes("chroot"))).toBe(true);
  });
});

// Differential check of the code generator: random profiles, compiled and run, against a direct reading
// of the semantics (compile.ts's header) evaluated with BigInt. A seeded generator keeps failures repeatable.
describe("random profiles agree with a reference evaluator", () => {
  const OPS = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"];
  const ACTS: [string, number | undefined][] = [["SCMP_ACT_ALLOW", undefined], ["SCMP_ACT_ERRNO", undefined], ["SCMP_ACT_ERRNO", 13], ["SCMP_ACT_KILL_PROCESS", undefined], ["SCMP_ACT_LOG", undefined], ["SCMP_ACT_TRAP", undefined]];
  const NAMES = ["read", "write", "openat", "ioctl", "socket", "clone", "mmap", "kill", "prctl", "setns", "keyctl", "getpid", "uname", "statx"];
  const VALUES = [0n, 1n, 2n, 5n, 0xffn, 0x7fffffffn, 0xffffffffn, 0x100000000n, 0x100000005n, 0x1fffffffffffffn];

  function rng(seed: number) {
    let s = seed >>> 0;
    return (n: number) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % n; };
  }

  function holds(op: string, arg: bigint, value: bigint, valueTwo: bigint, wide: boolean): boolean {
    const cut = (x: bigint) => (wide ? x : x & 0xffffffffn);
    const [a, v, v2] = [cut(arg), cut(value), cut(valueTwo)];
    switch (op) {
      case "SCMP_CMP_NE": return a !== v;
      case "SCMP_CMP_LT": return a < v;
      case "SCMP_CMP_LE": return a <= v;
      case "SCMP_CMP_EQ": return a === v;
      case "SCMP_CMP_GE": return a >= v;
      case "SCMP_CMP_GT": return a > v;
      default: return (a & v) === v2;
    }
  }

  function reference(s: Seccomp, table: ReadonlyMap<string, number>, nr: number, args: bigint[], wide: boolean): number {
    const def = s.defaultAction === "SCMP_ACT_ERRNO" ? RET.errno(s.defaultErrnoRet ?? 1) : RET.ALLOW;
    const value = (a: string, e?: number) => ({ SCMP_ACT_ALLOW: RET.ALLOW, SCMP_ACT_ERRNO: RET.errno(e ?? 1), SCMP_ACT_KILL_PROCESS: RET.KILL_PROCESS, SCMP_ACT_LOG: RET.LOG, SCMP_ACT_TRAP: RET.TRAP })[a]!;
    const mine = (s.syscalls ?? []).filter((c) => c.names.some((n) => table.get(n) === nr));
    const unconditional = mine.find((c) => !c.args?.length);
    if (unconditional) return value(unconditional.action, unconditional.errnoRet);
    for (const c of mine) {
      const conds = c.args!;
      const split = new Set(conds.map((x) => x.index)).size !== conds.length;
      const ok = (x: (typeof conds)[number]) => holds(x.op, args[x.index]!, BigInt(x.value), BigInt(x.valueTwo ?? 0), wide);
      if (split ? conds.some(ok) : conds.every(ok)) return value(c.action, c.errnoRet);
    }
    if (mine.length) return def;
    const max = Math.max(...(s.syscalls ?? []).flatMap((c) => c.names.map((n) => table.get(n) ?? -1)));
    return nr > max && s.defaultAction === "SCMP_ACT_ERRNO" && max >= 0 ? ENOSYS : def;
  }

  test("300 profiles × 40 calls on x86_64 and i386", () => {
    const r = rng(20261130);
    for (let round = 0; round < 300; round++) {
      const syscalls = Array.from({ length: 1 + r(8) }, () => {
        const [action, errnoRet] = ACTS[r(ACTS.length)]!;
        const args = Array.from({ length: r(3) }, () => ({ index: r(3), value: Number(VALUES[r(VALUES.length)]!), valueTwo: Number(VALUES[r(VALUES.length)]!), op: OPS[r(OPS.length)]! }));
        return { names: [NAMES[r(NAMES.length)]!, NAMES[r(NAMES.length)]!], action, ...(errnoRet === undefined ? {} : { errnoRet }), ...(args.length ? { args } : {}) };
      });
      const s: Seccomp = { defaultAction: r(2) ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW", defaultErrnoRet: r(2) ? 1 : 22, architectures: ["SCMP_ARCH_X86"], syscalls };
      const program = compileSeccomp(s, "x64");
      for (const [table, arch, wide] of [[X86_64, AUDIT_ARCH.X86_64, true], [I386, AUDIT_ARCH.I386, false]] as const) {
        for (let call = 0; call < 20; call++) {
          const name = NAMES[r(NAMES.length)]!;
          const nr = r(4) === 0 ? 300 + r(400) : table.get(name)!;
          const args = [VALUES[r(VALUES.length)]!, VALUES[r(VALUES.length)]! + BigInt(r(3)), VALUES[r(VALUES.length)]!];
          const data = { nr, arch, args: wide ? args : args.map((a) => a & 0xffffffffn) };
          const want = reference(s, table, nr, data.args, wide);
          const got = runFilter(program, data);
          if (got !== want) throw new Error(`round ${round}: ${JSON.stringify(s)} nr ${nr} args ${data.args} → ${got.toString(16)}, want ${want.toString(16)}`);
        }
      }
    }
  });
});
