// Docker-format seccomp profiles as users write them (parse + validation), `--security-opt` as Docker
// parses it, and the syscall tables against the installed kernel headers.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { parseDockerProfile, SeccompProfileError } from "../../src/seccomp/docker-profile.ts";
import { parseSecurityOpts } from "../../src/oci/security-opt.ts";
import { UserError } from "../../src/errors.ts";
import { DOCKER_DEFAULT_PROFILE } from "../../src/seccomp/default-profile.ts";
import { syscallTable, type SyscallTable } from "../../src/seccomp/tables.ts";
import { arm64Header, flatHeader, NEWER_THAN_HEADERS } from "../../scripts/gen-syscall-tables.ts";

describe("Docker profile JSON", () => {
  const parse = (v: unknown) => parseDockerProfile(typeof v === "string" ? v : JSON.stringify(v), "p.json");

  test("the full format: names/name, args, errnoRet, includes/excludes, archMap", () => {
    const p = parse({
      defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
      archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }, { architecture: "SCMP_ARCH_RISCV64", subArchitectures: null }],
      syscalls: [
        { names: ["read"], action: "SCMP_ACT_ALLOW", args: null, comment: "", includes: {}, excludes: {} },
        { name: "mkdir", action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }], excludes: { caps: ["CAP_SYS_ADMIN"], arches: ["s390x"] } },
        { names: ["ptrace"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "4.8" } },
      ],
    });
    expect(p.syscalls![1]!.names).toEqual(["mkdir"]);
    expect(p.syscalls![2]!.args).toEqual([{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }]);
    expect(p.archMap![1]!.subArchitectures).toEqual([]);
    // Docker's own default passes its own validation.
    expect(parse(DOCKER_DEFAULT_PROFILE)).toEqual(parse(JSON.parse(JSON.stringify(DOCKER_DEFAULT_PROFILE))));
  });

  test("each kind of mistake is one clear message", () => {
    const cases: [unknown, RegExp][] = [
      ["{ not json", /decoding seccomp profile p\.json failed/],
      ["[]", /the profile must be an object/],
      [{ syscalls: [] }, /defaultAction: unknown value undefined/],
      [{ defaultAction: "SCMP_ACT_NOPE" }, /defaultAction: unknown value "SCMP_ACT_NOPE"/],
      [{ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_Z80"] }, /architectures\[0\]: unknown value "SCMP_ARCH_Z80"/],
      [{ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"], archMap: [{ architecture: "SCMP_ARCH_X86_64" }] }, /both 'architectures' and 'archMap'/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "ALLOW" }] }, /syscalls\[0\]\.action: unknown value "ALLOW"/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_SAME" }] }] }, /args\[0\]\.op: unknown value "SCMP_CMP_SAME"/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 6, value: 1, op: "SCMP_CMP_EQ" }] }] }, /index must be an integer from 0 to 5/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: -1, op: "SCMP_CMP_EQ" }] }] }, /value must be a non-negative integer/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2 ** 60, op: "SCMP_CMP_EQ" }] }] }, /beyond 2\^53/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ name: "read", names: ["write"], action: "SCMP_ACT_ALLOW" }] }, /both 'name' and 'names'/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: [], action: "SCMP_ACT_ALLOW" }] }, /syscalls\[0\]: no syscall names/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: [1], action: "SCMP_ACT_ALLOW" }] }, /names\[0\] must be a string/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "4" } }] }, /invalid kernel version "4"/],
      [{ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 70000 }, /defaultErrnoRet must be an integer from 0 to 4095/],
      [{ defaultAction: "SCMP_ACT_ALLOW", syscalls: {} }, /syscalls must be an array/],
      [{ defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_NOPE"] }, /flags\[0\]: unknown value/],
    ];
    for (const [input, message] of cases) {
      let error: unknown;
      try { parse(input); } catch (e) { error = e; }
      expect([JSON.stringify(input), error instanceof SeccompProfileError]).toEqual([JSON.stringify(input), true]);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    }
  });
});

describe("--security-opt", () => {
  const files: Record<string, string> = {
    "/p/deny-mkdir.json": JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] }),
    "/p/bad.json": "{",
  };
  const read = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new UserError(`opening seccomp profile (${path}) failed: no such file or directory`);
    return text;
  };
  const parse = (...values: string[]) => parseSecurityOpts(values, read);

  test("none: the default profile, no no_new_privs", () => {
    expect(parse()).toEqual({ options: {}, warnings: [] });
  });

  test("seccomp=unconfined, builtin, a profile file; the last one wins", () => {
    expect(parse("seccomp=unconfined").options).toEqual({ seccompUnconfined: true, securityOpt: ["seccomp=unconfined"] });
    expect(parse("seccomp=builtin").options).toEqual({ securityOpt: ["seccomp=builtin"] });
    expect(parse("seccomp=/p/deny-mkdir.json").options.seccompProfile).toEqual({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] });
    expect(parse("seccomp=unconfined", "seccomp=/p/deny-mkdir.json").options.seccompUnconfined).toBeUndefined();
    const colon = parse("seccomp:unconfined");
    expect(colon.options.seccompUnconfined).toBe(true);
    expect(colon.warnings).toEqual([expect.stringMatching(/deprecated/)]);
  });

  test("no-new-privileges in all of Docker's forms", () => {
    for (const v of ["no-new-privileges", "no-new-privileges=true", "no-new-privileges=1", "no-new-privileges:true", "no-new-privileges=True"]) {
      expect([v, parse(v).options.noNewPrivileges]).toEqual([v, true]);
    }
    for (const v of ["no-new-privileges=false", "no-new-privileges:false", "no-new-privileges=0"]) expect([v, parse(v).options.noNewPrivileges]).toEqual([v, false]);
    expect(parse("no-new-privileges", "no-new-privileges=false").options.noNewPrivileges).toBe(false);
  });

  test("label and apparmor are accepted with a warning", () => {
    const r = parse("label=disable", "apparmor=unconfined");
    expect(r.options).toEqual({ securityOpt: ["label=disable", "apparmor=unconfined"] });
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/label=disable is ignored: minibox supports neither SELinux nor AppArmor/);
  });

  test("refusals carry Docker's messages", () => {
    const cases: [string, RegExp][] = [
      ["nonsense", /^invalid --security-opt 1: "nonsense"$/],
      ["foo=bar", /^invalid --security-opt 2: "foo=bar"$/],
      ["no-new-privileges=maybe", /^invalid --security-opt 2: "no-new-privileges=maybe"$/],
      ["seccomp=", /^invalid --security-opt: "seccomp="$/],
      ["seccomp=/p/missing.json", /^opening seccomp profile \(\/p\/missing\.json\) failed: no such file or directory$/],
      ["seccomp=/p/bad.json", /^decoding seccomp profile \/p\/bad\.json failed/],
    ];
    for (const [value, message] of cases) {
      expect(() => parse(value)).toThrow(UserError);
      expect(() => parse(value)).toThrow(message);
    }
  });

  test("a missing or unreadable file, through the real reader", () => {
    expect(() => parseSecurityOpts(["seccomp=/nonexistent/profile.json"])).toThrow(/opening seccomp profile \(\/nonexistent\/profile\.json\) failed: no such file or directory/);
    expect(() => parseSecurityOpts(["seccomp=/"])).toThrow(/opening seccomp profile \(\/\) failed: is a directory/);
  });
});

describe("syscall tables match the kernel headers", () => {
  const allNames = new Set(DOCKER_DEFAULT_PROFILE.syscalls!.flatMap((s) => s.names!));
  const check = (table: SyscallTable, header: Map<string, number>, offset = 0) => {
    for (const [name, nr] of table) {
      const want = header.get(name) ?? (NEWER_THAN_HEADERS[name] !== undefined ? NEWER_THAN_HEADERS[name]! + offset : undefined);
      if (name === "uretprobe") continue; // x86_64 only, newer than the headers: 335 (arch/x86/entry/syscalls/syscall_64.tbl)
      expect([name, nr]).toEqual([name, want!]);
    }
    // Every name of Docker's profile that the headers know is in the table.
    for (const name of allNames) if (header.has(name)) expect([name, table.get(name)]).toEqual([name, header.get(name)!]);
  };
  const inc = "/usr/include/x86_64-linux-gnu/asm";
  test.skipIf(!existsSync(`${inc}/unistd_64.h`))("x86_64 matches asm/unistd_64.h", () => check(syscallTable("x86_64"), flatHeader(`${inc}/unistd_64.h`)));
  test.skipIf(!existsSync(`${inc}/unistd_32.h`))("i386 matches asm/unistd_32.h", () => check(syscallTable("i386"), flatHeader(`${inc}/unistd_32.h`)));
  test.skipIf(!existsSync(`${inc}/unistd_x32.h`))("x32 matches asm/unistd_x32.h", () => check(syscallTable("x32"), flatHeader(`${inc}/unistd_x32.h`), 0x40000000));
  const gcc = Bun.which("gcc") !== null && existsSync("/usr/include/asm-generic/unistd.h");
  test.skipIf(!gcc)("aarch64 matches asm-generic/unistd.h with arm64's switches", () => check(syscallTable("aarch64"), arm64Header()));
  test("well-known numbers", () => {
    const [x86, arm, i386, x32] = [syscallTable("x86_64"), syscallTable("aarch64"), syscallTable("i386"), syscallTable("x32")];
    expect([x86.get("read"), x86.get("keyctl"), x86.get("clone3"), x86.get("uretprobe"), arm.get("read"), arm.get("clone"), arm.get("fcntl"), i386.get("socketcall"), x32.get("read")]).toEqual(
      [0, 250, 435, 335, 63, 220, 25, 102, 0x40000000]);
  });
});
