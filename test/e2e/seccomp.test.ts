// The default seccomp filter through the compiled binary, as root on the real kernel: every container's
// process (and every `exec`) runs under it, it refuses new namespaces while ordinary work goes on, and
// --security-opt seccomp=unconfined leaves it off.
import { describe, expect, test } from "bun:test";
import { T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-seccomp-");
const { run, ok } = ctx;

const SECCOMP_LINE = "grep '^Seccomp:' /proc/self/status";

describe("default seccomp filter", () => {
  test("the command runs in filter mode (2) and ordinary work succeeds", async () => {
    expect(await ok(["--rm", "busybox", "sh", "-c", SECCOMP_LINE])).toMatch(/^Seccomp:\s+2\n$/);
    expect(await ok(["--rm", "busybox", "sh", "-c", "ls / >/dev/null && echo ok"])).toBe("ok\n");
    // fork and threads go through clone without namespace flags.
    expect(await ok(["--rm", "busybox", "sh", "-c", "(echo sub) | cat; echo done"])).toBe("sub\ndone\n");
  }, T);

  // (unshare -U alone needs no capability, so without the filter it would succeed on most hosts.)
  test("new namespaces are refused with EPERM", async () => {
    for (const cmd of [["unshare", "-U", "true"], ["unshare", "-n", "true"]]) {
      const r = await run(["--rm", "busybox", ...cmd]);
      expect([cmd.join(" "), r.code]).not.toEqual([cmd.join(" "), 0]);
      expect(r.stderr).toMatch(/Operation not permitted/);
    }
  }, T);

  test("--security-opt seccomp=unconfined runs without a filter and shows in inspect", async () => {
    expect(await ok(["--rm", "--security-opt", "seccomp=unconfined", "busybox", "sh", "-c", SECCOMP_LINE])).toMatch(/^Seccomp:\s+0\n$/);
    await ok(["--name", "unconfined", "--security-opt", "seccomp=unconfined", "busybox", "true"]);
    await ok(["--name", "confined", "busybox", "true"]);
    const inspect = await ctx.sb.run(["inspect", "unconfined", "confined"]);
    expect(inspect.code).toBe(0);
    const [u, c] = JSON.parse(inspect.stdout) as { HostConfig: { SecurityOpt: string[] | null } }[];
    expect(u!.HostConfig.SecurityOpt).toEqual(["seccomp=unconfined"]);
    expect(c!.HostConfig.SecurityOpt).toBeNull();
  }, T);

  test("any other --security-opt is a usage error (125)", async () => {
    const r = await run(["--rm", "--security-opt", "seccomp=/tmp/profile.json", "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/only seccomp=unconfined is supported/);
  }, T);

  test("exec into a default container gets the same filter; into an unconfined one, none", async () => {
    for (const [name, opts, mode] of [["exec-default", [], "2"], ["exec-unconfined", ["--security-opt", "seccomp=unconfined"], "0"]] as const) {
      await ok(["-d", "--name", name, ...opts, "busybox", "sh", "-c", "sleep 1000; true"]);
      try {
        const r = await ctx.sb.run(["exec", name, "sh", "-c", SECCOMP_LINE]);
        expect([name, r.code, r.stdout]).toEqual([name, 0, `Seccomp:\t${mode}\n`]);
        if (mode === "2") expect((await ctx.sb.run(["exec", name, "unshare", "-U", "true"])).code).not.toBe(0);
      } finally {
        await ctx.sb.run(["rm", "-f", name]);
      }
    }
  }, T);
});
