// seccomp through the compiled binary, as root on the real kernel: Docker's default allow-list profile on
// every container (and every `exec`), Docker-format JSON profiles, no-new-privileges, and the refusals.
// Where a syscall has no busybox applet, a tiny static C program (built here with gcc, bind-mounted
// read-only) makes it directly and prints the result; without gcc those tests are skipped, saying so.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { T, useRunSandbox } from "./run-helpers.ts";
import { DOCKER_DEFAULT_PROFILE } from "../../src/seccomp/default-profile.ts";

const ctx = useRunSandbox("minibox-e2e-seccomp-");
const { run, ok } = ctx;

const STATUS = "grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs):' /proc/self/status";

const PROBE_C = `#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* sc NR [ARG...]: makes syscall NR and prints "OK" or the errno's name. */
int main(int argc, char **argv) {
  long a[6] = {0};
  for (int i = 2; i < argc && i < 8; i++) a[i - 2] = strtol(argv[i], NULL, 0);
  long r = syscall(strtol(argv[1], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
  printf("%s\\n", r == -1 ? strerrorname_np(errno) : "OK");
  return 0;
}
`;
/** Built once at load time, so that a missing compiler shows as a skipped test with its reason. */
const { dir: probeDir, missing: probeMissing } = buildProbe();
afterAll(() => { if (probeDir) rmSync(probeDir, { recursive: true, force: true }); });

function buildProbe(): { dir?: string; missing: string } {
  if (process.arch !== "x64") return { missing: "the probe's syscall numbers are x86_64's" };
  if (!Bun.which("gcc")) return { missing: "gcc is not installed" };
  const dir = mkdtempSync(join(tmpdir(), "minibox-e2e-seccomp-probe-"));
  writeFileSync(join(dir, "sc.c"), PROBE_C);
  const r = Bun.spawnSync(["gcc", "-static", "-O1", "-o", join(dir, "sc"), join(dir, "sc.c")], { stderr: "pipe" });
  if (r.exitCode === 0) return { dir, missing: "" };
  rmSync(dir, { recursive: true, force: true });
  return { missing: `gcc -static failed: ${r.stderr.toString().trim().split("\n").pop()}` };
}

/** Runs the probe for each call ("NR ARG…") in one container; returns one result per call. */
async function probe(calls: string[], opts: string[] = []): Promise<string[]> {
  const script = calls.map((c) => `/probe/sc ${c}`).join("; ");
  const out = await ok(["--rm", "-v", `${probeDir}:/probe:ro`, ...opts, "busybox", "sh", "-c", script]);
  return out.trim().split("\n");
}

function profileFile(name: string, profile: unknown): string {
  const path = join(ctx.base, name);
  writeFileSync(path, typeof profile === "string" ? profile : JSON.stringify(profile));
  return path;
}

describe("Docker's default profile", () => {
  test("the command runs in filter mode with one filter, and ordinary busybox work succeeds", async () => {
    expect(await ok(["--rm", "busybox", "sh", "-c", STATUS])).toBe("NoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\n");
    const out = await ok(["--rm", "busybox", "sh", "-c",
      "ls / >/dev/null && ps >/dev/null && top -b -n1 >/dev/null && date >/dev/null && (echo sub) | cat && mkdir /tmp/d && echo done"]);
    expect(out).toBe("sub\ndone\n");
  }, T);

  // unshare -U needs no capability: only the filter stands in its way.
  test("new namespaces and mount are refused with EPERM", async () => {
    const out = await ok(["--rm", "busybox", "sh", "-c",
      "unshare -U true 2>&1; echo rc=$?; unshare -n true 2>&1; echo rc=$?; mount -t tmpfs none /mnt 2>&1; echo rc=$?"]);
    expect(out).toMatch(/unshare\(0x10000000\): Operation not permitted\nrc=1\n/);
    expect(out).toMatch(/unshare\(0x40000000\): Operation not permitted\nrc=1\n/);
    expect(out).toMatch(/mount: permission denied.*\nrc=1\n$/);
    expect(out).not.toContain("rc=0");
  }, T);

  test.skipIf(!probeDir)(`syscalls: clone3 and those newer than the profile get ENOSYS, the unlisted EPERM, socket and personality filtered${probeDir ? "" : ` (skipped: ${probeMissing})`}`, async () => {
    const calls = [
      "435", // clone3(NULL, 0): ENOSYS from the filter (the kernel would say EINVAL/EFAULT)
      "467", // open_tree_attr (6.15), newer than the profile: ENOSYS (the kernel would say EFAULT/EBADF)
      "250 0 0", // keyctl: not in the allow-list
      "312", // kcmp: needs CAP_SYS_PTRACE
      "41 40 1 0", // socket(AF_VSOCK)
      "41 38 5 0", // socket(AF_ALG)
      "41 1 1 0", // socket(AF_UNIX, SOCK_STREAM)
      "135 0x40000", // personality(ADDR_NO_RANDOMIZE)
      "135 0xffffffff", // personality query
      "39", // getpid
    ];
    expect(await probe(calls)).toEqual(["ENOSYS", "ENOSYS", "EPERM", "EPERM", "EPERM", "EPERM", "OK", "EPERM", "OK", "OK"]);
    // The same calls without a filter: every refusal above was the filter's.
    const unconfined = await probe(calls, ["--security-opt", "seccomp=unconfined"]);
    expect(unconfined[0]).not.toBe("ENOSYS");
    expect(unconfined[1]).not.toBe("ENOSYS");
    expect(unconfined[2]).not.toBe("EPERM");
    expect(unconfined[4]).not.toBe("EPERM");
  }, T);

  test("--security-opt seccomp=unconfined runs without a filter; seccomp=builtin is the default", async () => {
    expect(await ok(["--rm", "--security-opt", "seccomp=unconfined", "busybox", "sh", "-c", "grep '^Seccomp:' /proc/self/status"])).toBe("Seccomp:\t0\n");
    expect(await ok(["--rm", "--security-opt", "seccomp=builtin", "busybox", "sh", "-c", "grep '^Seccomp:' /proc/self/status; unshare -U true 2>&1; true"]))
      .toMatch(/^Seccomp:\t2\n.*Operation not permitted/s);
  }, T);

  test("exec into a default container gets the same filter; into an unconfined one, none", async () => {
    for (const [name, opts, mode] of [["exec-default", [], "2"], ["exec-unconfined", ["--security-opt", "seccomp=unconfined"], "0"]] as const) {
      await ok(["-d", "--name", name, ...opts, "busybox", "sh", "-c", "sleep 1000; true"]);
      try {
        const r = await ctx.sb.run(["exec", name, "sh", "-c", "grep '^Seccomp:' /proc/self/status"]);
        expect([name, r.code, r.stdout]).toEqual([name, 0, `Seccomp:\t${mode}\n`]);
        if (mode === "2") {
          const u = await ctx.sb.run(["exec", name, "unshare", "-U", "true"]);
          expect(u.code).not.toBe(0);
          expect(u.stderr).toMatch(/Operation not permitted/);
        }
      } finally {
        await ctx.sb.run(["rm", "-f", name]);
      }
    }
  }, T);
});

describe("Docker-format profiles", () => {
  test("a deny-list that refuses mkdir with EACCES", async () => {
    const path = profileFile("deny-mkdir.json", {
      defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }],
    });
    const r = await run(["--rm", "--security-opt", `seccomp=${path}`, "busybox", "sh", "-c", "mkdir /tmp/x; echo rc=$?; touch /tmp/f && echo touched"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("rc=1\ntouched\n");
    expect(r.stderr).toMatch(/mkdir: can't create directory '\/tmp\/x': Permission denied/);
  }, T);

  test("an allow-list with defaultAction SCMP_ACT_ERRNO: what it lists works, the rest gets EPERM", async () => {
    const names = DOCKER_DEFAULT_PROFILE.syscalls![0]!.names!.filter((n) => n !== "mkdir" && n !== "mkdirat");
    const path = profileFile("allow-list.json", {
      defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
      // A static binary's libc needs arch_prctl (an arch-conditional rule in Docker's profile) to set up TLS.
      syscalls: [{ names: [...names, "clone", "arch_prctl"], action: "SCMP_ACT_ALLOW" }],
    });
    const r = await run(["--rm", "--security-opt", `seccomp=${path}`, "busybox", "sh", "-c", "echo hello; ls / >/dev/null && mkdir /tmp/x; echo rc=$?"]);
    expect([r.code, r.stdout]).toEqual([0, "hello\nrc=1\n"]);
    expect(r.stderr).toMatch(/Operation not permitted/);
  }, T);

  test("no-new-privileges with a profile: the filter is loaded last, and NoNewPrivs is 1", async () => {
    const path = profileFile("nnp.json", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] });
    const r = await run(["--rm", "--security-opt", "no-new-privileges", "--security-opt", `seccomp=${path}`, "-u", "1000", "busybox", "sh", "-c", `${STATUS}; mkdir /tmp/x`]);
    expect(r.stdout).toMatch(/NoNewPrivs:\t1\n/);
    expect(r.stdout).toMatch(/Seccomp:\t2\n/);
    expect(r.stderr).toMatch(/Permission denied/);
  }, T);

  // The host hands the init a compiled program (seccomp.bpf next to config.json); the init must still
  // enforce what config.json says when that file is stale, damaged or missing.
  test("the init follows config.json, whatever the bundle's compiled program says", async () => {
    const id = (await ctx.sb.run(["create", "--name", "stale", "busybox", "sh", "-c", "mkdir /tmp/x 2>&1; unshare -U true 2>&1; echo end"])).stdout.trim();
    try {
      const dir = join(ctx.sb.root, "containers", id);
      expect(readFileSync(join(dir, "seccomp.bpf")).subarray(0, 16).toString()).toBe("minibox-seccomp ");
      // config.json now says: allow everything but mkdir (EACCES); the compiled file still holds the default.
      const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      spec.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] };
      writeFileSync(join(dir, "config.json"), JSON.stringify(spec));
      const stale = await ctx.sb.run(["start", "-a", "stale"]);
      // (The default profile allows mkdir: only config.json's profile refuses it.)
      expect(stale.stdout).toMatch(/can't create directory '\/tmp\/x': Permission denied\n.*end\n$/s);
    } finally {
      await ctx.sb.run(["rm", "-f", "stale"]);
    }
    // Damaged, then missing: config.json's default profile all the same.
    for (const damage of ["garbage", ""] as const) {
      const id2 = (await ctx.sb.run(["create", "busybox", "sh", "-c", "unshare -U true 2>&1; grep '^Seccomp:' /proc/self/status"])).stdout.trim();
      try {
        const file = join(ctx.sb.root, "containers", id2, "seccomp.bpf");
        if (damage) writeFileSync(file, damage);
        else rmSync(file);
        const r = await ctx.sb.run(["start", "-a", id2]);
        expect([damage, r.stdout]).toEqual([damage, "unshare: unshare(0x10000000): Operation not permitted\nSeccomp:\t2\n"]);
      } finally {
        await ctx.sb.run(["rm", "-f", id2]);
      }
    }
  }, T);

  test("a bad profile is one line on stderr, exit 125, and nothing is created", async () => {
    const cases: [string, RegExp][] = [
      [profileFile("malformed.json", "{ \"defaultAction\": "), /decoding seccomp profile .*malformed\.json failed/],
      [profileFile("bad-action.json", { defaultAction: "SCMP_ACT_SOMETIMES" }), /defaultAction: unknown value "SCMP_ACT_SOMETIMES"/],
      [profileFile("bad-op.json", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "SCMP_CMP_ABOUT" }] }] }), /op: unknown value "SCMP_CMP_ABOUT"/],
      [profileFile("bad-arch.json", { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_PDP11"] }), /architectures\[0\]: unknown value "SCMP_ARCH_PDP11"/],
      [join(ctx.base, "does-not-exist.json"), /opening seccomp profile \(.*does-not-exist\.json\) failed: no such file or directory/],
    ];
    const before = ctx.containerIds();
    for (const [path, message] of cases) {
      const r = await run(["--name", "never", "--security-opt", `seccomp=${path}`, "busybox", "true"]);
      expect([path, r.code]).toEqual([path, 125]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
    expect(ctx.containerIds()).toEqual(before);
  }, T);
});

describe("--security-opt", () => {
  test("no-new-privileges: NoNewPrivs 1 in run and in exec; =false leaves it 0", async () => {
    for (const opt of ["no-new-privileges", "no-new-privileges=true", "no-new-privileges:true"]) {
      expect([opt, await ok(["--rm", "--security-opt", opt, "busybox", "sh", "-c", "grep NoNewPrivs /proc/self/status"])]).toEqual([opt, "NoNewPrivs:\t1\n"]);
    }
    expect(await ok(["--rm", "--security-opt", "no-new-privileges=false", "busybox", "sh", "-c", "grep NoNewPrivs /proc/self/status"])).toBe("NoNewPrivs:\t0\n");
    await ok(["-d", "--name", "nnp", "--security-opt", "no-new-privileges", "busybox", "sleep", "1000"]);
    try {
      const r = await ctx.sb.run(["exec", "nnp", "sh", "-c", STATUS]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/NoNewPrivs:\t1\n/);
      expect(r.stdout).toMatch(/Seccomp:\t2\n/);
    } finally {
      await ctx.sb.run(["rm", "-f", "nnp"]);
    }
  }, T);

  test("unknown values are refused with Docker's message (125); label and apparmor are ignored with a warning", async () => {
    for (const [opt, message] of [["foo=bar", 'invalid --security-opt 2: "foo=bar"'], ["nonsense", 'invalid --security-opt 1: "nonsense"'],
      ["no-new-privileges=perhaps", 'invalid --security-opt 2: "no-new-privileges=perhaps"']] as const) {
      const r = await run(["--rm", "--security-opt", opt, "busybox", "true"]);
      expect([opt, r.code, r.stderr.trim()]).toEqual([opt, 125, `minibox: ${message}`]);
    }
    const r = await run(["--rm", "--security-opt", "label=disable", "busybox", "echo", "ran"]);
    expect([r.code, r.stdout]).toEqual([0, "ran\n"]);
    expect(r.stderr).toMatch(/warn: --security-opt label=disable is ignored/);
  }, T);

  test("inspect shows SecurityOpt as given", async () => {
    const path = profileFile("inspect.json", { defaultAction: "SCMP_ACT_ALLOW" });
    await ok(["--name", "so-unconfined", "--security-opt", "seccomp=unconfined", "busybox", "true"]);
    await ok(["--name", "so-profile", "--security-opt", `seccomp=${path}`, "--security-opt", "no-new-privileges", "busybox", "true"]);
    await ok(["--name", "so-none", "busybox", "true"]);
    const inspect = await ctx.sb.run(["inspect", "so-unconfined", "so-profile", "so-none"]);
    expect(inspect.code).toBe(0);
    const [u, p, n] = JSON.parse(inspect.stdout) as { HostConfig: { SecurityOpt: string[] | null } }[];
    expect(u!.HostConfig.SecurityOpt).toEqual(["seccomp=unconfined"]);
    expect(p!.HostConfig.SecurityOpt).toEqual([`seccomp=${path}`, "no-new-privileges"]);
    expect(n!.HostConfig.SecurityOpt).toBeNull();
  }, T);
});
