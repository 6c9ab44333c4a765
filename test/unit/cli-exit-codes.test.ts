// Which exit code a failed command gets (docker/cli 20.10: cmd/docker/docker.go, cli/cobra.go, run.go).
import { describe, expect, test } from "bun:test";
import { commandPath, exitCodeOf } from "../../src/cli/report.ts";
import { ArgvError } from "../../src/cli/argv.ts";
import { UserError } from "../../src/errors.ts";

describe("exitCodeOf", () => {
  test("run and create keep 125 and the container's 126/127", () => {
    for (const cmd of ["run", "create", "container run", "container create"]) {
      expect(exitCodeOf(new UserError("engine failed"), cmd)).toBe(125);
      expect(exitCodeOf(new Error("unexpected"), cmd)).toBe(125);
      expect(exitCodeOf(new UserError("not found", 127), cmd)).toBe(127);
    }
  });

  test("every other command fails with 1; explicit codes other than 125 pass", () => {
    for (const cmd of ["rmi", "pull", "rename", "inspect", "stop", "exec", "container rm", "network create", "volume rm", "image rm"]) {
      expect(exitCodeOf(new UserError("failed"), cmd)).toBe(1);
      expect(exitCodeOf(new Error("unexpected"), cmd)).toBe(1);
    }
    expect(exitCodeOf(new UserError("exec: not found", 127), "exec")).toBe(127);
  });

  test("flag errors are 125 for every command, pflag's value errors included", () => {
    expect(exitCodeOf(new ArgvError("unknown flag: --bogus"), "ps")).toBe(125);
    expect(exitCodeOf(new UserError('invalid argument "abc" for "-t, --time" flag: strconv.ParseInt: parsing "abc": invalid syntax'), "stop")).toBe(125);
    expect(exitCodeOf(new UserError('an error that says invalid argument "x" for "y" flag: later'), "stop")).toBe(1);
  });
});

test("commandPath names a management command's verb", () => {
  expect(commandPath(["run", "busybox"])).toBe("run");
  expect(commandPath(["container", "run", "busybox"])).toBe("container run");
  expect(commandPath(["container", "--help"])).toBe("container");
  expect(commandPath(["exec", "c", "ls"])).toBe("exec");
  expect(commandPath([])).toBe("");
});
