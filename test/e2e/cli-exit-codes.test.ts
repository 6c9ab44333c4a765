// Issue #13, exit codes as Docker 20.10's CLI gives them (docker/cli cmd/docker/docker.go, cli/cobra.go,
// cli/command/container/{run,create,exec,rm}.go): a failure of a command other than run/create is 1; a
// flag error is 125 for every command; run/create keep 125 for the engine's own failures; `rm -f` of a
// missing container is no failure; `-it` without a terminal on stdin is "the input device is not a TTY", 1.
import { describe, expect, test } from "bun:test";
import { T, lines, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-exit-");
const mb = (args: string[]) => ctx.sb.run(args);

describe("errors of commands other than run/create exit 1", () => {
  test.each([
    [["rmi", "nosuch"]],
    [["inspect", "nosuch"]],
    [["image", "inspect", "nosuch"]],
    [["stop", "nosuch"]],
    [["start", "nosuch"]],
    [["logs", "nosuch"]],
    [["rename", "nosuch", "other"]],
    [["network", "rm", "nosuch"]],
    [["network", "inspect", "nosuch"]],
    [["volume", "rm", "nosuch"]],
    [["exec", "nosuch", "true"]],
    [["nosuchcommand"]],
    [["container", "nosuch"]],
    // Docker's "requires at least N arguments" is a plain error (cli/required.go), even for run.
    [["rename", "only-one"]],
    [["run"]],
    [["exec", "nosuch"]],
  ])("%p", async (args) => {
    const r = await mb(args);
    expect({ args, code: r.code }).toEqual({ args, code: 1 });
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, T);

  test("a failed pull", async () => {
    const r = await mb(["pull", "127.0.0.1:9/nosuch:1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, T);

  test("a rename onto a name in use", async () => {
    await ctx.ok(["--name", "exit-a", "busybox", "true"]);
    await ctx.ok(["--name", "exit-b", "busybox", "true"]);
    const r = await mb(["rename", "exit-a", "exit-b"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("exit-b");
    expect((await mb(["rm", "exit-a", "exit-b"])).code).toBe(0);
  }, T);
});

describe("flag errors exit 125 for every command (docker/cli FlagErrorFunc)", () => {
  test.each([[["ps", "--bogus"]], [["rmi", "--bogus", "x"]], [["network", "ls", "--bogus"]], [["run", "--bogus", "busybox"]]])("%p", async (args) => {
    const r = await mb(args);
    expect({ args, code: r.code }).toEqual({ args, code: 125 });
    expect(r.stderr).toContain("unknown flag: --bogus");
  }, T);
});

describe("run and create keep 125 for the engine's failures", () => {
  test("run and create of an image that is not there (--pull never)", async () => {
    expect((await mb(["run", "--pull", "never", "nosuch-image"])).code).toBe(125);
    expect((await mb(["create", "--pull", "never", "nosuch-image"])).code).toBe(125);
    expect((await mb(["container", "run", "--pull", "never", "nosuch-image"])).code).toBe(125);
  }, T);

  test("a missing command keeps 127", async () => {
    expect((await ctx.run(["--rm", "busybox", "/nosuch-binary"])).code).toBe(127);
  }, T);
});

test("rm -f of a missing container succeeds (Docker reports it on stderr, exit 0)", async () => {
  const r = await mb(["rm", "-f", "nosuch"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("");
}, T);

describe("-it without a terminal on stdin", () => {
  test("run -it: 'the input device is not a TTY', exit 1, no container", async () => {
    const before = ctx.containerIds();
    const r = await ctx.run(["-it", "busybox", "true"]);
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 1, stderr: "minibox: the input device is not a TTY" });
    expect(ctx.containerIds()).toEqual(before);
  }, T);

  test("run -itd is fine (detached: nothing is attached)", async () => {
    const r = await ctx.run(["-itd", "--name", "exit-tty", "busybox", "sh"]);
    expect(r.code).toBe(0);
    try {
      const e = await mb(["exec", "-it", "exit-tty", "true"]);
      expect({ code: e.code, stderr: e.stderr.trim() }).toEqual({ code: 1, stderr: "minibox: the input device is not a TTY" });
      // A missing container takes precedence, as in Docker (it inspects first).
      const missing = await mb(["exec", "-it", "nosuch", "true"]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("No such container");
    } finally {
      await mb(["rm", "-f", "exit-tty"]);
    }
  }, T);
});
